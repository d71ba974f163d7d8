"""Shared machinery of the STFT-domain classical baselines: analysis, a real gain, resynthesis.

:class:`SpectralGainEnhancer` turns a pure gain rule ``gain(power, noise_psd) -> gain`` into an
:class:`~senhance.enhancer.Enhancer`: Hann-window STFT (``senhance.dsp.stft``), noise PSD tracking
(:func:`~senhance.baselines.noise_psd.track_noise_psd`), the gain applied to the complex spectrum
(noisy phase kept), inverse STFT (``senhance.dsp.istft``) to the input length.
"""
from __future__ import annotations

import abc

import numpy as np
import torch
from torch import Tensor

from senhance.baselines.noise_psd import track_noise_psd
from senhance.dsp import istft, stft
from senhance.enhancer import Enhancer


def frame_sizes(sample_rate: int, n_fft: int | None, hop_length: int | None,
                frame_ms: float = 32.0, hop_ms: float = 8.0) -> tuple[int, int]:
    """``(n_fft, hop_length)``: the given values, or ``frame_ms`` / ``hop_ms`` at ``sample_rate``.

    >>> frame_sizes(16000, None, None)
    (512, 128)
    """
    if int(sample_rate) <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be positive")
    n_fft = int(round(frame_ms * sample_rate / 1000)) if n_fft is None else int(n_fft)
    hop_length = int(round(hop_ms * sample_rate / 1000)) if hop_length is None else int(hop_length)
    if n_fft < 16:
        raise ValueError(f"n_fft={n_fft} must be >= 16")
    if not 0 < hop_length <= n_fft // 2:
        raise ValueError(f"hop_length={hop_length} must be in (0, n_fft/2={n_fft // 2}] (Hann overlap-add)")
    return n_fft, hop_length


class SpectralGainEnhancer(Enhancer):
    """Base of the STFT gain baselines (subclasses implement :meth:`gain`).

    Args:
        sample_rate: processing rate (other rates are resampled by :class:`Enhancer`).
        n_fft, hop_length: STFT frame and hop in samples (default 32 ms / 8 ms).
        noise_init_frames: frames averaged to start the noise tracker.

    Shape:
        :meth:`process`: ``(C, T)`` -> ``(C, T)``; channels are processed independently.
    """

    name = "spectral_gain"

    def __init__(self, *, sample_rate: int = 16000, n_fft: int | None = None, hop_length: int | None = None,
                 noise_init_frames: int = 5):
        self.sample_rate = int(sample_rate)
        self.n_fft, self.hop_length = frame_sizes(self.sample_rate, n_fft, hop_length)
        if int(noise_init_frames) < 1:
            raise ValueError(f"noise_init_frames={noise_init_frames} must be >= 1")
        self.noise_init_frames = int(noise_init_frames)
        self._window = torch.hann_window(self.n_fft, periodic=True)

    @abc.abstractmethod
    def gain(self, power: np.ndarray, noise_psd: np.ndarray) -> np.ndarray:
        """Real gain ``(..., F, N)`` from the noisy periodogram and the noise PSD (both ``(..., F, N)``)."""

    def process(self, waveform: Tensor) -> Tensor:
        if waveform.dim() != 2:
            raise ValueError(f"waveform must be (channels, time), got shape {tuple(waveform.shape)}")
        length = waveform.shape[-1]
        audio = waveform.to(torch.float32)
        if length < self.n_fft:  # too short for one frame: pad, enhance, cut back
            audio = torch.nn.functional.pad(audio, (0, self.n_fft - length))
        spec = stft(audio, n_fft=self.n_fft, hop_length=self.hop_length, window=self._window)  # (C, F, N)
        power = (spec.real.double() ** 2 + spec.imag.double() ** 2).numpy()  # (C, F, N)
        noise = track_noise_psd(power, init_frames=self.noise_init_frames)
        gain = torch.from_numpy(self.gain(power, noise).astype(np.float32))  # (C, F, N)
        out = istft(spec * gain, n_fft=self.n_fft, hop_length=self.hop_length, window=self._window,
                    length=audio.shape[-1])  # (C, T)
        return out[..., :length].contiguous()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length})"
