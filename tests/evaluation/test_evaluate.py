"""The whole evaluation on tiny generated data: through Hydra (compose and a subprocess), JSON structure,
known relations between rows, determinism, bad files, parallel workers, the reference-free mode."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from senhance.cli.evaluate import run
from senhance.evaluation import evaluate

from eval_fixtures import SAMPLE_RATE, compose_eval, make_corpus, speech_like, stand_in_loader

REPO = Path(__file__).resolve().parents[2]
SUMMARY_FIELDS = {"mean", "std", "ci95", "count", "nan"}


def run_eval(noisy_dir, clean_dir, output_dir, *extra):
    cfg = compose_eval([
        f"noisy_dir={noisy_dir}", f"clean_dir={clean_dir}", f"output_dir={output_dir}",
        "systems=[smooth,half:gain]", "metrics=[pesq,stoi,estoi,si_sdr]", "compare=[smooth,noisy]",
        "examples=2", "progress=false", *extra,
    ])
    return run(cfg, loader=stand_in_loader)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    noisy_dir, clean_dir = make_corpus(root / "data", n_files=4, seconds=1.0)
    results = run_eval(noisy_dir, clean_dir, root / "out", "save_audio=true")
    again = run_eval(noisy_dir, clean_dir, root / "out2")
    return root, results, again


def test_results_json_structure(evaluated):
    root, results, _ = evaluated
    on_disk = json.loads((root / "out" / "results.json").read_text())
    assert on_disk["rows"] == ["noisy", "smooth", "half"]
    assert on_disk["metric_keys"] == ["pesq", "stoi", "estoi", "si_sdr"]
    assert on_disk["errors"] == [] and on_disk["n_files"] == 4
    assert on_disk["metric_info"]["pesq"]["sample_rate"] == 16000
    assert on_disk["metric_info"]["stoi"]["sample_rate"] == 10000
    for label in on_disk["rows"]:
        system = on_disk["systems"][label]
        assert set(system["summary"]) == {"pesq", "stoi", "estoi", "si_sdr"}
        for summary in system["summary"].values():
            assert set(summary) == SUMMARY_FIELDS and summary["count"] == 4
            assert summary["ci95"][0] <= summary["mean"] <= summary["ci95"][1]
        assert [row["file"] for row in system["files"]] == ["snr0_0.wav", "snr10_2.wav", "snr15_3.wav", "snr5_1.wav"]
    assert set(on_disk["groups"]) == {"snr", "noise"}
    assert set(on_disk["groups"]["snr"]) == {"0", "5", "10", "15"}
    assert on_disk["groups"]["snr"]["10"]["smooth"]["si_sdr"]["count"] == 1
    (comparison,) = on_disk["comparisons"]
    assert (comparison["a"], comparison["b"]) == ("smooth", "noisy")
    assert comparison["metrics"]["si_sdr"]["count"] == 4


def test_known_relations_between_rows(evaluated):
    _, results, _ = evaluated
    noisy = {row["file"]: row for row in results["systems"]["noisy"]["files"]}
    half = {row["file"]: row for row in results["systems"]["half"]["files"]}
    for file_id, row in noisy.items():
        constructed_snr = float(file_id[3:].split("_")[0])
        assert row["si_sdr"] == pytest.approx(constructed_snr, abs=0.5)  # white noise ~ orthogonal to speech
        assert half[file_id]["si_sdr"] == pytest.approx(row["si_sdr"], abs=1e-4)  # a gain cannot change SI-SDR
    # Smoothing removes most of the white noise above ~3 kHz: SI-SDR must improve on every file.
    assert results["comparisons"][0]["metrics"]["si_sdr"]["ci95"][0] > 0


def test_two_runs_give_identical_outputs(evaluated):
    root, _, _ = evaluated
    for name in ("results.json", "results.csv", "report.md"):
        assert (root / "out" / name).read_bytes() == (root / "out2" / name).read_bytes()


def test_csv_markdown_and_saved_audio(evaluated):
    root, _, _ = evaluated
    lines = (root / "out" / "results.csv").read_text().splitlines()
    assert lines[0] == "file,system,noise,snr,pesq,stoi,estoi,si_sdr,warnings"
    assert len(lines) == 1 + 3 * 4
    report = (root / "out" / "report.md").read_text()
    assert "| system | PESQ | STOI | ESTOI | SI-SDR (dB) | files |" in report
    assert "### By snr" in report and "### Paired comparison: smooth vs noisy" in report
    for label in ("smooth", "half"):
        saved, rate = sf.read(root / "out" / "enhanced" / label / "snr5_1.wav")
        assert rate == SAMPLE_RATE and saved.shape == (SAMPLE_RATE,)
    assert not (root / "out" / "enhanced" / "noisy").exists()


def test_bad_file_and_failing_system_are_reported_and_the_rest_finish(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=3, manifest=False)
    (noisy_dir / "corrupt.wav").write_bytes(b"RIFF not really audio")
    (clean_dir / "corrupt.wav").write_bytes(b"RIFF not really audio")
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "out",
                       systems=["smooth", "broken", "nothere"], metrics=["si_sdr"], loader=stand_in_loader,
                       examples=0, progress=False)
    problems = {(e["file"], e["system"]) for e in results["errors"]}
    assert problems == {("corrupt.wav", None), ("*", "nothere"), ("snr10_2.wav", "broken")}
    assert "corrupt.wav" in next(e["error"] for e in results["errors"] if e["file"] == "corrupt.wav")
    assert results["rows"] == ["noisy", "smooth", "broken"]
    assert results["systems"]["smooth"]["summary"]["si_sdr"]["count"] == 3
    assert results["systems"]["broken"]["summary"]["si_sdr"]["count"] == 2
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert len(saved["errors"]) == 3


def test_parallel_workers_give_the_same_results(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=3, seconds=0.5)
    kwargs = dict(noisy_dir=noisy_dir, clean_dir=clean_dir, systems=["smooth"], metrics=["stoi", "si_sdr"],
                  loader=stand_in_loader, examples=0, progress=False)
    serial = evaluate(output_dir=tmp_path / "serial", jobs=1, **kwargs)
    parallel = evaluate(output_dir=tmp_path / "parallel", jobs=2, **kwargs)
    assert parallel["systems"] == serial["systems"]


def test_reference_free_mode_scores_dnsmos_only(tmp_path):
    noisy_dir = tmp_path / "noisy"
    noisy_dir.mkdir()
    rng = np.random.default_rng(3)
    for i in range(2):  # 9.2 s: one DNSMOS window per call
        clean = speech_like(9.2, SAMPLE_RATE, rng)
        sf.write(noisy_dir / f"rec{i}.wav", clean + 0.02 * rng.standard_normal(clean.size), SAMPLE_RATE)
    cfg = compose_eval([f"noisy_dir={noisy_dir}", f"output_dir={tmp_path / 'out'}", "systems=[gain]",
                        "examples=0", "progress=false"])
    results = run(cfg, loader=stand_in_loader)
    assert results["metric_keys"] == ["dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"]
    for label in ("noisy", "gain"):
        for key in results["metric_keys"]:
            summary = results["systems"][label]["summary"][key]
            assert summary["count"] == 2 and 1.0 <= summary["mean"] <= 5.0


def test_console_script_with_real_baselines(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=2, seconds=0.5, manifest=False)
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "scripts" / "evaluate.py"), f"noisy_dir={noisy_dir}",
               f"clean_dir={clean_dir}", f"output_dir={out}", "systems=[wiener,bp:bandpass]",
               "metrics=[si_sdr,segmental_snr]", "compare=[wiener,bp]", "examples=1", "progress=false"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert results["rows"] == ["noisy", "wiener", "bp"]
    assert results["config"]["systems"] == [{"label": "wiener", "source": "wiener"}, {"label": "bp", "source": "bandpass"}]
    assert results["systems"]["wiener"]["summary"]["segmental_snr"]["count"] == 2
    assert "| wiener |" in done.stdout


def test_bad_arguments_exit_with_a_clear_message(tmp_path, monkeypatch, capsys):
    from senhance.cli.evaluate import main

    monkeypatch.chdir(tmp_path)  # Hydra would write its run folder under the working directory
    with pytest.raises(SystemExit) as exit_info:
        main([f"noisy_dir={tmp_path / 'nope'}", f"output_dir={tmp_path / 'out'}", "systems=[wiener]"])
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert "noisy_dir=" in stderr and "not a folder" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # checked before the run folder is made


def test_report_folder_can_be_moved(evaluated, tmp_path):
    root, _, _ = evaluated
    moved = tmp_path / "moved"
    shutil.copytree(root / "out", moved)
    html = (moved / "report.html").read_text()
    assert str(root) not in html


def test_other_rates_and_stereo_files_are_scored(tmp_path):
    noisy_dir, clean_dir = tmp_path / "noisy", tmp_path / "clean"
    noisy_dir.mkdir()
    clean_dir.mkdir()
    rng = np.random.default_rng(5)
    clean = speech_like(1.0, 8000, rng)
    stereo_clean = np.stack([clean, 0.5 * clean], axis=1)  # (T, 2) for soundfile
    sf.write(clean_dir / "tel.wav", stereo_clean, 8000, subtype="FLOAT")
    sf.write(noisy_dir / "tel.wav", stereo_clean + 0.01 * rng.standard_normal(stereo_clean.shape), 8000, subtype="FLOAT")
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "out", systems=["smooth"],
                       metrics=["pesq", "si_sdr"], loader=stand_in_loader, examples=1, save_audio=True, progress=False)
    assert results["errors"] == []
    for label in ("noisy", "smooth"):
        (row,) = results["systems"][label]["files"]
        assert -0.5 <= row["pesq"] <= 4.65 and row["si_sdr"] > 10
    saved, rate = sf.read(tmp_path / "out" / "enhanced" / "smooth" / "tel.wav")
    assert rate == 8000 and saved.shape == stereo_clean.shape  # same rate, channels and length as the input


def test_metric_failures_are_counted_as_nan_not_fatal(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=2, manifest=False)
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    sf.write(clean_dir / "silent.wav", silence, SAMPLE_RATE, subtype="FLOAT")
    sf.write(noisy_dir / "silent.wav", silence + 1e-3, SAMPLE_RATE, subtype="FLOAT")
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "out", systems=[],
                       metrics=["pesq", "si_sdr"], loader=stand_in_loader, examples=0, progress=False)
    summary = results["systems"]["noisy"]["summary"]
    assert (summary["pesq"]["count"], summary["pesq"]["nan"]) == (2, 1)
    assert (summary["si_sdr"]["count"], summary["si_sdr"]["nan"]) == (2, 1)
    row = next(r for r in results["systems"]["noisy"]["files"] if r["file"] == "silent.wav")
    assert row["pesq"] is None and any("pesq" in w for w in row["warnings"])
    assert results["errors"] == []
