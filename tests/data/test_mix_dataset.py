import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from senhance.data import DataError, MixDataset, pad_collate
from senhance.data.split import load_split

SR = 16000


def make(corpus, cache_dir, **kwargs):
    base = dict(speech_dir=corpus / "speech", noise_dir=corpus / "noise", sample_rate=SR, segment_seconds=0.5,
                examples_per_epoch=6, valid_fraction=0.3, corpus_manifest=corpus / "MANIFEST.tsv",
                split_file=corpus.parent / "split.tsv", cache_dir=cache_dir)
    base.update(kwargs)
    return MixDataset(**base)


def test_training_items_are_fixed_length_and_reproducible(mix_corpus, cache_dir):
    data, twin = make(mix_corpus, cache_dir, seed=1), make(mix_corpus, cache_dir, seed=1)
    item = data[0]
    assert item["noisy"].shape == item["clean"].shape == (1, 8000) and item["noisy"].dtype == torch.float32
    assert torch.equal(item["noisy"], twin[0]["noisy"]) and item["id"] == twin[0]["id"]
    data.set_epoch(1)
    assert not torch.equal(data[0]["noisy"], item["noisy"])
    data.set_epoch(0)
    assert torch.equal(data[0]["noisy"], item["noisy"])
    assert not torch.equal(make(mix_corpus, cache_dir, seed=2)[0]["noisy"], item["noisy"])


def test_two_workers_give_the_serial_batches(mix_corpus, cache_dir):
    data = make(mix_corpus, cache_dir, reverb_prob=0.5, band_limit_prob=0.5)
    serial = pad_collate([data[i] for i in range(6)])
    loader = DataLoader(data, batch_size=6, num_workers=2, collate_fn=pad_collate)
    (parallel,) = list(loader)
    assert parallel["ids"] == serial["ids"] and torch.equal(parallel["noisy"], serial["noisy"])


def test_split_by_speaker_and_by_recording(mix_corpus, cache_dir):
    train, valid = make(mix_corpus, cache_dir), make(mix_corpus, cache_dir, subset="valid")
    speaker = lambda e: e.relpath.split("-")[0]
    assert not {speaker(e) for e in train.speech} & {speaker(e) for e in valid.speech}
    assert not {e.relpath for e in train.noise} & {e.relpath for e in valid.noise}
    groups, subsets = load_split(mix_corpus.parent / "split.tsv")
    assert groups["speech/spkC-8k.wav"] == "spkC" and subsets.keys() >= {"noise/white.flac", "speech/spkA-0.flac"}


def test_validation_is_whole_utterances_fixed_across_epochs(mix_corpus, cache_dir):
    valid = make(mix_corpus, cache_dir, subset="valid")
    assert len(valid) == len(valid.speech)
    first = [valid[i] for i in range(len(valid))]
    valid.set_epoch(5)
    for i, item in enumerate(first):
        entry = valid.speech[i]
        assert item["noisy"].shape[-1] == valid.store.frames(entry)
        assert torch.equal(valid[i]["noisy"], item["noisy"])


def test_resampled_stereo_speech_is_mixed_at_the_model_rate(mix_corpus, cache_dir):
    data = make(mix_corpus, cache_dir, valid_speech_dir=mix_corpus / "speech", subset="valid")
    index = [e.relpath for e in data.speech].index("spkC-8k.wav")
    assert data[index]["clean"].shape == (1, int(0.8 * SR))


def test_realised_snr_and_no_clipping_through_the_dataset(mix_corpus, cache_dir):
    data = make(mix_corpus, cache_dir, snr_range=(-5, 20), level_range=(-60, 6), examples_per_epoch=8)
    for i in range(len(data)):
        noisy, clean, info = data.example(i)
        assert np.abs(noisy).max() <= 0.99 + 1e-6 and np.abs(clean).max() <= 0.99 + 1e-6
        if math.isfinite(info["snr_db"]):
            from senhance.data import snr_db
            assert abs(snr_db(clean, noisy.astype(np.float64) - clean, SR) - info["snr_db"]) < 0.1


def test_short_speech_is_placed_inside_the_segment(tmp_path, gen, cache_dir):
    rng = np.random.default_rng(0)
    gen.write(tmp_path / "speech/short.wav", gen.voiced(0.2, SR, rng, pause=False), SR)
    gen.write(tmp_path / "noise/n.wav", gen.noise("white", 0.3, SR, rng), SR)  # shorter than a segment: looped
    data = MixDataset(speech_dir=tmp_path / "speech", noise_dir=tmp_path / "noise", sample_rate=SR,
                      segment_seconds=1.0, valid_fraction=0.0, examples_per_epoch=2, cache_dir=cache_dir)
    item = data[0]
    clean, noisy = item["clean"][0].numpy(), item["noisy"][0].numpy()
    active = np.flatnonzero(clean)
    assert len(clean) == SR and 0 < len(active) <= int(0.2 * SR) + 1
    assert np.all(np.abs(noisy[: active[0]]) > 0) or active[0] == 0  # the noise runs where speech is silent


def test_silent_speech_and_sparse_noise(tmp_path, gen, cache_dir):
    rng = np.random.default_rng(1)
    gen.write(tmp_path / "speech/silence.wav", np.zeros(SR, np.float32), SR)
    gen.write(tmp_path / "noise/sparse.wav", gen.noise("sparse", 2.0, SR, rng), SR)
    data = MixDataset(speech_dir=tmp_path / "speech", noise_dir=tmp_path / "noise", sample_rate=SR,
                      segment_seconds=0.5, valid_fraction=0.0, examples_per_epoch=4, cache_dir=cache_dir)
    for i in range(4):
        noisy, clean, info = data.example(i)
        assert not np.any(clean) and np.all(np.isfinite(noisy)) and np.abs(noisy).max() <= 0.99
        assert info["snr_db"] in (-math.inf, math.inf)


def test_measured_rirs_and_errors(mix_corpus, cache_dir, tmp_path, gen):
    rir = np.zeros(800, np.float32)
    rir[10], rir[300] = 0.5, 0.25
    gen.write(tmp_path / "rirs/room.wav", rir, SR)
    data = make(mix_corpus, cache_dir, rir_dir=tmp_path / "rirs", reverb_prob=1.0)
    noisy, clean, info = data.example(0)
    assert info["rir"] == 0 and np.allclose(data.rirs()[0][[10, 300]], [1.0, 0.5])
    with pytest.raises(DataError, match="not a folder"):
        make(mix_corpus, cache_dir, noise_dir=tmp_path / "missing")
    with pytest.raises(TypeError, match="snr_rnage"):
        make(mix_corpus, cache_dir, snr_rnage=(0, 1))


def test_sparse_noise_segments_are_redrawn_when_silent(tmp_path, gen, cache_dir):
    rng = np.random.default_rng(3)
    gen.write(tmp_path / "speech/s.wav", gen.voiced(1.0, SR, rng, pause=False), SR)
    gen.write(tmp_path / "noise/sparse.wav", gen.noise("sparse", 2.0, SR, rng), SR)  # 3 x 25 ms bursts in 2 s
    data = MixDataset(speech_dir=tmp_path / "speech", noise_dir=tmp_path / "noise", sample_rate=SR,
                      segment_seconds=0.25, valid_fraction=0.0, examples_per_epoch=10, cache_dir=cache_dir)
    infos = [data.example(i)[2] for i in range(10)]
    # a random 0.25 s window holds a burst about half of the time; with redraws nearly always
    assert sum(math.isfinite(info["snr_db"]) for info in infos) >= 9


def test_preloaded_audio_gives_the_same_examples(mix_corpus, cache_dir):
    lazy, preloaded = make(mix_corpus, cache_dir), make(mix_corpus, cache_dir, preload=True)
    assert len(preloaded.store._cache) == len(preloaded.speech) + len(preloaded.noise)
    for i in range(3):
        assert torch.equal(lazy[i]["noisy"], preloaded[i]["noisy"])
