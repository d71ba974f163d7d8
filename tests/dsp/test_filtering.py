"""sosfilt / sosfilt_lfilter / sosfiltfilt against scipy.signal, physics, gradients, invariants."""
import numpy as np
import pytest
import scipy.signal as ss
import torch

from senhance.dsp import ButterworthFilter, SosFilter, butter, sosfilt, sosfilt_lfilter, sosfilt_zi, sosfiltfilt


def _filters(sample_rate):
    return [("lowpass", 20.0), ("highpass", 20.0), ("lowpass", sample_rate / 8), ("bandpass", (20.0, 300.0)),
            ("bandstop", (sample_rate / 10, sample_rate / 5))]


def _signal(rng, shape=(2, 3001)):
    return rng.standard_normal(shape)


@pytest.mark.parametrize("sample_rate", (8000, 16000, 48000))
def test_sosfilt_matches_scipy(rng, sample_rate):
    x = _signal(rng)
    scale = np.abs(x).max()
    for btype, cutoff in _filters(sample_rate):
        for order in (1, 4, 10):
            sos = butter(order, cutoff, sample_rate=sample_rate, btype=btype)
            ref = ss.sosfilt(sos.numpy(), x)
            paths = {"block": sosfilt, "lfilter": sosfilt_lfilter,
                     "recursive": lambda a, s: sosfilt(a, s, method="recursive")}
            for name, fn in paths.items():
                y64 = fn(torch.from_numpy(x), sos)
                y32 = fn(torch.from_numpy(x).float(), sos)
                assert y64.dtype == torch.float64 and y32.dtype == torch.float32
                err64 = np.abs(y64.numpy() - ref).max() / np.abs(ref).max()
                err32 = np.abs(y32.numpy() - ref).max() / scale
                assert err64 < 1e-9, (name, btype, cutoff, order, err64)
                assert err32 < 1e-4, (name, btype, cutoff, order, err32)


@pytest.mark.parametrize("sample_rate", (8000, 16000, 48000))
def test_sosfiltfilt_matches_scipy_including_edges(rng, sample_rate):
    x = _signal(rng, (3, 1500))
    scale = np.abs(x).max()
    for btype, cutoff in _filters(sample_rate):
        for order in (1, 4, 10):
            sos = butter(order, cutoff, sample_rate=sample_rate, btype=btype)
            ref = ss.sosfiltfilt(sos.numpy(), x)
            y64 = sosfiltfilt(torch.from_numpy(x), sos).numpy()
            y32 = sosfiltfilt(torch.from_numpy(x).float(), sos).numpy()
            assert np.abs(y64 - ref).max() / np.abs(ref).max() < 1e-9, (btype, cutoff, order)
            rec = sosfiltfilt(torch.from_numpy(x), sos, method="recursive").numpy()
            assert np.abs(rec - ref).max() / np.abs(ref).max() < 1e-9, (btype, cutoff, order)
            assert np.abs(y32 - ref).max() / scale < 1e-4, (btype, cutoff, order)
            # the edges specifically (odd extension + initial conditions)
            edges = np.r_[0:10, -10:0]
            assert np.abs(y64[:, edges] - ref[:, edges]).max() / scale < 1e-9


def test_sosfiltfilt_padlen_and_first_order_sections(rng):
    x = _signal(rng, (2, 200))
    sos = butter(3, 1000.0, sample_rate=8000)  # odd order: a section with b2 = a2 = 0
    # default padlen = 3 * (2 * 2 + 1 - 1) = 12
    for padlen in (None, 0, 5, 150):
        ref = ss.sosfiltfilt(sos.numpy(), x, padlen=padlen)
        np.testing.assert_allclose(sosfiltfilt(torch.from_numpy(x), sos, padlen=padlen).numpy(), ref, rtol=0, atol=1e-12)


def test_sosfiltfilt_too_short():
    sos = butter(4, 100.0, sample_rate=8000)  # padlen = 3 * (2 * 2 + 1) = 15
    with pytest.raises(ValueError, match="x has 15 samples; sosfiltfilt needs more than padlen=15"):
        sosfiltfilt(torch.zeros(15), sos)
    with pytest.raises(ValueError):
        ss.sosfiltfilt(sos.numpy(), np.zeros(15))  # the reference agrees


def test_sosfilt_initial_state_matches_scipy(rng):
    x = _signal(rng, (2, 500))
    sos = butter(4, 500.0, sample_rate=8000, btype="highpass")
    zi = rng.standard_normal((2, 2, 2))  # (n_sections, batch, 2)
    ref, _ = ss.sosfilt(sos.numpy(), x, zi=zi)
    for method in ("block", "recursive"):
        y = sosfilt(torch.from_numpy(x), sos, zi=torch.from_numpy(zi), method=method).numpy()
        np.testing.assert_allclose(y, ref, atol=1e-12)
    np.testing.assert_allclose(sosfilt_zi(sos).numpy(), ss.sosfilt_zi(sos.numpy()), rtol=1e-12)


def test_physics_tones():
    sample_rate = 16000
    t = torch.arange(sample_rate, dtype=torch.float64) / sample_rate
    low, high = torch.sin(2 * torch.pi * 200 * t), torch.sin(2 * torch.pi * 4000 * t)
    lp = ButterworthFilter(order=6, cutoff=1000.0, sample_rate=sample_rate)
    tail = slice(4000, None)  # after the transient
    assert abs(lp(low)[tail].abs().max().item() - 1) < 1e-3
    # analog Butterworth magnitude at the pre-warped frequency ratio
    ratio = np.tan(np.pi * 4000 / sample_rate) / np.tan(np.pi * 1000 / sample_rate)
    amplitude = lp(high)[tail].pow(2).mean().sqrt().item() * np.sqrt(2)
    np.testing.assert_allclose(amplitude, 1 / np.sqrt(1 + ratio**12), rtol=1e-2)
    zero_phase = ButterworthFilter(order=4, cutoff=1000.0, sample_rate=sample_rate, zero_phase=True)
    torch.testing.assert_close(zero_phase(low)[tail][:-4000], low[tail][:-4000], atol=1e-3, rtol=0)  # no delay


def test_shapes_and_batched_equals_per_item(rng):
    sos = butter(4, 700.0, sample_rate=16000)
    x = torch.from_numpy(_signal(rng, (2, 3, 777)))
    for fn in (sosfilt, sosfiltfilt, sosfilt_lfilter):
        y = fn(x, sos)
        assert y.shape == x.shape
        for b in range(2):
            for c in range(3):
                torch.testing.assert_close(fn(x[b, c], sos), y[b, c], rtol=0, atol=1e-13)


def test_short_signals(rng):
    sos = butter(2, 700.0, sample_rate=16000)
    for length in (1, 2, 63, 65):
        x = _signal(rng, (1, length))
        for method in ("block", "recursive"):
            y = sosfilt(torch.from_numpy(x), sos, method=method).numpy()
            np.testing.assert_allclose(y, ss.sosfilt(sos.numpy(), x), atol=1e-13)


@pytest.mark.parametrize("method", ["block", "recursive"])
def test_gradcheck(method):
    torch.manual_seed(0)
    x = torch.randn(1, 30, dtype=torch.float64, requires_grad=True)
    sos = butter(4, 2000.0, sample_rate=16000).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, s: sosfilt(a, s, method=method), (x, sos), fast_mode=True)
    assert torch.autograd.gradcheck(lambda a, s: sosfiltfilt(a, s, method=method), (x, sos), fast_mode=True)
    cutoff = torch.tensor(1500.0, dtype=torch.float64, requires_grad=True)
    xd = x.detach()
    assert torch.autograd.gradcheck(lambda c: sosfilt(xd, butter(2, c, sample_rate=16000), method=method), (cutoff,), fast_mode=True)


def test_bad_input():
    sos = butter(2, 700.0, sample_rate=16000)
    with pytest.raises(ValueError, match="x contains NaN or Inf"):
        sosfilt(torch.tensor([0.0, float("nan")]), sos)
    with pytest.raises(ValueError, match="x contains NaN or Inf"):
        sosfiltfilt(torch.full((100,), float("inf")), sos)
    with pytest.raises(ValueError, match="sos must have shape"):
        sosfilt(torch.zeros(10), torch.zeros(2, 5))
    with pytest.raises(ValueError, match="a0"):
        sosfilt(torch.zeros(10), 0 * sos)
    with pytest.raises(ValueError, match="method='fast'"):
        sosfilt(torch.zeros(10), sos, method="fast")
    with pytest.raises(ValueError, match="time > 0"):
        sosfilt(torch.zeros(2, 0), sos)
    with pytest.raises(ValueError, match="cutoff=9000 Hz"):
        ButterworthFilter(order=2, cutoff=9000.0, sample_rate=16000)


def test_modules_call_the_functions(rng):
    x = torch.from_numpy(_signal(rng, (1, 2, 400)))
    sos = butter(3, (300.0, 3000.0), sample_rate=16000, btype="bandpass")
    torch.testing.assert_close(SosFilter(sos=sos)(x), sosfilt(x, sos))
    torch.testing.assert_close(SosFilter(sos=sos, zero_phase=True)(x), sosfiltfilt(x, sos))
    bf = ButterworthFilter(order=3, cutoff=(300.0, 3000.0), sample_rate=16000, btype="bandpass")
    torch.testing.assert_close(bf(x), sosfilt(x, sos))
    assert bf.state_dict() == {}  # coefficients are derived, not learned
