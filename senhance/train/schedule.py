"""Learning-rate schedules sized to a step budget: linear warm-up, then a decay.

The schedule is a picklable callable (plain numbers in ``__dict__``), so a
``LambdaLR`` built on it saves and restores through ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import math

import torch

DECAYS = ("cosine", "linear", "constant")


def warmup_decay_factor(step: int, *, max_steps: int, warmup_steps: int = 0, decay: str = "cosine",
                        min_ratio: float = 0.0) -> float:
    """Multiplier of the base learning rate at optimizer step ``step`` (0-based).

    Warm-up rises linearly from ``1 / (warmup_steps + 1)`` to 1 over ``warmup_steps`` steps; the
    decay then goes from 1 to ``min_ratio`` at ``max_steps`` (``cosine``, ``linear``) or stays at 1
    (``constant``). Steps past ``max_steps`` keep the final value.

    >>> warmup_decay_factor(0, max_steps=10, warmup_steps=4)
    0.2
    >>> warmup_decay_factor(4, max_steps=10, warmup_steps=4)
    1.0
    >>> round(warmup_decay_factor(7, max_steps=10, warmup_steps=4), 6)  # half-way through the decay
    0.5
    """
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    if decay == "constant":
        return 1.0
    span = max(1, max_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    if decay == "cosine":
        shape = 0.5 * (1.0 + math.cos(math.pi * progress))
    elif decay == "linear":
        shape = 1.0 - progress
    else:
        raise ValueError(f"decay={decay!r} must be one of {DECAYS}")
    return min_ratio + (1.0 - min_ratio) * shape


class WarmupDecay:
    """Callable form of :func:`warmup_decay_factor` for ``torch.optim.lr_scheduler.LambdaLR``.

    >>> WarmupDecay(max_steps=10, warmup_steps=4)(4)
    1.0
    """

    def __init__(self, *, max_steps: int, warmup_steps: int = 0, decay: str = "cosine", min_ratio: float = 0.0):
        if int(max_steps) < 1:
            raise ValueError(f"max_steps={max_steps} must be >= 1")
        if int(warmup_steps) < 0:
            raise ValueError(f"warmup_steps={warmup_steps} must be >= 0")
        if decay not in DECAYS:
            raise ValueError(f"decay={decay!r} must be one of {DECAYS}")
        if not 0.0 <= float(min_ratio) <= 1.0:
            raise ValueError(f"min_ratio={min_ratio} must be in [0, 1]")
        self.max_steps = int(max_steps)
        self.warmup_steps = int(warmup_steps)
        self.decay = str(decay)
        self.min_ratio = float(min_ratio)

    def __call__(self, step: int) -> float:
        return warmup_decay_factor(step, max_steps=self.max_steps, warmup_steps=self.warmup_steps,
                                   decay=self.decay, min_ratio=self.min_ratio)


def build_scheduler(optimizer: torch.optim.Optimizer, **kwargs) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` over :class:`WarmupDecay` (``kwargs`` as for :class:`WarmupDecay`)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, WarmupDecay(**kwargs))
