"""DNSMOS P.835: documented range, agreement with speechmos's own API, resampling, silence."""
import math

import numpy as np
import pytest
from scipy.signal import resample_poly

from senhance.metrics import MetricWarning, dnsmos


def speech_like(seconds, sample_rate):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    phase = 2 * np.pi * np.cumsum(140 + 30 * np.sin(2 * np.pi * 0.7 * t)) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 1.5
    return (0.25 * voiced * envelope / np.max(np.abs(voiced))).astype(np.float32)


# 9.2 s: exactly one 9.01 s DNSMOS window, so each call runs the networks once.
SECONDS = 9.2


def test_dnsmos_is_in_range_and_matches_speechmos_api():
    from speechmos import dnsmos as reference

    audio = speech_like(SECONDS, 16000)
    scores = dnsmos(audio, 16000)
    assert set(scores) == {"sig", "bak", "ovrl"}
    assert all(1.0 <= value <= 5.0 for value in scores.values())
    expected = reference.run(audio, 16000)
    assert scores["sig"] == pytest.approx(float(expected["sig_mos"]), abs=1e-5)
    assert scores["bak"] == pytest.approx(float(expected["bak_mos"]), abs=1e-5)
    assert scores["ovrl"] == pytest.approx(float(expected["ovrl_mos"]), abs=1e-5)


def test_dnsmos_background_score_falls_with_added_noise():
    clean = speech_like(SECONDS, 16000)
    noise = np.random.default_rng(0).standard_normal(clean.size).astype(np.float32)
    noisy = clean + noise * np.sqrt(np.sum(clean**2) / np.sum(noise**2))  # 0 dB white noise
    assert dnsmos(noisy, 16000)["bak"] < dnsmos(clean, 16000)["bak"]


def test_dnsmos_resamples_8k_input():
    audio16 = speech_like(SECONDS, 16000)
    audio8 = resample_poly(audio16, 1, 2)
    expected = dnsmos(resample_poly(audio8, 2, 1), 16000)
    scores = dnsmos(audio8, 8000)
    for key in expected:
        assert scores[key] == pytest.approx(expected[key], abs=0.1)


def test_dnsmos_of_silence_is_nan_with_warning():
    with pytest.warns(MetricWarning, match="dnsmos"):
        scores = dnsmos(np.zeros(16000), 16000)
    assert all(math.isnan(v) for v in scores.values())
