"""Training state on disk: ``last.pt`` (atomic, loadable with ``weights_only=True``), RNG states,
and ``history.json``.

Every write goes through :mod:`senhance.atomic` (a temporary file in the destination folder, flushed
to disk and then ``os.replace``-d over the target), so a process killed at any moment leaves either
the previous file or the new one, never a torn one.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from senhance.atomic import atomic_torch_save, atomic_write_json  # their home; importable from here as before
from senhance.checkpoint import CheckpointError, load_training_state, save_training_state
from senhance.errors import UserError

STATE_FORMAT = "senhance.training_state"
STATE_VERSION = 1
REQUIRED_KEYS = ("format", "version", "step", "epoch", "batch_in_epoch", "model", "optimizer", "scheduler")


class CorruptCheckpointError(UserError, ValueError):
    """``last.pt`` exists but cannot be used to resume; the file is left untouched."""


def rng_state() -> dict:
    """Python, NumPy and torch (CPU + CUDA) RNG states as weights-only-loadable values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Inverse of :func:`rng_state`."""
    python = state["python"]
    random.setstate((python[0], tuple(python[1]), python[2]))
    np_state = state["numpy"]
    np.random.set_state((np_state["kind"], np_state["keys"].numpy().astype(np.uint32), np_state["pos"],
                         np_state["has_gauss"], np_state["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(path: str | Path, state: dict) -> Path:
    """Write a training state (see :data:`REQUIRED_KEYS`) atomically; the old file survives until then."""
    return save_training_state(path, {"format": STATE_FORMAT, "version": STATE_VERSION, **state})


def load_state(path: str | Path) -> dict:
    """Read ``last.pt``; raise :class:`CorruptCheckpointError` naming the file if it is unusable.

    The file is never modified or removed here: the caller refuses to start, and the user decides.
    """
    path = Path(path)
    hint = f"it was left untouched; move it away to start a fresh run in {path.parent.parent}, or fix it"
    try:
        state = load_training_state(path, map_location="cpu")
    except CheckpointError as exc:  # truncated zip, garbage bytes, unpickling refusal...
        raise CorruptCheckpointError(f"{exc}; cannot resume from it, {hint}") from exc
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise CorruptCheckpointError(f"{path}: cannot resume, not a senhance training state; {hint}")
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise CorruptCheckpointError(f"{path}: cannot resume, missing entries {missing}; {hint}")
    if int(state["version"]) > STATE_VERSION:
        raise CorruptCheckpointError(f"{path}: training state version {state['version']} is newer than "
                                     f"this senhance ({STATE_VERSION}); {hint}")
    return state
