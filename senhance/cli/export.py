"""``senhance-export``: TorchScript and ONNX files of a model (offline graph + streaming step).

    senhance-export default model.onnx           # -> model.offline.onnx, model.step.onnx, model.export.json
    senhance-export runs/x/checkpoints/best.pt exported/
    senhance-export model=default output=exported/ formats=[onnx]   # the Hydra form

Composes its own root ``configs/export.yaml`` and calls :func:`senhance.inference.export.export_model`,
which writes ``<stem>.offline.{ts,onnx}``, ``<stem>.step.{ts,onnx}`` and ``<stem>.export.json``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig

import senhance
from senhance.cli._command import Command, run_command
from senhance.cli.infer import _model_argument, check_model
from senhance.errors import ConfigError, UsageError
from senhance.inference.export import export_model

#: an OUT file name's suffix -> the format it asks for
SUFFIX_FORMATS = {".onnx": "onnx", ".ts": "torchscript", ".pt": "torchscript"}


def check(cfg: DictConfig) -> None:
    check_model(str(cfg.model))
    unknown = sorted(set(cfg.formats) - {"torchscript", "onnx"})
    if unknown:
        raise ConfigError(f"formats={unknown}: choose from torchscript, onnx")


def run(cfg: DictConfig) -> dict:
    from hydra.utils import to_absolute_path

    enhancer = senhance.load(_model_argument(cfg.model))
    module = getattr(enhancer, "module", None)
    if module is None or not hasattr(module, "forward_frames_real"):
        raise UsageError(f"model={cfg.model}: only spectral mask networks can be exported "
                         f"(got {type(enhancer).__name__})")
    output = to_absolute_path(str(cfg.output))
    description = export_model(module, output, stem=str(cfg.stem or enhancer.name), formats=tuple(cfg.formats))
    print(f"senhance-export: wrote {', '.join(description['files'].values())} to {output}", file=sys.stderr)
    return description


def _task(cfg: DictConfig) -> int:
    run(cfg)
    return 0


def _positionals(words: list[str]) -> dict:
    if len(words) > 2:
        raise UsageError(f"unexpected argument {words[2]!r}: give MODEL and OUT")
    settings = {"model": words[0]}
    if len(words) == 2:
        out = Path(words[1])
        if out.suffix.lower() in SUFFIX_FORMATS and not out.is_dir():
            settings.update(output=str(out.parent), stem=out.stem, formats=[SUFFIX_FORMATS[out.suffix.lower()]])
        else:
            settings["output"] = words[1]
    return settings


COMMAND = Command(
    program="senhance-export",
    config_name="export",
    usage="MODEL [OUT] [key=value ...]",
    description="Export a model's offline graph and its streaming step (one frame in, one out, with its state) as "
                "ONNX and/or TorchScript.\nMODEL is a shipped name or a checkpoint path. OUT is a folder (default "
                "exported/, both formats) or a file name:\nOUT.onnx writes OUT.offline.onnx + OUT.step.onnx, OUT.ts "
                "the TorchScript pair; OUT.export.json describes the inputs.",
    examples=(
        ("senhance-export default model.onnx", "model.offline.onnx, model.step.onnx, model.export.json"),
        ("senhance-export runs/x/checkpoints/best.pt exported/", "both formats into exported/"),
        ("senhance-export model=default output=exported/ formats=[onnx]", "the Hydra form"),
    ),
    task=_task,
    positionals=_positionals,
    check=check,
)


def main(argv: list[str] | None = None, *, program: str | None = None) -> None:
    """Console entry point (``senhance-export``)."""
    run_command(COMMAND, argv, program=program)


if __name__ == "__main__":
    main()
