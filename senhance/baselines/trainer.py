"""``ClosedFormTrainer``: fit a linear baseline in one streaming pass over the training set.

Selected by ``trainer=closed_form`` (``configs/trainer/closed_form.yaml``; ``senhance-train`` adds it for a model
that follows :class:`ClosedFormModel`, e.g. ``model=linear``), called by
``senhance.cli.train`` with the same keyword arguments as the gradient Solver; ``loss`` and ``optimizer``
are accepted and ignored (the fit minimises the squared error of the model's regression target).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch.utils.data import DataLoader

from tqdm import tqdm

from senhance.checkpoint import save_package
from senhance.data import pad_collate
from senhance.atomic import atomic_write_json
from senhance.metrics import batched_si_sdr

log = logging.getLogger(__name__)


@runtime_checkable
class ClosedFormModel(Protocol):
    """What :class:`ClosedFormTrainer` fits (the linear baselines): a model with these methods is fitted in
    closed form, and ``senhance-train`` picks ``trainer=closed_form`` for it (senhance.cli.train)."""

    def new_statistics(self):
        """Empty normal-equation statistics (``.solve(ridge) -> (weight, bias)``)."""

    def accumulate(self, statistics, noisy, clean, lengths) -> None:
        """Add a batch ``noisy``/``clean`` ``(B, 1, T)``, ``lengths`` ``(B,)`` to ``statistics``."""

    def set_solution(self, weight, bias) -> None:
        """Load the solved regression into the model."""


class ClosedFormTrainer:
    """One pass of normal-equation accumulation, a ridge solve, validation, a packaged checkpoint.

    Args:
        model: a linear baseline with ``new_statistics()``, ``accumulate(acc, noisy, clean, lengths)``,
            ``set_solution(weight, bias)`` and ``sample_rate`` (``LinearTimeRegressor``,
            ``LinearSpectralRegressor``).
        train_set, valid_set: datasets of ``{"noisy": (1, T), "clean": (1, T), "id": str}``
            (``valid_set`` may be None).
        run_dir: where ``checkpoints/best.pt`` and ``history.json`` are written.
        config: the resolved config stored in the checkpoint.
        loss, optimizer: ignored (accepted for the common trainer interface).
        batch_size, num_workers: the DataLoader's.
        max_examples: stop after this many training examples (None: the whole set).
        ridge: ridge penalty relative to the mean feature energy (see ``NormalEquations.solve``).
        progress: show tqdm bars.
    """

    def __init__(self, *, model, train_set, valid_set, run_dir, config=None, loss=None, optimizer=None,
                 batch_size: int = 8, num_workers: int = 0, max_examples: int | None = None,
                 ridge: float = 1e-4, progress: bool = True):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size={batch_size} must be >= 1")
        if max_examples is not None and int(max_examples) < 1:
            raise ValueError(f"max_examples={max_examples} must be >= 1 or None")
        if ridge < 0:
            raise ValueError(f"ridge={ridge} must be >= 0")
        if not isinstance(model, ClosedFormModel):
            missing = [name for name in ("new_statistics", "accumulate", "set_solution") if not hasattr(model, name)]
            raise ValueError(f"model: {type(model).__name__} has no {', '.join(f'{m}()' for m in missing)}; the "
                             "closed_form trainer fits linear baselines only (use trainer=default for networks)")
        self.model, self.train_set, self.valid_set = model, train_set, valid_set
        self.run_dir = Path(run_dir)
        self.config = config
        self.batch_size, self.num_workers = int(batch_size), int(num_workers)
        self.max_examples = None if max_examples is None else int(max_examples)
        self.ridge = float(ridge)
        self.progress = bool(progress)

    def _loader(self, dataset) -> DataLoader:
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=False, num_workers=self.num_workers,
                          collate_fn=pad_collate)

    def fit(self) -> dict:
        """Accumulate the normal equations over the training set and load the solution into the model."""
        if hasattr(self.train_set, "set_epoch"):
            self.train_set.set_epoch(0)
        acc = self.model.new_statistics()
        examples, samples, start = 0, 0, time.perf_counter()
        with torch.no_grad():
            for batch in tqdm(self._loader(self.train_set), desc="fit (normal equations)", disable=not self.progress):
                noisy, clean, lengths = batch["noisy"], batch["clean"], batch["lengths"]
                if self.max_examples is not None:
                    keep = self.max_examples - examples
                    noisy, clean, lengths = noisy[:keep], clean[:keep], lengths[:keep]
                self.model.accumulate(acc, noisy, clean, lengths)
                examples += noisy.shape[0]
                samples += int(lengths.sum())
                if self.max_examples is not None and examples >= self.max_examples:
                    break
        if examples == 0:
            raise ValueError("train_set: no training examples")
        weight, bias = acc.solve(self.ridge)
        self.model.set_solution(weight, bias)
        return {"train_examples": examples, "train_seconds": samples / self.model.sample_rate,
                "fit_wall_seconds": time.perf_counter() - start}

    def validate(self) -> dict:
        """Mean SI-SDR (:func:`senhance.metrics.batched_si_sdr`) of the noisy input and of the model's
        estimate over the ``valid_set`` items whose clean signal is not silent."""
        if self.valid_set is None:
            return {}
        before, after = [], []
        self.model.eval()
        with torch.no_grad():
            for batch in tqdm(self._loader(self.valid_set), desc="validate", disable=not self.progress):
                estimate = self.model(batch["noisy"])  # (B, 1, T)
                for b, length in enumerate(batch["lengths"].tolist()):
                    clean = batch["clean"][b, :, :length]
                    noisy_db = float(batched_si_sdr(batch["noisy"][b, :, :length], clean).mean())
                    if not np.isnan(noisy_db):  # NaN: a silent clean signal has no SI-SDR
                        before.append(noisy_db)
                        after.append(float(batched_si_sdr(estimate[b, :, :length], clean).mean()))
        if not before:
            return {}
        noisy_db, enhanced_db = float(np.mean(before)), float(np.mean(after))
        return {"valid_examples": len(before), "valid_si_sdr_noisy": noisy_db, "valid_si_sdr": enhanced_db,
                "valid_si_sdr_improvement": enhanced_db - noisy_db}

    def run(self) -> dict:
        """Fit, validate, write ``checkpoints/best.pt`` and ``history.json``; returns the metrics."""
        fit = {"step": 0, **self.fit()}
        valid = {"step": 0, **self.validate()}
        metrics = {**fit, **valid}
        (self.run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
        save_package(self.run_dir / "checkpoints" / "best.pt", self.model, sample_rate=self.model.sample_rate,
                     config=self.config, metrics=metrics)
        # same layout as the gradient Solver's history.json
        history = {"train": [fit], "valid": [valid] if len(valid) > 1 else [], "resumed_at": [], "best": metrics}
        atomic_write_json(history, self.run_dir / "history.json")
        log.info(self.summary_line(metrics))
        return metrics

    def summary_line(self, metrics: dict) -> str:
        """The closing line: the fit's validation SI-SDR and its improvement over the noisy input."""
        path = self.run_dir / "checkpoints" / "best.pt"
        if "valid_si_sdr" not in metrics:
            return (f"linear fit on {metrics['train_examples']} examples; no validation score (no validation set "
                    f"or only silent references) -> {path}")
        return (f"linear fit on {metrics['train_examples']} examples: valid_si_sdr={metrics['valid_si_sdr']:.2f} dB "
                f"(noisy {metrics['valid_si_sdr_noisy']:.2f} dB, improvement "
                f"{metrics['valid_si_sdr_improvement']:+.2f} dB over {metrics['valid_examples']} items) -> {path}")


