import numpy as np
import pytest

from senhance.data import PairingError, match_pairs


def _x(n, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


@pytest.fixture
def folders(tmp_path, gen):
    noisy, clean = tmp_path / "noisy", tmp_path / "clean"
    for name in ("p1_001", "p1_002", "sub/p2_001"):
        gen.write(noisy / f"{name}.wav", _x(160), 16000)
        gen.write(clean / f"{name}.wav", _x(160, 1), 16000)
    return noisy, clean


def test_pairs_match_by_relative_path(folders, gen, cache_dir):
    noisy, clean = folders
    gen.write(noisy / "p3_001.wav", _x(80), 16000)   # the suffix may differ between the folders
    gen.write(clean / "p3_001.flac", _x(80), 16000)
    pairs = match_pairs(noisy, clean, cache_dir=cache_dir)
    assert [p.id for p in pairs] == ["p1_001", "p1_002", "p3_001", "sub/p2_001"]
    assert all(p.noisy.relpath.rsplit(".", 1)[0] == p.clean.relpath.rsplit(".", 1)[0] for p in pairs)


def test_every_problem_is_reported_in_one_error(folders, gen, cache_dir):
    noisy, clean = folders
    gen.write(noisy / "only_noisy.wav", _x(160), 16000)
    gen.write(clean / "only_clean.wav", _x(160), 16000)
    gen.write(noisy / "short.wav", _x(100), 16000)
    gen.write(clean / "short.wav", _x(160), 16000)
    gen.write(noisy / "rate.wav", _x(160), 8000)
    gen.write(clean / "rate.wav", _x(160), 16000)
    (noisy / "broken.wav").write_bytes(b"not a wave file at all")
    gen.write(clean / "broken.wav", _x(160), 16000)
    with pytest.raises(PairingError) as error:
        match_pairs(noisy, clean, cache_dir=cache_dir)
    message = str(error.value)
    assert "5 problem(s), 3 good pair(s)" in message
    assert "only_noisy.wav: no matching file in" in message and "only_clean.wav: no matching file in" in message
    assert "short.wav: 100 frames but the clean file has 160 frames" in message
    assert "rate.wav: sample rate 8000 Hz but the clean file has 16000 Hz" in message
    assert "broken.wav: unreadable" in message
    assert "skip_bad=True" in message


def test_skip_bad_keeps_good_pairs_and_warns(folders, gen, cache_dir):
    noisy, clean = folders
    gen.write(noisy / "only_noisy.wav", _x(160), 16000)
    with pytest.warns(UserWarning, match="only_noisy.wav"):
        pairs = match_pairs(noisy, clean, skip_bad=True, cache_dir=cache_dir)
    assert len(pairs) == 3


def test_no_pairs_at_all_is_an_error(tmp_path, gen, cache_dir):
    gen.write(tmp_path / "noisy/a.wav", _x(10), 16000)
    gen.write(tmp_path / "clean/b.wav", _x(10), 16000)
    with pytest.raises(PairingError, match="no usable"), pytest.warns(UserWarning, match="a.wav"):
        match_pairs(tmp_path / "noisy", tmp_path / "clean", skip_bad=True, cache_dir=cache_dir)
