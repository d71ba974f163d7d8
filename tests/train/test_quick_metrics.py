import math

import numpy as np
import pytest
import torch

from senhance.train.quick_metrics import si_sdr, stoi_or_nan


def _si_sdr_numpy(estimate, reference):
    """Independent float64 reference (projection formula)."""
    estimate = estimate - estimate.mean()
    reference = reference - reference.mean()
    target = np.dot(estimate, reference) / np.dot(reference, reference) * reference
    return 10 * np.log10(np.sum(target**2) / np.sum((estimate - target) ** 2))


def test_si_sdr_matches_numpy_and_is_scale_invariant(rng):
    reference = rng.standard_normal(2000)
    estimate = reference + 0.3 * rng.standard_normal(2000)
    got = si_sdr(torch.tensor(estimate), torch.tensor(reference))
    assert float(got) == pytest.approx(_si_sdr_numpy(estimate, reference), rel=1e-6)
    scaled = si_sdr(torch.tensor(5 * estimate), torch.tensor(reference))
    assert float(scaled) == pytest.approx(float(got), rel=1e-6)


def test_si_sdr_batched_equals_per_item(rng):
    reference = torch.tensor(rng.standard_normal((3, 1, 500)))
    estimate = reference + torch.tensor(rng.standard_normal((3, 1, 500)))
    batched = si_sdr(estimate, reference)
    assert batched.shape == (3, 1)
    for b in range(3):
        assert float(batched[b, 0]) == pytest.approx(float(si_sdr(estimate[b, 0], reference[b, 0])), rel=1e-9)


def test_si_sdr_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="estimate"):
        si_sdr(torch.zeros(3), torch.zeros(4))


def test_stoi_matches_pystoi_and_short_clip_is_nan(rng):
    pystoi = pytest.importorskip("pystoi")
    t = np.arange(16000 * 2) / 16000
    clean = np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    noisy = clean + 0.5 * rng.standard_normal(t.size)
    assert stoi_or_nan(clean, noisy, 16000) == pytest.approx(pystoi.stoi(clean, noisy, 16000), abs=1e-9)
    assert math.isnan(stoi_or_nan(clean[:4000], noisy[:4000], 16000))
