"""Checkpoint selection: keep the k best (or last) validated packages, average their weights, stop early.

The kept packages are ordinary :func:`senhance.checkpoint.save_package` files, one per validation,
named ``step<N>.pt`` in their folder; which ones are kept is plain data (a list of
``{"step", "value", "path"}``) stored in ``history.json``, so a resumed run goes on with the same set.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from senhance.checkpoint import load_package


class KeptPackages:
    """The ``k`` packages ranked highest by ``rank(entry)`` among those offered (``k=0``: none kept).

    Args:
        folder: where the ``step<N>.pt`` packages go.
        k: how many to keep.
        rank: ``"best"`` (by ``sign * value``, ties to the later step) or ``"last"`` (by step).
        sign: +1 when a higher value is better, -1 when lower is.
        entries: the kept set of a previous run (from ``history.json``).

    >>> kept = KeptPackages("ckpt", k=2, rank="best", sign=-1)
    >>> [kept.wanted(step, value) for step, value in ((1, 3.0), (2, 1.0))]
    [True, True]
    >>> kept.entries = [{"step": 1, "value": 3.0, "path": "a"}, {"step": 2, "value": 1.0, "path": "b"}]
    >>> kept.wanted(3, 2.0), kept.wanted(4, 5.0)
    (True, False)
    """

    def __init__(self, folder: str | Path, *, k: int, rank: str, sign: int, entries: list | None = None):
        if int(k) < 0:
            raise ValueError(f"k={k} must be >= 0")
        if rank not in ("best", "last"):
            raise ValueError(f"rank={rank!r} must be 'best' or 'last'")
        self.folder, self.k, self.rank, self.sign = Path(folder), int(k), rank, int(sign)
        self.entries: list[dict] = [dict(e) for e in (entries or [])]

    def _key(self, entry: dict) -> tuple:
        if self.rank == "last":
            return (entry["step"],)
        return (self.sign * entry["value"], entry["step"])

    def wanted(self, step: int, value: float) -> bool:
        """Whether a package of this validation would be among the kept ones."""
        if self.k == 0 or (self.rank == "best" and math.isnan(value)):
            return False
        candidate = {"step": int(step), "value": float(value)}
        ranked = sorted(self.entries + [candidate], key=self._key, reverse=True)
        return candidate in ranked[: self.k]

    def offer(self, step: int, value: float, save) -> bool:
        """Keep this validation's package if it ranks in the top ``k``: ``save(path)`` writes it; the
        package pushed out is deleted. Returns whether it was kept."""
        if not self.wanted(step, value):
            return False
        path = self.folder / f"step{int(step)}.pt"
        self.folder.mkdir(parents=True, exist_ok=True)
        save(path)
        self.entries = [e for e in self.entries if e["step"] != int(step)]
        self.entries.append({"step": int(step), "value": float(value), "path": str(path)})
        self.entries.sort(key=self._key, reverse=True)
        for dropped in self.entries[self.k:]:
            Path(dropped["path"]).unlink(missing_ok=True)
        self.entries = self.entries[: self.k]
        return True

    def paths(self) -> list[Path]:
        """The kept packages, best (or newest) first."""
        return [Path(e["path"]) for e in self.entries]


def average_state_dicts(state_dicts: list[dict]) -> dict:
    """Element-wise mean of floating-point tensors (in float64, cast back); other entries from the last one.

    >>> a, b = {"w": torch.tensor([1.0, 3.0]), "n": torch.tensor(1)}, {"w": torch.tensor([3.0, 5.0]), "n": torch.tensor(2)}
    >>> average = average_state_dicts([a, b])
    >>> average["w"].tolist(), int(average["n"])
    ([2.0, 4.0], 2)
    """
    if not state_dicts:
        raise ValueError("state_dicts: nothing to average")
    keys = list(state_dicts[0])
    for other in state_dicts[1:]:
        if list(other) != keys:
            raise ValueError("state_dicts: the packages do not hold the same weights")
    averaged = {}
    for key in keys:
        tensors = [sd[key] for sd in state_dicts]
        if tensors[0].is_floating_point():
            total = sum(t.to(torch.float64) for t in tensors)
            averaged[key] = (total / len(tensors)).to(tensors[0].dtype)
        else:
            averaged[key] = state_dicts[-1][key].clone()
    return averaged


def average_packages(paths: list[str | Path]) -> tuple[nn.Module, dict]:
    """Build the module of the first package with the weights averaged over all ``paths``.

    Returns ``(module, package of the first)``; the packages must be of one class with the same kwargs.
    """
    modules, packages = zip(*(load_package(path) for path in paths))
    for path, package in zip(paths[1:], packages[1:]):
        if (package["class_path"], package["kwargs"]) != (packages[0]["class_path"], packages[0]["kwargs"]):
            raise ValueError(f"{path}: not the same model as {paths[0]}; cannot average their weights")
    module = modules[0]
    module.load_state_dict(average_state_dicts([m.state_dict() for m in modules]), strict=True)
    return module, packages[0]
