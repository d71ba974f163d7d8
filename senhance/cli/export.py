"""``senhance-export``: TorchScript and ONNX files of a model (offline graph + streaming step).

    senhance-export model=default output=exported/
    senhance-export model=runs/x/checkpoints/best.pt formats=[onnx]

Writes ``<stem>.offline.{ts,onnx}``, ``<stem>.step.{ts,onnx}`` and ``<stem>.export.json`` (shapes
and state names) via :func:`senhance.inference.export.export_model`.
"""
from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from senhance.cli._errors import exit_on_user_error
from senhance.cli.infer import _model_argument, rename_model_override


def run(cfg: DictConfig) -> dict:
    from hydra.utils import to_absolute_path

    import senhance
    from senhance.inference.export import export_model

    enhancer = senhance.load(_model_argument(cfg.model_name))
    module = getattr(enhancer, "module", None)
    if module is None or not hasattr(module, "forward_frames_real"):
        raise ValueError(f"model={cfg.model_name}: only spectral mask networks can be exported "
                         f"(got {type(enhancer).__name__})")
    description = export_model(module, to_absolute_path(str(cfg.output)), stem=str(cfg.stem or enhancer.name),
                               formats=tuple(cfg.formats))
    print(f"senhance-export: wrote {', '.join(description['files'].values())} to {to_absolute_path(str(cfg.output))}",
          file=sys.stderr)
    return description


@hydra.main(config_path="pkg://senhance.configs", config_name="export", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    with exit_on_user_error("senhance-export"):
        run(cfg)


def main() -> None:
    """Console entry point (``senhance-export``)."""
    sys.argv = rename_model_override(sys.argv)
    _hydra_main()


if __name__ == "__main__":
    main()
