"""The augmentation steps of :func:`simulate`: clipping, levels and max_peak, EQ target, dry reverb target."""
import math

import numpy as np
import pytest
from scipy import signal

from senhance.data import MixOptions, simulate, snr_db

SR = 16000


def pair(seed=0, seconds=0.5):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    speech = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return speech, 0.1 * rng.standard_normal(len(t))


def run(speech, noise, seed=1, **options):
    return simulate(speech, noise, sample_rate=SR, rng=np.random.default_rng(seed), options=MixOptions(**options))


def dbfs(x):
    return 10 * math.log10(np.mean(np.asarray(x, np.float64) ** 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clipping_hits_the_threshold_and_leaves_the_target_alone(seed):
    speech, noise = pair()
    plain_noisy, plain_clean, _ = run(speech, noise, seed, snr_range=(5, 5))
    noisy, clean, info = run(speech, noise, seed, snr_range=(5, 5), clip_prob=1.0, clip_range=(0.3, 0.6))
    threshold = info["clip_threshold"]
    peak = np.abs(plain_noisy).max()
    assert 0.3 * peak - 1e-6 <= threshold <= 0.6 * peak + 1e-6
    assert np.abs(noisy).max() == pytest.approx(threshold, rel=1e-6)
    assert np.array_equal(clean, plain_clean)  # the target is the unclipped one
    assert np.allclose(noisy, np.clip(plain_noisy, -threshold, threshold), atol=1e-7)


def test_levels_up_to_minus_5_dbfs_with_and_without_a_peak_limit():
    speech, noise = pair(seconds=1.0)
    for level in (-45.0, -20.0, -5.0):
        noisy, clean, info = run(speech, noise, level_range=(level, level), max_peak=None)
        assert dbfs(noisy) == pytest.approx(level, abs=0.01)  # realised exactly, peaks may pass 1.0
    noisy, clean, info = run(speech, noise, level_range=(-5.0, -5.0), max_peak=0.99)
    assert max(np.abs(noisy).max(), np.abs(clean).max()) <= 0.99 + 1e-6
    crest = 20 * math.log10(np.abs(noisy).max() / math.sqrt(np.mean(noisy.astype(np.float64) ** 2)))
    assert dbfs(noisy) == pytest.approx(20 * math.log10(0.99) - crest, abs=0.01)  # peak-limited instead
    loud, _, _ = run(speech, noise, level_range=(-5.0, -5.0), max_peak=None, clip_prob=1.0, clip_range=(0.5, 0.5))
    assert np.abs(loud).max() == pytest.approx(0.5 * 10 ** (-5 / 20) * 10 ** (crest / 20), rel=1e-3)
    with pytest.raises(ValueError, match="max_peak"):
        MixOptions(max_peak=1.5)


@pytest.mark.parametrize("eq_target", ["input", "both"])
def test_eq_colours_the_input_and_the_target_only_when_asked(eq_target):
    speech, noise = pair(4, seconds=1.0)
    noisy, clean, info = run(speech, noise, 5, snr_range=(0, 0), eq_prob=1.0, eq_bands=2, eq_gain_db=9.0,
                             eq_target=eq_target)
    assert len(info["eq"]) == 2
    dry = speech * info["gain"]
    if eq_target == "input":
        assert np.allclose(clean, dry, atol=1e-6)
    else:
        assert not np.allclose(clean, dry, atol=1e-3)
        assert abs(snr_db(clean, noisy.astype(np.float64) - clean, SR)) < 3.0  # same colouring on both parts
    with pytest.raises(ValueError, match="eq_target"):
        MixOptions(eq_target="target")


def test_reverberant_input_with_a_dry_target():
    speech, noise = pair(6, seconds=1.0)
    noisy, clean, info = run(speech, noise, 7, snr_range=(30, 30), reverb_prob=1.0, rt60_range=(0.6, 0.6),
                             drr_range=(0.0, 0.0), reverb_target="dry")
    assert info["rir"] == "synthetic" and info["rt60"] == 0.6
    assert np.allclose(clean, speech * info["gain"], atol=1e-6)  # the dry speech, aligned (direct path 1.0)
    early_noisy, early_clean, _ = run(speech, noise, 7, snr_range=(30, 30), reverb_prob=1.0,
                                      rt60_range=(0.6, 0.6), drr_range=(0.0, 0.0))
    assert not np.allclose(early_clean / np.abs(early_clean).max(), clean / np.abs(clean).max(), atol=1e-2)
    # the input carries the reverberation: at 30 dB SNR it is far from the dry target (DRR 0 dB)
    residual = noisy.astype(np.float64) - clean
    assert 10 * np.log10(np.sum(residual**2) / np.sum(clean.astype(np.float64) ** 2)) > -6


def test_band_limits_change_the_input_only():
    speech, noise = pair(8, seconds=1.0)
    noise = np.random.default_rng(9).standard_normal(len(speech))
    plain, plain_clean, _ = run(speech, noise, 3, snr_range=(-10, -10), level_range=(-20, -20))
    noisy, clean, info = run(speech, noise, 3, snr_range=(-10, -10), level_range=(-20, -20), telephone_prob=1.0)
    assert info["telephone"] and not info["narrowband"]
    f, p = signal.welch(noisy, SR, nperseg=512)
    f, p_plain = signal.welch(plain, SR, nperseg=512)
    assert 10 * np.log10(p[f > 4000].sum() / p_plain[f > 4000].sum()) < -30
    assert np.allclose(clean / np.abs(clean).max(), plain_clean / np.abs(plain_clean).max(), atol=1e-6)
    with pytest.raises(ValueError, match="8 kHz source"):
        MixOptions(narrowband_prob=0.5).check_sample_rate(8000)
