"""The one timing loop of the benchmarks: the best (least disturbed) wall time of a few runs.

The machine may be shared, so the minimum over repeats is the figure closest to the code's own cost.
Imported by the bench scripts as ``from timing import best_seconds`` (``bench/`` is on ``sys.path`` when a
script in it runs).
"""
from __future__ import annotations

import time
from typing import Callable

__all__ = ["best_seconds"]


def best_seconds(fn: Callable[[], object], repeats: int = 3, *, warmup: bool = False) -> float:
    """The shortest wall time, in seconds, of ``repeats`` calls of ``fn()`` (after one untimed call if
    ``warmup``).

    >>> best_seconds(lambda: None, repeats=2) >= 0.0
    True
    """
    if int(repeats) != repeats or repeats < 1:
        raise ValueError(f"repeats={repeats} must be a positive integer")
    if warmup:
        fn()
    best = float("inf")
    for _ in range(int(repeats)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
