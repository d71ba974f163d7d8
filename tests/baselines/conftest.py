"""Fixtures of the baseline tests: generated "voiced" signals and noises (no external data).

If ``senhance.dsp`` does not (yet) provide ``stft``/``istft``/``butter``/``sosfiltfilt``/``resample``,
a minimal private stand-in built on torch.stft and scipy.signal is installed for these tests only.
"""
from __future__ import annotations

import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch

_NAMES = ("stft", "istft", "butter", "sosfiltfilt", "resample")


def _install_dsp_standin() -> None:
    try:
        import senhance.dsp as real
    except ImportError:
        real = None
    if real is not None and all(hasattr(real, name) for name in _NAMES):
        return

    def stft(x, *, n_fft, hop_length, win_length=None, window=None, center=True):
        window = torch.hann_window(n_fft) if window is None else window
        flat = x.reshape(-1, x.shape[-1])
        spec = torch.stft(flat, n_fft, hop_length, win_length, window.to(x.dtype), center=center, return_complex=True)
        return spec.reshape(*x.shape[:-1], *spec.shape[-2:])

    def istft(spec, *, n_fft, hop_length, win_length=None, window=None, center=True, length=None):
        window = torch.hann_window(n_fft) if window is None else window
        flat = spec.reshape(-1, *spec.shape[-2:])
        out = torch.istft(flat, n_fft, hop_length, win_length, window.to(flat.real.dtype), center=center, length=length)
        return out.reshape(*spec.shape[:-2], out.shape[-1])

    def butter(order, cutoff, *, sample_rate, btype="lowpass"):
        return torch.from_numpy(scipy.signal.butter(order, cutoff, btype, fs=sample_rate, output="sos"))

    def sosfiltfilt(x, sos):
        return torch.from_numpy(scipy.signal.sosfiltfilt(np.asarray(sos), x.numpy(), axis=-1).copy()).to(x.dtype)

    def resample(x, orig_sample_rate, new_sample_rate):
        g = math.gcd(int(orig_sample_rate), int(new_sample_rate))
        y = scipy.signal.resample_poly(x.numpy(), new_sample_rate // g, orig_sample_rate // g, axis=-1)
        return torch.from_numpy(np.ascontiguousarray(y)).to(x.dtype)

    module = types.ModuleType("senhance.dsp")
    if real is not None:
        module.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    for name, fn in dict(stft=stft, istft=istft, butter=butter, sosfiltfilt=sosfiltfilt, resample=resample).items():
        if not hasattr(module, name):  # the real function when it exists
            setattr(module, name, fn)
    sys.modules["senhance.dsp"] = module
    import senhance

    senhance.dsp = module


_install_dsp_standin()
sys.path.insert(0, str(Path(__file__).parent))  # for baseline_signals (importlib import mode)


@pytest.fixture
def speechlike():
    from baseline_signals import voiced

    return voiced(1.0)
