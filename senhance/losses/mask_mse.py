"""Mean squared error between the effective magnitude mask and the ideal ratio mask.

The loss stays model-agnostic: the mask the model applied is read off its output,
``|E| / |X|``, and compared with the ideal ratio mask ``min(|S| / |X|, 1)``, both on the
same STFT of the noisy input ``X``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from senhance.losses._common import check_pair, frame_mask, sample_mask, spectrum


def mask_mse(
    estimate: Tensor, clean: Tensor, noisy: Tensor, *, n_fft: int, hop_length: int, window: Tensor,
    lengths: Tensor | None = None, eps: float = 1e-8,
) -> Tensor:
    """``mean((|E| / |X| - min(|S| / |X|, 1))^2)`` over valid frames.

    Shape:
        estimate, clean, noisy: ``(B, C, T)``; returns a scalar.
    """
    mask = sample_mask(lengths, estimate)
    kwargs = dict(n_fft=n_fft, hop_length=hop_length, window=window)
    est = spectrum(estimate * mask, **kwargs).abs()
    ref = spectrum(clean * mask, **kwargs).abs()
    mix = spectrum(noisy * mask, **kwargs).abs()  # (B, C, F, N)
    ideal = (ref / (mix + eps)).clamp(max=1.0)
    effective = est / (mix + eps)
    frames = frame_mask(lengths, est, est.shape[-1], hop_length).expand_as(est)
    return ((effective - ideal).pow(2) * frames).sum() / frames.sum().clamp(min=1.0)


class MaskMSELoss(nn.Module):
    """Mask MSE loss; needs ``noisy``: ``loss(estimate, clean, *, noisy, lengths=None)``.

    >>> loss = MaskMSELoss()
    >>> clean, noise = torch.randn(1, 1, 3200), torch.randn(1, 1, 3200)
    >>> float(loss(clean, clean, noisy=clean)) < 1e-10
    True
    """

    def __init__(self, *, n_fft: int = 320, hop_length: int = 160):
        super().__init__()
        if n_fft < 2 or not 0 < hop_length <= n_fft:
            raise ValueError(f"n_fft={n_fft}, hop_length={hop_length}: need 0 < hop_length <= n_fft")
        self.n_fft, self.hop_length = int(n_fft), int(hop_length)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)

    def forward(self, estimate: Tensor, clean: Tensor, *, noisy: Tensor | None = None, lengths: Tensor | None = None) -> Tensor:
        check_pair(estimate, clean, lengths)
        if noisy is None or noisy.shape != estimate.shape:
            raise ValueError(f"noisy must be given with the shape of estimate {tuple(estimate.shape)}")
        return mask_mse(
            estimate, clean, noisy, n_fft=self.n_fft, hop_length=self.hop_length,
            window=self.window.to(estimate.dtype), lengths=lengths,
        )
