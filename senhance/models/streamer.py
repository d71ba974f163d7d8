"""Chunk-by-chunk inference with any :class:`~senhance.models.spectral.SpectralMaskModel`.

>>> import torch
>>> from senhance.models import BandFilterNet
>>> model = BandFilterNet(hidden_size=16, num_layers=1, conv_channels=4).eval()
>>> streamer = Streamer(model)
>>> x = torch.randn(1, 1000)
>>> with torch.no_grad():
...     y = torch.cat([streamer.feed(x[:, :333]), streamer.feed(x[:, 333:]), streamer.flush()], dim=-1)
...     torch.allclose(y, model(x[None])[0], atol=1e-5)
True
"""
from __future__ import annotations

import torch
from torch import Tensor


class Streamer:
    """Feeds audio of any chunk size through a model's ``forward_frames``, frame by frame.

    Output sample ``t`` is returned once the input up to ``t + model.latency_samples - hop``
    (rounded up to whole hops) has been fed; :meth:`flush` returns the rest, so the
    concatenated output has exactly as many samples as were fed and equals ``model(whole)``.

    Args:
        model: a spectral mask model (``n_fft``, ``hop_length``, ``stft``, ``istft``,
            ``initial_state``, ``forward_frames``). Use it in ``eval()`` mode, under ``no_grad``.

    Shape:
        ``feed((C, n)) -> (C, m)``, ``flush() -> (C, r)``; in total as many samples as were fed.

    >>> import torch
    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1).eval()
    >>> streamer = Streamer(model)
    >>> with torch.no_grad():
    ...     first = streamer.feed(torch.randn(2, 100))  # 2 channels; 100 samples in
    ...     rest = streamer.flush()
    >>> first.shape, rest.shape  # only whole hops are final before the flush
    (torch.Size([2, 64]), torch.Size([2, 36]))
    >>> streamer.channels is None  # flush() resets it for the next stream
    True
    """

    def __init__(self, model):
        self.model = model
        self.n_fft = int(model.n_fft)
        self.hop_length = int(model.hop_length)
        self.channels: int | None = None
        self.reset()

    def reset(self) -> None:
        """Forget everything fed so far (a new stream starts)."""
        self.channels = None
        self._state = None
        self._input: Tensor | None = None
        self._tail: Tensor | None = None
        # output samples belonging to the left padding (and to the model's lookahead)
        self._skip = int(getattr(self.model, "output_offset_samples", self.n_fft - self.hop_length))
        self._fed = 0
        self._emitted = 0

    def _start(self, chunk: Tensor) -> None:
        self.channels = chunk.shape[0]
        self._state = self.model.initial_state(self.channels)
        pad = self.n_fft - self.hop_length
        self._input = chunk.new_zeros(self.channels, pad)
        self._tail = chunk.new_zeros(self.channels, self.n_fft - self.hop_length)

    def feed(self, chunk: Tensor) -> Tensor:
        """Push ``(C, n)`` samples (any ``n >= 0``); returns the ``(C, m)`` samples now final."""
        if chunk.dim() != 2:
            raise ValueError(f"chunk must be (channels, samples), got shape {tuple(chunk.shape)}")
        if self.channels is None:
            self._start(chunk)
        elif chunk.shape[0] != self.channels:
            raise ValueError(f"chunk has {chunk.shape[0]} channels, the stream has {self.channels}")
        self._fed += chunk.shape[-1]
        self._input = torch.cat([self._input, chunk.to(self._input.dtype)], dim=-1)
        return self._process()

    def _process(self) -> Tensor:
        available = self._input.shape[-1]
        if available < self.n_fft:
            return self._input.new_zeros(self.channels, 0)
        frames = (available - self.n_fft) // self.hop_length + 1
        used = self.n_fft + (frames - 1) * self.hop_length
        spec = self.model.stft(self._input[:, :used])  # (C, F, N)
        spec, self._state = self.model.forward_frames(spec, self._state)
        out = self.model.istft(spec)  # (C, used)
        overlap = self.n_fft - self.hop_length
        out[:, :overlap] += self._tail
        ready = frames * self.hop_length
        self._tail = out[:, ready:]
        self._input = self._input[:, ready:]
        result = out[:, :ready]
        if self._skip:
            drop = min(self._skip, result.shape[-1])
            result = result[:, drop:]
            self._skip -= drop
        self._emitted += result.shape[-1]
        return result

    def flush(self) -> Tensor:
        """Finish the stream: returns the remaining ``(C, r)`` samples and resets the streamer."""
        if self.channels is None:
            return torch.zeros(0, 0)
        missing = self._fed - self._emitted
        out = []
        while missing > 0:
            need = self.n_fft - self._input.shape[-1]
            zeros = self._input.new_zeros(self.channels, max(need, self.hop_length) if need > 0 else self.hop_length)
            self._input = torch.cat([self._input, zeros], dim=-1)
            part = self._process()
            out.append(part[:, :missing])
            missing -= part.shape[-1]
        result = torch.cat(out, dim=-1) if out else self._input.new_zeros(self.channels, 0)
        self.reset()
        return result
