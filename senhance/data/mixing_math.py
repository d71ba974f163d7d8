"""Mixing maths: active power, mixing at an SNR, looping noise to a length, overall level, babble.

Definitions (numpy, float64 internally; signals are 1-D arrays):

* **Active power**: the signal is cut into non-overlapping 20 ms frames; a frame is *active* when its
  mean square is within ``threshold_db`` (default 40 dB) of the loudest frame and above an absolute
  floor of -100 dBFS. The active power is the mean square over the active frames. For speech this
  ignores pauses; for noise it ignores the silences of sparse noises (so a door slam in a quiet
  recording is not blown up to fill the silence). A stationary signal's active power is its power.
* **SNR** = ``10 log10(active_power(speech) / active_power(noise))``, where *speech* is the speech
  component that is in the noisy mixture (reverberant when reverberation is on).
"""
from __future__ import annotations

import math

import numpy as np

SILENCE_POWER = 1e-10  # -100 dBFS: below this a signal counts as silent


def active_power(x: np.ndarray, sample_rate: int, *, frame_seconds: float = 0.02,
                 threshold_db: float = 40.0) -> float:
    """Mean square over the active frames of ``x`` (0.0 for a silent signal).

    >>> t = np.arange(16000) / 16000
    >>> tone = np.sin(2 * np.pi * 440 * t)
    >>> x = np.concatenate([tone, np.zeros(16000)])   # half silence
    >>> round(active_power(x, 16000), 3)              # the tone's power, not half of it
    0.5
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    frame = max(1, int(round(frame_seconds * sample_rate)))
    n_frames = len(x) // frame
    if n_frames == 0:
        power = float(np.mean(x**2)) if len(x) else 0.0
        return power if power > SILENCE_POWER else 0.0
    powers = np.mean(x[: n_frames * frame].reshape(n_frames, frame) ** 2, axis=1)  # (frames,)
    loudest = powers.max()
    if loudest <= SILENCE_POWER:
        return 0.0
    active = powers[(powers >= loudest * 10.0 ** (-threshold_db / 10.0)) & (powers > SILENCE_POWER)]
    return float(active.mean())


def snr_db(speech: np.ndarray, noise: np.ndarray, sample_rate: int) -> float:
    """SNR in dB by the active-power definition (``inf`` for silent noise, ``-inf`` for silent speech)."""
    p_speech, p_noise = active_power(speech, sample_rate), active_power(noise, sample_rate)
    if p_noise == 0.0:
        return math.inf
    if p_speech == 0.0:
        return -math.inf
    return 10.0 * math.log10(p_speech / p_noise)


def noise_gain_for_snr(speech: np.ndarray, noise: np.ndarray, target_snr_db: float, sample_rate: int) -> float:
    """The gain to apply to ``noise`` so that ``snr_db(speech, gain * noise) == target_snr_db``.

    Returns ``nan`` when speech or noise is silent (no gain realises an SNR then).

    >>> rng = np.random.default_rng(0)
    >>> speech, noise = rng.standard_normal(8000), 0.1 * rng.standard_normal(8000)
    >>> g = noise_gain_for_snr(speech, noise, 5.0, 16000)
    >>> round(snr_db(speech, g * noise, 16000), 6)
    5.0
    """
    p_speech, p_noise = active_power(speech, sample_rate), active_power(noise, sample_rate)
    if p_speech == 0.0 or p_noise == 0.0:
        return math.nan
    return math.sqrt(p_speech / (p_noise * 10.0 ** (target_snr_db / 10.0)))


def looped_segment(x: np.ndarray, length: int, offset: int) -> np.ndarray:
    """``length`` samples of ``x`` starting at ``offset``, looping ``x`` when it is shorter (wrap around).

    >>> looped_segment(np.array([1., 2., 3.]), 7, 1).tolist()
    [2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]
    """
    if len(x) == 0:
        raise ValueError("x: cannot take a looped segment of an empty signal")
    index = (offset + np.arange(length)) % len(x)
    return x[index]


def level_gain(noisy: np.ndarray, clean: np.ndarray, level_dbfs: float, *, max_peak: float = 0.99) -> float:
    """One gain for both signals: noisy RMS to ``level_dbfs`` dBFS, reduced so no peak exceeds ``max_peak``.

    The same gain goes on the mixture and on the target, so their relation (and the SNR) is kept,
    and neither clips. Returns 1.0 for a silent mixture.

    >>> noisy = np.array([0.5, -0.5, 0.5, -0.5]); clean = 0.5 * noisy
    >>> level_gain(noisy, clean, -20.0)   # RMS 0.5 -> 0.1
    0.2
    >>> level_gain(noisy, clean, 0.0)     # would need peak 1.0: limited to 0.99
    1.98
    """
    rms = float(np.sqrt(np.mean(np.asarray(noisy, dtype=np.float64) ** 2)))
    peak = max(float(np.max(np.abs(noisy), initial=0.0)), float(np.max(np.abs(clean), initial=0.0)))
    if rms <= math.sqrt(SILENCE_POWER) or peak == 0.0:
        return 1.0
    gain = 10.0 ** (level_dbfs / 20.0) / rms
    return min(gain, max_peak / peak)


def add_noise(noise: np.ndarray, other: np.ndarray, relative_db: float, sample_rate: int) -> tuple[np.ndarray, float]:
    """``(noise + g * other, g)`` with ``g`` such that ``other``'s active power is ``relative_db`` dB
    relative to ``noise``'s (``g = 0`` when either is silent: the first noise is kept as it is).

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal(8000), 5 * rng.standard_normal(8000)
    >>> mixed, g = add_noise(a, b, -6.0, 16000)
    >>> round(10 * math.log10(active_power(g * b, 16000) / active_power(a, 16000)), 6)
    -6.0
    """
    p_noise, p_other = active_power(noise, sample_rate), active_power(other, sample_rate)
    if p_noise == 0.0 or p_other == 0.0:
        return np.asarray(noise, dtype=np.float64), 0.0
    gain = math.sqrt(p_noise * 10.0 ** (relative_db / 10.0) / p_other)
    return np.asarray(noise, dtype=np.float64) + gain * np.asarray(other, dtype=np.float64), gain


def babble(utterances: list[np.ndarray], sample_rate: int) -> np.ndarray:
    """Sum of equal-length utterances, each scaled to unit active power first (silent ones left out).

    >>> x = babble([np.ones(320), 3 * np.ones(320)], 16000)
    >>> x[:2].tolist()
    [2.0, 2.0]
    """
    if not utterances:
        raise ValueError("babble: no utterances")
    total = np.zeros(len(utterances[0]), dtype=np.float64)
    for utterance in utterances:
        power = active_power(utterance, sample_rate)
        if power > 0.0:
            total += np.asarray(utterance, dtype=np.float64) / math.sqrt(power)
    return total
