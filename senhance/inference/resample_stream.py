"""Block-wise resampling that equals :func:`senhance.dsp.resample` on the whole signal.

``senhance.dsp.resample`` is a polyphase FIR (a windowed sinc, zero outside the signal), so an
output sample depends only on input samples a few dozen samples away. :class:`BlockResampler`
cuts the input into pieces whose boundaries fall on whole periods of the rate ratio, resamples
each with context on both sides and keeps the exact middle: the concatenated output equals
whole-signal resampling within float tolerance. :class:`ResampledStreamer` chains
resample -> an enhancer's native-rate streamer -> resample back, so every enhancer streams at any rate.

``ResampleStream`` and ``ResampledStream`` are the old names of these two classes (deprecated aliases).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from senhance.dsp import resample

#: Input context on each side, in units of the filter's reach (``half_width`` 10 in senhance.dsp).
_REACH_TAPS = 12


class BlockResampler:
    """``feed((C, n)) -> (C, m)`` at ``new_sample_rate``; ``flush()`` the rest; equals whole-signal resampling.

    Args:
        orig_sample_rate, new_sample_rate: the two rates (Hz).
        block_frames: approximate input samples per processed piece.

    >>> import torch
    >>> from senhance.dsp import resample
    >>> x = torch.randn(1, 1000)
    >>> s = BlockResampler(44100, 16000, block_frames=300)
    >>> y = torch.cat([s.feed(x[:, :123]), s.feed(x[:, 123:]), s.flush()], dim=-1)
    >>> torch.allclose(y, resample(x, 44100, 16000), atol=1e-5)
    True
    """

    def __init__(self, orig_sample_rate: int, new_sample_rate: int, *, block_frames: int):
        g = math.gcd(int(orig_sample_rate), int(new_sample_rate))
        self.orig, self.new = int(orig_sample_rate), int(new_sample_rate)
        self.period_in, self.period_out = self.orig // g, self.new // g
        reach = _REACH_TAPS * max(self.period_in, self.period_out) / self.period_out + 2  # input samples
        self.context = math.ceil(reach / self.period_in) * self.period_in
        self.hop = max(1, round(block_frames / self.period_in)) * self.period_in
        self._buffer: Tensor | None = None
        self._start = 0  # absolute input index of self._buffer[:, 0]
        self._next = 0  # absolute input index where the next piece starts (a multiple of period_in)
        self._fed = 0

    @property
    def max_lag(self) -> int:
        """The most input samples :meth:`feed` holds back (its context and one piece)."""
        return self.context + self.hop - 1

    def _out_index(self, i: int) -> int:
        return i // self.period_in * self.period_out  # exact: i is a multiple of period_in

    def _run(self, begin: int, end: int | None) -> Tensor:
        lo = max(begin - self.context, self._start)
        piece = self._buffer[:, lo - self._start:None if end is None else end + self.context - self._start]
        out = resample(piece, self.orig, self.new)
        first = self._out_index(begin) - self._out_index(lo)
        if end is None:
            total = math.ceil(self._fed * self.new / self.orig)  # whole-signal output length
            return out[:, first:first + total - self._out_index(begin)]
        return out[:, first:first + self._out_index(end) - self._out_index(begin)]

    def feed(self, chunk: Tensor) -> Tensor:
        self._buffer = chunk if self._buffer is None else torch.cat([self._buffer, chunk], dim=-1)
        self._fed += chunk.shape[-1]
        ready = []
        while self._fed >= self._next + self.hop + self.context:
            ready.append(self._run(self._next, self._next + self.hop))
            self._next += self.hop
            keep_from = self._next - self.context
            if keep_from > self._start:
                self._buffer = self._buffer[:, keep_from - self._start:]
                self._start = keep_from
        return torch.cat(ready, dim=-1) if ready else self._buffer.new_zeros(self._buffer.shape[0], 0)

    def flush(self) -> Tensor:
        if self._buffer is None:
            raise ValueError("flush() before any feed(): nothing to resample")
        return self._run(self._next, None)


class ResampledStreamer:
    """A native-rate streamer used at another rate: resample to its rate, stream, resample back.

    The output has exactly as many samples as were fed and equals the whole-signal path
    (resample, the streamer over the whole signal, resample back, :func:`~senhance.shapes.pad_or_trim`)
    within float tolerance.

    Args:
        streamer: ``feed`` / ``flush`` at ``model_sample_rate`` (e.g. ``enhancer.streamer()``).
        sample_rate: the audio's rate (Hz).
        model_sample_rate: the streamer's rate (Hz).
        block_frames: approximate input samples per resampled piece.

    Shape:
        ``feed((C, n)) -> (C, m)``; ``flush() -> (C, r)``; in total as many samples as were fed.
    """

    def __init__(self, streamer, sample_rate: int, model_sample_rate: int, *, block_frames: int):
        model_block = max(1, round(block_frames * model_sample_rate / sample_rate))
        self.up = BlockResampler(sample_rate, model_sample_rate, block_frames=block_frames)
        self.model = streamer
        self.down = BlockResampler(model_sample_rate, sample_rate, block_frames=model_block)
        self._fed = 0
        self._emitted = 0

    def _limit(self, out: Tensor) -> Tensor:
        out = out[:, : max(0, self._fed - self._emitted)]
        self._emitted += out.shape[-1]
        return out

    def feed(self, chunk: Tensor) -> Tensor:
        self._fed += chunk.shape[-1]
        return self._limit(self.down.feed(self.model.feed(self.up.feed(chunk))))

    def flush(self) -> Tensor:
        upsampled = self.up.flush()
        enhanced = torch.cat([self.model.feed(upsampled), self.model.flush()], dim=-1)
        out = torch.cat([self.down.feed(enhanced), self.down.flush()], dim=-1)
        out = self._limit(out)
        missing = self._fed - self._emitted
        if missing > 0:  # the round trip came back short: zero-pad like the whole-signal path does
            out = torch.cat([out, out.new_zeros(out.shape[0], missing)], dim=-1)
            self._emitted += missing
        return out


#: Deprecated names (before issue 17): the block-wise resampler and the resampled streamer.
ResampleStream = BlockResampler
ResampledStream = ResampledStreamer
