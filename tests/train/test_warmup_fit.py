"""Short runs warm up: the configured warm-up (500 steps) is shortened to a share of max_steps, so a
60-step run reaches the peak learning rate and decays (checked against the schedule written out here)."""
import logging
import math

import pytest
import torch

from _train_support import solver_kwargs
from senhance.train import Solver


def _expected_lr(step, *, peak, warmup, max_steps, min_ratio):
    """Linear warm-up from peak/(warmup+1), then cosine from peak to min_ratio*peak at max_steps."""
    if step < warmup:
        return peak * (step + 1) / (warmup + 1)
    progress = (step - warmup) / (max_steps - warmup)
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def test_default_trainer_config_limits_the_warmup_share():
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="senhance.configs", version_base="1.3"):
        cfg = compose("train", overrides=["data.speech_dir=s", "data.noise_dir=n"])
    assert cfg.trainer.warmup_steps == 500 and cfg.trainer.max_warmup_fraction == 0.05


def test_a_60_step_run_reaches_the_peak_and_decays(tmp_path, caplog):
    kwargs = solver_kwargs(tmp_path / "run", max_steps=60, warmup_steps=500, max_warmup_fraction=0.05,
                           min_lr_ratio=0.01, validate_every=1000, save_every=1000, log_every=1,
                           optimizer=lambda params: torch.optim.AdamW(params, lr=1e-3))
    with caplog.at_level(logging.INFO, logger="senhance.train.solver"):
        solver = Solver(**kwargs)
    assert "warmup_steps=500 does not fit trainer.max_steps=60: warming up over 3 steps" in caplog.text
    solver.run()
    lrs = [record["lr"] for record in solver.history["train"]]
    expected = [_expected_lr(s, peak=1e-3, warmup=3, max_steps=60, min_ratio=0.01) for s in range(60)]
    assert lrs == pytest.approx(expected, rel=1e-9)
    assert max(lrs) == pytest.approx(1e-3) and lrs[-1] < 0.01 * 1e-3 * 1.1  # peak reached, decayed to the floor


def test_a_long_run_keeps_the_configured_warmup(tmp_path):
    solver = Solver(**solver_kwargs(tmp_path / "run", max_steps=20000, warmup_steps=500, max_warmup_fraction=0.05))
    assert solver.scheduler.lr_lambdas[0].warmup_steps == 500
