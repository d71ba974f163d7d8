"""Atomic file writes: the one home of "write to a temporary file, then ``os.replace`` it".

A reader never sees a half-written file and a failed or interrupted write leaves the previous file
(or nothing) behind. Every non-audio output of senhance (checkpoints, training states, JSON, TSV,
reports, images) goes through :func:`atomic_output` or one of the writers built on it; audio goes
through :mod:`senhance.io`, which uses :func:`temporary_path_next_to` for the same guarantee.

Argument order follows the call each writer replaces: ``atomic_write_text(path, text)`` and
``atomic_write_bytes(path, data)`` like ``Path(path).write_text(text)``; ``atomic_write_json(obj, path)``
like ``json.dump(obj, file)``; ``atomic_torch_save(obj, path)`` like ``torch.save(obj, path)``.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

import torch

__all__ = ["temporary_path_next_to", "atomic_output", "atomic_write_text", "atomic_write_bytes", "atomic_write_json",
           "atomic_torch_save", "json_safe"]


def temporary_path_next_to(path: str | os.PathLike) -> str:
    """Create an empty temporary file in ``path``'s folder (made if missing) and return its name.

    Same folder, so ``os.replace`` onto ``path`` is atomic; normal permissions (``0o666`` less the umask)
    instead of ``mkstemp``'s ``0o600``. The caller replaces or deletes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return tmp


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = None,
                  newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file next to ``path`` for writing; on a clean exit it is flushed, synced and
    ``os.replace``-d onto ``path``; on an exception it is deleted and ``path`` is left as it was.

    Args:
        path: the final file; missing parent folders are created.
        mode: ``"w"`` (text) or ``"wb"`` (binary); ``encoding`` / ``newline`` as for :func:`open`.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_output(target) as handle:
    ...     _ = handle.write("done")
    >>> target.read_text()
    'done'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode={mode!r} must be 'w' or 'wb'")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a directory, cannot write a file there")
    tmp = temporary_path_next_to(path)
    try:
        with open(tmp, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` (no newline translation); returns the path.

    >>> import tempfile, pathlib
    >>> atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "b.txt", "hi").read_text()
    'hi'
    """
    with atomic_output(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path``; returns the path.

    >>> import tempfile, pathlib
    >>> atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "c.bin", b"\\x00\\x01").read_bytes()
    b'\\x00\\x01'
    """
    with atomic_output(path, "wb") as handle:
        handle.write(bytes(data))
    return Path(path)


def json_safe(value: Any) -> Any:
    """A copy of ``value`` that strict JSON can hold: NaN/Inf -> ``None``, numpy and 0-d torch scalars
    -> Python numbers, tuples -> lists, keys -> strings.

    >>> import numpy as np
    >>> json_safe({"a": float("nan"), 1: (np.float32(0.5), np.int64(3))})
    {'a': None, '1': [0.5, 3]}
    """
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write_json(obj: Any, path: str | os.PathLike, *, sort_keys: bool = False) -> Path:
    """Write ``obj`` as indented JSON (``json_safe`` first, so NaN/Inf become ``null``) with a final newline.

    >>> import tempfile, pathlib
    >>> atomic_write_json({"b": 1, "a": float("inf")}, pathlib.Path(tempfile.mkdtemp()) / "d.json").read_text()
    '{\\n  "b": 1,\\n  "a": null\\n}\\n'
    """
    return atomic_write_text(path, json.dumps(json_safe(obj), indent=2, sort_keys=sort_keys, allow_nan=False) + "\n")


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj)`` to ``path`` atomically; returns the path."""
    with atomic_output(path, "wb") as handle:
        torch.save(obj, handle)
    return Path(path)
