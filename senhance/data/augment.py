"""Augmentations for mixing: reverberation (measured or synthetic RIRs) and band-limiting.

Reverberation: the speech is convolved with a room impulse response (RIR), aligned on the RIR's
direct path (its largest sample) so reverberation adds no delay. The noisy input gets the full
reverberant speech; the **target** is the *early-reverberant* speech (direct path + the first
``early_ms`` = 50 ms of the RIR) by default, or the dry speech with ``target="dry"``. Early
reflections are kept in the target because they are part of how a room sounds and removing them
asks a mask network for something it cannot do; late reverberation is what we train it to remove.

Band-limiting simulates telephone / low-pass recordings: a Butterworth low-pass from
:mod:`senhance.dsp` applied to the noisy input only (the target stays full band, so a mask model
learns to keep what is left in the band instead of suppressing it).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.signal import fftconvolve

from senhance.dsp import butter


def synthetic_rir(rt60: float, sample_rate: int, rng: np.random.Generator, *, drr_db: float = 6.0,
                  max_seconds: float = 1.5) -> np.ndarray:
    """An exponentially decaying Gaussian-noise RIR with reverberation time ``rt60`` seconds.

    The tail's amplitude envelope falls by 60 dB in ``rt60`` seconds (``exp(-3 ln(10) t / rt60)``);
    sample 0 is the direct path (1.0); the tail is scaled so that the direct-to-reverberant energy
    ratio is ``drr_db``. Length ``min(rt60, max_seconds)`` seconds (at least 2 samples).

    >>> h = synthetic_rir(0.3, 16000, np.random.default_rng(0))
    >>> h.shape, float(h[0])
    ((4800,), 1.0)
    """
    if rt60 <= 0:
        raise ValueError(f"rt60={rt60} s must be positive")
    length = max(2, int(round(min(rt60, max_seconds) * sample_rate)))
    t = np.arange(1, length) / sample_rate
    tail = rng.standard_normal(length - 1) * np.exp(-3.0 * math.log(10.0) * t / rt60)
    tail *= math.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail**2))
    return np.concatenate([[1.0], tail]).astype(np.float32)


def apply_reverb(speech: np.ndarray, rir: np.ndarray, sample_rate: int, *, early_ms: float = 50.0,
                 target: str = "early") -> tuple[np.ndarray, np.ndarray]:
    """Convolve ``speech`` with ``rir``; returns ``(reverberant, target)``, both ``len(speech)`` long.

    Both outputs are aligned on the direct path; ``target`` is the early-reverberant speech
    (``"early"``) or the direct path alone (``"dry"``: the speech times the direct-path amplitude).

    >>> speech = np.zeros(8); speech[2] = 1.0
    >>> rir = np.array([0.0, 1.0, 0.5, 0.25])
    >>> reverberant, early = apply_reverb(speech, rir, 1000, early_ms=1.0)
    >>> (reverberant.round(6) + 0.0).tolist(), (early.round(6) + 0.0).tolist()
    ([0.0, 0.0, 1.0, 0.5, 0.25, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    """
    if target not in ("early", "dry"):
        raise ValueError(f"target={target!r} must be 'early' or 'dry'")
    rir = np.asarray(rir, dtype=np.float64).reshape(-1)
    direct = int(np.argmax(np.abs(rir)))
    length = len(speech)
    reverberant = fftconvolve(speech, rir)[direct: direct + length]
    if target == "dry":
        clean = np.asarray(speech, dtype=np.float64) * rir[direct]
    else:
        early = rir[: direct + 1 + int(round(early_ms * 1e-3 * sample_rate))]
        clean = fftconvolve(speech, early)[direct: direct + length]
    return reverberant.astype(np.float32), clean.astype(np.float32)


def normalize_rir(rir: np.ndarray) -> np.ndarray:
    """Scale a measured RIR so its direct path (largest sample) is +1."""
    rir = np.asarray(rir, dtype=np.float32).reshape(-1)
    peak = rir[int(np.argmax(np.abs(rir)))]
    if peak == 0:
        raise ValueError("rir: all zeros")
    return rir / peak


def lowpass(x: np.ndarray, cutoff_hz: float, sample_rate: int, *, order: int = 8) -> np.ndarray:
    """Butterworth low-pass (``senhance.dsp.butter`` sections, run by ``scipy.signal.sosfilt``: causal,
    float64, several times faster than the differentiable ``senhance.dsp.sosfilt`` on CPU) of a 1-D signal."""
    from scipy.signal import sosfilt

    sos = butter(order, cutoff_hz, sample_rate=sample_rate, btype="lowpass").numpy()  # (order / 2, 6)
    return sosfilt(sos, np.asarray(x, dtype=np.float64)).astype(np.float32)
