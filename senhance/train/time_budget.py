"""A wall-clock budget for a training run: stop cleanly after ``minutes`` (a leg on a lent machine).

The Solver starts it when its loop begins and asks :meth:`TrainingTimeBudget.expired` after each
optimizer step; once it has expired the run saves ``last.pt`` and stops, and the same command resumes.
The clock is injectable so tests need no sleeping.
"""
from __future__ import annotations

import math
import time
from typing import Callable


class TrainingTimeBudget:
    """``minutes`` of wall-clock time from :meth:`start` (``None``: no limit, never expires).

    Args:
        minutes: the budget; must be positive (or ``None``).
        clock: seconds as a float, monotonic (default :func:`time.monotonic`).

    >>> now = [100.0]
    >>> budget = TrainingTimeBudget(1.5, clock=lambda: now[0]).start()
    >>> now[0] += 60.0
    >>> budget.expired(), budget.remaining_s, budget.elapsed_s
    (False, 30.0, 60.0)
    >>> now[0] += 30.0
    >>> budget.expired(), budget.remaining_s
    (True, 0.0)
    >>> TrainingTimeBudget(None).start().expired()
    False
    """

    def __init__(self, minutes: float | None, *, clock: Callable[[], float] = time.monotonic):
        if minutes is not None:
            minutes = float(minutes)
            if not math.isfinite(minutes) or minutes <= 0:
                raise ValueError(f"trainer.time_limit_minutes={minutes} must be a positive number of minutes "
                                 "(or null: no limit)")
        self.minutes = minutes
        self.clock = clock
        self.started_at: float | None = None

    @property
    def limit_s(self) -> float:
        """The budget in seconds (``inf`` without a limit)."""
        return math.inf if self.minutes is None else 60.0 * self.minutes

    def start(self) -> "TrainingTimeBudget":
        """Start (or restart) the clock now; returns ``self``."""
        self.started_at = self.clock()
        return self

    @property
    def elapsed_s(self) -> float:
        """Seconds since :meth:`start` (0 before it)."""
        return 0.0 if self.started_at is None else max(self.clock() - self.started_at, 0.0)

    @property
    def remaining_s(self) -> float:
        """Seconds left, never below 0 (``inf`` without a limit; the whole budget before :meth:`start`)."""
        return max(self.limit_s - self.elapsed_s, 0.0)

    def expired(self) -> bool:
        """Whether the budget is spent (never before :meth:`start`, never without a limit)."""
        return self.started_at is not None and self.elapsed_s >= self.limit_s

    def __repr__(self) -> str:
        return f"TrainingTimeBudget(minutes={self.minutes}, elapsed_s={self.elapsed_s:.1f})"
