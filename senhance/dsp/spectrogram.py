"""The display spectrogram: log power in dB on a time and frequency grid, for the evaluation report's
images, the TensorBoard examples and the demo (one definition, so they all draw the same thing)."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from senhance.dsp.spectral import magnitude, stft

__all__ = ["spectrogram_db", "display_n_fft"]

#: the display window length in seconds (rounded to a power of two in samples)
WINDOW_SECONDS = 0.032


def display_n_fft(sample_rate: int, length: int | None = None) -> int:
    """The power of two nearest ``WINDOW_SECONDS`` at ``sample_rate``, at most ``length``, at least 16.

    >>> display_n_fft(16000), display_n_fft(48000), display_n_fft(16000, 300)
    (512, 2048, 300)
    """
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be a positive integer")
    n_fft = 2 ** round(math.log2(WINDOW_SECONDS * sample_rate))
    return max(16, min(n_fft, int(length))) if length is not None else max(16, n_fft)


def spectrogram_db(waveform, sample_rate: int, *, n_fft: int | None = None, eps: float = 1e-10):
    """Power spectrogram in dB, ``10 log10(|STFT|^2 + eps)``: periodic Hann window of ``n_fft`` samples
    (default :func:`display_n_fft`), 75 % overlap, frames centred on ``m * hop`` (:func:`senhance.dsp.stft`).

    A signal shorter than ``n_fft`` is zero-padded to it. NumPy in gives NumPy out (float64), a Tensor
    gives Tensors.

    Args:
        waveform: real signal, Tensor or array.
        sample_rate: in Hz (sets the frequency and time axes).
        n_fft: FFT size; the hop is ``n_fft // 4``.
        eps: power floor (-100 dB).

    Shape:
        waveform ``(..., time)`` -> ``(dB (..., F, N), frequencies (F,) in Hz, times (N,) in s)``,
        ``F = n_fft // 2 + 1``, ``N = 1 + time // hop``.

    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)  # 1 s of 1 kHz at 8 kHz
    >>> db, freqs, times = spectrogram_db(tone, 8000)  # n_fft 256, hop 64
    >>> db.shape, float(freqs[-1]), float(freqs[db[:, 60].argmax()]), float(times[1])
    ((129, 126), 4000.0, 1000.0, 0.008)
    """
    as_numpy = not isinstance(waveform, Tensor)
    signal = torch.as_tensor(np.asarray(waveform, dtype=np.float64)) if as_numpy else waveform.detach()
    if signal.dim() < 1 or signal.shape[-1] == 0:
        raise ValueError(f"waveform: expected (..., time) with time > 0, got shape {tuple(signal.shape)}")
    window = display_n_fft(sample_rate, signal.shape[-1])  # also checks sample_rate
    n_fft = window if n_fft is None else int(n_fft)
    if n_fft < 4:
        raise ValueError(f"n_fft={n_fft} must be at least 4")
    if signal.shape[-1] < n_fft:
        signal = torch.nn.functional.pad(signal, (0, n_fft - signal.shape[-1]))
    hop = n_fft // 4
    db = 10 * torch.log10(magnitude(stft(signal, n_fft=n_fft, hop_length=hop), power=2.0) + eps)  # (..., F, N)
    freqs = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * (sample_rate / n_fft)  # (F,)
    times = torch.arange(db.shape[-1], dtype=torch.float64) * (hop / sample_rate)  # (N,)
    if as_numpy:
        return db.numpy(), freqs.numpy(), times.numpy()
    return db, freqs.to(db.dtype), times.to(db.dtype)
