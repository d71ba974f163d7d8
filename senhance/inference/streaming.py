"""Real-time enhancement: feed frames as they arrive, get enhanced frames back with a fixed latency."""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.inference.waveform import check_strength, mix


class StreamingEnhancer:
    """Frame-in, frame-out enhancement around a streaming model (``enhancer.streamer()``).

    Every :meth:`feed` of ``n`` samples returns exactly ``n`` samples: the enhanced signal
    delayed by :attr:`latency` samples (the model's ``latency_samples``; one STFT window for
    the default model), the first :attr:`latency` output samples being silence. Feeding
    hop-size frames (:attr:`hop_length`) gives the lowest overhead; any size works. The
    concatenated output equals offline enhancement delayed by :attr:`latency` within float
    tolerance (the enhanced part is soft-limited above -1 dBFS, as in files). Audio at another
    ``sample_rate`` than the model's goes through the block path's resamplers (and, above the
    model's rate, the band split that keeps the top band), with a larger fixed latency
    (:func:`~senhance.inference.bandsplit.realtime_stream`).

    Args:
        enhancer: a :class:`~senhance.registry.PackagedEnhancer` whose model streams.
        strength: dry/wet knob in [0, 1], as in :func:`senhance.enhance.enhance_file`
            (the dry part is the input delayed by the same latency).
        sample_rate: the audio's rate (default: the model's).

    Shape:
        ``feed((C, n)) -> (C, n)``; ``flush() -> (C, latency)`` (the last ``latency`` samples).
    """

    def __init__(self, enhancer, *, strength: float = 1.0, sample_rate: int | None = None):
        if not getattr(enhancer, "can_stream", False):
            raise ValueError(f"{getattr(enhancer, 'name', enhancer)}: this enhancer does not stream "
                             "(no causal model with a Streamer)")
        self.enhancer = enhancer
        self.strength = check_strength(strength)
        self.sample_rate = int(enhancer.sample_rate if sample_rate is None else sample_rate)
        if self.sample_rate == int(enhancer.sample_rate):
            self.latency = int(enhancer.latency_samples)
            self.hop_length = int(getattr(enhancer.module, "hop_length", 1))
            self._streamer = enhancer.streamer()
        else:
            from senhance.inference.bandsplit import realtime_stream

            self._streamer, self.latency, self.hop_length = realtime_stream(enhancer, self.sample_rate)
        self._enhanced: Tensor | None = None  # enhanced samples not yet returned
        self._noisy: Tensor | None = None  # input samples not yet returned (dry path)
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
        out = mix(self._noisy[:, :n], self._enhanced[:, :n], self.strength)
        self._enhanced, self._noisy = self._enhanced[:, n:], self._noisy[:, n:]
        return out

    def feed(self, frame: Tensor) -> Tensor:
        """Enhance the next ``(C, n)`` samples; returns ``(C, n)`` samples, ``latency`` behind."""
        frame = torch.as_tensor(frame, dtype=torch.float32)
        if frame.dim() == 1:
            frame = frame.unsqueeze(0)
        if frame.dim() != 2:
            raise ValueError(f"frame must be (channels, n), got shape {tuple(frame.shape)}")
        with torch.inference_mode():
            enhanced = self._streamer.feed(frame.to(self.enhancer.device))
        self._push(frame, enhanced)
        self._fed += frame.shape[-1]
        return self._pop(frame.shape[-1])

    def flush(self) -> Tensor:
        """End of stream: the remaining ``latency`` samples (of the fed signal's end)."""
        if self._enhanced is None:
            raise ValueError("flush() before any feed(): nothing to process")
        with torch.inference_mode():
            rest = self._streamer.flush()
        self._push(self._noisy.new_zeros(self._noisy.shape[0], 0), rest)
        return self._pop(min(self.latency, self._fed))
