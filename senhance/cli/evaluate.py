"""``senhance-eval``: the side-by-side comparison of enhancement systems.

    senhance-eval --ref data/clean data/noisy default wiener theirs:their_outputs/ -o eval/
    senhance-eval noisy_dir=data/noisy clean_dir=data/clean systems=[default,wiener] output_dir=eval   # the same

Composes its own root ``configs/eval.yaml`` (see :mod:`senhance.cli._command`), checks the folders, systems
and metrics before anything is written, then calls :func:`senhance.evaluation.evaluate`. The output folder
is the Hydra run dir (``.hydra/`` records the config).
"""
from __future__ import annotations

import sys
from pathlib import Path

from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf

from senhance.cli._command import Command, Option, run_command
from senhance.errors import ConfigError, UsageError
from senhance.evaluation import evaluate
from senhance.evaluation.report import render_markdown
from senhance.evaluation.scoring import check_metrics
from senhance.evaluation.systems import looks_like_path, parse_system, parse_systems


def _path(value):
    return None if value in (None, "") else to_absolute_path(str(value))


def _system(spec: str) -> str:
    """Make a checkpoint path in a system spec absolute; names stay as they are."""
    system = parse_system(spec)
    if looks_like_path(system.source):
        return f"{system.label}:{to_absolute_path(system.source)}"
    return str(spec)


def _systems(plain: dict) -> list[str]:
    systems = plain.get("systems") or []
    return [systems] if isinstance(systems, str) else [str(s) for s in systems]


def check(cfg: DictConfig) -> None:
    """Folders, systems, metrics and jobs, before the run folder exists; raises a UsageError."""
    from omegaconf.errors import MissingMandatoryValue

    try:
        cfg.noisy_dir
    except MissingMandatoryValue:
        raise UsageError("no noisy folder: give NOISY_DIR, e.g. `senhance-eval --ref clean/ noisy/ wiener`") from None
    for key in ("noisy_dir", "clean_dir"):
        value = cfg.get(key)
        if value not in (None, "") and not Path(to_absolute_path(str(value))).is_dir():
            raise UsageError(f"{key}={value}: not a folder")
    plain = OmegaConf.to_container(cfg, resolve=False)
    for system in parse_systems(_systems(plain)):
        if looks_like_path(system.source) and not Path(to_absolute_path(system.source)).exists():
            raise UsageError(f"systems: {system.source}: no such checkpoint or folder of outputs")
    if plain.get("metrics") is not None:
        check_metrics(plain["metrics"])
    if int(plain.get("jobs", 1)) < 1:
        raise ConfigError(f"jobs={plain.get('jobs')}: must be >= 1")


def run(cfg: DictConfig, *, loader=None) -> dict:
    """Evaluate with a composed ``eval.yaml`` config; returns the results (also written to disk)."""
    from hydra.core.hydra_config import HydraConfig

    plain = OmegaConf.to_container(cfg, resolve=True)
    try:  # under Hydra the run dir *is* output_dir (resolved once, so ${now:} is stable; -m: per job)
        output_dir = HydraConfig.get().runtime.output_dir
    except ValueError:  # composed without a Hydra run (tests, notebooks)
        output_dir = plain.get("output_dir")
    if output_dir in (None, ""):
        raise ConfigError("output_dir: must be set")
    manifest = plain.get("manifest")
    return evaluate(
        noisy_dir=_path(plain["noisy_dir"]),
        clean_dir=_path(plain.get("clean_dir")),
        output_dir=_path(output_dir),
        systems=[_system(s) for s in _systems(plain)],
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


def _task(cfg: DictConfig) -> int:
    from hydra.core.hydra_config import HydraConfig

    results = run(cfg)
    print(render_markdown(results))
    output_dir = HydraConfig.get().runtime.output_dir
    print(f"wrote {output_dir}/{{results.json,results.csv,report.md,report.html}}")
    if results["errors"]:
        print(f"{len(results['errors'])} problem(s); see results.json 'errors'", file=sys.stderr)
    if results["n_files"] and not any(results["systems"][r]["files"] for r in results["rows"]):
        return 1
    return 0


def _positionals(words: list[str]) -> dict:
    settings = {"noisy_dir": words[0]}
    if len(words) > 1:
        settings["systems"] = list(words[1:])
    return settings


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError(text)
    return names


COMMAND = Command(
    program="senhance-eval",
    config_name="eval",
    usage="[--ref CLEAN_DIR] NOISY_DIR [SYSTEM ...] [-o OUT_DIR] [--metrics M,M] [--jobs N] [key=value ...]",
    description="Score enhancement systems side by side on the recordings of NOISY_DIR (the noisy input is always "
                "a row).\nA SYSTEM is a shipped model name, a baseline (wiener, bandpass, spectral_subtraction), a "
                "checkpoint path,\nor a folder of another tool's outputs (same file names); label:SYSTEM names its "
                "row. Default: the shipped model.\nWith --ref, the clean files (same relative paths) give PESQ, "
                "STOI, ESTOI and SI-SDR; without it, DNSMOS only.",
    examples=(
        ("senhance-eval --ref data/clean data/noisy default wiener", "the shipped model against a baseline"),
        ("senhance-eval --ref clean/ noisy/ theirs:their_outputs/ mine:runs/x/checkpoints/best.pt -o eval/",
         "another tool's outputs next to yours"),
        ("senhance-eval recordings/", "no clean reference: DNSMOS of the noisy input and the default model"),
        ("senhance-eval noisy_dir=data/noisy clean_dir=data/clean systems=[default,wiener] output_dir=eval",
         "the Hydra form"),
    ),
    options=(
        Option(("--ref", "--clean"), "clean_dir", "folder of clean references (same relative paths)",
               metavar="CLEAN_DIR"),
        Option(("-o", "--output"), "output_dir", "folder for results.json/csv and report.md/html; default: "
               "outputs/eval/<date_time>", metavar="OUT_DIR"),
        Option(("--metrics",), "metrics", "comma-separated: pesq, stoi, estoi, si_sdr, dnsmos, snr, segmental_snr",
               metavar="M,M", convert=_names),
        Option(("--jobs",), "jobs", "scoring worker processes", metavar="N", convert=int),
        Option(("--save-audio",), "save_audio", "keep the enhanced files in OUT_DIR/enhanced/<label>/"),
    ),
    task=_task,
    positionals=_positionals,
    check=check,
)


def main(argv: list[str] | None = None, *, program: str | None = None) -> None:
    """Console entry point (``senhance-eval``)."""
    run_command(COMMAND, argv, program=program)


if __name__ == "__main__":
    main()
