"""Match a ``noisy/`` and a ``clean/`` folder (VoiceBank-DEMAND layout) by relative path.

Every problem is collected and reported in one summary: files without a partner, pairs whose
sample rates or lengths differ, and unreadable files. By default the summary is a
:class:`PairingError`; with ``skip_bad=True`` the bad files are skipped with a warning that lists
them (never silently dropped).
"""
from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from senhance.data.manifest import AudioEntry, DataError, scan_audio


class PairingError(DataError):
    """The noisy and clean folders do not pair up; the message lists every problem."""


@dataclasses.dataclass(frozen=True)
class Pair:
    """A matched noisy/clean file pair; ``id`` is the shared relative path without its suffix."""

    id: str
    noisy: AudioEntry
    clean: AudioEntry

    @property
    def frames(self) -> int:
        return self.noisy.frames

    @property
    def sample_rate(self) -> int:
        return self.noisy.sample_rate


def _key(relpath: str) -> str:
    return relpath.rsplit(".", 1)[0] if "." in Path(relpath).name else relpath


def match_pairs(noisy_dir: str | Path, clean_dir: str | Path, *, skip_bad: bool = False,
                cache_dir: str | Path | None = None, use_cache: bool = True) -> list[Pair]:
    """Pair the files of ``noisy_dir`` and ``clean_dir`` by relative path (the suffix may differ).

    Args:
        noisy_dir, clean_dir: folders scanned recursively.
        skip_bad: skip (with a warning) instead of raising when anything does not pair up.
        cache_dir, use_cache: see :func:`senhance.data.manifest.scan_audio`.

    Returns:
        pairs sorted by id.

    Raises:
        PairingError: listing unmatched, mismatched and unreadable files (unless ``skip_bad``).

    >>> import pathlib, tempfile, numpy as np
    >>> from senhance.io import write_audio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = pathlib.Path(tmp)
    ...     for name in ("p1_001.wav", "sub/p2_001.wav"):
    ...         write_audio(root / "noisy" / name, 0.1 * np.ones(80), 8000)
    ...         write_audio(root / "clean" / name.replace(".wav", ".flac"), 0.05 * np.ones(80), 8000)
    ...     pairs = match_pairs(root / "noisy", root / "clean", use_cache=False)
    >>> [(pair.id, pair.frames, pair.sample_rate) for pair in pairs]
    [('p1_001', 80, 8000), ('sub/p2_001', 80, 8000)]
    """
    noisy_scan = scan_audio(noisy_dir, cache_dir=cache_dir, use_cache=use_cache)
    clean_scan = scan_audio(clean_dir, cache_dir=cache_dir, use_cache=use_cache)
    problems = [f"{noisy_scan.root}/{rel}: unreadable: {msg}" for rel, msg in noisy_scan.problems]
    problems += [f"{clean_scan.root}/{rel}: unreadable: {msg}" for rel, msg in clean_scan.problems]
    bad_keys = {_key(rel) for rel, _ in noisy_scan.problems + clean_scan.problems}
    noisy = {_key(e.relpath): e for e in noisy_scan.entries}
    clean = {_key(e.relpath): e for e in clean_scan.entries}
    pairs = []
    for key in sorted(noisy.keys() | clean.keys()):
        n, c = noisy.get(key), clean.get(key)
        if n is None or c is None:
            if key not in bad_keys:  # its partner is unreadable: already reported
                have, missing = (n, clean_scan.root) if c is None else (c, noisy_scan.root)
                problems.append(f"{have.path}: no matching file in {missing}")
        elif n.sample_rate != c.sample_rate:
            problems.append(f"{n.path}: sample rate {n.sample_rate} Hz but the clean file has {c.sample_rate} Hz")
        elif n.frames != c.frames:
            problems.append(f"{n.path}: {n.frames} frames but the clean file has {c.frames} frames")
        else:
            pairs.append(Pair(key, n, c))
    if problems:
        summary = (f"{noisy_scan.root} / {clean_scan.root}: {len(problems)} problem(s), "
                   f"{len(pairs)} good pair(s):\n  " + "\n  ".join(problems))
        if not skip_bad:
            raise PairingError(summary + "\n(pass skip_bad=True to skip these files)")
        warnings.warn("skipping " + summary, stacklevel=2)
    if not pairs:
        raise PairingError(f"{noisy_scan.root} / {clean_scan.root}: no usable noisy/clean pairs")
    return pairs
