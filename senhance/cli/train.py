"""``senhance-train``: compose ``configs/train.yaml``, build the parts, run the configured trainer.

    senhance-train data.speech_dir=speech data.noise_dir=noise trainer.max_steps=20000
    senhance-train data=pairs data.noisy_dir=noisy data.clean_dir=clean model=linear
    senhance-train -m optim.lr=1e-3,3e-4 data.speech_dir=speech data.noise_dir=noise   # a sweep
    torchrun --nproc_per_node=4 -m senhance.cli.train hydra.run.dir=runs/big ...

The training root keeps its config groups (model, data, loss, optim, trainer). Before Hydra makes the run
folder, the settings are checked (see :mod:`senhance.cli._command`): no data, a data key of another data
config, or a missing folder end in one line and create nothing. Re-running with the same
``hydra.run.dir`` resumes from ``checkpoints/last.pt``.
"""
from __future__ import annotations

import logging
import random
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from senhance.cli._command import Command, run_command
from senhance.cli._errors import exit_on_user_error
from senhance.errors import ConfigError, UsageError, UserError

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
    model = _build("model", cfg.model)
    loss = _build("loss", cfg.loss)
    train_set = _build("data.train", cfg.data.train)
    valid_set = _build("data.valid", cfg.data.valid)
    optimizer = instantiate(cfg.optim) if "optim" in cfg else None
    # a partial first: instantiate()'s own first parameter is called ``config``
    make_trainer = instantiate(cfg.trainer, _partial_=True)
    trainer = make_trainer(model=model, loss=loss, train_set=train_set, valid_set=valid_set,
                           optimizer=optimizer, run_dir=run_dir, config=config)
    log.info("training in %s (rank %d of %d)", run_dir, dist_info.rank, dist_info.world_size)
    return trainer.run()


def _build(name: str, node: DictConfig):
    """``instantiate(node)``; a constructor that rejects its settings (ValueError, TypeError) is a ConfigError
    naming the config node, so the user sees one line; a user error raised inside stays what it is."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        return instantiate(node)
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, UserError):
            raise cause from exc
        if isinstance(cause, (ValueError, TypeError)):
            raise ConfigError(f"{name}: {cause}") from exc
        raise


#: what a bare ``senhance-train`` says it needs
DATA_HINT = ("no training data: give data.speech_dir=DIR data.noise_dir=DIR (clean speech mixed with noise on the "
             "fly), or data=pairs data.noisy_dir=DIR data.clean_dir=DIR (matched noisy/clean folders)")
#: data keys that name an input folder which must exist
INPUT_FOLDERS = ("speech_dir", "noise_dir", "rir_dir", "valid_speech_dir", "valid_noise_dir", "noisy_dir",
                 "clean_dir", "valid_noisy_dir", "valid_clean_dir")


def _missing_keys(node: DictConfig, prefix: str = "") -> list[str]:
    """Keys whose value is ``???``, found without resolving interpolations."""
    missing = []
    for key in node.keys():
        if OmegaConf.is_missing(node, key):
            missing.append(f"{prefix}{key}")
        elif not OmegaConf.is_interpolation(node, key) and isinstance(node[key], DictConfig):
            missing += _missing_keys(node[key], f"{prefix}{key}.")
    return missing


def check(cfg: DictConfig) -> None:
    """Data given and its folders present, before the run folder is made; raises a UsageError/UserError."""
    from hydra.utils import to_absolute_path

    missing = _missing_keys(cfg)
    if "data.speech_dir" in missing or "data.noise_dir" in missing:
        raise UsageError(DATA_HINT)
    if missing:
        raise UsageError(f"no value for {', '.join(missing)}: give {' '.join(f'{key}=...' for key in missing)}")
    for key in INPUT_FOLDERS:
        value = cfg.data.get(key) if "data" in cfg else None
        if isinstance(value, str) and value and not Path(to_absolute_path(value)).is_dir():
            raise UserError(f"data.{key}={value}: no such folder")


def _task(cfg: DictConfig) -> None:
    from senhance.train import distributed
    from senhance.train.run_log import warnings_to_log

    try:  # user errors and Python warnings also go into the run's log file
        with exit_on_user_error("senhance-train", log=log), warnings_to_log():
            train(cfg)
    finally:
        distributed.cleanup()


COMMAND = Command(
    program="senhance-train",
    config_name="train",
    usage="[key=value ...] [-m] [--cfg job]",
    description="Train a model. The config groups (model, data, loss, optim, trainer; listed below) are chosen with "
                "group=option,\nany key is set with key=value. data=mix (the default) mixes clean speech with noise "
                "on the fly; data=pairs reads\nmatched noisy/clean folders. Runs go to outputs/<date>/<time>/; the "
                "same hydra.run.dir again resumes.",
    examples=(
        ("senhance-train data.speech_dir=speech/ data.noise_dir=noise/ trainer.max_steps=20000", "mix on the fly"),
        ("senhance-train data=pairs data.noisy_dir=noisy/ data.clean_dir=clean/", "matched folders"),
        ("senhance-train data=pairs data.noisy_dir=noisy/ data.clean_dir=clean/ model=linear",
         "a closed-form linear baseline"),
        ("senhance-train -m optim.lr=1e-3,3e-4 data.speech_dir=speech/ data.noise_dir=noise/", "a sweep"),
        ("senhance-train --cfg job data.speech_dir=s data.noise_dir=n", "show the composed config"),
    ),
    task=_task,
    check=check,
    own_root=False,
)


def main(argv: list[str] | None = None, *, program: str | None = None) -> None:
    """Console entry point (``senhance-train``)."""
    run_command(COMMAND, argv, program=program)


if __name__ == "__main__":
    main()
