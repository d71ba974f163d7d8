"""Rational-ratio resampling with a Kaiser-windowed sinc, polyphase (as ``scipy.signal.resample_poly``)."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from senhance.dsp._checks import check_signal

__all__ = ["resample", "Resample", "resample_filter"]


def _check_rate(value, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value <= 0:
        raise ValueError(f"{name}={value} must be a positive integer (Hz)")
    return int(value)


def resample_filter(up: int, down: int, *, half_width: int = 10, beta: float = 5.0) -> Tensor:
    """The anti-aliasing low-pass: cut-off at the lower Nyquist, ``2 * half_width * max(up, down) + 1``
    taps of a Kaiser(``beta``)-windowed sinc with unit DC gain, times ``up`` (float64).

    >>> h = resample_filter(1, 2)
    >>> h.shape, round(float(h.sum()), 6)
    (torch.Size([41]), 1.0)
    """
    rate = max(up, down)
    half = half_width * rate
    n = torch.arange(-half, half + 1, dtype=torch.float64)
    h = torch.sinc(n / rate) / rate * torch.kaiser_window(2 * half + 1, periodic=False, beta=beta, dtype=torch.float64)
    return h / h.sum() * up


def _polyphase_kernel(up: int, down: int, dtype, device) -> tuple[Tensor, int]:
    """Kernel ``(up, 1, K)`` so that output channel ``r`` of a stride-``down`` correlation gives
    ``y[q * up + r]``, and the left padding it expects."""
    h = resample_filter(up, down)
    half = (h.numel() - 1) // 2
    # y[q*up + r] = sum_j x[q*down + j] h[r*down + half - j*up]
    j_min = -(half // up)  # ceil(-half / up)
    j_max = ((up - 1) * down + half) // up
    j = torch.arange(j_min, j_max + 1)
    r = torch.arange(up)
    tap = r[:, None] * down + half - j[None, :] * up  # (up, K)
    valid = (tap >= 0) & (tap <= 2 * half)
    kernel = torch.where(valid, h[tap.clamp(0, 2 * half)], torch.zeros((), dtype=torch.float64))
    return kernel[:, None, :].to(dtype=dtype, device=device), -j_min


def resample(x: Tensor, orig_sample_rate: int, new_sample_rate: int) -> Tensor:
    """Resample by the rational ratio ``new / orig`` (reduced by their gcd: 48000 -> 44100 is 147/160).

    A Kaiser-windowed sinc low-pass at the lower of the two Nyquist frequencies removes what the
    new rate cannot hold; the signal is taken as zero outside its ends (as ``resample_poly``).
    Differentiable in ``x``; runs as one strided convolution (CPU or GPU).

    Args:
        x: float signal.
        orig_sample_rate: its rate in Hz.
        new_sample_rate: the wanted rate in Hz.

    Shape:
        x: ``(..., time)``; returns ``(..., ceil(time * new / orig))``.

    >>> y = resample(torch.randn(2, 480), 48000, 16000)
    >>> y.shape
    torch.Size([2, 160])
    >>> resample(torch.zeros(1, 441), 44100, 48000).shape
    torch.Size([1, 480])
    """
    x = check_signal(x)
    orig = _check_rate(orig_sample_rate, "orig_sample_rate")
    new = _check_rate(new_sample_rate, "new_sample_rate")
    g = math.gcd(orig, new)
    up, down = new // g, orig // g
    if up == down:
        return x.clone()
    shape = x.shape
    T = shape[-1]
    n_out = -(-T * up // down)
    kernel, left = _polyphase_kernel(up, down, x.dtype, x.device)
    K = kernel.shape[-1]
    Q = -(-n_out // up)  # output frames of the correlation
    right = max(0, (Q - 1) * down + K - (T + left))
    flat = x.reshape(-1, 1, T)  # (N, 1, T)
    padded = torch.nn.functional.pad(flat, (left, right))
    y = torch.nn.functional.conv1d(padded, kernel, stride=down)  # (N, up, Q')
    y = y[..., :Q].transpose(1, 2).reshape(flat.shape[0], -1)  # (N, Q * up)
    return y[:, :n_out].reshape(*shape[:-1], n_out)


class Resample(nn.Module):
    """Module form of :func:`resample` (the polyphase kernel is cached as a buffer).

    >>> Resample(orig_sample_rate=16000, new_sample_rate=8000)(torch.randn(3, 1, 100)).shape
    torch.Size([3, 1, 50])
    """

    def __init__(self, *, orig_sample_rate: int, new_sample_rate: int):
        super().__init__()
        self.orig_sample_rate = _check_rate(orig_sample_rate, "orig_sample_rate")
        self.new_sample_rate = _check_rate(new_sample_rate, "new_sample_rate")

    def forward(self, x: Tensor) -> Tensor:
        return resample(x, self.orig_sample_rate, self.new_sample_rate)

    def extra_repr(self) -> str:
        return f"orig_sample_rate={self.orig_sample_rate}, new_sample_rate={self.new_sample_rate}"
