"""Full-band input (44.1 / 48 kHz) to 16 kHz enhancers: the band above 8 kHz is kept, its noise removed.

Signals: ``fullband_signals`` (formant-shaped harmonic syllables with energy up to 20 kHz, 0.3 s on,
0.2 s pauses; speech-shaped noise over the whole band at 10 dB SNR). Band energies are measured in
8-20 kHz over the frames inside syllables (envelope > 0.7) or inside pauses, after the first second
(the noise trackers' settling time).
"""
import sys
from pathlib import Path

import pytest
import torch

import senhance

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode: the signal helpers next to this file
from fullband_signals import band_energy_db, noisy_mixture  # noqa: E402
from senhance.enhance import enhance_waveform
from senhance.inference.bandsplit import BandSplitStream, HighBandGain, band_split_enhance, round_trip
from senhance.inference.blocks import soft_limit
from senhance.inference.resample_stream import ResampledStreamer
from senhance.inference.waveform import resampled_enhance

SECONDS = 3.0


@pytest.fixture(scope="module")
def default():
    return senhance.load("default")


def regions(activity, sample_rate):
    t = torch.arange(activity.shape[-1]) / sample_rate
    return (activity > 0.7) & (t > 1.0), (activity == 0) & (t > 1.0)


def high_band(x, sample_rate, mask):
    return band_energy_db(x, sample_rate, 8000, 20000, mask)


@pytest.mark.parametrize("sample_rate", [48000, 44100])
def test_default_model_keeps_speech_and_removes_noise_above_8k(default, sample_rate):
    noisy, clean, activity = noisy_mixture(SECONDS, sample_rate, snr_db=10.0)
    out = enhance_waveform(default, noisy, sample_rate)
    speech, pause = regions(activity, sample_rate)
    assert abs(high_band(out, sample_rate, speech) - high_band(clean, sample_rate, speech)) <= 3.0
    assert high_band(out, sample_rate, pause) <= high_band(noisy, sample_rate, pause) - 10.0
    # the band the model enhances is unchanged by the split: the old resampled path, below 6 kHz
    old = resampled_enhance(default, noisy, sample_rate)
    assert band_energy_db(out - old, sample_rate, 50, 6000, speech) < band_energy_db(old, sample_rate, 50, 6000, speech) - 40


@pytest.mark.parametrize("sample_rate", [48000, 44100])
def test_clean_full_band_speech_passes(default, sample_rate):
    _, clean, activity = noisy_mixture(SECONDS, sample_rate)
    out = enhance_waveform(default, clean, sample_rate)
    speech, _ = regions(activity, sample_rate)
    assert abs(high_band(out, sample_rate, speech) - high_band(clean, sample_rate, speech)) <= 1.0


def test_the_old_path_lost_the_band_and_band_split_false_still_gives_it(default):
    noisy, clean, activity = noisy_mixture(SECONDS, 48000)
    speech, _ = regions(activity, 48000)
    old = senhance.load("default")
    old.band_split = False
    out = enhance_waveform(old, clean, 48000)
    assert high_band(out, 48000, speech) < high_band(clean, 48000, speech) - 20  # telephone sound


@pytest.mark.parametrize("name", ["wiener", "spectral_subtraction"])
def test_every_enhancer_gets_the_band_split(name):
    enhancer = senhance.load(name)
    noisy, clean, activity = noisy_mixture(SECONDS, 48000)
    out = enhance_waveform(enhancer, noisy, 48000)
    speech, pause = regions(activity, 48000)
    assert abs(high_band(out, 48000, speech) - high_band(clean, 48000, speech)) <= 3.0
    assert high_band(out, 48000, pause) <= high_band(noisy, 48000, pause) - 10.0


def test_16k_input_is_the_model_forward_as_before(default):
    x = noisy_mixture(2.0, 16000)[0]  # (1, T)
    expected = default.module(x[None])[0]  # the model's own forward at its rate
    torch.testing.assert_close(default.process(x), expected, rtol=0, atol=1e-6)  # the raw one-shot call
    torch.testing.assert_close(default.enhance(x, 16000), soft_limit(expected), rtol=0, atol=1e-5)  # its Streamer
    torch.testing.assert_close(enhance_waveform(default, x, 16000), default.enhance(x, 16000), rtol=0, atol=0)
    wiener = senhance.load("wiener")  # stateless: enhance runs the overlap-add pieces its stream runs
    whole = wiener.process(x)
    error = wiener.enhance(x, 16000) - soft_limit(whole)
    assert 10 * torch.log10(whole.pow(2).sum() / error.pow(2).sum()) > 35.0


def test_blocks_equal_whole_file_at_48k(default):
    noisy = noisy_mixture(SECONDS, 48000)[0].repeat(2, 1)  # 2 channels
    noisy[1] = noisy[1].flip(0)
    whole = enhance_waveform(default, noisy, 48000)
    blocks = enhance_waveform(default, noisy, 48000, block_seconds=0.37)
    assert whole.abs().max() > 0.05
    torch.testing.assert_close(blocks, whole, rtol=0, atol=2e-5)


def test_stream_in_odd_chunks_equals_whole_signal(default):
    x = noisy_mixture(SECONDS, 44100)[0][:, :60000]
    whole = band_split_enhance(lambda s: resampled_enhance(default, s, 44100), x, 44100, 16000)
    stream = BandSplitStream(ResampledStreamer(default.streamer(), 44100, 16000, block_frames=3000), 44100, 16000,
                             block_frames=3000)
    sizes = [1, 4410, 17, 9000, 333, 20000]
    pieces, start = [], 0
    for size in sizes * 10:
        if start >= x.shape[-1]:
            break
        pieces.append(stream.feed(x[:, start:start + size]))
        start += size
    pieces.append(stream.flush())
    streamed = torch.cat(pieces, dim=-1)
    assert streamed.shape == x.shape
    torch.testing.assert_close(streamed, whole, rtol=0, atol=2e-5)


@pytest.mark.parametrize("sample_rate", [48000, 44100, 22050])
def test_unit_gains_reconstruct_the_input(sample_rate):
    x = 0.1 * torch.randn(2, sample_rate // 3 + 7)
    y = band_split_enhance(lambda s: round_trip(s, sample_rate, 16000), x, sample_rate, 16000,
                           over_subtraction=1e-9, model_weight=0.0)
    torch.testing.assert_close(y, x, rtol=0, atol=1e-5)
    high = x - round_trip(x, sample_rate, 16000)  # the crossover is complementary by construction
    torch.testing.assert_close(round_trip(x, sample_rate, 16000) + high, x, rtol=0, atol=1e-7)


def test_strength_applies_to_the_whole_band(default):
    noisy = noisy_mixture(SECONDS, 48000)[0][:, :48000]
    assert torch.equal(enhance_waveform(default, noisy, 48000, strength=0.0), noisy)
    full = enhance_waveform(default, noisy, 48000)
    half = enhance_waveform(default, noisy, 48000, strength=0.5)
    torch.testing.assert_close(half, 0.5 * full + 0.5 * noisy, rtol=0, atol=1e-6)


def test_short_and_shaped_inputs_keep_their_shape(default):
    for shape in [(1,), (7,), (2, 481), (3, 1000)]:
        x = 0.1 * torch.randn(shape)
        y = default.enhance(x, 48000)
        assert y.shape == x.shape and torch.isfinite(y).all()


def test_bad_settings_name_the_value():
    with pytest.raises(ValueError, match="model_sample_rate=16000"):
        HighBandGain(sample_rate=16000, model_sample_rate=16000)
    with pytest.raises(ValueError, match="model_weight=2"):
        HighBandGain(sample_rate=48000, model_sample_rate=16000, model_weight=2)
    with pytest.raises(ValueError, match="reference_band"):
        HighBandGain(sample_rate=48000, model_sample_rate=16000, reference_band=(0.9, 0.5))


@pytest.mark.parametrize("sample_rate,latency", [(48000, 2956), (44100, 3524)])
@pytest.mark.parametrize("frame", [7, 480, 4096])
def test_realtime_stream_at_full_band_is_offline_delayed_by_a_fixed_latency(default, sample_rate, latency, frame):
    x = noisy_mixture(SECONDS, sample_rate)[0][:, : sample_rate // 2]
    stream = default.stream(sample_rate=sample_rate)
    assert (stream.sample_rate, stream.latency) == (sample_rate, latency)  # 61.6 ms / 79.9 ms
    pieces = [stream.feed(x[:, i:i + frame]) for i in range(0, x.shape[-1], frame)]
    assert all(p.shape[-1] == min(frame, x.shape[-1] - i) for p, i in zip(pieces, range(0, x.shape[-1], frame)))
    y = torch.cat(pieces + [stream.flush()], dim=-1)
    assert torch.equal(y[:, :latency], torch.zeros(1, latency))
    torch.testing.assert_close(y[:, latency:], soft_limit(default.enhance(x, sample_rate)), rtol=0, atol=2e-5)
