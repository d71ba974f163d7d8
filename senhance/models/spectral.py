"""The offline wrapper shared by every STFT-domain mask network.

A subclass implements :meth:`SpectralMaskModel.initial_state` and
:meth:`SpectralMaskModel.forward_frames_real`; this base turns them into the waveform
``forward`` (framing convention in :mod:`senhance.models.framing`), the complex
``forward_frames`` and the attributes the rest of senhance relies on.
"""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.models.base import SerializableModule
from senhance.models.framing import analysis, num_frames, sqrt_hann_window, synthesis


class SpectralMaskModel(SerializableModule):
    """Base of causal STFT-domain networks: ``forward(noisy (B, C, T)) -> estimate (B, C, T)``.

    Subclasses must call :meth:`_setup_stft` in their constructor.
    """

    sample_rate: int
    n_fft: int
    hop_length: int

    def _setup_stft(self, *, sample_rate: int, n_fft: int, hop_length: int) -> None:
        if int(sample_rate) <= 0:
            raise ValueError(f"sample_rate={sample_rate} must be positive")
        if n_fft < 2 or n_fft % 2:
            raise ValueError(f"n_fft={n_fft} must be even and >= 2")
        if n_fft != 2 * hop_length:
            raise ValueError(f"hop_length={hop_length} must be n_fft / 2 (sqrt-Hann overlap-add)")
        self.sample_rate = int(sample_rate)
        self.n_fft = int(n_fft)
        self.hop_length = int(hop_length)
        self.n_freqs = self.n_fft // 2 + 1
        self.register_buffer("window", sqrt_hann_window(self.n_fft), persistent=False)

    def _apply(self, fn, *args, **kwargs):
        # recompute the window in the new dtype instead of casting it (float64 keeps exact reconstruction)
        module = super()._apply(fn, *args, **kwargs)
        if "window" in self._buffers:
            window = self._buffers["window"]
            self._buffers["window"] = sqrt_hann_window(self.n_fft, dtype=window.dtype).to(window.device)
        return module

    #: frames of future input a model sees before it releases a frame (0: the frame itself only).
    #: ``forward_frames`` then returns, at input frame ``n``, the enhanced frame ``n - lookahead_frames``.
    lookahead_frames: int = 0

    @property
    def latency_samples(self) -> int:
        """Algorithmic latency: one analysis window plus the lookahead (``n_fft + lookahead_frames * hop``)."""
        return self.n_fft + self.lookahead_frames * self.hop_length

    @property
    def output_offset_samples(self) -> int:
        """Samples at the start of the overlap-added output that precede input sample 0.

        The causal framing puts ``n_fft - hop`` zeros in front of the signal; a lookahead of
        ``k`` frames delays the output by ``k`` hops more.
        """
        return self.n_fft - self.hop_length + self.lookahead_frames * self.hop_length

    # --- to implement -------------------------------------------------------------------------
    def initial_state(self, batch_size: int) -> tuple[Tensor, ...]:
        """The carried state before the first frame, for ``batch_size`` independent signals."""
        raise NotImplementedError

    def forward_frames_real(self, spec: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Enhance frames given as real/imaginary pairs ``(B, F, N, 2)``; returns the same shape and the new state."""
        raise NotImplementedError

    # --- provided -----------------------------------------------------------------------------
    def forward_frames(self, spec: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Enhance ``N >= 1`` complex frames, carrying ``state`` across calls.

        Shape:
            spec: complex ``(B, F, N)``; returns ``(complex (B, F, N), new state)``.
        """
        out, state = self.forward_frames_real(torch.view_as_real(spec), state)
        return torch.view_as_complex(out.contiguous()), state

    def stft(self, padded: Tensor) -> Tensor:
        """Frames of an already padded signal ``(B, L)`` -> complex ``(B, F, N)`` (see framing)."""
        return analysis(padded, self.window, n_fft=self.n_fft, hop_length=self.hop_length)

    def istft(self, spec: Tensor) -> Tensor:
        """Overlap-add of complex ``(B, F, N)`` -> ``(B, n_fft + (N - 1) * hop_length)``."""
        return synthesis(spec, self.window, n_fft=self.n_fft, hop_length=self.hop_length)

    def forward(self, noisy: Tensor) -> Tensor:
        """Enhance a batch of waveforms; every channel is processed independently.

        Shape:
            noisy: ``(B, C, T)`` float; returns ``(B, C, T)``.
        """
        if noisy.dim() != 3:
            raise ValueError(f"noisy must be (batch, channels, time), got shape {tuple(noisy.shape)}")
        if noisy.shape[-1] == 0:
            raise ValueError("noisy has 0 samples")
        batch, channels, length = noisy.shape
        pad = self.n_fft - self.hop_length
        offset = self.output_offset_samples
        frames = num_frames(length, n_fft=self.n_fft, hop_length=self.hop_length) + self.lookahead_frames
        total = self.n_fft + (frames - 1) * self.hop_length
        signal = noisy.reshape(batch * channels, length)  # (B*C, T)
        padded = torch.nn.functional.pad(signal, (pad, total - pad - length))  # (B*C, L)
        spec = self.stft(padded)  # (B*C, F, N)
        enhanced, _ = self.forward_frames(spec, self.initial_state(batch * channels))
        out = self.istft(enhanced)[:, offset : offset + length]  # (B*C, T)
        return out.reshape(batch, channels, length)
