"""``senhance-eval``: the side-by-side comparison of enhancement systems (Hydra main).

    senhance-eval noisy_dir=data/noisy clean_dir=data/clean systems=[default,wiener] output_dir=eval
"""
from __future__ import annotations

import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf

from senhance.cli._errors import exit_on_user_error


def _path(value):
    return None if value in (None, "") else to_absolute_path(str(value))


def _system(spec: str) -> str:
    """Make a checkpoint path in a system spec absolute; names stay as they are."""
    from senhance.evaluation.systems import looks_like_path, parse_system

    system = parse_system(spec)
    if looks_like_path(system.source):
        return f"{system.label}:{to_absolute_path(system.source)}"
    return str(spec)


def run(cfg: DictConfig, *, loader=None) -> dict:
    """Evaluate with a composed ``eval.yaml`` config; returns the results (also written to disk)."""
    from senhance.evaluation import evaluate

    plain = OmegaConf.to_container(cfg, resolve=True)
    try:  # under hydra.main the run dir *is* output_dir (resolved once, so ${now:} is stable; -m: per job)
        output_dir = HydraConfig.get().runtime.output_dir
    except ValueError:  # composed without a Hydra run (tests, notebooks)
        output_dir = plain.get("output_dir")
    if output_dir in (None, ""):
        raise ValueError("output_dir: must be set")
    systems = plain.get("systems") or []
    systems = [systems] if isinstance(systems, str) else systems
    manifest = plain.get("manifest")
    return evaluate(
        noisy_dir=_path(plain["noisy_dir"]),
        clean_dir=_path(plain.get("clean_dir")),
        output_dir=_path(output_dir),
        systems=[_system(str(s)) for s in systems],
        metrics=plain.get("metrics"),
        jobs=int(plain.get("jobs", 1)),
        compare=plain.get("compare"),
        save_audio=bool(plain.get("save_audio", False)),
        examples=int(plain.get("examples", 3)),
        manifest=manifest if manifest in ("auto", None) else _path(manifest),
        group_by=plain.get("group_by"),
        group_regex=plain.get("group_regex"),
        snr_bin=float(plain.get("snr_bin", 5.0)),
        pesq_mode=str(plain.get("pesq_mode", "wb")),
        loader=loader,
        progress=bool(plain.get("progress", True)),
    )


@hydra.main(version_base="1.3", config_path="pkg://senhance.configs", config_name="eval")
def _main(cfg: DictConfig) -> None:
    from senhance.evaluation.report import render_markdown

    with exit_on_user_error("senhance-eval"):  # bad arguments: one clear line, no traceback
        results = run(cfg)
    print(render_markdown(results))
    output_dir = HydraConfig.get().runtime.output_dir
    print(f"wrote {output_dir}/{{results.json,results.csv,report.md,report.html}}")
    if results["errors"]:
        print(f"{len(results['errors'])} problem(s); see results.json 'errors'", file=sys.stderr)
    if results["n_files"] and not any(results["systems"][r]["files"] for r in results["rows"]):
        sys.exit(1)


def main() -> None:
    """Console entry point (``senhance-eval``)."""
    _main()


if __name__ == "__main__":
    main()
