"""Amplitude normalisation (``y = alpha * x``) and silence trimming."""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.dsp._checks import check_signal

__all__ = ["normalize_peak", "normalize_rms", "trim_silence"]


def _scale(x: Tensor, level: Tensor, target_db: float) -> Tensor:
    target = 10.0 ** (target_db / 20.0)
    alpha = torch.where(level > 0, target / level.clamp_min(torch.finfo(x.dtype).tiny), torch.ones_like(level))
    return x * alpha  # silent signals (level 0) are returned unchanged


def normalize_peak(x: Tensor, peak_db: float = -1.0) -> Tensor:
    """Scale so that the largest absolute sample is ``peak_db`` dBFS: ``y = alpha * x``.

    Each signal (everything but the time axis) gets its own ``alpha``; an all-zero signal is
    returned unchanged.

    Args:
        x: float signal.
        peak_db: target peak in dB relative to full scale 1.0 (<= 0 keeps it inside [-1, 1]).

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> normalize_peak(torch.tensor([0.1, -0.5, 0.2]), peak_db=0.0)
    tensor([ 0.2000, -1.0000,  0.4000])
    """
    x = check_signal(x)
    peak = x.abs().amax(-1, keepdim=True)  # (..., 1)
    return _scale(x, peak, peak_db)


def normalize_rms(x: Tensor, target_dbfs: float = -25.0) -> Tensor:
    """Scale so that the RMS level is ``target_dbfs`` dB re full scale 1.0: ``y = alpha * x``.

    Each signal gets its own ``alpha``; an all-zero signal is returned unchanged. Nothing is
    clipped: the peak may exceed 1 for very high targets.

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> y = normalize_rms(torch.tensor([0.5, -0.5, 0.5, -0.5]), target_dbfs=-20.0)
    >>> round(float(y.pow(2).mean().sqrt()), 4)
    0.1
    """
    x = check_signal(x)
    rms = x.pow(2).mean(-1, keepdim=True).sqrt()  # (..., 1)
    return _scale(x, rms, target_dbfs)


def trim_silence(
    x: Tensor, sample_rate: int, threshold_db: float = -40.0, *, frame_ms: float = 20.0
) -> tuple[Tensor, tuple[int, int]]:
    """Cut leading and trailing silence.

    The signal is split into frames of ``frame_ms``; a frame is *active* when its energy
    (summed over all leading dims) is within ``threshold_db`` of the loudest frame. Everything
    from the first to the last active frame is kept.

    Args:
        x: float signal.
        sample_rate: in Hz.
        threshold_db: negative dB relative to the loudest frame.
        frame_ms: frame length in milliseconds.

    Shape:
        x: ``(..., time)``; returns ``((..., end - start), (start, end))`` (sample indices).
        An all-zero signal is returned whole.

    >>> x = torch.cat([torch.zeros(800), torch.ones(1600), torch.zeros(800)])
    >>> y, (start, end) = trim_silence(x, 8000, frame_ms=10.0)
    >>> y.shape, start, end
    (torch.Size([1600]), 800, 2400)
    """
    x = check_signal(x)
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be a positive integer")
    if not threshold_db < 0:
        raise ValueError(f"threshold_db={threshold_db} must be negative (dB below the loudest frame)")
    frame = max(1, int(round(sample_rate * frame_ms / 1000.0)))
    T = x.shape[-1]
    n_frames = -(-T // frame)
    power = x.detach().reshape(-1, T).pow(2).sum(0)  # (T,)
    power = torch.nn.functional.pad(power, (0, n_frames * frame - T)).reshape(n_frames, frame).sum(-1)  # (n_frames,)
    peak = power.max()
    if peak <= 0:
        return x, (0, T)
    active = torch.nonzero(power >= peak * 10.0 ** (threshold_db / 10.0)).flatten()
    start = int(active[0]) * frame
    end = min(T, (int(active[-1]) + 1) * frame)
    return x[..., start:end], (start, end)
