"""Speech-quality metrics for evaluation (never used for training).

Each metric states the rate it is computed at:

============== ======================= ===============================================
metric         computed at             implementation
============== ======================= ===============================================
pesq           16 kHz (wb) / 8 kHz (nb) ``pesq`` package (input resampled by senhance.dsp)
stoi, estoi    10 kHz                  ``pystoi`` (resamples internally; pass native rate)
si_sdr, snr,   native rate             own code (float64)
segmental_snr
lsd (per band) native rate             own code: 0-4, 4-8, 8-12, 12-24 kHz (float64)
dnsmos         16 kHz                  ONNX models shipped in ``speechmos``
============== ======================= ===============================================

PESQ, STOI and DNSMOS need the optional extra: ``pip install senhance[metrics]``; without it they
raise :class:`MissingMetricPackageError` naming that command.

>>> from senhance.metrics import si_sdr
>>> si_sdr([1.0, -1.0, 2.0, -2.0], [1.0, -1.0, 2.0, -2.0]) > 100
True
"""
from senhance.metrics._common import MetricWarning, MissingMetricPackageError
from senhance.metrics.dnsmos import DNSMOS_SAMPLE_RATE, dnsmos
from senhance.metrics.intelligibility import PESQ_SAMPLE_RATES, STOI_SAMPLE_RATE, estoi, pesq, stoi
from senhance.metrics.sdr import batched_si_sdr, segmental_snr, si_sdr, snr
from senhance.metrics.spectral import LSD_BANDS, band_lsd, log_spectral_distance

__all__ = [
    "DNSMOS_SAMPLE_RATE",
    "LSD_BANDS",
    "MetricWarning",
    "MissingMetricPackageError",
    "PESQ_SAMPLE_RATES",
    "STOI_SAMPLE_RATE",
    "band_lsd",
    "batched_si_sdr",
    "dnsmos",
    "estoi",
    "log_spectral_distance",
    "pesq",
    "segmental_snr",
    "si_sdr",
    "snr",
    "stoi",
]
