"""``wiener``: the MMSE log-spectral-amplitude estimator with decision-directed a-priori SNR.

References:
    Y. Ephraim and D. Malah (1985), "Speech enhancement using a minimum mean-square error log-spectral
    amplitude estimator", IEEE Trans. ASSP 33(2):443-445 (the gain, eq. 20, and the decision-directed
    a-priori SNR of their 1984 paper, IEEE Trans. ASSP 32(6):1109-1121).
    T. Gerkmann and R. C. Hendriks (2012), "Unbiased MMSE-based noise power estimation with low
    complexity and low tracking delay", IEEE Trans. ASLP 20(4) (the noise PSD, see
    :mod:`senhance.baselines.noise_psd`).
"""
from __future__ import annotations

import numpy as np
from scipy.special import exp1

from senhance.baselines.spectral_gain import SpectralGainEnhancer


def mmse_lsa_gain(
    power: np.ndarray,
    noise_psd: np.ndarray,
    *,
    dd_alpha: float = 0.98,
    xi_min_db: float = -25.0,
    gain_floor_db: float = -25.0,
) -> np.ndarray:
    """MMSE-LSA gain of every time-frequency bin (Ephraim & Malah 1985).

    Per frame ``n``: a-posteriori SNR ``gamma = |Y|^2 / sigma^2``; decision-directed a-priori SNR
    ``xi = max(dd_alpha * |A(n-1)|^2 / sigma^2 + (1 - dd_alpha) * max(gamma - 1, 0), xi_min)`` where
    ``A(n-1)`` is the previous frame's enhanced amplitude; gain
    ``G = xi / (1 + xi) * exp(E1(v) / 2)`` with ``v = xi gamma / (1 + xi)`` and ``E1`` the exponential
    integral (``scipy.special.exp1``); finally ``G >= gain_floor``.

    Args:
        power: noisy periodogram ``|Y|^2``.
        noise_psd: noise PSD estimate ``sigma^2`` (same shape).
        dd_alpha: decision-directed smoothing (0.98 as in the paper).
        xi_min_db: lower bound of the a-priori SNR (musical-noise control).
        gain_floor_db: lower bound of the gain.

    Shape:
        power, noise_psd: ``(..., F, N)``; returns ``(..., F, N)`` float64 in ``[gain_floor, 1]``-ish
        (the LSA gain can slightly exceed 1 at low a-priori SNR and high a-posteriori SNR).

    >>> import numpy as np
    >>> p = np.array([[1.0, 100.0, 100.0]])  # one bin: noise only, then a strong tone
    >>> g = mmse_lsa_gain(p, np.ones_like(p))
    >>> bool(g[0, 0] < 0.2), bool(g[0, 2] > 0.9)
    (True, True)
    """
    power = np.asarray(power, dtype=np.float64)
    noise_psd = np.asarray(noise_psd, dtype=np.float64)
    if power.shape != noise_psd.shape:
        raise ValueError(f"noise_psd: shape {noise_psd.shape} differs from power {power.shape}")
    if not 0.0 <= dd_alpha < 1.0:
        raise ValueError(f"dd_alpha={dd_alpha} must be in [0, 1)")
    xi_min = 10.0 ** (xi_min_db / 10.0)
    floor = 10.0 ** (gain_floor_db / 20.0)
    sigma = np.maximum(noise_psd, 1e-20)
    gamma = np.minimum(power / sigma, 1e6)  # (..., F, N)
    with np.errstate(under="ignore"):  # exp1 of large arguments underflows to 0, as it should
        return _decision_directed(power, sigma, gamma, dd_alpha, xi_min, floor)


def _decision_directed(power, sigma, gamma, dd_alpha, xi_min, floor) -> np.ndarray:
    gain = np.empty_like(power)
    previous = np.zeros(power.shape[:-1])  # |A(n-1)|^2, (..., F)
    for n in range(power.shape[-1]):
        g_n = gamma[..., n]
        if n == 0:
            xi = np.maximum(g_n - 1.0, 0.0)
        else:
            xi = dd_alpha * previous / sigma[..., n] + (1.0 - dd_alpha) * np.maximum(g_n - 1.0, 0.0)
        xi = np.maximum(xi, xi_min)
        v = np.maximum(xi * g_n / (1.0 + xi), 1e-10)
        g = np.maximum(xi / (1.0 + xi) * np.exp(0.5 * exp1(v)), floor)
        gain[..., n] = g
        previous = g * g * power[..., n]
    return gain


class WienerEnhancer(SpectralGainEnhancer):
    """MMSE-LSA (Ephraim & Malah 1985) with an SPP noise tracker (Gerkmann & Hendriks 2012).

    Defaults (``WienerEnhancer()``): 16 kHz, 32 ms Hann frames, 8 ms hop, ``dd_alpha=0.98``,
    ``xi_min_db=-25``, ``gain_floor_db=-25``; the noise tracker starts from the first 5 frames and
    follows the noise over time.

    Args:
        sample_rate, n_fft, hop_length, noise_init_frames: see :class:`SpectralGainEnhancer`.
        dd_alpha, xi_min_db, gain_floor_db: see :func:`mmse_lsa_gain`.

    Shape:
        :meth:`process`: ``(C, T)`` -> ``(C, T)``.

    >>> import torch
    >>> WienerEnhancer().enhance(torch.zeros(2, 8000), 16000).shape
    torch.Size([2, 8000])
    """

    name = "wiener"

    def __init__(self, *, sample_rate: int = 16000, n_fft: int | None = None, hop_length: int | None = None,
                 noise_init_frames: int = 5, dd_alpha: float = 0.98, xi_min_db: float = -25.0,
                 gain_floor_db: float = -25.0):
        super().__init__(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                         noise_init_frames=noise_init_frames)
        if not 0.0 <= dd_alpha < 1.0:
            raise ValueError(f"dd_alpha={dd_alpha} must be in [0, 1)")
        self.dd_alpha = float(dd_alpha)
        self.xi_min_db = float(xi_min_db)
        self.gain_floor_db = float(gain_floor_db)

    def gain(self, power: np.ndarray, noise_psd: np.ndarray) -> np.ndarray:
        return mmse_lsa_gain(power, noise_psd, dd_alpha=self.dd_alpha, xi_min_db=self.xi_min_db,
                             gain_floor_db=self.gain_floor_db)
