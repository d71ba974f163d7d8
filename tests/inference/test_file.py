"""enhance_file: format round trips, strength, residual, clipping, overwrite policy, block == whole."""
import numpy as np
import pytest
import soundfile
import torch

from senhance.enhance import OutputExistsError, enhance_file, soft_limit

LSB16 = 1 / 32768


@pytest.mark.parametrize("suffix,subtype", [(".wav", "PCM_16"), (".wav", "PCM_24"), (".flac", "PCM_16"),
                                            (".flac", "PCM_24"), (".wav", "FLOAT")])
@pytest.mark.parametrize("sample_rate,channels", [(8000, 1), (16000, 2), (44100, 1), (48000, 2)])
def test_round_trip_keeps_rate_channels_length_subtype(tmp_path, standins, suffix, subtype, sample_rate, channels):
    src = tmp_path / f"in{suffix}"
    x = standins.make_audio(src, sample_rate=sample_rate, seconds=0.05, channels=channels, subtype=subtype)
    out = enhance_file(standins.GainEnhancer(0.5, sample_rate), src, tmp_path / f"out{suffix}")
    info_in, info_out = soundfile.info(src), soundfile.info(out)
    assert (info_out.samplerate, info_out.channels, info_out.frames, info_out.subtype, info_out.format) == \
           (info_in.samplerate, info_in.channels, info_in.frames, info_in.subtype, info_in.format)
    y, _ = soundfile.read(out, dtype="float64", always_2d=True)
    assert np.abs(y.T - 0.5 * x).max() <= LSB16  # within one 16-bit step of x / 2


def test_rate_mismatch_is_resampled_back(tmp_path, standins):
    src = tmp_path / "in.wav"
    t = np.arange(800) / 8000
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1000 * t))[None]  # well inside the band
    soundfile.write(src, x.T, 8000, subtype="FLOAT")
    out = enhance_file(standins.GainEnhancer(1.0, 16000), src, tmp_path / "out.wav")
    y, rate = soundfile.read(out, dtype="float64", always_2d=True)
    assert rate == 8000 and y.shape[0] == x.shape[1]
    inner = slice(100, -100)  # band-limited up/down sampling is ~identity away from the edges
    assert np.abs(y.T[:, inner] - x[:, inner]).max() < 0.01


def test_strength_zero_returns_input_exactly(tmp_path, standins):
    src = tmp_path / "in.wav"
    standins.make_audio(src, sample_rate=16000, channels=2, amplitude=0.99)
    out = enhance_file(standins.GainEnhancer(4.0), src, tmp_path / "out.wav", strength=0.0)
    a, _ = soundfile.read(src, dtype="int16")
    b, _ = soundfile.read(out, dtype="int16")
    np.testing.assert_array_equal(a, b)


def test_strength_mixes_and_residual_is_what_was_removed(tmp_path, standins):
    src = tmp_path / "in.wav"
    x = standins.make_audio(src, subtype="FLOAT", amplitude=0.5)
    out = enhance_file(standins.GainEnhancer(0.5), src, tmp_path / "out.wav", strength=0.5, save_residual=True)
    y, _ = soundfile.read(out, dtype="float64", always_2d=True)
    r, _ = soundfile.read(tmp_path / "out_residual.wav", dtype="float64", always_2d=True)
    np.testing.assert_allclose(y.T, 0.75 * x, atol=1e-6)  # 0.5 * (x / 2) + 0.5 * x
    np.testing.assert_allclose(r.T, 0.25 * x, atol=1e-6)  # x - 0.75 x


def test_loud_output_is_limited_not_wrapped(tmp_path, standins):
    src = tmp_path / "in.wav"
    x = standins.make_audio(src, amplitude=0.9)
    out = enhance_file(standins.GainEnhancer(8.0), src, tmp_path / "out.wav")
    y, _ = soundfile.read(out, dtype="float64", always_2d=True)
    y = y.T
    assert np.abs(y).max() <= 1.0
    loud = np.abs(x) > 0.05
    assert np.all(np.sign(y[loud]) == np.sign(x[loud]))  # a wrapped sample would flip sign
    order = np.argsort(x[0])  # the limiter is monotonic: louder in, louder (or equal) out
    assert np.all(np.diff(y[0][order]) >= -LSB16)


def test_soft_limit_against_closed_form():
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
    knee, a = 0.8, x.numpy()
    expected = np.where(np.abs(a) <= knee, a, np.sign(a) * (knee + (1 - knee) * np.tanh((np.abs(a) - knee) / (1 - knee))))
    np.testing.assert_allclose(soft_limit(x, knee=knee).numpy(), expected, rtol=0, atol=1e-12)
    assert soft_limit(x, knee=knee).abs().max() <= 1
    with pytest.raises(ValueError, match="knee"):
        soft_limit(x, knee=1.0)


def test_overwrite_policy_and_inputs_untouched(tmp_path, standins):
    src = tmp_path / "in.wav"
    standins.make_audio(src)
    before = standins.sha256(src)
    out = tmp_path / "out.wav"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="out.wav.*overwrite"):
        enhance_file(standins.GainEnhancer(), src, out)
    assert out.read_bytes() == b"keep me"
    enhance_file(standins.GainEnhancer(), src, out, overwrite=True)
    assert soundfile.info(out).frames == soundfile.info(src).frames
    for target in (src, tmp_path / "." / "in.wav"):
        with pytest.raises(OutputExistsError, match="input"):
            enhance_file(standins.GainEnhancer(), src, target, overwrite=True)
    with pytest.raises(ValueError, match="strength"):
        enhance_file(standins.GainEnhancer(), src, tmp_path / "o2.wav", strength=1.5)
    assert standins.sha256(src) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav", "out.wav"]  # no temp files left


def test_streaming_model_blocks_equal_whole_file(tmp_path, standins, iir_enhancer):
    src = tmp_path / "in.wav"
    x = standins.make_audio(src, sample_rate=8000, seconds=0.3, channels=2, subtype="FLOAT")
    whole = enhance_file(iir_enhancer, src, tmp_path / "whole.wav", subtype="FLOAT")
    blocks = enhance_file(iir_enhancer, src, tmp_path / "blocks.wav", subtype="FLOAT", block_seconds=0.0137)
    a, _ = soundfile.read(whole, dtype="float64", always_2d=True)
    b, _ = soundfile.read(blocks, dtype="float64", always_2d=True)
    reference = standins.iir_reference(x)  # scipy.signal.lfilter over the whole signal
    np.testing.assert_allclose(a.T, reference, atol=1e-6)
    np.testing.assert_allclose(b.T, reference, atol=1e-6)


def test_non_streaming_overlap_add_equals_whole_file(tmp_path, standins):
    from scipy.signal import firwin, lfilter

    taps = firwin(31, 0.2)
    src = tmp_path / "in.flac"
    x = standins.make_audio(src, sample_rate=8000, seconds=1.3, channels=2, subtype="PCM_24")
    out = enhance_file(standins.FirEnhancer(taps), src, tmp_path / "out.wav", subtype="FLOAT", block_seconds=0.05)
    y, _ = soundfile.read(out, dtype="float64", always_2d=True)
    np.testing.assert_allclose(y.T, lfilter(taps, [1.0], x, axis=-1), atol=1e-6)


def test_block_path_keeps_residual_and_strength(tmp_path, standins, iir_enhancer):
    src = tmp_path / "in.wav"
    x = standins.make_audio(src, sample_rate=8000, seconds=0.2, subtype="FLOAT")
    enhance_file(iir_enhancer, src, tmp_path / "o.wav", strength=0.25, save_residual=True, block_seconds=0.01)
    y, _ = soundfile.read(tmp_path / "o.wav", dtype="float64", always_2d=True)
    r, _ = soundfile.read(tmp_path / "o_residual.wav", dtype="float64", always_2d=True)
    expected = 0.25 * standins.iir_reference(x) + 0.75 * x
    np.testing.assert_allclose(y.T, expected, atol=1e-6)
    np.testing.assert_allclose(r.T, x - expected, atol=1e-6)


def test_corrupt_and_nan_inputs_raise_naming_the_file(tmp_path, standins):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF" + bytes(range(200)))
    with pytest.raises(ValueError, match="bad.wav"):
        enhance_file(standins.GainEnhancer(), bad, tmp_path / "o.wav")
    nan = tmp_path / "nan.wav"
    data = np.zeros(800, dtype=np.float32)
    data[700] = np.nan
    soundfile.write(nan, data, 8000, subtype="FLOAT")
    for block_seconds in (10.0, 0.01):
        with pytest.raises(ValueError, match="nan.wav.*NaN"):
            enhance_file(standins.GainEnhancer(1.0, 8000), nan, tmp_path / "o.wav", block_seconds=block_seconds)
    assert not (tmp_path / "o.wav").exists()


def test_failure_mid_file_leaves_no_output(tmp_path, standins):
    """An error after some blocks were written: no output, no temp file, the old output kept."""
    from senhance.registry import PackagedEnhancer

    class Failing:
        calls = 0

        def feed(self, chunk):
            Failing.calls += 1
            if Failing.calls == 3:
                raise RuntimeError("boom")
            return chunk

        def flush(self):
            return torch.zeros(1, 0)

    model = standins.IirModel()
    enhancer = PackagedEnhancer(model, {"sample_rate": 8000}, streamer=Failing)
    src = tmp_path / "in.wav"
    standins.make_audio(src, sample_rate=8000, seconds=0.2)
    (tmp_path / "out.wav").write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="boom"):
        enhance_file(enhancer, src, tmp_path / "out.wav", overwrite=True, block_seconds=0.02, save_residual=True)
    assert Failing.calls == 3
    assert (tmp_path / "out.wav").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav", "out.wav"]


@pytest.mark.parametrize("file_rate", [44100, 16000])
def test_streaming_model_at_another_rate_blocks_equal_whole_file(tmp_path, standins, tiny_checkpoint, file_rate):
    """The tiny model runs at 8 kHz: files at other rates are resampled block-wise, exactly."""
    from senhance.registry import load

    enhancer = load(tiny_checkpoint)
    src = tmp_path / "in.wav"
    standins.make_audio(src, sample_rate=file_rate, seconds=0.25, channels=2, subtype="FLOAT")
    enhance_file(enhancer, src, tmp_path / "whole.wav", subtype="FLOAT")
    enhance_file(enhancer, src, tmp_path / "blocks.wav", subtype="FLOAT", block_seconds=0.0171)
    a, _ = soundfile.read(tmp_path / "whole.wav", dtype="float64")
    b, rate = soundfile.read(tmp_path / "blocks.wav", dtype="float64")
    assert rate == file_rate and b.shape == a.shape
    assert np.abs(a).max() > 0.05
    np.testing.assert_allclose(b, a, atol=1e-5)
