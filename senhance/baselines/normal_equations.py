"""Streaming least squares: accumulate the normal equations, solve once.

Ordinary least squares (and ridge regression) only need the sufficient statistics
``n``, ``sum(x)``, ``sum(y)``, ``X^T X`` and ``X^T Y``. :class:`NormalEquations` adds them up batch
by batch in float64, so memory depends on the number of features, never on the corpus size, and
:meth:`NormalEquations.solve` gives the same weights as one fit on all rows at once
(``sklearn.linear_model.LinearRegression`` / ``Ridge`` with an intercept; the intercept is not
penalised, as in scikit-learn).

Several independent regressions with the same number of features (e.g. one per frequency bin) are
fitted together by giving the accumulator a leading ``groups`` shape.
"""
from __future__ import annotations

import torch
from torch import Tensor


class NormalEquations:
    """Float64 accumulator of ``X^T X`` and ``X^T Y`` for ``prod(groups)`` independent regressions.

    Args:
        num_features: columns of ``X`` (D).
        num_targets: columns of ``Y`` (M).
        groups: leading shape of independent regressions (``()`` for one).

    Shape:
        ``update(x, y)``: ``x`` is ``(*groups, R, D)`` and ``y`` is ``(*groups, R, M)`` (R rows).
        ``solve()`` returns ``weight (*groups, D, M)`` and ``bias (*groups, M)`` with
        ``y ~= x @ weight + bias``.

    >>> import torch
    >>> x = torch.randn(100, 3, dtype=torch.float64)
    >>> y = x @ torch.tensor([[1.0], [2.0], [-1.0]], dtype=torch.float64) + 0.5
    >>> acc = NormalEquations(num_features=3, num_targets=1)
    >>> acc.update(x[:40], y[:40]); acc.update(x[40:], y[40:])
    >>> weight, bias = acc.solve()
    >>> [round(v, 6) for v in weight[:, 0].tolist()], round(bias.item(), 6)
    ([1.0, 2.0, -1.0], 0.5)
    """

    def __init__(self, *, num_features: int, num_targets: int, groups: tuple[int, ...] = ()):
        if int(num_features) < 1:
            raise ValueError(f"num_features={num_features} must be >= 1")
        if int(num_targets) < 1:
            raise ValueError(f"num_targets={num_targets} must be >= 1")
        self.num_features = int(num_features)
        self.num_targets = int(num_targets)
        self.groups = tuple(int(g) for g in groups)
        opts = dict(dtype=torch.float64)
        self.count = 0
        self.sum_x = torch.zeros(*self.groups, self.num_features, **opts)
        self.sum_y = torch.zeros(*self.groups, self.num_targets, **opts)
        self.xtx = torch.zeros(*self.groups, self.num_features, self.num_features, **opts)
        self.xty = torch.zeros(*self.groups, self.num_features, self.num_targets, **opts)

    def update(self, x: Tensor, y: Tensor) -> None:
        """Add the rows of ``x (*groups, R, D)`` and ``y (*groups, R, M)``."""
        g = len(self.groups)
        if x.dim() != g + 2 or tuple(x.shape[:g]) != self.groups or x.shape[-1] != self.num_features:
            raise ValueError(f"x: expected shape {(*self.groups, 'R', self.num_features)}, got {tuple(x.shape)}")
        if y.shape[:-1] != x.shape[:-1] or y.shape[-1] != self.num_targets:
            raise ValueError(f"y: expected shape {(*x.shape[:-1], self.num_targets)}, got {tuple(y.shape)}")
        x = x.to(torch.float64)
        y = y.to(torch.float64)
        self.count += int(x.shape[-2])
        self.sum_x += x.sum(-2)
        self.sum_y += y.sum(-2)
        xt = x.transpose(-1, -2)  # (*G, D, R)
        self.xtx += xt @ x
        self.xty += xt @ y

    def merge(self, other: "NormalEquations") -> None:
        """Add another accumulator's statistics (e.g. from a worker process)."""
        if (other.num_features, other.num_targets, other.groups) != (self.num_features, self.num_targets, self.groups):
            raise ValueError("other: accumulators have different shapes")
        self.count += other.count
        for name in ("sum_x", "sum_y", "xtx", "xty"):
            getattr(self, name).add_(getattr(other, name))

    def solve(self, ridge: float = 0.0, *, relative: bool = True, fit_intercept: bool = True) -> tuple[Tensor, Tensor]:
        """Least-squares (ridge) weights from the accumulated statistics.

        Args:
            ridge: L2 penalty ``alpha`` on the weights (not on the bias). With ``relative=True`` it is a
                fraction of the mean diagonal of the (centred) ``X^T X``, so the same value works for any
                corpus size; with ``relative=False`` it is scikit-learn's absolute ``alpha``.
            fit_intercept: centre the statistics and return a bias (as scikit-learn); if False the bias is 0.

        Returns:
            ``(weight (*groups, D, M), bias (*groups, M))`` in float64.
        """
        if self.count == 0:
            raise ValueError("NormalEquations.solve: no rows were accumulated (empty training set?)")
        if ridge < 0:
            raise ValueError(f"ridge={ridge} must be >= 0")
        xtx, xty = self.xtx.clone(), self.xty.clone()
        if fit_intercept:
            mean_x = self.sum_x / self.count  # (*G, D)
            mean_y = self.sum_y / self.count  # (*G, M)
            xtx -= self.count * mean_x.unsqueeze(-1) * mean_x.unsqueeze(-2)
            xty -= self.count * mean_x.unsqueeze(-1) * mean_y.unsqueeze(-2)
        eye = torch.eye(self.num_features, dtype=torch.float64)
        if ridge > 0:
            scale = xtx.diagonal(dim1=-2, dim2=-1).mean(-1).clamp_min(1e-300) if relative else torch.tensor(1.0, dtype=torch.float64)
            xtx = xtx + (ridge * scale)[..., None, None] * eye
        weight = _solve_spd(xtx, xty)
        if fit_intercept:
            bias = mean_y - (mean_x.unsqueeze(-2) @ weight).squeeze(-2)
        else:
            bias = torch.zeros(*self.groups, self.num_targets, dtype=torch.float64)
        return weight, bias


def _solve_spd(a: Tensor, b: Tensor) -> Tensor:
    """Solve ``a @ w = b`` for symmetric positive (semi-)definite ``a``: Cholesky, else min-norm lstsq."""
    factor, info = torch.linalg.cholesky_ex(a)
    if bool((info == 0).all()):
        return torch.cholesky_solve(b, factor)
    # singular (e.g. a constant feature): the minimum-norm solution, like numpy.linalg.lstsq
    return torch.linalg.pinv(a, hermitian=True) @ b


def add_statistics(acc: NormalEquations, *, count: int, sum_x: Tensor, sum_y: Tensor, xtx: Tensor, xty: Tensor) -> None:
    """Add precomputed sufficient statistics (e.g. from a structured design matrix) to ``acc``.

    Shape:
        sum_x ``(*groups, D)``, sum_y ``(*groups, M)``, xtx ``(*groups, D, D)``, xty ``(*groups, D, M)``.
    """
    if xtx.shape != acc.xtx.shape or xty.shape != acc.xty.shape:
        raise ValueError(f"xtx/xty: shapes {tuple(xtx.shape)}/{tuple(xty.shape)} do not match the accumulator "
                         f"{tuple(acc.xtx.shape)}/{tuple(acc.xty.shape)}")
    acc.count += int(count)
    acc.sum_x += sum_x.to(torch.float64)
    acc.sum_y += sum_y.to(torch.float64)
    acc.xtx += xtx.to(torch.float64)
    acc.xty += xty.to(torch.float64)
