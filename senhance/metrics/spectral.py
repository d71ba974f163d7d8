"""Log-spectral distance per frequency band, at the signals' own sample rate (full band at 44.1/48 kHz).

``LSD = mean over frames of sqrt(mean over the band's bins of (10 log10(P_est / P_ref))^2)`` in dB, with
~32 ms Hann frames (the power of two nearest 32 ms), 75 % overlap, and a power floor 80 dB below the
reference's mean bin power (so bins silent in both count 0 and a band that is missing from the estimate
scores large but finite). Lower is better; 0 for identical spectra.
"""
from __future__ import annotations

import numpy as np

from senhance.metrics._common import as_pair, check_sample_rate

#: Output key -> band (Hz) of :func:`band_lsd`. Bands start at or above the Nyquist frequency of a
#: lower rate are not defined there (NaN); a band that crosses it is cut at the Nyquist frequency.
LSD_BANDS = {"lsd_0_4k": (0.0, 4000.0), "lsd_4_8k": (4000.0, 8000.0), "lsd_8_12k": (8000.0, 12000.0),
             "lsd_12_24k": (12000.0, 24000.0)}
_FLOOR_DB = 80.0


def _power_frames(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """``(power (N, F), freqs (F,))`` of Hann frames, ~32 ms, hop a quarter of it (zero-padded to one frame)."""
    n_fft = int(2 ** round(np.log2(0.032 * sample_rate)))
    hop = n_fft // 4
    if x.size < n_fft:
        x = np.pad(x, (0, n_fft - x.size))
    count = 1 + (x.size - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(count)[:, None]  # (N, n_fft)
    spectrum = np.fft.rfft(x[index] * np.hanning(n_fft + 2)[1:-1], axis=-1)  # (N, F)
    return np.abs(spectrum) ** 2, np.fft.rfftfreq(n_fft, 1.0 / sample_rate)


def log_spectral_distance(estimate, reference, sample_rate: int, *, low_hz: float = 0.0,
                          high_hz: float | None = None) -> float:
    """Log-spectral distance in dB between ``estimate`` and ``reference`` over ``[low_hz, high_hz)``.

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)`` (channels averaged), same length.

    Returns:
        float dB (lower is better); NaN (no warning) when the band lies above the Nyquist frequency.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> log_spectral_distance(x, x, 16000)
    0.0
    >>> round(log_spectral_distance(0.5 * x, x, 16000), 2)  # -6.02 dB in every bin
    6.02
    """
    sample_rate = check_sample_rate(sample_rate)
    estimate, reference = as_pair(estimate, reference)
    nyquist = sample_rate / 2
    high = nyquist if high_hz is None else min(float(high_hz), nyquist)
    if not 0 <= low_hz < high:
        return float("nan")
    p_est, freqs = _power_frames(estimate, sample_rate)
    p_ref, _ = _power_frames(reference, sample_rate)
    band = (freqs >= low_hz) & (freqs < high) if high < nyquist else (freqs >= low_hz) & (freqs <= high)
    if not band.any():
        return float("nan")
    floor = max(p_ref.mean(), np.finfo(np.float64).tiny) * 10 ** (-_FLOOR_DB / 10)
    difference = 10 * np.log10((p_est[:, band] + floor) / (p_ref[:, band] + floor))  # (N, F_band)
    return float(np.sqrt((difference**2).mean(axis=-1)).mean())


def band_lsd(estimate, reference, sample_rate: int) -> dict[str, float]:
    """:func:`log_spectral_distance` in each band of :data:`LSD_BANDS` (keys ``lsd_0_4k`` ... ``lsd_12_24k``).

    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> {k: round(v, 2) for k, v in band_lsd(x, x, 16000).items()}
    {'lsd_0_4k': 0.0, 'lsd_4_8k': 0.0, 'lsd_8_12k': nan, 'lsd_12_24k': nan}
    """
    return {key: log_spectral_distance(estimate, reference, sample_rate, low_hz=low, high_hz=high)
            for key, (low, high) in LSD_BANDS.items()}
