"""Argument checks shared by the DSP functions."""
from __future__ import annotations

import torch
from torch import Tensor


def check_signal(x: Tensor, name: str = "x") -> Tensor:
    """``x`` must be a finite float tensor ``(..., time)`` with ``time > 0``; returns it.

    >>> check_signal(torch.zeros(2, 3)).shape
    torch.Size([2, 3])
    """
    if not isinstance(x, Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a float tensor, got {x.dtype}")
    if x.dim() < 1 or x.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (..., time) with time > 0, got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or Inf samples")
    return x
