"""senhance.dsp.spectrogram_db against scipy.signal.stft (float64) and physics (a tone lands in its bin)."""
import numpy as np
import pytest
import scipy.signal
import torch

from senhance.dsp import spectrogram_db
from senhance.dsp.spectrogram import display_n_fft


def _scipy_db(x, sample_rate, n_fft):
    """The same picture from scipy: periodic Hann, hop n_fft/4, frames centred by even (reflect) extension."""
    window = scipy.signal.get_window("hann", n_fft)  # periodic (fftbins=True)
    freqs, times, spec = scipy.signal.stft(x, fs=sample_rate, window=window, nperseg=n_fft,
                                           noverlap=n_fft - n_fft // 4, boundary="even", padded=False)
    spec = spec * window.sum()  # scipy scales the spectrum by 1 / sum(window); senhance's STFT does not
    return 10 * np.log10(np.abs(spec) ** 2 + 1e-10), freqs, times


@pytest.mark.parametrize("sample_rate, length", [(16000, 8000), (48000, 12345), (8000, 1001)])
def test_matches_scipy_in_float64(rng, sample_rate, length):
    x = rng.standard_normal(length)
    db, freqs, times = spectrogram_db(x, sample_rate)
    n_fft = display_n_fft(sample_rate, length)
    ref_db, ref_freqs, ref_times = _scipy_db(x, sample_rate, n_fft)
    frames = min(db.shape[-1], ref_db.shape[-1])  # scipy drops the last, partly padded frame
    assert isinstance(db, np.ndarray) and db.dtype == np.float64
    assert db.shape == (n_fft // 2 + 1, 1 + length // (n_fft // 4)) and frames >= db.shape[-1] - 1
    np.testing.assert_allclose(db[:, :frames], ref_db[:, :frames], atol=1e-6)
    np.testing.assert_allclose(freqs, ref_freqs)
    np.testing.assert_allclose(times[:frames], ref_times[:frames])


def test_a_tone_peaks_in_its_bin_and_the_axes_span_zero_to_nyquist():
    sample_rate = 48000
    t = np.arange(sample_rate // 2) / sample_rate
    db, freqs, times = spectrogram_db(np.sin(2 * np.pi * 3000 * t), sample_rate)
    assert freqs[0] == 0 and freqs[-1] == sample_rate / 2
    assert np.all(freqs[db[:, 2:-2].argmax(axis=0)] == 3000)  # 2048-point FFT: 3000 Hz is bin 128 exactly
    assert times[1] - times[0] == pytest.approx(512 / sample_rate)


def test_tensor_in_tensor_out_batched_equals_per_item():
    x = torch.randn(2, 3, 4000)
    db, freqs, times = spectrogram_db(x, 16000)
    assert isinstance(db, torch.Tensor) and db.shape == (2, 3, 257, 1 + 4000 // 128) and db.dtype == torch.float32
    assert freqs.shape == (257,) and times.shape == (db.shape[-1],)
    torch.testing.assert_close(db[1, 2], spectrogram_db(x[1, 2], 16000)[0])


def test_short_signals_get_a_shorter_window_or_zero_padding():
    db, freqs, _ = spectrogram_db(np.ones(100), 16000)  # shorter than the 512-point window: 100-point window
    assert db.shape[0] == 51 and freqs[-1] == 8000
    db, _, _ = spectrogram_db(np.ones(5), 16000)  # below the 16-point minimum: zero-padded to it
    assert db.shape[0] == 9 and np.isfinite(db).all()
    db, _, _ = spectrogram_db(torch.ones(10), 16000, n_fft=512)  # an explicit n_fft pads too
    assert db.shape[0] == 257


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"waveform: expected \(\.\.\., time\) with time > 0"):
        spectrogram_db(np.zeros(0), 16000)
    with pytest.raises(ValueError, match="sample_rate=0 must be a positive integer"):
        spectrogram_db(np.zeros(100), 0)
    with pytest.raises(ValueError, match="n_fft=2 must be at least 4"):
        spectrogram_db(np.zeros(100), 16000, n_fft=2)
