"""The time-domain linear baseline: a learned FIR Wiener filter.

Each clean sample is predicted from ``taps`` noisy samples around it,
``estimate[t] = bias + sum_k weight[k] * noisy[t - (taps - 1 - lookahead) + k]`` (zeros outside the
signal). ``lookahead = taps // 2`` (the default) centres the window; ``lookahead = 0`` makes the filter
causal. The weights are the ordinary least-squares (ridge) solution over a training set, accumulated in
one streaming pass (:class:`~senhance.baselines.normal_equations.NormalEquations`).

The lagged design matrix is Toeplitz apart from its first and last rows, so its ``X^T X`` and ``X^T y``
are computed from the FFT auto/cross-correlation plus exact edge corrections
(:func:`lagged_statistics`): O(T log T + taps^2) per signal instead of O(T taps^2).
"""
from __future__ import annotations

import scipy.fft
import torch
import torch.nn.functional as F
from torch import Tensor

from senhance.baselines.normal_equations import NormalEquations, add_statistics
from senhance.models.base import SerializableModule


def lagged_matrix(x: Tensor, *, taps: int, lookahead: int) -> Tensor:
    """The design matrix of the FIR regression: row ``t`` holds the ``taps`` samples around ``x[t]``.

    Shape:
        x: ``(..., T)``; returns a strided view ``(..., T, taps)``.

    >>> lagged_matrix(torch.tensor([1.0, 2.0, 3.0]), taps=3, lookahead=1)
    tensor([[0., 1., 2.],
            [1., 2., 3.],
            [2., 3., 0.]])
    """
    xp = F.pad(x, (taps - 1 - lookahead, lookahead))
    return xp.unfold(-1, taps, 1)


def fir_predict(x: Tensor, weight: Tensor, bias: Tensor, *, lookahead: int) -> Tensor:
    """Apply the learned filter: ``lagged_matrix(x) @ weight + bias`` without building the matrix.

    Shape:
        x: ``(..., T)``; weight: ``(taps,)``; bias: ``()``; returns ``(..., T)``.

    >>> fir_predict(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 1.0]), torch.tensor(0.5), lookahead=1)
    tensor([3.5000, 5.5000, 3.5000])
    """
    taps = weight.shape[-1]
    shape = x.shape
    flat = x.reshape(-1, 1, shape[-1])  # (B, 1, T)
    xp = F.pad(flat, (taps - 1 - lookahead, lookahead))
    out = F.conv1d(xp, weight.to(x.dtype).view(1, 1, taps)) + bias.to(x.dtype)  # (B, 1, T)
    return out.reshape(shape)


def lagged_statistics(x: Tensor, y: Tensor, *, taps: int, lookahead: int) -> dict:
    """``X^T X``, ``X^T y`` and the sums of ``X = lagged_matrix(x)`` and ``y`` for one signal, in float64.

    Shape:
        x, y: ``(T,)``. Returns ``count``, ``sum_x (taps,)``, ``sum_y (1,)``, ``xtx (taps, taps)``,
        ``xty (taps, 1)``: exactly what :meth:`NormalEquations.update` would add for
        ``(lagged_matrix(x), y[:, None])``.
    """
    if x.dim() != 1 or x.shape != y.shape:
        raise ValueError(f"x, y: expected two (T,) signals of equal length, got {tuple(x.shape)} and {tuple(y.shape)}")
    x = x.to(torch.float64)
    y = y.to(torch.float64)
    length, k = x.shape[0], taps
    if length < 2 * k:  # short signal: the explicit matrix is cheap and avoids edge bookkeeping
        mat = lagged_matrix(x, taps=k, lookahead=lookahead)  # (T, K)
        return dict(count=length, sum_x=mat.sum(0), sum_y=y.sum(0, keepdim=True),
                    xtx=mat.T @ mat, xty=mat.T @ y[:, None])
    xp = F.pad(x, (k - 1 - lookahead, lookahead))  # (N,), N = T + K - 1
    n_total = xp.shape[0]
    # scipy.fft at a 5-smooth length is about twice as fast as torch.fft at a power of two here
    n_fft = scipy.fft.next_fast_len(n_total + length - 1, real=True)
    spec = scipy.fft.rfft(xp.numpy(), n_fft)
    auto = torch.from_numpy(scipy.fft.irfft(spec * spec.conj(), n_fft)[:k].copy())  # r[d] = sum_u xp[u] xp[u+d]
    cross = torch.from_numpy(scipy.fft.irfft(spec * scipy.fft.rfft(y.numpy(), n_fft).conj(), n_fft)[:k].copy())
    # edge corrections: xtx[i, i + d] = r[d] - sum_{u < i} xp[u] xp[u + d] - sum_{u >= i + T} xp[u] xp[u + d]
    lag = torch.arange(k)[:, None]  # (K, 1) = d
    pos = torch.arange(k - 1)[None, :]  # (1, K-1) = u offset
    head = xp[pos] * xp[pos + lag]  # (K, K-1): xp[u] xp[u+d], u < K-1
    tail_index = length + pos + lag  # u + d for u = T + offset
    tail = torch.where(tail_index < n_total, xp[length + pos] * xp[tail_index.clamp(max=n_total - 1)], 0.0)
    zero = torch.zeros(k, 1, dtype=torch.float64)
    head_sum = torch.cat([zero, head.cumsum(1)], 1)  # (K, K): [d, i] = sum_{u < i}
    tail_sum = torch.cat([tail.flip(1).cumsum(1).flip(1), zero], 1)  # (K, K): [d, i] = sum_{u >= T + i}
    band = auto[:, None] - head_sum - tail_sum  # (K, K): [d, i] = xtx[i, i + d]
    i = torch.arange(k)
    xtx = band[(i[:, None] - i[None, :]).abs(), torch.minimum(i[:, None], i[None, :])]  # (K, K)
    prefix = torch.cat([torch.zeros(1, dtype=torch.float64), xp.cumsum(0)])  # (N + 1,)
    sum_x = prefix[i + length] - prefix[i]  # (K,)
    return dict(count=length, sum_x=sum_x, sum_y=y.sum(0, keepdim=True), xtx=xtx, xty=cross[:, None])


class LinearTimeRegressor(SerializableModule):
    """Learned FIR Wiener filter ``(B, C, T) -> (B, C, T)`` fitted in closed form.

    Args:
        sample_rate: the rate it is trained and applied at.
        taps: filter length K (default 129 = 8 ms at 16 kHz).
        lookahead: future samples in the window (default ``taps // 2``: centred; 0: causal).

    Attributes:
        latency_samples: ``lookahead``.

    >>> model = LinearTimeRegressor(taps=3)
    >>> acc = model.new_statistics()
    >>> noisy = torch.randn(2, 1, 400); clean = 0.5 * noisy
    >>> model.accumulate(acc, noisy, clean)
    >>> model.set_solution(*acc.solve())
    >>> torch.allclose(model(noisy), clean, atol=1e-5)
    True
    """

    def __init__(self, *, sample_rate: int = 16000, taps: int = 129, lookahead: int | None = None):
        super().__init__()
        if int(sample_rate) <= 0:
            raise ValueError(f"sample_rate={sample_rate} must be positive")
        if int(taps) < 1:
            raise ValueError(f"taps={taps} must be >= 1")
        lookahead = int(taps) // 2 if lookahead is None else int(lookahead)
        if not 0 <= lookahead < int(taps):
            raise ValueError(f"lookahead={lookahead} must be in [0, taps={taps})")
        self.sample_rate = int(sample_rate)
        self.taps = int(taps)
        self.lookahead = lookahead
        self.latency_samples = lookahead
        identity = torch.zeros(self.taps)
        identity[self.taps - 1 - lookahead] = 1.0  # unfitted model = pass-through
        self.register_buffer("weight", identity)
        self.register_buffer("bias", torch.zeros(()))

    def forward(self, noisy: Tensor) -> Tensor:
        """Shape: ``(B, C, T)`` -> ``(B, C, T)`` (any leading dims work)."""
        return fir_predict(noisy, self.weight, self.bias, lookahead=self.lookahead)

    def new_statistics(self) -> NormalEquations:
        """An empty accumulator of the right size for :meth:`accumulate`."""
        return NormalEquations(num_features=self.taps, num_targets=1)

    def accumulate(self, acc: NormalEquations, noisy: Tensor, clean: Tensor, lengths: Tensor | None = None) -> None:
        """Add a padded batch (``(B, C, T)``, valid samples ``lengths (B,)``) to ``acc``."""
        _check_pair(noisy, clean)
        for b in range(noisy.shape[0]):
            valid = noisy.shape[-1] if lengths is None else int(lengths[b])
            for c in range(noisy.shape[1]):
                if valid > 0:
                    add_statistics(acc, **lagged_statistics(noisy[b, c, :valid], clean[b, c, :valid],
                                                            taps=self.taps, lookahead=self.lookahead))

    def set_solution(self, weight: Tensor, bias: Tensor) -> None:
        """Load ``NormalEquations.solve()`` output (``(taps, 1)``, ``(1,)``)."""
        self.weight.copy_(weight.reshape(self.taps).to(self.weight.dtype))
        self.bias.copy_(bias.reshape(()).to(self.bias.dtype))


def _check_pair(noisy: Tensor, clean: Tensor) -> None:
    if noisy.dim() != 3 or noisy.shape != clean.shape:
        raise ValueError(f"noisy, clean: expected equal (B, C, T) shapes, got {tuple(noisy.shape)} and {tuple(clean.shape)}")
