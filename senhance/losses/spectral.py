"""Spectral losses: multi-resolution STFT and power-law compressed spectrum.

All are called ``loss(estimate, clean, *, noisy, lengths=None) -> scalar`` on ``(B, C, T)``
waveforms; samples after ``lengths`` are zeroed and frames centred there are ignored.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from senhance.losses._common import check_pair, frame_mask, sample_mask, spectrum


def _masked_mean(values: Tensor, weights: Tensor) -> Tensor:
    weights = weights.expand_as(values)
    return (values * weights).sum() / weights.sum().clamp(min=1.0)


def stft_loss(
    estimate: Tensor, clean: Tensor, *, n_fft: int, hop_length: int, window: Tensor,
    lengths: Tensor | None = None, eps: float = 1e-7,
) -> tuple[Tensor, Tensor]:
    """Spectral convergence and mean absolute log-magnitude difference at one resolution.

    ``sc = || |S| - |E| ||_F / || |S| ||_F`` (per item, averaged) and
    ``mag = mean | log |S| - log |E| |`` (magnitudes floored at ``eps``).

    Shape:
        estimate, clean: ``(B, C, T)``; returns two scalars ``(sc, mag)``.
    """
    mask = sample_mask(lengths, estimate)
    est = spectrum(estimate * mask, n_fft=n_fft, hop_length=hop_length, window=window).abs()  # (B, C, F, N)
    ref = spectrum(clean * mask, n_fft=n_fft, hop_length=hop_length, window=window).abs()
    frames = frame_mask(lengths, est, est.shape[-1], hop_length)  # (B, 1, 1, N)
    diff = ((ref - est) * frames).pow(2).flatten(1).sum(-1)  # (B,)
    energy = (ref * frames).pow(2).flatten(1).sum(-1)
    convergence = (diff.sqrt() / (energy.sqrt() + eps)).mean()
    log_diff = (torch.log(ref.clamp(min=eps)) - torch.log(est.clamp(min=eps))).abs()
    return convergence, _masked_mean(log_diff, frames)


class MultiResolutionSTFTLoss(nn.Module):
    """Sum over resolutions of spectral convergence + log-magnitude distance, averaged.

    Args:
        fft_sizes: FFT sizes (Hann window of the same length).
        hop_lengths: one hop per FFT size.
        sc_weight, mag_weight: weights of the two terms.

    >>> loss = MultiResolutionSTFTLoss()
    >>> clean = torch.randn(1, 1, 4000)
    >>> float(loss(clean, clean, noisy=clean))
    0.0
    """

    def __init__(
        self, *, fft_sizes: Sequence[int] = (512, 1024, 256), hop_lengths: Sequence[int] = (128, 256, 64),
        sc_weight: float = 1.0, mag_weight: float = 1.0,
    ):
        super().__init__()
        fft_sizes, hop_lengths = [int(n) for n in fft_sizes], [int(h) for h in hop_lengths]
        if not fft_sizes or len(fft_sizes) != len(hop_lengths):
            raise ValueError(f"fft_sizes {fft_sizes} and hop_lengths {hop_lengths} must be non-empty and equally long")
        for n_fft, hop in zip(fft_sizes, hop_lengths):
            if n_fft < 2 or not 0 < hop <= n_fft:
                raise ValueError(f"resolution (n_fft={n_fft}, hop_length={hop}) needs 0 < hop_length <= n_fft")
        self.fft_sizes, self.hop_lengths = fft_sizes, hop_lengths
        self.sc_weight, self.mag_weight = float(sc_weight), float(mag_weight)
        for n_fft in fft_sizes:
            self.register_buffer(f"window_{n_fft}", torch.hann_window(n_fft), persistent=False)

    def forward(self, estimate: Tensor, clean: Tensor, *, noisy: Tensor | None = None, lengths: Tensor | None = None) -> Tensor:
        check_pair(estimate, clean, lengths)
        total = estimate.new_zeros(())
        for n_fft, hop in zip(self.fft_sizes, self.hop_lengths):
            window = getattr(self, f"window_{n_fft}").to(estimate.dtype)
            sc, mag = stft_loss(estimate, clean, n_fft=n_fft, hop_length=hop, window=window, lengths=lengths)
            total = total + self.sc_weight * sc + self.mag_weight * mag
        return total / len(self.fft_sizes)


def compressed_spectral_loss(
    estimate: Tensor, clean: Tensor, *, n_fft: int, hop_length: int, window: Tensor, exponent: float = 0.3,
    complex_weight: float = 0.3, lengths: Tensor | None = None, eps: float = 1e-8, overestimate_weight: float = 0.0,
) -> Tensor:
    """``(1 - w) * mean(a_tf | |S|^c - |E|^c |^2) + w * mean(| |S|^c e^{j<S} - |E|^c e^{j<E} |^2)``.

    The power-law compression (``c = exponent``) evens out loud and quiet time-frequency
    regions; the complex term makes the loss phase-aware. ``a_tf`` is ``1 + overestimate_weight``
    where the estimate is louder than the clean speech (``|E| > |S|``: residual noise) and 1
    elsewhere, so ``overestimate_weight > 0`` makes leftover noise cost more than suppressed speech.

    Shape:
        estimate, clean: ``(B, C, T)``; returns a scalar.
    """
    mask = sample_mask(lengths, estimate)
    est = torch.view_as_real(spectrum(estimate * mask, n_fft=n_fft, hop_length=hop_length, window=window))
    ref = torch.view_as_real(spectrum(clean * mask, n_fft=n_fft, hop_length=hop_length, window=window))
    est_mag = (est.pow(2).sum(-1) + eps).sqrt()  # (B, C, F, N)
    ref_mag = (ref.pow(2).sum(-1) + eps).sqrt()
    est_c, ref_c = est_mag.pow(exponent), ref_mag.pow(exponent)
    frames = frame_mask(lengths, est_mag, est_mag.shape[-1], hop_length)
    weights = 1.0 + overestimate_weight * (est_c > ref_c).to(est_c.dtype) if overestimate_weight else 1.0
    magnitude_term = _masked_mean((ref_c - est_c).pow(2) * weights, frames)
    est_cplx = est * (est_c / est_mag).unsqueeze(-1)  # (B, C, F, N, 2)
    ref_cplx = ref * (ref_c / ref_mag).unsqueeze(-1)
    complex_term = _masked_mean((ref_cplx - est_cplx).pow(2).sum(-1), frames)
    return (1.0 - complex_weight) * magnitude_term + complex_weight * complex_term


class CompressedSpectralLoss(nn.Module):
    """Power-law compressed magnitude + compressed complex spectrum distance (the default model's loss).

    Args:
        n_fft, hop_length: the STFT (Hann window of ``n_fft``).
        exponent: the compression ``c`` (0.3 is a good default for speech).
        complex_weight: weight ``w`` of the complex (phase-aware) term.
        overestimate_weight: extra weight of the magnitude error where the estimate is louder than
            the clean speech (residual noise); 0: symmetric.

    >>> loss = CompressedSpectralLoss()
    >>> clean = torch.randn(1, 1, 4000)
    >>> float(loss(clean, clean, noisy=clean))
    0.0
    """

    def __init__(self, *, n_fft: int = 512, hop_length: int = 128, exponent: float = 0.3, complex_weight: float = 0.3,
                 overestimate_weight: float = 0.0):
        super().__init__()
        if n_fft < 2 or not 0 < hop_length <= n_fft:
            raise ValueError(f"n_fft={n_fft}, hop_length={hop_length}: need 0 < hop_length <= n_fft")
        if not 0 < exponent <= 1:
            raise ValueError(f"exponent={exponent} must be in (0, 1]")
        if not 0 <= complex_weight <= 1:
            raise ValueError(f"complex_weight={complex_weight} must be in [0, 1]")
        if overestimate_weight < 0:
            raise ValueError(f"overestimate_weight={overestimate_weight} must be >= 0")
        self.n_fft, self.hop_length = int(n_fft), int(hop_length)
        self.overestimate_weight = float(overestimate_weight)
        self.exponent, self.complex_weight = float(exponent), float(complex_weight)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)

    def forward(self, estimate: Tensor, clean: Tensor, *, noisy: Tensor | None = None, lengths: Tensor | None = None) -> Tensor:
        check_pair(estimate, clean, lengths)
        return compressed_spectral_loss(
            estimate, clean, n_fft=self.n_fft, hop_length=self.hop_length, window=self.window.to(estimate.dtype),
            exponent=self.exponent, complex_weight=self.complex_weight, lengths=lengths,
            overestimate_weight=self.overestimate_weight,
        )
