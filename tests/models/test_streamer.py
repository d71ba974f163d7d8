"""Streamer: chunked streaming reproduces the offline forward exactly."""
import numpy as np
import pytest
import torch

from senhance.models import BandFilterNet, Streamer

SMALL = dict(hidden_size=16, num_layers=1, conv_channels=4)


@pytest.mark.parametrize("length, channels, seed, lookahead", [(3217, 1, 0, 0), (2000, 2, 1, 0), (161, 1, 2, 0),
                                                              (5, 1, 3, 0), (3217, 1, 4, 2), (161, 2, 5, 1)])
def test_random_chunks_equal_offline(length, channels, seed, lookahead):
    model = BandFilterNet(**SMALL, lookahead_frames=lookahead).eval()
    x = torch.randn(channels, length)
    rng = np.random.default_rng(seed)
    streamer = Streamer(model)
    outputs, position = [], 0
    with torch.no_grad():
        while position < length:
            size = int(rng.choice([0, 1, 7, 160, 161, 333, 1000]))
            outputs.append(streamer.feed(x[:, position : position + size]))
            position += size
        outputs.append(streamer.flush())
        offline = model(x[None])[0]
    streamed = torch.cat(outputs, dim=-1)
    assert streamed.shape == (channels, length)
    torch.testing.assert_close(streamed, offline, atol=1e-5, rtol=1e-5)


def test_latency_output_appears_one_window_after_input():
    model = BandFilterNet(**SMALL).eval()
    streamer = Streamer(model)
    with torch.no_grad():
        assert streamer.feed(torch.randn(1, 159)).shape[-1] == 0
        assert streamer.feed(torch.randn(1, 1)).shape[-1] == 0  # 160 in: the first frame is only half real
        assert streamer.feed(torch.randn(1, 160)).shape[-1] == 160  # 320 in: samples 0..159 are final
        assert streamer.feed(torch.randn(1, 100)).shape[-1] == 0


def test_lookahead_delays_the_first_output_by_its_hops():
    model = BandFilterNet(**SMALL, lookahead_frames=2).eval()
    streamer = Streamer(model)
    with torch.no_grad():
        assert streamer.feed(torch.randn(1, 320)).shape[-1] == 0  # one window in: still 2 frames ahead to hear
        assert streamer.feed(torch.randn(1, 319)).shape[-1] == 0
        assert streamer.feed(torch.randn(1, 1)).shape[-1] == 160  # 640 = n_fft + 2 hops in: samples 0..159 final
    assert model.latency_samples == 320 + 2 * 160


def test_streamer_is_reusable_after_flush_and_checks_channels():
    model = BandFilterNet(**SMALL).eval()
    streamer = Streamer(model)
    x = torch.randn(1, 700)
    with torch.no_grad():
        first = torch.cat([streamer.feed(x), streamer.flush()], dim=-1)
        second = torch.cat([streamer.feed(x), streamer.flush()], dim=-1)
        torch.testing.assert_close(first, second)
        streamer.feed(torch.randn(2, 10))
        with pytest.raises(ValueError, match="channels"):
            streamer.feed(torch.randn(1, 10))
        with pytest.raises(ValueError, match="chunk"):
            streamer.feed(torch.randn(10))
