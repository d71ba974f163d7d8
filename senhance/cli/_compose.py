"""Compose a command's config outside a Hydra run: the one function every ``senhance-*`` command, its
error hints (:mod:`senhance.cli._hints`) and the tests use to see what a task would receive.

It sits below :mod:`senhance.cli._command` (the front end) and :mod:`senhance.cli._hints`, which both
import it, so neither has to import the other's module at call time.
"""
from __future__ import annotations

import importlib.resources

from senhance.cli import CONFIG_PACKAGE

__all__ = ["compose", "register_root"]


def register_root(config_name: str) -> None:
    """Put ``configs/<config_name>.yaml`` in Hydra's ConfigStore as the root of a search path of its own.

    The command's search path then holds this one file: no config group of training (``model``, ``data``,
    ...) is visible, so ``model=wiener`` sets the key ``model``.
    """
    from hydra.core.config_store import ConfigStore  # Hydra on use: `--version` and `--help` start without it
    from omegaconf import OmegaConf

    resource = importlib.resources.files(CONFIG_PACKAGE) / f"{config_name}.yaml"
    ConfigStore.instance().store(name=config_name, node=OmegaConf.load(str(resource)))


def compose(config_name: str, overrides: list[str] = (), *, own_root: bool = True, return_hydra_config=False):
    """The config a command composes from ``overrides`` (what its task receives), outside a Hydra run.

    Args:
        config_name: the root, ``configs/<config_name>.yaml``.
        overrides: Hydra ``key=value`` overrides.
        own_root: True: that one file is the whole search path (``senhance-infer``, ``-eval``, ``-export``);
            False: the training root with its config groups.

    >>> cfg = compose("infer", ["input=a.wav", "model=wiener"])
    >>> cfg.model, list(cfg.input) if not isinstance(cfg.input, str) else cfg.input
    ('wiener', 'a.wav')
    """
    from hydra import compose as hydra_compose
    from hydra import initialize, initialize_config_module

    if own_root:
        register_root(config_name)
        context = initialize(version_base="1.3", config_path=None)
    else:
        context = initialize_config_module(config_module=CONFIG_PACKAGE, version_base="1.3")
    with context:
        return hydra_compose(config_name=config_name, overrides=list(overrides),
                             return_hydra_config=return_hydra_config)
