"""``senhance-infer`` as a user runs it: positional files, a folder and a glob; default outputs beside the
inputs; refusal to overwrite; ``-o`` file and folder; the Hydra key=value form; a failing file (exit 1)."""
import numpy as np
import soundfile as sf

from cli_support import run_cli, sha256, tree, write_audio

INFER = "senhance.cli.infer"


def test_positional_inputs_write_beside_them_and_never_overwrite(tmp_path):
    write_audio(tmp_path / "a.wav")
    write_audio(tmp_path / "recs" / "b.wav", seed=1)
    write_audio(tmp_path / "recs" / "sub" / "c.flac", channels=2, seed=2)
    write_audio(tmp_path / "g" / "d.wav", seed=3)
    (tmp_path / "g" / "notes.txt").write_text("not audio")
    inputs = {p: sha256(tmp_path / p) for p in tree(tmp_path)}
    args = ["a.wav", "recs", "g/*.wav", "--model", "wiener", "progress=false"]

    first = run_cli(INFER, args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    made = ["a_enhanced.wav", "g/d_enhanced.wav", "recs/b_enhanced.wav", "recs/sub/c_enhanced.flac"]
    assert tree(tmp_path) == sorted([*inputs, *made])  # nothing else: no outputs/, .hydra/, log file
    assert sorted(first.stdout.split()) == made  # one line per written file
    info = sf.info(tmp_path / "recs" / "sub" / "c_enhanced.flac")
    assert (info.samplerate, info.channels, info.frames) == (16000, 2, 1600)
    outputs = {p: sha256(tmp_path / p) for p in made}

    again = run_cli(INFER, args, cwd=tmp_path)  # earlier outputs are neither inputs nor replaced
    assert again.returncode == 1
    assert again.stderr.count("already exists (add --overwrite to replace it)") == 4
    assert "Traceback" not in again.stderr
    assert tree(tmp_path) == sorted([*inputs, *made])
    assert {p: sha256(tmp_path / p) for p in made} == outputs

    write_audio(tmp_path / "bad" / "ok.wav")
    (tmp_path / "bad" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    forced = run_cli(INFER, ["a.wav", "bad/", "--model", "wiener", "--overwrite", "progress=false"], cwd=tmp_path)
    assert forced.returncode == 1  # a file failure: listed, the others still written
    assert "FAILED bad/broken.wav" in forced.stderr and "2 file(s) done, 1 failed" in forced.stderr
    assert "Traceback" not in forced.stderr
    assert (tmp_path / "bad" / "ok_enhanced.wav").is_file() and not (tmp_path / "bad" / "broken_enhanced.wav").exists()
    assert {p: sha256(tmp_path / p) for p in inputs} == inputs  # inputs untouched throughout


def test_output_file_folder_and_the_hydra_form(tmp_path):
    write_audio(tmp_path / "a.wav", seconds=0.2)
    write_audio(tmp_path / "recs" / "b.wav", seed=1)
    write_audio(tmp_path / "recs" / "day2" / "c.wav", seed=2)

    one = run_cli(INFER, ["a.wav", "-o", "clean.wav", "--model", "wiener", "--strength", "0.5", "--residual",
                          "progress=false"], cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    x, _ = sf.read(tmp_path / "a.wav")
    y, _ = sf.read(tmp_path / "clean.wav")
    r, _ = sf.read(tmp_path / "clean_residual.wav")
    np.testing.assert_allclose(y + r, x, atol=2 / 32768)  # output + residual == input (16-bit steps)

    folder = run_cli(INFER, ["recs/", "a.wav", "-o", "out/", "--model", "wiener", "progress=false"], cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    assert tree(tmp_path / "out") == ["a.wav", "b.wav", "day2/c.wav"]  # a folder's layout is mirrored

    hydra = run_cli(INFER, ["input=[recs/,a.wav]", "output=out2/", "model=wiener", "progress=false"], cwd=tmp_path)
    assert hydra.returncode == 0, hydra.stderr
    assert tree(tmp_path / "out2") == tree(tmp_path / "out")
    assert all(sha256(tmp_path / "out2" / p) == sha256(tmp_path / "out" / p) for p in tree(tmp_path / "out"))
