"""The spectral linear baseline (per-bin regression on log-magnitude context)."""
import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression

from baseline_signals import mix, pink, si_sdr_np, voiced, white
from senhance.baselines.linear_spectral import LinearSpectralRegressor, context_features


def test_context_features_match_hand_built_neighbourhoods(rng):
    x = torch.from_numpy(rng.standard_normal((2, 5, 7)))
    feats = context_features(x, past=2, lookahead=1, freq_context=1).numpy()
    assert feats.shape == (2, 5, 7, 3 * 4)
    a = x.numpy()
    for g, f, n in [(0, 0, 0), (1, 2, 3), (0, 4, 6), (1, 1, 1)]:
        expected = [a[g, min(max(f + df, 0), 4), min(max(n + dn, 0), 6)] for df in (-1, 0, 1) for dn in (-2, -1, 0, 1)]
        np.testing.assert_allclose(feats[g, f, n], expected)


def test_unfitted_model_passes_audio_through():
    x = 0.1 * torch.randn(1, 2, 3000)
    for target in ("mask", "log_magnitude"):
        out = LinearSpectralRegressor(target=target)(x)
        assert out.shape == x.shape
        torch.testing.assert_close(out, x, atol=1e-4, rtol=0)


def test_per_bin_fit_equals_sklearn(rng):
    model = LinearSpectralRegressor(n_fft=64, hop_length=16, past=1, lookahead=1, freq_context=1)
    noisy = torch.from_numpy(rng.standard_normal((2, 1, 800))).float()
    clean = torch.from_numpy(rng.standard_normal((2, 1, 800))).float()
    acc = model.new_statistics()
    model.accumulate(acc, noisy[:1], clean[:1])
    model.accumulate(acc, noisy[1:], clean[1:])  # streamed in two batches
    weight, bias = acc.solve()
    # reference rows for bin 5 from torch.stft, built independently of the model
    rows, targets = [], []
    for b in range(2):
        spec_n = torch.stft(noisy[b, 0].double(), 64, 16, window=torch.hann_window(64, dtype=torch.float64), return_complex=True).abs()
        spec_c = torch.stft(clean[b, 0].double(), 64, 16, window=torch.hann_window(64, dtype=torch.float64), return_complex=True).abs()
        logmag = torch.log(spec_n + 1e-4).numpy()
        frames = logmag.shape[1]
        for n in range(frames):
            rows.append([logmag[f, min(max(n + dn, 0), frames - 1)] for f in (4, 5, 6) for dn in (-1, 0, 1)])
            targets.append(min(float(spec_c[5, n] / (spec_n[5, n] + 1e-12)), 1.0))
    sk = LinearRegression().fit(np.array(rows), np.array(targets))
    np.testing.assert_allclose(weight[5, :, 0].numpy(), sk.coef_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bias[5, 0].item(), sk.intercept_, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("target", ["mask", "log_magnitude"])
def test_fitted_model_reduces_noise(target):
    model = LinearSpectralRegressor(target=target)
    acc = model.new_statistics()
    for seed in range(3):
        clean = voiced(1.0, seed=seed, f0=110 + 40 * seed)
        noise = white(len(clean), seed=20 + seed) if seed % 2 else pink(len(clean), seed=20 + seed)
        model.accumulate(acc, mix(clean, noise, 0.0).view(1, 1, -1), clean.view(1, 1, -1))
    model.set_solution(*acc.solve(1e-3))
    clean = voiced(1.0, seed=5, f0=170)
    noisy = mix(clean, white(len(clean), seed=77), 0.0)
    out = model(noisy.view(1, 1, -1))[0, 0]
    assert out.shape == noisy.shape and torch.isfinite(out).all()
    assert si_sdr_np(out, clean) > si_sdr_np(noisy, clean) + 3.0


def test_save_load_round_trip(tmp_path):
    from senhance.checkpoint import load_package, save_package

    model = LinearSpectralRegressor(n_fft=128, hop_length=32, past=1, lookahead=0)
    model.weight.normal_(0, 0.01)
    model.bias.fill_(0.7)
    path = save_package(tmp_path / "spectral.pt", model, sample_rate=16000)
    loaded, _ = load_package(path)
    x = torch.randn(1, 1, 999)
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_short_input_and_bad_arguments():
    model = LinearSpectralRegressor()
    assert model(torch.randn(1, 1, 100)).shape == (1, 1, 100)  # shorter than one frame
    acc = model.new_statistics()
    model.accumulate(acc, torch.randn(1, 1, 100), torch.randn(1, 1, 100))  # skipped, nothing to learn
    assert acc.count == 0
    with pytest.raises(ValueError, match="target"):
        LinearSpectralRegressor(target="phase")
    with pytest.raises(ValueError, match="hop_length"):
        LinearSpectralRegressor(n_fft=64, hop_length=64)
    with pytest.raises(ValueError, match="noisy"):
        model(torch.randn(100))


def test_chunked_gain_equals_whole_signal_gain():
    model = LinearSpectralRegressor(past=3, lookahead=1, freq_context=2)
    model.weight.normal_(0, 0.1)
    model.bias.normal_(0.5, 0.1)
    magnitude = torch.rand(2, 257, 61) * 3
    features = context_features(torch.log(magnitude + model.eps), past=3, lookahead=1, freq_context=2)
    expected = (features @ model.weight.unsqueeze(-1)).squeeze(-1)  # (G, F, N, D) @ (F, D, 1)
    expected = (expected + model.bias[:, None]).clamp(0, 1)
    for chunk in (1, 7, 61, 1000):
        torch.testing.assert_close(model.gain(magnitude, chunk_frames=chunk), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"past": 3, "lookahead": 0, "freq_context": 2}, {"past": 0, "lookahead": 0, "freq_context": 0}])
def test_structured_statistics_equal_materialised_features(rng, kw):
    """The lag-product shortcut adds exactly what NormalEquations.update adds for the explicit feature rows."""
    from senhance.baselines.normal_equations import NormalEquations

    model = LinearSpectralRegressor(n_fft=64, hop_length=16, **kw)
    logmag = torch.from_numpy(rng.standard_normal((2, 33, 40)))
    target = torch.from_numpy(rng.standard_normal((2, 33, 40)))
    stats = model._band_statistics(logmag, target)
    feats = context_features(logmag, past=model.past, lookahead=model.lookahead, freq_context=model.freq_context)
    reference = NormalEquations(num_features=model.num_features, num_targets=1, groups=(33,))
    reference.update(feats.permute(1, 0, 2, 3).reshape(33, -1, model.num_features), target.permute(1, 0, 2).reshape(33, -1, 1))
    assert stats["count"] == reference.count
    for key in ("xtx", "xty", "sum_x", "sum_y"):
        torch.testing.assert_close(stats[key], getattr(reference, key), rtol=1e-12, atol=1e-11)
