"""Reverberation and band-limiting against physics and scipy."""
import numpy as np
import pytest
from scipy import signal

from senhance.data.augment import apply_reverb, lowpass, normalize_rir, synthetic_rir

SR = 16000


def schroeder_rt60(h, sample_rate):
    """T30 from Schroeder backward integration (-5 to -35 dB), extrapolated to 60 dB."""
    energy = np.cumsum((h.astype(np.float64) ** 2)[::-1])[::-1]
    decay = 10 * np.log10(energy / energy[0])
    t = np.arange(len(h)) / sample_rate
    fit = (decay <= -5) & (decay >= -35)
    slope = np.polyfit(t[fit], decay[fit], 1)[0]
    return -60.0 / slope


@pytest.mark.parametrize("rt60", [0.3, 0.8])
def test_synthetic_rir_decays_with_the_requested_rt60(rt60):
    h = synthetic_rir(rt60, SR, np.random.default_rng(0), drr_db=-20.0, max_seconds=2 * rt60)
    assert schroeder_rt60(h[1:], SR) == pytest.approx(rt60, rel=0.1)


def test_synthetic_rir_direct_to_reverberant_ratio():
    h = synthetic_rir(0.5, SR, np.random.default_rng(1), drr_db=6.0).astype(np.float64)
    assert h[0] == 1.0 and 10 * np.log10(1.0 / np.sum(h[1:] ** 2)) == pytest.approx(6.0, abs=1e-3)


def test_reverb_equals_numpy_convolution_aligned_on_the_direct_path():
    rng = np.random.default_rng(2)
    speech = rng.standard_normal(500)
    rir = np.concatenate([np.zeros(7), [0.2, -1.5], 0.3 * rng.standard_normal(1200)])
    reverberant, early = apply_reverb(speech, rir, SR, early_ms=5.0)
    full = np.convolve(speech, rir)
    assert np.allclose(reverberant, full[8: 8 + 500], atol=1e-5)
    assert np.allclose(early, np.convolve(speech, rir[: 8 + 1 + 80])[8: 8 + 500], atol=1e-5)
    _, dry = apply_reverb(speech, rir, SR, target="dry")
    assert np.allclose(dry, -1.5 * speech, atol=1e-5)
    assert normalize_rir(rir)[8] == 1.0


def test_lowpass_matches_scipy_and_physics():
    t = np.arange(SR // 2) / SR
    x = np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 6000 * t)
    y = lowpass(x, 3400.0, SR, order=8)
    reference = signal.sosfilt(signal.butter(8, 3400.0, btype="low", fs=SR, output="sos"), x)
    assert np.allclose(y, reference, atol=1e-4)
    spectrum = np.abs(np.fft.rfft(y[2000:] * np.hanning(len(y) - 2000)))
    freqs = np.fft.rfftfreq(len(y) - 2000, 1 / SR)
    kept = spectrum[np.argmin(np.abs(freqs - 1000))]
    killed = spectrum[np.argmin(np.abs(freqs - 6000))]
    assert 20 * np.log10(killed / kept) < -60
