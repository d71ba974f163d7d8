"""trainer.init_from: a fresh run starts from another run's weights (package or training state), with its own
schedule; a resuming run ignores it; a mismatched or missing file is a clear error naming it."""
import pytest
import torch

from _train_support import tiny_model
from senhance.checkpoint import CheckpointError, load_package
from senhance.errors import ConfigError
from senhance.train.state import load_state


@pytest.fixture
def finished(make_solver, tmp_path):
    """A 4-step run with EMA: its last.pt (raw + EMA weights) and best.pt (a package)."""
    solver = make_solver(run_dir=tmp_path / "first", max_steps=4, validate_every=2, ema_decay=0.9)
    solver.run()
    return tmp_path / "first" / "checkpoints"


@pytest.mark.parametrize("source, kind", [("last.pt", "ema"), ("best.pt", "package")])
def test_fresh_run_starts_from_the_given_weights(make_solver, finished, tmp_path, source, kind):
    expected = load_state(finished / "last.pt")["ema"]["module"] if kind == "ema" else \
        load_package(finished / "best.pt")[0].state_dict()
    solver = make_solver(run_dir=tmp_path / "tune", max_steps=3, init_from=str(finished / source))
    solver._restore()
    for name, value in solver.model.state_dict().items():
        torch.testing.assert_close(value, expected[name], rtol=0, atol=0)
    assert solver.step == 0 and solver.history["init_from"]["weights"] == kind
    assert solver.scheduler.last_epoch == 0  # its own schedule, from the start
    solver.run()
    assert load_state(tmp_path / "tune" / "checkpoints" / "last.pt")["step"] == 3


def test_a_resuming_run_ignores_init_from(make_solver, finished, tmp_path):
    run = tmp_path / "tune"
    make_solver(run_dir=run, max_steps=2).run()
    own = load_state(run / "checkpoints" / "last.pt")["model"]
    solver = make_solver(run_dir=run, max_steps=4, init_from=str(finished / "last.pt"))
    solver._restore()
    assert solver.step == 2
    for name, value in solver.model.state_dict().items():
        torch.testing.assert_close(value, own[name], rtol=0, atol=0)


def test_weights_of_another_architecture_are_a_clear_error(make_solver, finished, tmp_path):
    solver = make_solver(run_dir=tmp_path / "tune", model=tiny_model(hidden_size=12), init_from=str(finished / "last.pt"))
    with pytest.raises(CheckpointError, match="last.pt.*do not fit"):
        solver.run()


def test_a_missing_file_is_a_config_error(make_solver, tmp_path):
    with pytest.raises(ConfigError, match="init_from=.*nowhere.pt"):
        make_solver(run_dir=tmp_path / "tune", init_from=str(tmp_path / "nowhere.pt"))
