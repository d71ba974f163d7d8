"""``bandpass``: a zero-phase Butterworth band-pass over the speech band.

The simplest filter-based enhancement: remove rumble below and hiss above the band where speech
energy lives. Butterworth design (S. Butterworth 1930, "On the theory of filter amplifiers"; see
e.g. Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., sec. 7.2) as second-order
sections (``senhance.dsp.butter``), applied forward and backward (``senhance.dsp.sosfiltfilt``) so the
output has no phase shift and the magnitude response is squared (``2 * order`` per edge in total).
"""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.dsp import butter, sosfiltfilt
from senhance.enhancer import Enhancer


def bandpass(waveform: Tensor, sample_rate: int, *, low_hz: float = 80.0, high_hz: float = 7000.0,
             order: int = 4) -> Tensor:
    """Zero-phase Butterworth band-pass of ``waveform``.

    ``high_hz`` is clipped to 95 % of the Nyquist frequency, so the defaults work at any rate above
    ``2 * low_hz``.

    Shape:
        waveform: ``(..., T)``; returns the same shape and dtype.

    >>> import math, torch
    >>> t = torch.arange(16000) / 16000
    >>> hum = torch.sin(2 * math.pi * 30 * t); tone = torch.sin(2 * math.pi * 1000 * t)
    >>> out = bandpass(hum + tone, 16000)
    >>> bool((out - tone)[2000:-2000].abs().max() < 0.02)
    True
    """
    low, high = _band(sample_rate, low_hz, high_hz)
    sos = butter(int(order), (low, high), sample_rate=float(sample_rate), btype="bandpass")
    # scipy's default odd-extension length, shortened for signals that are shorter than it
    padlen = min(3 * (2 * sos.shape[0] + 1), waveform.shape[-1] - 1)
    return sosfiltfilt(waveform.to(torch.float64), sos, padlen=max(padlen, 0)).to(waveform.dtype)


def _band(sample_rate: int, low_hz: float, high_hz: float) -> tuple[float, float]:
    nyquist = sample_rate / 2
    high = min(float(high_hz), 0.95 * nyquist)
    if not 0 < float(low_hz) < high:
        raise ValueError(f"low_hz={low_hz} must be in (0, high_hz={high:g}) (high_hz clipped below Nyquist "
                         f"{nyquist:g} Hz for sample_rate={sample_rate})")
    return float(low_hz), high


class BandPassEnhancer(Enhancer):
    """Zero-phase Butterworth band-pass (default: order 4, 80-7000 Hz at 16 kHz).

    Args:
        sample_rate: processing rate (other rates are resampled by :class:`Enhancer`).
        low_hz, high_hz: band edges in Hz (``high_hz`` clipped to 95 % of Nyquist).
        order: Butterworth order per pass (the forward-backward filter doubles it).

    Shape:
        :meth:`process`: ``(C, T)`` -> ``(C, T)``.

    >>> import torch
    >>> BandPassEnhancer().enhance(torch.zeros(2, 4410), 44100).shape
    torch.Size([2, 4410])
    """

    name = "bandpass"

    def __init__(self, *, sample_rate: int = 16000, low_hz: float = 80.0, high_hz: float = 7000.0, order: int = 4):
        if int(sample_rate) <= 0:
            raise ValueError(f"sample_rate={sample_rate} must be positive")
        if int(order) < 1:
            raise ValueError(f"order={order} must be >= 1")
        self.sample_rate = int(sample_rate)
        self.low_hz, self.high_hz = _band(self.sample_rate, low_hz, high_hz)
        self.order = int(order)

    def process(self, waveform: Tensor) -> Tensor:
        return bandpass(waveform, self.sample_rate, low_hz=self.low_hz, high_hz=self.high_hz, order=self.order)

    def __repr__(self) -> str:
        return f"BandPassEnhancer(sample_rate={self.sample_rate}, band=({self.low_hz:g}, {self.high_hz:g}) Hz, order={self.order})"
