"""TrainingTimeBudget: a fake clock drives it; no sleeping."""
import math

import pytest

from senhance.train.time_budget import TrainingTimeBudget


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_expires_exactly_at_the_limit():
    clock = FakeClock()
    budget = TrainingTimeBudget(2, clock=clock).start()
    clock.now += 119.999
    assert not budget.expired()
    assert budget.remaining_s == pytest.approx(0.001)
    clock.now += 0.001
    assert budget.expired()
    assert budget.remaining_s == 0.0
    clock.now += 500
    assert budget.expired() and budget.remaining_s == 0.0 and budget.elapsed_s == pytest.approx(620.0)


def test_not_started_never_expires_and_holds_the_whole_budget():
    clock = FakeClock()
    budget = TrainingTimeBudget(0.5, clock=clock)
    clock.now += 3600
    assert not budget.expired()
    assert budget.remaining_s == 30.0 and budget.elapsed_s == 0.0


def test_start_restarts_the_clock():
    clock = FakeClock()
    budget = TrainingTimeBudget(1, clock=clock).start()
    clock.now += 61
    assert budget.expired()
    assert budget.start() is budget
    assert not budget.expired() and budget.remaining_s == 60.0


def test_no_limit_never_expires():
    clock = FakeClock()
    budget = TrainingTimeBudget(None, clock=clock).start()
    clock.now += 1e9
    assert not budget.expired()
    assert math.isinf(budget.remaining_s) and math.isinf(budget.limit_s)


def test_fractional_minutes():
    clock = FakeClock()
    budget = TrainingTimeBudget(0.25, clock=clock).start()
    assert budget.limit_s == 15.0
    clock.now += 14.0
    assert budget.remaining_s == pytest.approx(1.0) and not budget.expired()


def test_a_clock_going_backwards_counts_as_no_time():
    clock = FakeClock()
    budget = TrainingTimeBudget(1, clock=clock).start()
    clock.now -= 10
    assert budget.elapsed_s == 0.0 and budget.remaining_s == 60.0


@pytest.mark.parametrize("minutes", [0, -1, float("nan"), float("inf")])
def test_bad_limits_are_named(minutes):
    with pytest.raises(ValueError, match="time_limit_minutes"):
        TrainingTimeBudget(minutes)


def test_default_clock_is_real_and_monotonic():
    budget = TrainingTimeBudget(10).start()
    assert 0.0 <= budget.elapsed_s < 60.0 and not budget.expired()


# --- the Solver's hook (trainer.time_limit_minutes); these run once the Solver has it -----------------------

def _solver_has_time_limit():
    import inspect

    from senhance.train.solver import Solver

    return "time_limit_minutes" in inspect.signature(Solver.__init__).parameters


needs_hook = pytest.mark.skipif(not _solver_has_time_limit(), reason="the Solver has no time_limit_minutes yet")


class SteppingClock(FakeClock):
    """Each reading moves time on by ``step`` seconds (one reading per optimizer step in the Solver)."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


@needs_hook
def test_solver_stops_on_time_saves_and_resumes_exactly(make_solver, tmp_path):
    import torch

    from senhance.train.state import load_state

    full = make_solver(tmp_path / "full", max_steps=6, validate_every=4)
    full.run()
    leg = make_solver(tmp_path / "legs", max_steps=6, validate_every=4, time_limit_minutes=1)
    leg.time_budget.clock = SteppingClock(25.0)  # start 0; steps 1, 2, 3 read 25, 50, 75 s: out of time at 3
    result = leg.run()
    assert result["step"] == 3
    state = load_state(tmp_path / "legs" / "checkpoints" / "last.pt")
    assert state["step"] == 3  # saved on the stop although save_every=2
    assert [v["step"] for v in state["history"]["valid"]] == []  # no extra validation at the stop
    again = make_solver(tmp_path / "legs", max_steps=6, validate_every=4, time_limit_minutes=60)
    assert again.run()["step"] == 6
    ours, theirs = again.model.state_dict(), full.model.state_dict()
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
    assert [v["step"] for v in again.history["valid"]] == [v["step"] for v in full.history["valid"]] == [4, 6]


@needs_hook
def test_solver_without_a_limit_never_stops_early(make_solver, tmp_path):
    solver = make_solver(tmp_path / "run", max_steps=4)
    assert solver.time_budget.minutes is None and solver.run()["step"] == 4
