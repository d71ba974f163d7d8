"""The one interface every enhancement system implements.

Trained networks, the linear baselines and the classical baselines are all an
:class:`Enhancer`: something with a native ``sample_rate`` that maps a noisy waveform
``(channels, time)`` at any sample rate to an enhanced waveform of the same shape and rate.
Subclasses implement :meth:`Enhancer.process`, which only ever sees float32 audio at
their own sample rate; resampling, channel handling and validation live here once.
"""
from __future__ import annotations

import abc
from pathlib import Path

import torch
from torch import Tensor


class Enhancer(abc.ABC):
    """Base class of all enhancement systems.

    Attributes:
        sample_rate: the rate :meth:`process` works at.
        name: a short label used in logs and evaluation reports.

    A subclass only implements :meth:`process` at its own rate; :meth:`enhance` handles other
    rates (resampling there and back), ``(time,)`` input and validation:

    >>> class Halve(Enhancer):
    ...     sample_rate, name = 8000, "halve"
    ...     def process(self, waveform):  # (C, T) float32 at 8 kHz
    ...         return 0.5 * waveform
    >>> x = torch.tensor([0.2, -0.4, 0.6, 0.0])
    >>> Halve().enhance(x, 8000)
    tensor([ 0.1000, -0.2000,  0.3000,  0.0000])
    >>> Halve().enhance(torch.randn(2, 441), 44100).shape  # 0-4 kHz at 8 kHz, the rest band-split
    torch.Size([2, 441])
    >>> Halve().enhance(torch.tensor([0.0, float("nan")]), 8000)
    Traceback (most recent call last):
    ...
    ValueError: waveform contains NaN or Inf samples
    """

    sample_rate: int
    name: str = "enhancer"
    #: Input above :attr:`sample_rate` keeps its band above this rate's Nyquist, with derived gains
    #: (:mod:`senhance.inference.bandsplit`); ``False``: resample there and back (that band is lost).
    band_split: bool = True

    @abc.abstractmethod
    def process(self, waveform: Tensor) -> Tensor:
        """Enhance audio that is already at :attr:`sample_rate`.

        Shape:
            waveform: ``(channels, time)`` float32; returns the same shape.
        """

    def enhance(self, waveform: Tensor, sample_rate: int) -> Tensor:
        """Enhance ``waveform`` recorded at ``sample_rate``; returns the same shape and rate.

        Shape:
            waveform: ``(time,)`` or ``(channels, time)``; output has the same shape.
        """
        waveform = torch.as_tensor(waveform)
        audio = as_channels_time(waveform, sample_rate)  # (C, T) float32
        squeeze = waveform.dim() == 1
        if self.band_split and int(sample_rate) > int(self.sample_rate):  # full band: keep the top octaves
            from senhance.inference.bandsplit import band_split_enhance

            enhanced = band_split_enhance(lambda x: self._enhance_resampled(x, sample_rate), audio,
                                          int(sample_rate), int(self.sample_rate))
        else:
            enhanced = self._enhance_resampled(audio, sample_rate)
        enhanced = enhanced.to(waveform.dtype if waveform.is_floating_point() else torch.float32)
        return enhanced[0] if squeeze else enhanced

    def _enhance_resampled(self, audio: Tensor, sample_rate: int) -> Tensor:
        """Resample ``(C, T)`` to :attr:`sample_rate`, :meth:`process`, resample back, same length."""
        from senhance.dsp import resample

        length = audio.shape[-1]
        if sample_rate != self.sample_rate:
            audio = resample(audio, int(sample_rate), int(self.sample_rate))
        with torch.inference_mode():
            enhanced = self.process(audio)  # (C, T') at self.sample_rate
        if sample_rate != self.sample_rate:
            enhanced = resample(enhanced, int(self.sample_rate), int(sample_rate))
        return fit_to_length(enhanced, length)

    def enhance_file(self, input_path: str | Path, output_path: str | Path, **kwargs) -> Path:
        """Enhance one audio file into ``output_path`` (atomic write; never overwrites the input)."""
        from senhance.enhance import enhance_file

        return enhance_file(self, input_path, output_path, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, sample_rate={self.sample_rate})"


def as_channels_time(waveform: Tensor, sample_rate: int) -> Tensor:
    """Check an input waveform and return it as float32 ``(channels, time)``.

    Raises a ``ValueError`` for a shape other than ``(time,)`` / ``(channels, time)``, 0 samples,
    NaN/Inf samples or a non-positive ``sample_rate``.

    >>> as_channels_time(torch.zeros(5, dtype=torch.float64), 16000).shape
    torch.Size([1, 5])
    """
    if waveform.dim() not in (1, 2):
        raise ValueError(f"waveform must be (time,) or (channels, time), got shape {tuple(waveform.shape)}")
    if waveform.shape[-1] == 0:
        raise ValueError("waveform has 0 samples")
    if not torch.isfinite(waveform).all():
        raise ValueError("waveform contains NaN or Inf samples")
    if int(sample_rate) <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be positive")
    return waveform.reshape(-1, waveform.shape[-1]).to(torch.float32)  # (C, T)


def fit_to_length(x: Tensor, length: int) -> Tensor:
    """Trim or zero-pad the last dimension to ``length``."""
    if x.shape[-1] >= length:
        return x[..., :length]
    return torch.nn.functional.pad(x, (0, length - x.shape[-1]))
