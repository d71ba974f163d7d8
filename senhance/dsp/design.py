"""Butterworth filter design in torch: ``butter`` (second-order sections) and ``buttord``.

The design follows the textbook chain: analog Butterworth prototype -> frequency transform
(low/high/band-pass/band-stop) at pre-warped edges -> bilinear transform -> pairing of poles
and zeros into biquads. Every numeric step is a torch operation, so a cut-off tensor with
``requires_grad`` gets gradients through the coefficients (a learnable front-end uses this).
Only the *pairing decisions* (which roots share a section, in which order) are discrete; they
are taken on detached values with the same rules as ``scipy.signal.zpk2sos(pairing="nearest")``
(poles closest to the unit circle go last, each pole takes its nearest zero), so the section
array equals ``scipy.signal.butter(..., output="sos")``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from senhance.dsp._buttord import buttord as _buttord_search

__all__ = ["butter", "buttord", "BTYPES"]

BTYPES = {
    "lowpass": "lowpass", "low": "lowpass", "lp": "lowpass",
    "highpass": "highpass", "high": "highpass", "hp": "highpass",
    "bandpass": "bandpass", "band": "bandpass", "bp": "bandpass", "pass": "bandpass",
    "bandstop": "bandstop", "stop": "bandstop", "bs": "bandstop",
}


def _check_cutoff(cutoff, sample_rate: float, btype: str) -> Tensor:
    """Validate ``cutoff`` (Hz) and return it as a float64 tensor (keeps autograd)."""
    if not (isinstance(sample_rate, (int, float)) and sample_rate > 0 and math.isfinite(sample_rate)):
        raise ValueError(f"sample_rate={sample_rate} must be a positive number")
    cut = cutoff if isinstance(cutoff, Tensor) else torch.as_tensor(cutoff, dtype=torch.float64)
    cut = cut.to(device="cpu", dtype=torch.float64)  # designed on the CPU (autograd follows the copy)
    want = 2 if btype in ("bandpass", "bandstop") else 1
    if cut.numel() != want or cut.dim() > 1:
        shape = "a pair (low, high)" if want == 2 else "a single frequency"
        raise ValueError(f"cutoff={cutoff} must be {shape} for btype={btype!r}")
    values = cut.detach().reshape(-1).tolist()
    nyquist = sample_rate / 2
    for v in values:
        if not (0 < v < nyquist):
            raise ValueError(f"cutoff={v:g} Hz must be inside (0, {nyquist:g}) for sample_rate={sample_rate:g}")
    if want == 2 and not values[0] < values[1]:
        raise ValueError(f"cutoff=({values[0]:g}, {values[1]:g}) Hz: the band edges must be increasing")
    return cut.reshape(-1)


def _prototype(order: int) -> Tensor:
    """Poles of the analog Butterworth prototype (cut-off 1 rad/s), complex128 ``(order,)``."""
    m = torch.arange(-order + 1, order, 2, dtype=torch.float64)
    return -torch.exp(1j * math.pi * m / (2 * order))


def _analog(order: int, warped: Tensor, btype: str) -> tuple[Tensor, Tensor, Tensor]:
    """Frequency-transformed analog zeros, poles and gain for the pre-warped edges ``warped``."""
    p = _prototype(order)
    empty = torch.zeros(0, dtype=torch.complex128)
    if btype == "lowpass":
        wo = warped[0]
        return empty, p * wo, wo**order
    if btype == "highpass":
        wo = warped[0]
        poles = wo / p
        gain = torch.real(1 / torch.prod(-p)) * torch.ones_like(wo)
        return torch.zeros(order, dtype=torch.complex128), poles, gain
    bw = warped[1] - warped[0]
    wo = torch.sqrt(warped[0] * warped[1])
    if btype == "bandpass":
        half = p * bw / 2
        root = torch.sqrt(half**2 - wo**2)
        poles = torch.cat([half + root, half - root])
        return torch.zeros(order, dtype=torch.complex128), poles, bw**order
    # bandstop
    half = (bw / 2) / p
    root = torch.sqrt(half**2 - wo**2)
    poles = torch.cat([half + root, half - root])
    notch = 1j * wo * torch.ones(order, dtype=torch.complex128)
    zeros = torch.cat([notch, -notch])
    gain = torch.real(1 / torch.prod(-p)) * torch.ones_like(wo)
    return zeros, poles, gain


def _bilinear(z: Tensor, p: Tensor, k: Tensor, fs2: float) -> tuple[Tensor, Tensor, Tensor]:
    """Map analog roots to the z-plane; zeros at infinity land on z = -1."""
    degree = p.numel() - z.numel()
    zd = torch.cat([(fs2 + z) / (fs2 - z), -torch.ones(degree, dtype=torch.complex128)])
    pd = (fs2 + p) / (fs2 - p)
    kd = k * torch.real(torch.prod(fs2 - z) / torch.prod(fs2 - p))
    return zd, pd, kd


def _split(roots: np.ndarray) -> tuple[list[int], list[int]]:
    """Indices of one representative of each conjugate pair (positive imaginary part) and of the
    real roots, each ordered by real part, then by imaginary magnitude."""
    tol = 100 * np.finfo(np.float64).eps
    order = np.lexsort((np.abs(roots.imag), roots.real))
    real = [int(i) for i in order if abs(roots[i].imag) <= tol * abs(roots[i])]
    upper = [int(i) for i in order if roots[i].imag > tol * abs(roots[i])]
    return upper, real


def _pairing(z: np.ndarray, p: np.ndarray) -> list[tuple[list[tuple[int, bool]], list[tuple[int, bool]]]]:
    """Decide the biquads: for each section (in output order) its zeros and poles, each given as
    ``(index, conjugate_pair)``; index -1 stands for a root at the origin (padding)."""
    zc, zr = _split(z)
    pc, pr = _split(p)
    # candidates: (index, is_complex); the padding root at 0 has index -1
    zeros = [(i, True) for i in zc] + [(i, False) for i in zr]
    poles = [(i, True) for i in pc] + [(i, False) for i in pr]
    if (len(zc) * 2 + len(zr)) % 2 == 1:
        zeros.append((-1, False))
        poles.append((-1, False))

    def value(root, source):
        return 0j if root[0] < 0 else complex(source[root[0]].real, 0.0) if not root[1] else complex(source[root[0]])

    def worst(candidates):
        return min(range(len(candidates)), key=lambda j: (abs(1 - abs(value(candidates[j], p))), j))

    def nearest(target: complex, which: str) -> int:
        ranked = sorted(range(len(zeros)), key=lambda j: (abs(value(zeros[j], z) - target), j))
        for j in ranked:
            is_complex = zeros[j][1]
            if which == "any" or (which == "complex") == is_complex:
                return j
        raise AssertionError("no zero of the requested kind")

    n_sections = (2 * len(pc) + len(pr) + (1 if poles and poles[-1][0] == -1 else 0)) // 2
    sections = [None] * n_sections
    for si in range(n_sections - 1, -1, -1):
        p1 = poles.pop(worst(poles))
        target = value(p1, p)
        n_real_poles = sum(1 for q in poles if not q[1])
        n_real_zeros = sum(1 for q in zeros if not q[1])
        if not p1[1] and n_real_poles == 0:
            z1 = zeros.pop(nearest(target, "real"))
            sections[si] = ([z1, (-1, False)], [p1, (-1, False)])
        elif len(poles) + 1 == len(zeros) and p1[1] and n_real_poles == 1 and n_real_zeros == 1:
            z1 = zeros.pop(nearest(target, "complex"))
            sections[si] = ([z1], [p1])
        else:
            if p1[1]:
                pole_pair = [p1]
            else:
                reals = [j for j, q in enumerate(poles) if not q[1]]
                j2 = reals[min(range(len(reals)), key=lambda r: (abs(1 - abs(value(poles[reals[r]], p))), r))]
                pole_pair = [p1, poles.pop(j2)]
            z1 = zeros.pop(nearest(target, "any"))
            if z1[1]:
                sections[si] = ([z1], pole_pair)
            else:
                z2 = zeros.pop(nearest(target, "real"))
                sections[si] = ([z1, z2], pole_pair)
    return sections


def _poly(roots: list[tuple[int, bool]], values: Tensor) -> Tensor:
    """``[1, c1, c2]`` of the monic polynomial with the given roots (a conjugate pair counts twice)."""
    one = torch.ones((), dtype=torch.float64)
    zero = torch.zeros((), dtype=torch.float64)
    if len(roots) == 1:  # a conjugate pair
        r = values[roots[0][0]]
        return torch.stack([one, -2 * r.real, r.real * r.real + r.imag * r.imag])
    reals = [zero if i < 0 else values[i].real for i, _ in roots]
    return torch.stack([one, -(reals[0] + reals[1]), reals[0] * reals[1]])


def butter(order: int, cutoff, *, sample_rate: float, btype: str = "lowpass") -> Tensor:
    """Digital Butterworth filter as second-order sections, equal to
    ``scipy.signal.butter(order, cutoff, btype, fs=sample_rate, output="sos")``.

    Args:
        order: filter order, >= 1 (band filters get ``2 * order`` poles, as in scipy).
        cutoff: -3 dB frequency in Hz, or a pair ``(low, high)`` for ``"bandpass"``/``"bandstop"``;
            a float tensor with ``requires_grad`` gives gradients through the coefficients.
        sample_rate: in Hz.
        btype: ``"lowpass"``, ``"highpass"``, ``"bandpass"`` or ``"bandstop"``.

    Shape:
        returns ``(n_sections, 6)`` float64 rows ``[b0, b1, b2, a0=1, a1, a2]``.

    >>> sos = butter(4, 1000.0, sample_rate=16000)
    >>> sos.shape, sos.dtype
    (torch.Size([2, 6]), torch.float64)
    >>> round(float(sos[:, :3].sum(1).prod() / sos[:, 3:].sum(1).prod()), 6)  # unit gain at DC
    1.0
    """
    if isinstance(order, bool) or int(order) != order or order < 1:
        raise ValueError(f"order={order} must be an integer >= 1")
    order = int(order)
    if btype not in BTYPES:
        raise ValueError(f"btype={btype!r} must be one of lowpass, highpass, bandpass, bandstop")
    btype = BTYPES[btype]
    cut = _check_cutoff(cutoff, sample_rate, btype)
    fs2 = 4.0  # design at fs = 2 (normalised frequencies), as the bilinear map 2 * fs
    warped = fs2 * torch.tan(math.pi * (2 * cut / sample_rate) / 2)  # pre-warped edges, rad/s (fs = 2)
    z, p, k = _analog(order, warped, btype)
    z, p, k = _bilinear(z, p, k, fs2)
    sections = _pairing(z.detach().numpy(), p.detach().numpy())
    rows = [torch.cat([_poly(zs, z), _poly(ps, p)]) for zs, ps in sections]
    first = torch.cat([rows[0][:3] * k, rows[0][3:]])  # the whole gain goes into the first section
    return torch.stack([first] + rows[1:])  # (n_sections, 6)


def buttord(passband, stopband, *, gpass: float, gstop: float, sample_rate: float) -> tuple[int, float | tuple[float, float]]:
    """Lowest Butterworth order meeting a pass-band ripple and stop-band attenuation, equal to
    ``scipy.signal.buttord(passband, stopband, gpass, gstop, fs=sample_rate)``.

    Args:
        passband: pass-band edge in Hz (a pair for band filters).
        stopband: stop-band edge in Hz (a pair for band filters). The filter type follows from
            their placement (``stop > pass``: low-pass; ``stop < pass``: high-pass; a stop pair
            outside the pass pair: band-pass; inside: band-stop).
        gpass: maximum loss in the pass band, dB (> 0).
        gstop: minimum attenuation in the stop band, dB (> gpass).
        sample_rate: in Hz.

    Returns:
        ``(order, cutoff)``: feed them to :func:`butter` (cutoff in Hz, a pair for band filters).

    >>> order, cutoff = buttord(1000, 2000, gpass=1, gstop=40, sample_rate=16000)
    >>> order, round(cutoff, 1)
    (8, 1085.6)
    """
    return _buttord_search(passband, stopband, gpass=gpass, gstop=gstop, sample_rate=sample_rate)
