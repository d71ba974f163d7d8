"""``senhance-train``: compose ``configs/train.yaml``, build the parts, run the configured trainer.

    senhance-train data.speech_dir=speech data.noise_dir=noise trainer.max_steps=20000
    senhance-train data=pairs data.noisy_dir=noisy data.clean_dir=clean model=linear
    senhance-train -m optim.lr=1e-3,3e-4 data.speech_dir=speech data.noise_dir=noise   # a sweep
    torchrun --nproc_per_node=4 -m senhance.cli.train hydra.run.dir=runs/big ...

The training root keeps its config groups (model, data, loss, optim, trainer). The ``data`` group's settings
sit at its top (``data.speech_dir=...``); both datasets are built from them (:func:`build_datasets`), each with
the few keys of ``data.train`` / ``data.valid`` changed. A model fitted in closed form (``model=linear``) brings
``trainer=closed_form`` when no trainer is chosen (:func:`implied_overrides`). Before Hydra makes the run
folder, the settings are checked (see :mod:`senhance.cli._command`): no data, a data key of another data
config, or a missing folder end in one line and create nothing. Re-running with the same
``hydra.run.dir`` resumes from ``checkpoints/last.pt``.
"""
from __future__ import annotations

import importlib.resources
import inspect
import logging
import random
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from senhance.baselines.trainer import ClosedFormModel, ClosedFormTrainer
from senhance.cli import CONFIG_PACKAGE
from senhance.cli._command import Command, Request, compose, run_command
from senhance.cli._errors import exit_on_user_error
from senhance.cli._overrides import override_key
from senhance.errors import ConfigError, UsageError, UserError
from senhance.io import atomic_write_text
from senhance.train import distributed
from senhance.train.run_log import warnings_to_log

log = logging.getLogger(__name__)

#: keys of the ``data`` group that name files or folders (resolved against the caller's directory)
PATH_SUFFIXES = ("_dir", "_path", "_file", "manifest")
#: the datasets a data config describes: ``data.<subset>`` holds only what that subset changes in the
#: settings at the top of ``data`` (configs/data/pairs.yaml: ``valid: {segment_seconds: null}``)
SUBSETS = ("train", "valid")


def _absolute_paths(node: DictConfig) -> None:
    """Resolve user-given relative paths at the top of ``node`` with ``hydra.utils.to_absolute_path``."""
    from hydra.utils import to_absolute_path

    for key in list(node.keys()):
        if not (isinstance(key, str) and key.endswith(PATH_SUFFIXES)) or OmegaConf.is_interpolation(node, key):
            continue
        value = node[key]
        if isinstance(value, str) and value:
            node[key] = to_absolute_path(value)


def dataset_config(data: DictConfig, subset: str) -> dict:
    """The instantiable settings of one subset: the top of ``data`` (resolved), ``subset=<subset>``, then
    the keys of ``data.<subset>``.

    >>> cfg = compose("train", ["data=pairs", "data.noisy_dir=n", "data.clean_dir=c"], own_root=False)
    >>> train, valid = dataset_config(cfg.data, "train"), dataset_config(cfg.data, "valid")
    >>> train["subset"], train["segment_seconds"], valid["subset"], valid["segment_seconds"]
    ('train', 4.0, 'valid', None)
    """
    if subset not in SUBSETS:
        raise ValueError(f"subset={subset!r} must be one of {SUBSETS}")
    plain = OmegaConf.to_container(data, resolve=True)
    changes = {name: plain.pop(name, None) or {} for name in SUBSETS}
    return {**plain, "subset": subset, **changes[subset]}


def build_datasets(data: DictConfig) -> tuple:
    """``(train_set, valid_set)`` from a composed ``data`` node (see :func:`dataset_config`)."""
    return tuple(_build(f"data ({subset} set)", dataset_config(data, subset)) for subset in SUBSETS)


def train(cfg: DictConfig) -> dict:
    """Build model, loss, data and trainer from ``cfg`` and run it; returns the trainer's summary."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import instantiate

    import numpy as np
    import torch

    check_parts(cfg)
    dist_info = distributed.init_from_env(str(cfg.get("device", "auto")))
    run_dir = distributed.broadcast_object(HydraConfig.get().runtime.output_dir)
    seed = int(cfg.get("seed", 0))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if "data" in cfg:
        _absolute_paths(cfg.data)
        for subset in SUBSETS:
            if isinstance(cfg.data.get(subset), DictConfig):
                _absolute_paths(cfg.data[subset])
    config = OmegaConf.to_container(cfg, resolve=True)
    if dist_info.is_main:  # .hydra/config.yaml keeps the ${...} interpolations; this one is resolved
        atomic_write_text(Path(run_dir) / "config.resolved.yaml", OmegaConf.to_yaml(OmegaConf.create(config)))
    model = _build("model", cfg.model)
    loss = _build("loss", cfg.loss)
    train_set, valid_set = build_datasets(cfg.data)
    optimizer = instantiate(cfg.optim) if "optim" in cfg else None
    # a partial first: instantiate()'s own first parameter is called ``config``
    make_trainer = instantiate(cfg.trainer, _partial_=True)
    trainer = make_trainer(model=model, loss=loss, train_set=train_set, valid_set=valid_set,
                           optimizer=optimizer, run_dir=run_dir, config=config)
    log.info("training in %s (rank %d of %d)", run_dir, dist_info.rank, dist_info.world_size)
    return trainer.run()


def _build(name: str, node):
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


# --- which trainer fits the model ---------------------------------------------------------------------------

def _target_class(node) -> type | None:
    """The class a config node's ``_target_`` names (None when it names none that imports)."""
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    try:
        return get_class(str(target)) if target else None
    except Exception:  # noqa: BLE001 - building the node reports it with its own message
        return None


def fitted_in_closed_form(model: DictConfig) -> bool:
    """Whether the model a config node builds is fitted in closed form: its class has the interface of
    :class:`senhance.baselines.trainer.ClosedFormModel` (the linear baselines)."""
    cls = _target_class(model)
    return cls is not None and issubclass(cls, ClosedFormModel)


def implied_overrides(request: Request) -> list[str]:
    """The overrides with the trainer a model is fitted with, when they choose no trainer: a model fitted in
    closed form (``model=linear``) gets ``trainer=closed_form``; a network keeps the default Solver. The added
    word is an override like the user's (``--cfg job`` shows it). A ``-m`` sweep over models of both kinds is
    refused (the trainer differs); :func:`check_parts` checks each job again."""
    overrides = list(request.overrides)
    if any(override_key(word) == "trainer" for word in overrides):
        return overrides
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        models = next((list(o.sweep_string_iterator()) for o in parsed
                       if o.key_or_group == "model" and o.is_sweep_override()), [None])
    except HydraException:  # an unreadable override (or a glob sweep): the preflight reports it in one line
        return overrides
    # the probe: no sweeps, no trainer.* keys (trainer.ridge=... belongs to the trainer chosen here)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override() and not o.key_or_group.startswith("trainer.")]
    kinds = {}
    for model in models:
        try:
            cfg = compose("train", fixed + ([f"model={model}"] if model is not None else []), own_root=False)
        except (HydraException, OmegaConfBaseException):  # the preflight composes again and reports it
            return overrides
        kinds.setdefault(fitted_in_closed_form(cfg.model), []).append(model)
    if len(kinds) > 1:
        raise UsageError(f"model={','.join(models)}: {', '.join(kinds[True])} fitted in closed form "
                         f"(trainer=closed_form), {', '.join(kinds[False])} by the Solver: sweep them separately")
    return [*overrides, "trainer=closed_form"] if True in kinds else overrides


def _frontend_keys() -> set[str]:
    """The model keys the ``frontend`` group sets (configs/frontend/*.yaml)."""
    folder = importlib.resources.files(CONFIG_PACKAGE) / "frontend"
    return {key for entry in folder.iterdir() if entry.name.endswith(".yaml")
            for key in OmegaConf.load(str(entry)).keys()}


def check_parts(cfg: DictConfig) -> None:
    """The model takes every ``model.*`` key (``+frontend=learnable`` on a linear baseline is refused with a
    message naming the models it applies to) and the trainer fits the model; raises a :class:`ConfigError`."""
    model_class = _target_class(cfg.get("model"))
    if model_class is not None:
        parameters = inspect.signature(model_class).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        unknown = [key for key in cfg.model.keys() if not str(key).startswith("_") and key not in parameters]
        if unknown and not takes_any:
            frontend = sorted(set(unknown) & _frontend_keys())
            hint = (f"; the frontend group ({', '.join(frontend)}) is the feature front-end of BandFilterNet "
                    "(model=default, large, fullband), drop +frontend=... for this model" if frontend else "")
            raise ConfigError(f"model: {', '.join(f'model.{k}' for k in unknown)}: not a setting of "
                              f"{model_class.__module__}.{model_class.__name__}{hint}")
    trainer_class = _target_class(cfg.get("trainer"))
    if model_class is None or trainer_class is None:
        return
    closed_model = issubclass(model_class, ClosedFormModel)
    closed_trainer = issubclass(trainer_class, ClosedFormTrainer)
    if closed_model and not closed_trainer:
        raise ConfigError(f"model: {model_class.__name__} is fitted in closed form (one pass of the normal "
                          f"equations), not by {trainer_class.__name__}: give trainer=closed_form")
    if closed_trainer and not closed_model:
        raise ConfigError(f"trainer=closed_form fits the linear baselines only (model=linear, linear_spectral), "
                          f"not {model_class.__name__}: give trainer=default")


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
    check_parts(cfg)
    data = cfg.get("data") or {}
    nodes = [("data", data)] + [(f"data.{s}", data[s]) for s in SUBSETS if isinstance(data.get(s), DictConfig)]
    for name, node in nodes:
        for key in INPUT_FOLDERS:
            value = node.get(key)
            if isinstance(value, str) and value and not Path(to_absolute_path(value)).is_dir():
                raise UserError(f"{name}.{key}={value}: no such folder")


def _task(cfg: DictConfig) -> None:
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
                "on the fly; data=pairs reads\nmatched noisy/clean folders. model=linear / linear_spectral are "
                "fitted in closed form\n(trainer=closed_form, added for them). Runs go to outputs/<date>/<time>/; "
                "the same hydra.run.dir again resumes.",
    examples=(
        ("senhance-train data.speech_dir=speech/ data.noise_dir=noise/ trainer.max_steps=20000", "mix on the fly"),
        ("senhance-train data=pairs data.noisy_dir=noisy/ data.clean_dir=clean/", "matched folders"),
        ("senhance-train data=pairs data.noisy_dir=noisy/ data.clean_dir=clean/ model=linear",
         "a closed-form linear baseline (brings trainer=closed_form)"),
        ("senhance-train -m optim.lr=1e-3,3e-4 data.speech_dir=speech/ data.noise_dir=noise/", "a sweep"),
        ("senhance-train --cfg job data.speech_dir=s data.noise_dir=n", "show the composed config"),
    ),
    task=_task,
    check=check,
    own_root=False,
    implied=implied_overrides,
)


def main(argv: list[str] | None = None, *, program: str | None = None) -> None:
    """Console entry point (``senhance-train``)."""
    run_command(COMMAND, argv, program=program)


if __name__ == "__main__":
    main()
