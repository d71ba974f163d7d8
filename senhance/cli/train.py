"""``senhance-train``: compose ``configs/train.yaml``, build the parts, run the configured trainer.

    senhance-train data=mix data.speech_dir=speech data.noise_dir=noise trainer.max_steps=20000
    torchrun --nproc_per_node=4 -m senhance.cli.train hydra.run.dir=runs/big ...

Re-running with the same ``hydra.run.dir`` resumes from ``checkpoints/last.pt``.
"""
from __future__ import annotations

import logging
import random
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from senhance.cli._errors import exit_on_user_error

log = logging.getLogger(__name__)

#: keys of the ``data`` group that name files or folders (resolved against the caller's directory)
PATH_SUFFIXES = ("_dir", "_path", "_file", "manifest")


def _absolute_paths(node: DictConfig) -> None:
    """Resolve user-given relative paths at the top of ``node`` with ``hydra.utils.to_absolute_path``."""
    from hydra.utils import to_absolute_path

    for key in list(node.keys()):
        if not (isinstance(key, str) and key.endswith(PATH_SUFFIXES)) or OmegaConf.is_interpolation(node, key):
            continue
        value = node[key]
        if isinstance(value, str) and value:
            node[key] = to_absolute_path(value)


def train(cfg: DictConfig) -> dict:
    """Build model, loss, data and trainer from ``cfg`` and run it; returns the trainer's summary."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import instantiate

    import numpy as np
    import torch

    from senhance.train import distributed
    from senhance.io import atomic_write_text

    dist_info = distributed.init_from_env(str(cfg.get("device", "auto")))
    run_dir = distributed.broadcast_object(HydraConfig.get().runtime.output_dir)
    seed = int(cfg.get("seed", 0))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if "data" in cfg:
        _absolute_paths(cfg.data)
    config = OmegaConf.to_container(cfg, resolve=True)
    if dist_info.is_main:  # .hydra/config.yaml keeps the ${...} interpolations; this one is resolved
        atomic_write_text(Path(run_dir) / "config.resolved.yaml", OmegaConf.to_yaml(OmegaConf.create(config)))
    model = instantiate(cfg.model)
    loss = instantiate(cfg.loss)
    train_set = instantiate(cfg.data.train)
    valid_set = instantiate(cfg.data.valid)
    optimizer = instantiate(cfg.optim) if "optim" in cfg else None
    # a partial first: instantiate()'s own first parameter is called ``config``
    make_trainer = instantiate(cfg.trainer, _partial_=True)
    trainer = make_trainer(model=model, loss=loss, train_set=train_set, valid_set=valid_set,
                           optimizer=optimizer, run_dir=run_dir, config=config)
    log.info("training in %s (rank %d of %d)", run_dir, dist_info.rank, dist_info.world_size)
    return trainer.run()


@hydra.main(config_path="pkg://senhance.configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from senhance.train import distributed
    from senhance.train.run_log import warnings_to_log
    from senhance.train.solver import NonFiniteLossError

    try:
        with exit_on_user_error("senhance-train", status=1, log=log,
                                kinds=(ValueError, NonFiniteLossError, FileNotFoundError)), warnings_to_log():
            train(cfg)
    finally:
        distributed.cleanup()


if __name__ == "__main__":
    main()
