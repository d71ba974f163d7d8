"""``senhance.load``: turn a model name, a checkpoint path or a baseline name into an Enhancer.

Three kinds of names are understood, tried in this order:

1. a classical baseline from :data:`senhance.baselines.CLASSICAL` (``bandpass``,
   ``spectral_subtraction``, ``wiener``); keyword arguments go to its constructor;
2. a path to a checkpoint package written by :func:`senhance.checkpoint.save_package`
   (anything that exists on disk, or ends in ``.pt``), or a training run folder (``runs/x``: its
   ``checkpoints/best.pt``); a run's ``last.pt`` (training state) is refused with a pointer to ``best.pt``;
3. a shipped model: ``<name>.pt`` inside the package ``senhance.checkpoints``
   (``"default"`` is the model most users want).

Packaged modules are wrapped in :class:`PackagedEnhancer`, which runs the module's
``forward`` ``(B, C, T) -> (B, C, T)`` one channel at a time and, for causal models that
stream, declares the model's ``Streamer`` as its streamer (exact, with the model's latency).
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor, nn

from senhance.baselines import CLASSICAL
from senhance.checkpoint import CheckpointError, load_package
from senhance.enhancer import Enhancer
from senhance.errors import ConfigError, UsageError
from senhance.models.streamer import Streamer


class ModelNotFoundError(UsageError, ValueError):
    """The name is neither a baseline, an existing checkpoint nor a shipped model."""


def shipped_root():
    """The folder (an ``importlib.resources`` Traversable) holding the shipped ``<name>.pt`` packages:
    the package ``senhance.checkpoints``. The one place :func:`load` looks for shipped models.

    >>> (shipped_root() / "__init__.py").is_file()
    True
    """
    return importlib.resources.files("senhance.checkpoints")


def shipped_models() -> list[str]:
    """Names of the ``<name>.pt`` packages in :func:`shipped_root`.

    >>> isinstance(shipped_models(), list)
    True
    """
    return sorted(entry.name[:-3] for entry in shipped_root().iterdir() if entry.name.endswith(".pt"))


def load(name_or_path: str | Path, *, device: str | torch.device = "cpu", **kwargs) -> Enhancer:
    """Return the :class:`~senhance.enhancer.Enhancer` called ``name_or_path``.

    Args:
        name_or_path: ``"default"`` or another shipped model name, a checkpoint path, or a
            classical baseline name (``bandpass``, ``spectral_subtraction``, ``wiener``).
        device: where a packaged model runs.
        **kwargs: constructor options of a classical baseline (e.g. ``cutoff``); a packaged
            model accepts ``block_seconds`` (see :class:`PackagedEnhancer`).

    Raises:
        ModelNotFoundError: the name matches nothing; the message names the missing file.

    >>> load("no-such-model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    senhance.registry.ModelNotFoundError: model='no-such-model': ...
    """
    name = str(name_or_path)
    classical = dict(CLASSICAL)
    if name in classical:
        try:
            baseline = classical[name](**kwargs)
        except TypeError as error:  # an unknown option
            raise ConfigError(f"model={name!r}: bad options {kwargs}: {error}") from None
        if isinstance(baseline, Enhancer):
            return baseline
        if isinstance(baseline, nn.Module):
            return PackagedEnhancer(baseline, {"sample_rate": baseline.sample_rate, "name": name}, device=device)
        raise TypeError(f"senhance.baselines.CLASSICAL[{name!r}] built a {type(baseline).__name__}, not an Enhancer")
    path = Path(name).expanduser()
    if path.exists() or name.endswith(".pt") or "/" in name or "\\" in name:
        if path.is_dir():
            path = _best_in_run_folder(path, name)
        if not path.is_file():
            raise ModelNotFoundError(f"model={name!r}: checkpoint file {path} does not exist")
        return _load_checkpoint(path, device=device, name=model_name_for(path), **kwargs)
    resource = shipped_root() / f"{name}.pt"
    if not resource.is_file():
        known = sorted(set(shipped_models()) | set(classical))
        raise ModelNotFoundError(
            f"model={name!r}: no checkpoint file {resource} (shipped models and baselines: "
            f"{', '.join(known) or 'none yet'}; or pass a checkpoint path)"
        )
    with importlib.resources.as_file(resource) as real_path:
        return _load_checkpoint(Path(real_path), device=device, name=name, **kwargs)


#: checkpoint file stems that say nothing about the model; the run folder names it instead
GENERIC_STEMS = ("best", "last", "averaged", "model", "checkpoint")


def model_name_for(path: str | Path) -> str:
    """The name of a checkpoint file: its stem, or for ``runs/x/checkpoints/best.pt`` (a generic stem)
    the run folder's name, so exports and reports of two runs do not share the name ``best``.

    >>> model_name_for("runs/exp1/checkpoints/best.pt"), model_name_for("models/tiny.pt")
    ('exp1', 'tiny')
    """
    path = Path(path)
    if path.stem in GENERIC_STEMS:
        parents = [p.name for p in path.absolute().parents if p.name and p.name != "checkpoints"]
        if parents:
            return parents[0]
    return path.stem


def _best_in_run_folder(folder: Path, name: str) -> Path:
    """``runs/x`` (a training run) or ``runs/x/checkpoints`` -> its ``best.pt``."""
    for candidate in (folder / "checkpoints" / "best.pt", folder / "best.pt"):
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(f"model={name!r}: {folder} is a folder without checkpoints/best.pt "
                             "(give a training run folder or a checkpoint file)")


def _training_state_hint(path: Path) -> str | None:
    """A sentence for a file that is the trainer's resumable state (``last.pt``), else None."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        return None
    if isinstance(state, dict) and {"model", "optimizer", "step"} <= set(state):
        best = path.parent / "best.pt"
        return (f"{path}: this is training state (for resuming training, step {state['step']}), not a model "
                f"package; use {best}" + ("" if best.is_file() else " (written at the run's validations)"))
    return None


def _load_checkpoint(path: Path, *, device, name: str | None = None, **kwargs) -> "PackagedEnhancer":
    try:
        module, package = load_package(path)
    except CheckpointError as error:
        hint = _training_state_hint(path)
        if hint is not None:
            raise CheckpointError(hint) from error
        raise
    try:
        return PackagedEnhancer(module, package, device=device, name=name or path.stem, **kwargs)
    except TypeError as error:  # an unknown option
        raise ConfigError(f"model={str(path)!r}: bad options {kwargs}: {error}") from None


def _default_streamer(module: nn.Module) -> Callable[[], Any] | None:
    """The model's ``Streamer`` factory, or None when the module cannot stream (no recurrent-state interface)."""
    if not (hasattr(module, "forward_frames") and hasattr(module, "initial_state")):
        return None
    return lambda: Streamer(module)


class PackagedEnhancer(Enhancer):
    """An :class:`Enhancer` around a packaged module whose ``forward`` is ``(B, C, T) -> (B, C, T)``.

    Channels are enhanced independently (each one as a batch item). A causal module that
    streams (it has ``forward_frames`` / ``initial_state``, so ``senhance.models.Streamer``
    works on it) carries its state (:attr:`carries_state`): its streamer is that ``Streamer``,
    exact, with the module's ``latency_samples`` and ``hop_length`` frames. Any other module
    (the linear baselines) streams through the generic overlap-add streamer like every
    stateless enhancer.

    Args:
        module: the network (moved to ``device`` and put in eval mode).
        package: the checkpoint dictionary (``sample_rate`` is read from it, falling back to
            ``module.sample_rate``).
        device: where the module runs.
        name: label for logs and reports (default: the class name of ``module``).
        block_seconds: the default block length of :meth:`enhance` for long inputs.
        streamer: a no-argument callable returning a fresh streamer (``feed``/``flush``) that carries
            the module's state; default: ``senhance.models.Streamer(module)`` when the module can
            stream. The module then declares ``latency_samples`` and ``hop_length``.

    Shape:
        :meth:`process`: ``(C, T)`` -> ``(C, T)``.

    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1)
    >>> enhancer = PackagedEnhancer(model, {"sample_rate": 8000}, name="tiny", block_seconds=0.1)
    >>> enhancer, enhancer.carries_state, enhancer.latency_samples, enhancer.frame_samples
    (PackagedEnhancer(name='tiny', sample_rate=8000), True, 64, 32)
    >>> x = 0.1 * torch.randn(2, 2000)  # 0.25 s: enhanced in 0.1 s blocks through the Streamer
    >>> torch.allclose(enhancer.enhance(x, 8000), enhancer.process(x), atol=1e-5)
    True
    """

    def __init__(self, module: nn.Module, package: dict | None = None, *, device: str | torch.device = "cpu",
                 name: str | None = None, block_seconds: float = 10.0, streamer: Callable[[], Any] | None = None):
        package = dict(package or {})
        sample_rate = package.get("sample_rate", getattr(module, "sample_rate", None))
        if sample_rate is None or int(sample_rate) <= 0:
            raise ValueError(f"package: no valid sample_rate (got {sample_rate!r})")
        if block_seconds <= 0:
            raise ValueError(f"block_seconds={block_seconds} must be positive")
        self.device = torch.device(device)
        self.module = module.to(self.device).eval()
        self.package = package
        self.sample_rate = int(sample_rate)
        self.name = name or package.get("name") or type(module).__name__
        self.block_seconds = float(block_seconds)
        self._streamer_factory = streamer if streamer is not None else _default_streamer(module)
        self.carries_state = self._streamer_factory is not None

    @property
    def latency_samples(self) -> int:
        """The module's ``latency_samples`` when it carries state; else the overlap-add streamer's."""
        if self.carries_state:
            return int(self.module.latency_samples)
        return super().latency_samples

    @property
    def frame_samples(self) -> int:
        """The module's ``hop_length`` when it carries state; else 10 ms."""
        if self.carries_state:
            return int(self.module.hop_length)
        return super().frame_samples

    def make_streamer(self):
        """The module's streamer (state carried across calls), or the generic overlap-add one."""
        if self._streamer_factory is None:
            return super().make_streamer()
        return self._streamer_factory()

    def forward_offline(self, waveform: Tensor) -> Tensor:
        """One ``forward`` over the whole ``(C, T)`` signal (no blocks): :meth:`process`."""
        audio = waveform.to(self.device, torch.float32).unsqueeze(1)  # (C, 1, T): channels as batch
        with torch.inference_mode():
            estimate = self.module(audio)  # (C, 1, T)
        if estimate.shape != audio.shape:
            raise RuntimeError(f"{self.name}: forward returned shape {tuple(estimate.shape)} for input {tuple(audio.shape)}")
        return estimate.squeeze(1).to("cpu", torch.float32)  # (C, T)

    def process(self, waveform: Tensor) -> Tensor:
        """The raw one-shot call: one ``forward`` over the whole ``(C, T)`` signal at :attr:`sample_rate`."""
        return self.forward_offline(waveform)
