"""On a GPU the functions give the CPU results (marked ``cuda``: run with ``make test-gpu``)."""
import pytest
import torch

from senhance.dsp import butter, istft, preemphasis, deemphasis, resample, sosfilt, sosfilt_lfilter, sosfiltfilt, stft

pytestmark = pytest.mark.cuda


def test_cuda_equals_cpu():
    x = torch.randn(2, 3, 4001)
    xc = x.cuda()
    sos = butter(6, 300.0, sample_rate=16000, btype="highpass")
    for fn in (lambda a: sosfilt(a, sos), lambda a: sosfiltfilt(a, sos), lambda a: sosfilt_lfilter(a, sos),
               lambda a: resample(a, 16000, 44100), lambda a: deemphasis(preemphasis(a)),
               lambda a: istft(stft(a, n_fft=256, hop_length=64), n_fft=256, hop_length=64, length=4001)):
        out = fn(xc)
        assert out.is_cuda
        torch.testing.assert_close(out.cpu(), fn(x), atol=1e-5, rtol=1e-5)


def test_cuda_gradient_through_cutoff():
    cutoff = torch.tensor(1000.0, device="cuda", requires_grad=True)
    sosfilt(torch.randn(1, 800, device="cuda"), butter(2, cutoff, sample_rate=16000)).pow(2).sum().backward()
    assert cutoff.grad is not None and torch.isfinite(cutoff.grad)
