"""The declared contract every enhancement system implements: :class:`Enhancer`.

Trained networks, the linear baselines and the classical baselines are all an :class:`Enhancer`.
What one offers is declared here, not discovered:

=====================  ==================================================================================
``sample_rate``        the rate :meth:`~Enhancer.process` works at (Hz)
``name``               a short label for logs and reports
``latency_samples``    the fixed delay of :meth:`~Enhancer.streamer` / :meth:`~Enhancer.stream`, in samples
                       at ``sample_rate`` (a model's STFT window; 0.6 s for stateless enhancers)
``frame_samples``      the frame size streams work on best (a model's hop; 10 ms otherwise)
``carries_state``      True when :meth:`~Enhancer.streamer` carries recurrent state (exact streaming),
                       False for the generic overlap-add streamer of stateless enhancers
``band_split``         input above ``sample_rate`` keeps its top band (:mod:`senhance.inference.bandsplit`)
``process(x)``         the raw one-shot call: ``(C, T)`` float32 at ``sample_rate``, no limiter, no blocks
``streamer()``         a fresh native-rate stream ``feed((C, n)) -> (C, m)``, ``flush() -> (C, r)``
``enhance(x, sr)``     what ``senhance-infer`` writes: any rate, blocks, soft limit, strength mix
``stream()``           :class:`~senhance.inference.streaming.StreamingEnhancer`: frames in, frames out
``enhance_file()``     one file (:func:`senhance.inference.file.enhance_file`)
=====================  ==================================================================================

A subclass implements :meth:`~Enhancer.process` and sets ``sample_rate`` (and ``name``). Without
recurrent state nothing else is needed: it streams through the one overlap-add streamer
(:func:`senhance.inference.blocks.stateless_streamer`), and its :meth:`~Enhancer.enhance` runs the
same pieces, so ``stream()`` and ``enhance()`` agree exactly. An enhancer with recurrent state
overrides :meth:`~Enhancer.make_streamer` (and ``carries_state``, ``latency_samples``, ``frame_samples``),
as :class:`senhance.registry.PackagedEnhancer` does for causal models.

Types in, types out: a numpy array gives a numpy array back and a tensor a tensor (float dtypes
kept), ``(time,)`` gives ``(time,)``, for :meth:`~Enhancer.enhance` and for every frame given to a
:meth:`~Enhancer.streamer` or :meth:`~Enhancer.stream`.
"""
from __future__ import annotations

import abc
from pathlib import Path

import torch
from torch import Tensor

from senhance.inference.blocks import stateless_latency, stateless_streamer
from senhance.inference.file import enhance_file
from senhance.inference.streaming import StreamingEnhancer
from senhance.inference.waveform import DEFAULT_BLOCK_SECONDS, block_frames_for, enhance_blocks
from senhance.shapes import TypedStream, as_channels_time, audio_kind, pad_or_trim

#: Deprecated name of :func:`senhance.shapes.pad_or_trim` (it collided with ``senhance.data.fit_length``).
fit_to_length = pad_or_trim


class Enhancer(abc.ABC):
    """Base class of all enhancement systems (the contract is listed in the module docstring).

    A subclass only implements :meth:`process` at its own rate; :meth:`enhance` handles other
    rates, shapes and types, long inputs, the soft limiter and the dry/wet mix:

    >>> import numpy as np
    >>> class Halve(Enhancer):
    ...     sample_rate, name = 8000, "halve"
    ...     def process(self, waveform):  # (C, T) float32 at 8 kHz
    ...         return 0.5 * waveform
    >>> x = torch.tensor([0.2, -0.4, 0.6, 0.0])
    >>> Halve().enhance(x, 8000)
    tensor([ 0.1000, -0.2000,  0.3000,  0.0000])
    >>> Halve().enhance(np.ones((2, 441)), 44100).shape  # 0-4 kHz at 8 kHz, the rest band-split
    (2, 441)
    >>> Halve().latency_samples, Halve().carries_state  # streams through the overlap-add streamer
    (4800, False)
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
    #: True when :meth:`make_streamer` carries recurrent state across calls (a causal model's
    #: ``Streamer``); False: the generic overlap-add streamer over :meth:`process`.
    carries_state: bool = False
    #: Where :meth:`streamer` hands its input (a packaged model's device).
    device: torch.device = torch.device("cpu")
    #: The default block length of :meth:`enhance` for long inputs (memory bound; the result does not depend on it).
    block_seconds: float = DEFAULT_BLOCK_SECONDS

    @abc.abstractmethod
    def process(self, waveform: Tensor) -> Tensor:
        """The raw one-shot enhancement of audio already at :attr:`sample_rate` (no limiter, no blocks).

        Shape:
            waveform: ``(channels, time)`` float32; returns the same shape.
        """

    @property
    def latency_samples(self) -> int:
        """Fixed delay of :meth:`streamer` in samples at :attr:`sample_rate`: output sample ``t`` is
        ready once ``t + latency_samples`` samples were fed at most (stateless: 0.6 s)."""
        return stateless_latency(self.sample_rate)

    @property
    def frame_samples(self) -> int:
        """The frame size (samples at :attr:`sample_rate`) that :meth:`stream` works on best (10 ms here)."""
        return max(1, round(0.01 * int(self.sample_rate)))

    @property
    def can_stream(self) -> bool:
        """Deprecated: every enhancer streams now; this is :attr:`carries_state`."""
        return self.carries_state

    def make_streamer(self):
        """A fresh native-rate stream on float32 ``(C, n)`` tensors (override for recurrent state).

        The default is the generic overlap-add streamer over :meth:`process`
        (:func:`~senhance.inference.blocks.stateless_streamer`).
        """
        return stateless_streamer(self.process, int(self.sample_rate))

    def streamer(self) -> TypedStream:
        """A fresh native-rate streamer: ``feed((C, n)) -> (C, m)`` ready samples, ``flush() -> (C, r)``
        the rest (in total as many as were fed, at most :attr:`latency_samples` behind); frames may be
        ``(n,)`` and numpy arrays, each answer has its frame's kind."""
        return TypedStream(self.make_streamer(), device=self.device)

    def enhance(self, waveform, sample_rate: int, *, strength: float = 1.0, block_seconds: float | None = None,
                max_attenuation_db: float | None = None):
        """Enhance ``waveform`` recorded at ``sample_rate`` exactly as ``senhance-infer`` would.

        The samples are those :func:`~senhance.inference.file.enhance_file` writes for a file holding
        ``waveform`` (before the file's quantisation) and those :meth:`stream` returns (delayed by its
        latency): signals longer than ``block_seconds`` are processed block by block (the result does
        not depend on it), other rates are resampled (above :attr:`sample_rate` band-split), the
        enhanced part is soft-limited above -1 dBFS and mixed with the input by ``strength``
        (:func:`senhance.inference.waveform.mix`).

        Args:
            waveform: ``(time,)`` or ``(channels, time)``, finite, numpy or tensor.
            sample_rate: its rate (Hz).
            strength: dry/wet knob in [0, 1]; 0 returns the input exactly.
            block_seconds: block length for long signals (default :attr:`block_seconds`).
            max_attenuation_db: the most the output is attenuated relative to the input, in dB
                (:func:`senhance.inference.waveform.limit_attenuation`); ``None``: no limit.

        Shape:
            ``(time,)`` or ``(channels, time)`` -> the same shape, type and (float) dtype.
        """
        kind = audio_kind(waveform)
        audio = as_channels_time(waveform, sample_rate).cpu()  # (C, T) float32
        block_frames = block_frames_for(self.block_seconds if block_seconds is None else block_seconds,
                                        sample_rate)
        total = audio.shape[-1]
        blocks = (audio[:, start:start + block_frames] for start in range(0, total, block_frames))
        pieces = [output for _, output in enhance_blocks(self, blocks, int(sample_rate), total_frames=total,
                                                         strength=strength, block_frames=block_frames,
                                                         max_attenuation_db=max_attenuation_db)]
        return kind.restore(torch.cat(pieces, dim=-1) if len(pieces) > 1 else pieces[0])

    def stream(self, *, strength: float = 1.0, sample_rate: int | None = None,
               max_attenuation_db: float | None = None) -> StreamingEnhancer:
        """Frames in, frames out with a fixed latency (:class:`~senhance.inference.streaming.StreamingEnhancer`);
        ``sample_rate``: the audio's rate, default :attr:`sample_rate`."""
        return StreamingEnhancer(self, strength=strength, sample_rate=sample_rate,
                                 max_attenuation_db=max_attenuation_db)

    def enhance_file(self, input_path: str | Path, output_path: str | Path, **kwargs) -> Path:
        """Enhance one audio file into ``output_path`` (atomic write; never overwrites the input);
        options as :func:`senhance.inference.file.enhance_file`."""
        return enhance_file(self, input_path, output_path, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, sample_rate={self.sample_rate})"


__all__ = ["Enhancer"]
