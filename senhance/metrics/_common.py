"""Shared helpers of the metrics: array conversion, resampling, optional-package errors."""
from __future__ import annotations

import importlib
import warnings

import numpy as np

from senhance.dsp import resample as _resample
from senhance.errors import UserError

EXTRA_HINT = "pip install senhance[metrics]"


class MissingMetricPackageError(UserError, ImportError):
    """An optional package a metric needs is not installed; the message names the extra."""


class MetricWarning(UserWarning):
    """A metric could not be computed for one signal and returned NaN."""


def require(module: str, metric: str):
    """Import ``module`` or raise :class:`MissingMetricPackageError` naming ``senhance[metrics]``."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingMetricPackageError(
            f"metric {metric!r} needs the package {module!r}, which is not installed: {EXTRA_HINT}"
        ) from error


def as_float64(x) -> np.ndarray:
    """An array-like or tensor (any device) -> float64 ndarray of the same shape."""
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def as_mono(x, name: str) -> np.ndarray:
    """``(time,)`` or ``(channels, time)`` array-like -> float64 ``(time,)`` (channels averaged).

    >>> as_mono([[1.0, 3.0], [3.0, 5.0]], "x")
    array([2., 4.])
    """
    array = as_float64(x)
    if array.ndim == 2:
        array = array.mean(axis=0)
    if array.ndim != 1:
        raise ValueError(f"{name} must be (time,) or (channels, time), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} has 0 samples")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or Inf samples")
    return array


def as_pair(estimate, reference) -> tuple[np.ndarray, np.ndarray]:
    """Mono float64 copies of both signals; they must have the same length."""
    estimate = as_mono(estimate, "estimate")
    reference = as_mono(reference, "reference")
    if estimate.shape != reference.shape:
        raise ValueError(f"estimate has {estimate.size} samples but reference has {reference.size}; they must match")
    return estimate, reference


def check_sample_rate(sample_rate) -> int:
    if int(sample_rate) != sample_rate or int(sample_rate) <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be a positive integer")
    return int(sample_rate)


def resample(x: np.ndarray, orig_sample_rate: int, new_sample_rate: int) -> np.ndarray:
    """Resample a float64 ``(time,)`` signal with :func:`senhance.dsp.resample`."""
    if orig_sample_rate == new_sample_rate:
        return x
    import torch

    return _resample(torch.from_numpy(x), orig_sample_rate, new_sample_rate).numpy().astype(np.float64)


def nan_with_warning(metric: str, reason: str) -> float:
    warnings.warn(f"{metric}: {reason}; returning NaN", MetricWarning, stacklevel=3)
    return float("nan")
