"""``spectral_subtraction``: over-subtraction with a spectral floor.

References:
    S. F. Boll (1979), "Suppression of acoustic noise in speech using spectral subtraction",
    IEEE Trans. ASSP 27(2):113-120 (magnitude subtraction, noisy phase).
    M. Berouti, R. Schwartz and J. Makhoul (1979), "Enhancement of speech corrupted by acoustic noise",
    Proc. ICASSP, 208-211 (over-subtraction factor that falls with the frame SNR,
    ``alpha = alpha0 - 3/20 * SNR_dB``, and the spectral floor ``beta * noise``).
The noise spectrum is tracked over time (:func:`~senhance.baselines.noise_psd.track_noise_psd`),
not only taken from the first frames.
"""
from __future__ import annotations

import numpy as np

from senhance.baselines.spectral_gain import SpectralGainEnhancer


def spectral_subtraction_gain(
    power: np.ndarray,
    noise_psd: np.ndarray,
    *,
    exponent: float = 2.0,
    over_subtraction: float = 4.0,
    slope: float = 0.15,
    floor: float = 0.01,
) -> np.ndarray:
    """Gain of Berouti-style spectral subtraction on ``|Y|^p`` with ``p = exponent``.

    Per frame, ``snr_db = 10 log10(sum |Y|^2 / sum sigma^2)`` and
    ``alpha = clip(over_subtraction - slope * snr_db, 1, over_subtraction + 5 * slope)``;
    ``|S|^p = max(|Y|^p - alpha N^p, floor * N^p)`` with ``N = sqrt(sigma^2)``; the gain is
    ``min((|S|^p / |Y|^p)^(1/p), 1)``. ``exponent=2`` is power subtraction (Berouti),
    ``exponent=1`` magnitude subtraction (Boll).

    Shape:
        power, noise_psd: ``(..., F, N)``; returns ``(..., F, N)`` float64 in ``[0, 1]``.

    >>> import numpy as np
    >>> g = spectral_subtraction_gain(np.array([[1.0, 1000.0]]), np.ones((1, 2)))
    >>> bool(g[0, 0] == 0.1), bool(g[0, 1] > 0.99)
    (True, True)
    """
    power = np.asarray(power, dtype=np.float64)
    noise_psd = np.asarray(noise_psd, dtype=np.float64)
    if power.shape != noise_psd.shape:
        raise ValueError(f"noise_psd: shape {noise_psd.shape} differs from power {power.shape}")
    _check_options(exponent, over_subtraction, floor)
    with np.errstate(under="ignore"):
        return _subtract(power, noise_psd, exponent, over_subtraction, slope, floor)


def _check_options(exponent: float, over_subtraction: float, floor: float) -> None:
    if exponent <= 0:
        raise ValueError(f"exponent={exponent} must be positive")
    if over_subtraction < 1:
        raise ValueError(f"over_subtraction={over_subtraction} must be >= 1")
    if floor < 0:
        raise ValueError(f"floor={floor} must be >= 0")


def _subtract(power, noise_psd, exponent, over_subtraction, slope, floor) -> np.ndarray:
    eps = 1e-20
    snr_db = 10.0 * np.log10((power.sum(-2, keepdims=True) + eps) / (noise_psd.sum(-2, keepdims=True) + eps))
    alpha = np.clip(over_subtraction - slope * snr_db, 1.0, over_subtraction + 5.0 * slope)  # (..., 1, N)
    half = exponent / 2.0
    noisy_p = power ** half
    noise_p = noise_psd ** half
    clean_p = np.maximum(noisy_p - alpha * noise_p, floor * noise_p)
    return np.minimum((clean_p / np.maximum(noisy_p, eps)) ** (1.0 / exponent), 1.0)


class SpectralSubtractionEnhancer(SpectralGainEnhancer):
    """Power spectral subtraction with over-subtraction and a floor (Berouti et al. 1979; Boll 1979).

    Defaults (``SpectralSubtractionEnhancer()``): 16 kHz, 32 ms Hann frames, 8 ms hop, power subtraction
    (``exponent=2``), ``over_subtraction=4`` at 0 dB frame SNR falling by ``slope=0.15`` per dB,
    ``floor=0.01``; noise tracked over time (Gerkmann & Hendriks 2012).

    Shape:
        :meth:`process`: ``(C, T)`` -> ``(C, T)``.

    >>> import torch
    >>> SpectralSubtractionEnhancer().enhance(torch.zeros(8000), 16000).shape
    torch.Size([8000])
    """

    name = "spectral_subtraction"

    def __init__(self, *, sample_rate: int = 16000, n_fft: int | None = None, hop_length: int | None = None,
                 noise_init_frames: int = 5, exponent: float = 2.0, over_subtraction: float = 4.0,
                 slope: float = 0.15, floor: float = 0.01):
        super().__init__(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                         noise_init_frames=noise_init_frames)
        _check_options(exponent, over_subtraction, floor)
        self.exponent = float(exponent)
        self.over_subtraction = float(over_subtraction)
        self.slope = float(slope)
        self.floor = float(floor)

    def gain(self, power: np.ndarray, noise_psd: np.ndarray) -> np.ndarray:
        return spectral_subtraction_gain(power, noise_psd, exponent=self.exponent,
                                         over_subtraction=self.over_subtraction, slope=self.slope,
                                         floor=self.floor)
