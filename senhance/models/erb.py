"""Rectangular ERB-spaced frequency bands for a small model.

Bands are equally spaced on the ERB-rate scale ``21.4 * log10(1 + 0.00437 f)``
(Glasberg & Moore, 1990), with at least ``min_bins`` FFT bins each, so the low bands
are not narrower than the FFT resolution. Each bin belongs to exactly one band.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor


def hz_to_erb(freq_hz: float) -> float:
    """ERB-rate (number of ERBs below ``freq_hz``).

    >>> round(hz_to_erb(1000.0), 2)
    15.62
    """
    return 21.4 * math.log10(1.0 + 0.00437 * freq_hz)


def erb_to_hz(erb: float) -> float:
    """Inverse of :func:`hz_to_erb`.

    >>> round(erb_to_hz(hz_to_erb(440.0)), 6)
    440.0
    """
    return (10.0 ** (erb / 21.4) - 1.0) / 0.00437


def erb_band_edges(*, n_freqs: int, sample_rate: int, n_bands: int, min_bins: int = 2) -> list[int]:
    """First bin of every band plus ``n_freqs`` at the end (``n_bands + 1`` increasing integers).

    Band ``b`` holds bins ``edges[b] .. edges[b + 1] - 1``. Each band starts where the ERB
    spacing of the still unassigned range says, but holds at least ``min_bins`` bins.

    >>> edges = erb_band_edges(n_freqs=161, sample_rate=16000, n_bands=32)
    >>> len(edges), edges[0], edges[-1], min(b - a for a, b in zip(edges, edges[1:]))
    (33, 0, 161, 2)
    """
    if n_bands < 1 or n_bands * min_bins > n_freqs:
        raise ValueError(f"n_bands={n_bands} with min_bins={min_bins} does not fit {n_freqs} frequency bins")
    bin_hz = sample_rate / (2.0 * (n_freqs - 1))
    edges = [0]
    for band in range(n_bands - 1):
        start = edges[-1]
        remaining = n_bands - band
        lo, hi = hz_to_erb(start * bin_hz), hz_to_erb(sample_rate / 2.0)
        ideal = round(erb_to_hz(lo + (hi - lo) / remaining) / bin_hz)
        # at least min_bins here, and leave min_bins for every later band
        edge = min(max(ideal, start + min_bins), n_freqs - min_bins * (remaining - 1))
        edges.append(edge)
    edges.append(n_freqs)
    return edges


def erb_band_matrix(*, n_freqs: int, sample_rate: int, n_bands: int, min_bins: int = 2) -> Tensor:
    """0/1 assignment matrix of bins to ERB bands.

    Pool a power spectrum into band means with ``(matrix / matrix.sum(1, keepdim=True)) @ power``
    and expand band gains back to bins with ``matrix.T @ gains``.

    Shape:
        returns ``(n_bands, n_freqs)`` float32, every column sums to 1.

    >>> m = erb_band_matrix(n_freqs=161, sample_rate=16000, n_bands=32)
    >>> m.shape, bool((m.sum(0) == 1).all())
    (torch.Size([32, 161]), True)
    """
    edges = erb_band_edges(n_freqs=n_freqs, sample_rate=sample_rate, n_bands=n_bands, min_bins=min_bins)
    matrix = torch.zeros(n_bands, n_freqs)
    for band, (start, stop) in enumerate(zip(edges[:-1], edges[1:])):
        matrix[band, start:stop] = 1.0
    return matrix
