"""Synthetic full-band test signals: formant-shaped harmonic "syllables" with energy up to 20 kHz, and
speech-shaped noise over the whole band (0 to the Nyquist frequency).

Shared by the full-band tests (``tests/inference/test_fullband*.py``) and ``bench/fullband_rtf.py``.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

SYLLABLE_S, PAUSE_S = 0.3, 0.2
#: (F1, F2, F3) in Hz of six vowels (Peterson & Barney averages, male speakers)
VOWELS = [(730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410), (440, 1020, 2240),
          (660, 1720, 2410)]


def _resonance(f, centre, bandwidth):
    return 1.0 / np.sqrt((1 - (f / centre) ** 2) ** 2 + (f * bandwidth / centre**2) ** 2)


@functools.lru_cache(maxsize=16)
def speech_like(seconds: float, sample_rate: int, *, seed: int = 0, top_hz: float = 20000.0,
                air_db: float = -20.0):
    """Voiced syllables and pauses: harmonics of a gliding f0 (110-200 Hz) up to ``top_hz``, amplitude
    ``1/k`` times three vowel formants plus a flat "air" floor ``air_db`` below the formant peaks.

    Returns ``(signal (T,) float64 peaking at 0.3, activity (T,) in [0, 1]: the syllable envelope)``.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    period = SYLLABLE_S + PAUSE_S
    syllable = (t // period).astype(int)
    inside = np.mod(t, period)
    activity = np.where(inside < SYLLABLE_S, np.sin(np.pi * np.clip(inside / SYLLABLE_S, 0, 1)) ** 0.5, 0.0)
    count = syllable.max() + 1
    f0 = (110 + 60 * rng.random(count))[syllable] * (1 + 0.15 * inside / SYLLABLE_S) * (1 + 0.01 * np.sin(10 * np.pi * t))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    formants = np.array(VOWELS)[rng.integers(0, len(VOWELS), count)][syllable]  # (T, 3)
    signal = np.zeros(n)
    harmonics = np.arange(1, int(top_hz / 100) + 1)
    offsets = rng.uniform(0, 2 * np.pi, harmonics.size)
    step = max(1, sample_rate // 1000)  # amplitudes move slowly: computed every 1 ms, then held
    for group in np.array_split(np.arange(harmonics.size), 16):  # (H, T) blocks of harmonics
        k = harmonics[group][:, None]
        fk = k * f0[None, ::step]
        envelope = np.ones_like(fk)
        for i, bandwidth in enumerate((80, 100, 150)):
            envelope *= _resonance(fk, formants[None, ::step, i], bandwidth)
        amplitude = np.where(fk < top_hz, (envelope + 3 * 10 ** (air_db / 20)) / k, 0.0)
        amplitude = np.repeat(amplitude, step, axis=1)[:, :n]
        signal += (amplitude * np.sin(k * phase[None] + offsets[group][:, None])).sum(0)
    signal *= activity
    return 0.3 * signal / np.abs(signal).max(), activity


def speech_shaped_noise(clean: np.ndarray, sample_rate: int, *, seed: int = 1) -> np.ndarray:
    """Gaussian noise with the long-term spectrum of ``clean`` (averaged over 1/4-octave bands, 50 Hz up)."""
    spectrum = np.abs(np.fft.rfft(clean)) ** 2
    freqs = np.fft.rfftfreq(len(clean), 1 / sample_rate)
    band = np.digitize(freqs, np.geomspace(50, sample_rate / 2, 60))
    smooth = np.zeros_like(spectrum)
    for b in np.unique(band):
        smooth[band == b] = spectrum[band == b].mean()
    white = np.fft.rfft(np.random.default_rng(seed).standard_normal(len(clean)))
    return np.fft.irfft(white * np.sqrt(smooth), n=len(clean))


def noisy_mixture(seconds: float, sample_rate: int, *, snr_db: float = 10.0, seed: int = 0):
    """``(noisy, clean, activity)``: float32 ``(1, T)`` tensors and the ``(T,)`` syllable envelope.

    The noise is speech-shaped (so the SNR is about ``snr_db`` in every band, 8-20 kHz included),
    scaled to ``snr_db`` against the speech inside the syllables.
    """
    noisy, clean, activity = _mixture(float(seconds), int(sample_rate), float(snr_db), int(seed))
    return noisy.clone(), clean.clone(), activity.clone()


@functools.lru_cache(maxsize=16)
def _mixture(seconds: float, sample_rate: int, snr_db: float, seed: int):
    clean, activity = speech_like(seconds, sample_rate, seed=seed)
    noise = speech_shaped_noise(clean, sample_rate, seed=seed + 1)
    active = activity > 0.5
    noise *= np.sqrt(np.mean(clean[active] ** 2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32)[None]  # noqa: E731
    return as_tensor(clean + noise), as_tensor(clean), torch.as_tensor(activity)


def band_energy_db(x, sample_rate: int, low_hz: float, high_hz: float, mask) -> float:
    """Energy (dB) of ``x`` between ``low_hz`` and ``high_hz`` over the STFT frames inside ``mask``.

    Frames: 1024-sample Hann windows, hop 256; ``mask`` is per sample, and a frame counts when it
    holds over the whole frame.
    """
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    n_fft, hop = 1024, 256
    frames = x.unfold(0, n_fft, hop) * torch.hann_window(n_fft, dtype=torch.float64)  # (N, n_fft)
    power = torch.fft.rfft(frames).abs().pow(2)  # (N, F)
    freqs = torch.fft.rfftfreq(n_fft, 1 / sample_rate)
    band = (freqs >= low_hz) & (freqs < high_hz)
    keep = torch.as_tensor(mask).bool().unfold(0, n_fft, hop).all(-1)
    return float(10 * torch.log10(power[keep][:, band].sum() + 1e-30))
