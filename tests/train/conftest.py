"""Fixtures for tests/train; the helpers themselves live in _train_support.py."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _train_support import solver_kwargs  # noqa: E402


@pytest.fixture
def make_solver(tmp_path):
    from senhance.train import Solver

    def make(run_dir=None, **overrides):
        return Solver(**solver_kwargs(run_dir or tmp_path / "run", **overrides))

    return make
