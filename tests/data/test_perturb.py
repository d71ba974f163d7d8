"""Speed and pitch perturbation against physics (FFT peaks, envelopes) and scipy's resample_poly."""
from fractions import Fraction

import numpy as np
import pytest
from scipy import signal

from senhance.data.perturb import pitch_shift, speed_perturb, time_stretch

SR = 16000


def tone(freq, seconds=1.0):
    return np.sin(2 * np.pi * freq * np.arange(int(seconds * SR)) / SR)


def peak_hz(x):
    """Frequency of the largest FFT peak (Hann window, 8x zero padding, parabolic interpolation)."""
    n = 8 * len(x)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1: k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / n


def rms_db(x):
    return 10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2))


@pytest.mark.parametrize("factor", [0.9, 0.95, 1.05, 1.1])
def test_speed_scales_the_fundamental_and_the_duration(factor):
    x = tone(400.0)
    y = speed_perturb(x, factor)
    assert len(y) == int(np.ceil(len(x) / factor))
    assert peak_hz(y[200:-200]) == pytest.approx(400.0 * factor, rel=1e-3)
    ratio = Fraction(factor).limit_denominator(48)
    reference = signal.resample_poly(x, ratio.denominator, ratio.numerator)
    assert np.allclose(y[300:-300], reference[300: len(y) - 300], atol=2e-3)


@pytest.mark.parametrize("semitones", [-2.0, 1.0, 3.0])
def test_pitch_shift_scales_frequency_and_keeps_timing(semitones):
    burst = tone(500.0) * ((np.arange(SR) >= 4000) & (np.arange(SR) < 12000))  # on from 0.25 s to 0.75 s
    y = pitch_shift(burst, semitones)
    assert len(y) == SR
    assert peak_hz(y[5000:11000]) == pytest.approx(500.0 * 2 ** (semitones / 12), rel=2e-3)
    assert rms_db(y[5000:11000]) == pytest.approx(rms_db(burst[5000:11000]), abs=0.5)
    envelope = np.convolve(y**2, np.ones(160) / 160, mode="same")
    on = np.flatnonzero(envelope > 0.5 * envelope.max())
    assert abs(on[0] - 4000) < 0.01 * SR and abs(on[-1] - 12000) < 0.01 * SR  # tempo kept (10 ms)


@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_keeps_frequency_and_amplitude(rate):
    x = tone(700.0) + 0.5 * tone(1900.0)
    y = time_stretch(x, rate)
    assert len(y) == round(len(x) * rate)
    middle = y[1000:-1000]
    assert peak_hz(middle) == pytest.approx(700.0, rel=1e-3)
    assert rms_db(middle) == pytest.approx(rms_db(x), abs=0.3)


def test_short_input_and_bad_factors():
    x = np.random.default_rng(0).standard_normal(300)
    assert pitch_shift(x, 2.0).shape == (300,) and np.all(np.isfinite(pitch_shift(x, 2.0)))
    assert np.array_equal(speed_perturb(x, 1.0), x.astype(np.float32))
    with pytest.raises(ValueError, match="factor=0"):
        speed_perturb(x, 0.0)
