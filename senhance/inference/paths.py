"""Enhance many files: a file, a folder (recursive) or a glob, into a file or a mirrored folder."""
from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from senhance.errors import UsageError
from senhance.inference.file import DEFAULT_BLOCK_SECONDS, enhance_file, residual_path_for
from senhance.inference.waveform import attenuation_floor
from senhance.io import AUDIO_SUFFIXES, audio_info


class NoInputError(UsageError, ValueError):
    """``input`` names no file, folder or glob match."""


@dataclass
class Summary:
    """What a batch did: ``done`` outputs, ``failed`` (input, reason) pairs, audio and wall seconds."""

    done: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def rtf(self) -> float:
        """Real-time factor: wall seconds per second of audio (lower is faster)."""
        return self.wall_seconds / self.audio_seconds if self.audio_seconds > 0 else float("nan")

    @property
    def ok(self) -> bool:
        return not self.failed

    def report(self) -> str:
        """One line of counts (with the real-time factor when any audio was done), then one per failure.

        >>> Summary(failed=[("a.wav", "0 samples")]).report()
        '0 file(s) done, 1 failed, 0.0 s of audio in 0.0 s\\nFAILED a.wav: 0 samples'
        """
        speed = f" (real-time factor {self.rtf:.4f})" if self.audio_seconds > 0 else ""
        lines = [f"{len(self.done)} file(s) done, {len(self.failed)} failed, {self.audio_seconds:.1f} s of audio "
                 f"in {self.wall_seconds:.1f} s{speed}"]
        lines += [f"FAILED {path}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


def _glob_root(pattern: str) -> Path:
    """The longest leading part of ``pattern`` without glob characters."""
    parts = Path(pattern).parts
    root = []
    for part in parts:
        if glob.has_magic(part):
            break
        root.append(part)
    return Path(*root) if root else Path(".")


def collect_inputs(input: str | Path, output: str | Path) -> tuple[list[Path], Path | None]:
    """Resolve ``input`` into ``(files, root)``; ``root`` is None for a single file.

    Files under ``output`` are skipped, so an output folder inside the input folder is never
    read back as input.
    """
    text = os.fspath(input)
    path = Path(text)
    if path.is_file():
        return [path], None
    suffixes = AUDIO_SUFFIXES
    if path.is_dir():
        root, candidates = path, (p for p in path.rglob("*") if p.is_file())
    elif glob.has_magic(text):
        root, candidates = _glob_root(text), (Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    else:
        raise NoInputError(f"input={text}: no such file, folder or glob match")
    out = Path(output).resolve()
    skip_out = out != root.resolve() and root.resolve() in out.parents  # an output folder inside the input
    files = sorted(p for p in candidates if p.suffix.lower() in suffixes and not p.name.startswith(".")
                   and not (skip_out and out in p.resolve().parents))
    if not files:
        raise NoInputError(f"input={text}: no audio files ({', '.join(sorted(suffixes)[:6])}, ...) found")
    return files, root


def output_for(file: Path, root: Path | None, output: Path, suffix: str) -> Path:
    """Where the enhanced ``file`` goes: ``output`` itself, or ``output`` mirroring ``root``'s layout."""
    if root is None:
        is_folder = output.is_dir() or os.fspath(output).endswith(("/", os.sep)) or not output.suffix
        if not is_folder:
            return output
        return output / f"{file.stem}{suffix}{file.suffix}"
    relative = file.relative_to(root) if file.is_relative_to(root) else Path(file.name)
    return output / relative.parent / f"{relative.stem}{suffix}{relative.suffix}"


def enhance_paths(enhancer, input: str | Path, output: str | Path, *, suffix: str = "",
                  strength: float = 1.0, save_residual: bool = False, overwrite: bool = False,
                  subtype: str | None = None, block_seconds: float = DEFAULT_BLOCK_SECONDS,
                  progress: bool = True, max_attenuation_db: float | None = None) -> Summary:
    """Enhance a file, a folder (recursively) or a glob of files.

    ``output`` is a file (for one input file) or a folder that mirrors the input's layout,
    each name getting ``suffix`` before its extension. One failing file (unreadable,
    corrupt, an existing output without ``overwrite``) is recorded with its reason in the
    returned :class:`Summary` and the others still finish. Other arguments are those of
    :func:`~senhance.inference.file.enhance_file`.

    Raises:
        NoInputError: ``input`` matches no audio file.

    >>> import os, tempfile, numpy as np, soundfile, senhance
    >>> folder = tempfile.TemporaryDirectory()
    >>> os.makedirs(os.path.join(folder.name, "in", "day1"))
    >>> for name in ("a.wav", "day1/b.flac"):
    ...     soundfile.write(os.path.join(folder.name, "in", name), np.zeros(1600), 16000)
    >>> open(os.path.join(folder.name, "in", "bad.wav"), "wb").write(b"not audio")
    9
    >>> summary = enhance_paths(senhance.load("wiener"), os.path.join(folder.name, "in"),
    ...                         os.path.join(folder.name, "out"), suffix="_enh", progress=False)
    >>> sorted(p.relative_to(folder.name).as_posix() for p in summary.done)
    ['out/a_enh.wav', 'out/day1/b_enh.flac']
    >>> [p.name for p, reason in summary.failed], summary.audio_seconds
    (['bad.wav'], 0.2)
    >>> folder.cleanup()
    """
    attenuation_floor(max_attenuation_db)  # a bad value is a usage error, not one failure per file
    files, root = collect_inputs(input, output)
    output = Path(output)
    if root is not None and output.is_file():
        raise ValueError(f"output={output}: is a file, but input={input} names several files (give a folder)")
    inputs = {f.resolve() for f in files}
    summary = Summary()
    start = time.perf_counter()
    for file in tqdm(files, desc="files", unit="file", disable=not progress or len(files) < 2):
        target = output_for(file, root, output, suffix)
        try:
            if target.resolve() in inputs or (save_residual and residual_path_for(target).resolve() in inputs):
                raise ValueError(f"output={target}: is one of the inputs; senhance never overwrites an input")
            seconds = _duration(file)
            enhance_file(enhancer, file, target, strength=strength, save_residual=save_residual, subtype=subtype,
                         overwrite=overwrite, block_seconds=block_seconds, progress=progress,
                         max_attenuation_db=max_attenuation_db)
        except Exception as exc:  # one bad file must not stop the batch
            reason = str(exc) or type(exc).__name__
            summary.failed.append((file, reason))
            if progress:
                tqdm.write(f"FAILED {file}: {reason}")
            continue
        summary.done.append(target)
        summary.audio_seconds += seconds
    summary.wall_seconds = time.perf_counter() - start
    return summary


def _duration(path: Path) -> float:
    return audio_info(path).duration
