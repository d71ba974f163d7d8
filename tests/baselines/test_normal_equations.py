"""The streaming closed-form fit against numpy.linalg.lstsq and scikit-learn."""
import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression, Ridge

from senhance.baselines.normal_equations import NormalEquations


def _problem(rng, rows=200, features=5, targets=2):
    x = rng.standard_normal((rows, features)) + rng.standard_normal(features)  # non-zero means
    w = rng.standard_normal((features, targets))
    y = x @ w + 0.3 + 0.1 * rng.standard_normal((rows, targets))
    return x, y


def _fit(x, y, splits=(), **solve):
    acc = NormalEquations(num_features=x.shape[1], num_targets=y.shape[1])
    for xs, ys in zip(np.split(x, splits), np.split(y, splits)):
        acc.update(torch.from_numpy(xs), torch.from_numpy(ys))
    w, b = acc.solve(**solve)
    return w.numpy(), b.numpy()


def test_fit_equals_lstsq_and_sklearn(rng):
    x, y = _problem(rng)
    w, b = _fit(x, y)
    design = np.hstack([x, np.ones((len(x), 1))])
    ref = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(w, ref[:-1], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(b, ref[-1], rtol=1e-9, atol=1e-10)
    sk = LinearRegression().fit(x, y)
    np.testing.assert_allclose(w, sk.coef_.T, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(b, sk.intercept_, rtol=1e-9, atol=1e-10)


def test_without_intercept_equals_lstsq(rng):
    x, y = _problem(rng)
    w, b = _fit(x, y, fit_intercept=False)
    np.testing.assert_allclose(w, np.linalg.lstsq(x, y, rcond=None)[0], rtol=1e-9, atol=1e-10)
    assert np.all(b == 0)


def test_ridge_equals_sklearn_ridge(rng):
    x, y = _problem(rng)
    w, b = _fit(x, y, ridge=7.5, relative=False)
    sk = Ridge(alpha=7.5).fit(x, y)
    np.testing.assert_allclose(w, sk.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, sk.intercept_, rtol=1e-8, atol=1e-10)


def test_relative_ridge_scales_with_feature_energy(rng):
    x, y = _problem(rng)
    centred = x - x.mean(0)
    alpha = 0.01 * np.mean(np.sum(centred**2, 0))
    w, _ = _fit(x, y, ridge=0.01)
    np.testing.assert_allclose(w, Ridge(alpha=alpha).fit(x, y).coef_.T, rtol=1e-8)


def test_streaming_batches_equal_one_fit(rng):
    x, y = _problem(rng, rows=301)
    one = _fit(x, y)
    streamed = _fit(x, y, splits=[1, 50, 51, 200])
    np.testing.assert_allclose(streamed[0], one[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(streamed[1], one[1], rtol=1e-10, atol=1e-12)


def test_merge_equals_sequential(rng):
    x, y = _problem(rng)
    a = NormalEquations(num_features=5, num_targets=2)
    b = NormalEquations(num_features=5, num_targets=2)
    a.update(torch.from_numpy(x[:90]), torch.from_numpy(y[:90]))
    b.update(torch.from_numpy(x[90:]), torch.from_numpy(y[90:]))
    a.merge(b)
    np.testing.assert_allclose(a.solve()[0].numpy(), _fit(x, y)[0], rtol=1e-10)


def test_groups_are_independent_regressions(rng):
    xs, ys = zip(*[_problem(rng, rows=80, features=3, targets=1) for _ in range(4)])
    acc = NormalEquations(num_features=3, num_targets=1, groups=(4,))
    acc.update(torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys)))
    w, b = acc.solve()
    for g in range(4):
        sk = LinearRegression().fit(xs[g], ys[g])
        np.testing.assert_allclose(w[g].numpy(), sk.coef_.T, rtol=1e-9)
        np.testing.assert_allclose(b[g].numpy(), sk.intercept_, rtol=1e-9)


def test_singular_design_gives_lstsq_predictions(rng):
    x, y = _problem(rng, features=3)
    x = np.hstack([x, x[:, :1]])  # duplicated column: X^T X is singular
    w, b = _fit(x, y)
    design = np.hstack([x, np.ones((len(x), 1))])
    ref = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(x @ w + b, design @ ref, rtol=1e-7, atol=1e-8)


def test_bad_input_raises():
    acc = NormalEquations(num_features=3, num_targets=1)
    with pytest.raises(ValueError, match="no rows"):
        acc.solve()
    with pytest.raises(ValueError, match="x: expected"):
        acc.update(torch.zeros(4, 2), torch.zeros(4, 1))
    with pytest.raises(ValueError, match="y: expected"):
        acc.update(torch.zeros(4, 3), torch.zeros(5, 1))
    with pytest.raises(ValueError, match="num_features"):
        NormalEquations(num_features=0, num_targets=1)
    acc.update(torch.randn(10, 3), torch.randn(10, 1))
    with pytest.raises(ValueError, match="ridge"):
        acc.solve(-1.0)
