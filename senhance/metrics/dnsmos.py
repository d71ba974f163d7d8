"""DNSMOS P.835 (Reddy et al., ICASSP 2022): reference-free SIG / BAK / OVRL quality scores.

Uses the ONNX models that ship inside the ``speechmos`` package (``speechmos/dnsmos_models``:
``sig_bak_ovr.onnx`` and the P.808 ``model_v8.onnx``) through speechmos's own ``DNSMOS`` scorer,
which reads only those local files: nothing is downloaded. The ONNX Runtime sessions are created
here, once per process, single-threaded (evaluation parallelises over files with worker processes). DNSMOS is computed at **16 kHz** (other rates are resampled with
:func:`senhance.dsp.resample`) over 9.01 s windows with a 1 s hop, a clip shorter than a window
being repeated to fill it, and the per-window polynomial-mapped scores averaged, as in the
Microsoft DNS-Challenge reference script. Scores lie roughly in [1, 5].
Needs the ``senhance[metrics]`` extra (speechmos, onnxruntime, librosa).
"""
from __future__ import annotations

import numpy as np

import os

from senhance.metrics._common import as_mono, check_sample_rate, nan_with_warning, require, resample

#: The rate DNSMOS is computed at.
DNSMOS_SAMPLE_RATE = 16000
_SCORER = None


def _scorer():
    """speechmos's DNSMOS scorer with single-threaded CPU sessions on its shipped model files (cached)."""
    global _SCORER
    if _SCORER is None:
        module = require("speechmos.dnsmos", "dnsmos")
        ort = require("onnxruntime", "dnsmos")
        folder = os.path.join(os.path.dirname(os.path.abspath(module.__file__)), "dnsmos_models")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        scorer = module.DNSMOS.__new__(module.DNSMOS)  # its __init__ would build default (all-core) sessions
        scorer.primary_model_path = os.path.join(folder, "sig_bak_ovr.onnx")
        scorer.onnx_sess = ort.InferenceSession(scorer.primary_model_path, options, providers=["CPUExecutionProvider"])
        scorer.p808_onnx_sess = ort.InferenceSession(os.path.join(folder, "model_v8.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        _SCORER = scorer
    return _SCORER


def dnsmos(waveform, sample_rate: int) -> dict[str, float]:
    """DNSMOS P.835 scores of one recording: ``{"sig", "bak", "ovrl"}`` (speech, background, overall).

    A signal whose peak exceeds 1 is scaled down to peak 1 (the models expect [-1, 1] audio);
    an all-zero signal gives NaNs with a warning.

    Shape:
        waveform: ``(time,)`` or ``(channels, time)`` (channels averaged) at ``sample_rate``.

    >>> import numpy as np
    >>> scores = dnsmos(0.1 * np.random.default_rng(0).standard_normal(9 * 16000 + 500), 16000)
    >>> sorted(scores), all(1.0 <= value <= 5.0 for value in scores.values())
    (['bak', 'ovrl', 'sig'], True)
    """
    sample_rate = check_sample_rate(sample_rate)
    audio = as_mono(waveform, "waveform")
    scorer = _scorer()
    audio = resample(audio, sample_rate, DNSMOS_SAMPLE_RATE)
    peak = float(np.max(np.abs(audio)))
    if peak == 0.0:
        nan = nan_with_warning("dnsmos", "the signal is all zeros")
        return {"sig": nan, "bak": nan, "ovrl": nan}
    if peak > 1.0:
        audio = audio / peak
    scores = scorer(audio.astype(np.float32), DNSMOS_SAMPLE_RATE, False)  # False: the non-personalised model
    return {"sig": float(scores["sig_mos"]), "bak": float(scores["bak_mos"]), "ovrl": float(scores["ovrl_mos"])}
