"""Waveform shapes and types at the API boundary: check input, remember its kind, give the same kind back.

Everything inside senhance works on float32 ``(channels, time)`` tensors. At the boundary a caller may
hand in ``(time,)`` or ``(channels, time)``, a numpy array or a tensor, of any float dtype;
:func:`audio_kind` records which, and :meth:`AudioKind.restore` turns a result back into it
(numpy in -> numpy out, tensor in -> tensor out, ``(time,)`` in -> ``(time,)`` out, float dtypes kept).
:class:`TypedStream` does the same for every frame given to a ``feed`` / ``flush`` stream.

This module imports nothing else from senhance, so every layer may use it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


def as_channels_time(waveform: Tensor, sample_rate: int) -> Tensor:
    """Check an input waveform and return it as float32 ``(channels, time)``.

    Raises a ``ValueError`` for a shape other than ``(time,)`` / ``(channels, time)``, 0 samples,
    NaN/Inf samples or a non-positive ``sample_rate``.

    >>> as_channels_time(torch.zeros(5, dtype=torch.float64), 16000).shape
    torch.Size([1, 5])
    """
    waveform = torch.as_tensor(waveform)
    if waveform.dim() not in (1, 2):
        raise ValueError(f"waveform must be (time,) or (channels, time), got shape {tuple(waveform.shape)}")
    if waveform.shape[-1] == 0:
        raise ValueError("waveform has 0 samples")
    if not torch.isfinite(waveform).all():
        raise ValueError("waveform contains NaN or Inf samples")
    if int(sample_rate) <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be positive")
    return waveform.reshape(-1, waveform.shape[-1]).to(torch.float32)  # (C, T)


def pad_or_trim(x: Tensor, length: int) -> Tensor:
    """Trim or zero-pad the last dimension to ``length`` (the enhancers' "same length out" rule).

    >>> pad_or_trim(torch.ones(1, 3), 5).tolist(), pad_or_trim(torch.ones(1, 3), 2).tolist()
    ([[1.0, 1.0, 1.0, 0.0, 0.0]], [[1.0, 1.0]])
    """
    if x.shape[-1] >= length:
        return x[..., :length]
    return torch.nn.functional.pad(x, (0, length - x.shape[-1]))


@dataclass(frozen=True)
class AudioKind:
    """What a caller handed in: numpy or tensor, ``(time,)`` or ``(channels, time)``, its dtype and device."""

    is_numpy: bool
    one_dimensional: bool
    dtype: object  # a numpy dtype or a torch dtype (float inputs keep theirs; others come back float32)
    device: torch.device

    def restore(self, audio: Tensor) -> Tensor | np.ndarray:
        """``(C, n)`` float32 -> the caller's kind (``(n,)`` when they gave ``(time,)``; one channel then)."""
        audio = audio[0] if self.one_dimensional else audio
        if audio.is_inference():  # computed under torch.inference_mode: hand out an ordinary tensor
            audio = audio.clone()
        if self.is_numpy:
            return audio.detach().to("cpu").numpy().astype(self.dtype, copy=False)
        return audio.to(device=self.device, dtype=self.dtype)


def audio_kind(waveform) -> AudioKind:
    """The :class:`AudioKind` of ``waveform`` (a numpy array, a tensor or anything ``np.asarray`` takes).

    >>> kind = audio_kind(np.zeros(4, dtype=np.float64))
    >>> kind.is_numpy, kind.one_dimensional, kind.restore(torch.ones(1, 4)).dtype
    (True, True, dtype('float64'))
    """
    if isinstance(waveform, Tensor):
        dtype = waveform.dtype if waveform.is_floating_point() else torch.float32
        return AudioKind(False, waveform.dim() == 1, dtype, waveform.device)
    array = np.asarray(waveform)
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float32)
    return AudioKind(True, array.ndim == 1, dtype, torch.device("cpu"))


def as_tensor(waveform) -> Tensor:
    """``waveform`` as a tensor (numpy arrays are wrapped without a copy where possible)."""
    if isinstance(waveform, Tensor):
        return waveform
    return torch.from_numpy(np.ascontiguousarray(waveform))


class TypedStream:
    """A ``feed`` / ``flush`` stream that accepts what callers have and gives the same kind back.

    ``feed`` takes ``(n,)`` or ``(channels, n)``, numpy or tensor, any float dtype (``n`` may be 0),
    hands the wrapped stream float32 ``(channels, n)`` on ``device`` (without autograd) and returns its
    output in the kind of that frame; ``flush`` returns the rest in the kind of the last frame fed.

    Args:
        stream: any object with ``feed((C, n)) -> (C, m)`` and ``flush() -> (C, r)`` on float32 tensors.
        device: where the wrapped stream wants its input (default: the CPU).

    >>> class Double:
    ...     def feed(self, chunk): return 2 * chunk
    ...     def flush(self): return torch.zeros(1, 0)
    >>> s = TypedStream(Double())
    >>> s.feed(np.ones(3)), s.flush().shape
    (array([2., 2., 2.]), (0,))
    """

    def __init__(self, stream, *, device: torch.device | str | None = None):
        self.stream = stream
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self._kind: AudioKind | None = None
        self._channels: int | None = None

    def feed(self, frame) -> Tensor | np.ndarray:
        """Push the next samples; returns the samples now ready, in the frame's kind."""
        tensor = as_tensor(frame)
        if tensor.dim() not in (1, 2):
            raise ValueError(f"frame must be (n,) or (channels, n), got shape {tuple(tensor.shape)}")
        audio = tensor if tensor.dim() == 2 else tensor.reshape(1, -1)  # (C, n)
        if self._channels is not None and audio.shape[0] != self._channels:
            raise ValueError(f"frame has {audio.shape[0]} channels, the stream has {self._channels}")
        if not bool(torch.isfinite(audio).all()):
            raise ValueError("frame contains NaN or Inf samples")
        self._kind, self._channels = audio_kind(frame), audio.shape[0]
        with torch.no_grad():  # a model's streamer must not build an autograd graph over a long stream
            out = self.stream.feed(audio.to(self.device, torch.float32))
        return self._kind.restore(out.to(torch.float32))

    def flush(self) -> Tensor | np.ndarray:
        """End of stream: the remaining samples, in the kind of the last frame fed."""
        if self._kind is None:
            raise ValueError("flush() before any feed(): nothing to process")
        with torch.no_grad():
            out = self.stream.flush()
        channels, self._channels = self._channels, None  # the next feed may start a new stream
        if out.dim() != 2 or out.shape[0] != channels:  # an empty stream may say (0, 0)
            out = out.reshape(channels, -1) if out.numel() else torch.zeros(channels, 0)
        return self._kind.restore(out.to(torch.float32))
