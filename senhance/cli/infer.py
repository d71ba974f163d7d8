"""``senhance-infer``: enhance files, folders or globs of recordings.

    senhance-infer noisy.wav                                    # -> noisy_enhanced.wav next to it
    senhance-infer recordings/ -o enhanced/ --model wiener --strength 0.8
    senhance-infer input=recordings/ output=enhanced/ model=wiener strength=0.8   # the same, as Hydra settings

Composes its own root ``configs/infer.yaml`` (see :mod:`senhance.cli._command`), plans every output
(:mod:`senhance.cli.infer_plan`) and checks the arguments before loading the model, then enhances each file
with :func:`senhance.enhance.enhance_file`. It writes nothing but the outputs (no run folder, no log file).
Exit status: 0 when every file was enhanced, 1 when any failed (each is listed with its reason), 2 on a
usage error.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import soundfile
import torch
from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue
from tqdm.auto import tqdm

import senhance.registry
from senhance.baselines import CLASSICAL
from senhance.cli._command import Command, Option, run_command
from senhance.cli.infer_plan import plan
from senhance.errors import ConfigError, UsageError
from senhance.inference.file import enhance_file, residual_path_for
from senhance.inference.paths import Summary
from senhance.io import audio_info
from senhance.registry import ModelNotFoundError, shipped_models


def _model_argument(model: str) -> str:
    """A checkpoint path relative to the caller's directory becomes absolute; names stay as they are."""
    model = str(model)
    if model.endswith(".pt") or "/" in model or "\\" in model or Path(to_absolute_path(model)).is_file():
        return to_absolute_path(model)
    return model


def _inputs(cfg: DictConfig) -> list[str]:
    value = OmegaConf.to_container(cfg, resolve=True)["input"]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _plan(cfg: DictConfig):
    output = cfg.get("output")
    return plan(_inputs(cfg), None if output in (None, "") else str(output), suffix=cfg.get("suffix"),
                save_residual=bool(cfg.save_residual))


def check(cfg: DictConfig) -> None:
    """The settings and the output plan, before anything is loaded; raises a UsageError."""
    try:
        cfg.input
    except MissingMandatoryValue:
        raise UsageError("no input: give one or more files, folders or globs, e.g. `senhance-infer noisy.wav`") \
            from None
    strength = float(cfg.strength)
    if not 0.0 <= strength <= 1.0:
        raise ConfigError(f"strength={strength:g}: must be inside [0, 1] (0 = unchanged, 1 = fully enhanced)")
    if float(cfg.block_seconds) <= 0:
        raise ConfigError(f"block_seconds={cfg.block_seconds}: must be positive")
    device = str(cfg.device)
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device={device}: CUDA is not available here (use --device cpu)")
    elif device not in ("cpu", "mps"):
        raise ConfigError(f"device={device}: use cpu, cuda or cuda:N")
    if cfg.get("subtype") is not None:
        if str(cfg.subtype) not in soundfile.available_subtypes():
            raise ConfigError(f"subtype={cfg.subtype}: not a soundfile subtype (PCM_16, PCM_24, FLOAT, ...)")
    check_model(str(cfg.model))
    _plan(cfg)


def check_model(name: str) -> None:
    """A shipped name, a classical baseline or an existing checkpoint file; else ModelNotFoundError (exit 2)."""
    if name in CLASSICAL or name in shipped_models():
        return
    path = Path(_model_argument(name))
    if _model_argument(name) != name or path.exists():
        if not path.is_file():
            raise ModelNotFoundError(f"model={name}: no checkpoint file {path}")
        return
    known = ", ".join(sorted(set(shipped_models()) | set(CLASSICAL)))
    raise ModelNotFoundError(f"model={name}: no such model (shipped models and baselines: {known}; or a "
                             f"checkpoint path)")


def run(cfg: DictConfig) -> int:
    """Enhance ``cfg.input`` as planned; prints each output and a summary; returns the exit status."""
    check(cfg)
    jobs = _plan(cfg)
    summary = Summary()
    overwrite = bool(cfg.overwrite)
    todo = []
    for job in jobs:
        existing = [p for p in (job.output, residual_path_for(job.output)) if p.exists()
                    and (p == job.output or cfg.save_residual)]
        if existing and not overwrite:
            summary.failed.append((job.input, f"{existing[0]} already exists (add --overwrite to replace it)"))
        else:
            todo.append(job)
    name = str(cfg.model)
    if todo:
        options = cfg.get("model_options")
        options = OmegaConf.to_container(options, resolve=True) if OmegaConf.is_config(options) else dict(options or {})
        enhancer = senhance.registry.load(_model_argument(name), device=str(cfg.device), **options)
        name = enhancer.name
        progress = bool(cfg.get("progress", True))
        start = time.perf_counter()
        for job in tqdm(todo, desc="files", unit="file", disable=not progress or len(todo) < 2):
            try:
                seconds = audio_info(job.input).duration
                enhance_file(enhancer, job.input, job.output, strength=float(cfg.strength),
                             save_residual=bool(cfg.save_residual), subtype=cfg.get("subtype"), overwrite=overwrite,
                             block_seconds=float(cfg.block_seconds), progress=progress,
                             max_attenuation_db=cfg.get("max_attenuation_db"))
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch; its reason is listed
                summary.failed.append((job.input, str(exc) or type(exc).__name__))
                continue
            summary.done.append(job.output)
            summary.audio_seconds += seconds
            print(job.output, flush=True)
        summary.wall_seconds = time.perf_counter() - start
    print(f"senhance-infer ({name}): {summary.report()}", file=sys.stderr)
    return 0 if summary.ok else 1


def _inputs_from_words(words: list[str]) -> dict:
    return {"input": list(words)}


def _strength(text: str) -> float:
    """A number option (``--strength``, ``--max-attenuation-db``)."""
    return float(text)


COMMAND = Command(
    program="senhance-infer",
    config_name="infer",
    usage="INPUT... [-o OUT] [--model NAME] [--strength S] [--max-attenuation-db L] [--residual] [--overwrite] [--device D] [key=value ...]",
    description="Enhance recordings. INPUT is a file, a folder (searched recursively) or a quoted glob; several "
                "may be given.\nWithout -o, each output is written next to its input as <stem>_enhanced.<ext>; an "
                "existing file is never\nreplaced without --overwrite, and an input never is.",
    examples=(
        ("senhance-infer noisy.wav", "writes noisy_enhanced.wav next to it"),
        ("senhance-infer noisy.wav -o clean.wav", "one input, one output file"),
        ("senhance-infer recordings/ -o enhanced/", "enhanced/ mirrors the layout of recordings/"),
        ("senhance-infer 'calls/**/*.flac' --model wiener --strength 0.8", "a glob, a classical baseline, 80 % wet"),
        ("senhance-infer a.wav b.wav --model runs/x/checkpoints/best.pt --residual", "your own checkpoint"),
        ("senhance-infer input=noisy.wav output=clean.wav model=default", "the Hydra form of the same settings"),
    ),
    options=(
        Option(("-o", "--output"), "output", "output file (one input) or folder (mirrors the inputs' layout); "
               "default: next to each input", metavar="OUT"),
        Option(("--model",), "model", "shipped model name (default), checkpoint path, or bandpass | "
               "spectral_subtraction | wiener", metavar="NAME"),
        Option(("--strength",), "strength", "0..1 dry/wet: 0 returns the input, 1 the fully enhanced audio",
               metavar="S", convert=_strength),
        Option(("--max-attenuation-db",), "max_attenuation_db", "never attenuate more than L dB below the input "
               "(e.g. 12 for a gentler result); default: no limit", metavar="L", convert=_strength),
        Option(("--residual",), "save_residual", "also write <output stem>_residual.<ext> (what was removed)"),
        Option(("--overwrite",), "overwrite", "replace existing outputs (inputs are never replaced)"),
        Option(("--device",), "device", "cpu (default), cuda or cuda:N", metavar="D"),
    ),
    task=run,
    positionals=_inputs_from_words,
    check=check,
    notes=("Exit status: 0 all files enhanced, 1 some file failed (each is listed), 2 a usage error.",),
)


def main(argv: list[str] | None = None, *, program: str | None = None) -> None:
    """Console entry point (``senhance-infer``)."""
    run_command(COMMAND, argv, program=program)


if __name__ == "__main__":
    main()
