"""senhance.io against soundfile/numpy: round trips, clipping, atomic writes, error cases."""
import os

import numpy as np
import pytest
import soundfile as sf
import torch

from senhance import io as sio
from senhance.errors import UserError
from senhance.io import (AUDIO_SUFFIXES, AudioFileError, AudioWriter, InputOverwriteError, audio_info, iter_audio_blocks,
                         read_audio, refuse_to_overwrite_input, write_audio)


def _tone(channels=2, frames=801, sample_rate=16000):
    t = np.arange(frames) / sample_rate
    rows = [0.5 * np.sin(2 * np.pi * (440 + 110 * c) * t) for c in range(channels)]
    return torch.from_numpy(np.stack(rows)).float()  # (C, T)


@pytest.mark.parametrize(
    "suffix, subtype, atol",
    [
        (".wav", "PCM_16", 1 / 2**15),
        (".wav", "PCM_24", 1 / 2**23),
        (".wav", "PCM_32", 1 / 2**30),
        (".wav", "FLOAT", 0.0),
        (".wav", "DOUBLE", 1e-7),
        (".wav", "PCM_U8", 1 / 2**7),
        (".flac", "PCM_16", 1 / 2**15),
        (".flac", "PCM_24", 1 / 2**23),
    ],
)
def test_round_trip(tmp_path, suffix, subtype, atol):
    x = _tone()
    path = tmp_path / f"a{suffix}"
    write_audio(path, x, 16000, subtype=subtype)
    y, sample_rate = read_audio(path)
    assert sample_rate == 16000 and y.dtype == torch.float32 and y.shape == x.shape
    # independent reference: soundfile reads the same file
    ref = sf.read(path, dtype="float64", always_2d=True)[0].T
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-7)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=atol + 1e-7)
    info = audio_info(path)
    assert (info.sample_rate, info.frames, info.channels, info.subtype) == (16000, 801, 2, subtype)


def test_ogg_round_trip_is_close(tmp_path):
    x = _tone(channels=1, frames=8000)
    path = tmp_path / "a.ogg"
    write_audio(path, x, 16000)
    y, sample_rate = read_audio(path)
    assert sample_rate == 16000 and y.shape == x.shape and audio_info(path).subtype == "VORBIS"
    # lossy: compare energy, not samples
    assert abs(float(y.pow(2).mean() / x.pow(2).mean()) - 1) < 0.1


@pytest.mark.parametrize("subtype, full", [("PCM_16", 32767), ("PCM_24", 2**23 - 1), ("PCM_32", 2**31 - 1)])
def test_int_subtypes_clip_not_wrap(tmp_path, subtype, full):
    path = tmp_path / "loud.wav"
    write_audio(path, torch.tensor([[1.5, -2.0, 0.0, 1.0]]), 8000, subtype=subtype)
    raw = sf.read(path, dtype="int32")[0]
    shift = 32 - int(subtype.split("_")[1])
    raw = raw >> shift
    assert raw[0] == full and raw[1] <= -full and raw[2] == 0 and raw[3] == full


def test_1d_waveform_is_mono_and_numpy_accepted(tmp_path):
    write_audio(tmp_path / "m.wav", np.zeros(100), 8000)
    y, _ = read_audio(tmp_path / "m.wav")
    assert y.shape == (1, 100)


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileError, match="nope.wav: file not found"):
        read_audio(tmp_path / "nope.wav")


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioFileError, match="empty.wav: empty file"):
        read_audio(tmp_path / "empty.wav")


def test_zero_length_audio(tmp_path):
    path = tmp_path / "nosamples.wav"
    sf.write(path, np.zeros((0, 1)), 8000)  # a valid header with 0 frames
    with pytest.raises(AudioFileError, match="nosamples.wav: 0 samples"):
        read_audio(path)
    with pytest.raises(AudioFileError, match="0 samples"):
        audio_info(path)


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio\n" * 20)
    with pytest.raises(AudioFileError, match="notes.wav: not a readable audio file"):
        read_audio(path)


def test_truncated_header(tmp_path):
    good = tmp_path / "good.wav"
    write_audio(good, _tone(), 16000)
    bad = tmp_path / "cut.wav"
    bad.write_bytes(good.read_bytes()[:20])  # the RIFF header cut in the middle
    with pytest.raises(AudioFileError, match="cut.wav"):
        read_audio(bad)


def test_corrupt_header(tmp_path):
    good = tmp_path / "good.wav"
    write_audio(good, _tone(), 16000)
    data = bytearray(good.read_bytes())
    data[8:12] = b"JUNK"  # 'WAVE' form type destroyed
    bad = tmp_path / "junk.wav"
    bad.write_bytes(bytes(data))
    with pytest.raises(AudioFileError, match="junk.wav"):
        read_audio(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_float_wav(tmp_path, value):
    data = np.zeros((50, 1), dtype=np.float32)
    data[17] = value
    path = tmp_path / "nan.wav"
    sf.write(path, data, 8000, subtype="FLOAT")
    with pytest.raises(AudioFileError, match="nan.wav: contains NaN or Inf samples .*frame 17"):
        read_audio(path)
    with pytest.raises(AudioFileError, match="frame 17"):
        list(iter_audio_blocks(path, 10))


def test_write_rejects_non_finite_and_bad_args(tmp_path):
    with pytest.raises(ValueError, match="NaN or Inf"):
        write_audio(tmp_path / "x.wav", torch.tensor([0.0, float("nan")]), 8000)
    with pytest.raises(ValueError, match="unknown audio format"):
        write_audio(tmp_path / "x.xyz", torch.zeros(10), 8000)
    with pytest.raises(ValueError, match="subtype 'VORBIS' is not valid for WAV"):
        write_audio(tmp_path / "x.wav", torch.zeros(10), 8000, subtype="VORBIS")
    with pytest.raises(ValueError, match="sample_rate=0"):
        write_audio(tmp_path / "x.wav", torch.zeros(10), 0)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_input(tmp_path):
    path = tmp_path / "in.wav"
    write_audio(path, _tone(), 16000)
    before = path.read_bytes()
    x, sample_rate = read_audio(path)
    with pytest.raises(AudioFileError, match="in.wav: refusing to overwrite"):
        write_audio(path, 0.1 * x, sample_rate)
    with pytest.raises(AudioFileError, match="refusing to overwrite"):
        AudioWriter(path, sample_rate, 2).__enter__()
    assert path.read_bytes() == before
    write_audio(path, 0.1 * x, sample_rate, overwrite_input=True)
    assert path.read_bytes() != before


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "out.wav"
    write_audio(path, _tone(), 16000)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sio.sf, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        write_audio(path, torch.zeros(2, 10), 16000)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]  # no temp file left


def test_blocks_equal_whole(tmp_path):
    x = _tone(frames=1000)
    src = tmp_path / "src.wav"
    write_audio(src, x, 16000, subtype="FLOAT")
    blocks = list(iter_audio_blocks(src, 300))
    assert [b.shape[-1] for b in blocks] == [300, 300, 300, 100]
    whole, _ = read_audio(src)
    torch.testing.assert_close(torch.cat(blocks, -1), whole, rtol=0, atol=0)
    out_blocks, out_whole = tmp_path / "blocks.flac", tmp_path / "whole.flac"
    with AudioWriter(out_blocks, 16000, 2, subtype="PCM_24") as writer:
        for block in blocks:
            writer.write(block)
    write_audio(out_whole, whole, 16000, subtype="PCM_24")
    np.testing.assert_array_equal(sf.read(out_blocks, dtype="int32")[0], sf.read(out_whole, dtype="int32")[0])


def test_audio_writer_exception_leaves_nothing(tmp_path):
    path = tmp_path / "long.wav"
    with pytest.raises(RuntimeError, match="boom"):
        with AudioWriter(path, 8000, 1) as writer:
            writer.write(torch.zeros(1, 100))
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_audio_writer_keeps_old_file_on_exception_and_checks_channels(tmp_path):
    path = tmp_path / "long.wav"
    write_audio(path, torch.zeros(1, 10), 8000)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="block has 2 channels"):
        with AudioWriter(path, 8000, 1) as writer:
            writer.write(torch.zeros(2, 100))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]


def test_iter_blocks_errors_are_eager(tmp_path):
    with pytest.raises(AudioFileError, match="missing.wav: file not found"):
        iter_audio_blocks(tmp_path / "missing.wav", 100)
    with pytest.raises(ValueError, match="block_frames=0"):
        iter_audio_blocks(tmp_path / "missing.wav", 0)


def test_written_file_has_normal_permissions(tmp_path):
    path = tmp_path / "p.wav"
    write_audio(path, torch.zeros(1, 10), 8000)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("suffix, subtype", [(".wav", "PCM_16"), (".wav", "FLOAT"), (".flac", "PCM_24")])
@pytest.mark.parametrize("start, frames", [(0, 100), (123, 300), (700, 500), (800, None), (0, None), (250, 1)])
def test_partial_read_equals_soundfile(tmp_path, suffix, subtype, start, frames):
    path = tmp_path / f"a{suffix}"
    write_audio(path, _tone(channels=2, frames=801), 16000, subtype=subtype)
    y, sample_rate = read_audio(path, start=start, frames=frames)
    # independent reference: soundfile's own partial read (frames=-1: to the end)
    ref = sf.read(path, start=start, frames=-1 if frames is None else frames, dtype="float32", always_2d=True)[0].T
    assert sample_rate == 16000 and y.dtype == torch.float32
    assert y.shape == ref.shape == (2, min(801 - start, 801 if frames is None else frames))
    np.testing.assert_array_equal(y.numpy(), ref)


def test_partial_read_bad_span_and_bad_files(tmp_path):
    path = tmp_path / "short.wav"
    write_audio(path, _tone(channels=1, frames=100), 8000)
    for kwargs, message in [(dict(start=-1), "start=-1 must be"), (dict(start=1.5), "start=1.5 must be"),
                            (dict(frames=0), "frames=0 must be"), (dict(frames=-5), "frames=-5 must be"),
                            (dict(start=True), "start=True must be")]:
        with pytest.raises(ValueError, match=f"short.wav: {message}"):
            read_audio(path, **kwargs)
    for start in (100, 5000):
        with pytest.raises(AudioFileError, match=f"short.wav: start={start} is at or beyond the end of the file "
                                                 r"\(100 frames\)"):
            read_audio(path, start=start, frames=10)
    with pytest.raises(AudioFileError, match="nope.wav: file not found"):
        read_audio(tmp_path / "nope.wav", start=10, frames=10)
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 20)
    with pytest.raises(AudioFileError, match="notes.wav: not a readable audio file"):
        read_audio(tmp_path / "notes.wav", start=1, frames=10)


def test_partial_read_reports_non_finite_samples_with_their_frame(tmp_path):
    data = np.zeros((50, 1), dtype=np.float32)
    data[37] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, data, 8000, subtype="FLOAT")
    assert torch.equal(read_audio(path, start=0, frames=30)[0], torch.zeros(1, 30))  # the NaN is not in the span
    with pytest.raises(AudioFileError, match="nan.wav: contains NaN or Inf samples .*frame 37"):
        read_audio(path, start=30, frames=10)


def test_partial_read_marks_the_file_as_an_input(tmp_path):
    path = tmp_path / "in.wav"
    write_audio(path, _tone(channels=1, frames=100), 8000)
    read_audio(path, start=10, frames=20)
    with pytest.raises(AudioFileError, match="refusing to overwrite"):
        write_audio(path, _tone(channels=1, frames=100), 8000)


def test_refuse_to_overwrite_input_catches_the_same_path_a_link_and_a_hard_link(tmp_path):
    source = tmp_path / "in.wav"
    write_audio(source, torch.zeros(1, 10), 8000)
    (tmp_path / "link.wav").symlink_to(source)
    os.link(source, tmp_path / "hard.wav")
    for output in (source, tmp_path / "sub" / ".." / "in.wav", tmp_path / "link.wav", tmp_path / "hard.wav"):
        with pytest.raises(InputOverwriteError, match=r"output=.*: is the input file; senhance never overwrites"):
            refuse_to_overwrite_input(source, output)
    refuse_to_overwrite_input(source, tmp_path / "out.wav")  # another file: fine
    refuse_to_overwrite_input(tmp_path / "missing.wav", tmp_path / "out.wav")  # neither exists: fine


def test_refuse_to_overwrite_input_of_a_folder_and_inside_it(tmp_path):
    folder = tmp_path / "noisy"
    folder.mkdir()
    with pytest.raises(InputOverwriteError, match="out_dir=.*: is the input folder"):
        refuse_to_overwrite_input(folder, tmp_path / "noisy", what="out_dir")
    refuse_to_overwrite_input(folder, folder / "enhanced")  # inside: allowed unless asked
    with pytest.raises(InputOverwriteError, match=r"out_dir=.*enhanced: inside the input folder .*noisy"):
        refuse_to_overwrite_input(folder, folder / "a" / "enhanced", what="out_dir", refuse_inside=True)
    refuse_to_overwrite_input(folder, tmp_path / "noisy_enhanced", refuse_inside=True)  # a sibling with a longer name
    error = pytest.raises(InputOverwriteError, refuse_to_overwrite_input, folder, folder).value
    assert isinstance(error, ValueError) and isinstance(error, UserError)


def test_audio_suffixes_are_lower_case_and_name_formats_soundfile_writes_and_reads(tmp_path):
    assert all(s == s.lower() and s.startswith(".") for s in AUDIO_SUFFIXES)
    for suffix in (".wav", ".flac", ".ogg", ".aiff", ".au", ".caf", ".w64"):
        assert suffix in AUDIO_SUFFIXES
        path = tmp_path / f"a{suffix}"
        write_audio(path, 0.1 * torch.ones(1, 200), 8000)
        assert read_audio(path)[0].shape == (1, 200)
    assert not {".txt", ".json", ".pt", ".png", ".csv"} & AUDIO_SUFFIXES
