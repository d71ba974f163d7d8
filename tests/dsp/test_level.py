"""Normalisation and silence trimming against hand-computed levels."""
import numpy as np
import pytest
import torch

from senhance.dsp import normalize_peak, normalize_rms, trim_silence


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
