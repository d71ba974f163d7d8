"""StreamingEnhancer: hop-size frames in, frames out, a fixed latency, equal to offline processing."""
import numpy as np
import pytest
import soundfile
import torch

from senhance.enhance import StreamingEnhancer, enhance_file
from senhance.registry import load


def stream_all(streamer, x, frame):
    out = [streamer.feed(x[:, i:i + frame]) for i in range(0, x.shape[-1], frame)]
    return torch.cat(out + [streamer.flush()], dim=-1)


def test_standin_stream_is_offline_delayed_by_latency(iir_enhancer, standins):
    x = np.random.default_rng(1).uniform(-0.5, 0.5, (2, 203))
    stream = iir_enhancer.stream()
    assert stream.latency == 8
    y = stream_all(stream, torch.from_numpy(x).float(), 4).numpy()
    latency = stream.latency
    assert y.shape == (2, 203 + latency)
    np.testing.assert_array_equal(y[:, :latency], 0)
    np.testing.assert_allclose(y[:, latency:], standins.iir_reference(x), atol=1e-5)


def test_model_stream_equals_offline(tiny_checkpoint):
    enhancer = load(tiny_checkpoint)
    stream = enhancer.stream()
    assert stream.latency == enhancer.module.n_fft and stream.hop_length == enhancer.module.hop_length
    x = 0.1 * torch.randn(1, 32 * 40 + 7)  # quiet: the soft limiter stays out of the way
    streamed = stream_all(stream, x, stream.hop_length)  # one hop at a time
    offline = enhancer.forward_offline(x)
    n = x.shape[-1]
    assert torch.equal(streamed[:, :stream.latency], torch.zeros(1, stream.latency))
    np.testing.assert_allclose(streamed[:, stream.latency:].numpy(), offline.numpy(), atol=1e-5)
    assert streamed.shape[-1] == n + stream.latency


def test_every_feed_returns_as_many_samples(tiny_checkpoint):
    stream = load(tiny_checkpoint).stream(strength=0.0)
    x = torch.randn(2, 500)
    sizes = [1, 31, 32, 33, 100, 303]
    fed = 0
    for size in sizes:
        out = stream.feed(x[:, fed:fed + size])
        assert out.shape == (2, size)
        fed += size
    # strength 0: the dry input, delayed by exactly the latency
    streamed = torch.cat([stream_all(load(tiny_checkpoint).stream(strength=0.0), x, 32)], -1)
    assert torch.equal(streamed[:, stream.latency:], x)


def test_stateless_enhancer_streams_through_overlap_add(standins):
    """Every enhancer streams: one without recurrent state through the generic overlap-add streamer,
    0.6 s behind; a causal FIR depends on 30 past samples only, so the pieces give scipy's whole-signal result."""
    from scipy.signal import firwin, lfilter

    taps = firwin(31, 0.2)
    fir = standins.FirEnhancer(taps)  # 8 kHz
    stream = StreamingEnhancer(fir)
    assert (fir.carries_state, stream.latency, fir.latency_samples) == (False, 4800, 4800)
    x = 0.3 * np.random.default_rng(2).uniform(-1, 1, (2, 12000))
    y = stream_all(stream, torch.from_numpy(x).float(), 80).numpy()
    assert y.shape == (2, 12000 + 4800)
    np.testing.assert_array_equal(y[:, :4800], 0)
    np.testing.assert_allclose(y[:, 4800:], lfilter(taps, [1.0], x, axis=-1), atol=1e-5)
    with pytest.raises(ValueError, match="strength"):
        StreamingEnhancer(fir, strength=2.0)


def test_default_model_blocks_equal_whole_file(tmp_path, standins, default_checkpoint):
    """The default configuration (untrained) through enhance_file: blocks == whole file."""
    enhancer = load(default_checkpoint)
    src = tmp_path / "in.wav"
    standins.make_audio(src, sample_rate=16000, seconds=0.5, channels=2, subtype="PCM_24")
    enhance_file(enhancer, src, tmp_path / "whole.wav", subtype="FLOAT")
    enhance_file(enhancer, src, tmp_path / "blocks.wav", subtype="FLOAT", block_seconds=0.0513)
    a, _ = soundfile.read(tmp_path / "whole.wav", dtype="float64")
    b, _ = soundfile.read(tmp_path / "blocks.wav", dtype="float64")
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert soundfile.info(tmp_path / "blocks.wav").frames == soundfile.info(src).frames
