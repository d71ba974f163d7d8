"""Tiny generated corpora and stand-in Enhancers for the evaluation tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from senhance.enhancer import Enhancer

SAMPLE_RATE = 16000


def speech_like(seconds: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A voiced-speech caricature: harmonics of a gliding f0, syllable-rate envelope with pauses."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6)), 0, None) ** 1.5
    return (0.25 * voiced * envelope / np.max(np.abs(voiced))).astype(np.float32)


def compose_eval(overrides):
    """The ``senhance-eval`` config (its own root, packaged ``eval.yaml``) with ``overrides``, as the command
    line builds it."""
    from senhance.cli._command import compose

    return compose("eval", overrides)


def make_corpus(root: Path, *, n_files: int = 4, seconds: float = 1.0, snrs=(0, 5, 10, 15), seed: int = 0,
                manifest: bool = True) -> tuple[Path, Path]:
    """``root/noisy``, ``root/clean`` with ``snr{S}_{i}.wav`` files and a ``root/manifest.tsv``."""
    rng = np.random.default_rng(seed)
    noisy_dir, clean_dir = root / "noisy", root / "clean"
    noisy_dir.mkdir(parents=True)
    clean_dir.mkdir(parents=True)
    lines = ["noisy\tclean\tsnr\tnoise"]
    for i in range(n_files):
        snr = snrs[i % len(snrs)]
        clean = speech_like(seconds, SAMPLE_RATE, rng)
        noise = rng.standard_normal(clean.size).astype(np.float32)
        noise *= np.sqrt(np.sum(clean**2) / np.sum(noise**2) / 10 ** (snr / 10))
        name = f"snr{snr}_{i}.wav"
        sf.write(noisy_dir / name, clean + noise, SAMPLE_RATE, subtype="FLOAT")
        sf.write(clean_dir / name, clean, SAMPLE_RATE, subtype="FLOAT")
        lines.append(f"noisy/{name}\tclean/{name}\t{snr}\t{'white' if i % 2 == 0 else 'pink'}")
    if manifest:
        (root / "manifest.tsv").write_text("\n".join(lines) + "\n")
    return noisy_dir, clean_dir


class GainEnhancer(Enhancer):
    """Stand-in system: multiplies by a constant gain (SI-SDR unchanged, SNR changes)."""

    def __init__(self, gain: float = 0.5, sample_rate: int = SAMPLE_RATE):
        self.gain, self.sample_rate, self.name = gain, sample_rate, f"gain{gain}"

    def process(self, waveform: torch.Tensor) -> torch.Tensor:
        return waveform * self.gain


class SmoothEnhancer(Enhancer):
    """Stand-in system: a 5-tap moving average (a crude low-pass that removes some white noise)."""

    sample_rate = SAMPLE_RATE
    name = "smooth"

    def process(self, waveform: torch.Tensor) -> torch.Tensor:
        kernel = torch.full((1, 1, 5), 0.2)
        return torch.nn.functional.conv1d(waveform[:, None], kernel, padding=2)[:, 0]


class BrokenEnhancer(Enhancer):
    """Stand-in system that fails on files whose length is odd... here: always on the second call."""

    sample_rate = SAMPLE_RATE
    name = "broken"

    def __init__(self):
        self.calls = 0

    def enhance(self, waveform, sample_rate, **options):  # once per file (process runs once per piece)
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("simulated failure")
        return super().enhance(waveform, sample_rate, **options)

    def process(self, waveform: torch.Tensor) -> torch.Tensor:
        return waveform


def stand_in_loader(source: str):
    """A private stand-in for :func:`senhance.load` (names: gain, smooth, broken)."""
    systems = {"gain": GainEnhancer, "smooth": SmoothEnhancer, "broken": BrokenEnhancer}
    if source not in systems:
        raise ValueError(f"model={source!r}: unknown stand-in")
    return systems[source]()
