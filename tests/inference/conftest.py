"""Private stand-ins for the inference tests (tiny, deterministic, independent of the real models).

* ``GainEnhancer``: multiplies by a constant at a given rate (format/rate/channel round trips).
* ``FirEnhancer``: a non-streaming FIR filter (overlap-add path); reference: scipy.signal.lfilter.
* ``IirModel`` + ``IirStreamer``: a causal one-pole low-pass with a hop-quantised, lagging
  streamer that carries its state across blocks, standing in for ``senhance.models.Streamer``
  (reference: scipy.signal.lfilter over the whole signal).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from torch import nn

from senhance.enhancer import Enhancer

POLE = 0.9


class GainEnhancer(Enhancer):
    name = "gain"

    def __init__(self, gain: float = 0.5, sample_rate: int = 16000):
        self.gain, self.sample_rate = gain, sample_rate

    def process(self, waveform):
        return self.gain * waveform


class FirEnhancer(Enhancer):
    name = "fir"

    def __init__(self, taps, sample_rate: int = 8000):
        self.taps, self.sample_rate = torch.as_tensor(taps, dtype=torch.float32), sample_rate

    def process(self, waveform):  # causal FIR, zero initial state, per channel
        k = self.taps.numel()
        padded = torch.nn.functional.pad(waveform.unsqueeze(1), (k - 1, 0))  # (C, 1, T + k - 1)
        return torch.nn.functional.conv1d(padded, self.taps.flip(0).view(1, 1, k)).squeeze(1)


class IirModel(nn.Module):
    """y[t] = POLE * y[t-1] + (1 - POLE) * x[t]; (B, C, T) -> (B, C, T)."""

    def __init__(self, sample_rate=8000, hop_length=4, latency_samples=8):
        super().__init__()
        self.sample_rate, self.hop_length, self.latency_samples = sample_rate, hop_length, latency_samples
        self.n_fft = 2 * hop_length

    def step(self, x, y):  # x (..., n), y (...,) state
        out = torch.empty_like(x)
        for t in range(x.shape[-1]):
            y = POLE * y + (1 - POLE) * x[..., t]
            out[..., t] = y
        return out, y

    def forward(self, x):
        return self.step(x, torch.zeros(x.shape[:-1]))[0]


class IirStreamer:
    """Emits only whole hops, lagging ``latency - hop`` samples, like an STFT streamer would."""

    def __init__(self, model: IirModel):
        self.model, self.y, self.pending, self.fed, self.emitted = model, None, None, 0, 0

    def feed(self, chunk):
        if self.y is None:
            self.y = torch.zeros(chunk.shape[0])
            self.pending = chunk.new_zeros(chunk.shape[0], 0)
        out, self.y = self.model.step(chunk, self.y)
        self.pending = torch.cat([self.pending, out], -1)
        self.fed += chunk.shape[-1]
        hop = self.model.hop_length
        ready = max(0, (self.fed - hop) // hop * hop) - self.emitted
        ready = max(0, ready)
        self.emitted += ready
        result, self.pending = self.pending[:, :ready], self.pending[:, ready:]
        return result

    def flush(self):
        result, self.pending = self.pending, self.pending[:, :0]
        return result


def iir_reference(x: np.ndarray) -> np.ndarray:
    from scipy.signal import lfilter

    return lfilter([1 - POLE], [1, -POLE], x.astype(np.float64), axis=-1)


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def make_audio(path, *, sample_rate=16000, seconds=0.1, channels=1, subtype="PCM_16", seed=0, amplitude=0.5):
    """Write seeded noise + a tone; returns the float64 samples as soundfile reads them back (C, T)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    data = amplitude * (0.5 * np.sin(2 * np.pi * 440 * t)[:, None] + 0.5 * rng.uniform(-1, 1, (n, channels)))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, data, sample_rate, subtype=subtype)
    back, _ = soundfile.read(path, dtype="float64", always_2d=True)
    return back.T


@pytest.fixture
def standins():
    import types

    return types.SimpleNamespace(GainEnhancer=GainEnhancer, FirEnhancer=FirEnhancer, IirModel=IirModel,
                                 IirStreamer=IirStreamer, iir_reference=iir_reference, sha256=sha256,
                                 make_audio=make_audio)


@pytest.fixture
def iir_enhancer():
    from senhance.registry import PackagedEnhancer

    model = IirModel()
    return PackagedEnhancer(model, {"sample_rate": 8000}, name="iir", streamer=lambda: IirStreamer(model))


TINY_BANDNET = dict(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12, df_order=2,
                    conv_channels=4, hidden_size=16, num_layers=1)


@pytest.fixture
def tiny_checkpoint(tmp_path_factory):
    """A freshly initialised (untrained) small BandFilterNet, packaged like a shipped model."""
    from senhance import models
    from senhance.checkpoint import save_package

    torch.manual_seed(0)
    model = models.BandFilterNet(**TINY_BANDNET)
    with torch.no_grad():  # make the untrained model do something visible: random gains / taps
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    return save_package(path, model, sample_rate=TINY_BANDNET["sample_rate"])


@pytest.fixture
def default_checkpoint(tmp_path_factory):
    """The default model configuration (configs/model/default.yaml), untrained, packaged in a temp dir."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from senhance.checkpoint import save_package

    config = OmegaConf.load(Path(__file__).parents[2] / "configs" / "model" / "default.yaml")
    config = OmegaConf.merge({"sample_rate": 16000}, {"model": config}).model
    torch.manual_seed(0)
    model = instantiate(config)
    return save_package(tmp_path_factory.mktemp("ckpt") / "default.pt", model, sample_rate=16000)


def _perturbed_tiny_bandnet(lookahead_frames: int = 0):
    """A tiny 8 kHz BandFilterNet with seeded, perturbed weights (so it audibly changes the audio)."""
    from senhance.models import BandFilterNet

    torch.manual_seed(0)
    model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12, df_order=2,
                          conv_channels=4, hidden_size=16, num_layers=1, lookahead_frames=lookahead_frames)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return model


@pytest.fixture(scope="session")
def make_tiny_bandnet():
    """Factory for :func:`_perturbed_tiny_bandnet` (the export and ONNX-runner tests' model)."""
    return _perturbed_tiny_bandnet
