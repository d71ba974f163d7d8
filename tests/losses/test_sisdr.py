"""SI-SDR against hand-built cases and an independent numpy formula."""
import numpy as np
import pytest
import torch

from senhance.losses import SISDRLoss, si_sdr


def _orthogonal_noise(s, snr_db, rng):
    """Zero-mean noise orthogonal to zero-mean ``s`` with ``|s|^2 / |n|^2 = 10^(snr/10)``."""
    n = rng.standard_normal(s.shape)
    n -= n.mean()
    n -= (n @ s) / (s @ s) * s
    return n * np.sqrt((s @ s) / (n @ n) / 10 ** (snr_db / 10))


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 12.5, 30.0])
def test_known_noise_at_known_snr(snr_db):
    rng = np.random.default_rng(0)
    s = rng.standard_normal(4000)
    s -= s.mean()
    estimate = 0.7 * s + _orthogonal_noise(0.7 * s, snr_db, rng)  # the scale must not matter
    value = si_sdr(torch.from_numpy(estimate)[None, None], torch.from_numpy(s)[None, None])
    assert float(value) == pytest.approx(snr_db, abs=1e-6)


def test_scaled_copy_is_very_high_and_loss_is_negative():
    s = torch.randn(2, 1, 3000, dtype=torch.float64)
    assert (si_sdr(3.0 * s, s) > 100).all()
    assert float(SISDRLoss()(3.0 * s, s, noisy=s)) < -100


def test_matches_numpy_reference_and_masks_padding():
    rng = np.random.default_rng(1)
    clean = rng.standard_normal((3, 2, 1000))
    estimate = clean + 0.5 * rng.standard_normal((3, 2, 1000))
    lengths = np.array([1000, 640, 321])

    def reference(e, s):
        e, s = e - e.mean(), s - s.mean()
        target = (e @ s) / (s @ s) * s
        return 10 * np.log10((target @ target) / ((e - target) @ (e - target)))

    expected = np.array([[reference(estimate[b, c, : lengths[b]], clean[b, c, : lengths[b]]) for c in range(2)] for b in range(3)])
    garbage = estimate.copy()
    for b, n in enumerate(lengths):
        garbage[b, :, n:] = 1e3  # whatever is in the padding must not count
    got = si_sdr(torch.from_numpy(garbage), torch.from_numpy(clean), lengths=torch.from_numpy(lengths))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_shape_errors_are_value_errors():
    with pytest.raises(ValueError, match="same shape"):
        si_sdr(torch.zeros(1, 1, 10), torch.zeros(1, 1, 11))
    with pytest.raises(ValueError, match="lengths"):
        si_sdr(torch.zeros(2, 1, 10), torch.zeros(2, 1, 10), lengths=torch.tensor([3]))
