"""Known values of the metrics, against hand-computed cases and the reference packages called directly."""
import math
import sys

import numpy as np
import pytest
from scipy.signal import resample_poly

from senhance.metrics import MetricWarning, MissingMetricPackageError, estoi, pesq, segmental_snr, si_sdr, snr, stoi


def speech_like(seconds, sample_rate, rng):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 1.5
    return 0.25 * voiced * envelope / np.max(np.abs(voiced)) + 1e-3 * rng.standard_normal(t.size)


def with_noise(clean, snr_db, rng):
    noise = rng.standard_normal(clean.size)
    noise *= np.sqrt(np.sum(clean**2) / np.sum(noise**2) / 10 ** (snr_db / 10))
    return clean + noise


# ---------- SI-SDR, SNR, segmental SNR (own code) ----------

def test_si_sdr_of_scaled_copy_is_very_large(rng):
    reference = rng.standard_normal(4000)
    assert si_sdr(0.3 * reference, reference) > 100
    assert si_sdr(-2.0 * reference, reference) > 100


def test_si_sdr_of_orthogonal_mixture_equals_constructed_snr(rng):
    reference = rng.standard_normal(8000)
    reference -= reference.mean()
    noise = rng.standard_normal(8000)
    noise -= noise.mean()
    noise -= (noise @ reference) / (reference @ reference) * reference  # exactly orthogonal, zero mean
    for target_db in (-5.0, 0.0, 12.5):
        scaled = noise * np.sqrt((reference @ reference) / (noise @ noise) / 10 ** (target_db / 10))
        assert si_sdr(reference + scaled, reference) == pytest.approx(target_db, abs=1e-9)
        assert si_sdr(4.0 * (reference + scaled), reference) == pytest.approx(target_db, abs=1e-9)  # scale-invariant


def test_si_sdr_hand_computed_and_zero_mean():
    # estimate = r + e with e orthogonal to r: ||r||^2 = 4, ||e||^2 = 0.04 -> 20 dB.
    reference = np.array([1.0, -1.0, 1.0, -1.0])
    error = np.array([0.1, 0.1, -0.1, -0.1])
    assert si_sdr(reference + error, reference) == pytest.approx(20.0, abs=1e-9)
    # A DC offset is removed before scoring (zero_mean=True) but not with zero_mean=False.
    assert si_sdr(reference + error + 5.0, reference) == pytest.approx(20.0, abs=1e-9)
    assert si_sdr(reference + error + 5.0, reference, zero_mean=False) < 0


def test_snr_hand_computed():
    reference = np.array([3.0, 4.0])  # energy 25
    estimate = reference + np.array([0.5, 0.0])  # error energy 0.25 -> 20 dB
    assert snr(estimate, reference) == pytest.approx(20.0, abs=1e-9)
    assert snr(reference, reference) > 100


def test_segmental_snr_hand_computed():
    reference = np.ones(30)
    # three 10-sample frames: error 0.1 (20 dB), 1.0 (0 dB), 0.001 (60 dB, clipped to 35)
    error = np.r_[np.full(10, 0.1), np.full(10, 1.0), np.full(10, 0.001)]
    expected = (20.0 + 0.0 + 35.0) / 3
    assert segmental_snr(reference + error, reference, 1000, frame_ms=10, hop_ms=10) == pytest.approx(expected)
    # a silent reference frame with noise is clipped to min_db; a trailing partial frame is dropped
    reference = np.r_[np.ones(10), np.zeros(10), np.ones(5)]
    estimate = reference + np.r_[np.full(10, 0.1), np.full(10, 0.5), np.zeros(5)]
    assert segmental_snr(estimate, reference, 1000, frame_ms=10, hop_ms=10) == pytest.approx((20.0 - 10.0) / 2)


def test_segmental_snr_overlapping_frames_against_loop(rng):
    reference, estimate = rng.standard_normal(1000), rng.standard_normal(1000)
    estimate = reference + 0.3 * estimate
    frame, hop = 240, 60  # 30 ms / 7.5 ms at 8 kHz
    values = []
    for start in range(0, 1000 - frame + 1, hop):
        r, e = reference[start:start + frame], estimate[start:start + frame]
        values.append(min(35.0, max(-10.0, 10 * math.log10(np.sum(r**2) / np.sum((e - r) ** 2)))))
    assert segmental_snr(estimate, reference, 8000) == pytest.approx(np.mean(values), rel=1e-12)


@pytest.mark.parametrize("metric", [si_sdr, snr])
def test_bad_inputs_raise_value_errors_naming_the_argument(metric):
    with pytest.raises(ValueError, match="samples"):
        metric(np.ones(10), np.ones(11))
    with pytest.raises(ValueError, match="estimate has 0 samples"):
        metric(np.ones(0), np.ones(0))
    with pytest.raises(ValueError, match="reference contains NaN"):
        metric(np.ones(4), np.array([1.0, np.nan, 1.0, 1.0]))


def test_silent_reference_si_sdr_is_nan_with_warning():
    with pytest.warns(MetricWarning, match="si_sdr"):
        assert math.isnan(si_sdr(np.ones(8), np.zeros(8)))


def test_channels_are_averaged(rng):
    reference = rng.standard_normal(2000)
    noisy = reference + 0.1 * rng.standard_normal(2000)
    stereo = np.stack([noisy, noisy])
    assert si_sdr(stereo, np.stack([reference, reference])) == pytest.approx(si_sdr(noisy, reference))


# ---------- PESQ and STOI (wrappers of the reference packages) ----------

def test_pesq_of_a_file_against_itself_is_near_the_maximum(rng):
    clean = speech_like(1.5, 16000, rng)
    assert 4.4 < pesq(clean, clean, 16000, mode="wb") <= 4.65
    narrow = resample_poly(clean, 1, 2)
    assert 4.2 < pesq(narrow, narrow, 8000, mode="nb") <= 4.56


def test_pesq_matches_the_package_and_falls_with_noise(rng):
    import pesq as pesq_package

    clean = speech_like(1.5, 16000, rng)
    scores = []
    for snr_db in (0, 10, 20):
        noisy = with_noise(clean, snr_db, rng)
        ours = pesq(noisy, clean, 16000)
        assert ours == pytest.approx(pesq_package.pesq(16000, clean, noisy, "wb"), abs=1e-6)  # argument order
        scores.append(ours)
    assert scores[0] < scores[1] < scores[2]


def test_pesq_resamples_other_rates(rng):
    import pesq as pesq_package

    clean48 = speech_like(1.0, 48000, rng)
    noisy48 = with_noise(clean48, 10, rng)
    expected = pesq_package.pesq(16000, resample_poly(clean48, 1, 3), resample_poly(noisy48, 1, 3), "wb")
    assert pesq(noisy48, clean48, 48000) == pytest.approx(expected, abs=0.1)


def test_pesq_silence_is_nan_with_warning():
    with pytest.warns(MetricWarning, match="pesq"):
        assert math.isnan(pesq(np.zeros(16000), np.zeros(16000), 16000))
    with pytest.raises(ValueError, match="mode"):
        pesq(np.ones(16000), np.ones(16000), 16000, mode="xx")


def test_stoi_of_identical_signals_is_one_and_matches_pystoi(rng):
    import pystoi

    clean = speech_like(1.0, 16000, rng)
    assert stoi(clean, clean, 16000) == pytest.approx(1.0, abs=1e-6)
    assert estoi(clean, clean, 16000) == pytest.approx(1.0, abs=1e-6)
    noisy = with_noise(clean, 0, rng)
    assert stoi(noisy, clean, 16000) == pytest.approx(pystoi.stoi(clean, noisy, 16000), abs=1e-12)
    assert estoi(noisy, clean, 16000) == pytest.approx(pystoi.stoi(clean, noisy, 16000, extended=True), abs=1e-12)
    assert stoi(noisy, clean, 16000) < 0.99


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pystoi", None)  # makes `import pystoi` fail
    with pytest.raises(MissingMetricPackageError, match=r"pip install senhance\[metrics\]"):
        stoi(np.ones(16000), np.ones(16000), 16000)
    assert issubclass(MissingMetricPackageError, ImportError)


def test_sample_rate_is_validated():
    with pytest.raises(ValueError, match="sample_rate"):
        stoi(np.ones(100), np.ones(100), 0)
    with pytest.raises(ValueError, match="sample_rate"):
        segmental_snr(np.ones(100), np.ones(100), 16000.5)


def test_stoi_of_too_short_speech_is_nan_not_pystois_placeholder(rng):
    short = speech_like(0.2, 16000, rng)  # < 30 frames of 25.6 ms after silence removal
    with pytest.warns(MetricWarning, match="stoi"):
        assert math.isnan(stoi(short, short, 16000))
