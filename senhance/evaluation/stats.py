"""Summary statistics of per-file scores: mean, std, 95 % t-interval; paired differences.

>>> summary = summarize([1.0, 2.0, 3.0, float("nan")])
>>> summary["mean"], summary["count"], summary["nan"], [round(v, 3) for v in summary["ci95"]]
(2.0, 3, 1, [-0.484, 4.484])
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as _stats


def _finite(values) -> np.ndarray:
    array = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    return array[np.isfinite(array)]


def _interval(array: np.ndarray, confidence: float) -> tuple[float | None, list[float] | None]:
    if array.size < 2:
        return None, None
    std = float(np.std(array, ddof=1))
    half = float(_stats.t.ppf(0.5 + confidence / 2, array.size - 1)) * std / math.sqrt(array.size)
    mean = float(np.mean(array))
    return std, [mean - half, mean + half]


def summarize(values, confidence: float = 0.95) -> dict:
    """``{"mean", "std", "ci95": [low, high], "count", "nan"}`` of the finite values (None/NaN counted in ``nan``).

    ``std`` is the sample standard deviation (ddof=1); the interval is ``mean +- t * std / sqrt(n)``
    with Student's t at ``n - 1`` degrees of freedom. With fewer than two values ``std`` and
    ``ci95`` are None; with none, ``mean`` is None too.
    """
    values = list(values)
    array = _finite(values)
    std, interval = _interval(array, confidence)
    return {
        "mean": float(np.mean(array)) if array.size else None,
        "std": std,
        "ci95": interval,
        "count": int(array.size),
        "nan": len(values) - int(array.size),
    }


def paired_difference(a, b, confidence: float = 0.95) -> dict:
    """Paired comparison of two systems on the same files: statistics of ``a - b``.

    Pairs where either value is missing are dropped. Returns ``{"mean_diff", "std", "ci95",
    "count", "p_value"}`` (two-sided paired t-test; None with fewer than two pairs or zero spread).

    >>> result = paired_difference([2.0, 3.0, 4.5], [1.0, 2.0, 3.0])
    >>> round(result["mean_diff"], 3), result["count"]
    (1.167, 3)
    """
    a = np.asarray([np.nan if v is None else v for v in a], dtype=np.float64)
    b = np.asarray([np.nan if v is None else v for v in b], dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired_difference: {a.size} values against {b.size}; they must be paired")
    diff = (a - b)[np.isfinite(a) & np.isfinite(b)]
    std, interval = _interval(diff, confidence)
    p_value = None
    if diff.size >= 2 and std:
        t = float(np.mean(diff)) / (std / math.sqrt(diff.size))
        p_value = float(2 * _stats.t.sf(abs(t), diff.size - 1))
    return {
        "mean_diff": float(np.mean(diff)) if diff.size else None,
        "std": std,
        "ci95": interval,
        "count": int(diff.size),
        "p_value": p_value,
    }
