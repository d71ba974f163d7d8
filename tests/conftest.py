"""Shared test fixtures: tiny, seeded, generated audio only (tests never read external data)."""
import numpy as np
import pytest
import torch


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` run only when ``-m`` names that marker (``make test-gpu``: ``-m cuda``).

    They are deselected, never skipped, otherwise; so ``pytest -m "not slow"`` on a CPU machine
    runs the same tests as ``make test``, and ``-m cuda`` fails loudly without a GPU.
    """
    if "cuda" in (config.option.markexpr or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("cuda")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("cuda")]


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors, 2 cores and ``-n 2`` workers: one intra-op thread per test avoids oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _seed_everything():
    torch.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
