"""``senhance-infer``: enhance a file, a folder or a glob of recordings.

    senhance-infer input=noisy.wav output=clean.wav
    senhance-infer input=recordings/ output=enhanced/ model=path/to/best.pt strength=0.8 save_residual=true

Composes ``configs/infer.yaml`` (installed as ``pkg://senhance.configs``), loads the model with
:func:`senhance.load` and calls :func:`senhance.enhance.enhance_paths`. Relative paths are
resolved against the directory the command was run from; the run writes nothing else there
(``hydra.run.dir=.``, ``hydra.output_subdir=null``, terminal-only logging). Exit status: 0 when
every file was enhanced, 1 when any failed (each is listed with its reason), 2 on a usage error.
"""
from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from senhance.cli._errors import exit_on_user_error


def _model_argument(model: str) -> str:
    """A checkpoint path relative to the caller's directory becomes absolute; names stay as they are."""
    from hydra.utils import to_absolute_path

    model = str(model)
    if model.endswith(".pt") or "/" in model or "\\" in model or Path(to_absolute_path(model)).is_file():
        return to_absolute_path(model)
    return model


def run(cfg: DictConfig) -> int:
    """Enhance ``cfg.input`` into ``cfg.output``; prints a summary and returns the exit status."""
    from hydra.utils import to_absolute_path

    import senhance
    from senhance.enhance import enhance_paths

    options = cfg.get("model_options")
    options = OmegaConf.to_container(options, resolve=True) if OmegaConf.is_config(options) else dict(options or {})
    enhancer = senhance.load(_model_argument(cfg.model_name), device=cfg.get("device", "cpu"), **options)
    summary = enhance_paths(
        enhancer, to_absolute_path(str(cfg.input)), to_absolute_path(str(cfg.output)),
        suffix=str(cfg.get("suffix") or ""), strength=float(cfg.strength), save_residual=bool(cfg.save_residual),
        overwrite=bool(cfg.overwrite), subtype=cfg.get("subtype"), block_seconds=float(cfg.block_seconds),
        progress=bool(cfg.get("progress", True)), max_attenuation_db=cfg.get("max_attenuation_db"),
    )
    print(f"senhance-infer ({enhancer.name}): {summary.report()}", file=sys.stderr)
    return 0 if summary.ok else 1


def rename_model_override(argv: list[str]) -> list[str]:
    """``model=X`` -> ``model_name=X``: ``model`` is also a config group, which Hydra would try to load.

    >>> rename_model_override(["prog", "input=a.wav", "model=wiener", "++model=x.pt"])
    ['prog', 'input=a.wav', 'model_name=wiener', '++model_name=x.pt']
    """
    out = []
    for arg in argv:
        prefix = arg[: len(arg) - len(arg.lstrip("+"))]
        if arg[len(prefix):].startswith("model="):
            arg = f"{prefix}model_name={arg[len(prefix) + len('model='):]}"
        out.append(arg)
    return out


@hydra.main(config_path="pkg://senhance.configs", config_name="infer", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    with exit_on_user_error("senhance-infer"):  # bad arguments, unknown model, no input
        status = run(cfg)
    if status:
        sys.exit(status)


def main() -> None:
    """Console entry point (``senhance-infer``)."""
    sys.argv = rename_model_override(sys.argv)
    _hydra_main()


if __name__ == "__main__":
    main()
