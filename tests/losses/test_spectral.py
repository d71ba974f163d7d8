"""Spectral losses against a numpy STFT written out by hand (reflect padding, Hann, rfft)."""
import numpy as np
import pytest
import torch

from senhance.losses import CompressedSpectralLoss, MaskMSELoss, MultiResolutionSTFTLoss, compressed_spectral_loss


def _np_stft(x, n_fft, hop):
    padded = np.pad(x, n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = [padded[i : i + n_fft] * window for i in range(0, len(padded) - n_fft + 1, hop)]
    return np.fft.rfft(np.array(frames), axis=-1).T  # (F, N)


def _signals(seed=0, length=4000):
    rng = np.random.default_rng(seed)
    clean = rng.standard_normal((2, 1, length)) * np.linspace(0.2, 1.0, length)
    estimate = clean + 0.3 * rng.standard_normal((2, 1, length))
    return estimate, clean


def test_mrstft_matches_numpy_reference():
    estimate, clean = _signals()
    resolutions = [(512, 128), (256, 64)]
    expected = 0.0
    for n_fft, hop in resolutions:
        sc, mag = [], []
        for b in range(2):
            e, s = np.abs(_np_stft(estimate[b, 0], n_fft, hop)), np.abs(_np_stft(clean[b, 0], n_fft, hop))
            sc.append(np.linalg.norm(s - e) / np.linalg.norm(s))
            mag.append(np.abs(np.log(np.maximum(s, 1e-7)) - np.log(np.maximum(e, 1e-7))))
        expected += np.mean(sc) + np.mean(mag)
    expected /= 2
    loss = MultiResolutionSTFTLoss(fft_sizes=[512, 256], hop_lengths=[128, 64])
    got = loss(torch.from_numpy(estimate), torch.from_numpy(clean), noisy=None)
    assert float(got) == pytest.approx(expected, rel=1e-6)


def test_compressed_matches_numpy_reference():
    estimate, clean = _signals(1)
    c, w = 0.3, 0.3
    terms = []
    for b in range(2):
        e, s = _np_stft(estimate[b, 0], 512, 128), _np_stft(clean[b, 0], 512, 128)
        ec, sc = np.abs(e) ** c, np.abs(s) ** c
        terms.append(((1 - w) * (sc - ec) ** 2 + w * np.abs(sc * np.exp(1j * np.angle(s)) - ec * np.exp(1j * np.angle(e))) ** 2))
    expected = np.mean(terms)
    got = CompressedSpectralLoss()(torch.from_numpy(estimate), torch.from_numpy(clean), noisy=None)
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_compressed_scaled_copy_hand_value():
    # estimate = g * clean: both terms equal (1 - g^c)^2 |S|^{2c}
    _, clean = _signals(2)
    g, c = 0.5, 0.3
    mean_power = np.mean(np.abs(_np_stft(clean[0, 0], 512, 128)) ** (2 * c))
    got = CompressedSpectralLoss(exponent=c)(torch.from_numpy(g * clean[:1]), torch.from_numpy(clean[:1]), noisy=None)
    assert float(got) == pytest.approx((1 - g**c) ** 2 * mean_power, rel=1e-5)


@pytest.mark.parametrize("g", [0.5, 2.0])
def test_compressed_overestimate_weight_hand_value(g):
    # estimate = g * clean: only g > 1 (louder than the speech everywhere) takes the extra weight a,
    # on the magnitude term only: (1 - g^c)^2 |S|^{2c} ((1 - w)(1 + a [g > 1]) + w)
    _, clean = _signals(2)
    c, w, a = 0.3, 0.3, 1.5
    mean_power = np.mean(np.abs(_np_stft(clean[0, 0], 512, 128)) ** (2 * c))
    loss = CompressedSpectralLoss(exponent=c, complex_weight=w, overestimate_weight=a)
    got = loss(torch.from_numpy(g * clean[:1]), torch.from_numpy(clean[:1]), noisy=None)
    expected = (1 - g**c) ** 2 * mean_power * ((1 - w) * (1 + a * (g > 1)) + w)
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_compressed_rejects_a_negative_overestimate_weight():
    with pytest.raises(ValueError, match="overestimate_weight"):
        CompressedSpectralLoss(overestimate_weight=-1)


def test_mask_mse_hand_values():
    _, noisy = _signals(3)
    noisy_t = torch.from_numpy(noisy)
    loss = MaskMSELoss()
    # clean == noisy: the ideal mask is 1 everywhere; an estimate g * noisy applied mask g
    assert float(loss(0.25 * noisy_t, noisy_t, noisy=noisy_t)) == pytest.approx((1 - 0.25) ** 2, rel=1e-6)
    assert float(loss(noisy_t, noisy_t, noisy=noisy_t)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="noisy"):
        loss(noisy_t, noisy_t)


@pytest.mark.parametrize("loss", [MultiResolutionSTFTLoss(), CompressedSpectralLoss(), MaskMSELoss()])
def test_padding_content_is_ignored(loss):
    estimate, clean = _signals(4)
    lengths = torch.tensor([4000, 2500])
    a, b = torch.from_numpy(estimate.copy()), torch.from_numpy(estimate.copy())
    b[1, :, 2500:] = 50.0
    noisy = torch.from_numpy(clean + 0.5)
    value_a = loss(a, torch.from_numpy(clean), noisy=noisy, lengths=lengths)
    value_b = loss(b, torch.from_numpy(clean), noisy=noisy, lengths=lengths)
    assert float(value_a) == pytest.approx(float(value_b), rel=1e-9)


def test_compressed_gradient_is_finite_on_silence():
    estimate = torch.zeros(1, 1, 2000, requires_grad=True)
    compressed_spectral_loss(estimate, torch.randn(1, 1, 2000), n_fft=512, hop_length=128, window=torch.hann_window(512)).backward()
    assert torch.isfinite(estimate.grad).all()
