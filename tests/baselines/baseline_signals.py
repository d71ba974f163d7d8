"""Generated test signals for the baseline tests (speech-like harmonics, white and pink noise)."""
from __future__ import annotations

import numpy as np
import torch

SAMPLE_RATE = 16000


def voiced(seconds: float = 1.0, *, sample_rate: int = SAMPLE_RATE, f0: float = 140.0, seed: int = 0) -> torch.Tensor:
    """A speech-like test signal ``(T,)``: harmonics of a gliding f0 with 1/k amplitudes, switched on and
    off in "syllables" (~4 per second) with silent gaps, starting with 0.15 s of silence, peak ~0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    freq = f0 * (1 + 0.1 * np.sin(2 * np.pi * 1.3 * t))
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    x = sum(np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 26) if k * f0 < 0.45 * sample_rate)
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * (t - 0.15)), 0, None) ** 0.5 * (t >= 0.15)
    x = x * envelope
    return torch.from_numpy(0.5 * x / np.abs(x).max()).float()


def white(length: int, *, seed: int = 1) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(length)).float()


def pink(length: int, *, seed: int = 2) -> torch.Tensor:
    """1/f noise by shaping white noise's spectrum (unit variance)."""
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(length))
    spec[1:] /= np.sqrt(np.arange(1, spec.shape[0]))
    spec[0] = 0
    x = np.fft.irfft(spec, length)
    return torch.from_numpy(x / x.std()).float()


def mix(clean: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
    """``clean + noise`` scaled to ``snr_db`` over the whole signal."""
    gain = torch.sqrt(clean.pow(2).sum() / (noise.pow(2).sum() * 10 ** (snr_db / 10)))
    return clean + gain * noise


def snr_db(estimate: torch.Tensor, clean: torch.Tensor) -> float:
    return float(10 * torch.log10(clean.pow(2).sum() / (estimate - clean).pow(2).sum()))


def si_sdr_np(estimate, reference) -> float:
    """Independent numpy SI-SDR reference."""
    e = np.asarray(estimate, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    e, r = e - e.mean(), r - r.mean()
    target = (e @ r) / (r @ r) * r
    return float(10 * np.log10((target @ target) / ((e - target) @ (e - target))))
