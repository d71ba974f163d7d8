"""Pre-/de-emphasis against scipy.signal.lfilter, exact inversion, gradients."""
import numpy as np
import pytest
import scipy.signal as ss
import torch

from senhance.dsp import DeEmphasis, PreEmphasis, deemphasis, preemphasis


@pytest.mark.parametrize("coeff", [0.97, 0.5, -0.3])
def test_against_scipy(rng, coeff):
    x = rng.standard_normal((2, 3, 501))
    np.testing.assert_allclose(preemphasis(torch.from_numpy(x), coeff).numpy(), ss.lfilter([1, -coeff], [1], x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(deemphasis(torch.from_numpy(x), coeff).numpy(), ss.lfilter([1], [1, -coeff], x), rtol=1e-9, atol=1e-12)
    y32 = deemphasis(torch.from_numpy(x).float(), coeff).numpy()
    assert np.abs(y32 - ss.lfilter([1], [1, -coeff], x)).max() < 1e-4 * np.abs(x).max()


@pytest.mark.parametrize("dtype, atol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_deemphasis_inverts_preemphasis(dtype, atol):
    x = torch.randn(4, 1000, dtype=dtype)
    torch.testing.assert_close(deemphasis(preemphasis(x)), x, atol=atol, rtol=0)
    torch.testing.assert_close(preemphasis(deemphasis(x)), x, atol=atol, rtol=0)
    for length in (1, 2, 7):
        torch.testing.assert_close(deemphasis(preemphasis(x[:, :length])), x[:, :length], atol=atol, rtol=0)


def test_gradcheck():
    x = torch.randn(2, 40, dtype=torch.float64, requires_grad=True)
    coeff = torch.tensor(0.9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(preemphasis, (x, coeff), fast_mode=True)
    assert torch.autograd.gradcheck(deemphasis, (x, coeff), fast_mode=True)


def test_modules_and_bad_input():
    x = torch.randn(2, 1, 100)
    torch.testing.assert_close(PreEmphasis(coeff=0.9)(x), preemphasis(x, 0.9))
    torch.testing.assert_close(DeEmphasis(coeff=0.9)(x), deemphasis(x, 0.9))
    with pytest.raises(ValueError, match="coeff=1.5 must be inside"):
        PreEmphasis(coeff=1.5)
    with pytest.raises(ValueError, match="coeff=1 must be inside"):
        deemphasis(x, 1.0)
    with pytest.raises(ValueError, match="NaN or Inf"):
        preemphasis(torch.tensor([1.0, float("nan")]))
