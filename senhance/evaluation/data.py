"""The files of an evaluation: noisy/clean pairs matched by relative path, and their subset groups.

Groups come from a manifest (a TSV with a header, e.g. ``manifest.tsv`` written next to a generated
corpus, with columns such as ``snr`` and ``noise``) and/or from a regular expression with named
groups applied to each file's relative path (``group_regex='snr(?P<snr>-?\\d+)'``). Numeric columns
with many distinct values are bucketed (``snr_bin`` wide, e.g. ``[0, 5)``); a categorical column
with more than 20 values, or fewer than two files per value on average (say one noise file per
example), is no breakdown and is left out.
"""
from __future__ import annotations

import csv
import dataclasses
import math
import re
from pathlib import Path, PurePosixPath

from senhance.data.manifest import list_audio_files
from senhance.errors import UserError

#: Manifest columns used as groups when ``group_by`` is not given.
DEFAULT_GROUP_COLUMNS = ("snr", "snr_db", "noise", "noise_type", "noise_class", "subset", "group", "condition")
#: Manifest columns that may name the file (first present wins).
KEY_COLUMNS = ("noisy", "noisy_path", "path", "file", "filename", "id", "name", "relpath")
MAX_CATEGORIES = 20


class EvaluationInputError(UserError, ValueError):
    """Bad evaluation input (folders, manifest, regex); the message names the path or argument."""


@dataclasses.dataclass
class Item:
    """One file to score: ``id`` is its path relative to the noisy folder."""

    id: str
    noisy_path: Path
    clean_path: Path | None = None
    groups: dict[str, str] = dataclasses.field(default_factory=dict)


def find_items(noisy_dir, clean_dir=None, *, exclude=None) -> tuple[list[Item], list[dict]]:
    """Audio files under ``noisy_dir`` (sorted), each with its same-path clean file when ``clean_dir`` is given.

    Returns:
        ``(items, errors)``; a noisy file without a clean partner is an error entry, not an item.
    """
    noisy_dir = Path(noisy_dir)
    if not noisy_dir.is_dir():
        raise EvaluationInputError(f"noisy_dir={noisy_dir}: not a folder")
    if clean_dir is not None and not Path(clean_dir).is_dir():
        raise EvaluationInputError(f"clean_dir={clean_dir}: not a folder")
    excluded = Path(exclude).resolve() if exclude is not None else None
    items, errors = [], []
    for relpath in list_audio_files(noisy_dir):
        path = noisy_dir / relpath
        if excluded is not None and excluded in path.resolve().parents:
            continue
        item = Item(id=relpath, noisy_path=path)
        if clean_dir is not None:
            clean = Path(clean_dir) / relpath
            if not clean.is_file():
                errors.append({"file": relpath, "system": None, "error": f"{clean}: no clean file for {path}"})
                continue
            item.clean_path = clean
        items.append(item)
    if not items and not errors:
        raise EvaluationInputError(f"noisy_dir={noisy_dir}: no audio files")
    return items, errors


def default_manifest(noisy_dir) -> Path | None:
    """``manifest.tsv`` inside ``noisy_dir`` or next to it, if there is one."""
    for candidate in (Path(noisy_dir) / "manifest.tsv", Path(noisy_dir).parent / "manifest.tsv"):
        if candidate.is_file():
            return candidate
    return None


def _read_manifest(path: Path) -> tuple[str, list[dict[str, str]]]:
    try:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as error:
        raise EvaluationInputError(f"manifest={path}: cannot read ({error.strerror})") from error
    columns = list(rows[0]) if rows else []
    key = next((column for column in KEY_COLUMNS if column in columns), None)
    if key is None:
        raise EvaluationInputError(f"manifest={path}: needs one of the columns {', '.join(KEY_COLUMNS)}")
    return key, rows


def _lookup_keys(value: str) -> list[str]:
    path = PurePosixPath(value.replace("\\", "/"))
    return [path.as_posix(), path.name, path.stem]


def assign_groups(items: list[Item], *, manifest=None, group_by=None, group_regex=None, snr_bin: float = 5.0) -> list[str]:
    """Fill ``item.groups`` from the manifest and/or ``group_regex``; returns the group column names."""
    raw: dict[str, dict[str, str]] = {item.id: {} for item in items}
    if manifest is not None:
        key, rows = _read_manifest(Path(manifest))
        columns = list(group_by) if group_by else [c for c in DEFAULT_GROUP_COLUMNS if rows and c in rows[0]]
        missing = [c for c in columns if rows and c not in rows[0]]
        if missing:
            raise EvaluationInputError(f"group_by: manifest {manifest} has no column {missing[0]!r}")
        index = {}
        for row in rows:
            for lookup in _lookup_keys(row[key] or ""):
                index.setdefault(lookup, row)
        for item in items:
            row = next((index[k] for k in _lookup_keys(item.id) if k in index), None)
            if row is not None:
                raw[item.id].update({c: (row.get(c) or "").strip() for c in columns})
    if group_regex:
        try:
            pattern = re.compile(group_regex)
        except re.error as error:
            raise EvaluationInputError(f"group_regex={group_regex!r}: {error}") from error
        if not pattern.groupindex:
            raise EvaluationInputError(f"group_regex={group_regex!r}: needs named groups like (?P<snr>-?\\d+)")
        for item in items:
            match = pattern.search(item.id)
            if match:
                raw[item.id].update({k: v for k, v in match.groupdict().items() if v is not None})
    columns = sorted({column for groups in raw.values() for column in groups})
    kept = []
    for column in columns:
        values = [raw[item.id].get(column) for item in items]
        labels, numeric = _bucket([v for v in values if v], snr_bin)
        distinct = set(labels.values())
        if not numeric and (len(distinct) > MAX_CATEGORIES or 2 * len(distinct) > len([v for v in values if v])):
            continue  # e.g. one noise file per example: groups of one are no breakdown
        kept.append(column)
        for item, value in zip(items, values):
            if value:
                item.groups[column] = labels[value]
    return kept


def _bucket(values: list[str], width: float) -> tuple[dict[str, str], bool]:
    """``(raw value -> group label, is_numeric)``: numeric with many distinct values -> ``[lo, hi)`` bins."""
    distinct = sorted(set(values))
    try:
        numbers = {v: float(v) for v in distinct}
    except ValueError:
        return {v: v for v in distinct}, False
    if len(distinct) <= MAX_CATEGORIES and all(n.is_integer() for n in numbers.values()):
        return {v: f"{int(numbers[v])}" for v in distinct}, True
    out = {}
    for value, number in numbers.items():
        low = math.floor(number / width) * width
        out[value] = f"[{low:g}, {low + width:g})"
    return out, True
