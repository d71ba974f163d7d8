"""IIR filtering with second-order sections: ``sosfilt``, ``sosfilt_lfilter``, ``sosfiltfilt``.

Two exact paths compute the same thing as ``scipy.signal.sosfilt``:

* :func:`sosfilt_lfilter`, the reference: one ``torchaudio.functional.lfilter`` call per section.
* :func:`sosfilt`, the fast path: the cascade is written as one linear state-space system (each
  section in a *normal* basis: a scaled rotation for a complex pole pair, so powers of the state
  matrix never blow up near z = 1), and the signal is cut into blocks of
  ``L`` samples. Inside a block the output is a matrix product with the cascade's impulse
  response (a lower-triangular Toeplitz matrix) plus the contribution of the state at the block
  start; the state hops from block to block through ``A**L``, a short linear recursion solved
  with the same blocking trick recursively. Everything is dense matrix products, so it is fast on
  one CPU thread and on GPUs, exact up to rounding, and differentiable in ``x`` and ``sos``.
  The block matrices are built in float64 and the state recursion runs in float64.
"""
from __future__ import annotations

import torch
from torch import Tensor

from senhance.dsp._blocks import sosfilt_blocks
from senhance.dsp._checks import check_signal
from senhance.dsp.design import butter
from senhance.torch_pair import import_torchaudio_functional  # stdlib-only leaf module, below dsp


__all__ = ["sosfilt", "sosfilt_lfilter", "sosfiltfilt", "sosfilt_zi", "check_sos", "SosFilter", "ButterworthFilter"]

def check_sos(sos) -> Tensor:
    """Validate second-order sections ``(n_sections, 6)`` and normalise each row by its ``a0``."""
    sos = sos if isinstance(sos, Tensor) else torch.as_tensor(sos, dtype=torch.float64)
    if sos.dim() != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
        raise ValueError(f"sos must have shape (n_sections, 6), got {tuple(sos.shape)}")
    if not torch.isfinite(sos).all():
        raise ValueError("sos contains NaN or Inf coefficients")
    if torch.any(sos[:, 3].detach() == 0):
        raise ValueError(f"sos[:, 3] (a0) must be non-zero, got {sos[:, 3].tolist()}")
    return sos / sos[:, 3:4]  # a0 = 1 (a no-op for butter's sections)


def sosfilt_lfilter(x: Tensor, sos) -> Tensor:
    """Reference causal filter: one ``torchaudio.functional.lfilter`` per section.

    The recursion runs in float64 (float32 direct-form recursions lose ~1e-3 of the signal
    scale for poles near z = 1, e.g. a 20 Hz high-pass at 48 kHz); the result is cast back.

    Args:
        x: signal.
        sos: ``(n_sections, 6)`` second-order sections (e.g. from :func:`butter`).

    Shape:
        x: ``(..., time)``; returns the same shape and dtype.

    >>> from senhance.dsp import butter
    >>> y = sosfilt_lfilter(torch.ones(1, 4000, dtype=torch.float64), butter(2, 100.0, sample_rate=8000))
    >>> round(float(y[0, -1]), 6)  # a low-pass passes DC
    1.0
    """
    x = check_signal(x)
    sos = check_sos(sos).to(x.device)
    shape = x.shape
    return _sosfilt_recursive(x.reshape(-1, shape[-1]), sos, None).reshape(shape)


def _sosfilt_recursive(x: Tensor, sos: Tensor, zi: Tensor | None) -> Tensor:
    """The lfilter cascade on ``(N, T)`` in float64, with optional state ``zi (N, 2 * n_sections)``
    (added as the zero-input response ``(z1 + z2 z^-1) / A(z)`` of each section)."""
    AF = import_torchaudio_functional()  # a clear error if torchaudio is missing or does not load

    sos = sos.to(torch.float64)
    y = x.to(torch.float64)  # (N, T)
    N, T = y.shape
    for i, section in enumerate(sos):
        a = section[3:].expand(N, 3)
        y = AF.lfilter(y, a, section[:3].expand(N, 3), clamp=False, batching=True)
        if zi is not None:
            kick = torch.nn.functional.pad(zi[:, 2 * i : 2 * i + 2].to(torch.float64), (0, max(0, T - 2)))[:, :T]
            y = y + AF.lfilter(kick, a, torch.eye(1, 3, dtype=a.dtype, device=a.device).expand(N, 3),
                               clamp=False, batching=True)
    return y.to(x.dtype)


def _run(x: Tensor, sos: Tensor, zi: Tensor | None, method: str) -> Tensor:
    if method == "block":
        return sosfilt_blocks(x, sos, zi)
    if method == "recursive":
        return _sosfilt_recursive(x, sos, zi)
    raise ValueError(f"method={method!r} must be 'block' or 'recursive'")


def sosfilt(x: Tensor, sos, *, zi: Tensor | None = None, method: str = "block") -> Tensor:
    """Causal filtering through cascaded biquads, equal to ``scipy.signal.sosfilt``.

    ``method="block"`` (default) is the fast block-matrix path (see the module docstring);
    ``"recursive"`` is the torchaudio lfilter cascade of :func:`sosfilt_lfilter`, the reference.
    Both are differentiable with respect to ``x`` and ``sos``. Measured against scipy (float64),
    down to 20 Hz at 48 kHz, order 10: float64 ~1e-12 relative, float32 ~1e-7 of the signal scale.

    Args:
        x: float signal.
        sos: ``(n_sections, 6)`` second-order sections with ``a0 == 1``.
        zi: optional initial state, scipy's layout ``(n_sections, ..., 2)`` (the ``...`` being
            the leading dims of ``x``, or broadcastable to them).
        method: ``"block"`` or ``"recursive"``.

    Shape:
        x: ``(..., time)``; returns the same shape and dtype.

    >>> import scipy.signal
    >>> from senhance.dsp import butter
    >>> x = torch.randn(2, 3, 1000, dtype=torch.float64)
    >>> sos = butter(4, 300.0, sample_rate=8000)
    >>> y = sosfilt(x, sos)
    >>> y.shape
    torch.Size([2, 3, 1000])
    >>> bool(torch.allclose(y, torch.from_numpy(scipy.signal.sosfilt(sos.numpy(), x.numpy()))))
    True
    """
    x = check_signal(x)
    sos = check_sos(sos).to(x.device)
    shape = x.shape
    flat = x.reshape(-1, shape[-1])  # (N, T)
    state = None
    if zi is not None:
        n = sos.shape[0]
        zi = torch.as_tensor(zi, device=x.device)
        zi = zi.movedim(0, -2).expand(*shape[:-1], n, 2)  # (..., n_sections, 2)
        state = zi.reshape(flat.shape[0], 2 * n)  # (N, d)
    return _run(flat, sos, state, method).reshape(shape)


def sosfilt_zi(sos) -> Tensor:
    """Initial state for the step response steady state, as ``scipy.signal.sosfilt_zi``.

    Shape:
        sos ``(n_sections, 6)``; returns ``(n_sections, 2)``.

    >>> from senhance.dsp import butter
    >>> sosfilt_zi(butter(2, 100.0, sample_rate=8000)).shape
    torch.Size([1, 2])
    """
    sos = check_sos(sos)
    zis = []
    scale = torch.ones((), dtype=sos.dtype, device=sos.device)
    for b0, b1, b2, _, a1, a2 in sos:
        gain = (b0 + b1 + b2) / (1 + a1 + a2)  # DC gain of the section
        z2 = b2 - a2 * gain
        z1 = b1 - a1 * gain + z2
        zis.append(scale * torch.stack([z1, z2]))
        scale = scale * gain
    return torch.stack(zis)


def sosfiltfilt(x: Tensor, sos, padlen: int | None = None, *, method: str = "block") -> Tensor:
    """Zero-phase filtering (forward, then backward), equal to ``scipy.signal.sosfiltfilt``.

    As scipy: the signal is extended at both ends by an odd reflection of ``padlen`` samples
    (default ``3 * (2 * n_sections + 1 - min(#(b2 == 0), #(a2 == 0)))``), and each pass starts
    from the step-response steady state scaled by its first sample, so the edges match too.

    Args:
        x: float signal, longer than ``padlen``.
        sos: ``(n_sections, 6)`` second-order sections.
        padlen: samples of odd extension at each end (0 for none).
        method: as in :func:`sosfilt`.

    Shape:
        x: ``(..., time)``; returns the same shape and dtype.

    >>> import scipy.signal
    >>> from senhance.dsp import butter
    >>> x = torch.randn(3, 500, dtype=torch.float64)
    >>> sos = butter(3, 1000.0, sample_rate=16000, btype="highpass")
    >>> y = sosfiltfilt(x, sos)
    >>> bool(torch.allclose(y, torch.tensor(scipy.signal.sosfiltfilt(sos.numpy(), x.numpy()).copy())))
    True
    """
    x = check_signal(x)
    sos = check_sos(sos).to(x.device)
    n = sos.shape[0]
    if padlen is None:
        taps = 2 * n + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
        padlen = 3 * taps
    if int(padlen) != padlen or padlen < 0:
        raise ValueError(f"padlen={padlen} must be a non-negative integer")
    padlen = int(padlen)
    T = x.shape[-1]
    if padlen > 0 and T <= padlen:
        raise ValueError(f"x has {T} samples; sosfiltfilt needs more than padlen={padlen}")
    if padlen > 0:
        first, last = x[..., :1], x[..., -1:]
        left = 2 * first - x[..., 1 : padlen + 1].flip(-1)
        right = 2 * last - x[..., T - padlen - 1 : T - 1].flip(-1)
        ext = torch.cat([left, x, right], -1)  # (..., T + 2 * padlen)
    else:
        ext = x
    zi = sosfilt_zi(sos.to(torch.float64))  # (n, 2)
    lead = ext.shape[:-1]
    flat = ext.reshape(-1, ext.shape[-1])  # (N, T')
    forward = _run(flat, sos, zi.reshape(1, -1) * flat[:, :1].to(torch.float64), method)
    backward = forward.flip(-1)
    y = _run(backward, sos, zi.reshape(1, -1) * backward[:, :1].to(torch.float64), method).flip(-1)
    y = y.reshape(*lead, -1)
    return y[..., padlen : padlen + T] if padlen > 0 else y


class SosFilter(torch.nn.Module):
    """Module form of :func:`sosfilt` / :func:`sosfiltfilt` for fixed sections (a buffer).

    Args:
        sos: ``(n_sections, 6)`` second-order sections.
        zero_phase: filter forward and backward (:func:`sosfiltfilt`) instead of causally.

    >>> from senhance.dsp import butter
    >>> SosFilter(sos=butter(2, 100.0, sample_rate=8000))(torch.randn(2, 1, 400)).shape
    torch.Size([2, 1, 400])
    """

    def __init__(self, *, sos, zero_phase: bool = False):
        super().__init__()
        self.register_buffer("sos", check_sos(sos).detach().to(torch.float64).clone(), persistent=False)
        self.zero_phase = bool(zero_phase)

    def forward(self, x: Tensor) -> Tensor:
        return sosfiltfilt(x, self.sos) if self.zero_phase else sosfilt(x, self.sos)

    def extra_repr(self) -> str:
        return f"n_sections={self.sos.shape[0]}, zero_phase={self.zero_phase}"


class ButterworthFilter(SosFilter):
    """A Butterworth filter (:func:`butter`) applied with :func:`sosfilt` or :func:`sosfiltfilt`.

    Args:
        order: filter order (>= 1).
        cutoff: Hz, or a pair for ``"bandpass"`` / ``"bandstop"``.
        sample_rate: in Hz.
        btype: ``"lowpass"``, ``"highpass"``, ``"bandpass"`` or ``"bandstop"``.
        zero_phase: forward-backward filtering (squared magnitude response, no delay).

    Shape:
        ``(..., time)`` -> same shape.

    >>> hp = ButterworthFilter(order=4, cutoff=80.0, sample_rate=16000, btype="highpass")
    >>> hp(torch.ones(1, 16000)).abs()[..., 8000:].max() < 1e-3  # DC removed
    tensor(True)
    """

    def __init__(self, *, order: int, cutoff, sample_rate: float, btype: str = "lowpass", zero_phase: bool = False):
        super().__init__(sos=butter(order, cutoff, sample_rate=sample_rate, btype=btype), zero_phase=zero_phase)
        self.order, self.sample_rate, self.btype = int(order), sample_rate, btype
        self.cutoff = tuple(float(c) for c in cutoff) if isinstance(cutoff, (tuple, list)) else float(cutoff)

    def extra_repr(self) -> str:
        return (f"order={self.order}, cutoff={self.cutoff}, sample_rate={self.sample_rate}, "
                f"btype={self.btype!r}, zero_phase={self.zero_phase}")
