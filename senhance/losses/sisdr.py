"""Scale-invariant signal-to-distortion ratio (SI-SDR) and its loss.

Le Roux et al., "SDR - half-baked or well done?" (ICASSP 2019): project the estimate on
the reference, ``target = <e, s> / <s, s> * s``, and compare ``|target|^2`` with
``|e - target|^2`` in dB. Both signals are made zero-mean first (over the valid samples).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from senhance.losses._common import check_pair, sample_mask


def si_sdr(estimate: Tensor, reference: Tensor, *, lengths: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """SI-SDR in dB for every item and channel, ignoring the padding after ``lengths``.

    Shape:
        estimate, reference: ``(B, C, T)``; lengths: ``(B,)``; returns ``(B, C)``.

    >>> s = torch.randn(1, 1, 1000)
    >>> bool(si_sdr(0.5 * s, s) > 60)
    True
    """
    check_pair(estimate, reference, lengths)
    mask = sample_mask(lengths, estimate)  # (B, 1, T)
    count = mask.sum(-1, keepdim=True).clamp(min=1.0)  # (B, 1, 1)
    estimate = estimate * mask
    reference = reference * mask
    estimate = (estimate - estimate.sum(-1, keepdim=True) / count) * mask
    reference = (reference - reference.sum(-1, keepdim=True) / count) * mask
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + eps)
    target = scale * reference  # (B, C, T)
    residual = estimate - target
    return 10.0 * torch.log10((target.pow(2).sum(-1) + eps) / (residual.pow(2).sum(-1) + eps))


class SISDRLoss(nn.Module):
    """Negative mean SI-SDR (dB): ``loss(estimate, clean, *, noisy, lengths=None) -> scalar``.

    >>> loss = SISDRLoss()
    >>> clean = torch.randn(2, 1, 800)
    >>> bool(loss(clean, clean, noisy=clean) < -60)
    True
    """

    def __init__(self, *, eps: float = 1e-8):
        super().__init__()
        if eps <= 0:
            raise ValueError(f"eps={eps} must be positive")
        self.eps = eps

    def forward(self, estimate: Tensor, clean: Tensor, *, noisy: Tensor | None = None, lengths: Tensor | None = None) -> Tensor:
        return -si_sdr(estimate, clean, lengths=lengths, eps=self.eps).mean()
