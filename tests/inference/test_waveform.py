"""enhance_waveform: the in-memory twin of enhance_file (same blocks, state, soft limit and mix)."""
import numpy as np
import pytest
import soundfile
import torch

from senhance.enhance import enhance_file, enhance_waveform

KNEE = 10 ** (-1 / 20)


def limiter_reference(x):
    """The soft limiter's closed form in numpy (identity below -1 dBFS, tanh knee above)."""
    over = np.abs(x) > KNEE
    return np.where(over, np.sign(x) * (KNEE + (1 - KNEE) * np.tanh((np.abs(x) - KNEE) / (1 - KNEE))), x)


@pytest.mark.parametrize("block_seconds", [0.0137, 10.0])
def test_streaming_model_matches_scipy_and_enhance_file(tmp_path, standins, iir_enhancer, block_seconds):
    src = tmp_path / "in.wav"
    x = standins.make_audio(src, sample_rate=8000, seconds=0.3, channels=2, subtype="FLOAT")
    y = enhance_waveform(iir_enhancer, torch.as_tensor(x, dtype=torch.float32), 8000, block_seconds=block_seconds)
    assert y.shape == x.shape and y.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(), standins.iir_reference(x), atol=1e-6)  # scipy.signal.lfilter
    out = enhance_file(iir_enhancer, src, tmp_path / "out.wav", block_seconds=block_seconds)
    written, _ = soundfile.read(out, dtype="float32", always_2d=True)
    np.testing.assert_array_equal(written.T, y.numpy())  # FLOAT file: bit-identical samples


def test_overlap_add_path_loud_output_and_strength(standins):
    from scipy.signal import firwin, lfilter

    taps = 3.0 * firwin(31, 0.2)  # gain 3: the output crosses full scale
    rng = np.random.default_rng(0)
    x = (0.4 * rng.uniform(-1, 1, 8000) + 0.4 * np.sin(2 * np.pi * 100 * np.arange(8000) / 8000)).astype(np.float32)
    fir = standins.FirEnhancer(taps)
    y = enhance_waveform(fir, torch.from_numpy(x), 8000, block_seconds=0.05)  # (time,) in, (time,) out
    enhanced = lfilter(taps, [1.0], x.astype(np.float64))
    assert y.shape == (8000,) and np.abs(enhanced).max() > 1.2
    np.testing.assert_allclose(y.numpy(), limiter_reference(enhanced), atol=1e-5)
    half = enhance_waveform(fir, torch.from_numpy(x), 8000, strength=0.5, block_seconds=0.05)
    np.testing.assert_allclose(half.numpy(), 0.5 * limiter_reference(enhanced) + 0.5 * x, atol=1e-5)
    assert torch.equal(enhance_waveform(fir, torch.from_numpy(x), 8000, strength=0.0, block_seconds=0.05),
                       torch.from_numpy(x))


def test_bad_arguments_name_the_argument(standins):
    gain = standins.GainEnhancer()
    for kwargs, match in [({"strength": 1.5}, "strength"), ({"block_seconds": 0}, "block_seconds")]:
        with pytest.raises(ValueError, match=match):
            enhance_waveform(gain, torch.zeros(100), 16000, **kwargs)
    with pytest.raises(ValueError, match="NaN"):
        enhance_waveform(gain, torch.tensor([0.0, float("inf")]), 16000)
    with pytest.raises(ValueError, match="shape"):
        enhance_waveform(gain, torch.zeros(1, 1, 10), 16000)
    with pytest.raises(ValueError, match="sample_rate"):
        enhance_waveform(gain, torch.zeros(10), 0)
