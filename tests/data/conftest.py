"""Tiny generated corpora for the data tests: harmonic "voiced" speech with formant-like filtering,
white / brown / sparse noises. Nothing here reads external data."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import lfilter


def voiced(seconds: float, sample_rate: int, rng: np.random.Generator, *, f0: float = 140.0,
           pause: bool = True) -> np.ndarray:
    """A harmonic signal (vibrato f0) through two formant resonators, with a syllable envelope and pauses."""
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))) / sample_rate
    x = sum(np.sin(k * phase) / k for k in range(1, 20) if k * f0 * 1.1 < sample_rate / 2)
    for formant, bandwidth in ((700.0, 130.0), (1200.0, 200.0)):
        r = np.exp(-np.pi * bandwidth / sample_rate)
        x = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * formant / sample_rate), r * r], x)
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t + rng.uniform(0, 6)), 0, None) if pause else 1.0
    x = x * envelope
    return (0.3 * x / np.max(np.abs(x))).astype(np.float32)


def noise(kind: str, seconds: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    n = int(round(seconds * sample_rate))
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind == "brown":
        x = np.cumsum(rng.standard_normal(n))
        x -= np.linspace(x[0], x[-1], n)
    elif kind == "sparse":  # a few short bursts in silence
        x = np.zeros(n)
        for start in rng.integers(0, max(1, n - 400), size=3):
            x[start: start + 400] = rng.standard_normal(min(400, n - start))
    else:
        raise ValueError(kind)
    return (0.2 * x / np.max(np.abs(x))).astype(np.float32)


def write(path, audio, sample_rate, subtype="FLOAT"):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(audio).T if np.ndim(audio) == 2 else audio, sample_rate,
             subtype=subtype if path.suffix == ".wav" else None)
    return path


@pytest.fixture
def gen():
    """The generator helpers, as a namespace."""
    class Gen:
        pass

    g = Gen()
    g.voiced, g.noise, g.write = voiced, noise, write
    return g


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "manifest-cache"


@pytest.fixture
def mix_corpus(tmp_path):
    """speech/ (3 speakers x 2 files, 16 kHz, one at 8 kHz stereo), noise/ (3 files), MANIFEST.tsv."""
    rng = np.random.default_rng(7)
    root = tmp_path / "corpus"
    rows = ["file\tkind\tspeaker_id\tnoise_group"]
    for s, speaker in enumerate(["spkA", "spkB", "spkC"]):
        for u in range(2):
            name = f"speech/{speaker}-{u}.flac"
            audio = voiced(1.0 + 0.25 * u, 16000, rng, f0=110 + 30 * s)
            write(root / name, audio, 16000)
            rows.append(f"{name}\tspeech\t{speaker}\t")
    stereo = voiced(0.8, 8000, rng, f0=200)
    write(root / "speech/spkC-8k.wav", np.stack([stereo, 0.5 * stereo]), 8000)
    rows.append("speech/spkC-8k.wav\tspeech\tspkC\t")
    for kind in ("white", "brown", "sparse"):
        write(root / f"noise/{kind}.flac", noise(kind, 1.5, 16000, rng), 16000)
        rows.append(f"noise/{kind}.flac\tnoise\t\t{kind}")
    (root / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return root
