"""STFT / iSTFT against a numpy framing + rfft reference, reconstruction, gradients."""
import numpy as np
import pytest
import torch

from senhance.dsp import Istft, Stft, istft, log_magnitude, magnitude, make_window, stft


def _numpy_stft(x, n_fft, hop, win_length):
    """Independent reference: reflect-pad, frame, window (Hann, periodic, centred), rfft."""
    pad = n_fft // 2
    xp = np.pad(x, (pad, pad), mode="reflect")
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win_length) / win_length)
    left = (n_fft - win_length) // 2
    window = np.zeros(n_fft)
    window[left:left + win_length] = w
    n_frames = 1 + (len(xp) - n_fft) // hop
    frames = np.stack([xp[m * hop:m * hop + n_fft] * window for m in range(n_frames)], 1)  # (n_fft, N)
    return np.fft.rfft(frames, axis=0)


@pytest.mark.parametrize("n_fft, hop, win_length", [(256, 64, None), (512, 128, 400), (64, 16, 64)])
def test_stft_matches_numpy(rng, n_fft, hop, win_length):
    x = rng.standard_normal(1001)
    spec = stft(torch.from_numpy(x), n_fft=n_fft, hop_length=hop, win_length=win_length)
    ref = _numpy_stft(x, n_fft, hop, win_length or n_fft)
    assert spec.shape == ref.shape == (n_fft // 2 + 1, 1 + 1001 // hop)
    np.testing.assert_allclose(spec.numpy(), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype, atol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
@pytest.mark.parametrize("length", [1000, 1001, 777])
def test_perfect_reconstruction(dtype, atol, length):
    x = torch.randn(2, 3, length, dtype=dtype)
    for n_fft, hop, win_length in ((256, 64, None), (512, 160, 400), (320, 160, None)):
        spec = stft(x, n_fft=n_fft, hop_length=hop, win_length=win_length)
        assert spec.shape[:3] == (2, 3, n_fft // 2 + 1)
        y = istft(spec, n_fft=n_fft, hop_length=hop, win_length=win_length, length=length)
        torch.testing.assert_close(y, x, atol=atol, rtol=0)


def test_batched_equals_per_item_and_modules():
    x = torch.randn(2, 1, 800)
    spec = Stft(n_fft=128, hop_length=32)(x)
    torch.testing.assert_close(spec[1, 0], stft(x[1, 0], n_fft=128, hop_length=32))
    torch.testing.assert_close(Istft(n_fft=128, hop_length=32)(spec, length=800), x, atol=1e-5, rtol=0)
    assert Stft(n_fft=128, hop_length=32).state_dict() == {}


@pytest.mark.parametrize("window", ["hann", "sqrt_hann", "hamming", "blackman"])
def test_windows_reconstruct_and_match_scipy(window):
    import scipy.signal as ss

    names = {"hann": "hann", "hamming": "hamming", "blackman": "blackman"}
    w = make_window(window, 256, dtype=torch.float64)
    if window in names:
        np.testing.assert_allclose(w.numpy(), ss.get_window(names[window], 256, fftbins=True), atol=1e-12)
    else:
        np.testing.assert_allclose(w.numpy() ** 2, ss.get_window("hann", 256, fftbins=True), atol=1e-12)
    x = torch.randn(2, 1000, dtype=torch.float64)
    stft_module = Stft(n_fft=256, hop_length=64, window=window).double()
    istft_module = Istft(n_fft=256, hop_length=64, window=window).double()
    torch.testing.assert_close(istft_module(stft_module(x), length=1000), x, atol=1e-10, rtol=0)
    with pytest.raises(ValueError, match="window='kaiser'"):
        Stft(n_fft=256, hop_length=64, window="kaiser")


def test_gradcheck():
    x = torch.randn(1, 64, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: torch.view_as_real(stft(a, n_fft=16, hop_length=4)), (x,), fast_mode=True)
    spec = stft(x.detach(), n_fft=16, hop_length=4).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: istft(s, n_fft=16, hop_length=4, length=64), (spec,), fast_mode=True)


def test_magnitudes():
    spec = torch.tensor([3 + 4j, 0j], dtype=torch.complex128)
    torch.testing.assert_close(magnitude(spec), torch.tensor([5.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(magnitude(spec, power=2.0), torch.tensor([25.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(log_magnitude(spec, eps=1e-6), torch.log(torch.tensor([5 + 1e-6, 1e-6], dtype=torch.float64)))


def test_bad_input():
    with pytest.raises(ValueError, match="hop_length=0"):
        stft(torch.zeros(100), n_fft=32, hop_length=0)
    with pytest.raises(ValueError, match="win_length=64"):
        stft(torch.zeros(100), n_fft=32, hop_length=8, win_length=64)
    with pytest.raises(ValueError, match="x has 10 samples"):
        stft(torch.zeros(10), n_fft=32, hop_length=8)
    with pytest.raises(ValueError, match="17 frequency bins"):
        istft(torch.zeros(5, 3, dtype=torch.complex64), n_fft=32, hop_length=8)
    with pytest.raises(ValueError, match="NaN or Inf"):
        stft(torch.full((100,), float("nan")), n_fft=32, hop_length=8)
