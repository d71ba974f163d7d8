"""A packaged BandFilterNet with lookahead keeps the Enhancer contract: the stream, its fixed latency
removed, gives what ``enhance()`` gives, at the model's rate, below it and at 48 kHz through the band split."""
import numpy as np
import pytest
import torch

import senhance
from senhance.checkpoint import save_package
from senhance.models import BandFilterNet


@pytest.fixture(scope="module")
def lookahead_enhancer(tmp_path_factory):
    torch.manual_seed(1)
    model = BandFilterNet(hidden_size=16, num_layers=1, conv_channels=4, lookahead_frames=2)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    path = save_package(tmp_path_factory.mktemp("lookahead") / "ahead.pt", model, sample_rate=16000)
    return senhance.load(path)


def _signal(sample_rate, seconds=1.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = np.sin(2 * np.pi * 230 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    return torch.from_numpy((0.3 * tone + 0.05 * rng.standard_normal((2, t.size))).astype(np.float32))


def test_declares_window_plus_lookahead_latency(lookahead_enhancer):
    assert lookahead_enhancer.carries_state
    assert lookahead_enhancer.latency_samples == 320 + 2 * 160  # 40 ms at 16 kHz


@pytest.mark.parametrize("sample_rate", [16000, 8000, 48000])
def test_stream_equals_enhance(lookahead_enhancer, sample_rate):
    x = _signal(sample_rate, seed=sample_rate)
    stream = lookahead_enhancer.stream(sample_rate=sample_rate)
    if sample_rate == 16000:
        assert stream.latency == 640
    pieces = [stream.feed(x[:, i:i + stream.hop_length]) for i in range(0, x.shape[-1], stream.hop_length)]
    streamed = torch.cat(pieces + [stream.flush()], dim=-1)
    assert streamed.shape == (2, x.shape[-1] + stream.latency)
    offline = lookahead_enhancer.enhance(x, sample_rate)
    assert float((offline - x).abs().max()) > 1e-3
    torch.testing.assert_close(streamed[:, stream.latency:], offline, rtol=0, atol=2e-5)
