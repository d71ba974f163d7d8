"""Helpers shared by the losses: argument checks, padding masks and spectra."""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.dsp import stft


def check_pair(estimate: Tensor, clean: Tensor, lengths: Tensor | None) -> None:
    """Raise ``ValueError`` unless ``estimate``/``clean`` are equal ``(B, C, T)`` and ``lengths`` is ``(B,)``."""
    if estimate.dim() != 3:
        raise ValueError(f"estimate must be (batch, channels, time), got shape {tuple(estimate.shape)}")
    if estimate.shape != clean.shape:
        raise ValueError(f"estimate {tuple(estimate.shape)} and clean {tuple(clean.shape)} must have the same shape")
    if lengths is not None and tuple(lengths.shape) != (estimate.shape[0],):
        raise ValueError(f"lengths must have shape ({estimate.shape[0]},), got {tuple(lengths.shape)}")


def sample_mask(lengths: Tensor | None, like: Tensor) -> Tensor:
    """1 where a sample is inside its item's length, 0 in the padding.

    Shape:
        lengths: ``(B,)``, like: ``(B, C, T)``; returns ``(B, 1, T)`` in ``like``'s dtype.

    >>> sample_mask(torch.tensor([2, 3]), torch.zeros(2, 1, 3))[:, 0].tolist()
    [[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    steps = torch.arange(like.shape[-1], device=like.device)
    if lengths is None:
        return torch.ones(like.shape[0], 1, like.shape[-1], dtype=like.dtype, device=like.device)
    return (steps[None, :] < lengths.to(like.device)[:, None]).to(like.dtype).unsqueeze(1)


def frame_mask(lengths: Tensor | None, like: Tensor, frames: int, hop_length: int) -> Tensor:
    """1 for STFT frames (``center=True``) whose centre lies inside the item, else 0.

    Shape:
        returns ``(B, 1, 1, frames)`` (broadcasts over channels and frequency).
    """
    if lengths is None:
        return torch.ones(like.shape[0], 1, 1, frames, dtype=like.dtype, device=like.device)
    centres = torch.arange(frames, device=like.device) * hop_length
    valid = (centres[None, :] < lengths.to(like.device)[:, None]).to(like.dtype)  # (B, N)
    return valid[:, None, None, :]


def spectrum(x: Tensor, *, n_fft: int, hop_length: int, window: Tensor) -> Tensor:
    """Centred STFT of ``(..., T)`` -> complex ``(..., F, N)`` (``senhance.dsp.stft``)."""
    return stft(x, n_fft=n_fft, hop_length=hop_length, window=window, center=True)
