"""Order selection for Butterworth filters (design-time arithmetic, plain Python floats)."""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import fminbound


def _edges(value, name: str, nyquist: float) -> list[float]:
    values = [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64))]
    if len(values) not in (1, 2):
        raise ValueError(f"{name}={value} must be one frequency or a pair (low, high)")
    for v in values:
        if not 0 < v < nyquist:
            raise ValueError(f"{name}={v:g} Hz must be inside (0, {nyquist:g})")
    if len(values) == 2 and not values[0] < values[1]:
        raise ValueError(f"{name}=({values[0]:g}, {values[1]:g}) Hz: the band edges must be increasing")
    return values


def _order_for(nat: float, gpass: float, gstop: float) -> float:
    """Real-valued order that reaches ``gstop`` dB at normalised stop frequency ``nat``."""
    big_stop = 10 ** (0.1 * gstop)
    big_pass = 10 ** (0.1 * gpass)
    return math.log10((big_stop - 1.0) / (big_pass - 1.0)) / (2 * math.log10(nat))


def _stop_nat(edges: np.ndarray, stop: np.ndarray) -> float:
    """Normalised stop-band frequency of a band-stop design with pass edges ``edges``."""
    return float(np.min(np.abs(stop * (edges[0] - edges[1]) / (stop**2 - edges[0] * edges[1]))))


def buttord(passband, stopband, *, gpass: float, gstop: float, sample_rate: float):
    """See :func:`senhance.dsp.design.buttord`."""
    if not (sample_rate > 0 and math.isfinite(sample_rate)):
        raise ValueError(f"sample_rate={sample_rate} must be a positive number")
    if not gpass > 0:
        raise ValueError(f"gpass={gpass} dB must be > 0")
    if not gstop > gpass:
        raise ValueError(f"gstop={gstop} dB must be larger than gpass={gpass} dB")
    nyquist = sample_rate / 2
    wp = np.array(_edges(passband, "passband", nyquist)) / nyquist
    ws = np.array(_edges(stopband, "stopband", nyquist)) / nyquist
    if len(wp) != len(ws):
        raise ValueError(f"passband={passband} and stopband={stopband} must both be single or both pairs")
    pass_w = np.tan(np.pi * wp / 2.0)  # pre-warped
    stop_w = np.tan(np.pi * ws / 2.0)
    if len(wp) == 1:
        if wp[0] == ws[0]:
            raise ValueError(f"passband={passband} and stopband={stopband} must differ")
        kind = "lowpass" if wp[0] < ws[0] else "highpass"
        nat = stop_w[0] / pass_w[0] if kind == "lowpass" else pass_w[0] / stop_w[0]
    elif wp[0] < ws[0] and ws[1] < wp[1]:
        kind = "bandstop"

        def objective(edge, index):
            trial = pass_w.copy()
            trial[index] = edge
            return _order_for(_stop_nat(trial, stop_w), gpass, gstop)

        low = fminbound(objective, pass_w[0], stop_w[0] - 1e-12, args=(0,), disp=0)
        high = fminbound(objective, stop_w[1] + 1e-12, pass_w[1], args=(1,), disp=0)
        pass_w = np.array([float(low), float(high)])
        nat = _stop_nat(pass_w, stop_w)
    elif ws[0] < wp[0] and wp[1] < ws[1]:
        kind = "bandpass"
        nat = float(np.min(np.abs((stop_w**2 - pass_w[0] * pass_w[1]) / (stop_w * (pass_w[0] - pass_w[1])))))
    else:
        raise ValueError(f"stopband={stopband} must lie fully inside or fully outside passband={passband}")
    order = int(math.ceil(_order_for(nat, gpass, gstop)))
    w0 = (10 ** (0.1 * gpass) - 1.0) ** (-1.0 / (2.0 * order))  # natural frequency of the prototype
    if kind == "lowpass":
        natural = np.array([w0 * pass_w[0]])
    elif kind == "highpass":
        natural = np.array([pass_w[0] / w0])
    elif kind == "bandstop":
        width = pass_w[1] - pass_w[0]
        disc = math.sqrt(width**2 + 4 * w0**2 * pass_w[0] * pass_w[1])
        natural = np.sort(np.abs([(width + disc) / (2 * w0), (width - disc) / (2 * w0)]))
    else:
        width = pass_w[1] - pass_w[0]
        signed = np.array([-w0, w0])
        natural = np.sort(np.abs(-signed * width / 2.0 + np.sqrt(signed**2 / 4.0 * width**2 + pass_w[0] * pass_w[1])))
    cutoff = np.arctan(natural) * 2.0 / np.pi * sample_rate / 2
    if len(cutoff) == 1:
        return order, float(cutoff[0])
    return order, (float(cutoff[0]), float(cutoff[1]))
