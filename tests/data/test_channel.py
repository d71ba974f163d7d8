"""Channel augmentations (EQ, telephone band, 8 kHz sources, clipping) against scipy and physics."""
import numpy as np
import pytest
from scipy import signal

from senhance.data.channel import apply_eq, clip, narrowband, peaking, random_eq, shelf, telephone

SR = 16000


def response_db(sos, freqs):
    _, h = signal.sosfreqz(sos, worN=np.asarray(freqs, dtype=np.float64), fs=SR)
    return 20 * np.log10(np.abs(h))


def band_change_db(y, x, low, high):
    """Energy change in dB of ``y`` over ``x`` in [low, high] Hz (Welch PSDs)."""
    f, p_y = signal.welch(y, SR, nperseg=1024)
    _, p_x = signal.welch(x, SR, nperseg=1024)
    band = (f >= low) & (f <= high)
    return 10 * np.log10(p_y[band].sum() / p_x[band].sum())


def test_cookbook_sections_hit_their_gains():
    assert response_db(peaking(1000.0, 6.0, 1.0, SR), [0, 1000, 7999]) == pytest.approx([0, 6, 0], abs=0.02)
    assert response_db(peaking(2500.0, -9.0, 2.0, SR), [2500])[0] == pytest.approx(-9.0, abs=1e-6)
    # shelves: the gain at their end of the band, half of it (in dB) at the corner, 0 dB at the other end
    assert response_db(shelf(200.0, -6.0, SR, kind="low"), [0, 200, 7999]) == pytest.approx([-6, -3, 0], abs=0.02)
    assert response_db(shelf(3000.0, 8.0, SR, kind="high"), [10, 3000, 8000]) == pytest.approx([0, 4, 8], abs=0.02)


@pytest.mark.parametrize("seed", range(4))
def test_random_eq_changes_the_spectrum_within_its_bounds(seed):
    sos, bands = random_eq(np.random.default_rng(seed), SR, n_bands=3, max_gain_db=6.0)
    low = sum(min(0.0, b["gain_db"]) for b in bands)
    high = sum(max(0.0, b["gain_db"]) for b in bands)
    assert -18.0 <= low and high <= 18.0
    freqs = np.linspace(0, SR / 2, 2049)
    exact = response_db(sos, freqs)
    assert exact.min() >= low - 1e-6 and exact.max() <= high + 1e-6
    white = np.random.default_rng(100 + seed).standard_normal(4 * SR)
    coloured = apply_eq(white, sos)
    assert np.allclose(coloured, signal.sosfilt(sos, white))
    measured = [band_change_db(coloured, white, f - 100, f + 100) for f in range(300, 7600, 400)]
    assert min(measured) >= low - 1.0 and max(measured) <= high + 1.0
    assert np.max(np.abs(exact)) > 0.5  # it does colour


def test_telephone_band_kills_below_200_hz_and_above_4_khz():
    white = np.random.default_rng(0).standard_normal(4 * SR)
    y = telephone(white, SR)
    assert y.shape == white.shape
    assert band_change_db(y, white, 0, 200) < -30 and band_change_db(y, white, 4000, SR / 2) < -30
    assert abs(band_change_db(y, white, 500, 3000)) < 0.5


def test_8_khz_source_keeps_the_narrow_band_only():
    white = np.random.default_rng(1).standard_normal(4 * SR)
    y = narrowband(white, SR)
    assert y.shape == white.shape
    assert band_change_db(y, white, 4400, SR / 2) < -40
    assert abs(band_change_db(y, white, 300, 3400)) < 0.5
    with pytest.raises(ValueError, match="8 kHz source"):
        narrowband(white[:100], 8000)


def test_clip():
    x = np.sin(np.linspace(0, 20, 1000))
    y = clip(x, 0.5)
    assert np.max(np.abs(y)) == 0.5 and np.array_equal(y[np.abs(x) < 0.5], x[np.abs(x) < 0.5])
    with pytest.raises(ValueError, match="threshold"):
        clip(x, 0.0)
