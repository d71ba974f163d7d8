"""batched_si_sdr: the SI-SDR the trainers' validation reports (one implementation with si_sdr)."""
import math

import numpy as np
import pytest
import torch

from senhance.metrics import batched_si_sdr, si_sdr


def _si_sdr_numpy(estimate, reference):
    """Independent float64 reference (projection formula)."""
    estimate = estimate - estimate.mean()
    reference = reference - reference.mean()
    target = np.dot(estimate, reference) / np.dot(reference, reference) * reference
    return 10 * np.log10(np.sum(target**2) / np.sum((estimate - target) ** 2))


def test_si_sdr_matches_numpy_and_is_scale_invariant(rng):
    reference = rng.standard_normal(2000)
    estimate = reference + 0.3 * rng.standard_normal(2000)
    got = batched_si_sdr(torch.tensor(estimate), torch.tensor(reference))
    assert float(got) == pytest.approx(_si_sdr_numpy(estimate, reference), rel=1e-6)
    scaled = batched_si_sdr(torch.tensor(5 * estimate), torch.tensor(reference))
    assert float(scaled) == pytest.approx(float(got), rel=1e-6)


def test_si_sdr_batched_equals_per_item(rng):
    reference = torch.tensor(rng.standard_normal((3, 1, 500)))
    estimate = reference + torch.tensor(rng.standard_normal((3, 1, 500)))
    batched = batched_si_sdr(estimate, reference)
    assert batched.shape == (3, 1)
    for b in range(3):
        assert float(batched[b, 0]) == pytest.approx(float(batched_si_sdr(estimate[b, 0], reference[b, 0])), rel=1e-9)


def test_si_sdr_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="estimate"):
        batched_si_sdr(torch.zeros(3), torch.zeros(4))


def test_batched_equals_si_sdr_per_signal_and_silent_reference_is_nan(rng):
    reference = rng.standard_normal((2, 300))
    reference[1] = 0.0
    estimate = reference + rng.standard_normal((2, 300))
    batched = batched_si_sdr(estimate, reference)
    assert batched[0] == pytest.approx(si_sdr(estimate[0], reference[0]), rel=1e-12)
    assert math.isnan(batched[1])
