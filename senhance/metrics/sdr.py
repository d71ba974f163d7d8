"""Energy-ratio metrics computed at the signals' own sample rate: SI-SDR, SNR, segmental SNR.

All take mono signals ``(time,)`` (a ``(channels, time)`` input is averaged over channels first),
NumPy arrays or tensors, compute in float64 and return a Python ``float`` in dB.
"""
from __future__ import annotations

import numpy as np

from senhance.metrics._common import as_float64, as_pair, check_sample_rate, nan_with_warning

_EPS = np.finfo(np.float64).eps


def si_sdr(estimate, reference, *, zero_mean: bool = True) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (native sample rate).

    The reference is scaled by ``alpha = <estimate, reference> / ||reference||^2``; the ratio is
    ``||alpha reference||^2 / ||estimate - alpha reference||^2``. Both signals are made zero-mean
    first (``zero_mean=True``), as in Le Roux et al., "SDR - half-baked or well done?" (2019).

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)``, same length.

    Returns:
        float dB; very large (> 100 dB) for a scaled copy, NaN (with a warning) for a silent reference.

    >>> import numpy as np
    >>> reference = np.array([1.0, -1.0, 1.0, -1.0])
    >>> round(si_sdr(reference + np.array([0.1, 0.1, -0.1, -0.1]), reference), 3)
    20.0
    """
    estimate, reference = as_pair(estimate, reference)
    value = float(batched_si_sdr(estimate, reference, zero_mean=zero_mean))
    if np.isnan(value):
        return nan_with_warning("si_sdr", "the reference is silent")
    return value


def batched_si_sdr(estimate, reference, *, zero_mean: bool = True) -> np.ndarray:
    """:func:`si_sdr` of every signal along the last axis (the one implementation; no channel averaging).

    For quick numbers on batches (the trainers' validation). Computed in float64 on the CPU;
    NaN (no warning) where the reference is silent.

    Shape:
        estimate, reference: ``(..., time)`` arrays or tensors of the same shape; returns ``(...)`` float64.

    >>> import numpy as np
    >>> s = np.array([[1.0, -1.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    >>> n = np.array([1.0, 1.0, -1.0, -1.0])  # orthogonal to s[0], same power
    >>> np.round(batched_si_sdr(2 * s + 0.1 * n, s), 3)  # 10 log10(4 / 0.01), silent reference
    array([26.021,    nan])
    """
    estimate, reference = as_float64(estimate), as_float64(reference)
    if estimate.shape != reference.shape:
        raise ValueError(f"estimate {estimate.shape} and reference {reference.shape} must have the same shape")
    if zero_mean:
        estimate = estimate - estimate.mean(axis=-1, keepdims=True)
        reference = reference - reference.mean(axis=-1, keepdims=True)
    reference_energy = np.sum(reference * reference, axis=-1, keepdims=True)  # (..., 1)
    silent = reference_energy <= 0.0
    alpha = np.sum(estimate * reference, axis=-1, keepdims=True) / np.where(silent, 1.0, reference_energy)
    target = alpha * reference  # (..., time)
    residual = estimate - target
    ratio = (np.sum(target * target, axis=-1) + _EPS) / (np.sum(residual * residual, axis=-1) + _EPS)  # (...)
    return np.where(silent[..., 0], np.nan, 10.0 * np.log10(ratio))


def snr(estimate, reference) -> float:
    """Signal-to-noise ratio ``||reference||^2 / ||estimate - reference||^2`` in dB (native rate).

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)``, same length.

    >>> round(snr([2.0, 0.0], [1.0, 0.0]), 3)  # error energy equals signal energy
    0.0
    """
    estimate, reference = as_pair(estimate, reference)
    error = estimate - reference
    return float(10.0 * np.log10((np.dot(reference, reference) + _EPS) / (np.dot(error, error) + _EPS)))


def segmental_snr(
    estimate,
    reference,
    sample_rate: int,
    *,
    frame_ms: float = 30.0,
    hop_ms: float = 7.5,
    min_db: float = -10.0,
    max_db: float = 35.0,
) -> float:
    """Segmental SNR in dB: the mean over frames of the per-frame SNR clipped to ``[min_db, max_db]``.

    Frames are ``frame_ms`` long every ``hop_ms`` (defaults 30 ms / 7.5 ms, the usual speech
    enhancement setting with limits -10 / 35 dB); a trailing partial frame is dropped, and a
    signal shorter than one frame is one frame. Computed at the native ``sample_rate``.

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)``, same length.

    >>> import numpy as np
    >>> reference = np.ones(20)
    >>> estimate = reference + np.r_[np.full(10, 0.1), np.full(10, 1.0)]  # 20 dB then 0 dB
    >>> round(segmental_snr(estimate, reference, 1000, frame_ms=10, hop_ms=10), 3)
    10.0
    """
    sample_rate = check_sample_rate(sample_rate)
    estimate, reference = as_pair(estimate, reference)
    if not min_db < max_db:
        raise ValueError(f"min_db={min_db} must be below max_db={max_db}")
    frame_length = max(1, int(round(frame_ms * sample_rate / 1000.0)))
    hop_length = max(1, int(round(hop_ms * sample_rate / 1000.0)))
    frame_length = min(frame_length, reference.size)
    starts = np.arange(0, reference.size - frame_length + 1, hop_length)
    index = starts[:, None] + np.arange(frame_length)[None, :]  # (frames, frame_length)
    signal_energy = np.sum(reference[index] ** 2, axis=1)
    noise_energy = np.sum((estimate[index] - reference[index]) ** 2, axis=1)
    frame_snr = 10.0 * np.log10((signal_energy + _EPS) / (noise_energy + _EPS))
    return float(np.mean(np.clip(frame_snr, min_db, max_db)))
