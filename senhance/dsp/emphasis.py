"""Pre-emphasis ``y[t] = x[t] - coeff * x[t-1]`` and its exact inverse (de-emphasis)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from senhance.dsp._blocks import sosfilt_blocks
from senhance.dsp._checks import check_signal

__all__ = ["preemphasis", "deemphasis", "PreEmphasis", "DeEmphasis"]


def _check_coeff(coeff) -> None:
    value = float(coeff.detach()) if isinstance(coeff, Tensor) else float(coeff)
    if not -1 < value < 1:
        raise ValueError(f"coeff={value:g} must be inside (-1, 1)")


def preemphasis(x: Tensor, coeff: float | Tensor = 0.97) -> Tensor:
    """First-order high-frequency boost ``y[t] = x[t] - coeff * x[t-1]`` (with ``x[-1] = 0``).

    Args:
        x: float signal.
        coeff: in (-1, 1); a tensor gets gradients.

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> preemphasis(torch.tensor([1.0, 1.0, 1.0]), 0.5)
    tensor([1.0000, 0.5000, 0.5000])
    """
    x = check_signal(x)
    _check_coeff(coeff)
    previous = torch.nn.functional.pad(x[..., :-1], (1, 0))  # x[t-1]
    return x - coeff * previous


def deemphasis(x: Tensor, coeff: float | Tensor = 0.97) -> Tensor:
    """The exact inverse of :func:`preemphasis`: ``y[t] = x[t] + coeff * y[t-1]``.

    Computed with the block recursion of :func:`senhance.dsp.sosfilt` (state in float64).

    Args:
        x: float signal.
        coeff: in (-1, 1); a tensor gets gradients.

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> deemphasis(torch.tensor([1.0, 0.5, 0.5]), 0.5)
    tensor([1., 1., 1.])
    """
    x = check_signal(x)
    _check_coeff(coeff)
    c = torch.as_tensor(coeff, dtype=torch.float64, device=x.device)
    one, zero = torch.ones_like(c), torch.zeros_like(c)
    sos = torch.stack([one, zero, zero, one, -c, zero])[None]  # (1, 6): 1 / (1 - c z^-1)
    flat = x.reshape(-1, x.shape[-1])  # (N, T)
    return sosfilt_blocks(flat, sos, None).reshape(x.shape)


class PreEmphasis(nn.Module):
    """Module form of :func:`preemphasis`.

    >>> PreEmphasis(coeff=0.5)(torch.ones(1, 3))
    tensor([[1.0000, 0.5000, 0.5000]])
    """

    def __init__(self, *, coeff: float = 0.97):
        super().__init__()
        _check_coeff(coeff)
        self.coeff = float(coeff)

    def forward(self, x: Tensor) -> Tensor:
        return preemphasis(x, self.coeff)

    def extra_repr(self) -> str:
        return f"coeff={self.coeff}"


class DeEmphasis(PreEmphasis):
    """Module form of :func:`deemphasis`.

    >>> DeEmphasis(coeff=0.5)(torch.tensor([[1.0, 0.5, 0.5]]))
    tensor([[1., 1., 1.]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return deemphasis(x, self.coeff)
