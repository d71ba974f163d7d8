"""Usage errors of every command: exit 2, one plain line naming the problem and what to type, the --help hint,
no traceback, nothing created. Most run in-process (the checks happen before Hydra); one bare command of each
kind also runs as a subprocess."""
import importlib
import sys
from pathlib import Path

import pytest

from cli_support import run_cli, write_audio

#: the model group's options, read from the configs folder
MODEL_OPTIONS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "configs" / "model").glob("*.yaml"))

CASES = [  # (module, argv, what the line must say)
    ("senhance.cli.infer", [], "no input: give one or more files"),
    ("senhance.cli.infer", ["a.wav", "--strenght", "2"], "unknown option --strenght; did you mean --strength?"),
    ("senhance.cli.infer", ["a.wav", "--strength", "loud"], "--strength loud: not a valid S"),
    ("senhance.cli.infer", ["a.wav", "--strength", "2"], "strength=2: must be inside [0, 1]"),
    ("senhance.cli.infer", ["a.wav", "--model", "nope"], "model=nope: no such model"),
    ("senhance.cli.infer", ["missing.wav"], "missing.wav: no such file, folder or glob match"),
    ("senhance.cli.infer", ["a.wav", "strenght=1"], "has no setting 'strenght'; did you mean strength?"),
    ("senhance.cli.infer", ["a.wav", "model=[oops"], "cannot read 'model=[oops' as key=value"),
    ("senhance.cli.infer", ["a.wav", "--model", "wiener", "model=default"], "--model and model= both set model"),
    ("senhance.cli.infer", ["a.wav", "-o", "a.wav"], "would replace the input a.wav"),
    ("senhance.cli.infer", ["a.wav", "noisy", "-o", "x.wav"], "names a file, but the inputs hold 2 files"),
    ("senhance.cli.infer", ["a.wav", "--device", "tpu"], "device=tpu: use cpu, cuda or cuda:N"),
    ("senhance.cli.infer", ["a.wav", "subtype=PCM_99"], "subtype=PCM_99: not a soundfile subtype"),
    ("senhance.cli.evaluate", [], "no noisy folder: give NOISY_DIR"),
    ("senhance.cli.evaluate", ["nope/"], "noisy_dir=nope/: not a folder"),
    ("senhance.cli.evaluate", ["noisy", "--ref", "nope"], "clean_dir=nope: not a folder"),
    ("senhance.cli.evaluate", ["noisy", "missing_outputs/"], "missing_outputs/: no such checkpoint or folder"),
    ("senhance.cli.evaluate", ["noisy", "--metrics", "pesq,loudness"], "unknown metric 'loudness'"),
    ("senhance.cli.evaluate", ["noisy", "--jobs", "0"], "jobs=0: must be >= 1"),
    ("senhance.cli.export", ["nope"], "model=nope: no such model"),
    ("senhance.cli.export", ["default", "a.onnx", "extra"], "unexpected argument 'extra'"),
    ("senhance.cli.export", ["default", "formats=[tflite]"], "formats=['tflite']: choose from torchscript, onnx"),
    ("senhance.cli.train", ["data.noisy_dir=x"], "data.noisy_dir belongs to data=pairs; add data=pairs"),
    ("senhance.cli.train", ["data=pairs"], "no value for data.noisy_dir, data.clean_dir"),
    ("senhance.cli.train", ["model=nope", "data.speech_dir=s", "data.noise_dir=n"],
     "model=nope: no such model option; choose from " + ", ".join(MODEL_OPTIONS)),
    ("senhance.cli.train", ["data/noisy"], "unexpected argument 'data/noisy'"),
    ("senhance.cli.main", ["enhnce"], "unknown command 'enhnce'"),
]


@pytest.mark.parametrize("module, argv, expected", CASES, ids=[f"{m.split('.')[-1]}:{' '.join(a)}" for m, a, _ in CASES])
def test_usage_error_is_one_line_with_exit_2(module, argv, expected, tmp_path, monkeypatch, capsys):
    write_audio(tmp_path / "a.wav")
    write_audio(tmp_path / "noisy" / "n.wav")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module(module).main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert ": error: " in err and expected in err, err
    assert "--help" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing created


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    from senhance.cli.infer import main
    from senhance.registry import ModelNotFoundError

    monkeypatch.chdir(tmp_path)
    write_audio(tmp_path / "a.wav")
    with pytest.raises(ModelNotFoundError):
        main(["a.wav", "--model", "nope", "--debug"])
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(ModelNotFoundError):
        main(["a.wav", "--model", "nope"])


def test_bare_commands_as_subprocesses_say_what_they_need_and_create_nothing(tmp_path):
    for module, needs in (("senhance.cli.train", "no training data: give data.speech_dir=DIR data.noise_dir=DIR"),
                          ("senhance.cli.evaluate", "no noisy folder"), ("senhance.cli.infer", "no input")):
        result = run_cli(module, [], cwd=tmp_path)
        assert result.returncode == 2, (module, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and needs in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no outputs/DATE/TIME, no multirun/, no log


def test_sweep_words_reach_hydra_and_bad_sweeps_are_usage_errors():
    from senhance.cli._command import parse, preflight
    from senhance.cli.train import COMMAND
    from senhance.errors import UsageError

    request = parse(COMMAND, ["-m", "optim.lr=1e-3,3e-4", "data.speech_dir=s", "data.noise_dir=n"])
    assert request.hydra_args == ["-m"] and "optim.lr=1e-3,3e-4" in request.overrides
    assert preflight(COMMAND, request) is None  # only the grammar: Hydra composes each job
    with pytest.raises(UsageError, match="cannot read"):
        preflight(COMMAND, parse(COMMAND, ["-m", "optim.lr=[1e-3", "data.speech_dir=s"]))


def test_internal_errors_keep_their_traceback(tmp_path, monkeypatch, capsys):
    """A bug (not a UserError) inside a task is not turned into one line: Hydra reports it with its traceback."""
    import senhance.registry
    from senhance.cli.infer import main

    def broken(name, **kwargs):
        raise ValueError("an internal bug")

    monkeypatch.chdir(tmp_path)
    write_audio(tmp_path / "a.wav")
    monkeypatch.setattr(senhance.registry, "load", broken)
    monkeypatch.setattr(sys, "argv", ["senhance-infer"])
    with pytest.raises(SystemExit) as exit_info:
        main(["a.wav", "--model", "wiener", "progress=false"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert "Traceback" in err and "ValueError: an internal bug" in err and "senhance-infer: error" not in err
