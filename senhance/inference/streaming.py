"""Real-time enhancement: feed frames as they arrive, get enhanced frames back with a fixed latency.

:class:`StreamingEnhancer` is what :meth:`senhance.enhancer.Enhancer.stream` returns, for every
enhancer: it runs the enhancer's native-rate ``streamer()`` (a model's ``Streamer`` or the
overlap-add streamer of stateless enhancers), at another rate behind the block path's resamplers
(:func:`realtime_stream`), and mixes frame by frame exactly as files are mixed
(:func:`~senhance.inference.waveform.mix`), so its output is :meth:`~senhance.enhancer.Enhancer.enhance`
delayed by :attr:`StreamingEnhancer.latency` samples.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from senhance.inference.bandsplit import BandSplitStream
from senhance.inference.waveform import attenuation_floor, block_stream, check_strength, mix
from senhance.shapes import AudioKind, as_tensor, audio_kind


def realtime_stream(enhancer, sample_rate: int):
    """A streamer for live audio at ``sample_rate`` (another rate than the enhancer's) and its latency bound.

    Built like the block path (:func:`senhance.inference.waveform.block_stream`) with resampler pieces
    of one ``enhancer.frame_samples`` at ``sample_rate``: above the enhancer's rate through
    :class:`~senhance.inference.bandsplit.BandSplitStream`, below it through the resamplers alone.
    The bound adds up what each stage may hold back: the input resampler's context and piece, the
    enhancer's latency, the output resampler's, and (band split) one high-band window; with the
    default model it is 2956 samples (61.6 ms) at 48 kHz and 3524 (79.9 ms) at 44.1 kHz.

    Returns:
        ``(stream, latency_samples, hop)``: ``stream.feed`` never lags more than ``latency_samples``
        behind what was fed; ``hop`` is the preferred frame size.
    """
    sample_rate, model_rate = int(sample_rate), int(enhancer.sample_rate)
    hop = max(1, round(int(enhancer.frame_samples) * sample_rate / model_rate))
    stream = block_stream(enhancer, sample_rate, hop)
    resampled = stream.low if isinstance(stream, BandSplitStream) else stream
    up_lag = resampled.up.max_lag
    model_lag = int(enhancer.latency_samples) - 1 + resampled.down.max_lag  # at the enhancer's rate
    latency = up_lag + math.ceil(model_lag * sample_rate / model_rate) + math.ceil(sample_rate / model_rate)
    if isinstance(stream, BandSplitStream):
        reference_lag = stream.reference.up.max_lag + math.ceil(
            stream.reference.down.max_lag * sample_rate / model_rate) + math.ceil(sample_rate / model_rate)
        latency = max(latency, reference_lag) + stream.stage.n_fft - 1
    return stream, latency, hop


class StreamingEnhancer:
    """Frame-in, frame-out enhancement with a fixed latency, for any :class:`~senhance.enhancer.Enhancer`.

    Every :meth:`feed` of ``n`` samples returns exactly ``n`` samples: the enhanced signal
    delayed by :attr:`latency` samples (the enhancer's ``latency_samples``: one STFT window for
    the default model, 0.6 s for the stateless baselines), the first :attr:`latency` output
    samples being silence. Feeding :attr:`hop_length` frames gives the lowest overhead; any size
    works. The concatenated output equals ``enhancer.enhance`` (same strength, limiter and
    attenuation limit) delayed by :attr:`latency`, within float tolerance. Audio at another
    ``sample_rate`` than the enhancer's goes through the block path's resamplers (and, above its
    rate, the band split that keeps the top band), with a larger fixed latency (:func:`realtime_stream`).

    Frames may be ``(n,)`` or ``(channels, n)``, numpy arrays or tensors; each output has the
    kind of its frame (numpy in, numpy out; ``(n,)`` in, ``(n,)`` out; float dtypes kept).

    Args:
        enhancer: any :class:`~senhance.enhancer.Enhancer`.
        strength: dry/wet knob in [0, 1], as in :func:`senhance.enhance.enhance_file`
            (the dry part is the input delayed by the same latency).
        sample_rate: the audio's rate (default: the enhancer's).
        max_attenuation_db: as in :meth:`~senhance.enhancer.Enhancer.enhance` (``None``: no limit).

    Shape:
        ``feed((C, n)) -> (C, n)``; ``flush() -> (C, latency)`` (the last ``latency`` samples).
    """

    def __init__(self, enhancer, *, strength: float = 1.0, sample_rate: int | None = None,
                 max_attenuation_db: float | None = None):
        self.enhancer = enhancer
        self.strength = check_strength(strength)
        attenuation_floor(max_attenuation_db)  # validate
        self.max_attenuation_db = max_attenuation_db
        self.sample_rate = int(enhancer.sample_rate if sample_rate is None else sample_rate)
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate={sample_rate} must be positive")
        if self.sample_rate == int(enhancer.sample_rate):
            self.latency = int(enhancer.latency_samples)
            self.hop_length = int(enhancer.frame_samples)
            self._streamer = enhancer.streamer()
        else:
            self._streamer, self.latency, self.hop_length = realtime_stream(enhancer, self.sample_rate)
        self._enhanced: Tensor | None = None  # enhanced samples not yet returned
        self._noisy: Tensor | None = None  # input samples not yet returned (dry path)
        self._kind: AudioKind | None = None
        self._fed = 0

    def _push(self, noisy: Tensor, enhanced: Tensor) -> None:
        if self._enhanced is None:  # first call: prime both queues with `latency` zeros
            channels = noisy.shape[0]
            self._enhanced = noisy.new_zeros(channels, self.latency)
            self._noisy = noisy.new_zeros(channels, self.latency)
        self._enhanced = torch.cat([self._enhanced, enhanced.to("cpu", torch.float32)], dim=-1)
        self._noisy = torch.cat([self._noisy, noisy], dim=-1)

    def _pop(self, n: int) -> Tensor:
        if self._enhanced.shape[-1] < n:
            raise RuntimeError(f"{self.enhancer.name}: the streamer lags more than latency_samples="
                               f"{self.latency}; cannot keep a fixed latency")
        out = mix(self._noisy[:, :n], self._enhanced[:, :n], self.strength, self.max_attenuation_db)
        self._enhanced, self._noisy = self._enhanced[:, n:], self._noisy[:, n:]
        return out

    def feed(self, frame) -> Tensor:
        """Enhance the next ``(C, n)`` (or ``(n,)``) samples; returns as many, ``latency`` behind."""
        tensor = as_tensor(frame)
        if tensor.dim() not in (1, 2):
            raise ValueError(f"frame must be (n,) or (channels, n), got shape {tuple(tensor.shape)}")
        audio = tensor.reshape(1, -1) if tensor.dim() == 1 else tensor
        audio = audio.to("cpu", torch.float32)  # (C, n)
        if self._noisy is not None and audio.shape[0] != self._noisy.shape[0]:
            raise ValueError(f"frame has {audio.shape[0]} channels, the stream has {self._noisy.shape[0]}")
        if not bool(torch.isfinite(audio).all()):
            raise ValueError("frame contains NaN or Inf samples")
        self._kind = audio_kind(frame)
        with torch.inference_mode():
            enhanced = self._streamer.feed(audio)
        self._push(audio, enhanced)
        self._fed += audio.shape[-1]
        return self._kind.restore(self._pop(audio.shape[-1]))

    def flush(self) -> Tensor:
        """End of stream: the remaining ``latency`` samples (of the fed signal's end), in the last frame's kind."""
        if self._enhanced is None:
            raise ValueError("flush() before any feed(): nothing to process")
        with torch.inference_mode():
            rest = self._streamer.flush()
        self._push(self._noisy.new_zeros(self._noisy.shape[0], 0), rest)
        return self._kind.restore(self._pop(min(self.latency, self._fed)))
