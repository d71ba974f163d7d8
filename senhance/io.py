"""Reading and writing audio files: the only audio file I/O the rest of senhance uses.

Everything goes through `soundfile` (libsndfile): WAV, FLAC, OGG/Vorbis and whatever else it
reads, 8/16/24/32-bit integer and float subtypes. Waveforms are float32 ``(channels, time)``.
:func:`read_audio` reads a whole file or a span of it (``start=``, ``frames=``: only those frames
are decoded).

Safety rules, enforced here once:

* errors about a file are :class:`AudioFileError` (a ``ValueError``) whose message starts with
  the path: missing, empty, unreadable/corrupt/non-audio, 0 samples, NaN/Inf samples;
* writes are atomic (a temporary file in the destination folder, then ``os.replace``), so a
  reader never sees a half-written file and a failed write leaves nothing behind;
* samples are clamped to [-1, 1] before writing, so integer subtypes clip and never wrap around;
* a file this process read with :func:`read_audio` / :func:`iter_audio_blocks` is never
  overwritten unless ``overwrite_input=True``; :func:`refuse_to_overwrite_input` is the one
  "this output is not that input" check of the commands (paths, links, an output inside an input folder).

:data:`AUDIO_SUFFIXES` is the one list of audio file suffixes; the atomic writers for non-audio files
live in :mod:`senhance.atomic`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf
import torch
from torch import Tensor

from senhance.atomic import atomic_output, atomic_write_text, temporary_path_next_to
from senhance.errors import UserError

__all__ = ["AudioFileError", "AudioInfo", "audio_info", "read_audio", "write_audio", "iter_audio_blocks", "AudioWriter",
           "AUDIO_SUFFIXES", "InputOverwriteError", "refuse_to_overwrite_input",
           "atomic_output", "atomic_write_text"]  # the last two live in senhance.atomic (kept here for old imports)

#: File suffixes treated as audio (lower case): what folder scans, pairing and evaluation pick up.
#: Everything libsndfile reads in practice.
AUDIO_SUFFIXES = frozenset(
    ".wav .wave .flac .ogg .oga .opus .mp3 .aif .aiff .aifc .au .snd .caf .w64 .rf64 .sph .nist".split()
)

_READ_PATHS: set[str] = set()  # resolved paths read by this process (inputs are never overwritten)


class AudioFileError(UserError, ValueError):
    """A file that is missing, empty, unreadable, corrupt, not audio, or holds NaN/Inf samples."""


@dataclass(frozen=True)
class AudioInfo:
    """Header information of an audio file (see :func:`audio_info`)."""

    sample_rate: int
    frames: int
    channels: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


class InputOverwriteError(UserError, ValueError):
    """An output that would replace (or land inside) an input; senhance never overwrites an input."""


def refuse_to_overwrite_input(input_path: str | os.PathLike, output_path: str | os.PathLike, *,
                              what: str = "output", refuse_inside: bool = False) -> None:
    """Raise :class:`InputOverwriteError` if writing ``output_path`` would overwrite ``input_path``.

    The one "never overwrite the input" check: the same path after resolving links, or the same file on
    disk (a hard link). With ``refuse_inside=True`` (``input_path`` a folder) an output inside that
    folder is refused too, so a later scan of the input does not pick the outputs up.

    Args:
        input_path: the input file or folder.
        output_path: the file or folder about to be written.
        what: the argument's name in the message (``"output"``, ``"out_dir"``, ...).
        refuse_inside: also refuse an output anywhere under the input folder.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> refuse_to_overwrite_input(folder / "in.wav", folder / "out.wav")  # fine: another file
    >>> try:
    ...     refuse_to_overwrite_input(folder / "in.wav", folder / "sub" / ".." / "in.wav")
    ... except InputOverwriteError as error:
    ...     print(str(error).split(": ", 1)[1])
    is the input file; senhance never overwrites an input
    """
    source, target = Path(input_path), Path(output_path)
    same = _key(source) == _key(target) or (source.exists() and target.exists() and os.path.samefile(source, target))
    if same:
        kind = "folder" if source.is_dir() else "file"
        raise InputOverwriteError(f"{what}={target}: is the input {kind}; senhance never overwrites an input")
    if refuse_inside and Path(_key(source)) in Path(_key(target)).parents:
        raise InputOverwriteError(f"{what}={target}: inside the input folder {source} (a later scan would mix the "
                                  "outputs in); choose another folder")


def _key(path: str | os.PathLike) -> str:
    return os.path.realpath(os.fspath(path))


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise AudioFileError(f"{path}: file not found")
    if not path.is_file():
        raise AudioFileError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: empty file (0 bytes)")


def _open(path: Path) -> sf.SoundFile:
    _check_exists(path)
    try:
        handle = sf.SoundFile(os.fspath(path))
    except (sf.SoundFileError, RuntimeError, OSError, TypeError) as exc:
        raise AudioFileError(f"{path}: not a readable audio file ({exc})") from None
    if handle.frames == 0:
        handle.close()
        raise AudioFileError(f"{path}: 0 samples")
    return handle


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Read only the header of an audio file.

    Args:
        path: an audio file soundfile can read.

    Returns:
        :class:`AudioInfo` with ``sample_rate``, ``frames``, ``channels``, ``format``, ``subtype``.

    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> write_audio(path, torch.zeros(2, 800), 16000)
    >>> audio_info(path)
    AudioInfo(sample_rate=16000, frames=800, channels=2, format='WAV', subtype='PCM_16')
    """
    path = Path(path)
    with _open(path) as handle:
        return AudioInfo(int(handle.samplerate), int(handle.frames), int(handle.channels), handle.format, handle.subtype)


def _check_finite(path: Path, data: np.ndarray, offset: int = 0) -> None:
    if not np.isfinite(data).all():
        bad = int(np.argwhere(~np.isfinite(data))[0][0]) + offset
        raise AudioFileError(f"{path}: contains NaN or Inf samples (first at frame {bad})")


def _check_span(path: Path, start, frames) -> tuple[int, int]:
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
        raise ValueError(f"{path}: start={start!r} must be a non-negative integer (a frame index)")
    if frames is None:
        return int(start), -1
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 1:
        raise ValueError(f"{path}: frames={frames!r} must be a positive integer or None (to the end)")
    return int(start), int(frames)


def read_audio(path: str | os.PathLike, *, start: int = 0, frames: int | None = None) -> tuple[Tensor, int]:
    """Read a whole audio file, or the frames ``[start, start + frames)`` of it, as float32.

    A partial read decodes only the requested frames (soundfile seeks), so a training loader can
    take a segment of a long file cheaply. It ends early at the end of the file (fewer frames).

    Args:
        path: an audio file soundfile can read (WAV, FLAC, OGG, ...).
        start: first frame to read (0-based, must be inside the file).
        frames: how many frames to read; ``None``: to the end of the file.

    Shape:
        returns a waveform ``(channels, time)``; ``time = min(frames, file frames - start)``.

    Returns:
        ``(waveform, sample_rate)``; integer files are scaled to [-1, 1).

    Raises:
        AudioFileError: missing, empty, unreadable or non-audio file, 0 samples, NaN/Inf samples,
            ``start`` at or beyond the end of the file.
        ValueError: ``start`` or ``frames`` is not a non-negative / positive integer.

    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "a.flac")
    >>> write_audio(path, 0.5 * torch.ones(1, 100), 8000)
    >>> waveform, sample_rate = read_audio(path)
    >>> waveform.shape, waveform.dtype, sample_rate, round(float(waveform[0, 0]), 3)
    (torch.Size([1, 100]), torch.float32, 8000, 0.5)
    >>> read_audio(path, start=90, frames=20)[0].shape  # only 10 frames are left after frame 90
    torch.Size([1, 10])
    """
    path = Path(path)
    start, count = _check_span(path, start, frames)
    with _open(path) as handle:
        sample_rate = int(handle.samplerate)
        if start >= handle.frames:
            raise AudioFileError(f"{path}: start={start} is at or beyond the end of the file ({handle.frames} frames)")
        try:
            if start:
                handle.seek(start)
            data = handle.read(count, dtype="float32", always_2d=True)  # (T, C)
        except (sf.SoundFileError, RuntimeError) as exc:
            where = f" (reading from frame {start})" if start else ""
            raise AudioFileError(f"{path}: corrupt audio data{where} ({exc})") from None
    if data.shape[0] == 0:
        raise AudioFileError(f"{path}: 0 samples" + (f" from frame {start}" if start else ""))
    _check_finite(path, data, start)
    _READ_PATHS.add(_key(path))
    return torch.from_numpy(np.ascontiguousarray(data.T)), sample_rate  # (C, T)


def iter_audio_blocks(path: str | os.PathLike, block_frames: int) -> Iterator[Tensor]:
    """Read a (long) audio file block by block.

    Args:
        path: an audio file soundfile can read.
        block_frames: frames per block; the last block may be shorter.

    Shape:
        yields ``(channels, n)`` float32 blocks with ``n <= block_frames``.

    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> write_audio(path, torch.zeros(1, 250), 8000)
    >>> [tuple(block.shape) for block in iter_audio_blocks(path, 100)]
    [(1, 100), (1, 100), (1, 50)]
    """
    if int(block_frames) != block_frames or block_frames < 1:
        raise ValueError(f"block_frames={block_frames} must be a positive integer")
    path = Path(path)
    handle = _open(path)  # validated eagerly, before the first next()
    _READ_PATHS.add(_key(path))
    return _blocks(path, handle, int(block_frames))


def _blocks(path: Path, handle: sf.SoundFile, block_frames: int) -> Iterator[Tensor]:
    offset = 0
    with handle:
        while True:
            try:
                data = handle.read(block_frames, dtype="float32", always_2d=True)  # (n, C)
            except (sf.SoundFileError, RuntimeError) as exc:
                raise AudioFileError(f"{path}: corrupt audio data at frame {offset} ({exc})") from None
            if data.shape[0] == 0:
                return
            _check_finite(path, data, offset)
            offset += data.shape[0]
            yield torch.from_numpy(np.ascontiguousarray(data.T))  # (C, n)


def _format_for(path: Path) -> str:
    suffix = path.suffix[1:].upper()
    aliases = {"OGA": "OGG", "OPUS": "OGG", "AIF": "AIFF"}
    fmt = aliases.get(suffix, suffix)
    if fmt not in sf.available_formats():
        raise ValueError(f"{path}: unknown audio format {path.suffix!r} (use .wav, .flac, .ogg, ...)")
    return fmt


def _as_channels_time(waveform, name: str) -> np.ndarray:
    if isinstance(waveform, Tensor):
        waveform = waveform.detach().to("cpu", torch.float64).numpy()
    data = np.asarray(waveform, dtype=np.float64)
    if data.ndim == 1:
        data = data[None]
    if data.ndim != 2:
        raise ValueError(f"{name}: waveform must be (time,) or (channels, time), got shape {data.shape}")
    if data.shape[0] < 1:
        raise ValueError(f"{name}: waveform has 0 channels")
    if not np.isfinite(data).all():
        raise ValueError(f"{name}: waveform contains NaN or Inf samples")
    return np.clip(data, -1.0, 1.0)  # (C, T); clip, never wrap


def _check_target(path: Path, overwrite_input: bool) -> None:
    if not overwrite_input and _key(path) in _READ_PATHS:
        raise AudioFileError(f"{path}: refusing to overwrite a file that was read as input (pass overwrite_input=True)")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a directory")


def _check_subtype(path: Path, fmt: str, subtype: str | None) -> str:
    subtype = subtype.upper() if subtype else sf.default_subtype(fmt)
    if not sf.check_format(fmt, subtype):
        raise ValueError(f"{path}: subtype {subtype!r} is not valid for {fmt} (try {sorted(sf.available_subtypes(fmt))})")
    return subtype


def write_audio(
    path: str | os.PathLike,
    waveform,
    sample_rate: int,
    *,
    subtype: str | None = None,
    overwrite_input: bool = False,
) -> None:
    """Write audio atomically; the format follows the suffix.

    Args:
        path: destination (``.wav``, ``.flac``, ``.ogg``, ...); parent folders are created.
        waveform: Tensor or array, float, nominally in [-1, 1]; clamped there before writing.
        sample_rate: in Hz.
        subtype: soundfile subtype (``"PCM_16"``, ``"PCM_24"``, ``"PCM_32"``, ``"FLOAT"``, ...);
            default: the format's default (PCM_16 for WAV/FLAC, VORBIS for OGG).
        overwrite_input: allow replacing a file this process read.

    Shape:
        waveform: ``(time,)`` or ``(channels, time)``.

    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "loud.wav")
    >>> write_audio(path, torch.tensor([[2.0, -3.0, 0.25]]), 16000, subtype="PCM_16")
    >>> read_audio(path)[0]  # clipped, not wrapped
    tensor([[ 1.0000, -1.0000,  0.2500]])
    """
    path = Path(path)
    fmt = _format_for(path)
    subtype = _check_subtype(path, fmt, subtype)
    data = _as_channels_time(waveform, str(path))
    if data.shape[1] == 0:
        raise ValueError(f"{path}: waveform has 0 samples")
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"{path}: sample_rate={sample_rate} must be a positive integer")
    _check_target(path, overwrite_input)
    tmp = temporary_path_next_to(path)
    try:
        sf.write(tmp, data.T, int(sample_rate), subtype=subtype, format=fmt)  # (T, C)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class AudioWriter:
    """Write a long file block by block, atomically.

    A context manager: blocks go to a temporary file next to ``path`` which replaces ``path``
    only when the ``with`` body exits cleanly; on an exception it is deleted and ``path`` is
    left untouched (absent if it did not exist).

    Args:
        path: destination; the format follows the suffix.
        sample_rate: in Hz.
        channels: number of channels of every block.
        subtype: as in :func:`write_audio`.
        overwrite_input: allow replacing a file this process read.

    Shape:
        ``write(block)`` takes ``(channels, n)`` (or ``(n,)`` when mono).

    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "long.wav")
    >>> with AudioWriter(path, 8000, 1) as writer:
    ...     writer.write(torch.zeros(1, 100))
    ...     writer.write(torch.zeros(1, 50))
    >>> audio_info(path).frames
    150
    """

    def __init__(self, path, sample_rate: int, channels: int, subtype: str | None = None, *, overwrite_input: bool = False):
        self.path = Path(path)
        self.format = _format_for(self.path)
        self.subtype = _check_subtype(self.path, self.format, subtype)
        if int(sample_rate) != sample_rate or sample_rate <= 0:
            raise ValueError(f"{self.path}: sample_rate={sample_rate} must be a positive integer")
        if int(channels) != channels or channels < 1:
            raise ValueError(f"{self.path}: channels={channels} must be a positive integer")
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.overwrite_input = overwrite_input
        self.frames = 0
        self._tmp: str | None = None
        self._handle: sf.SoundFile | None = None

    def __enter__(self) -> "AudioWriter":
        _check_target(self.path, self.overwrite_input)
        self._tmp = temporary_path_next_to(self.path)
        try:
            self._handle = sf.SoundFile(self._tmp, "w", self.sample_rate, self.channels, self.subtype, format=self.format)
        except BaseException:
            os.unlink(self._tmp)
            raise
        return self

    def write(self, block) -> None:
        """Append a ``(channels, n)`` block (clamped to [-1, 1])."""
        if self._handle is None:
            raise RuntimeError(f"{self.path}: AudioWriter.write() called outside its `with` block")
        data = _as_channels_time(block, str(self.path))
        if data.shape[0] != self.channels:
            raise ValueError(f"{self.path}: block has {data.shape[0]} channels, the writer was opened with {self.channels}")
        self._handle.write(data.T)  # (n, C)
        self.frames += data.shape[1]

    def __exit__(self, exc_type, exc, tb) -> None:
        handle, tmp = self._handle, self._tmp
        self._handle = self._tmp = None
        try:
            handle.close()
            if exc_type is None:
                os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
