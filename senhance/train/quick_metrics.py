"""Cheap validation metrics used while training, computed by ``senhance.metrics`` (the one implementation).

SI-SDR is :func:`senhance.metrics.batched_si_sdr`; STOI is :func:`senhance.metrics.stoi`, skipped
(NaN) on clips shorter than 1 s or when the optional ``pystoi`` is not installed; PESQ is
:func:`senhance.metrics.pesq`, NaN without the optional ``pesq``; so a training run never fails on them.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from senhance.metrics import MissingMetricPackageError, pesq, stoi


def stoi_or_nan(clean: np.ndarray, estimate: np.ndarray, sample_rate: int) -> float:
    """STOI of 1-D signals via :func:`senhance.metrics.stoi`; NaN if ``pystoi`` is missing or the clip is
    shorter than 1 s (STOI needs ~30 frames of speech) or STOI cannot score it.

    >>> import numpy as np
    >>> stoi_or_nan(np.zeros(100), np.zeros(100), 16000)  # too short
    nan
    """
    if clean.shape[-1] < sample_rate:  # shorter than ~1 s: pystoi returns a meaningless 1e-5
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return stoi(estimate, clean, sample_rate)
        except MissingMetricPackageError:  # optional dependency (the ``metrics`` extra)
            return math.nan


def pesq_or_nan(clean: np.ndarray, estimate: np.ndarray, sample_rate: int) -> float:
    """PESQ of 1-D signals via :func:`senhance.metrics.pesq` (wide-band at >= 16 kHz, else narrow-band);
    NaN if ``pesq`` is missing (the ``metrics`` extra) or PESQ cannot score the clip.

    >>> import numpy as np
    >>> pesq_or_nan(np.zeros(8000), np.zeros(8000), 16000)  # silence: no utterance
    nan
    """
    mode = "wb" if sample_rate >= 16000 else "nb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pesq(estimate, clean, sample_rate, mode=mode)
        except MissingMetricPackageError:
            return math.nan
