"""Helpers of tests/cli (a uniquely named module): tiny generated audio, file hashes, running a command."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]


def write_audio(path: Path, *, seconds: float = 0.1, sample_rate: int = 16000, channels: int = 1, seed: int = 0):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    audio = np.stack([tone + 0.05 * rng.standard_normal(t.size) for _ in range(channels)], axis=-1)
    sf.write(path, audio.astype(np.float32), sample_rate)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree(root: Path) -> list[str]:
    """Relative paths of every file under ``root``, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


def run_cli(module: str, args: list[str], *, cwd: Path, env: dict | None = None, timeout: int = 180):
    """``python -m <module> <args>`` in ``cwd`` with one thread; returns the CompletedProcess."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **(env or {})}
    environment.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=timeout)


def tiny_checkpoint(path: Path) -> Path:
    """A small streaming BandFilterNet package at 8 kHz."""
    import torch

    from senhance.checkpoint import save_package
    from senhance.models import BandFilterNet

    torch.manual_seed(0)
    model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12, conv_channels=4,
                          hidden_size=8, num_layers=1)
    return save_package(path, model, sample_rate=8000)
