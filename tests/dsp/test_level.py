"""Normalisation and silence trimming against hand-computed levels."""
import numpy as np
import pytest
import torch

from senhance.dsp import NormalizePeak, NormalizeRms, TrimSilence, normalize_peak, normalize_rms, trim_silence


def test_normalize_peak_and_rms(rng):
    x = torch.from_numpy(rng.standard_normal((2, 3, 500)))
    y = normalize_peak(x, peak_db=-6.0)
    np.testing.assert_allclose(y.abs().amax(-1).numpy(), 10 ** (-6 / 20), rtol=1e-12)
    ratio = (y / x).reshape(6, 500)
    assert torch.allclose(ratio, ratio[:, :1].expand_as(ratio))  # y = alpha * x, one alpha per signal
    z = normalize_rms(x, target_dbfs=-20.0)
    np.testing.assert_allclose(20 * np.log10(z.pow(2).mean(-1).sqrt().numpy()), -20.0, atol=1e-9)
    silent = torch.zeros(1, 10)
    assert torch.equal(normalize_peak(silent), silent) and torch.equal(normalize_rms(silent), silent)


def test_trim_silence():
    sample_rate = 8000
    quiet = 1e-4 * torch.ones(800)  # -80 dB re the tone: removed
    tone = torch.sin(torch.arange(1600) * 0.3)
    x = torch.stack([torch.cat([quiet, tone, quiet]), torch.zeros(3200)])  # (2, 3200)
    y, (start, end) = trim_silence(x, sample_rate, threshold_db=-40.0, frame_ms=10.0)
    assert (start, end) == (800, 2400) and y.shape == (2, 1600)
    torch.testing.assert_close(y, x[:, 800:2400])
    # a lower threshold keeps the quiet parts
    _, kept = trim_silence(x, sample_rate, threshold_db=-100.0, frame_ms=10.0)
    assert kept == (0, 3200)
    whole, kept = trim_silence(torch.zeros(100), sample_rate)
    assert kept == (0, 100)
    with pytest.raises(ValueError, match="threshold_db=3"):
        trim_silence(x, sample_rate, threshold_db=3)


def _reference_scale(x: np.ndarray, level: np.ndarray, target_db: float) -> np.ndarray:
    """``y = 10 ** (target_db / 20) / level * x`` per signal, written in numpy."""
    return x * (10.0 ** (target_db / 20.0) / level)


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_normalize_modules_equal_functions_and_numpy(rng, dtype, rtol):
    x_np = rng.standard_normal((2, 3, 401))
    x = torch.from_numpy(x_np).to(dtype)
    peak = NormalizePeak(peak_db=-3.0)
    rms = NormalizeRms(target_dbfs=-23.0)
    y, z = peak(x), rms(x)
    assert y.dtype == dtype and z.dtype == dtype and y.shape == x.shape
    assert torch.equal(y, normalize_peak(x, -3.0)) and torch.equal(z, normalize_rms(x, -23.0))
    np.testing.assert_allclose(y.numpy(), _reference_scale(x_np, np.abs(x_np).max(-1, keepdims=True), -3.0), rtol=rtol)
    np.testing.assert_allclose(z.numpy(), _reference_scale(x_np, np.sqrt((x_np ** 2).mean(-1, keepdims=True)), -23.0),
                               rtol=rtol)
    assert "peak_db=-3.0" in repr(peak) and "target_dbfs=-23.0" in repr(rms)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_trim_silence_module_equals_function(dtype):
    tone = torch.sin(torch.arange(1200, dtype=dtype) * 0.2)
    x = torch.cat([torch.zeros(2, 400, dtype=dtype), tone.expand(2, -1), torch.zeros(2, 640, dtype=dtype)], -1)
    module = TrimSilence(sample_rate=8000, threshold_db=-30.0, frame_ms=10.0)
    y, span = module(x)
    y_ref, span_ref = trim_silence(x, 8000, -30.0, frame_ms=10.0)
    assert span == span_ref == (400, 1600) and y.dtype == dtype  # 80-sample frames: hand-computed edges
    assert torch.equal(y, y_ref) and torch.equal(y, x[:, 400:1600])
    assert "sample_rate=8000" in repr(module)


def test_level_gradients():
    x = torch.randn(2, 50, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(NormalizePeak(peak_db=-6.0), (x,))
    assert torch.autograd.gradcheck(NormalizeRms(target_dbfs=-20.0), (x,))
    # trimming is a slice: the kept samples get gradient 1, the cut ones 0
    signal = torch.cat([torch.zeros(160), torch.ones(320), torch.zeros(160)]).requires_grad_()
    y, (start, end) = TrimSilence(sample_rate=8000, frame_ms=10.0)(signal)
    y.sum().backward()
    expected = torch.zeros(640)
    expected[start:end] = 1.0
    assert (start, end) == (160, 480) and torch.equal(signal.grad, expected)


@pytest.mark.parametrize("build, message", [
    (lambda: NormalizePeak(peak_db=float("nan")), "peak_db=nan"),
    (lambda: NormalizePeak(peak_db="loud"), "peak_db='loud'"),
    (lambda: NormalizeRms(target_dbfs=float("inf")), "target_dbfs=inf"),
    (lambda: TrimSilence(sample_rate=0), "sample_rate=0"),
    (lambda: TrimSilence(sample_rate=8000.5), "sample_rate=8000.5"),
    (lambda: TrimSilence(sample_rate=8000, threshold_db=6.0), "threshold_db=6.0"),
    (lambda: TrimSilence(sample_rate=8000, frame_ms=0.0), "frame_ms=0.0"),
    (lambda: trim_silence(torch.ones(10), 8000, frame_ms=-1.0), "frame_ms=-1.0"),
    (lambda: normalize_rms(torch.ones(10), target_dbfs=float("nan")), "target_dbfs=nan"),
])
def test_bad_arguments_name_the_value(build, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        build()
