"""The Solver in-process, on generated tones in noise and a tiny BandFilterNet (real model)."""
import json
import logging

import pytest
import torch

from _train_support import MaskedMse, ToneNoiseDataset, tiny_model
from senhance.checkpoint import load_package
from senhance.train import CorruptCheckpointError, NonFiniteLossError
from senhance.train.state import load_state


def _params(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_training_lowers_validation_loss_and_writes_run_dir(make_solver, tmp_path):
    solver = make_solver(max_steps=8, validate_every=4, ema_decay=0.9)
    summary = solver.run()
    run = tmp_path / "run"
    history = json.loads((run / "history.json").read_text())
    losses = [v["loss"] for v in history["valid"]]
    assert [v["step"] for v in history["valid"]] == [4, 8]
    assert losses[-1] < losses[0]
    assert summary["step"] == 8 and load_state(run / "checkpoints" / "last.pt")["step"] == 8
    # best.pt is a package of the EMA weights that reproduces the EMA model's output exactly
    module, package = load_package(run / "checkpoints" / "best.pt")
    assert package["metrics"]["step"] == history["best"]["step"]
    assert package["sample_rate"] == 16000 and package["config"] == {"note": "test"}
    x = torch.randn(1, 1, 4000)
    with torch.no_grad():
        assert torch.equal(module(x), solver.ema.module.eval()(x))
    assert any(p.name.startswith("events.out.tfevents") for p in (run / "tb").iterdir())


def test_tensorboard_has_scalars_audio_and_images(make_solver, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    make_solver(max_steps=3, validate_every=3, audio_examples=1).run()
    acc = EventAccumulator(str(tmp_path / "run" / "tb"), size_guidance={"audio": 0, "images": 0}).Reload()
    tags = acc.Tags()
    assert {"train/loss", "train/lr", "train/grad_norm", "valid/loss", "valid/si_sdr"} <= set(tags["scalars"])
    assert {"example0/noisy", "example0/enhanced", "example0/clean"} <= set(tags["audio"])
    assert "example0/spectrograms" in tags["images"]
    assert "config/text_summary" in tags["tensors"]  # the run config as text
    lrs = [e.value for e in acc.Scalars("train/lr")]
    assert lrs == pytest.approx([3e-3 / 3, 2 * 3e-3 / 3, 3e-3])  # warm-up of 2 steps: 1/3, 2/3, then peak


def test_tensorboard_hparams_hold_the_flattened_config_and_best_metrics(make_solver, tmp_path):
    """The HPARAMS tab: the plugin's session-start protos carry the flattened run config, and the run
    holds the best validation record as ``hparam/best_*`` scalars (values from history.json)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    config = {"note": "test", "optim": {"lr": 0.003, "name": "adamw"}, "trainer": {"max_steps": 3},
              "data": {"folders": ["a", "b"]}}  # a list is not a scalar hyper-parameter: left out
    make_solver(max_steps=3, validate_every=3, config=config).run()
    acc = EventAccumulator(str(tmp_path / "run" / "tb")).Reload()  # the run's own event file: one run
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hparams = start.session_start_info.hparams
    assert set(hparams) == {"note", "optim.lr", "optim.name", "trainer.max_steps"}
    assert hparams["note"].string_value == "test" and hparams["optim.name"].string_value == "adamw"
    assert hparams["optim.lr"].number_value == pytest.approx(0.003)
    assert hparams["trainer.max_steps"].number_value == 3
    experiment = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    best = json.loads((tmp_path / "run" / "history.json").read_text())["best"]
    assert best is not None and best["step"] == 3
    assert best["stoi"] is None  # stoi_items=0: NaN, stored as null and not logged
    expected = {f"hparam/best_{k}": v for k, v in best.items() if v is not None}
    assert {"hparam/best_loss", "hparam/best_si_sdr", "hparam/best_step"} <= set(expected)
    assert {info.name.tag for info in experiment.metric_infos} == set(expected)
    for tag, value in expected.items():
        assert [e.value for e in acc.Scalars(tag)] == [pytest.approx(value, rel=1e-6)], tag


def test_interrupted_run_resumes_exactly(make_solver, tmp_path, monkeypatch):
    """6 steps straight == 4 steps, crash, resume to 6 (model, optimizer, schedule, data order, RNG)."""
    small = dict(max_steps=6, save_every=2, validate_every=100, batch_size=2, ema_decay=0.9,
                 train_set=ToneNoiseDataset(num_items=6, seed=1, seconds=0.2))  # 3 batches per epoch
    straight = make_solver(tmp_path / "a", **small)
    straight.run()

    from senhance.train.solver import Solver

    original = Solver._save_last

    def crash_after_step_4(self):
        original(self)
        if self.step == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(Solver, "_save_last", crash_after_step_4)
    with pytest.raises(KeyboardInterrupt):
        make_solver(tmp_path / "b", **small).run()
    monkeypatch.undo()
    assert load_state(tmp_path / "b" / "checkpoints" / "last.pt")["step"] == 4
    resumed = make_solver(tmp_path / "b", **small)
    resumed.run()
    assert resumed.step == 6
    for left, right in ((straight.model, resumed.model), (straight.ema.module, resumed.ema.module)):
        a, b = _params(left), _params(right)
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert straight.optimizer.param_groups[0]["lr"] == resumed.optimizer.param_groups[0]["lr"]
    history = json.loads((tmp_path / "b" / "history.json").read_text())
    assert history["resumed_at"] == [4]
    assert [r["step"] for r in history["train"]] == [1, 2, 3, 4, 5, 6]


def test_resume_with_a_new_step_budget_follows_the_new_schedule(make_solver, monkeypatch, caplog):
    """A run extended on resume (new max_steps and peak lr) decays over the new budget, not the saved one."""
    import math

    from senhance.train.solver import Solver

    small = dict(save_every=2, validate_every=100, batch_size=2, warmup_steps=0, min_lr_ratio=0.0,
                 train_set=ToneNoiseDataset(num_items=6, seed=1, seconds=0.2))
    make_solver(max_steps=4, optimizer=lambda p: torch.optim.SGD(p, lr=0.1), **small).run()
    seen = []
    original = Solver._train_step

    def record_lr(self, batch):
        seen.append(self.optimizer.param_groups[0]["lr"])
        return original(self, batch)

    monkeypatch.setattr(Solver, "_train_step", record_lr)
    with caplog.at_level(logging.WARNING):
        make_solver(max_steps=10, optimizer=lambda p: torch.optim.SGD(p, lr=0.2), **small).run()
    cosine = [0.2 * 0.5 * (1 + math.cos(math.pi * step / 10)) for step in range(4, 10)]
    assert seen == pytest.approx(cosine, rel=1e-9)
    assert "schedule changed at resume" in caplog.text
    assert "the configured schedule wins, continuing on it from step 4" in caplog.text


def test_epochs_cover_every_item_and_call_set_epoch(make_solver):
    seen = []

    class Recording(ToneNoiseDataset):
        def __getitem__(self, index):
            seen.append(index)
            return super().__getitem__(index)

    recording = Recording(num_items=5, seed=1)
    make_solver(train_set=recording, batch_size=2, max_steps=6, validate_every=100).run()
    # 5 items, batches of 2 -> 3 batches per epoch; 6 steps = epochs 0 and 1 exactly
    assert sorted(seen[:5]) == list(range(5)) and sorted(seen[5:10]) == list(range(5))
    assert seen[:5] != seen[5:10]  # a new permutation each epoch
    assert recording.epochs_seen == [0, 1]


class FlakyLoss(MaskedMse):
    """The stand-in loss, but NaN on the training calls listed in ``bad_calls`` (0-based)."""

    def __init__(self, bad_calls):
        super().__init__()
        self.bad_calls, self.calls = set(bad_calls), 0

    def forward(self, estimate, clean, *, noisy=None, lengths=None):
        value = super().forward(estimate, clean, noisy=noisy, lengths=lengths)
        if torch.is_grad_enabled():
            bad = self.calls in self.bad_calls
            self.calls += 1
            if bad:
                return value * float("nan")
        return value


def test_nan_steps_are_skipped_then_stop_without_touching_last_pt(make_solver, tmp_path, caplog):
    make_solver(max_steps=2, save_every=2, validate_every=100).run()
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    before = last.read_bytes()
    with caplog.at_level(logging.WARNING), pytest.raises(NonFiniteLossError, match="max_nan_steps=3"):
        make_solver(loss=FlakyLoss(range(100)), max_steps=8, max_nan_steps=3).run()
    assert sum("skipped: loss is nan" in r.message for r in caplog.records) == 3
    assert last.read_bytes() == before


def test_isolated_nan_steps_are_skipped_and_training_continues(make_solver, caplog):
    with caplog.at_level(logging.WARNING):
        solver = make_solver(loss=FlakyLoss({1, 3, 4}), max_steps=5, validate_every=5, max_nan_steps=3)
        solver.run()
    assert solver.step == 5  # 8 batches seen, 3 skipped, 5 optimizer steps
    # 8 items / batch 2 = 4 batches per epoch: batch 8 ends epoch 1; max_steps stops before the rollover
    assert (solver.epoch, solver.batch_in_epoch) == (1, 4)
    assert sum("skipped: loss is nan" in r.message for r in caplog.records) == 3
    assert all(torch.isfinite(p).all() for p in solver.model.parameters())


def test_corrupt_last_pt_is_refused_and_kept(make_solver, tmp_path):
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    last.parent.mkdir(parents=True)
    last.write_bytes(b"\x00garbage")
    with pytest.raises(CorruptCheckpointError, match="last.pt"):
        make_solver().run()
    assert last.read_bytes() == b"\x00garbage"


def test_last_pt_of_another_model_is_refused(make_solver, tmp_path):
    make_solver(max_steps=2, save_every=2).run()
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    before = last.read_bytes()
    with pytest.raises(CorruptCheckpointError, match="does not match"):
        make_solver(model=tiny_model(hidden_size=4), max_steps=4).run()
    assert last.read_bytes() == before


def test_resume_false_refuses_to_overwrite(make_solver, tmp_path):
    make_solver(max_steps=2, save_every=2).run()
    with pytest.raises(ValueError, match="resume=false"):
        make_solver(max_steps=4, resume=False).run()


def test_bad_inputs_are_named(make_solver):
    with pytest.raises(ValueError, match="training set is empty"):
        make_solver(train_set=ToneNoiseDataset(num_items=0))
    with pytest.raises(ValueError, match="model works at 16000"):
        make_solver(sample_rate=8000, train_set=ToneNoiseDataset(sample_rate=8000),
                    valid_set=ToneNoiseDataset(sample_rate=8000))
    with pytest.raises(ValueError, match="training set works at 8000"):
        make_solver(train_set=ToneNoiseDataset(sample_rate=8000))
    with pytest.raises(ValueError, match="best_metric"):
        make_solver(best_metric="pesq")
    with pytest.raises(ValueError, match="max_steps"):
        make_solver(max_steps=0)
