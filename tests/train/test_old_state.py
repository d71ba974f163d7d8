"""A training state written before the config layout changed (the shipped model's ``last.pt``: its stored
``config`` still has ``data.train`` / ``data.valid`` re-listing every data key, and the model's trainer picked
through ``@package _global_``) keeps resuming with today's configs.

Resume reads the state's model, optimizer, scheduler, EMA, RNG, history and data position; the stored config is
only carried along (and replaced by the run's own on the next save). So the test turns the old config's
settings into today's ``key=value`` overrides, composes them, builds the parts from them and resumes the state.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from _train_support import ToneNoiseDataset
from senhance.cli._command import compose
from senhance.cli._overrides import assignment
from senhance.cli.train import SUBSETS, check_parts
from senhance.data import pad_collate
from senhance.train import Solver
from senhance.train.state import load_state

REPO = Path(__file__).resolve().parents[2]
#: the shipped model's resumable training state (its weights and optimizer are what resumes)
SHIPPED_STATE = REPO / "scripts" / "shipped" / "training_state" / "default" / "last.pt"
#: the config that state stored when it was written (2026-12-02, step 16,250): the layout before issue 17, with
#: ``data.train`` / ``data.valid`` re-listing every data key. Kept as a file because the next state written by
#: today's code stores the new layout.
OLD_LAYOUT_CONFIG = Path(__file__).resolve().parent / "data" / "old_layout_config.json"


def _old_config() -> dict:
    return json.loads(OLD_LAYOUT_CONFIG.read_text())


def old_layout_overrides(config: dict) -> list[str]:
    """Today's overrides that set every setting of an old stored config: ``model.*``, ``trainer.*``, ``optim.*``,
    the top-level data keys (the old ``data.train`` / ``data.valid`` copies are what they interpolated) and
    the top-level keys. ``_target_`` nodes (the loss's sum) are left to the group defaults they came from."""
    words = []
    for group in ("model", "trainer", "optim"):
        words += [assignment(f"{group}.{key}", value) for key, value in config[group].items()
                  if not key.startswith("_") and not (group in ("model", "trainer") and key == "sample_rate")]
    words += [assignment(f"data.{key}", value) for key, value in config["data"].items()
              if key not in SUBSETS and not key.startswith("_")]
    words += [assignment(key, config[key]) for key in ("sample_rate", "seed", "device", "batch_size", "num_workers")]
    return words


def test_the_kept_config_has_the_old_layout():
    """What makes this a test of the old layout."""
    config = _old_config()
    assert config["data"]["train"]["_target_"] == "senhance.data.MixDataset"
    assert config["data"]["valid"]["subset"] == "valid" and "speech_dir" in config["data"]["valid"]


def test_old_stored_config_settings_compose_with_todays_configs():
    config = _old_config()
    cfg = compose("train", old_layout_overrides(config), own_root=False)
    check_parts(cfg)
    assert cfg.data.snr_range == config["data"]["snr_range"] and cfg.data.train == {} and cfg.data.valid == {}
    assert cfg.trainer.max_steps == config["trainer"]["max_steps"] and cfg.optim.lr == config["optim"]["lr"]
    # loss=default is still the sum it was; settings added since then sit at their no-op defaults
    today = OmegaConf.to_container(cfg.loss)
    assert today["losses"]["compressed"].pop("overestimate_weight") == 0.0
    assert today == config["loss"]
    assert {k: cfg.model[k] for k in config["model"] if k != "_target_"} == {
        k: v for k, v in config["model"].items() if k != "_target_"}


def test_an_old_state_resumes_with_the_model_and_optimizer_todays_configs_build(tmp_path):
    source = SHIPPED_STATE
    state = load_state(source)
    config = _old_config()
    cfg = compose("train", old_layout_overrides(config), own_root=False)
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    shutil.copyfile(source, run_dir / "checkpoints" / "last.pt")

    torch.manual_seed(0)
    model = instantiate(cfg.model)
    model.load_state_dict(state["model"])  # strict: today's model config builds the same network
    settings = {k: v for k, v in instantiate(cfg.trainer, _partial_=True).keywords.items()}
    settings.update(device="cpu", batch_size=1, num_workers=0, max_steps=state["step"] + 1, validate_every=10**6,
                    save_every=10**6, stoi_items=0, audio_examples=0, max_valid_items=1, progress=False)
    solver = Solver(**settings, model=model, loss=instantiate(cfg.loss),
                    train_set=ToneNoiseDataset(num_items=4, seconds=0.25, seed=1),
                    valid_set=ToneNoiseDataset(num_items=1, seconds=0.25, seed=2), optimizer=instantiate(cfg.optim),
                    run_dir=run_dir, config={"note": "resumed"}, collate_fn=pad_collate)
    summary = solver.run()

    assert summary["step"] == state["step"] + 1
    resumed = load_state(run_dir / "checkpoints" / "last.pt")
    assert resumed["step"] == state["step"] + 1
    assert resumed["history"]["resumed_at"] == [*state["history"]["resumed_at"], state["step"]]
    assert resumed["history"]["train"][: len(state["history"]["train"])] == state["history"]["train"]
    assert resumed["config"] == {"note": "resumed"}  # the run's own config replaces the old one
    changed = [name for name, tensor in resumed["model"].items() if not torch.equal(tensor, state["model"][name])]
    assert changed  # one optimizer step from the resumed weights
    assert resumed["optimizer"]["state"][0]["step"] == state["optimizer"]["state"][0]["step"] + 1
