"""Learnable front-end: responses against scipy, gradients, streaming, Hydra composition."""
from pathlib import Path

import numpy as np
import scipy.signal
import torch

from senhance.models import BandFilterNet, Streamer
from senhance.models.frontend import LearnableFrontEnd

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SMALL = dict(hidden_size=16, num_layers=1, conv_channels=4)


def test_response_matches_scipy_freqz():
    fe = LearnableFrontEnd(n_fft=320, sample_rate=16000, preemphasis=0.9, highpass_hz=100.0, highpass_order=3)
    freqs = np.arange(161) * 50.0
    _, pre = scipy.signal.freqz([1.0, -0.9], [1.0], worN=freqs, fs=16000)
    _, hp = scipy.signal.sosfreqz(scipy.signal.butter(3, 100.0, "highpass", fs=16000, output="sos"), worN=freqs, fs=16000)
    with torch.no_grad():
        response = torch.view_as_complex(fe().contiguous()).numpy()
    np.testing.assert_allclose(response, pre * hp, rtol=1e-6, atol=1e-9)


def test_frontend_parameters_get_gradients():
    model = BandFilterNet(**SMALL, preemphasis=0.9, highpass_hz=80.0)
    noisy = torch.randn(2, 1, 1600)
    model(noisy).pow(2).mean().backward()
    for parameter in (model.frontend.preemphasis, model.frontend.log_cutoff):
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all() and parameter.grad.abs() > 0


def test_streaming_equals_offline_with_frontend():
    model = BandFilterNet(**SMALL, preemphasis=0.8, highpass_hz=120.0).eval()
    x = torch.randn(1, 1500)
    streamer = Streamer(model)
    with torch.no_grad():
        out = torch.cat([streamer.feed(x[:, :700]), streamer.feed(x[:, 700:]), streamer.flush()], dim=-1)
        torch.testing.assert_close(out, model(x[None])[0], atol=1e-5, rtol=1e-5)


def test_plus_frontend_learnable_overrides_the_model_node(tmp_path):
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    (tmp_path / "probe.yaml").write_text(
        f"defaults:\n  - model: default\n  - _self_\nsample_rate: 16000\nhydra:\n  searchpath:\n    - file://{CONFIGS}\n"
    )
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        cfg = compose(config_name="probe", overrides=["+frontend=learnable"])
    model = instantiate(cfg.model)
    assert model.frontend.enabled
    assert abs(float(model.frontend.coefficient.detach()) - cfg.model.preemphasis) < 1e-6
