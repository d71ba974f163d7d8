"""Cheap validation metrics used while training (full PESQ/DNSMOS belong to ``senhance.metrics``)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import Tensor


def si_sdr(estimate: Tensor, reference: Tensor, *, eps: float = 1e-8) -> Tensor:
    """Scale-invariant signal-to-distortion ratio in dB over the last axis.

    ``10 log10(|a s|^2 / |a s - e|^2)`` with ``a = <e, s> / |s|^2`` after removing each signal's mean.

    Shape:
        estimate, reference: ``(..., time)``; returns ``(...)``.

    >>> s = torch.tensor([1.0, -1.0, 1.0, -1.0])
    >>> n = torch.tensor([1.0, 1.0, -1.0, -1.0])   # orthogonal to s, same power
    >>> round(float(si_sdr(2 * s + 0.1 * n, s)), 3)  # 10 log10(4 / 0.01)
    26.021
    """
    if estimate.shape != reference.shape:
        raise ValueError(f"estimate {tuple(estimate.shape)} and reference {tuple(reference.shape)} must match")
    estimate = estimate - estimate.mean(dim=-1, keepdim=True)
    reference = reference - reference.mean(dim=-1, keepdim=True)
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + eps)
    target = scale * reference
    noise = estimate - target
    return 10 * torch.log10((target.pow(2).sum(-1) + eps) / (noise.pow(2).sum(-1) + eps))


def stoi_or_nan(clean: np.ndarray, estimate: np.ndarray, sample_rate: int) -> float:
    """STOI from ``pystoi`` for 1-D signals; NaN if pystoi is missing or the clip is too short
    (STOI needs ~30 frames of speech, about 1 s)."""
    try:
        from pystoi import stoi
    except ImportError:  # optional dependency (the ``metrics`` extra)
        return math.nan
    if clean.shape[-1] < sample_rate:  # shorter than ~1 s: pystoi returns a meaningless 1e-5
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stoi(np.asarray(clean, np.float64), np.asarray(estimate, np.float64), sample_rate, extended=False))
