"""MixDataset augmentations on a corpus of pure tones (one frequency per speaker / per noise file), so
every component of an example can be told apart in its spectrum."""
import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from senhance.data import MixDataset, pad_collate, snr_db

SR = 16000
SPEAKERS = {f"spk{s}": 300.0 + 200.0 * s for s in range(5)}  # 300, 500, ..., 1100 Hz
NOISES = {"hum3k": 3000.0, "hum5k": 5000.0}


def tone(freq, seconds, phase=0.0):
    return (0.2 * np.sin(2 * np.pi * freq * np.arange(int(round(seconds * SR))) / SR + phase)).astype(np.float32)


@pytest.fixture
def tone_corpus(tmp_path, gen):
    root = tmp_path / "tones"
    rows = ["file\tspeaker_id"]
    for speaker, freq in SPEAKERS.items():
        for u in range(2):
            gen.write(root / f"speech/{speaker}-{u}.wav", tone(freq, 0.6, phase=u), SR)
            rows.append(f"speech/{speaker}-{u}.wav\t{speaker}")
    for name, freq in NOISES.items():
        gen.write(root / f"noise/{name}.wav", tone(freq, 1.0), SR)
    (root / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return root


def make(root, cache_dir, **kwargs):
    base = dict(speech_dir=root / "speech", noise_dir=root / "noise", sample_rate=SR, segment_seconds=0.5,
                examples_per_epoch=8, valid_fraction=0.4, corpus_manifest=root / "MANIFEST.tsv",
                split_file=root.parent / "split.tsv", cache_dir=cache_dir, snr_range=(0.0, 0.0))
    base.update(kwargs)
    return MixDataset(**base)


def amplitude(x, freq):
    """Amplitude of the component at ``freq`` (a whole number of periods fits: exact FFT bin)."""
    spectrum = np.abs(np.fft.rfft(np.asarray(x, np.float64))) * 2 / len(x)
    return spectrum[int(round(freq * len(x) / SR))]


def speaker_of(relpath):
    return relpath.split("-")[0]


@pytest.mark.parametrize("subset", ["train", "valid"])
def test_babble_is_other_speakers_of_the_same_subset(tone_corpus, cache_dir, subset):
    data = make(tone_corpus, cache_dir, subset=subset, babble_prob=1.0, babble_speakers=(1, 3))
    mine = {speaker_of(e.relpath) for e in data.speech}
    for i in range(min(len(data), 6)):
        noisy, clean, info = data.example(i)
        target = speaker_of(info["speech"])
        babblers = {speaker_of(f) for f in info["babble"]}
        assert info["noise"] == "babble" and babblers and target not in babblers and babblers <= mine
        noise = noisy.astype(np.float64) - clean
        loudest = max(amplitude(noise, SPEAKERS[s]) for s in babblers)
        assert amplitude(noise, SPEAKERS[target]) < 1e-4 * loudest  # no sample of the target speaker
        for s in babblers:  # level-normalised: equal parts
            assert 20 * np.log10(amplitude(noise, SPEAKERS[s]) / loudest) > -0.1


def test_two_noises_keep_the_snr_and_their_relative_level(tone_corpus, cache_dir):
    data = make(tone_corpus, cache_dir, snr_range=(-5.0, 10.0), second_noise_prob=1.0,
                second_noise_range=(-12.0, -3.0), examples_per_epoch=12, valid_fraction=0.0, split_file=None)
    checked = 0
    for i in range(len(data)):
        noisy, clean, info = data.example(i)
        noise = noisy.astype(np.float64) - clean
        assert abs(snr_db(clean, noise, SR) - info["snr_db"]) < 0.1
        first, second = info["noise"].split(".")[0], info["second_noise"].split(".")[0]
        if first != second:
            level = 20 * np.log10(amplitude(noise, NOISES[second]) / amplitude(noise, NOISES[first]))
            assert level == pytest.approx(info["second_noise_db"], abs=0.1)
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("options, factor", [(dict(speed_prob=1.0, speed_factors=[1.1]), 1.1),
                                             (dict(pitch_prob=1.0, pitch_range=(2.0, 2.0)), 2 ** (2 / 12))])
def test_speech_perturbation_is_in_input_and_target(tone_corpus, cache_dir, options, factor):
    data = make(tone_corpus, cache_dir, snr_range=(20.0, 20.0), **options)
    noisy, clean, info = data.example(0)
    assert len(clean) == len(noisy) == SR // 2
    freq = SPEAKERS[speaker_of(info["speech"])]
    spectrum = np.abs(np.fft.rfft(clean[500:-500] * np.hanning(len(clean) - 1000), 8 * SR))
    assert np.argmax(spectrum) * SR / (8 * SR) == pytest.approx(freq * factor, rel=2e-3)
    noise = noisy.astype(np.float64) - clean
    assert set(info["noise"].split(".")[:1]) <= set(NOISES) and amplitude(noise, freq) < 1e-3 * np.abs(clean).max()


def test_all_augmentations_are_deterministic_and_worker_independent(tone_corpus, cache_dir):
    options = dict(speed_prob=0.5, pitch_prob=0.5, eq_prob=0.5, telephone_prob=0.3, narrowband_prob=0.3,
                   clip_prob=0.5, second_noise_prob=0.5, babble_prob=0.5, reverb_prob=0.5, band_limit_prob=0.3,
                   level_range=(-45.0, -5.0), max_peak=None)
    data = make(tone_corpus, cache_dir, **options)
    serial = pad_collate([data[i] for i in range(8)])
    (parallel,) = list(DataLoader(data, batch_size=8, num_workers=2, collate_fn=pad_collate))
    assert parallel["ids"] == serial["ids"] and torch.equal(parallel["noisy"], serial["noisy"])
    assert torch.equal(parallel["clean"], serial["clean"])
    twin = make(tone_corpus, cache_dir, **options)
    infos = [twin.example(i)[2] for i in range(8)]
    assert torch.equal(torch.stack([twin[i]["noisy"] for i in range(8)]), serial["noisy"])
    assert any(info["babble"] for info in infos) and any(info["speed"] != 1.0 for info in infos)
    assert torch.isfinite(serial["noisy"]).all() and not math.isnan(infos[0]["snr_db"])
