"""enhance_paths and senhance-infer: folders, globs, a corrupt file, relative paths, inputs untouched."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from senhance.enhance import NoInputError, enhance_paths


def make_tree(root, standins):
    standins.make_audio(root / "a.wav", sample_rate=16000, seconds=0.1)
    standins.make_audio(root / "sub" / "b.flac", sample_rate=16000, seconds=0.2, channels=2)
    (root / "sub" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    (root / "notes.txt").write_text("not audio")
    return {p: standins.sha256(p) for p in root.rglob("*") if p.is_file()}


def test_folder_with_a_corrupt_file(tmp_path, standins):
    hashes = make_tree(tmp_path / "in", standins)
    summary = enhance_paths(standins.GainEnhancer(0.5), tmp_path / "in", tmp_path / "out", suffix="_enh",
                            progress=False)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in summary.done) == ["a_enh.wav", "sub/b_enh.flac"]
    assert [(p.name, "broken.wav" in reason) for p, reason in summary.failed] == [("broken.wav", True)]
    assert not summary.ok and summary.audio_seconds == pytest.approx(0.3)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()) \
        == ["a_enh.wav", "sub/b_enh.flac"]  # nothing half-written for the broken one
    assert {p: standins.sha256(p) for p in hashes} == hashes


def test_glob_single_file_and_output_inside_input(tmp_path, standins):
    make_tree(tmp_path / "in", standins)
    summary = enhance_paths(standins.GainEnhancer(), str(tmp_path / "in" / "**" / "*.flac"), tmp_path / "g",
                            progress=False)
    assert [p.relative_to(tmp_path / "g").as_posix() for p in summary.done] == ["sub/b.flac"] and summary.ok
    one = enhance_paths(standins.GainEnhancer(), tmp_path / "in" / "a.wav", tmp_path / "single.wav", progress=False)
    assert one.done == [tmp_path / "single.wav"]
    # output folder inside the input folder: a second run does not pick up the first run's outputs
    for _ in range(2):
        nested = enhance_paths(standins.GainEnhancer(), tmp_path / "in", tmp_path / "in" / "enhanced",
                               overwrite=True, progress=False)
        assert len(nested.done) == 2
    with pytest.raises(NoInputError, match="nothing-here"):
        enhance_paths(standins.GainEnhancer(), tmp_path / "nothing-here", tmp_path / "o", progress=False)


def test_same_folder_without_suffix_refuses_to_overwrite_inputs(tmp_path, standins):
    hashes = make_tree(tmp_path / "in", standins)
    summary = enhance_paths(standins.GainEnhancer(), tmp_path / "in", tmp_path / "in", overwrite=True, progress=False)
    assert summary.done == [] and len(summary.failed) == 3
    assert all("input" in reason or "broken" in reason for _, reason in summary.failed)
    assert {p: standins.sha256(p) for p in hashes} == hashes


def test_cli_relative_paths_from_another_cwd(tmp_path, standins, tiny_checkpoint):
    """senhance-infer run from a different directory, relative paths, a corrupt file: exit 1, reason shown."""
    work = tmp_path / "work"
    hashes = make_tree(work / "recs", standins)
    os.link(tiny_checkpoint, work / "model.pt")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    result = subprocess.run(
        [sys.executable, "-m", "senhance.cli.infer", "input=recs", "output=clean", "model=model.pt",
         "strength=0.5", "save_residual=true", "progress=false"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "broken.wav" in result.stderr and "2 file(s) done, 1 failed" in result.stderr
    outputs = sorted(p.relative_to(work / "clean").as_posix() for p in (work / "clean").rglob("*") if p.is_file())
    assert outputs == ["a.wav", "a_residual.wav", "sub/b.flac", "sub/b_residual.flac"]
    assert sorted(p.name for p in work.iterdir()) == ["clean", "model.pt", "recs"]  # no outputs/, .hydra, logs
    info = soundfile.info(work / "clean" / "sub" / "b.flac")
    assert (info.samplerate, info.channels, info.frames) == (16000, 2, 3200)
    y, _ = soundfile.read(work / "clean" / "sub" / "b.flac")
    r, _ = soundfile.read(work / "clean" / "sub" / "b_residual.flac")
    x, _ = soundfile.read(work / "recs" / "sub" / "b.flac")
    np.testing.assert_allclose(y + r, x, atol=2 / 32768)  # output + residual == input (16-bit steps)
    assert {p: standins.sha256(p) for p in hashes} == hashes


def test_cli_run_in_process(tmp_path, standins, monkeypatch):
    """The Hydra config composes; run() returns 1 on an existing output, 0 once overwrite=true."""
    import senhance.registry
    from senhance.cli._command import compose
    from senhance.cli.infer import run

    standins.make_audio(tmp_path / "a.wav")
    (tmp_path / "o.wav").write_bytes(b"old")
    monkeypatch.setattr(senhance.registry, "load", lambda name, **kw: standins.GainEnhancer())
    monkeypatch.chdir(tmp_path)
    cfg = compose("infer", ["input=a.wav", "output=o.wav", "model=wiener", "progress=false"])
    assert run(cfg) == 1 and (tmp_path / "o.wav").read_bytes() == b"old"
    cfg = compose("infer", ["input=a.wav", "output=o.wav", "model=wiener", "progress=false", "overwrite=true"])
    assert run(cfg) == 0 and soundfile.info(tmp_path / "o.wav").frames == 1600


def test_zero_files_done_reports_no_nan_real_time_factor():
    from senhance.inference.paths import Summary

    report = Summary(failed=[("a.wav", "0 samples")], wall_seconds=0.2).report()
    assert "nan" not in report and "real-time factor" not in report
    assert "real-time factor 0.5000" in Summary(done=["b.wav"], audio_seconds=2.0, wall_seconds=1.0).report()
