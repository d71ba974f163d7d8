"""Evaluation tests: make eval_fixtures importable (importlib import mode) and provide a resample stand-in."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from eval_fixtures import ensure_resample  # noqa: E402


@pytest.fixture(autouse=True)
def _resample_available(monkeypatch):
    ensure_resample(monkeypatch)
