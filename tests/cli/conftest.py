"""tests/cli: the commands driven as a user drives them; helpers live in cli_support.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_hydra_run_leaks():
    """A command run in-process leaves Hydra's run config set (a singleton), and ``to_absolute_path`` would then
    resolve the next test's relative paths against that run's directory; clear it after each test."""
    yield
    from hydra.core.hydra_config import HydraConfig

    HydraConfig.instance().cfg = None
