"""Folder scans with a cached manifest: path, sample rate, frames and channels of every audio file.

A scan walks a folder recursively (any format soundfile reads), reads only the headers of files
that are new or changed, and keeps the result in a small JSON cache keyed by the folder's
absolute path. A cached entry is reused only when the file's size and modification time
(nanoseconds) are unchanged, so editing, adding or deleting a file invalidates exactly that entry;
a 100k-file corpus costs one directory walk with ``stat`` per start, not 100k header reads.

The cache lives in ``cache_dir`` (default ``$SENHANCE_CACHE_DIR`` or ``~/.cache/senhance/manifests``),
never inside the corpus, so read-only corpora work; if the cache cannot be written the scan
still succeeds.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from pathlib import Path

from senhance.atomic import atomic_output
from senhance.errors import UserError
from senhance.io import AUDIO_SUFFIXES, audio_info  # AUDIO_SUFFIXES: importable from here too, as before
CACHE_VERSION = 1


class DataError(UserError, ValueError):
    """Bad data-set input (folders, files, arguments); the message names the path or argument."""


@dataclasses.dataclass(frozen=True)
class AudioEntry:
    """One audio file of a scanned folder.

    Attributes:
        path: absolute path.
        relpath: path relative to the scanned root, with ``/`` separators (the pairing key).
        sample_rate, frames, channels: from the file header.
    """

    path: str
    relpath: str
    sample_rate: int
    frames: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


@dataclasses.dataclass
class ScanResult:
    """Readable files (sorted by ``relpath``) and ``problems``: ``(relpath, message)`` of unreadable ones."""

    root: str
    entries: list[AudioEntry]
    problems: list[tuple[str, str]]


def default_cache_dir() -> Path:
    env = os.environ.get("SENHANCE_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "senhance" / "manifests"


def list_audio_files(root: str | Path) -> list[str]:
    """Relative paths (``/``-separated, sorted) of audio files under ``root``; hidden entries skipped.

    >>> list_audio_files("/nonexistent/folder")
    Traceback (most recent call last):
    ...
    senhance.data.manifest.DataError: /nonexistent/folder: not a folder
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder")
    found = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_SUFFIXES:
                found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def _cache_path(root: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    return cache_dir / f"{root.name or 'root'}-{digest}.json"


def _load_cache(path: Path, root: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if data.get("version") != CACHE_VERSION or data.get("root") != str(root):
        return {}
    return data.get("files", {})


def _save_cache(path: Path, root: Path, files: dict) -> None:
    try:
        with atomic_output(path, "w") as handle:
            json.dump({"version": CACHE_VERSION, "root": str(root), "files": files}, handle)
    except OSError as error:  # a cache is an optimisation: never fail the scan for it
        warnings.warn(f"{path}: could not write the manifest cache ({error})", stacklevel=3)


def scan_audio(root: str | Path, *, cache_dir: str | Path | None = None, use_cache: bool = True) -> ScanResult:
    """Scan ``root`` recursively and return every audio file's header information.

    Args:
        root: the folder.
        cache_dir: where the JSON manifest cache lives (see the module docstring).
        use_cache: ``False`` reads every header and writes no cache.

    Returns:
        :class:`ScanResult`; unreadable files are listed in ``problems``, never dropped silently.
    """
    root = Path(root).expanduser().resolve()
    relpaths = list_audio_files(root)
    cache_file = _cache_path(root, Path(cache_dir) if cache_dir is not None else default_cache_dir())
    cached = _load_cache(cache_file, root) if use_cache else {}
    files, entries, problems = {}, [], []
    changed = len(cached) != len(relpaths)
    for relpath in relpaths:
        path = root / relpath
        try:
            stat = path.stat()
        except OSError as error:
            problems.append((relpath, f"cannot stat ({error.strerror})"))
            continue
        record = cached.get(relpath)
        if record is None or record["size"] != stat.st_size or record["mtime_ns"] != stat.st_mtime_ns:
            changed = True
            try:
                info = audio_info(path)
            except (ValueError, OSError, RuntimeError) as error:
                problems.append((relpath, str(error)))
                continue
            record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sample_rate": int(info.sample_rate),
                      "frames": int(info.frames), "channels": int(info.channels)}
        if record["frames"] <= 0:
            problems.append((relpath, "0 samples"))
        else:
            entries.append(AudioEntry(str(path), relpath, record["sample_rate"], record["frames"], record["channels"]))
        files[relpath] = record
    if use_cache and changed:
        _save_cache(cache_file, root, files)
    return ScanResult(str(root), entries, problems)


def require_clean_scan(scan: ScanResult, *, skip_bad: bool, what: str) -> list[AudioEntry]:
    """Entries of ``scan``; raise one :class:`DataError` listing all unreadable files unless ``skip_bad``."""
    if scan.problems and not skip_bad:
        lines = "\n".join(f"  {scan.root}/{rel}: {msg}" for rel, msg in scan.problems)
        raise DataError(f"{what} {scan.root}: {len(scan.problems)} unreadable file(s) (pass skip_bad=True "
                        f"to skip them):\n{lines}")
    if scan.problems:
        warnings.warn(f"{what} {scan.root}: skipped {len(scan.problems)} unreadable file(s): "
                      + ", ".join(rel for rel, _ in scan.problems), stacklevel=2)
    if not scan.entries:
        raise DataError(f"{what} {scan.root}: no readable audio files")
    return scan.entries
