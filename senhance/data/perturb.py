"""Speech perturbations: speed (tempo and pitch together) and pitch (tempo kept).

Both act on the speech *before* mixing, so the noisy input and the clean target carry the same
perturbed speech (the model is asked to keep a faster or higher voice, not to undo it).

* **Speed** ``factor`` plays the speech ``factor`` times faster: every frequency is multiplied by
  ``factor`` and the duration divided by it (Kaldi / SpeechBrain-style speed perturbation). It is a
  rational resampling with :func:`senhance.dsp.resample`: the signal is taken as sampled at
  ``factor * sample_rate`` and resampled to ``sample_rate``.
* **Pitch** ``semitones`` multiplies every frequency by ``r = 2 ** (semitones / 12)`` and keeps the
  duration: a phase-vocoder time stretch by ``r`` (longer for ``r > 1``), then a speed change by ``r``.
  ``r`` is rounded to a fraction with a denominator of at most 48 (0.04 cent at most off).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import torch

from senhance.dsp import resample

MAX_DENOMINATOR = 48


def _ratio(factor: float) -> Fraction:
    if not (math.isfinite(factor) and 0.25 <= factor <= 4.0):
        raise ValueError(f"factor={factor} must be in [0.25, 4]")
    return Fraction(float(factor)).limit_denominator(MAX_DENOMINATOR)


def speed_perturb(x: np.ndarray, factor: float) -> np.ndarray:
    """``x`` played ``factor`` times faster: ``ceil(len(x) / factor)`` samples, frequencies x ``factor``.

    >>> x = np.sin(2 * np.pi * 0.05 * np.arange(1100))
    >>> speed_perturb(x, 1.1).shape
    (1000,)
    """
    ratio = _ratio(factor)
    if ratio == 1:
        return np.asarray(x, dtype=np.float32).copy()
    y = resample(torch.as_tensor(np.asarray(x, dtype=np.float32)), ratio.numerator, ratio.denominator)
    return y.numpy()


def time_stretch(x: np.ndarray, rate: float, *, n_fft: int = 512, hop_length: int = 128) -> np.ndarray:
    """Phase-vocoder time stretch: ``round(len(x) * rate)`` samples, same frequencies (``rate > 1``: slower).

    Frames are read at steps of ``1 / rate`` frames; magnitudes are interpolated between the two
    nearest frames; each spectral peak's phase advances by its measured instantaneous frequency and
    the bins around it keep their phase relative to it (identity phase locking), so a stretched
    sinusoid keeps its amplitude instead of smearing across bins.

    >>> time_stretch(np.random.default_rng(0).standard_normal(4000), 1.25).shape
    (5000,)
    """
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    length = int(round(len(x) * rate))
    window = torch.hann_window(n_fft)
    if len(x) < n_fft:  # too short for a frame: zero-pad, stretch, crop
        padded = time_stretch(np.pad(x.numpy(), (0, n_fft - len(x))), rate, n_fft=n_fft, hop_length=hop_length)
        return padded[:length]
    spec = torch.stft(x, n_fft, hop_length, window=window, return_complex=True).numpy()  # (F, N) complex64
    n_frames = spec.shape[-1]
    steps = np.arange(0, n_frames - 1, 1.0 / rate)  # (M,)
    lower = steps.astype(np.int64)
    frac = (steps - lower)[None].astype(np.float32)  # (1, M)
    spec_magnitude = np.pad(np.abs(spec), ((0, 0), (0, 2)))  # (F, N + 2): frames past the end for interpolation
    spec_phase = np.pad(np.angle(spec).astype(np.float64), ((0, 0), (0, 2)))
    magnitude = (1 - frac) * spec_magnitude[:, lower] + frac * spec_magnitude[:, lower + 1]  # (F, M)
    expected = np.linspace(0, math.pi * hop_length, spec.shape[0])[:, None]  # (F, 1)
    left_phase = spec_phase[:, lower]  # (F, M)
    advance = spec_phase[:, lower + 1] - left_phase - expected
    advance = advance - 2 * math.pi * np.round(advance / (2 * math.pi)) + expected  # (F, M)
    peak = _nearest_peaks(magnitude)  # (F, M): identity phase locking (Laroche & Dolson 1999)
    frames = np.arange(magnitude.shape[1])
    relative = left_phase - left_phase[peak, frames]  # (F, M) each bin's phase relative to its peak
    phase = np.empty_like(magnitude)
    phase[:, 0] = left_phase[:, 0]
    for m in range(1, magnitude.shape[1]):
        vocoder = phase[:, m - 1] + advance[:, m - 1]
        phase[:, m] = vocoder[peak[:, m]] + relative[:, m]
    stretched = torch.from_numpy((magnitude * np.exp(1j * phase)).astype(np.complex64))
    return torch.istft(stretched, n_fft, hop_length, window=window, length=length).numpy()


def _nearest_peaks(magnitude: np.ndarray) -> np.ndarray:
    """``(F, M)``: for every bin of every frame, the bin of the nearest local maximum of the frame's
    ``magnitude`` (its region of influence; a bin of a frame without a peak is its own peak)."""
    bins = np.arange(magnitude.shape[0])[:, None]  # (F, 1)
    padded = np.pad(magnitude, ((1, 1), (0, 0)), constant_values=-1.0)
    is_peak = (magnitude >= padded[:-2]) & (magnitude > padded[2:])  # (F, M)
    far = 4 * magnitude.shape[0]
    below = np.maximum.accumulate(np.where(is_peak, bins, -far), axis=0)  # last peak at or below each bin
    above = np.minimum.accumulate(np.where(is_peak, bins, 2 * far)[::-1], axis=0)[::-1]  # first at or above
    nearest = np.where(bins - below <= above - bins, below, above)
    return np.where(is_peak.any(axis=0, keepdims=True), nearest, bins)


def pitch_shift(x: np.ndarray, semitones: float, *, n_fft: int = 512, hop_length: int = 128) -> np.ndarray:
    """Every frequency x ``2 ** (semitones / 12)``, duration kept (``len(x)`` samples).

    >>> pitch_shift(np.random.default_rng(0).standard_normal(4000), 2.0).shape
    (4000,)
    """
    ratio = _ratio(2.0 ** (semitones / 12.0))
    x = np.asarray(x, dtype=np.float32)
    if ratio == 1:
        return x.copy()
    stretched = time_stretch(x, float(ratio), n_fft=n_fft, hop_length=hop_length)
    y = speed_perturb(stretched, float(ratio))
    return np.pad(y, (0, max(0, len(x) - len(y))))[: len(x)]
