import math

import numpy as np
import pystoi
import pytest

from senhance.train.quick_metrics import stoi_or_nan


def test_stoi_matches_pystoi_and_short_clip_is_nan(rng):
    t = np.arange(16000 * 2) / 16000
    clean = np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    noisy = clean + 0.5 * rng.standard_normal(t.size)
    assert stoi_or_nan(clean, noisy, 16000) == pytest.approx(pystoi.stoi(clean, noisy, 16000), abs=1e-9)
    assert math.isnan(stoi_or_nan(clean[:4000], noisy[:4000], 16000))
