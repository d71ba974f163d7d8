"""Checkpoint selection in the Solver: top-k by a validation metric, weight averaging of the best/last k,
early stopping on a patience, PESQ in validation; the closing summary line; one TensorBoard run."""
import json
import logging
import math

import pesq as pesq_package
import pytest
import torch

from _train_support import ToneNoiseDataset
from senhance.checkpoint import load_package
from senhance.train.solver import Solver


def _capture_weights(monkeypatch):
    """{step: copy of the model's weights} at every validation (EMA off: the validated weights)."""
    seen = {}
    original = Solver._validate

    def validate(self, logger):
        seen[self.step] = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return original(self, logger)

    monkeypatch.setattr(Solver, "_validate", validate)
    return seen


def test_keep_top_k_keeps_the_k_best_validations_by_the_metric(make_solver, tmp_path, monkeypatch):
    weights = _capture_weights(monkeypatch)
    solver = make_solver(max_steps=6, validate_every=1, keep_top_k=2, best_metric="si_sdr")
    solver.run()
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    ranked = sorted(history["valid"], key=lambda v: (v["si_sdr"], v["step"]), reverse=True)
    expected = {v["step"] for v in ranked[:2]}
    folder = tmp_path / "run" / "checkpoints" / "top"
    assert {p.name for p in folder.iterdir()} == {f"step{step}.pt" for step in expected}
    for step in expected:
        module, package = load_package(folder / f"step{step}.pt")
        assert package["metrics"]["step"] == step
        assert all(torch.equal(module.state_dict()[k], weights[step][k]) for k in weights[step])


def test_average_of_the_last_k_is_the_mean_of_their_weights(make_solver, tmp_path, monkeypatch):
    weights = _capture_weights(monkeypatch)
    solver = make_solver(max_steps=6, validate_every=1, average_k=3, average_of="last")
    summary = solver.run()
    module, package = load_package(tmp_path / "run" / "checkpoints" / "averaged.pt")
    assert package["metrics"]["averaged_steps"] == [4, 5, 6]
    for key, value in module.state_dict().items():
        if value.is_floating_point():
            reference = sum(weights[s][key].double() for s in (4, 5, 6)) / 3
            torch.testing.assert_close(value.double(), reference, rtol=1e-6, atol=1e-7)
    assert not torch.equal(module.state_dict()["gain_head.weight"], weights[6]["gain_head.weight"])
    assert summary["averaged"]["steps"] == [4, 5, 6] and math.isfinite(summary["averaged"]["loss"])


def test_average_of_the_best_k_uses_the_k_best_steps(make_solver, tmp_path, monkeypatch):
    weights = _capture_weights(monkeypatch)
    make_solver(max_steps=5, validate_every=1, average_k=2, average_of="best").run()
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    best_two = sorted(v["step"] for v in sorted(history["valid"], key=lambda v: (-v["loss"], v["step"]),
                                                 reverse=True)[:2])
    module, package = load_package(tmp_path / "run" / "checkpoints" / "averaged.pt")
    assert package["metrics"]["averaged_steps"] == best_two
    reference = (weights[best_two[0]]["embed.weight"] + weights[best_two[1]]["embed.weight"]) / 2
    torch.testing.assert_close(module.state_dict()["embed.weight"], reference, rtol=1e-6, atol=1e-7)


def test_early_stopping_after_the_patience_and_a_rerun_trains_no_further(make_solver, caplog):
    frozen = dict(max_steps=20, validate_every=1, early_stop_patience=2, warmup_steps=0,
                  optimizer=lambda params: torch.optim.SGD(params, lr=0.0))  # the loss never improves
    with caplog.at_level(logging.INFO, logger="senhance.train.solver"):
        solver = make_solver(**frozen)
        solver.run()
    assert solver.step == 3 and [v["step"] for v in solver.history["valid"]] == [1, 2, 3]
    assert "early stopping at step 3: valid loss has not improved for 2 validations" in caplog.text
    again = make_solver(**frozen)
    again.run()
    assert again.step == 3


def test_pesq_in_validation_matches_the_pesq_package(make_solver):
    valid = ToneNoiseDataset(num_items=1, seed=2, seconds=1.0)
    solver = make_solver(max_steps=2, validate_every=2, pesq_items=1, best_metric="pesq", valid_set=valid)
    solver.run()
    item = valid[0]
    with torch.no_grad():
        estimate = solver.model.eval()(item["noisy"][None])[0, 0].numpy().astype("float64")
    reference = pesq_package.pesq(16000, item["clean"][0].numpy().astype("float64"), estimate, "wb")
    assert solver.history["valid"][-1]["pesq"] == pytest.approx(reference, abs=1e-3)


def test_defaults_keep_only_best_and_last(make_solver, tmp_path):
    make_solver(max_steps=4, validate_every=1).run()
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["best.pt", "last.pt"]
    assert "pesq" not in json.loads((tmp_path / "run" / "history.json").read_text())["valid"][0]


def test_the_run_ends_with_the_step_and_score_of_best_pt(make_solver, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="senhance.train.solver"):
        make_solver(max_steps=6, validate_every=2, keep_top_k=2).run()
    best = json.loads((tmp_path / "run" / "history.json").read_text())["best"]
    last_lines = [r.getMessage() for r in caplog.records][-2:]
    assert last_lines[0].startswith(f"best.pt is from step {best['step']} of 6: valid loss={best['loss']:.4g}")
    assert last_lines[0].endswith(str(tmp_path / "run" / "checkpoints" / "best.pt"))
    assert last_lines[1].startswith("top 2 by valid loss: step ")


def _event_files_with_hparams(tb):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    found = []
    for path in sorted(tb.rglob("events.out.tfevents*")):
        tags = {v.tag for event in EventFileLoader(str(path)).Load() for v in event.summary.value}
        if "_hparams_/experiment" in tags:
            found.append(path)
    return found


def test_one_tensorboard_run_and_a_rerun_adds_no_hparams(make_solver, tmp_path):
    make_solver(max_steps=3, validate_every=3).run()
    make_solver(max_steps=3, validate_every=3).run()  # a re-run of the finished run
    tb = tmp_path / "run" / "tb"
    folders = {p.parent for p in tb.rglob("events.out.tfevents*")}
    assert folders == {tb}  # one run in TensorBoard (no tb/hparams sub-run)
    assert len(_event_files_with_hparams(tb)) == 1
