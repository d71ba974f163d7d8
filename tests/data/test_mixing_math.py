"""Mixing maths against hand-computed and independently computed references."""
import math

import numpy as np
import pytest

from senhance.data import MixOptions, active_power, level_gain, looped_segment, noise_gain_for_snr, simulate, snr_db

SR = 16000


def reference_active_power(x, sample_rate, frame_seconds=0.02, threshold_db=40.0):
    """The documented definition, written as a plain loop over frames."""
    frame = int(round(frame_seconds * sample_rate))
    powers = [float(np.mean(np.asarray(x[i: i + frame], np.float64) ** 2))
              for i in range(0, len(x) - frame + 1, frame)]
    loudest = max(powers)
    active = [p for p in powers if p >= loudest * 10 ** (-threshold_db / 10) and p > 1e-10]
    return sum(active) / len(active)


def test_active_power_ignores_pauses():
    t = np.arange(SR) / SR
    tone = 0.3 * np.sin(2 * np.pi * 250 * t)  # 250 Hz: whole periods in every 20 ms frame
    x = np.concatenate([tone[:8000], np.zeros(8000), tone[:3200]])
    assert active_power(x, SR) == pytest.approx(0.3**2 / 2, rel=1e-9)
    assert active_power(np.zeros(1000), SR) == 0.0
    assert active_power(tone, SR) == pytest.approx(np.mean(tone**2), rel=1e-9)


@pytest.mark.parametrize("target", [-5.0, 0.0, 7.5, 20.0])
def test_realised_snr_matches_request(gen, target):
    rng = np.random.default_rng(int(target) + 10)
    speech = gen.voiced(0.5, SR, rng)
    noise = gen.noise("brown", 0.5, SR, rng)
    gain = noise_gain_for_snr(speech, noise, target, SR)
    realised = 10 * math.log10(reference_active_power(speech, SR) / reference_active_power(gain * noise, SR))
    assert abs(realised - target) < 0.1


def test_snr_of_stationary_signals_is_the_power_ratio():
    rng = np.random.default_rng(0)
    speech = 0.5 * np.sin(2 * np.pi * 500 * np.arange(SR) / SR)
    noise = 0.05 * rng.standard_normal(SR)
    expected = 10 * np.log10(np.mean(speech**2) / np.mean(noise**2))
    assert snr_db(speech, noise, SR) == pytest.approx(expected, abs=0.02)
    assert snr_db(speech, np.zeros(SR), SR) == math.inf and math.isnan(noise_gain_for_snr(speech, 0 * noise, 0, SR))


def test_looped_segment_loops():
    assert looped_segment(np.arange(4.0), 10, 3).tolist() == [3, 0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert looped_segment(np.arange(10.0), 3, 2).tolist() == [2, 3, 4]


def test_level_gain_limits_peaks():
    noisy = np.array([0.1, -0.8, 0.2, 0.0])
    clean = np.array([0.0, 0.9, 0.0, 0.0])  # the target peak is what limits here
    gain = level_gain(noisy, clean, 0.0, max_peak=0.99)
    assert gain == pytest.approx(0.99 / 0.9)
    rms = np.sqrt(np.mean(noisy**2))
    assert level_gain(noisy, clean, -40.0) == pytest.approx(0.01 / rms)


def _simulate_many(gen, options, count=12, seed=0):
    out = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        speech = gen.voiced(0.4, SR, rng)
        noise = gen.noise(["white", "brown"][i % 2], 0.4, SR, rng)
        out.append((speech, noise) + simulate(speech, noise, sample_rate=SR, rng=rng, options=options))
    return out


def test_simulate_realises_snr_and_never_clips(gen):
    options = MixOptions(snr_range=(-5, 20), level_range=(-50, 3))  # includes quiet and too-loud levels
    levels = []
    for speech, noise, noisy, clean, info in _simulate_many(gen, options):
        residual = noisy.astype(np.float64) - clean
        realised = 10 * math.log10(reference_active_power(clean, SR) / reference_active_power(residual, SR))
        assert abs(realised - info["snr_db"]) < 0.1
        assert np.max(np.abs(clean)) <= 0.99 + 1e-6 and np.max(np.abs(noisy)) <= 0.99 + 1e-6
        # the target is the speech times one gain: nothing else was done to it
        assert np.allclose(clean, speech * info["gain"], atol=1e-6)
        levels.append(20 * np.log10(np.sqrt(np.mean(noisy.astype(np.float64) ** 2))))
    assert min(levels) < -40 and max(levels) > -15


def test_clipped_source_is_not_clipped_further(gen):
    speech = np.clip(4 * gen.voiced(0.3, SR, np.random.default_rng(0), pause=False), -1, 1)  # flat tops
    noise = gen.noise("white", 0.3, SR, np.random.default_rng(1))
    noisy, clean, info = simulate(speech, noise, sample_rate=SR, rng=np.random.default_rng(2),
                                  options=MixOptions(level_range=(0, 0)))
    assert np.max(np.abs(noisy)) == pytest.approx(0.99, abs=1e-6) and np.max(np.abs(clean)) <= 0.99 + 1e-6


def test_silent_speech_and_silent_noise(gen):
    noise = gen.noise("white", 0.2, SR, np.random.default_rng(0))
    noisy, clean, info = simulate(np.zeros_like(noise), noise, sample_rate=SR, rng=np.random.default_rng(0),
                                  options=MixOptions(level_range=(-30, -30)))
    assert info["snr_db"] == -math.inf and not np.any(clean)
    assert 20 * np.log10(np.sqrt(np.mean(noisy.astype(np.float64) ** 2))) == pytest.approx(-30, abs=0.01)
    speech = gen.voiced(0.2, SR, np.random.default_rng(1))
    noisy, clean, info = simulate(speech, np.zeros_like(speech), sample_rate=SR, rng=np.random.default_rng(0))
    assert info["snr_db"] == math.inf and np.array_equal(noisy, clean) and np.any(clean)


def test_simulate_is_reproducible(gen):
    options = MixOptions(reverb_prob=0.5)
    a = _simulate_many(gen, options, count=3, seed=5)
    b = _simulate_many(gen, options, count=3, seed=5)
    c = _simulate_many(gen, options, count=3, seed=6)
    for x, y, z in zip(a, b, c):
        assert np.array_equal(x[2], y[2]) and x[4] == y[4]
        assert not np.array_equal(x[2], z[2])


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="snr_range"):
        MixOptions(snr_range=(10, 0))
    with pytest.raises(ValueError, match="reverb_prob"):
        MixOptions(reverb_prob=2)
    with pytest.raises(ValueError, match="cutoff_range"):
        MixOptions(band_limit_prob=1, cutoff_range=(3000, 9000)).check_sample_rate(16000)


def test_band_limit_applies_to_the_noisy_input_only():
    rng = np.random.default_rng(4)
    speech, noise = 0.1 * rng.standard_normal(SR // 2), 0.1 * rng.standard_normal(SR // 2)  # broadband
    options = MixOptions(band_limit_prob=1.0, cutoff_range=(3000, 3000), snr_range=(20, 20))
    noisy, clean, info = simulate(speech, noise, sample_rate=SR, rng=rng, options=options)
    assert info["cutoff_hz"] == 3000
    freqs = np.fft.rfftfreq(len(noisy), 1 / SR)
    high = freqs > 5000
    band = lambda x: np.sum(np.abs(np.fft.rfft(x))[high] ** 2)
    assert 10 * np.log10(band(noisy) / band(clean)) < -40  # the input lost its top band, the target did not
    assert np.allclose(clean, speech * info["gain"], atol=1e-6)


def test_reverberant_input_and_early_reverberant_target():
    rng = np.random.default_rng(5)
    speech, noise = 0.1 * rng.standard_normal(4000), 0.1 * rng.standard_normal(4000)
    rir = np.zeros(3200)
    rir[0], rir[400], rir[2400] = 1.0, 0.5, 0.3   # 25 ms (early) and 150 ms (late) reflections
    options = MixOptions(reverb_prob=1.0, snr_range=(5, 5))
    noisy, clean, info = simulate(speech, noise, sample_rate=SR, rng=rng, options=options, rirs=[rir])
    early = np.convolve(speech, rir[:401])[:4000] * info["gain"]
    reverberant = np.convolve(speech, rir)[:4000] * info["gain"]
    assert info["rir"] == 0 and np.allclose(clean, early, atol=1e-5)
    assert abs(snr_db(reverberant, noisy - reverberant, SR) - 5.0) < 0.1
