"""resample against scipy.signal.resample_poly and against physics (tones)."""
import math

import numpy as np
import pytest
import scipy.signal as ss
import torch

from senhance.dsp import Resample, resample

PAIRS = [(48000, 44100), (44100, 48000), (48000, 16000), (16000, 48000), (16000, 8000), (8000, 16000), (44100, 16000), (16000, 22050)]


@pytest.mark.parametrize("orig, new", PAIRS)
def test_matches_resample_poly(rng, orig, new):
    for length in (1, 5, 479, 1000):
        x = rng.standard_normal((2, length))
        ref = ss.resample_poly(x, new, orig, axis=-1)
        y = resample(torch.from_numpy(x), orig, new)
        assert y.shape == (2, math.ceil(length * new / orig)) == ref.shape
        np.testing.assert_allclose(y.numpy(), ref, rtol=0, atol=1e-12 * np.abs(x).max())
        y32 = resample(torch.from_numpy(x).float(), orig, new)
        assert y32.dtype == torch.float32
        assert np.abs(y32.numpy() - ref).max() < 1e-5 * np.abs(x).max()


@pytest.mark.parametrize("orig, new", [(48000, 16000), (44100, 16000), (16000, 8000), (48000, 22050)])
def test_tones_below_new_nyquist_pass_above_removed(orig, new):
    n = orig // 2  # 0.5 s
    t = torch.arange(n, dtype=torch.float64) / orig
    keep_hz = 0.4 * new  # 80 % of the new Nyquist
    drop_hz = 0.65 * new  # above the new Nyquist (would alias), below the old one
    kept = resample(torch.sin(2 * math.pi * keep_hz * t), orig, new)
    dropped = resample(torch.sin(2 * math.pi * drop_hz * t), orig, new)
    middle = slice(len(kept) // 4, 3 * len(kept) // 4)  # away from the zero-padded ends
    tk = torch.arange(len(kept), dtype=torch.float64)[middle] / new
    expected = torch.sin(2 * math.pi * keep_hz * tk)
    assert (kept[middle] - expected).abs().max() < 1e-2  # amplitude and phase kept (<= 0.1 dB)
    assert dropped[middle].abs().max() < 3e-3  # > 50 dB down (Kaiser beta = 5)


def test_upsampling_keeps_tone():
    t = torch.arange(8000, dtype=torch.float64) / 8000
    y = resample(torch.sin(2 * math.pi * 1000 * t), 8000, 48000)
    tn = torch.arange(len(y), dtype=torch.float64) / 48000
    middle = slice(len(y) // 4, 3 * len(y) // 4)
    assert (y[middle] - torch.sin(2 * math.pi * 1000 * tn[middle])).abs().max() < 1e-2


def test_shapes_batched_gradcheck_identity():
    x = torch.randn(2, 3, 300, dtype=torch.float64)
    y = resample(x, 16000, 8000)
    assert y.shape == (2, 3, 150)
    torch.testing.assert_close(resample(x[1, 2], 16000, 8000), y[1, 2])
    torch.testing.assert_close(resample(x, 16000, 16000), x)
    xs = torch.randn(1, 30, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: resample(a, 48000, 44100), (xs,), fast_mode=True)
    torch.testing.assert_close(Resample(orig_sample_rate=16000, new_sample_rate=8000)(x), y)


def test_bad_input():
    with pytest.raises(ValueError, match="orig_sample_rate=0"):
        resample(torch.zeros(10), 0, 16000)
    with pytest.raises(ValueError, match="new_sample_rate=16000.5"):
        resample(torch.zeros(10), 8000, 16000.5)
    with pytest.raises(ValueError, match="NaN or Inf"):
        resample(torch.tensor([float("inf"), 0.0]), 8000, 16000)
