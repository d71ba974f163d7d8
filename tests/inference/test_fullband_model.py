"""The native full-band recipe: `model=fullband` trains through the real Hydra config on 48 / 44.1 kHz
speech + noise folders, and the package it writes enhances 48 kHz files at their own rate."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode: the signal helpers next to this file
from fullband_signals import band_energy_db, speech_like  # noqa: E402

TINY = {"model.hidden_size": 16, "model.num_layers": 1, "model.conv_channels": 4, "model.n_bands": 16,
        "model.df_bins": 24}


def make_fullband_corpus(root: Path):
    """3 speech files at 48 kHz and 1 at 44.1 kHz; 2 noises at 48 kHz and 1 at 44.1 kHz (whole-band)."""
    (root / "speech").mkdir(parents=True)
    (root / "noise").mkdir()
    for i, rate in enumerate([48000, 48000, 48000, 44100]):
        clean, _ = speech_like(0.8, rate, seed=10 + i)
        soundfile.write(root / "speech" / f"spk{i}.wav", clean.astype(np.float32), rate)
    rng = np.random.default_rng(0)
    for i, rate in enumerate([48000, 48000, 44100]):
        noise = rng.standard_normal(int(0.8 * rate))
        noise = noise if i != 1 else np.cumsum(noise) / 50  # white, brown, white
        soundfile.write(root / "noise" / f"n{i}.wav", (0.1 * noise / np.abs(noise).max()).astype(np.float32), rate)
    return root / "speech", root / "noise"


def overrides_for(tmp_path, run_dir, speech, noise, **extra):
    base = {"model": "fullband", "sample_rate": 48000, "data.speech_dir": speech, "data.noise_dir": noise,
            "data.cache_dir": tmp_path / "cache", "data.segment_seconds": 0.25, "data.examples_per_epoch": 8,
            "data.valid_fraction": 0.34, "data.valid_seconds": 0.5, "data.snr_range": "[0,5]", **TINY,
            "loss": "si_sdr", "optim.lr": 0.01, "batch_size": 2, "num_workers": 0, "device": "cpu",
            "trainer.max_steps": 4, "trainer.validate_every": 2, "trainer.save_every": 2,
            "trainer.warmup_steps": 0, "trainer.ema_decay": 0, "trainer.stoi_items": 0,
            "trainer.audio_examples": 0, "trainer.progress": "false", "hydra.run.dir": run_dir, **extra}
    return [f"{k}={v}" for k, v in base.items()]


def test_config_is_48k_with_bands_up_to_24k():
    from hydra.utils import instantiate

    from senhance.cli._command import compose

    config = compose("train", ["model=fullband", "sample_rate=48000"], own_root=False).model  # default + overrides
    model = instantiate(config)
    assert model.sample_rate == 48000 and model.latency_samples == 960  # 20 ms
    assert model.band_expand.shape == (32, 481) and bool((model.band_expand.sum(0) == 1).all())  # 0-24 kHz
    assert sum(p.numel() for p in model.parameters()) < 1_000_000


@pytest.mark.filterwarnings("ignore:speech_dir.*split by file", "ignore:noise_dir.*split by file")
def test_tiny_fullband_training_then_inference_at_48k(tmp_path, train_in_process):
    import senhance
    from senhance.checkpoint import load_package
    from senhance.enhance import enhance_file

    speech, noise = make_fullband_corpus(tmp_path / "corpus")
    run_dir = tmp_path / "run"
    summary = train_in_process(overrides_for(tmp_path, run_dir, speech, noise), run_dir)
    assert summary["step"] == 4
    history = json.loads((run_dir / "history.json").read_text())
    assert [v["step"] for v in history["valid"]] == [2, 4]
    assert all(np.isfinite(v["loss"]) for v in history["valid"])
    module, package = load_package(run_dir / "checkpoints" / "best.pt")
    assert package["sample_rate"] == 48000 and module.n_fft == 960

    enhancer = senhance.load(run_dir / "checkpoints" / "best.pt")
    clean, activity = speech_like(1.0, 48000, seed=3)
    noisy = clean + 0.01 * np.random.default_rng(1).standard_normal(clean.size)
    src = tmp_path / "noisy48.wav"
    soundfile.write(src, noisy.astype(np.float32), 48000, subtype="FLOAT")
    out = enhance_file(enhancer, src, tmp_path / "out48.wav")
    y, rate = soundfile.read(out, dtype="float32")
    assert rate == 48000 and y.shape == noisy.shape and np.isfinite(y).all()
    expected = enhancer.module(torch.as_tensor(noisy, dtype=torch.float32)[None, None])[0, 0]  # native: no split
    np.testing.assert_allclose(y, expected.detach().numpy(), atol=1e-5)
    speech_frames = activity > 0.7
    assert band_energy_db(y, 48000, 8000, 20000, speech_frames) > band_energy_db(clean, 48000, 8000, 20000,
                                                                                 speech_frames) - 10
    assert enhancer.enhance(torch.randn(1, 1600) * 0.1, 16000).shape == (1, 1600)  # lower rates: resampled up


@pytest.mark.filterwarnings("ignore:speech_dir.*split by file", "ignore:noise_dir.*split by file")
def test_forgetting_the_top_level_rate_is_a_clear_error(tmp_path, train_in_process):
    speech, noise = make_fullband_corpus(tmp_path / "corpus")
    run_dir = tmp_path / "run"
    args = [a for a in overrides_for(tmp_path, run_dir, speech, noise) if not a.startswith("sample_rate=")]
    with pytest.raises(ValueError, match="sample_rate=16000 but the model works at 48000 Hz"):
        train_in_process(args, run_dir)
