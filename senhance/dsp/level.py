"""Amplitude normalisation (``y = alpha * x``) and silence trimming, as functions and modules."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from senhance.dsp._checks import check_signal

__all__ = ["normalize_peak", "normalize_rms", "trim_silence", "NormalizePeak", "NormalizeRms", "TrimSilence"]


def _as_float(value, name: str, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be {what}") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"{name}={value!r} must be {what}")
    return number


def _check_db(value, name: str) -> float:
    return _as_float(value, name, "a finite number of dB")


def _check_trim_args(sample_rate, threshold_db, frame_ms) -> None:
    rate = _as_float(sample_rate, "sample_rate", "a positive integer")
    if int(rate) != rate or rate <= 0:
        raise ValueError(f"sample_rate={sample_rate!r} must be a positive integer")
    if not _check_db(threshold_db, "threshold_db") < 0:
        raise ValueError(f"threshold_db={threshold_db} must be negative (dB below the loudest frame)")
    if not _as_float(frame_ms, "frame_ms", "a positive number of milliseconds") > 0:
        raise ValueError(f"frame_ms={frame_ms!r} must be a positive number of milliseconds")


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
    peak_db = _check_db(peak_db, "peak_db")
    peak = x.abs().amax(-1, keepdim=True)  # (..., 1)
    return _scale(x, peak, peak_db)


def normalize_rms(x: Tensor, target_dbfs: float = -25.0) -> Tensor:
    """Scale so that the RMS level is ``target_dbfs`` dB re full scale 1.0: ``y = alpha * x``.

    Each signal gets its own ``alpha``; an all-zero signal is returned unchanged. Nothing is
    clipped: the peak may exceed 1 for very high targets.

    Args:
        x: float signal.
        target_dbfs: target RMS in dB relative to full scale 1.0.

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> y = normalize_rms(torch.tensor([0.5, -0.5, 0.5, -0.5]), target_dbfs=-20.0)
    >>> round(float(y.pow(2).mean().sqrt()), 4)
    0.1
    """
    x = check_signal(x)
    target_dbfs = _check_db(target_dbfs, "target_dbfs")
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
    _check_trim_args(sample_rate, threshold_db, frame_ms)
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


class NormalizePeak(nn.Module):
    """Module form of :func:`normalize_peak`.

    Args:
        peak_db: target peak in dBFS (a finite number).

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> NormalizePeak(peak_db=0.0)(torch.tensor([[0.1, -0.5, 0.2]]))
    tensor([[ 0.2000, -1.0000,  0.4000]])
    """

    def __init__(self, *, peak_db: float = -1.0):
        super().__init__()
        self.peak_db = _check_db(peak_db, "peak_db")

    def forward(self, x: Tensor) -> Tensor:
        return normalize_peak(x, self.peak_db)

    def extra_repr(self) -> str:
        return f"peak_db={self.peak_db}"


class NormalizeRms(nn.Module):
    """Module form of :func:`normalize_rms`.

    Args:
        target_dbfs: target RMS in dBFS (a finite number).

    Shape:
        x: ``(..., time)``; returns the same shape.

    >>> NormalizeRms(target_dbfs=-20.0)(torch.tensor([[0.5, -0.5, 0.5, -0.5]]))
    tensor([[ 0.1000, -0.1000,  0.1000, -0.1000]])
    """

    def __init__(self, *, target_dbfs: float = -25.0):
        super().__init__()
        self.target_dbfs = _check_db(target_dbfs, "target_dbfs")

    def forward(self, x: Tensor) -> Tensor:
        return normalize_rms(x, self.target_dbfs)

    def extra_repr(self) -> str:
        return f"target_dbfs={self.target_dbfs}"


class TrimSilence(nn.Module):
    """Module form of :func:`trim_silence`; returns ``(trimmed, (start, end))`` like the function.

    Args:
        sample_rate: in Hz.
        threshold_db: negative dB relative to the loudest frame.
        frame_ms: frame length in milliseconds.

    Shape:
        x: ``(..., time)``; returns ``((..., end - start), (start, end))``.

    >>> x = torch.cat([torch.zeros(800), torch.ones(1600), torch.zeros(800)])
    >>> y, (start, end) = TrimSilence(sample_rate=8000, frame_ms=10.0)(x)
    >>> y.shape, start, end
    (torch.Size([1600]), 800, 2400)
    """

    def __init__(self, *, sample_rate: int, threshold_db: float = -40.0, frame_ms: float = 20.0):
        super().__init__()
        _check_trim_args(sample_rate, threshold_db, frame_ms)
        self.sample_rate = int(sample_rate)
        self.threshold_db = float(threshold_db)
        self.frame_ms = float(frame_ms)

    def forward(self, x: Tensor) -> tuple[Tensor, tuple[int, int]]:
        return trim_silence(x, self.sample_rate, self.threshold_db, frame_ms=self.frame_ms)

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, threshold_db={self.threshold_db}, frame_ms={self.frame_ms}"
