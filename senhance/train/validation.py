"""One validation pass: loss, SI-SDR (and its improvement over the noisy input), quick STOI and PESQ."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from senhance.metrics import batched_si_sdr
from senhance.train.quick_metrics import pesq_or_nan, stoi_or_nan

#: +1: higher is better, -1: lower is better.
METRIC_DIRECTIONS = {"loss": -1, "si_sdr": 1, "si_sdr_i": 1, "stoi": 1, "pesq": 1}


@torch.no_grad()
def validate(model: nn.Module, loss_fn: nn.Module, valid_set, *, device: torch.device, sample_rate: int,
             max_items: int | None = None, stoi_items: int = 4, audio_examples: int = 2,
             pesq_items: int = 0) -> tuple[dict, list]:
    """Evaluate ``model`` item by item (no padding) on ``valid_set``.

    Returns ``(metrics, examples)``: mean ``loss``, ``si_sdr``, ``si_sdr_i`` (dB, from
    :func:`senhance.metrics.batched_si_sdr`) over the items (those with a silent clean signal left out),
    ``stoi`` over the first ``stoi_items`` items of at least 1 s (NaN if none), ``pesq`` over the first
    ``pesq_items`` items PESQ can score (wide-band at >= 16 kHz, else narrow-band; NaN if none or
    without the ``metrics`` extra; only present when ``pesq_items > 0``), and the first
    ``audio_examples`` items as dicts of 1-D CPU tensors ``noisy`` / ``enhanced`` / ``clean``.
    """
    was_training = model.training
    model.eval()
    count = len(valid_set) if max_items is None else min(len(valid_set), int(max_items))
    losses, sdrs, gains, stois, pesqs, examples = [], [], [], [], [], []
    for index in range(count):
        item = valid_set[index]
        noisy = item["noisy"].unsqueeze(0).to(device)  # (1, C, T)
        clean = item["clean"].unsqueeze(0).to(device)  # (1, C, T)
        estimate = model(noisy)  # (1, C, T)
        losses.append(float(loss_fn(estimate, clean, noisy=noisy)))
        sdr = batched_si_sdr(estimate, clean)  # (1, C) float64, NaN for a silent reference
        sdrs.append(float(sdr.mean()))
        gains.append(float((sdr - batched_si_sdr(noisy, clean)).mean()))
        if len(stois) < stoi_items:
            value = stoi_or_nan(clean[0, 0].cpu().numpy(), estimate[0, 0].float().cpu().numpy(), sample_rate)
            if not math.isnan(value):
                stois.append(value)
        if len(pesqs) < pesq_items:
            value = pesq_or_nan(clean[0, 0].cpu().numpy(), estimate[0, 0].float().cpu().numpy(), sample_rate)
            if not math.isnan(value):
                pesqs.append(value)
        if index < audio_examples:
            examples.append({"noisy": noisy[0, 0].cpu(), "enhanced": estimate[0, 0].float().cpu(),
                             "clean": clean[0, 0].cpu()})
    model.train(was_training)
    metrics = {"loss": float(np.mean(losses)), "si_sdr": _mean_of_finite(sdrs), "si_sdr_i": _mean_of_finite(gains),
               "stoi": _mean_of_finite(stois)}
    if pesq_items > 0:
        metrics["pesq"] = _mean_of_finite(pesqs)
    return metrics, examples


def _mean_of_finite(values: list[float]) -> float:
    """Mean over the items that have a value (SI-SDR is NaN for a silent reference); NaN if none."""
    finite = [value for value in values if not math.isnan(value)]
    return float(np.mean(finite)) if finite else math.nan
