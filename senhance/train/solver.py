"""The gradient trainer: step-based AdamW training with warm-up/decay, clipping, AMP, EMA,
periodic validation, best-by-validation packaging, atomic resumable state and DDP.

Library code: it receives built objects and plain values (never a DictConfig); the Hydra
entry point ``senhance.cli.train`` builds them from ``configs/``.
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import torch
from torch import nn

from senhance.checkpoint import save_package
from senhance.data import pad_collate
from senhance.errors import ConfigError, UserError
from senhance.train import distributed
from senhance.train.data_order import epoch_loader
from senhance.train.ema import ModelEma
from senhance.train.init_weights import load_initial_weights
from senhance.train.schedule import build_scheduler
from senhance.train.selection import KeptPackages, average_packages
from senhance.train.state import CorruptCheckpointError, atomic_write_json, load_state, rng_state, save_state, set_rng_state
from senhance.train.tb_logger import TrainLogger
from senhance.train.time_budget import TrainingTimeBudget
from senhance.train.validation import METRIC_DIRECTIONS, validate

log = logging.getLogger(__name__)


class NonFiniteLossError(UserError, FloatingPointError):
    """The loss (or gradient) was NaN/Inf for ``max_nan_steps`` optimizer steps in a row."""


def _positive(name: str, value, minimum: int = 1) -> int:
    if int(value) < minimum:
        raise ConfigError(f"trainer.{name}={value} must be >= {minimum}")
    return int(value)


def fitted_warmup(warmup_steps: int, max_steps: int, max_fraction: float | None) -> int:
    """The warm-up actually used: ``min(warmup_steps, ceil(max_fraction * max_steps))``, logged when shortened.

    >>> fitted_warmup(500, 60, 0.05), fitted_warmup(500, 20000, 0.05), fitted_warmup(500, 60, None)
    (3, 500, 500)
    """
    warmup_steps = int(warmup_steps)
    if max_fraction is None:
        return warmup_steps
    if not 0.0 <= float(max_fraction) <= 1.0:
        raise ValueError(f"trainer.max_warmup_fraction={max_fraction} must be in [0, 1] (or null: no limit)")
    cap = math.ceil(float(max_fraction) * int(max_steps))
    if warmup_steps > cap:
        log.info("trainer.warmup_steps=%d does not fit trainer.max_steps=%d: warming up over %d steps instead "
                 "(trainer.max_warmup_fraction=%g)", warmup_steps, max_steps, cap, max_fraction)
        return cap
    return warmup_steps


def _check_rate(what: str, obj, sample_rate: int) -> None:
    rate = getattr(obj, "sample_rate", None)
    if rate is not None and int(rate) != int(sample_rate):
        raise ConfigError(f"sample_rate={sample_rate} but the {what} works at {int(rate)} Hz: "
                         f"set sample_rate={int(rate)} or configure the {what} for {sample_rate} Hz")


class Solver:
    """Train ``model`` on ``train_set`` with ``loss``; validate on ``valid_set``; write to ``run_dir``.

    ``run_dir`` receives ``checkpoints/last.pt`` (resumable state), ``checkpoints/best.pt`` (a
    package from :func:`senhance.checkpoint.save_package`, EMA weights when EMA is on),
    ``history.json`` and TensorBoard logs in ``tb/``. If ``last.pt`` exists and ``resume`` is true,
    training continues from it exactly (same step, optimizer, scheduler, RNG and data position).

    Args (keyword only): ``optimizer`` is a callable ``params -> Optimizer`` (a Hydra
    ``_partial_``); ``batch_size`` is per process; ``warmup_steps`` / ``decay`` / ``min_lr_ratio``
    shape the learning rate over ``max_steps``, the warm-up shortened to at most
    ``max_warmup_fraction * max_steps`` (rounded up; ``None``: never) so a short run still reaches the
    peak rate and decays (see :func:`fitted_warmup`); ``grad_clip`` <= 0 disables clipping; ``ema_decay``
    0 disables EMA; ``best_metric`` is one of ``loss``, ``si_sdr``, ``si_sdr_i``, ``stoi``, ``pesq``.

    Checkpoint selection (all off by default): ``pesq_items`` items are scored with PESQ at each
    validation (NaN without the ``metrics`` extra); ``keep_top_k`` keeps the packages of the k best
    validations by ``best_metric`` in ``checkpoints/top/step<N>.pt``; ``average_k`` writes
    ``checkpoints/averaged.pt`` at the end, the weights averaged over the ``average_k`` best
    (``average_of="best"``) or last (``"last"``, kept in ``checkpoints/recent/``) validations, itself
    validated; ``early_stop_patience`` stops training after that many validations without a new best.
    ``time_limit_minutes`` ends a leg cleanly after that many minutes of wall time (``last.pt`` saved at
    the step it stops, no extra validation), so a time-boxed machine trains in legs that resume exactly.
    ``init_from`` (a package or a training state, see :mod:`senhance.train.init_weights`) gives a fresh
    run its starting weights, for fine-tuning; a run resuming from its own ``last.pt`` ignores it.
    The run ends with a log line naming the step and score ``best.pt`` is from (:meth:`summary_lines`).
    """

    def __init__(self, *, model: nn.Module, loss: nn.Module, train_set, valid_set, optimizer, run_dir,
                 config: dict | None = None, sample_rate: int = 16000, device: str = "auto", seed: int = 0,
                 batch_size: int = 8, num_workers: int = 0, max_steps: int = 20000, warmup_steps: int = 500,
                 max_warmup_fraction: float | None = 0.05,
                 decay: str = "cosine", min_lr_ratio: float = 0.01, grad_clip: float = 5.0, amp: bool = False,
                 ema_decay: float = 0.999, validate_every: int = 1000, save_every: int = 500, log_every: int = 50,
                 max_valid_items: int | None = None, stoi_items: int = 8, audio_examples: int = 2,
                 best_metric: str = "loss", max_nan_steps: int = 5, resume: bool = True, progress: bool = True,
                 collate_fn=None, pesq_items: int = 0, keep_top_k: int = 0, average_k: int = 0,
                 average_of: str = "best", early_stop_patience: int = 0, time_limit_minutes: float | None = None,
                 init_from: str | None = None):
        self.max_steps = _positive("max_steps", max_steps)
        self.batch_size = _positive("batch_size", batch_size)
        self.validate_every = _positive("validate_every", validate_every)
        self.save_every = _positive("save_every", save_every)
        self.log_every = _positive("log_every", log_every)
        self.max_nan_steps = _positive("max_nan_steps", max_nan_steps)
        self.num_workers = _positive("num_workers", num_workers, minimum=0)
        self.pesq_items = _positive("pesq_items", pesq_items, minimum=0)
        self.keep_top_k = _positive("keep_top_k", keep_top_k, minimum=0)
        self.average_k = _positive("average_k", average_k, minimum=0)
        self.early_stop_patience = _positive("early_stop_patience", early_stop_patience, minimum=0)
        self.time_budget = TrainingTimeBudget(time_limit_minutes)
        if average_of not in ("best", "last"):
            raise ValueError(f"trainer.average_of={average_of!r} must be 'best' or 'last'")
        self.average_of = average_of
        if best_metric == "pesq" and not self.pesq_items:
            raise ValueError("trainer.best_metric=pesq needs trainer.pesq_items > 0 (items scored with PESQ)")
        if best_metric not in METRIC_DIRECTIONS:
            raise ConfigError(f"trainer.best_metric={best_metric!r} must be one of {sorted(METRIC_DIRECTIONS)}")
        for what, dataset in (("training set", train_set), ("validation set", valid_set)):
            if len(dataset) == 0:
                raise ConfigError(f"data: the {what} is empty (0 items); check the data folders")
        for what, obj in (("model", model), ("training set", train_set), ("validation set", valid_set)):
            _check_rate(what, obj, sample_rate)
        self.sample_rate, self.seed, self.config = int(sample_rate), int(seed), config
        self.grad_clip, self.best_metric, self.resume, self.progress = float(grad_clip), best_metric, resume, progress
        self.max_valid_items, self.stoi_items, self.audio_examples = max_valid_items, stoi_items, audio_examples
        self.train_set, self.valid_set, self.loss = train_set, valid_set, loss
        self.run_dir = Path(run_dir)
        self.last_path = self.run_dir / "checkpoints" / "last.pt"
        self.best_path = self.run_dir / "checkpoints" / "best.pt"
        self.averaged_path = self.run_dir / "checkpoints" / "averaged.pt"
        self.dist = distributed.info()
        self.device = distributed.resolve_device(device, local_rank=self.dist.local_rank)
        self.collate_fn = pad_collate if collate_fn is None else collate_fn
        self.init_from = None if init_from in (None, "") else Path(str(init_from))
        if self.init_from is not None and not self.init_from.is_file():
            raise ConfigError(f"trainer.init_from={init_from}: no such file")

        self.model = model.to(self.device)
        self.loss.to(self.device)
        self.optimizer = optimizer if isinstance(optimizer, torch.optim.Optimizer) else optimizer(model.parameters())
        self.warmup_steps = fitted_warmup(warmup_steps, self.max_steps, max_warmup_fraction)
        self.scheduler = build_scheduler(self.optimizer, max_steps=self.max_steps, warmup_steps=self.warmup_steps,
                                         decay=decay, min_ratio=min_lr_ratio)
        self.amp = bool(amp) and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.ema = ModelEma(model, decay=ema_decay) if ema_decay else None
        self.train_model = model
        if self.dist.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.train_model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
        self.step = self.epoch = self.batch_in_epoch = self.nan_streak = 0
        self.history = {"train": [], "valid": [], "resumed_at": [], "best": None}
        self._make_pools()

    def _make_pools(self) -> None:
        """The kept packages (top-k by the metric; the last k for ``average_of="last"``), from the history."""
        kept = self.history.get("kept") or {}
        sign = METRIC_DIRECTIONS[self.best_metric]
        top_k = max(self.keep_top_k, self.average_k if self.average_of == "best" else 0)
        folder = self.run_dir / "checkpoints"
        self.top = KeptPackages(folder / "top", k=top_k, rank="best", sign=sign, entries=kept.get("top"))
        self.recent = KeptPackages(folder / "recent", k=self.average_k if self.average_of == "last" else 0,
                                   rank="last", sign=sign, entries=kept.get("recent"))

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "ema": self.ema.state_dict() if self.ema else None, "rng": rng_state(),
                "history": self.history, "config": self.config}

    def _restore(self) -> None:
        if self.dist.is_main:  # temporaries of saves interrupted by a kill; last.pt itself is intact
            for stale in self.last_path.parent.glob(f".{self.last_path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
        if not self.last_path.exists():
            if self.init_from is not None:
                self._start_from(self.init_from)
            return
        if not self.resume:
            raise ConfigError(f"{self.last_path}: a previous run is here and trainer.resume=false; "
                             "choose another hydra.run.dir or move the old run away")
        state = load_state(self.last_path)
        configured = self._schedule_settings()
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self._apply_configured_schedule(configured)
            if state.get("scaler"):
                self.scaler.load_state_dict(state["scaler"])
            if self.ema is not None and state.get("ema"):
                self.ema.load_state_dict(state["ema"])
            elif self.ema is not None:  # EMA switched on at resume: start it from the resumed weights
                self.ema = ModelEma(self.model, decay=self.ema.decay)
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise CorruptCheckpointError(f"{self.last_path}: does not match this model/optimizer configuration "
                                         f"({exc}); it was left untouched") from exc
        self.step, self.epoch, self.batch_in_epoch = int(state["step"]), int(state["epoch"]), int(state["batch_in_epoch"])
        self.history = state.get("history") or self.history
        self.history["resumed_at"].append(self.step)
        self._make_pools()
        if state.get("rng"):
            set_rng_state(state["rng"])
        log.info("resumed from %s at step %d (epoch %d, batch %d); learning-rate schedule: the configured one "
                 "(max_steps=%d, warmup_steps=%d)", self.last_path, self.step, self.epoch, self.batch_in_epoch,
                 self.max_steps, self.warmup_steps)

    def _start_from(self, path: Path) -> None:
        """A fresh run: take the weights of ``path`` (its EMA restarts from them), nothing else."""
        kind = load_initial_weights(self.model, path)
        if self.ema is not None:
            self.ema = ModelEma(self.model, decay=self.ema.decay)
        self.history["init_from"] = {"path": str(path), "weights": kind}
        log.info("fresh run starting from the %s weights of %s (trainer.init_from)", kind, path)

    def _schedule_settings(self) -> tuple[list[float], list[dict]]:
        """Peak learning rates and schedule parameters as configured for this run."""
        return list(self.scheduler.base_lrs), [dict(vars(fn)) for fn in self.scheduler.lr_lambdas]

    def _apply_configured_schedule(self, configured: tuple[list[float], list[dict]]) -> None:
        """After a resume, keep the schedule of the current configuration, not the saved one.

        ``LambdaLR.load_state_dict`` restores the saved ``max_steps`` and peak rate, so a run resumed
        with a new ``trainer.max_steps`` (or ``optim.lr``) would otherwise stop at the new step count
        on the old curve. The rate is re-evaluated at the resumed step so the next step already uses it.
        """
        base_lrs, params = configured
        saved = self._schedule_settings()
        if saved == (base_lrs, params):
            return
        log.warning("%s: schedule changed at resume (saved peak lr %s, %s; configured now %s, %s): the "
                    "configured schedule wins, continuing on it from step %d (the saved one is discarded)",
                    self.last_path, saved[0], saved[1], base_lrs, params, self.scheduler.last_epoch)
        self.scheduler.base_lrs = list(base_lrs)
        step = self.scheduler.last_epoch
        for group, base, fn, kwargs in zip(self.optimizer.param_groups, base_lrs, self.scheduler.lr_lambdas, params):
            vars(fn).update(kwargs)
            group["initial_lr"] = base
            group["lr"] = base * fn(step)
        self.scheduler._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _save_last(self) -> None:
        if self.dist.is_main:
            save_state(self.last_path, self.state_dict())
            atomic_write_json(self.history, self.run_dir / "history.json")
        distributed.barrier()

    # ---------------------------------------------------------------- steps
    def _train_step(self, batch) -> dict | None:
        """One optimizer step; ``None`` when the step was skipped because of a NaN/Inf."""
        noisy = batch["noisy"].to(self.device, non_blocking=True)  # (B, C, T)
        clean = batch["clean"].to(self.device, non_blocking=True)  # (B, C, T)
        lengths = batch.get("lengths")
        lengths = lengths.to(self.device) if lengths is not None else None
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            estimate = self.train_model(noisy)
        loss = self.loss(estimate.float(), clean, noisy=noisy, lengths=lengths)
        if not distributed.all_true(bool(torch.isfinite(loss)), self.device):
            return self._skip(f"loss is {float(loss.detach())}")
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        limit = self.grad_clip if self.grad_clip > 0 else math.inf
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), limit)
        if not torch.isfinite(grad_norm) and not self.amp:  # with AMP the scaler skips and rescales
            self.optimizer.zero_grad(set_to_none=True)
            return self._skip(f"gradient norm is {float(grad_norm)}")
        lr = self.optimizer.param_groups[0]["lr"]
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.model)
        self.nan_streak = 0
        return {"loss": float(loss.detach()), "grad_norm": float(grad_norm), "lr": lr}

    def _skip(self, reason: str) -> None:
        self.nan_streak += 1
        log.warning("step %d skipped: %s (%d in a row, limit trainer.max_nan_steps=%d)", self.step + 1, reason,
                    self.nan_streak, self.max_nan_steps)
        if self.nan_streak >= self.max_nan_steps:
            raise NonFiniteLossError(
                f"trainer.max_nan_steps={self.max_nan_steps}: the loss or gradient was NaN/Inf for {self.nan_streak} "
                f"steps in a row after step {self.step}; stopping. {self.last_path} was not modified. "
                "Try a lower optim.lr, trainer.grad_clip, or check the data for silent/NaN files.")
        return None

    def _validate(self, logger: TrainLogger) -> None:
        if self.dist.is_main:
            module = self.ema.module if self.ema is not None else self.model
            metrics, examples = self._score(module, audio_examples=self.audio_examples)
            record = {"step": self.step, **metrics}
            self.history["valid"].append(record)
            logger.scalars({f"valid/{k}": v for k, v in metrics.items()}, self.step)
            for index, waves in enumerate(examples):
                logger.examples(index, waves, self.sample_rate, self.step)
            best = self.history["best"]
            sign = METRIC_DIRECTIONS[self.best_metric]
            value = metrics[self.best_metric]
            if not math.isnan(value) and (best is None or sign * value > sign * best[self.best_metric]):
                self.history["best"] = record
                self._save_best(module, metrics)
            for pool in (self.top, self.recent):
                pool.offer(self.step, value, lambda path: self._save_package(path, module, metrics))
            self.history["kept"] = {"top": self.top.entries, "recent": self.recent.entries}
            log.info("step %d validation: %s", self.step, ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
            atomic_write_json(self.history, self.run_dir / "history.json")
        distributed.barrier()

    def _score(self, module: nn.Module, *, audio_examples: int = 0) -> tuple[dict, list]:
        return validate(module, self.loss, self.valid_set, device=self.device, sample_rate=self.sample_rate,
                        max_items=self.max_valid_items, stoi_items=self.stoi_items, pesq_items=self.pesq_items,
                        audio_examples=audio_examples)

    def _save_package(self, path: Path, module: nn.Module, metrics: dict, **extra) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_package(path, module, sample_rate=self.sample_rate, config=self.config,
                     metrics={**metrics, "step": self.step, **extra})

    def _save_best(self, module: nn.Module, metrics: dict) -> None:
        self._save_package(self.best_path, module, metrics)

    def _stale_validations(self) -> int:
        """Validations since the last new best (all of them when there is no best yet)."""
        best = self.history["best"]
        return sum(1 for v in self.history["valid"] if best is None or v["step"] > best["step"])

    def _should_stop_early(self) -> bool:
        stop = False
        if self.dist.is_main and self.early_stop_patience:
            stop = self._stale_validations() >= self.early_stop_patience
        return bool(distributed.broadcast_object(stop))

    def _write_average(self) -> None:
        """``checkpoints/averaged.pt``: the kept packages' weights averaged, validated, packaged."""
        pool = self.top if self.average_of == "best" else self.recent
        paths = pool.paths()[: self.average_k]
        if not paths:
            return
        module, _ = average_packages(paths)
        module.to(self.device)
        metrics, _ = self._score(module)
        steps = sorted(int(e["step"]) for e in pool.entries[: self.average_k])
        self._save_package(self.averaged_path, module, metrics, averaged_steps=steps, averaged_of=self.average_of)
        self.history["averaged"] = {"path": str(self.averaged_path), "steps": steps, "of": self.average_of,
                                    **metrics}
        log.info("averaged the weights of the %s %d validations (steps %s): valid %s", self.average_of,
                 len(steps), ", ".join(map(str, steps)), ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))

    def summary_lines(self) -> list[str]:
        """The closing lines of a run: where ``best.pt`` is from and its score, and the other kept packages."""
        best = self.history["best"]
        if best is None:
            return [f"training stopped at step {self.step}: no validation gave a finite {self.best_metric}, "
                    f"so no best.pt was written"]
        others = ", ".join(f"{k}={v:.4g}" for k, v in best.items()
                           if k not in ("step", self.best_metric) and v is not None and not math.isnan(v))
        lines = [f"best.pt is from step {best['step']} of {self.step}: valid {self.best_metric}="
                 f"{best[self.best_metric]:.4g}" + (f" ({others})" if others else "") + f" -> {self.best_path}"]
        if self.keep_top_k:
            lines.append(f"top {self.keep_top_k} by valid {self.best_metric}: " + ", ".join(
                f"step {e['step']} ({e['value']:.4g})" for e in self.top.entries[: self.keep_top_k])
                + f" in {self.top.folder}")
        averaged = self.history.get("averaged")
        if averaged:
            lines.append(f"averaged.pt: weights of steps {', '.join(map(str, averaged['steps']))}: valid "
                         f"{self.best_metric}={averaged[self.best_metric]:.4g} -> {averaged['path']}")
        return lines

    # ---------------------------------------------------------------- loop
    def run(self) -> dict:
        """Train until ``max_steps``; returns ``{"step", "best", "last_valid"}``."""
        from tqdm import tqdm

        self.time_budget.start()
        self._restore()
        logger = TrainLogger(self.run_dir / "tb", enabled=self.dist.is_main)
        bar = tqdm(total=self.max_steps, initial=self.step, desc="train", dynamic_ncols=True,
                   disable=not (self.progress and self.dist.is_main))
        if self.step == 0:
            logger.config_text(self.config)
        window, examples, tick, timed_out = [], 0, time.perf_counter(), False
        last_valid_step = self.history["valid"][-1]["step"] if self.history["valid"] else -1
        try:
            if self.early_stop_patience and self.step < self.max_steps and self._should_stop_early():
                log.info("not training further: the run stopped early at step %d (trainer.early_stop_patience=%d)",
                         self.step, self.early_stop_patience)
            while self.step < self.max_steps and not (self.early_stop_patience and self._should_stop_early()):
                loader = epoch_loader(self.train_set, epoch=self.epoch, seed=self.seed, batch_size=self.batch_size,
                                      skip_batches=self.batch_in_epoch, collate_fn=self.collate_fn,
                                      num_workers=self.num_workers, rank=self.dist.rank,
                                      world_size=self.dist.world_size, pin_memory=self.device.type == "cuda")
                for batch in loader:
                    self.model.train()
                    result = self._train_step(batch)
                    self.batch_in_epoch += 1
                    if result is None:
                        continue
                    self.step += 1
                    bar.update(1)
                    window.append(result)
                    examples += batch["noisy"].shape[0] * self.dist.world_size
                    if self.step % self.log_every == 0 or self.step == self.max_steps:
                        elapsed = max(time.perf_counter() - tick, 1e-9)
                        record = {"step": self.step, "epoch": self.epoch,
                                  "loss": distributed.all_reduce_mean(sum(r["loss"] for r in window) / len(window),
                                                                      self.device),
                                  "grad_norm": window[-1]["grad_norm"], "lr": window[-1]["lr"],
                                  "examples_per_s": examples / elapsed, "steps_per_s": len(window) / elapsed}
                        self.history["train"].append(record)
                        logger.scalars({f"train/{k}": v for k, v in record.items() if k not in ("step", "epoch")},
                                       self.step)
                        bar.set_postfix(loss=f"{record['loss']:.4g}", ex_s=f"{record['examples_per_s']:.1f}")
                        window, examples, tick = [], 0, time.perf_counter()
                    validated = self.step % self.validate_every == 0 or self.step == self.max_steps
                    if validated:
                        self._validate(logger)
                        last_valid_step = self.step
                    stopping = validated and self._should_stop_early()
                    if stopping:
                        best_step = (self.history["best"] or {}).get("step")
                        log.info("early stopping at step %d: valid %s has not improved for %d validations "
                                 "(trainer.early_stop_patience; best at step %s)", self.step, self.best_metric,
                                 self.early_stop_patience, best_step)
                    timed_out = self._out_of_time()
                    if self.step % self.save_every == 0 or self.step == self.max_steps or stopping or timed_out:
                        self._save_last()
                    if self.step >= self.max_steps or stopping or timed_out:
                        break
                else:
                    self.epoch += 1
                    self.batch_in_epoch = 0
                    continue
                break
            if timed_out and self.step < self.max_steps:  # a leg ends: no extra validation, no summary
                log.info("time limit reached: stopped at step %d of %d after %.1f min (trainer.time_limit_minutes=%g); "
                         "%s holds it, the same command continues", self.step, self.max_steps,
                         self.time_budget.elapsed_s / 60, self.time_budget.minutes, self.last_path)
                return self._result()
            if last_valid_step != self.step:
                self._validate(logger)
            if self.dist.is_main:
                changed = bool(self.average_k)
                if self.average_k:
                    self._write_average()
                if self.history.get("hparams_step") != self.step:  # a re-run of a finished run adds nothing
                    logger.hparams(_flatten(self.config or {}),
                                   {f"best_{k}": v for k, v in (self.history["best"] or {}).items()}, self.step)
                    self.history["hparams_step"], changed = self.step, True
                if changed:
                    save_state(self.last_path, self.state_dict())  # last.pt knows what the end wrote
                    atomic_write_json(self.history, self.run_dir / "history.json")
                for line in self.summary_lines():
                    log.info(line)
        finally:
            bar.close()
            logger.close()
        return self._result()

    def _result(self) -> dict:
        return {"step": self.step, "best": self.history["best"], "best_path": str(self.best_path),
                "last_valid": self.history["valid"][-1] if self.history["valid"] else None,
                "averaged": self.history.get("averaged")}

    def _out_of_time(self) -> bool:
        """``trainer.time_limit_minutes`` spent; in DDP rank 0's clock decides, so every rank stops at one step."""
        if self.time_budget.minutes is None:
            return False
        expired = self.time_budget.expired()
        if self.dist.world_size > 1:
            expired = bool(distributed.broadcast_object(expired))
        return expired


def _flatten(tree: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
