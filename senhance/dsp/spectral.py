"""STFT / inverse STFT with perfect reconstruction, and magnitude helpers.

Spectra are complex ``(..., freq, frames)`` with ``freq = n_fft // 2 + 1`` (one-sided). The
default window is a periodic Hann window of ``win_length`` samples, zero-padded to ``n_fft``.
``center=True`` reflects ``n_fft // 2`` samples at both ends, so frame ``m`` is centred on
sample ``m * hop_length``. :func:`istft` inverts :func:`stft` exactly (weighted overlap-add)
whenever the squared window overlap-adds to a non-zero sum (true for Hann with
``hop_length <= win_length // 2``).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from senhance.dsp._checks import check_signal

__all__ = ["stft", "istft", "Stft", "Istft", "magnitude", "log_magnitude", "make_window", "WINDOWS"]

WINDOWS = ("hann", "sqrt_hann", "hamming", "blackman")


def make_window(name: str, win_length: int, *, dtype=torch.float32) -> Tensor:
    """A periodic analysis window by name: ``"hann"``, ``"sqrt_hann"``, ``"hamming"``, ``"blackman"``.

    Shape:
        returns ``(win_length,)``.

    >>> make_window("hann", 4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    if name == "hann":
        return torch.hann_window(win_length, periodic=True, dtype=dtype)
    if name == "sqrt_hann":
        return torch.hann_window(win_length, periodic=True, dtype=dtype).sqrt()
    if name == "hamming":
        return torch.hamming_window(win_length, periodic=True, dtype=dtype)
    if name == "blackman":
        return torch.blackman_window(win_length, periodic=True, dtype=dtype)
    raise ValueError(f"window={name!r} must be one of {', '.join(WINDOWS)}")


def _check_frames(n_fft: int, hop_length: int, win_length: int | None) -> int:
    if isinstance(n_fft, bool) or int(n_fft) != n_fft or n_fft < 2:
        raise ValueError(f"n_fft={n_fft} must be an integer >= 2")
    win_length = n_fft if win_length is None else win_length
    if int(win_length) != win_length or not 1 <= win_length <= n_fft:
        raise ValueError(f"win_length={win_length} must be in [1, n_fft={n_fft}]")
    if int(hop_length) != hop_length or not 1 <= hop_length <= win_length:
        raise ValueError(f"hop_length={hop_length} must be in [1, win_length={win_length}]")
    return int(win_length)


def _window(window: Tensor | None, win_length: int, like: Tensor) -> Tensor:
    if window is None:
        return torch.hann_window(win_length, periodic=True, dtype=like.real.dtype, device=like.device)
    if window.shape != (win_length,):
        raise ValueError(f"window must have shape ({win_length},) (win_length), got {tuple(window.shape)}")
    return window.to(dtype=like.real.dtype, device=like.device)


def stft(
    x: Tensor,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
) -> Tensor:
    """Short-time Fourier transform (one-sided, unnormalised).

    Args:
        x: real signal.
        n_fft: FFT size.
        hop_length: samples between frames.
        win_length: window size (<= n_fft; default n_fft).
        window: ``(win_length,)`` analysis window; default periodic Hann.
        center: reflect-pad ``n_fft // 2`` at both ends so frames are centred on ``m * hop_length``.

    Shape:
        x: ``(..., time)``; returns complex ``(..., n_fft // 2 + 1, frames)`` with
        ``frames = 1 + time // hop_length`` when ``center`` (else ``1 + (time - n_fft) // hop_length``).

    >>> spec = stft(torch.randn(2, 1600), n_fft=512, hop_length=128)
    >>> spec.shape, spec.dtype
    (torch.Size([2, 257, 13]), torch.complex64)
    """
    x = check_signal(x)
    win_length = _check_frames(n_fft, hop_length, win_length)
    if center and x.shape[-1] <= n_fft // 2:
        raise ValueError(f"x has {x.shape[-1]} samples; center=True needs more than n_fft // 2 = {n_fft // 2}")
    if not center and x.shape[-1] < n_fft:
        raise ValueError(f"x has {x.shape[-1]} samples; center=False needs at least n_fft = {n_fft}")
    w = _window(window, win_length, x)
    shape = x.shape
    flat = x.reshape(-1, shape[-1])  # (N, T)
    spec = torch.stft(flat, n_fft, hop_length, win_length, w, center=center, pad_mode="reflect", return_complex=True)
    return spec.reshape(*shape[:-1], *spec.shape[-2:])  # (..., F, frames)


def istft(
    spec: Tensor,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    length: int | None = None,
) -> Tensor:
    """Inverse of :func:`stft` by weighted overlap-add (least-squares for modified spectra).

    Args:
        spec: complex spectrum from :func:`stft` (or a modified one).
        n_fft, hop_length, win_length, window, center: as used for :func:`stft`.
        length: output length (pass the original length to undo the framing exactly).

    Shape:
        spec: complex ``(..., n_fft // 2 + 1, frames)``; returns ``(..., length)``.

    >>> x = torch.randn(3, 1000, dtype=torch.float64)
    >>> spec = stft(x, n_fft=256, hop_length=64)
    >>> bool(torch.allclose(istft(spec, n_fft=256, hop_length=64, length=1000), x))
    True
    """
    if not isinstance(spec, Tensor) or not spec.is_complex():
        raise ValueError("spec must be a complex tensor (..., freq, frames)")
    win_length = _check_frames(n_fft, hop_length, win_length)
    if spec.dim() < 2 or spec.shape[-2] != n_fft // 2 + 1:
        raise ValueError(f"spec must have n_fft // 2 + 1 = {n_fft // 2 + 1} frequency bins, got shape {tuple(spec.shape)}")
    w = _window(window, win_length, spec)
    shape = spec.shape
    flat = spec.reshape(-1, *shape[-2:])  # (N, F, frames)
    y = torch.istft(flat, n_fft, hop_length, win_length, w, center=center, length=length)
    return y.reshape(*shape[:-2], y.shape[-1])


def magnitude(spec: Tensor, power: float = 1.0) -> Tensor:
    """``|spec| ** power`` (power 2 gives the power spectrum).

    Shape:
        any complex shape; returns the same shape, real.

    >>> magnitude(torch.tensor([3 + 4j]), power=2.0)
    tensor([25.])
    """
    if power <= 0:
        raise ValueError(f"power={power} must be > 0")
    mag = spec.abs()
    return mag if power == 1.0 else mag**power


def log_magnitude(spec: Tensor, eps: float = 1e-8) -> Tensor:
    """Natural log of the magnitude, ``log(|spec| + eps)`` (finite for silent bins).

    Shape:
        any complex shape; returns the same shape, real.

    >>> log_magnitude(torch.tensor([1 + 0j, 0j]))
    tensor([  0.0000, -18.4207])
    """
    if eps <= 0:
        raise ValueError(f"eps={eps} must be > 0")
    return torch.log(spec.abs() + eps)


class Stft(nn.Module):
    """Module form of :func:`stft`; the window (named as in :func:`make_window`) is a
    non-persistent buffer.

    >>> Stft(n_fft=64, hop_length=16)(torch.randn(1, 1, 160)).shape
    torch.Size([1, 1, 33, 11])
    """

    def __init__(self, *, n_fft: int, hop_length: int, win_length: int | None = None, window: str = "hann",
                 center: bool = True):
        super().__init__()
        self.win_length = _check_frames(n_fft, hop_length, win_length)
        self.n_fft, self.hop_length, self.center = int(n_fft), int(hop_length), bool(center)
        self.window_name = window
        self.register_buffer("window", make_window(window, self.win_length), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return stft(x, n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length, window=self.window, center=self.center)

    def extra_repr(self) -> str:
        return (f"n_fft={self.n_fft}, hop_length={self.hop_length}, win_length={self.win_length}, "
                f"window={self.window_name!r}, center={self.center}")


class Istft(Stft):
    """Module form of :func:`istft`: ``forward(spec, length=None)``.

    >>> x = torch.randn(1, 160)
    >>> y = Istft(n_fft=64, hop_length=16)(Stft(n_fft=64, hop_length=16)(x), length=160)
    >>> bool(torch.allclose(x, y, atol=1e-5))
    True
    """

    def forward(self, spec: Tensor, length: int | None = None) -> Tensor:
        return istft(spec, n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length,
                     window=self.window, center=self.center, length=length)
