"""Fitted linear baselines leave clean speech nearly unchanged (the unfitted-identity tests do not cover this).

Both models are fitted on generated pairs of which a third are clean (noisy == clean) and the rest span
20..0 dB SNR, then applied to an unseen clean voice. Threshold: SI-SDR > 15 dB, i.e. the distortion
added to clean speech is below ~3 % of its energy. Measured on these signals: time FIR 17.1 dB, spectral
mask 15.8 dB. The same fitted models must still improve an unseen 0 dB mixture by > 3 dB, so the
pass-through does not come from a fit that collapsed to the identity. SI-SDR: independent numpy reference.
"""
import pytest
import torch

from baseline_signals import mix, pink, si_sdr_np, voiced, white
from senhance.baselines.linear_spectral import LinearSpectralRegressor
from senhance.baselines.linear_time import LinearTimeRegressor

TRAIN_SNRS = (None, None, 20.0, 10.0, 5.0, 0.0)  # None: a clean example (input == target)


def _fit(model):
    acc = model.new_statistics()
    for seed, snr in enumerate(TRAIN_SNRS):
        clean = voiced(0.5, seed=seed, f0=110 + 30 * seed)
        noise = white(len(clean), seed=20 + seed) if seed % 2 else pink(len(clean), seed=20 + seed)
        noisy = clean if snr is None else mix(clean, noise, snr)
        model.accumulate(acc, noisy.view(1, 1, -1), clean.view(1, 1, -1))
    model.set_solution(*acc.solve(1e-3))
    return model


@pytest.mark.parametrize("make", [
    pytest.param(lambda: LinearTimeRegressor(taps=65), id="time"),
    pytest.param(lambda: LinearSpectralRegressor(target="mask"), id="spectral-mask"),
])
def test_fitted_model_passes_clean_speech_and_still_denoises(make):
    model = _fit(make())
    clean = voiced(1.0, seed=9, f0=165)  # unseen voice
    with torch.no_grad():
        out_clean = model(clean.view(1, 1, -1))[0, 0]
        noisy = mix(clean, white(len(clean), seed=77), 0.0)
        out_noisy = model(noisy.view(1, 1, -1))[0, 0]
    assert out_clean.shape == clean.shape and torch.isfinite(out_clean).all()
    assert torch.abs(out_clean - clean).max() > 1e-4  # a real (non-identity) filter was fitted and applied
    assert si_sdr_np(out_noisy, clean) > si_sdr_np(noisy, clean) + 3.0
    assert si_sdr_np(out_clean, clean) > 15.0
