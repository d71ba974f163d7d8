import os

import numpy as np
import pytest

import senhance.data.manifest
from senhance.data import DataError, scan_audio
from senhance.data.manifest import list_audio_files


def _tone(n):
    return (0.1 * np.sin(np.arange(n) * 0.1)).astype(np.float32)


def test_scan_reads_headers_recursively(tmp_path, gen, cache_dir):
    gen.write(tmp_path / "a.wav", _tone(100), 16000)
    gen.write(tmp_path / "sub/deeper/b.flac", np.stack([_tone(50), _tone(50)]), 8000)
    (tmp_path / "notes.txt").write_text("not audio")
    gen.write(tmp_path / ".hidden/c.wav", _tone(10), 16000)
    scan = scan_audio(tmp_path, cache_dir=cache_dir)
    assert [(e.relpath, e.sample_rate, e.frames, e.channels) for e in scan.entries] == [
        ("a.wav", 16000, 100, 1), ("sub/deeper/b.flac", 8000, 50, 2)]
    assert scan.problems == []


def test_unreadable_and_empty_files_are_reported(tmp_path, gen, cache_dir):
    gen.write(tmp_path / "good.wav", _tone(100), 16000)
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF....garbage")
    gen.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    scan = scan_audio(tmp_path, cache_dir=cache_dir)
    assert [e.relpath for e in scan.entries] == ["good.wav"]
    assert sorted(rel for rel, _ in scan.problems) == ["corrupt.wav", "empty.wav"]


def test_cache_is_reused_and_invalidated_per_file(tmp_path, gen, cache_dir, monkeypatch):
    root = tmp_path / "audio"
    for name in ("a", "b", "c"):
        gen.write(root / f"{name}.wav", _tone(100), 16000)
    calls = []
    real = senhance.data.manifest.audio_info  # the header reader the scan calls
    monkeypatch.setattr(senhance.data.manifest, "audio_info", lambda p: calls.append(os.path.basename(p)) or real(p))
    scan_audio(root, cache_dir=cache_dir)
    assert sorted(calls) == ["a.wav", "b.wav", "c.wav"]
    calls.clear()
    again = scan_audio(root, cache_dir=cache_dir)
    assert calls == [] and [e.frames for e in again.entries] == [100, 100, 100]
    # change one file (new length and mtime), delete one, add one: only the changed/new headers are read
    gen.write(root / "b.wav", _tone(300), 16000)
    os.utime(root / "b.wav", ns=(1, 1))
    (root / "c.wav").unlink()
    gen.write(root / "d.wav", _tone(42), 16000)
    third = scan_audio(root, cache_dir=cache_dir)
    assert sorted(calls) == ["b.wav", "d.wav"]
    assert {e.relpath: e.frames for e in third.entries} == {"a.wav": 100, "b.wav": 300, "d.wav": 42}
    calls.clear()
    scan_audio(root, cache_dir=cache_dir, use_cache=False)
    assert len(calls) == 3


def test_unwritable_cache_still_scans(tmp_path, gen):
    gen.write(tmp_path / "a.wav", _tone(10), 16000)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.warns(UserWarning, match="manifest cache"):
        scan = scan_audio(tmp_path, cache_dir=blocker / "cache")
    assert [e.frames for e in scan.entries] == [10]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        list_audio_files(tmp_path / "nope")
