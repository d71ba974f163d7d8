"""One noisy/clean example from a speech segment and a noise segment: the mixing recipe.

Used by :class:`senhance.data.MixDataset` (on the fly) and by ``scripts/make_corpus.py`` (frozen),
so both produce the same kind of examples. Steps, in order:

1. optional reverberation (probability ``reverb_prob``): measured RIR or a synthetic one with
   RT60 drawn from ``rt60_range``; the noisy input gets the reverberant speech, the target the
   early-reverberant (or dry) speech, see :mod:`senhance.data.augment`;
2. noise scaled so that the SNR (active-power definition, :mod:`senhance.data.mixing_math`) of the
   speech in the mixture over the noise equals the SNR drawn from ``snr_range``;
3. optional microphone colouring (probability ``eq_prob``, :func:`senhance.data.channel.random_eq`)
   of the mixture, and of the target too with ``eq_target="both"`` (default; ``"input"``: the target
   stays uncoloured);
4. optional band-limiting of the mixture only (each drawn on its own): low-pass (probability
   ``band_limit_prob``, cut-off from ``cutoff_range``), telephone band 300-3400 Hz
   (``telephone_prob``), 8 kHz source (``narrowband_prob``);
5. overall level: mixture RMS drawn from ``level_range`` dBFS, one gain for mixture and target,
   lowered when needed so that no sample of either exceeds ``max_peak`` (``max_peak=None``: no limit,
   the drawn level is always realised and float samples may exceed 1);
6. optional clipping of the mixture only (probability ``clip_prob``) at a threshold drawn from
   ``clip_range`` times the mixture's peak; the target is never clipped;
7. optional pre-emphasis (``preemphasis`` > 0) of both, then the same peak limit again.

The speech perturbations (``speed_*``, ``pitch_*``) and the noise choices (``second_noise_*``,
``babble_*``) are options of the same dataclass but are applied by :class:`senhance.data.MixDataset`
before this function (they change which samples are read).

Silent speech (all zeros) gives the noise at the drawn level and a silent target (``snr_db`` is
``-inf``); silent noise gives ``noisy == clean`` (``snr_db`` is ``inf``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from senhance.data.augment import apply_reverb, lowpass, synthetic_rir
from senhance.data.channel import apply_eq, clip, narrowband, random_eq, telephone
from senhance.data.mixing_math import active_power, level_gain, noise_gain_for_snr
from senhance.dsp import preemphasis


@dataclasses.dataclass(frozen=True)
class MixOptions:
    """Parameters of :func:`simulate` and of :class:`senhance.data.MixDataset`'s speech and noise draws
    (ranges are ``(low, high)``, drawn uniformly; every ``*_prob`` is 0 = off by default)."""

    snr_range: tuple[float, float] = (-5.0, 20.0)
    level_range: tuple[float, float] = (-45.0, -10.0)
    max_peak: float | None = 0.99
    reverb_prob: float = 0.0
    rt60_range: tuple[float, float] = (0.2, 1.0)
    drr_range: tuple[float, float] = (0.0, 10.0)
    reverb_target: str = "early"
    band_limit_prob: float = 0.0
    cutoff_range: tuple[float, float] = (3400.0, 7000.0)
    preemphasis: float = 0.0
    speed_prob: float = 0.0
    speed_factors: tuple[float, ...] = (0.9, 0.95, 1.05, 1.1)
    pitch_prob: float = 0.0
    pitch_range: tuple[float, float] = (-2.0, 2.0)
    eq_prob: float = 0.0
    eq_bands: int = 3
    eq_gain_db: float = 6.0
    eq_target: str = "both"
    telephone_prob: float = 0.0
    narrowband_prob: float = 0.0
    clip_prob: float = 0.0
    clip_range: tuple[float, float] = (0.3, 0.9)
    second_noise_prob: float = 0.0
    second_noise_range: tuple[float, float] = (-10.0, 0.0)
    babble_prob: float = 0.0
    babble_speakers: tuple[int, int] = (3, 7)

    def __post_init__(self):
        for name in ("snr_range", "level_range", "rt60_range", "drr_range", "cutoff_range", "pitch_range",
                     "clip_range", "second_noise_range", "babble_speakers"):
            value = tuple(float(v) for v in getattr(self, name))
            if len(value) != 2 or value[0] > value[1]:
                raise ValueError(f"{name}={list(value)} must be [low, high] with low <= high")
            object.__setattr__(self, name, value)
        for name in ("reverb_prob", "band_limit_prob", "speed_prob", "pitch_prob", "eq_prob", "telephone_prob",
                     "narrowband_prob", "clip_prob", "second_noise_prob", "babble_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name}={getattr(self, name)} must be in [0, 1]")
        if self.rt60_range[0] <= 0:
            raise ValueError(f"rt60_range={list(self.rt60_range)} must be positive")
        if self.max_peak is not None and not 0.0 < self.max_peak <= 1.0:
            raise ValueError(f"max_peak={self.max_peak} must be in (0, 1] or None (no peak limit)")
        factors = tuple(float(v) for v in self.speed_factors)
        if not factors or not all(0.5 <= v <= 2.0 for v in factors):
            raise ValueError(f"speed_factors={list(factors)} must be a non-empty list of factors in [0.5, 2]")
        object.__setattr__(self, "speed_factors", factors)
        if not (-12.0 <= self.pitch_range[0] and self.pitch_range[1] <= 12.0):
            raise ValueError(f"pitch_range={list(self.pitch_range)} semitones must be inside [-12, 12]")
        if self.eq_target not in ("both", "input"):
            raise ValueError(f"eq_target={self.eq_target!r} must be 'both' or 'input'")
        if int(self.eq_bands) != self.eq_bands or self.eq_bands < 1 or not 0 <= self.eq_gain_db <= 24:
            raise ValueError(f"eq_bands={self.eq_bands} must be a positive integer and "
                             f"eq_gain_db={self.eq_gain_db} in [0, 24]")
        if not (0.0 < self.clip_range[0] and self.clip_range[1] <= 1.0):
            raise ValueError(f"clip_range={list(self.clip_range)} (fractions of the mixture peak) must be in (0, 1]")
        low, high = self.babble_speakers
        if int(low) != low or int(high) != high or low < 1:
            raise ValueError(f"babble_speakers={[low, high]} must be whole numbers >= 1")
        object.__setattr__(self, "babble_speakers", (int(low), int(high)))
        if not 0.0 <= self.preemphasis < 1.0:
            raise ValueError(f"preemphasis={self.preemphasis} must be in [0, 1)")
        if self.reverb_target not in ("early", "dry"):
            raise ValueError(f"reverb_target={self.reverb_target!r} must be 'early' or 'dry'")

    def check_sample_rate(self, sample_rate: int) -> None:
        if self.band_limit_prob > 0 and not 0 < self.cutoff_range[0] <= self.cutoff_range[1] < sample_rate / 2:
            raise ValueError(f"cutoff_range={list(self.cutoff_range)} Hz must be inside (0, {sample_rate / 2:g})")
        if self.telephone_prob > 0 and sample_rate <= 6800:
            raise ValueError(f"telephone_prob={self.telephone_prob}: the 300-3400 Hz band needs sample_rate > 6800")
        if self.narrowband_prob > 0 and sample_rate <= 8000:
            raise ValueError(f"narrowband_prob={self.narrowband_prob}: an 8 kHz source needs sample_rate > 8000")


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1])) if bounds[1] > bounds[0] else float(bounds[0])


def simulate(speech: np.ndarray, noise: np.ndarray, *, sample_rate: int, rng: np.random.Generator,
             options: MixOptions = MixOptions(), rirs: list[np.ndarray] | None = None
             ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Mix ``speech`` and ``noise`` (both ``(T,)`` at ``sample_rate``) into ``(noisy, clean, info)``.

    ``info`` records every draw: ``snr_db``, ``noise_gain``, ``level_dbfs``, ``gain`` (the overall gain
    applied to both), ``rt60`` / ``rir`` (index or ``"synthetic"``), ``cutoff_hz``, ``eq`` (the sections'
    draws), ``telephone`` / ``narrowband`` (bools), ``clip_threshold`` (absolute); ``None`` when off.

    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(8000) / 8000
    >>> speech, noise = 0.5 * np.sin(2 * np.pi * 200 * t), rng.standard_normal(8000)
    >>> noisy, clean, info = simulate(speech, noise, sample_rate=8000, rng=np.random.default_rng(1))
    >>> noisy.shape, clean.dtype, bool(np.abs(noisy).max() <= 0.99)
    ((8000,), dtype('float32'), True)
    """
    if len(speech) != len(noise):
        raise ValueError(f"speech ({len(speech)}) and noise ({len(noise)}) must have the same length")
    speech = np.asarray(speech, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    info: dict = {"rt60": None, "rir": None, "cutoff_hz": None, "eq": None, "telephone": False,
                  "narrowband": False, "clip_threshold": None}
    # 1. reverberation
    reverberant, target = speech, speech
    if options.reverb_prob > 0 and rng.random() < options.reverb_prob:
        if rirs:
            index = int(rng.integers(len(rirs)))
            rir, info["rir"] = rirs[index], index
        else:
            info["rt60"] = _uniform(rng, options.rt60_range)
            rir = synthetic_rir(info["rt60"], sample_rate, rng, drr_db=_uniform(rng, options.drr_range))
            info["rir"] = "synthetic"
        reverberant, target = (a.astype(np.float64) for a in apply_reverb(
            speech, rir, sample_rate, target=options.reverb_target))
    # 2. SNR
    info["snr_db"] = _uniform(rng, options.snr_range)
    gain = noise_gain_for_snr(reverberant, noise, info["snr_db"], sample_rate)
    if math.isnan(gain):
        silent_noise = active_power(noise, sample_rate) == 0.0
        gain = 0.0 if silent_noise else 1.0
        info["snr_db"] = math.inf if silent_noise else -math.inf
    info["noise_gain"] = gain
    noisy = reverberant + gain * noise
    # 3. microphone colouring: the mixture, and the target with eq_target="both"
    if options.eq_prob > 0 and rng.random() < options.eq_prob:
        sos, info["eq"] = random_eq(rng, sample_rate, n_bands=int(options.eq_bands), max_gain_db=options.eq_gain_db)
        noisy = apply_eq(noisy, sos)
        target = apply_eq(target, sos) if options.eq_target == "both" else target
    # 4. band-limiting of the input only
    if options.band_limit_prob > 0 and rng.random() < options.band_limit_prob:
        info["cutoff_hz"] = _uniform(rng, options.cutoff_range)
        noisy = lowpass(noisy, info["cutoff_hz"], sample_rate).astype(np.float64)
    if options.telephone_prob > 0 and rng.random() < options.telephone_prob:
        info["telephone"], noisy = True, telephone(noisy, sample_rate)
    if options.narrowband_prob > 0 and rng.random() < options.narrowband_prob:
        info["narrowband"], noisy = True, narrowband(noisy, sample_rate)
    # 5. level, no clipping
    info["level_dbfs"] = _uniform(rng, options.level_range)
    info["gain"] = level_gain(noisy, target, info["level_dbfs"],
                              max_peak=math.inf if options.max_peak is None else options.max_peak)
    noisy, clean = noisy * info["gain"], target * info["gain"]
    # 6. clipping of the input only
    if options.clip_prob > 0 and rng.random() < options.clip_prob:
        peak = float(np.max(np.abs(noisy), initial=0.0))
        if peak > 0:
            info["clip_threshold"] = _uniform(rng, options.clip_range) * peak
            noisy = clip(noisy, info["clip_threshold"])
    # 7. pre-emphasis front-end option
    if options.preemphasis > 0:
        noisy, clean = (_preemphasis(x, options.preemphasis) for x in (noisy, clean))
        peak = max(np.max(np.abs(noisy)), np.max(np.abs(clean)))
        if options.max_peak is not None and peak > options.max_peak:
            noisy, clean = noisy * (options.max_peak / peak), clean * (options.max_peak / peak)
            info["gain"] *= options.max_peak / peak
    return noisy.astype(np.float32), clean.astype(np.float32), info


def _preemphasis(x: np.ndarray, coefficient: float) -> np.ndarray:
    return preemphasis(torch.as_tensor(x, dtype=torch.float32), coefficient).double().numpy()
