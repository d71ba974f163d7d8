"""Weighted sums of losses, composed from configs (``configs/loss/default.yaml``)."""
from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn


class WeightedSum(nn.Module):
    """``sum_i weight_i * loss_i(estimate, clean, noisy=..., lengths=...)``.

    Args:
        losses: name -> loss module (Hydra builds them from nested ``_target_`` nodes).
        weights: name -> weight; a missing name weighs 1.

    After each call, ``last_values`` holds every term's detached (unweighted) value for logging.

    >>> from senhance.losses import SISDRLoss, MultiResolutionSTFTLoss
    >>> loss = WeightedSum(losses={"sisdr": SISDRLoss(), "mrstft": MultiResolutionSTFTLoss()},
    ...                    weights={"sisdr": 0.01})
    >>> clean = torch.randn(1, 1, 4000)
    >>> value = loss(0.5 * clean, clean, noisy=clean)
    >>> sorted(loss.last_values)
    ['mrstft', 'sisdr']
    """

    def __init__(self, *, losses: Mapping[str, nn.Module], weights: Mapping[str, float] | None = None):
        super().__init__()
        losses = dict(losses.items())
        weights = dict(weights.items()) if weights is not None else {}
        if not losses:
            raise ValueError("losses must name at least one loss")
        unknown = sorted(set(weights) - set(losses))
        if unknown:
            raise ValueError(f"weights: {unknown} name no loss (losses are {sorted(losses)})")
        for name, loss in losses.items():
            if not isinstance(loss, nn.Module):
                raise ValueError(f"losses.{name}: expected a loss module, got {type(loss).__name__}")
        self.losses = nn.ModuleDict(losses)
        self.weights = {name: float(weights.get(name, 1.0)) for name in losses}
        self.last_values: dict[str, Tensor] = {}

    def forward(self, estimate: Tensor, clean: Tensor, *, noisy: Tensor | None = None, lengths: Tensor | None = None) -> Tensor:
        total = estimate.new_zeros(())
        values = {}
        for name, loss in self.losses.items():
            value = loss(estimate, clean, noisy=noisy, lengths=lengths)
            values[name] = value.detach()
            total = total + self.weights[name] * value
        self.last_values = values
        return total
