"""The Hydra entry point on the real configs (configs/train.yaml + model/data/loss groups) and
generated audio: end-to-end training, bad input messages, SIGKILL + resume."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
import torch

from conftest import subprocess_env
from senhance.checkpoint import load_package
from senhance.train.state import CorruptCheckpointError, load_state

PY = sys.executable


def make_corpus(root, *, speech=6, noise=3, seconds=1.0, sample_rate=16000):
    """Harmonic 'voices' with a syllable-rate envelope, and white/brown noises."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    (root / "speech").mkdir(parents=True)
    (root / "noise").mkdir()
    for i in range(speech):
        f0 = 110 + 25 * i
        wave = sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 5)) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        sf.write(root / "speech" / f"spk{i}.wav", wave.astype(np.float32), sample_rate)
    for i in range(noise):
        white = rng.standard_normal(t.size)
        wave = white if i % 2 == 0 else np.cumsum(white) / 30
        sf.write(root / "noise" / f"n{i}.wav", (0.1 * wave / np.abs(wave).max()).astype(np.float32), sample_rate)
    return root / "speech", root / "noise"


def overrides(tmp_path, run_dir, speech, noise, **extra):
    base = {
        "data.speech_dir": speech, "data.noise_dir": noise, "data.cache_dir": tmp_path / "cache",
        "data.segment_seconds": 0.25, "data.examples_per_epoch": 16, "data.valid_fraction": 0.34,
        "data.valid_seconds": 0.5, "data.snr_range": "[0,5]",
        "model.hidden_size": 16, "model.num_layers": 1, "model.conv_channels": 4, "model.n_bands": 8,
        "model.df_bins": 16, "loss": "si_sdr", "optim.lr": 0.01, "batch_size": 4, "num_workers": 0,
        "device": "cpu", "trainer.warmup_steps": 0, "trainer.ema_decay": 0, "trainer.stoi_items": 0,
        "trainer.audio_examples": 0, "trainer.progress": "false", "hydra.run.dir": run_dir,
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def run_cli(args, *, cwd, module="senhance.cli.train", timeout=120):
    return subprocess.run([PY, "-m", module, *args], cwd=cwd, env=subprocess_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_end_to_end_real_config_lowers_validation_loss(tmp_path):
    """In-process compose of configs/train.yaml, then senhance.cli.train.train (what main() calls)."""
    from hydra import compose, initialize_config_module
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    from senhance.cli.train import train

    speech, noise = make_corpus(tmp_path)
    run_dir = tmp_path / "run"
    with initialize_config_module(config_module="senhance.configs", version_base="1.3"):
        cfg = compose("train", overrides=overrides(tmp_path, run_dir, speech, noise, **{
            "trainer.max_steps": 24, "trainer.validate_every": 8, "trainer.save_every": 8}),
            return_hydra_config=True)
        cfg.hydra.runtime.output_dir = str(run_dir)
        HydraConfig.instance().set_config(cfg)
        with open_dict(cfg):
            del cfg["hydra"]
        summary = train(cfg)
    history = json.loads((run_dir / "history.json").read_text())
    losses = [v["loss"] for v in history["valid"]]
    assert [v["step"] for v in history["valid"]] == [8, 16, 24]
    assert losses[-1] < losses[0], losses
    assert summary["step"] == 24 and load_state(run_dir / "checkpoints" / "last.pt")["step"] == 24
    module, package = load_package(run_dir / "checkpoints" / "best.pt")
    assert package["metrics"]["step"] == history["best"]["step"]
    assert package["config"]["data"]["speech_dir"] == str(speech)
    assert package["config"]["model"]["hidden_size"] == 16 and module.hidden_size == 16


def test_help_and_cfg_job_from_installed_config_package(tmp_path):
    result = run_cli(["--cfg", "job", "data.speech_dir=s", "data.noise_dir=n"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "_target_: senhance.train.Solver" in result.stdout and "speech_dir: s" in result.stdout
    result = run_cli(["--help"], cwd=tmp_path)
    assert result.returncode == 0 and "trainer: closed_form, default" in result.stdout


def test_missing_folder_gives_one_clear_line(tmp_path):
    result = run_cli([f"data.speech_dir={tmp_path / 'nope'}", f"data.noise_dir={tmp_path}",
                      f"hydra.run.dir={tmp_path / 'run'}", "device=cpu"], cwd=tmp_path)
    assert result.returncode == 1
    assert "senhance-train: error:" in result.stderr and "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigkill_leaves_loadable_last_pt_and_resume_continues(tmp_path):
    speech, noise = make_corpus(tmp_path)
    run_dir = tmp_path / "run"
    last = run_dir / "checkpoints" / "last.pt"
    args = overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": 400, "trainer.validate_every": 1000, "trainer.save_every": 1, "trainer.log_every": 1})
    process = subprocess.Popen([PY, "-m", "senhance.cli.train", *args], cwd=tmp_path, env=subprocess_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if load_state(last)["step"] >= 3:
                    break
            except (CorruptCheckpointError, FileNotFoundError):
                pass
            time.sleep(0.05)
        else:
            pytest.fail("the training run never reached step 3")
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-step, possibly mid-save
        process.wait()
    killed_at = load_state(last)["step"]  # loadable after SIGKILL
    assert killed_at >= 3
    result = run_cli(overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": killed_at + 2, "trainer.validate_every": 1000, "trainer.save_every": 1,
        "trainer.log_every": 1}), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    history = json.loads((run_dir / "history.json").read_text())
    assert history["resumed_at"] == [killed_at]
    steps = [r["step"] for r in history["train"]]
    assert steps == list(range(1, killed_at + 3))
    assert load_state(last)["step"] == killed_at + 2
    assert torch.load(last, weights_only=True)["epoch"] >= 0
