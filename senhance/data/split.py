"""Train/validation splits by group (speaker for speech, recording or noise group for noise).

A split never puts one group (a speaker, a noise recording) on both sides. Groups come from
a corpus manifest (a TSV with a ``file`` column and a group column such as ``speaker_id`` or
``noise_group``, like ``MANIFEST.tsv`` of the training corpus), from a regular expression on the
file name (its first capture group, e.g. ``^(p\\d+)_`` for VoiceBank, ``^(\\d+)-`` for LibriSpeech),
or, with neither, every file is its own group (split by recording).

The split is drawn with a seed and written down as a TSV (``file``, ``group``, ``subset``) so
that runs are comparable; :func:`load_split` reads it back, and a dataset given an existing
split file uses it as is.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from senhance.atomic import atomic_output
from senhance.data.manifest import DataError


def groups_from_regex(relpaths: list[str], pattern: str) -> dict[str, str]:
    """Group of each path: the first capture group (or the whole match) of ``pattern`` on the file name.

    >>> groups_from_regex(["a/p226_001.wav", "p227_002.wav"], r"^(p\\d+)_")
    {'a/p226_001.wav': 'p226', 'p227_002.wav': 'p227'}
    """
    regex = re.compile(pattern)
    groups = {}
    for relpath in relpaths:
        match = regex.search(Path(relpath).name)
        if match is None:
            raise DataError(f"{relpath}: file name does not match group pattern {pattern!r}")
        groups[relpath] = match.group(1) if regex.groups else match.group(0)
    return groups


def groups_from_manifest(manifest: str | Path, column: str, *, file_column: str = "file") -> dict[str, str]:
    """``{file: group}`` from a TSV manifest; rows with an empty group cell are left out."""
    manifest = Path(manifest)
    try:
        with open(manifest, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as error:
        raise DataError(f"{manifest}: cannot read manifest ({error.strerror})") from error
    if not rows or column not in rows[0] or file_column not in rows[0]:
        raise DataError(f"{manifest}: needs columns {file_column!r} and {column!r}")
    return {row[file_column]: row[column] for row in rows if row[column]}


def lookup_groups(relpaths: list[str], table: dict[str, str], *, what: str) -> dict[str, str]:
    """Match scanned paths to a manifest table by relative path, else by a path that ends the other one."""
    by_name: dict[str, list[str]] = {}
    for key in table:
        by_name.setdefault(Path(key).name, []).append(key)
    groups = {}
    for relpath in relpaths:
        if relpath in table:
            groups[relpath] = table[relpath]
            continue
        keys = [k for k in by_name.get(Path(relpath).name, [])
                if k.endswith("/" + relpath) or relpath.endswith("/" + k)]
        if len(keys) != 1:
            problem = "is not in the manifest" if not keys else f"matches several rows: {keys}"
            raise DataError(f"{what}: {relpath} {problem}")
        groups[relpath] = table[keys[0]]
    return groups


def split_groups(groups: dict[str, str], *, valid_fraction: float, seed: int = 0) -> dict[str, str]:
    """Assign whole groups to ``"train"`` or ``"valid"``; returns ``{file: subset}``.

    Groups are shuffled with ``seed`` and moved to validation until it holds at least
    ``valid_fraction`` of the files (at least one group, and never all groups when there are two or more).

    >>> subsets = split_groups({"a1": "A", "a2": "A", "b1": "B", "c1": "C"}, valid_fraction=0.25)
    >>> sorted(subsets.values())
    ['train', 'train', 'train', 'valid']
    """
    if not 0.0 <= valid_fraction < 1.0:
        raise DataError(f"valid_fraction={valid_fraction} must be in [0, 1)")
    names = sorted(set(groups.values()))
    order = np.random.default_rng(seed).permutation(len(names))
    counts = {name: 0 for name in names}
    for group in groups.values():
        counts[group] += 1
    valid, taken = set(), 0
    wanted = valid_fraction * len(groups)
    for index in order:
        if valid_fraction == 0.0 or taken >= wanted or len(valid) >= len(names) - 1:
            break
        valid.add(names[index])
        taken += counts[names[index]]
    return {path: ("valid" if group in valid else "train") for path, group in groups.items()}


def save_split(path: str | Path, groups: dict[str, str], subsets: dict[str, str]) -> None:
    """Write ``file  group  subset`` rows (sorted) atomically."""
    with atomic_output(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["file", "group", "subset"])
        for name in sorted(subsets):
            writer.writerow([name, groups[name], subsets[name]])


def load_split(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """``({file: group}, {file: subset})`` from a file written by :func:`save_split`."""
    subsets = groups_from_manifest(path, "subset")
    bad = set(subsets.values()) - {"train", "valid"}
    if bad:
        raise DataError(f"{path}: unknown subset(s) {sorted(bad)}")
    return groups_from_manifest(path, "group"), subsets


def select_subset(relpaths: list[str], *, subset: str, valid_fraction: float, seed: int = 0,
                  group_regex: str | None = None, manifest: str | Path | None = None,
                  group_column: str | None = None, split_file: str | Path | None = None,
                  prefix: str = "", what: str = "files") -> list[str]:
    """The ``relpaths`` of one ``subset`` (``"train"``, ``"valid"`` or ``"all"``).

    With a ``split_file`` that already lists files under ``prefix`` (e.g. ``"speech/"``), that split is
    used as written; otherwise it is drawn from the groups (manifest column, regex, or one group per
    file) and, if ``split_file`` is given, added to it (rows keyed ``prefix + relpath``).
    """
    if subset not in ("train", "valid", "all"):
        raise DataError(f"subset={subset!r} must be 'train', 'valid' or 'all'")
    if subset == "all":
        return list(relpaths)
    old_groups, old_subsets = load_split(split_file) if split_file and Path(split_file).is_file() else ({}, {})
    mine = {k[len(prefix):]: v for k, v in old_subsets.items() if k.startswith(prefix)}
    if mine:
        subsets = lookup_groups(relpaths, mine, what=str(split_file))
    else:
        if manifest is not None:
            if not group_column:
                raise DataError(f"{what}: group_column is required with manifest={manifest}")
            groups = lookup_groups(relpaths, groups_from_manifest(manifest, group_column), what=str(manifest))
        elif group_regex:
            groups = groups_from_regex(relpaths, group_regex)
        else:
            groups = {path: path for path in relpaths}
        subsets = split_groups(groups, valid_fraction=valid_fraction, seed=seed)
        if split_file is not None:
            old_groups.update({prefix + k: v for k, v in groups.items()})
            old_subsets.update({prefix + k: v for k, v in subsets.items()})
            save_split(split_file, old_groups, old_subsets)
    chosen = [path for path in relpaths if subsets[path] == subset]
    if not chosen:
        raise DataError(f"{what}: the {subset!r} subset is empty (valid_fraction={valid_fraction})")
    return chosen
