"""The torch + torchaudio pair senhance is pinned to, and one sentence when the installed pair does not load.

torchaudio's compiled extension only loads with the torch build it was compiled against (torchaudio 2.11.1
fails on torch 2.11.0 with ``undefined symbol: ...``). senhance needs torchaudio for one thing, the reference
filter :func:`senhance.dsp.sosfilt_lfilter`; everything else works without it. So a broken pair is reported
once, when senhance is imported, as a :class:`TorchPairWarning` that names the versions found and the pair
required, and the reference filter raises :class:`TorchPairError` with the same sentence.

This module uses the standard library only (it is imported by ``senhance/__init__`` before torch), and
the pins are read from the installed package's metadata, so ``pyproject.toml`` is their one source.

>>> sorted(required_pair())  # from pyproject.toml, through the installed metadata
['torch', 'torchaudio']
>>> torchaudio_problem() is None  # the pair installed with senhance loads
True
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import re
import warnings

PAIR = ("torch", "torchaudio")


class TorchPairWarning(UserWarning):
    """The installed torch and torchaudio do not load together."""


class TorchPairError(RuntimeError):
    """torchaudio is needed here and does not load with the installed torch."""


def required_pair() -> dict[str, str]:
    """``{"torch": "X.Y.Z", "torchaudio": "A.B.C"}``: the exact pins of the installed senhance (empty if
    senhance is not installed, e.g. a bare source tree)."""
    try:
        requirements = metadata.requires("senhance") or []
    except metadata.PackageNotFoundError:
        return {}
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"\s*(torch|torchaudio)\s*==\s*([^\s;,]+)\s*", requirement)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def installed_version(name: str) -> str | None:
    """The version of an installed distribution, without its local label (``2.11.0+cu130`` -> ``2.11.0``)."""
    try:
        return metadata.version(name).split("+")[0]
    except metadata.PackageNotFoundError:
        return None


def _sentence(error: BaseException) -> str:
    found = {name: installed_version(name) or "(not installed)" for name in PAIR}
    required = required_pair()
    reason = (str(error).strip().splitlines() or [""])[0]
    reason = reason if len(reason) <= 160 else reason[:157] + "..."
    if required:
        need = f"senhance needs exactly torch=={required['torch']} with torchaudio=={required['torchaudio']} " \
               f"(pip install torch=={required['torch']} torchaudio=={required['torchaudio']})"
    else:
        need = "senhance needs the torch/torchaudio pair pinned in its pyproject.toml"
    return (f"torchaudio {found['torchaudio']} does not load with torch {found['torch']} "
            f"({type(error).__name__}: {reason}); {need}; everything except the torchaudio reference filter "
            f"senhance.dsp.sosfilt_lfilter still works.")


def torchaudio_problem() -> str | None:
    """``None`` when torchaudio loads (or is simply not installed); else the one-sentence explanation."""
    if importlib.util.find_spec("torchaudio") is None:
        return None
    try:
        importlib.import_module("torchaudio.functional")
    except Exception as error:  # OSError (undefined symbol), ImportError, RuntimeError: all mean "does not load"
        return _sentence(error)
    return None


def warn_if_broken() -> None:
    """At ``import senhance``: nothing to do when the installed versions are the pinned pair (the common
    case, no torch import); otherwise try torchaudio once and warn with the sentence if it does not load."""
    required = required_pair()
    if required and all(installed_version(name) == required[name] for name in PAIR):
        return
    problem = torchaudio_problem()
    if problem:
        warnings.warn(problem, TorchPairWarning, stacklevel=3)


def import_torchaudio_functional():
    """``torchaudio.functional``, or a clear error: not installed, or installed but not loading."""
    if importlib.util.find_spec("torchaudio") is None:
        required = required_pair().get("torchaudio")
        raise ModuleNotFoundError("torchaudio is not installed; only the reference filter sosfilt_lfilter needs "
                                  f"it: pip install torchaudio{'==' + required if required else ''}")
    try:
        return importlib.import_module("torchaudio.functional")
    except Exception as error:
        raise TorchPairError(_sentence(error)) from error
