"""The models shipped in senhance.checkpoints: loadable offline, and they behave as their card says."""
import importlib.resources

import numpy as np
import pytest
import torch
from baseline_signals import mix, pink, si_sdr_np, voiced, white

import senhance
from senhance.demo import example_paths, format_scores, run_demo
from senhance.enhancer import Enhancer
from senhance.io import read_audio

SHIPPED = ("default", "linear", "linear_spectral")


def _package_path(name):
    return importlib.resources.files("senhance.checkpoints") / f"{name}.pt"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_package_is_plain_data(name):
    package = torch.load(str(_package_path(name)), map_location="cpu", weights_only=True)
    assert package["class_path"].startswith("senhance.")
    assert package["sample_rate"] == 16000
    assert isinstance(package["config"], dict) and isinstance(package["kwargs"], dict)
    assert package["metrics"], "the package records its validation metrics"


def test_default_model_is_small_and_causal():
    enhancer = senhance.load("default")
    assert isinstance(enhancer, Enhancer)
    model = enhancer.module
    assert sum(p.numel() for p in model.parameters()) < 1_000_000
    assert model.latency_samples / model.sample_rate <= 0.020


@pytest.mark.parametrize("noise", [white, pink])
def test_default_model_improves_a_generated_noisy_example(noise):
    clean = voiced(3.0, seed=3)
    noisy = mix(clean, noise(len(clean), seed=5), snr_db=5.0)
    enhanced = senhance.load("default").enhance(noisy, 16000)
    assert enhanced.shape == noisy.shape and torch.isfinite(enhanced).all()
    assert si_sdr_np(enhanced, clean) > si_sdr_np(noisy, clean) + 3.0


def test_default_model_passes_clean_speech_nearly_unchanged():
    _, clean_path = example_paths()
    clean, sample_rate = read_audio(clean_path)  # real held-out speech, no noise
    enhanced = senhance.load("default").enhance(clean, sample_rate)
    assert si_sdr_np(enhanced[0], clean[0]) > 15.0
    level_change_db = 20 * np.log10(float(enhanced.norm() / clean.norm()))
    assert abs(level_change_db) < 3.0


@pytest.mark.parametrize("name", ["linear", "linear_spectral"])
def test_shipped_linear_baselines_keep_shape_and_help_on_white_noise(name):
    clean = voiced(2.0, seed=4)
    noisy = mix(clean, white(len(clean), seed=7), snr_db=0.0)
    enhanced = senhance.load(name).enhance(noisy, 16000)
    assert enhanced.shape == noisy.shape and torch.isfinite(enhanced).all()
    assert si_sdr_np(enhanced, clean) > si_sdr_np(noisy, clean)


def test_demo_writes_audio_and_picture_and_scores(tmp_path):
    scores = run_demo(tmp_path, systems=("default",))
    assert (tmp_path / "spectrograms.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    enhanced, sample_rate = read_audio(tmp_path / "example_default.wav")
    noisy, _ = read_audio(example_paths()[0])
    assert sample_rate == 16000 and enhanced.shape == noisy.shape
    assert float((enhanced - noisy).abs().max()) > 1e-3  # the model was applied
    assert set(scores) == {"noisy input", "default"}
    assert all(np.isfinite(value) for row in scores.values() for value in row.values())
    assert "default" in format_scores(scores)
