"""senhance.cli.infer_plan: where each output goes, checked before any model is loaded."""
import os

import pytest

from cli_support import write_audio
from senhance.cli.infer_plan import plan
from senhance.errors import UsageError


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a.wav", "recs/b.wav", "recs/sub/c.flac", "recs/b_enhanced.wav", "g/x/d.wav"):
        write_audio(tmp_path / name)
    return tmp_path


def pairs(jobs):
    return [(j.input.as_posix(), j.output.as_posix()) for j in jobs]


def test_beside_the_inputs_skipping_earlier_outputs(work):
    assert pairs(plan(["a.wav", "recs"])) == [
        ("a.wav", "a_enhanced.wav"), ("recs/b.wav", "recs/b_enhanced.wav"),
        ("recs/sub/c.flac", "recs/sub/c_enhanced.flac")]
    # a file named explicitly is an input even if it looks like an output; the same file twice is one job
    assert pairs(plan(["recs/b_enhanced.wav", "a.wav", "./a.wav"])) == [
        ("recs/b_enhanced.wav", "recs/b_enhanced_enhanced.wav"), ("a.wav", "a_enhanced.wav")]
    assert pairs(plan(["a.wav"], suffix="_clean")) == [("a.wav", "a_clean.wav")]


def test_output_folder_mirrors_each_input(work):
    got = pairs(plan(["recs", "g/**/*.wav", "a.wav"], "out"))
    assert got == [("recs/b.wav", "out/b.wav"), ("recs/b_enhanced.wav", "out/b_enhanced.wav"),
                   ("recs/sub/c.flac", "out/sub/c.flac"), ("g/x/d.wav", "out/x/d.wav"), ("a.wav", "out/a.wav")]
    assert pairs(plan(["a.wav"], "new/")) == [("a.wav", "new/a.wav")]  # a trailing slash: a folder
    assert pairs(plan(["a.wav"], "clean.flac")) == [("a.wav", "clean.flac")]


def test_refusals(work):
    with pytest.raises(UsageError, match="names a file, but the inputs hold 3 files"):
        plan(["recs"], "one.wav")
    with pytest.raises(UsageError, match="would replace the input a.wav"):
        plan(["a.wav"], "a.wav")
    with pytest.raises(UsageError, match="would replace the input"):
        plan(["recs"], "recs")  # same folder, no suffix
    with pytest.raises(UsageError, match="would replace the input recs/b_enhanced.wav"):
        plan(["recs/b.wav", "recs/b_enhanced.wav"])
    with pytest.raises(UsageError, match="would replace the input a_enhanced_residual.wav"):
        write_audio(work / "a_enhanced_residual.wav")
        plan(["a.wav", "a_enhanced_residual.wav"], save_residual=True)
    os.makedirs("two")
    write_audio(work / "two" / "b.wav")
    with pytest.raises(UsageError, match="would both be written to out/b.wav"):
        plan(["recs/b.wav", "two/b.wav"], "out")
    with pytest.raises(UsageError, match="nothing/\\*.wav: no audio files"):
        plan(["nothing/*.wav"])
    with pytest.raises(UsageError, match="no input"):
        plan([])
