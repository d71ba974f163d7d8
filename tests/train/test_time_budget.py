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
