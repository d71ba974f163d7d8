import numpy as np
import pytest
import torch

from senhance.data import PairedDataset, PairingError, pad_collate
from senhance.data.audio import AudioStore
from senhance.data.manifest import scan_audio

SR = 16000


@pytest.fixture
def pairs_dir(tmp_path, gen):
    """noisy = 2 * clean, so a misaligned segment is visible; 4 speakers x 2 files."""
    rng = np.random.default_rng(0)
    for s in range(4):
        for u in range(2):
            clean = gen.voiced(0.5 + 0.1 * u, SR, rng, f0=100 + 20 * s, pause=False) * np.linspace(0.2, 1, int(SR * (0.5 + 0.1 * u)))
            gen.write(tmp_path / f"clean/p{s}_{u:03d}.wav", clean, SR)
            gen.write(tmp_path / f"noisy/p{s}_{u:03d}.wav", 2 * clean, SR)
    return tmp_path


def test_whole_utterances(pairs_dir, cache_dir):
    data = PairedDataset(noisy_dir=pairs_dir / "noisy", clean_dir=pairs_dir / "clean", sample_rate=SR,
                         cache_dir=cache_dir)
    assert len(data) == 8
    item = data[1]
    assert item["id"] == "p0_001" and item["noisy"].dtype == torch.float32
    assert item["noisy"].shape == item["clean"].shape == (1, int(0.6 * SR))
    assert torch.allclose(item["noisy"], 2 * item["clean"])


def test_segments_are_random_aligned_and_reproducible(pairs_dir, cache_dir):
    kwargs = dict(noisy_dir=pairs_dir / "noisy", clean_dir=pairs_dir / "clean", sample_rate=SR,
                  segment_seconds=0.25, seed=3, cache_dir=cache_dir)
    data, twin = PairedDataset(**kwargs), PairedDataset(**kwargs)
    full = data.store.full(data.pairs[0].clean)
    starts = []
    for epoch in range(4):
        data.set_epoch(epoch)
        twin.set_epoch(epoch)
        item = data[0]
        assert item["clean"].shape == (1, 4000) and torch.allclose(item["noisy"], 2 * item["clean"])
        assert torch.equal(item["clean"], twin[0]["clean"])
        start = int(np.argmin([np.abs(full[s: s + 4000] - item["clean"][0].numpy()).max()
                               for s in range(len(full) - 3999)]))
        assert np.array_equal(full[start: start + 4000], item["clean"][0].numpy())
        starts.append(start)
    assert len(set(starts)) > 1  # new offsets per epoch


def test_short_files_are_whole_and_collate_masks_them(pairs_dir, cache_dir):
    data = PairedDataset(noisy_dir=pairs_dir / "noisy", clean_dir=pairs_dir / "clean", sample_rate=SR,
                         segment_seconds=0.55, cache_dir=cache_dir)
    batch = pad_collate([data[0], data[1]])  # 0.5 s (shorter than a segment) and 0.6 s
    assert batch["lengths"].tolist() == [8000, 8800] and batch["noisy"].shape == (2, 1, 8800)
    assert not batch["noisy"][0, 0, 8000:].any()


def test_split_by_speaker_and_separate_valid_folders(pairs_dir, cache_dir, tmp_path):
    common = dict(noisy_dir=pairs_dir / "noisy", clean_dir=pairs_dir / "clean", sample_rate=SR,
                  valid_fraction=0.25, group_regex=r"^(p\d+)_", split_file=tmp_path / "split.tsv",
                  cache_dir=cache_dir)
    train, valid = PairedDataset(subset="train", **common), PairedDataset(subset="valid", **common)
    speakers = lambda d: {p.id.split("_")[0] for p in d.pairs}
    assert len(train) + len(valid) == 8 and len(valid) == 2
    assert not speakers(train) & speakers(valid)
    assert (tmp_path / "split.tsv").read_text().count("valid") == 2
    separate = dict(common, valid_noisy_dir=pairs_dir / "noisy", valid_clean_dir=pairs_dir / "clean")
    assert len(PairedDataset(subset="train", **separate)) == 8


def test_pairing_errors_surface(pairs_dir, gen, cache_dir):
    gen.write(pairs_dir / "noisy/extra.wav", np.zeros(100, np.float32), SR)
    with pytest.raises(PairingError, match="extra.wav"):
        PairedDataset(noisy_dir=pairs_dir / "noisy", clean_dir=pairs_dir / "clean", sample_rate=SR,
                      cache_dir=cache_dir)


def test_resampled_and_downmixed_on_load(tmp_path, gen, cache_dir):
    t = np.arange(8000) / 8000
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    gen.write(tmp_path / "x/tone.wav", np.stack([tone, 0.0 * tone]), 8000)  # stereo: mono = tone / 2
    entry = scan_audio(tmp_path / "x", cache_dir=cache_dir).entries[0]
    store = AudioStore(sample_rate=16000)
    audio = store.full(entry)
    assert len(audio) == store.frames(entry) == 16000
    expected = 0.25 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)  # the physical signal at 16 kHz
    assert np.abs(audio[200:-200] - expected[200:-200]).max() < 5e-3
    assert np.array_equal(store.segment(entry, 1000, 50), audio[1000:1050])  # served from the cache
