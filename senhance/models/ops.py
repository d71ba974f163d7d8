"""Stateful, causal operations over frames, written so offline and streaming agree.

Every function takes the carried state explicitly and returns the new one; there is no
data-dependent Python control flow (loops depend only on static sizes), so a model built
from them traces to TorchScript / ONNX with the state as plain inputs and outputs.
"""
from __future__ import annotations

import torch
from torch import Tensor


def exponential_mean(x: Tensor, init: Tensor, alpha: float, *, chunk: int = 64) -> tuple[Tensor, Tensor]:
    """Causal running mean ``m[t] = alpha * m[t-1] + (1 - alpha) * x[t]`` along the last axis.

    Computed chunk by chunk with a small decay matrix (fast offline, exact in any chunking).

    Args:
        x: values over frames.
        init: ``m[-1]``, the state carried from previous calls.
        alpha: smoothing factor in ``[0, 1)``.

    Shape:
        x: ``(..., N)``, init: ``(...)``; returns ``(means (..., N), last mean (...))``.

    >>> m, last = exponential_mean(torch.tensor([1.0, 1.0]), torch.tensor(0.0), 0.5)
    >>> m.tolist(), last.item()
    ([0.5, 0.75], 0.75)
    """
    frames = x.shape[-1]
    size = min(chunk, frames)
    steps = torch.arange(size, dtype=x.dtype, device=x.device)
    lag = steps[None, :] - steps[:, None]  # (size, size): j - i
    decay = torch.where(lag >= 0, (1.0 - alpha) * alpha ** lag.clamp(min=0), torch.zeros_like(lag))
    carry = alpha ** (steps + 1.0)  # (size,)
    outputs = []
    last = init
    for start in range(0, frames, size):
        part = x[..., start : start + size]
        n = part.shape[-1]
        means = part @ decay[:n, :n] + last[..., None] * carry[:n]
        outputs.append(means)
        last = means[..., -1]
    return torch.cat(outputs, dim=-1), last


def causal_context(x: Tensor, history: Tensor) -> tuple[Tensor, Tensor]:
    """Prepend the last frames of the previous call and keep the newest ones for the next.

    Shape:
        x: ``(..., N, D)``, history: ``(..., H, D)``; returns ``((..., H + N, D), (..., H, D))``.

    >>> full, hist = causal_context(torch.ones(1, 3, 2), torch.zeros(1, 2, 2))
    >>> full.shape, hist.shape
    (torch.Size([1, 5, 2]), torch.Size([1, 2, 2]))
    """
    full = torch.cat([history, x], dim=-2)
    keep = history.shape[-2]
    return full, full[..., full.shape[-2] - keep :, :]


def deep_filter(spec: Tensor, coefs: Tensor) -> Tensor:
    """Complex FIR filtering over frames per bin: ``y[f, t] = sum_k c_k[f, t] * x[f, t - k]``.

    Real/imaginary parts are kept in a trailing axis of size 2 (exportable without complex dtypes).

    Args:
        spec: the spectrum with ``K - 1`` frames of history in front.
        coefs: ``K`` complex taps per bin and output frame; tap ``k`` weights frame ``t - k``.

    Shape:
        spec: ``(B, F, K - 1 + N, 2)``, coefs: ``(B, K, F, N, 2)``; returns ``(B, F, N, 2)``.

    >>> x = torch.randn(1, 4, 2 + 5, 2)
    >>> c = torch.zeros(1, 3, 4, 5, 2); c[:, 0, ..., 0] = 1.0  # identity filter
    >>> torch.equal(deep_filter(x, c), x[:, :, 2:])
    True
    """
    taps = coefs.shape[1]
    frames = coefs.shape[3]
    out_re = torch.zeros_like(spec[:, :, :frames, 0])
    out_im = torch.zeros_like(out_re)
    for k in range(taps):
        start = taps - 1 - k
        past = spec[:, :, start : start + frames]  # (B, F, N, 2): x[t - k]
        c = coefs[:, k]  # (B, F, N, 2)
        out_re = out_re + c[..., 0] * past[..., 0] - c[..., 1] * past[..., 1]
        out_im = out_im + c[..., 0] * past[..., 1] + c[..., 1] * past[..., 0]
    return torch.stack([out_re, out_im], dim=-1)


def limit_attenuation(out: Tensor, spec: Tensor, min_gain: float) -> Tensor:
    """Raise every bin of ``out`` to at least ``min_gain`` times the magnitude of ``spec``.

    The phase of ``out`` is kept; a bin of ``out`` that is (numerically) silent takes the
    phase of ``spec``, so the result is never further than ``min_gain`` below the input.

    Shape:
        out, spec: ``(..., 2)`` real/imaginary pairs; returns the shape of ``out``.

    >>> spec = torch.tensor([[3.0, 4.0], [3.0, 4.0], [3.0, 4.0]])
    >>> out = torch.tensor([[0.0, 2.0], [0.0, 0.1], [0.0, 0.0]])
    >>> limit_attenuation(out, spec, 0.1).tolist()
    [[0.0, 2.0], [0.0, 0.5], [0.30000001192092896, 0.4000000059604645]]
    """
    power = spec.pow(2).sum(-1, keepdim=True)
    out_power = out.pow(2).sum(-1, keepdim=True)
    lift = ((min_gain**2 * power + 1e-30) / (out_power + 1e-30)).sqrt().clamp(min=1.0)
    silent = out_power <= 1e-12 * power
    return torch.where(silent, min_gain * spec, out * torch.where(silent, torch.ones_like(lift), lift))
