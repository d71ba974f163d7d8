"""Shared helpers of tests/train (a uniquely named module, imported by the tests and the conftest):
generated audio, a tiny real model, a stand-in loss, the Solver's test arguments, subprocess env.

The loss here is a private masked MSE stand-in with the contract's signature, so these tests do not
depend on senhance.losses; the model, data and checkpoint code are the project's own.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


class ToneNoiseDataset(torch.utils.data.Dataset):
    """Item i: a harmonic tone ("speech") plus white noise at ``snr_db``; deterministic per (seed, i)."""

    def __init__(self, *, num_items=16, seconds=0.25, sample_rate=16000, snr_db=0.0, seed=0, nan_items=0):
        self.num_items, self.sample_rate, self.seed, self.snr_db = num_items, sample_rate, seed, snr_db
        self.length = int(seconds * sample_rate)
        self.nan_items = nan_items
        self.epochs_seen = []

    def set_epoch(self, epoch):
        self.epochs_seen.append(epoch)

    def __len__(self):
        return self.num_items

    def __getitem__(self, index):
        g = torch.Generator().manual_seed(self.seed * 10_000 + index)
        t = torch.arange(self.length) / self.sample_rate
        f0 = 150 + 200 * torch.rand((), generator=g)
        clean = sum(0.3 / k * torch.sin(2 * math.pi * k * f0 * t) for k in range(1, 4))
        noise = torch.randn(self.length, generator=g)
        noise = noise * clean.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt() * 10 ** (-self.snr_db / 20)
        noisy = clean + noise
        if index < self.nan_items:
            noisy = noisy * float("nan")
        return {"noisy": noisy[None].float(), "clean": clean[None].float(), "id": f"item{index}"}


class MaskedMse(nn.Module):
    """Stand-in loss with the contract's call signature."""

    def forward(self, estimate, clean, *, noisy=None, lengths=None):
        err = (estimate - clean).pow(2)  # (B, C, T)
        if lengths is None:
            return err.mean()
        mask = (torch.arange(err.shape[-1], device=err.device)[None] < lengths[:, None]).float()  # (B, T)
        return (err * mask[:, None]).sum() / (mask.sum() * err.shape[1])


def tiny_model(**kwargs):
    from senhance.models import BandFilterNet

    return BandFilterNet(**{"hidden_size": 8, "num_layers": 1, "conv_channels": 2, "n_bands": 8, "df_bins": 8,
                            **kwargs})


def solver_kwargs(run_dir, **overrides):
    from senhance.data.collate import pad_collate

    torch.manual_seed(0)
    model = tiny_model()
    kwargs = dict(model=model, loss=MaskedMse(), train_set=ToneNoiseDataset(num_items=8, seed=1, seconds=0.2),
                  valid_set=ToneNoiseDataset(num_items=2, seed=2, seconds=0.2),
                  optimizer=lambda params: torch.optim.AdamW(params, lr=3e-3), run_dir=run_dir,
                  config={"note": "test"}, sample_rate=16000, device="cpu", seed=0, batch_size=2, num_workers=0,
                  max_steps=6, warmup_steps=2, max_warmup_fraction=None, validate_every=3, save_every=2, log_every=1,
                  ema_decay=0.0,
                  stoi_items=0, audio_examples=0, progress=False, collate_fn=pad_collate)
    kwargs.update(overrides)
    return kwargs


def subprocess_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO), env.get("PYTHONPATH", "")])
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HYDRA_FULL_ERROR="1")
    return env



def _voice(t, *, f0):
    """A harmonic 'voice': 4 harmonics of ``f0`` with a 4 Hz syllable-rate envelope."""
    return sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 5)) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))


def make_corpus(root, *, speech=6, noise=3, seconds=1.0, sample_rate=16000):
    """Harmonic 'voices' with a syllable-rate envelope, and white/brown noises."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    (root / "speech").mkdir(parents=True)
    (root / "noise").mkdir()
    for i in range(speech):
        wave = _voice(t, f0=110 + 25 * i)
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


def make_pairs(root, *, count=6, seconds=0.5, sample_rate=16000, snr_db=0.0):
    """``root/noisy/pK.wav`` and ``root/clean/pK.wav``: harmonic voices plus white noise at ``snr_db``."""
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    (root / "noisy").mkdir(parents=True)
    (root / "clean").mkdir()
    for i in range(count):
        clean = _voice(t, f0=120 + 20 * i)
        noise = rng.standard_normal(t.size)
        noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) * 10 ** (-snr_db / 10))
        sf.write(root / "clean" / f"p{i}.wav", clean.astype(np.float32), sample_rate)
        sf.write(root / "noisy" / f"p{i}.wav", (clean + noise).astype(np.float32), sample_rate)
    return root / "noisy", root / "clean"


def pairs_overrides(tmp_path, run_dir, noisy, clean, **extra):
    """Hydra overrides for ``data=pairs`` with the tiny model of :func:`overrides`."""
    base = {
        "data": "pairs", "data.noisy_dir": noisy, "data.clean_dir": clean, "data.cache_dir": tmp_path / "cache",
        "data.segment_seconds": 0.25, "data.valid_fraction": 0.34,
        "model.hidden_size": 16, "model.num_layers": 1, "model.conv_channels": 4, "model.n_bands": 8,
        "model.df_bins": 16, "loss": "si_sdr", "optim.lr": 0.01, "batch_size": 2, "num_workers": 0,
        "device": "cpu", "trainer.warmup_steps": 0, "trainer.ema_decay": 0, "trainer.stoi_items": 0,
        "trainer.audio_examples": 0, "trainer.progress": "false", "hydra.run.dir": run_dir,
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]
