"""Causal STFT framing shared by the offline and the streaming paths of spectral models.

Convention (what makes streaming reproduce offline exactly):

* analysis: ``n_fft - hop_length`` zeros are put in front of the signal, then frames of
  ``n_fft`` samples every ``hop_length`` samples (``center=False``), weighted by a
  square-root periodic Hann window;
* synthesis: inverse real FFT of every frame, the same window again, plain overlap-add
  (no envelope normalisation: for sqrt-Hann at 50 % overlap the squared windows sum to 1);
* the first ``n_fft - hop_length`` output samples (the padding) are dropped, so output[t]
  lines up with input[t]. Sample t is final once the frame ending ``n_fft`` samples after
  the start of its hop is processed: the algorithmic latency is ``n_fft`` samples.

``torch.istft`` is not used for synthesis because with ``center=False`` it rejects a
window that is zero at its edges (its overlap-add envelope check).
"""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.dsp import stft


def sqrt_hann_window(n_fft: int, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Square root of the periodic Hann window; its square overlap-adds to 1 at hop ``n_fft // 2``.

    >>> w = sqrt_hann_window(8)
    >>> torch.allclose(w[:4] ** 2 + w[4:] ** 2, torch.ones(4))
    True
    """
    return torch.hann_window(n_fft, periodic=True, dtype=torch.float64).sqrt().to(dtype)


def num_frames(length: int, *, n_fft: int, hop_length: int) -> int:
    """Frames needed so every one of ``length`` samples is covered by all its overlapping frames.

    >>> num_frames(320, n_fft=320, hop_length=160)
    3
    """
    if length <= 0:
        return 0
    return (length - 1 + n_fft - hop_length) // hop_length + 1


def analysis(frames_signal: Tensor, window: Tensor, *, n_fft: int, hop_length: int) -> Tensor:
    """Windowed real FFT of every frame of an already padded signal (``center=False``).

    Shape:
        frames_signal: ``(B, L)`` with ``L = n_fft + (N - 1) * hop_length``;
        returns complex ``(B, n_fft // 2 + 1, N)``.

    >>> x = torch.randn(2, 320 + 160)
    >>> analysis(x, sqrt_hann_window(320), n_fft=320, hop_length=160).shape
    torch.Size([2, 161, 2])
    """
    return stft(frames_signal, n_fft=n_fft, hop_length=hop_length, window=window, center=False)


def synthesis(spec: Tensor, window: Tensor, *, n_fft: int, hop_length: int) -> Tensor:
    """Inverse of :func:`analysis`: irFFT, window, overlap-add (no envelope normalisation).

    Shape:
        spec: complex ``(B, n_fft // 2 + 1, N)``; returns ``(B, n_fft + (N - 1) * hop_length)``.

    >>> w = sqrt_hann_window(8)
    >>> synthesis(torch.zeros(1, 5, 3, dtype=torch.complex64), w, n_fft=8, hop_length=4).shape
    torch.Size([1, 16])
    """
    batch, _, frames = spec.shape
    chunks = torch.fft.irfft(spec.transpose(1, 2), n=n_fft) * window  # (B, N, n_fft)
    length = n_fft + (frames - 1) * hop_length
    out = torch.nn.functional.fold(
        chunks.transpose(1, 2),  # (B, n_fft, N)
        output_size=(1, length),
        kernel_size=(1, n_fft),
        stride=(1, hop_length),
    )  # (B, 1, 1, L)
    return out.reshape(batch, length)
