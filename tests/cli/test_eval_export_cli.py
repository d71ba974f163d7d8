"""``senhance-eval --ref CLEAN NOISY SYSTEM...`` and ``senhance-export MODEL OUT.onnx`` as subprocesses."""
import json
import shutil

from cli_support import run_cli, tiny_checkpoint, tree, write_audio


def test_eval_positional_form_with_a_folder_of_outputs(tmp_path):
    for i in range(2):
        write_audio(tmp_path / "clean" / f"s{i}.wav", seconds=0.5, seed=10 + i)
        write_audio(tmp_path / "noisy" / f"s{i}.wav", seconds=0.5, seed=i)
    shutil.copytree(tmp_path / "clean", tmp_path / "theirs")  # a "perfect" other tool
    result = run_cli("senhance.cli.evaluate", ["--ref", "clean", "noisy", "wiener", "oracle:theirs/", "-o", "out",
                                                "--metrics", "si_sdr", "examples=0", "progress=false"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["rows"] == ["noisy", "wiener", "oracle"] and results["n_files"] == 2
    assert results["systems"]["oracle"]["summary"]["si_sdr"]["mean"] > 60  # the outputs are the references
    assert {"results.json", "report.md", ".hydra/config.yaml"} <= set(tree(tmp_path / "out"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "noisy", "out", "theirs"]


def test_export_model_to_a_named_onnx_file(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.pt")
    result = run_cli("senhance.cli.export", ["tiny.pt", "exported/model.onnx"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert tree(tmp_path / "exported") == ["model.export.json", "model.offline.onnx", "model.step.onnx", "onnx_runner.py"]
    description = json.loads((tmp_path / "exported" / "model.export.json").read_text())
    assert sorted(description["files"].values()) == ["model.offline.onnx", "model.step.onnx", "onnx_runner.py"]
