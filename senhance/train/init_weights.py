"""Starting weights for a fresh run (``trainer.init_from``): fine-tuning from a package or a training state.

A run that resumes from its own ``last.pt`` ignores them; a fresh run takes only the weights (strictly:
the same architecture), never the optimizer, schedule, step or history, so the configured schedule
starts from its beginning.
"""
from __future__ import annotations

from pathlib import Path

from torch import nn

from senhance.checkpoint import PACKAGE_KEYS, CheckpointError, load_training_state


def training_state_weights(state: dict, *, raw: bool = False) -> tuple[dict, str]:
    """A training state's EMA weights (``"ema"``), or its training weights (``"raw"``) when asked or
    when it has no EMA."""
    if raw or not state.get("ema"):
        return state["model"], "raw"
    return state["ema"]["module"], "ema"


def initial_weights(path: str | Path) -> tuple[dict, str]:
    """The weights in ``path`` and what they are.

    A package (``best.pt``, ``checkpoints/default.pt``) gives its ``state_dict`` (``"package"``); a
    training state (a run's ``last.pt``) gives its EMA weights when it has them (``"ema"``), else its
    training weights (``"raw"``).

    Raises:
        CheckpointError: naming the file when it is unreadable or neither kind of checkpoint.
    """
    path = Path(path)
    content = load_training_state(path)
    if all(key in content for key in PACKAGE_KEYS):
        return content["state_dict"], "package"
    if "model" in content and "step" in content:
        return training_state_weights(content)
    raise CheckpointError(f"{path}: neither a senhance package nor a training state (keys: {sorted(content)[:8]})")


def load_initial_weights(model: nn.Module, path: str | Path) -> str:
    """Load :func:`initial_weights` into ``model`` (strict); returns their kind.

    Raises:
        CheckpointError: naming the file when the weights do not fit ``model``.
    """
    weights, kind = initial_weights(path)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:600]
        raise CheckpointError(f"{path}: its weights do not fit this model (trainer.init_from): {detail}") from error
    return kind
