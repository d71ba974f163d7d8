"""Recording-channel augmentations: microphone colouring (random EQ), telephone band, 8 kHz sources, clipping.

* **EQ** (:func:`random_eq`): a cascade of random second-order sections from the RBJ Audio-EQ
  cookbook (peaking, low shelf, high shelf), each with a gain drawn in ``[-max_gain_db, max_gain_db]``.
  A peaking section's response lies between 0 dB and its gain at every frequency (its gain exactly
  at its centre); a shelf's (slope 1) rises or falls monotonically from 0 dB to its gain. So the
  cascade's response in dB lies between the sum of its negative gains and the sum of its positive
  gains, never beyond ``n_bands * max_gain_db`` either way.
* **Telephone band** (:func:`telephone`): Butterworth band-pass 300-3400 Hz (order 8 per edge), then
  down to 8 kHz and back (the 8 kHz round trip removes everything above 4 kHz, as a narrowband codec).
* **8 kHz source** (:func:`narrowband`): down to 8 kHz and back up with :func:`senhance.dsp.resample`
  (nothing above 4 kHz is left, the band below is kept).
* **Clipping** (:func:`clip`): hard clipping at a threshold.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.signal import sosfilt

from senhance.dsp import butter, resample

TELEPHONE_BAND = (300.0, 3400.0)
NARROWBAND_RATE = 8000


def peaking(frequency: float, gain_db: float, q: float, sample_rate: int) -> np.ndarray:
    """RBJ peaking EQ section ``(1, 6)``: ``gain_db`` at ``frequency``, bandwidth set by ``q``."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * frequency / sample_rate
    alpha = math.sin(w0) / (2.0 * q)
    b = [1 + alpha * a, -2 * math.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * math.cos(w0), 1 - alpha / a]
    return np.array([b + den]) / den[0]


def shelf(frequency: float, gain_db: float, sample_rate: int, *, kind: str) -> np.ndarray:
    """RBJ shelf section ``(1, 6)`` with slope 1: ``kind="low"`` has ``gain_db`` at DC, ``"high"`` at Nyquist."""
    if kind not in ("low", "high"):
        raise ValueError(f"kind={kind!r} must be 'low' or 'high'")
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * frequency / sample_rate
    cos, alpha = math.cos(w0), math.sin(w0) / math.sqrt(2.0)
    s = 1.0 if kind == "low" else -1.0  # the high shelf is the low shelf with cos -> -cos around the sums
    root = 2.0 * math.sqrt(a) * alpha
    b = [a * ((a + 1) - s * (a - 1) * cos + root), 2 * s * a * ((a - 1) - s * (a + 1) * cos),
         a * ((a + 1) - s * (a - 1) * cos - root)]
    den = [(a + 1) + s * (a - 1) * cos + root, -2 * s * ((a - 1) + s * (a + 1) * cos),
           (a + 1) + s * (a - 1) * cos - root]
    return np.array([b + den]) / den[0]


def random_eq(rng: np.random.Generator, sample_rate: int, *, n_bands: int = 3,
              max_gain_db: float = 6.0) -> tuple[np.ndarray, list[dict]]:
    """A random microphone colouring: ``(sos (n_bands, 6), bands)``.

    Each section is a low shelf (corner 80-400 Hz), a high shelf (corner 2-6 kHz, below 0.45 of the
    sample rate) or a peaking section (centre 150 Hz to 0.4 of the sample rate, log-uniform, Q 0.5-3),
    with gain uniform in ``[-max_gain_db, max_gain_db]``. ``bands`` lists each section's draws.

    >>> sos, bands = random_eq(np.random.default_rng(0), 16000, n_bands=2)
    >>> sos.shape, sorted(bands[0])
    ((2, 6), ['frequency', 'gain_db', 'kind', 'q'])
    """
    sections, bands = [], []
    for _ in range(n_bands):
        kind = ("low", "high", "peaking")[int(rng.integers(3))]
        gain = float(rng.uniform(-max_gain_db, max_gain_db))
        q = None
        if kind == "low":
            frequency = float(np.exp(rng.uniform(math.log(80.0), math.log(400.0))))
            sections.append(shelf(frequency, gain, sample_rate, kind="low"))
        elif kind == "high":
            frequency = float(np.exp(rng.uniform(math.log(2000.0), math.log(min(6000.0, 0.45 * sample_rate)))))
            sections.append(shelf(frequency, gain, sample_rate, kind="high"))
        else:
            frequency = float(np.exp(rng.uniform(math.log(150.0), math.log(0.4 * sample_rate))))
            q = float(rng.uniform(0.5, 3.0))
            sections.append(peaking(frequency, gain, q, sample_rate))
        bands.append({"kind": kind, "frequency": frequency, "gain_db": gain, "q": q})
    return np.concatenate(sections) if sections else np.zeros((0, 6)), bands


def apply_eq(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Filter a 1-D signal by the sections ``sos`` (causal, float64)."""
    return sosfilt(sos, np.asarray(x, dtype=np.float64)) if len(sos) else np.asarray(x, dtype=np.float64)


def narrowband(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """``x`` as an 8 kHz source: down to 8 kHz and back to ``sample_rate`` (same length)."""
    if sample_rate <= NARROWBAND_RATE:
        raise ValueError(f"sample_rate={sample_rate}: an 8 kHz source needs a model rate above 8000 Hz")
    signal = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = resample(resample(signal, sample_rate, NARROWBAND_RATE), NARROWBAND_RATE, sample_rate)
    return y[: len(x)].numpy().astype(np.float64)


def telephone(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """The telephone band: 300-3400 Hz Butterworth band-pass, then (above 8 kHz) an 8 kHz round trip."""
    if sample_rate <= 2 * TELEPHONE_BAND[1]:
        raise ValueError(f"sample_rate={sample_rate}: the telephone band needs a model rate above 6800 Hz")
    sos = butter(8, list(TELEPHONE_BAND), sample_rate=sample_rate, btype="bandpass").numpy()  # (8, 6)
    y = sosfilt(sos, np.asarray(x, dtype=np.float64))
    return narrowband(y, sample_rate) if sample_rate > NARROWBAND_RATE else y


def clip(x: np.ndarray, threshold: float) -> np.ndarray:
    """Hard clipping: every sample limited to ``[-threshold, threshold]``.

    >>> clip(np.array([0.1, -0.7, 0.5]), 0.4).tolist()
    [0.1, -0.4, 0.4]
    """
    if not threshold > 0:
        raise ValueError(f"threshold={threshold} must be positive")
    return np.clip(x, -threshold, threshold)
