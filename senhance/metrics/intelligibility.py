"""Intrusive perceptual metrics that wrap reference implementations: PESQ (ITU-T P.862) and STOI/ESTOI.

- :func:`pesq` uses the ``pesq`` package. Wide-band PESQ (P.862.2) is computed at **16 kHz** and
  narrow-band (P.862.1) at **8 kHz**; other input rates are resampled with
  :func:`senhance.dsp.resample` first. Range about -0.5 .. 4.64 (wb) / 4.55 (nb).
- :func:`stoi` and :func:`estoi` use ``pystoi``, which works at **10 kHz** internally and resamples
  itself, so pass the native rate. Range 0 .. 1 (ESTOI can dip slightly below 0).

Failures the algorithms report for a legitimate input (PESQ: no speech detected, e.g. silence, or a
signal too short; STOI: under 30 non-silent 25.6 ms frames, where pystoi would return 1e-5) return NaN with a :class:`~senhance.metrics.MetricWarning` instead of raising,
so one odd file does not stop an evaluation; the evaluation counts the NaNs.
Both packages are the ``senhance[metrics]`` extra.
"""
from __future__ import annotations

import warnings

import numpy as np

from senhance.metrics._common import as_pair, check_sample_rate, nan_with_warning, require, resample

#: The rate each mode of PESQ is computed at.
PESQ_SAMPLE_RATES = {"wb": 16000, "nb": 8000}
#: The rate pystoi computes STOI/ESTOI at (it resamples internally).
STOI_SAMPLE_RATE = 10000


def pesq(estimate, reference, sample_rate: int, mode: str = "wb") -> float:
    """PESQ MOS-LQO of ``estimate`` against ``reference`` (wb at 16 kHz, nb at 8 kHz).

    Args:
        estimate, reference: signals at ``sample_rate``; resampled to the mode's rate if needed.
        sample_rate: their rate in Hz.
        mode: ``"wb"`` (wide-band, P.862.2) or ``"nb"`` (narrow-band, P.862.1).

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)`` (channels averaged), same length.

    Returns:
        float MOS-LQO, or NaN with a warning when PESQ finds no utterance or the signal is too short.

    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> speechy = np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) * 0.3
    >>> pesq(speechy, speechy, 16000) > 4.5
    True
    """
    if mode not in PESQ_SAMPLE_RATES:
        raise ValueError(f"mode={mode!r} must be 'wb' or 'nb'")
    sample_rate = check_sample_rate(sample_rate)
    estimate, reference = as_pair(estimate, reference)
    package = require("pesq", "pesq")
    rate = PESQ_SAMPLE_RATES[mode]
    estimate = resample(estimate, sample_rate, rate)
    reference = resample(reference, sample_rate, rate)
    if not np.any(reference) or not np.any(estimate):
        return nan_with_warning("pesq", "a signal is all zeros (no utterance)")
    try:
        return float(package.pesq(rate, reference, estimate, mode))
    except package.PesqError as error:  # NoUtterancesError, BufferTooShortError, ...
        return nan_with_warning("pesq", f"{type(error).__name__}: {error}")


def stoi(estimate, reference, sample_rate: int) -> float:
    """Short-time objective intelligibility (Taal et al. 2011), via pystoi at 10 kHz internally.

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)`` (channels averaged), same length.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> round(stoi(x, x, 16000), 6)
    1.0
    """
    return _stoi(estimate, reference, sample_rate, extended=False)


def estoi(estimate, reference, sample_rate: int) -> float:
    """Extended STOI (Jensen & Taal 2016), via pystoi at 10 kHz internally.

    Shape:
        estimate, reference: ``(time,)`` or ``(channels, time)`` (channels averaged), same length.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(16000)
    >>> round(estoi(x, x, 16000), 6)
    1.0
    """
    return _stoi(estimate, reference, sample_rate, extended=True)


def _stoi(estimate, reference, sample_rate: int, *, extended: bool) -> float:
    name = "estoi" if extended else "stoi"
    sample_rate = check_sample_rate(sample_rate)
    estimate, reference = as_pair(estimate, reference)
    package = require("pystoi", name)
    if not np.any(reference):
        return nan_with_warning(name, "the reference is all zeros")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(package.stoi(reference, estimate, sample_rate, extended=extended))
    for warning in caught:
        if "Not enough STFT frames" in str(warning.message):  # pystoi's placeholder 1e-5 is not a score
            return nan_with_warning(name, "fewer than 30 non-silent frames (about 0.4 s of speech) at 10 kHz")
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return value
