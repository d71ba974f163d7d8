"""butter / buttord against scipy.signal (float64, 1e-9 relative)."""
import numpy as np
import pytest
import scipy.signal as ss
import torch

from senhance.dsp import butter, buttord

RATES = (8000, 16000, 48000)


def _cases(sample_rate):
    nyq = sample_rate / 2
    return [
        ("lowpass", 20.0), ("lowpass", 0.3 * nyq), ("lowpass", 0.93 * nyq),
        ("highpass", 20.0), ("highpass", 0.4 * nyq),
        ("bandpass", (20.0, 300.0)), ("bandpass", (300.0, 0.85 * nyq)),
        ("bandstop", (50.0, 70.0)), ("bandstop", (0.1 * nyq, 0.3 * nyq)),
    ]


@pytest.mark.parametrize("sample_rate", RATES)
def test_butter_equals_scipy(sample_rate):
    for btype, cutoff in _cases(sample_rate):
        for order in range(1, 13):
            ref = ss.butter(order, cutoff, btype, fs=sample_rate, output="sos")
            got = butter(order, cutoff, sample_rate=sample_rate, btype=btype)
            assert got.dtype == torch.float64 and got.shape == ref.shape, (btype, cutoff, order)
            np.testing.assert_allclose(got.numpy(), ref, rtol=1e-9, atol=1e-14, err_msg=f"{btype} {cutoff} {order}")


def test_symmetric_band_has_scipy_response():
    # a band symmetric about fs/4 gives pole pairs at exactly equal radius: the section *order*
    # is then decided by rounding (in scipy too), but the filter is the same
    for btype, cutoff in (("bandpass", (1500.0, 2500.0)), ("bandstop", (1000.0, 3000.0))):
        for order in (2, 4, 7):
            ref = ss.butter(order, cutoff, btype, fs=8000, output="sos")
            got = butter(order, cutoff, sample_rate=8000, btype=btype).numpy()
            w = np.linspace(0, np.pi, 257)[:-1]
            np.testing.assert_allclose(ss.sosfreqz(got, w)[1], ss.sosfreqz(ref, w)[1], rtol=1e-9, atol=1e-12)


def test_butter_gradient_through_cutoff():
    cutoff = torch.tensor(1000.0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c: butter(4, c, sample_rate=16000), (cutoff,))
    band = torch.tensor([300.0, 3400.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c: butter(3, c, sample_rate=16000, btype="bandpass"), (band,))
    # the derivative matches a central difference of scipy's design
    sos = butter(4, cutoff, sample_rate=16000)
    sos[0, 0].backward()
    h = 1e-3
    fd = (ss.butter(4, 1000 + h, fs=16000, output="sos")[0, 0] - ss.butter(4, 1000 - h, fs=16000, output="sos")[0, 0]) / (2 * h)
    np.testing.assert_allclose(cutoff.grad.item(), fd, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(order=0, cutoff=100.0), "order=0"),
        (dict(order=2.5, cutoff=100.0), "order=2.5"),
        (dict(order=2, cutoff=9000.0), "cutoff=9000 Hz must be inside \\(0, 8000\\)"),
        (dict(order=2, cutoff=0.0), "cutoff=0 Hz"),
        (dict(order=2, cutoff=(3000.0, 300.0), btype="bandpass"), "band edges must be increasing"),
        (dict(order=2, cutoff=300.0, btype="bandpass"), "must be a pair"),
        (dict(order=2, cutoff=300.0, btype="notch"), "btype='notch'"),
    ],
)
def test_butter_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        butter(sample_rate=16000, **kwargs)


@pytest.mark.parametrize(
    "passband, stopband, gpass, gstop, sample_rate",
    [
        (1000, 2000, 1, 40, 16000),
        (3000, 3500, 0.5, 60, 8000),
        (200, 50, 3, 40, 16000),
        (40, 20, 1, 30, 48000),
        ((500, 2000), (300, 3000), 1, 40, 16000),
        ((300, 3400), (100, 3800), 2, 30, 8000),
        ((300, 3000), (500, 2000), 1, 40, 16000),
        ((50, 70), (58, 62), 3, 20, 16000),
    ],
)
def test_buttord_equals_scipy(passband, stopband, gpass, gstop, sample_rate):
    order, cutoff = buttord(passband, stopband, gpass=gpass, gstop=gstop, sample_rate=sample_rate)
    ref_order, ref_cutoff = ss.buttord(passband, stopband, gpass, gstop, fs=sample_rate)
    assert order == ref_order
    np.testing.assert_allclose(cutoff, ref_cutoff, rtol=1e-9)


def test_buttord_meets_spec():
    order, cutoff = buttord(1000, 2000, gpass=1, gstop=40, sample_rate=16000)
    sos = butter(order, cutoff, sample_rate=16000).numpy()
    _, h = ss.sosfreqz(sos, [1000, 2000], fs=16000)
    db = 20 * np.log10(np.abs(h))
    assert db[0] >= -1 - 1e-9 and db[1] <= -40


def test_buttord_bad_input():
    with pytest.raises(ValueError, match="gstop=1 dB must be larger"):
        buttord(1000, 2000, gpass=3, gstop=1, sample_rate=16000)
    with pytest.raises(ValueError, match="stopband=9000 Hz"):
        buttord(1000, 9000, gpass=1, gstop=40, sample_rate=16000)
