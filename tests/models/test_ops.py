"""Stateful frame operations against plain references (scipy.signal.lfilter, numpy loops, ERB formula)."""
import numpy as np
import scipy.signal
import torch

from senhance.models.erb import erb_band_edges, erb_band_matrix, hz_to_erb
from senhance.models.ops import deep_filter, exponential_mean, limit_attenuation


def test_exponential_mean_matches_lfilter_in_any_chunking():
    x = np.random.default_rng(0).standard_normal((3, 200))
    alpha, init = 0.9, np.array([0.5, -1.0, 2.0])
    # m[t] = alpha m[t-1] + (1 - alpha) x[t]  <=>  lfilter([1 - alpha], [1, -alpha]) with zi = alpha * m[-1]
    reference = np.stack([scipy.signal.lfilter([1 - alpha], [1, -alpha], row, zi=[alpha * m0])[0] for row, m0 in zip(x, init)])
    tx, tinit = torch.from_numpy(x), torch.from_numpy(init)
    whole, last = exponential_mean(tx, tinit, alpha, chunk=64)
    np.testing.assert_allclose(whole.numpy(), reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.numpy(), reference[:, -1], rtol=1e-10)
    state, parts = tinit, []
    for start, stop in [(0, 1), (1, 70), (70, 71), (71, 200)]:
        part, state = exponential_mean(tx[:, start:stop], state, alpha)
        parts.append(part)
    np.testing.assert_allclose(torch.cat(parts, -1).numpy(), reference, rtol=1e-10, atol=1e-12)


def test_deep_filter_matches_complex_loop():
    rng = np.random.default_rng(1)
    K, F, N = 3, 5, 7
    x = rng.standard_normal((1, F, K - 1 + N)) + 1j * rng.standard_normal((1, F, K - 1 + N))
    c = rng.standard_normal((1, K, F, N)) + 1j * rng.standard_normal((1, K, F, N))
    expected = np.zeros((1, F, N), complex)
    for t in range(N):
        for k in range(K):
            expected[:, :, t] += c[:, k, :, t] * x[:, :, K - 1 + t - k]
    out = deep_filter(torch.view_as_real(torch.from_numpy(x)), torch.view_as_real(torch.from_numpy(c)))
    np.testing.assert_allclose(torch.view_as_complex(out).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_limit_attenuation_floors_magnitude_and_keeps_phase():
    rng = np.random.default_rng(2)
    spec = rng.standard_normal((50, 2))
    out = rng.standard_normal((50, 2)) * rng.choice([0.001, 1.0], (50, 1))  # some bins too quiet, some not
    limited = limit_attenuation(torch.from_numpy(out), torch.from_numpy(spec), 0.1).numpy()
    mag_in, mag_out, mag_lim = (np.hypot(*a.T) for a in (spec, out, limited))
    np.testing.assert_allclose(mag_lim, np.maximum(mag_out, 0.1 * mag_in), rtol=1e-10)
    np.testing.assert_allclose(np.arctan2(limited[:, 1], limited[:, 0]), np.arctan2(out[:, 1], out[:, 0]), atol=1e-9)


def test_erb_bands_follow_the_erb_scale():
    edges = erb_band_edges(n_freqs=161, sample_rate=16000, n_bands=32)
    widths = np.diff(edges)
    assert edges[0] == 0 and edges[-1] == 161 and (widths >= 2).all()
    assert (np.diff(widths) >= 0).all()  # bands never get narrower going up (ERB widths grow with frequency)
    # above the minimum-width region, consecutive band centres are about equally spaced in ERB
    centres = [hz_to_erb((a + b - 1) / 2 * 50.0) for a, b in zip(edges[:-1], edges[1:])]
    spacing = np.diff(centres)[-10:]
    assert spacing.max() / spacing.min() < 1.5
    matrix = erb_band_matrix(n_freqs=161, sample_rate=16000, n_bands=32)
    assert torch.equal(matrix.sum(0), torch.ones(161))
