"""Self-describing checkpoints: a package holds everything needed to rebuild a module.

A package is a plain dict readable with ``torch.load(path, weights_only=True)``:

==============  ===========================================================
format_version  ``1``
class_path      ``"senhance.models.bandnet.BandFilterNet"`` (only ``senhance.`` classes are built)
kwargs          the constructor's keyword arguments (plain data)
state_dict      the weights
sample_rate     the audio rate the module expects
config          the resolved training config as plain dict/str (or ``None``)
versions        ``{"torch": ..., "senhance": ..., "python": ...}``
git_commit      the source commit, or ``None``
metrics         e.g. validation scores (plain data, or ``None``)
created         ISO-8601 UTC time of saving
==============  ===========================================================

Files are written atomically (temporary file in the same folder + ``os.replace``).

>>> import tempfile, os, torch
>>> from senhance.models import BandFilterNet
>>> model = BandFilterNet(hidden_size=8, num_layers=1, conv_channels=2)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = save_package(os.path.join(folder, "m.pt"), model, sample_rate=16000)
...     loaded, package = load_package(path)
>>> package["class_path"], package["kwargs"]["hidden_size"]
('senhance.models.bandnet.BandFilterNet', 8)
"""
from __future__ import annotations

import datetime
import importlib
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch
from torch import nn

from senhance.atomic import atomic_torch_save
from senhance.errors import UserError
from senhance.models.base import to_plain
from senhance.version import __version__

FORMAT_VERSION = 1
#: the keys every package has (what tells a package from a training state)
PACKAGE_KEYS = ("format_version", "class_path", "kwargs", "state_dict", "sample_rate")


class CheckpointError(UserError, ValueError):
    """A checkpoint file that cannot be read or does not describe a buildable senhance module."""


def _atomic_torch_save(obj: Any, path: Path) -> Path:
    return atomic_torch_save(obj, path)


def _safe_load(path: Path, map_location) -> Any:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # truncated zip, garbage, pickled arbitrary objects, ...
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        unpickler = [line for line in lines if line.startswith("WeightsUnpickler error")]
        reason = (unpickler or lines or [type(error).__name__])[0][:300]
        raise CheckpointError(f"{path}: not a readable senhance checkpoint ({reason})") from error


def git_commit(folder: str | Path | None = None) -> str | None:
    """The commit of the source tree senhance is imported from, or ``None`` outside git."""
    folder = Path(folder) if folder else Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def _versions() -> dict:
    return {"torch": str(torch.__version__), "senhance": str(__version__), "python": platform.python_version()}


def _plain_config(config: Any) -> Any:
    if config is None or isinstance(config, str):
        return config
    return to_plain(config, name="config")


def save_package(
    path: str | Path,
    module: nn.Module,
    *,
    sample_rate: int,
    config: Any = None,
    metrics: dict | None = None,
) -> Path:
    """Write ``module`` as a self-describing package; returns the path.

    Args:
        path: the ``.pt`` file to (atomically) write.
        module: a :class:`~senhance.models.base.SerializableModule` defined under ``senhance.``.
        sample_rate: the rate the module works at.
        config: the resolved run config (dict, OmegaConf container or YAML string), stored as plain data.
        metrics: plain-data scores to record (e.g. validation PESQ).

    >>> import os, tempfile
    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_package(os.path.join(folder, "tiny.pt"), model, sample_rate=8000,
    ...                         metrics={"valid_si_sdr": 12.5})
    ...     package = torch.load(path, weights_only=True)  # plain data: no pickled classes
    >>> path.name, package["sample_rate"], package["metrics"], package["kwargs"]["n_fft"]
    ('tiny.pt', 8000, {'valid_si_sdr': 12.5}, 64)
    >>> save_package("x.pt", torch.nn.Linear(2, 2), sample_rate=8000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: module: torch.nn.modules.linear.Linear is not a senhance class; ...
    """
    cls = type(module)
    class_path = f"{cls.__module__}.{cls.__qualname__}"
    if not class_path.startswith("senhance."):
        raise ValueError(f"module: {class_path} is not a senhance class; only senhance.* modules can be packaged")
    if not hasattr(module, "init_kwargs"):
        raise ValueError(f"module: {class_path} does not record its constructor kwargs (use SerializableModule)")
    if int(sample_rate) <= 0:
        raise ValueError(f"sample_rate={sample_rate} must be positive")
    package = {
        "format_version": FORMAT_VERSION,
        "class_path": class_path,
        "kwargs": to_plain(module.init_kwargs, name="kwargs"),
        "state_dict": {k: v.detach().cpu().clone() for k, v in module.state_dict().items()},
        "sample_rate": int(sample_rate),
        "config": _plain_config(config),
        "versions": _versions(),
        "git_commit": git_commit(),
        "metrics": to_plain(metrics, name="metrics") if metrics is not None else None,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    return _atomic_torch_save(package, Path(path))


def _import_class(class_path: str, path: Path) -> type:
    if not isinstance(class_path, str) or not class_path.startswith("senhance."):
        raise CheckpointError(f"{path}: refusing to build {class_path!r}: only senhance.* classes may be loaded")
    module_name, _, name = class_path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise CheckpointError(f"{path}: class {class_path} not found in this senhance version") from error
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise CheckpointError(f"{path}: {class_path} is not an nn.Module")
    return cls


def load_package(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild the module stored by :func:`save_package`; returns ``(module in eval mode, package)``.

    Raises:
        CheckpointError: (a ``ValueError``) naming the file when it is missing, truncated,
            corrupt, not a package, names a class outside ``senhance.``, or its weights
            do not match the class exactly.

    >>> import os, tempfile
    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1)
    >>> x = torch.randn(1, 1, 800)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_package(os.path.join(folder, "tiny.pt"), model, sample_rate=8000)
    ...     loaded, package = load_package(path)
    ...     missing = os.path.join(folder, "missing.pt")
    >>> type(loaded).__name__, loaded.training, package["class_path"]
    ('BandFilterNet', False, 'senhance.models.bandnet.BandFilterNet')
    >>> with torch.no_grad():
    ...     torch.equal(loaded(x), model.eval()(x))  # same weights, same output
    True
    >>> load_package(missing)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    senhance.checkpoint.CheckpointError: ...missing.pt: no such checkpoint file
    """
    path = Path(path)
    package = _safe_load(path, map_location)
    if not isinstance(package, dict) or any(key not in package for key in PACKAGE_KEYS):
        raise CheckpointError(f"{path}: not a senhance package (needs keys {', '.join(PACKAGE_KEYS)})")
    if package["format_version"] != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version {package['format_version']} is not supported (expected 1)")
    cls = _import_class(package["class_path"], path)
    try:
        module = cls(**package["kwargs"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot build {package['class_path']}: {error}") from error
    try:
        module.load_state_dict(package["state_dict"], strict=True)
    except RuntimeError as error:
        detail = " ".join(str(error).split())
        raise CheckpointError(f"{path}: weights do not match {package['class_path']}: {detail}") from error
    module.to(map_location)
    module.eval()
    return module, package


def save_training_state(path: str | Path, state_dict: dict) -> Path:
    """Atomically write the trainer's resumable state (model/optimizer state dicts, epoch, history, ...).

    Everything in ``state_dict`` must be loadable with ``weights_only=True`` (tensors and plain data).
    """
    return _atomic_torch_save(state_dict, Path(path))


def load_training_state(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Read a file written by :func:`save_training_state` (``weights_only=True``); ``CheckpointError`` if unreadable."""
    state = _safe_load(Path(path), map_location)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a training state (expected a dict, got {type(state).__name__})")
    return state
