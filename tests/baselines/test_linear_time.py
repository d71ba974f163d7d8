"""The time-domain linear baseline (learned FIR Wiener filter)."""
import numpy as np
import pytest
import scipy.signal
import torch

from baseline_signals import mix, si_sdr_np, voiced, white
from senhance.baselines.linear_time import LinearTimeRegressor, lagged_statistics
from senhance.baselines.normal_equations import NormalEquations


def _design_numpy(x: np.ndarray, taps: int, lookahead: int) -> np.ndarray:
    """Reference lagged matrix built sample by sample: row t = x[t - (taps - 1 - lookahead) + k]."""
    rows = np.zeros((len(x), taps))
    for t in range(len(x)):
        for k in range(taps):
            u = t - (taps - 1 - lookahead) + k
            if 0 <= u < len(x):
                rows[t, k] = x[u]
    return rows


@pytest.mark.parametrize("length,taps,lookahead", [(400, 9, 4), (400, 9, 0), (37, 9, 8), (10, 9, 3), (300, 33, 16)])
def test_lagged_statistics_equal_explicit_design(rng, length, taps, lookahead):
    x, y = rng.standard_normal(length), rng.standard_normal(length)
    stats = lagged_statistics(torch.from_numpy(x), torch.from_numpy(y), taps=taps, lookahead=lookahead)
    design = _design_numpy(x, taps, lookahead)
    np.testing.assert_allclose(stats["xtx"].numpy(), design.T @ design, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(stats["xty"].numpy()[:, 0], design.T @ y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(stats["sum_x"].numpy(), design.sum(0), rtol=1e-10, atol=1e-10)
    assert stats["count"] == length


def test_fit_equals_lstsq_on_lagged_design(rng):
    taps, lookahead = 7, 3
    signals = [(rng.standard_normal(n), rng.standard_normal(n)) for n in (120, 200, 90)]
    model = LinearTimeRegressor(taps=taps, lookahead=lookahead)
    acc = model.new_statistics()
    longest = max(len(x) for x, _ in signals)
    noisy = torch.zeros(3, 1, longest, dtype=torch.float64)
    clean = torch.zeros_like(noisy)
    for b, (x, y) in enumerate(signals):
        noisy[b, 0, : len(x)] = torch.from_numpy(x)
        clean[b, 0, : len(y)] = torch.from_numpy(y)
    model.accumulate(acc, noisy, clean, torch.tensor([len(x) for x, _ in signals]))
    weight, bias = acc.solve()
    design = np.vstack([np.hstack([_design_numpy(x, taps, lookahead), np.ones((len(x), 1))]) for x, _ in signals])
    ref = np.linalg.lstsq(design, np.concatenate([y for _, y in signals]), rcond=None)[0]
    np.testing.assert_allclose(weight[:, 0].numpy(), ref[:-1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(bias.numpy(), ref[-1:], rtol=1e-8, atol=1e-10)


def test_streaming_batches_equal_one_batch(rng):
    noisy = torch.from_numpy(rng.standard_normal((4, 1, 300)))
    clean = torch.from_numpy(rng.standard_normal((4, 1, 300)))
    model = LinearTimeRegressor(taps=11)
    one, two = model.new_statistics(), model.new_statistics()
    model.accumulate(one, noisy, clean)
    model.accumulate(two, noisy[:1], clean[:1])
    model.accumulate(two, noisy[1:], clean[1:])
    for a, b in zip(one.solve(), two.solve()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_recovers_a_known_fir_filter(rng):
    """clean = scipy.signal.lfilter(h, 1, noisy): a causal fit with taps >= len(h) finds h exactly."""
    h = np.array([0.5, -0.25, 0.125, 0.3])
    x = rng.standard_normal(2000)
    y = scipy.signal.lfilter(h, [1.0], x)
    model = LinearTimeRegressor(taps=6, lookahead=0)
    acc = model.new_statistics()
    model.accumulate(acc, torch.from_numpy(x).view(1, 1, -1), torch.from_numpy(y).view(1, 1, -1))
    model.set_solution(*acc.solve())
    expected = np.zeros(6)
    expected[6 - 1 - np.arange(4)] = h  # weight[K-1-j] multiplies x[t-j]
    np.testing.assert_allclose(model.weight.numpy(), expected, atol=1e-5)
    out = model(torch.from_numpy(x).float().view(1, 1, -1))[0, 0].numpy()
    np.testing.assert_allclose(out, y, atol=1e-4)


def test_unfitted_model_is_identity_and_keeps_shape():
    x = torch.randn(2, 3, 101)
    torch.testing.assert_close(LinearTimeRegressor()(x), x)


def test_fitted_filter_reduces_white_noise():
    model = LinearTimeRegressor(taps=65)
    acc = model.new_statistics()
    for seed in range(3):
        clean = voiced(1.0, seed=seed, f0=120 + 30 * seed)
        model.accumulate(acc, mix(clean, white(len(clean), seed=10 + seed), 0.0).view(1, 1, -1), clean.view(1, 1, -1))
    model.set_solution(*acc.solve(1e-4))
    clean = voiced(1.0, seed=7, f0=150)
    noisy = mix(clean, white(len(clean), seed=99), 0.0)
    out = model(noisy.view(1, 1, -1))[0, 0]
    assert out.shape == noisy.shape and torch.isfinite(out).all()
    assert si_sdr_np(out, clean) > si_sdr_np(noisy, clean) + 4.0


def test_save_load_round_trip(tmp_path, rng):
    from senhance.checkpoint import load_package, save_package

    model = LinearTimeRegressor(taps=9, lookahead=2)
    acc = model.new_statistics()
    model.accumulate(acc, torch.from_numpy(rng.standard_normal((2, 1, 300))), torch.from_numpy(rng.standard_normal((2, 1, 300))))
    model.set_solution(*acc.solve())
    path = save_package(tmp_path / "linear.pt", model, sample_rate=16000)
    loaded, package = load_package(path)
    assert type(loaded) is LinearTimeRegressor and loaded.init_kwargs == {"sample_rate": 16000, "taps": 9, "lookahead": 2}
    x = torch.randn(1, 1, 500)
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)

    import senhance

    enhancer = senhance.load(str(path))
    assert enhancer.sample_rate == 16000
    y = enhancer.enhance(x[0], 16000)
    torch.testing.assert_close(y, model(x)[0], rtol=1e-6, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="taps"):
        LinearTimeRegressor(taps=0)
    with pytest.raises(ValueError, match="lookahead"):
        LinearTimeRegressor(taps=5, lookahead=5)
    with pytest.raises(ValueError, match="noisy, clean"):
        LinearTimeRegressor().accumulate(NormalEquations(num_features=129, num_targets=1), torch.zeros(1, 1, 10), torch.zeros(1, 1, 9))
