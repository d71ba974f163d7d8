"""Learnable front-end of the feature path: pre-emphasis and a Butterworth high-pass.

Both filters are applied to each frame as their frequency response ``H(e^{jw_k})`` at the
FFT bin frequencies, which keeps the model stateless across frames in this part (exactly
the same offline and streaming). For the 2-tap pre-emphasis this equals filtering the
waveform (the sqrt-Hann window is zero at the frame edge where the two differ); for the
IIR high-pass it is the frame-wise equivalent of its magnitude and phase response.
The filters only shape what the network sees; the mask is applied to the unfiltered input.

Coefficients come from :func:`senhance.dsp.preemphasis` (the pre-emphasis impulse
response) and :func:`senhance.dsp.butter` (differentiable in the cut-off).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from senhance.dsp import butter, preemphasis


def sos_response(sos: Tensor, n_fft: int) -> Tensor:
    """Complex frequency response of second-order sections at the ``n_fft // 2 + 1`` FFT bins.

    Shape:
        sos: ``(n_sections, 6)``; returns ``(n_fft // 2 + 1, 2)`` real/imaginary (float64).

    >>> from senhance.dsp import butter
    >>> h = sos_response(butter(2, 1000.0, sample_rate=16000), 320)
    >>> round(float(h[0].norm()), 6), round(float(h[-1].norm()), 6)  # unit gain at DC, zero at Nyquist
    (1.0, 0.0)
    """
    omega = torch.arange(n_fft // 2 + 1, dtype=torch.float64, device=sos.device) * (2 * math.pi / n_fft)
    lag = torch.arange(3, dtype=torch.float64, device=sos.device)
    phase = -omega[:, None] * lag[None, :]  # (F, 3): z^-k = e^{-j w k}
    cos, sin = torch.cos(phase), torch.sin(phase)
    sos = sos.to(torch.float64)
    num_re, num_im = cos @ sos[:, :3].T, sin @ sos[:, :3].T  # (F, S)
    den_re, den_im = cos @ sos[:, 3:].T, sin @ sos[:, 3:].T
    den = den_re**2 + den_im**2
    sec_re = (num_re * den_re + num_im * den_im) / den  # (F, S): num / den
    sec_im = (num_im * den_re - num_re * den_im) / den
    re, im = sec_re[:, 0], sec_im[:, 0]
    for s in range(1, sos.shape[0]):
        re, im = re * sec_re[:, s] - im * sec_im[:, s], re * sec_im[:, s] + im * sec_re[:, s]
    return torch.stack([re, im], dim=-1)


def fir_response(taps: Tensor, n_fft: int) -> Tensor:
    """Complex response of a short FIR filter at the FFT bins: ``(n_fft // 2 + 1, 2)``."""
    return torch.view_as_real(torch.fft.rfft(taps, n=n_fft))


class LearnableFrontEnd(nn.Module):
    """Pre-emphasis (learnable coefficient) and Butterworth high-pass (learnable cut-off) responses.

    Args:
        n_fft: FFT size of the frames it weights.
        sample_rate: in Hz.
        preemphasis: initial coefficient in (-1, 1), or ``None`` for no pre-emphasis.
        highpass_hz: initial cut-off in Hz, or ``None`` for no high-pass.
        highpass_order: Butterworth order.

    Shape:
        ``forward()`` returns the combined response ``(n_fft // 2 + 1, 2)`` (real/imaginary).

    >>> fe = LearnableFrontEnd(n_fft=320, sample_rate=16000, preemphasis=0.9, highpass_hz=100.0)
    >>> fe().shape, round(float(fe.coefficient.detach()), 3), round(float(fe.cutoff_hz.detach()), 3)
    (torch.Size([161, 2]), 0.9, 100.0)
    """

    def __init__(self, *, n_fft: int, sample_rate: int, preemphasis: float | None = None,
                 highpass_hz: float | None = None, highpass_order: int = 2):
        super().__init__()
        self.n_fft, self.sample_rate, self.highpass_order = int(n_fft), int(sample_rate), int(highpass_order)
        self.preemphasis = self.log_cutoff = None
        if preemphasis is not None:
            if not -1 < preemphasis < 1:
                raise ValueError(f"preemphasis={preemphasis} must be inside (-1, 1)")
            self.preemphasis = nn.Parameter(torch.tensor(math.atanh(preemphasis)))  # coefficient = tanh(.)
        if highpass_hz is not None:
            if not 0 < highpass_hz < sample_rate / 2:
                raise ValueError(f"highpass_hz={highpass_hz} must be inside (0, {sample_rate / 2})")
            if self.highpass_order < 1:
                raise ValueError(f"highpass_order={highpass_order} must be >= 1")
            self.log_cutoff = nn.Parameter(torch.tensor(math.log(highpass_hz)))

    @property
    def coefficient(self) -> Tensor | None:
        return None if self.preemphasis is None else torch.tanh(self.preemphasis)

    @property
    def cutoff_hz(self) -> Tensor | None:
        if self.log_cutoff is None:
            return None
        nyquist = self.sample_rate / 2
        return self.log_cutoff.exp().clamp(1.0, 0.99 * nyquist)

    @property
    def enabled(self) -> bool:
        return self.preemphasis is not None or self.log_cutoff is not None

    def forward(self) -> Tensor:
        device = next(self.parameters()).device if self.enabled else None
        response = torch.zeros(self.n_fft // 2 + 1, 2, dtype=torch.float64, device=device)
        response[:, 0] = 1.0
        if self.preemphasis is not None:
            impulse = torch.zeros(2, dtype=torch.float64, device=device)
            impulse[0] = 1.0
            taps = preemphasis(impulse, self.coefficient.to(torch.float64))  # [1, -coefficient]
            response = complex_mul(response, fir_response(taps, self.n_fft))
        if self.log_cutoff is not None:
            sos = butter(self.highpass_order, self.cutoff_hz, sample_rate=self.sample_rate, btype="highpass")
            response = complex_mul(response, sos_response(sos, self.n_fft))
        return response


def complex_mul(a: Tensor, b: Tensor) -> Tensor:
    """Product of complex numbers stored as trailing real/imaginary pairs."""
    return torch.stack([a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1], a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]], -1)
