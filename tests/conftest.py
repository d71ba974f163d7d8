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


def _train_in_process(override_list, run_dir):
    """What ``senhance-train``'s ``main()`` does, through ``hydra.compose`` on the installed config package, in
    this process: the run dir is ``run_dir``; returns ``train(cfg)``'s summary."""
    from hydra import compose, initialize_config_module
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    from senhance.cli.train import train

    with initialize_config_module(config_module="senhance.configs", version_base="1.3"):
        cfg = compose("train", overrides=list(override_list), return_hydra_config=True)
        cfg.hydra.runtime.output_dir = str(run_dir)
        HydraConfig.instance().set_config(cfg)
        try:
            with open_dict(cfg):
                del cfg["hydra"]
            return train(cfg)
        finally:  # the singleton would leak this run dir into later in-process tests (e.g. senhance-eval's)
            HydraConfig.instance().cfg = None


@pytest.fixture
def train_in_process():
    """``train_in_process(overrides, run_dir) -> summary``: a training run through the real Hydra config."""
    return _train_in_process
