"""Classical baselines: band-pass, spectral subtraction, MMSE-LSA (wiener), noise tracking."""
import math

import numpy as np
import pytest
import scipy.integrate
import scipy.signal
import torch

from baseline_signals import mix, pink, si_sdr_np, snr_db, voiced, white
from senhance.baselines import (CLASSICAL, BandPassEnhancer, SpectralSubtractionEnhancer, WienerEnhancer, bandpass,
                                mmse_lsa_gain, spectral_subtraction_gain, track_noise_psd)
from senhance.enhancer import Enhancer


def _exp1(v: float) -> float:
    """E1(v) by numerical integration (independent of scipy.special)."""
    return scipy.integrate.quad(lambda t: math.exp(-t) / t, v, np.inf)[0]


def test_mmse_lsa_gain_matches_hand_recursion():
    power = np.array([[4.0, 0.5, 9.0]])
    noise = np.array([[1.0, 1.0, 2.0]])
    alpha, xi_min = 0.98, 10 ** (-25 / 10)
    expected, previous = [], 0.0
    for n in range(3):
        gamma = power[0, n] / noise[0, n]
        xi = max(gamma - 1, 0) if n == 0 else alpha * previous / noise[0, n] + (1 - alpha) * max(gamma - 1, 0)
        xi = max(xi, xi_min)
        v = xi * gamma / (1 + xi)
        g = max(xi / (1 + xi) * math.exp(0.5 * _exp1(v)), 10 ** (-25 / 20))
        expected.append(g)
        previous = g * g * power[0, n]
    np.testing.assert_allclose(mmse_lsa_gain(power, noise)[0], expected, rtol=1e-6)


def test_spectral_subtraction_gain_hand_cases():
    # frame SNR 10 log10(5/1) = 6.99 dB -> alpha = 4 - 0.15 * 6.99 = 2.951
    power, noise = np.array([[4.0], [1.0]]), np.array([[0.5], [0.5]])
    alpha = 4 - 0.15 * 10 * math.log10(5.0)
    g = spectral_subtraction_gain(power, noise)
    assert g[0, 0] == pytest.approx(math.sqrt((4 - alpha * 0.5) / 4))
    assert g[1, 0] == pytest.approx(math.sqrt(0.01 * 0.5 / 1.0))  # floored
    # magnitude subtraction (Boll): |Y| = 4, N = sqrt(0.5), frame SNR 10 log10(17 / 1)
    alpha = 4 - 0.15 * 10 * math.log10(17.0)
    g1 = spectral_subtraction_gain(np.array([[16.0], [1.0]]), noise, exponent=1.0)
    assert g1[0, 0] == pytest.approx((4 - alpha * math.sqrt(0.5)) / 4)
    assert g1[1, 0] == pytest.approx(0.01 * math.sqrt(0.5) / 1.0)


def test_noise_tracker_follows_a_level_step(rng):
    """White noise whose PSD jumps from 1 to 10 after 200 frames: the estimate follows within ~1 s."""
    shape = (129, 400)
    periodogram = np.abs(rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) ** 2 / 2
    true_psd = np.where(np.arange(400) < 200, 1.0, 10.0)
    estimate = track_noise_psd(periodogram * true_psd)
    assert np.median(estimate[:, 150:200]) == pytest.approx(1.0, rel=0.3)
    assert np.median(estimate[:, 350:]) == pytest.approx(10.0, rel=0.3)


def test_bandpass_matches_scipy():
    x = torch.randn(2, 3000, dtype=torch.float64)
    sos = scipy.signal.butter(3, (100.0, 3000.0), "bandpass", fs=16000, output="sos")
    np.testing.assert_allclose(bandpass(x, 16000, low_hz=100, high_hz=3000, order=3).numpy(),
                               scipy.signal.sosfiltfilt(sos, x.numpy()), rtol=1e-7, atol=1e-9)


def test_bandpass_physics():
    t = torch.arange(8000) / 16000
    inside = torch.sin(2 * math.pi * 500 * t)
    out_low = bandpass(torch.sin(2 * math.pi * 20 * t), 16000)
    out_in = bandpass(inside, 16000)
    assert out_low[1000:-1000].abs().max() < 0.01
    assert (out_in - inside)[1000:-1000].abs().max() < 0.01
    assert BandPassEnhancer(sample_rate=8000).high_hz == pytest.approx(3800.0)  # clipped below Nyquist


@pytest.mark.parametrize("name", sorted(CLASSICAL))
def test_constructible_with_defaults_and_keeps_shape_and_rate(name):
    enhancer = CLASSICAL[name]()
    assert isinstance(enhancer, Enhancer) and enhancer.sample_rate == 16000 and enhancer.name == name
    for shape, rate in [((4000,), 16000), ((2, 4000), 16000), ((1, 4410), 44100), ((3, 1999), 8000), ((1, 200), 16000)]:
        x = 0.1 * torch.randn(shape)
        y = enhancer.enhance(x, rate)
        assert y.shape == x.shape and y.dtype == x.dtype and torch.isfinite(y).all()


@pytest.mark.parametrize("name,min_gain_db", [("bandpass", 0.3), ("spectral_subtraction", 4.0), ("wiener", 4.0)])
@pytest.mark.parametrize("noise", ["white", "pink"])
def test_reduces_stationary_noise(name, min_gain_db, noise):
    clean = voiced(1.0)
    noise_signal = white(len(clean)) if noise == "white" else pink(len(clean))
    noisy = mix(clean, noise_signal, 0.0)
    out = CLASSICAL[name]().enhance(noisy, 16000)
    assert snr_db(out, clean) > snr_db(noisy, clean) + min_gain_db
    if name != "bandpass":
        assert si_sdr_np(out, clean) > si_sdr_np(noisy, clean) + min_gain_db


@pytest.mark.parametrize("name", sorted(CLASSICAL))
def test_leaves_clean_signal_nearly_unchanged(name):
    clean = voiced(1.0, f0=180)
    out = CLASSICAL[name]().enhance(clean, 16000)
    assert si_sdr_np(out, clean) > 20.0


@pytest.mark.parametrize("name", sorted(CLASSICAL))
def test_senhance_load_returns_each_baseline(name):
    import senhance

    enhancer = senhance.load(name)
    assert type(enhancer) is CLASSICAL[name]
    assert senhance.load(name, sample_rate=8000).sample_rate == 8000


def test_configs_build_the_same_objects():
    from pathlib import Path

    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    folder = Path(__file__).resolve().parents[2] / "configs" / "baseline"
    for name in CLASSICAL:
        built = instantiate(OmegaConf.load(folder / f"{name}.yaml"))
        assert type(built) is CLASSICAL[name] and vars(built).keys() == vars(CLASSICAL[name]()).keys()
        assert {k: v for k, v in vars(built).items() if not k.startswith("_")} == \
               {k: v for k, v in vars(CLASSICAL[name]()).items() if not k.startswith("_")}


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="low_hz"):
        BandPassEnhancer(low_hz=9000)
    with pytest.raises(ValueError, match="order"):
        BandPassEnhancer(order=0)
    with pytest.raises(ValueError, match="hop_length"):
        WienerEnhancer(n_fft=256, hop_length=200)
    with pytest.raises(ValueError, match="dd_alpha"):
        WienerEnhancer(dd_alpha=1.0)
    with pytest.raises(ValueError, match="over_subtraction"):
        SpectralSubtractionEnhancer(over_subtraction=0.5)
    with pytest.raises(ValueError, match="noise_psd"):
        mmse_lsa_gain(np.ones((3, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match="waveform"):
        WienerEnhancer().enhance(torch.tensor([float("nan"), 1.0]), 16000)
