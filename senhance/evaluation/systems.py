"""System specs of an evaluation: ``name``, ``path/to/best.pt`` or ``label:spec`` (also ``label=spec``;
Hydra needs that one quoted inside a list, so the command line uses ``label:spec``).

>>> parse_systems(["wiener", "mine=runs/a/checkpoints/best.pt", "linear:/tmp/lin.pt"])
[SystemSpec(label='wiener', source='wiener'), SystemSpec(label='mine', source='runs/a/checkpoints/best.pt'), SystemSpec(label='linear', source='/tmp/lin.pt')]
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import PurePath

from senhance.errors import UsageError

#: Row labels the evaluation uses itself.
NOISY = "noisy"
CLEAN = "clean"
_LABEL = re.compile(r"^[A-Za-z_][\w.+-]*$")
_GENERIC_STEMS = {"best", "last", "model", "checkpoint"}


class SystemSpecError(UsageError, ValueError):
    """A bad ``systems`` entry; the message names it."""


@dataclasses.dataclass(frozen=True)
class SystemSpec:
    """One system to evaluate: a report ``label`` and the ``source`` given to :func:`senhance.load`."""

    label: str
    source: str


def looks_like_path(source: str) -> bool:
    return "/" in source or "\\" in source or source.endswith((".pt", ".pth"))


def parse_system(spec: str) -> SystemSpec:
    """Parse one entry: ``wiener``, ``runs/x/checkpoints/best.pt`` (label ``x``), ``label=spec``, ``label:spec``."""
    text = str(spec).strip()
    if not text:
        raise SystemSpecError("systems: empty entry")
    match = re.match(r"^([^=:/\\]+)[=:](.+)$", text)
    if match and not (len(match.group(1)) == 1 and match.group(2)[:1] in "\\/"):  # not a drive "C:\"
        label, source = match.group(1).strip(), match.group(2).strip()
    else:
        label, source = None, text
    if label is None:
        if looks_like_path(source):
            path = PurePath(source.replace("\\", "/"))
            label = path.stem
            parents = [p.name for p in path.parents if p.name and p.name != "checkpoints"]
            if label in _GENERIC_STEMS and parents:
                label = parents[0]
        else:
            label = source
    if not _LABEL.match(label):
        raise SystemSpecError(f"systems: {spec!r}: label {label!r} must start with a letter and use only [A-Za-z0-9_.+-]")
    if label in (NOISY, CLEAN):
        raise SystemSpecError(f"systems: {spec!r}: the label {label!r} is reserved for the input rows")
    return SystemSpec(label=label, source=source)


def parse_systems(specs) -> list[SystemSpec]:
    """Parse a list of entries; labels must be unique."""
    if isinstance(specs, str):
        specs = [specs]
    parsed = [parse_system(spec) for spec in specs]
    seen: set[str] = set()
    for system in parsed:
        if system.label in seen:
            raise SystemSpecError(f"systems: label {system.label!r} used twice; name them with label=spec")
        seen.add(system.label)
    return parsed
