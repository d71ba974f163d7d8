"""Exponential moving average of a model's weights (the weights ``best.pt`` ships)."""
from __future__ import annotations

import copy

import torch
from torch import nn


class ModelEma:
    """Keeps ``shadow = decay * shadow + (1 - decay) * weights`` after every optimizer step.

    The effective decay is ``min(decay, (1 + n) / (10 + n))`` after ``n`` updates, so the average
    follows the weights closely early in training. Buffers (e.g. norm statistics) are copied.
    ``module`` is a frozen deep copy of the model (same class, same ``init_kwargs``).

    >>> net = torch.nn.Linear(2, 1)
    >>> ema = ModelEma(net, decay=0.5)
    >>> ema.num_updates
    0
    """

    def __init__(self, model: nn.Module, *, decay: float = 0.999):
        if not 0.0 < float(decay) < 1.0:
            raise ValueError(f"ema_decay={decay} must be in (0, 1)")
        self.decay = float(decay)
        self.num_updates = 0
        self.module = copy.deepcopy(model).eval().requires_grad_(False)

    def current_decay(self) -> float:
        return min(self.decay, (1.0 + self.num_updates) / (10.0 + self.num_updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        decay = self.current_decay()
        source = model.state_dict()
        for name, shadow in self.module.state_dict().items():
            value = source[name].detach()
            if shadow.is_floating_point():
                shadow.lerp_(value.to(shadow.dtype), 1.0 - decay)
            else:
                shadow.copy_(value)
        self.num_updates += 1

    def state_dict(self) -> dict:
        return {"decay": self.decay, "num_updates": self.num_updates, "module": self.module.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.decay = float(state["decay"])
        self.num_updates = int(state["num_updates"])
        self.module.load_state_dict(state["module"])
