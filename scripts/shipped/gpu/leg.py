"""One training leg on a pack (called by leg.sh; see README.md beside it).

    python3 scripts/shipped/gpu/leg.py PACK MINUTES -- RECIPE_ARGS... [-- EXTRA_OVERRIDES...]
    python3 scripts/shipped/gpu/leg.py --train OVERRIDES...      # the trainer itself (a child of the above)

The leg seeds ``RUN/checkpoints/last.pt`` with the pack's state (or a later one the run folder already has),
rewrites the recipe's arguments for the machine (the pack's corpus and split, the run folder, device,
workers), trains, and stops in time: through ``trainer.time_limit_minutes`` when the Solver has it (a clean
stop that saves ``last.pt``), and in any case by SIGINT to the trainer's process group at the hard deadline
(``last.pt`` is then the last ``trainer.save_every`` save). It never changes ``trainer.max_steps``: the
learning-rate schedule is sized to it. Then it copies last.pt, best.pt (when this leg wrote one),
history.json, train.log, tb.tar.gz and leg.json to ``$OUT``.

Environment: ``OUT`` (default RUN/../out), ``LEG_RUN_DIR`` (train_runs/gpu_leg/run), ``LEG_DEVICE`` (cuda),
``LEG_WORKERS`` (12), ``LEG_T0`` (the leg's start, epoch seconds; default now), ``LEG_STARTUP_S`` (60: imports,
preload, resume), ``LEG_OVERRUN_S`` (40: a validation begun just before the limit), ``LEG_END_S`` (20: copying
out), ``LEG_SAVE_EVERY`` (100, only when the Solver has no time limit: steps lost at the hard stop at most).
"""
from __future__ import annotations

import importlib.util
import inspect
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MIB = 2 ** 20
OUT_LIMIT = 16 * MIB


def _map_config_packages() -> None:
    """Without an install, ``senhance.configs`` / ``senhance.checkpoints`` are the repo's configs/ and checkpoints/."""
    sys.path.insert(0, str(ROOT))
    import senhance

    for name, folder in (("configs", ROOT / "configs"), ("checkpoints", ROOT / "checkpoints")):
        full = f"senhance.{name}"
        try:
            found = importlib.util.find_spec(full) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            continue
        spec = importlib.util.spec_from_file_location(full, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        setattr(senhance, name, module)


def train(overrides: list[str]) -> None:
    _map_config_packages()
    from senhance.cli.train import main

    main(overrides)


def solver_has_time_limit() -> bool:
    sys.path.insert(0, str(ROOT))
    from senhance.train.solver import Solver

    return "time_limit_minutes" in inspect.signature(Solver.__init__).parameters


def _key(word: str) -> str:
    return word.split("=", 1)[0].lstrip("+~")


def rewrite(recipe: list[str], replace: dict[str, str], extra: list[str]) -> list[str]:
    """The recipe's overrides with ``replace`` set (in place, else appended) and ``extra`` last, one per key.

    >>> rewrite(["a=1", "b=2"], {"b": "3", "c": "4"}, ["a=5"])
    ['a=5', 'b=3', 'c=4']
    """
    words = {}
    for word in recipe:
        key = _key(word)
        words[key] = f"{key}={replace[key]}" if key in replace else word
    for key, value in replace.items():
        words.setdefault(key, f"{key}={value}")
    for word in extra:
        words[_key(word)] = word
    return list(words.values())


def _step(path: Path) -> int:
    from senhance.train.state import load_state

    return int(load_state(path)["step"])


def _step_and_target(path: Path) -> tuple[int, int | None]:
    """The step of a state and the ``trainer.max_steps`` of the run that saved it."""
    from senhance.train.state import load_state

    state = load_state(path)
    return int(state["step"]), ((state.get("config") or {}).get("trainer") or {}).get("max_steps")


def seed_state(pack: Path, info: dict, run: Path) -> tuple[int, str]:
    """Put the state to resume at ``run/checkpoints/last.pt``; ``(step, where from)``."""
    sys.path.insert(0, str(ROOT))
    target = run / "checkpoints" / "last.pt"
    relative = (info.get("state") or {}).get("path")
    source = None if relative is None else (pack / relative if relative == "state/last.pt" else ROOT / relative)
    if source is not None and not source.is_file():
        raise SystemExit(f"{source}: the state pack.json names is not here")
    have = _step(target) if target.is_file() else -1
    offered = _step(source) if source is not None else 0
    if source is None and have < 0:
        return 0, "none (step 0)"
    if have >= offered:  # a warm machine's own later state (an earlier leg of this lease) wins
        return have, f"{target} (already here)"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return offered, str(source)


def _log_file(run: Path) -> Path | None:
    logs = sorted(run.glob("*.log"))
    return logs[0] if logs else None


def collect(run: Path, out: Path, summary: dict, t0: float) -> list[str]:
    """Copy the leg's results into ``out`` (each file < 16 MiB, the tool's limit); the names copied."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"last.pt": run / "checkpoints" / "last.pt", "history.json": run / "history.json",
             "train.log": _log_file(run)}
    best = run / "checkpoints" / "best.pt"
    if best.is_file() and best.stat().st_mtime >= t0:
        files["best.pt"] = best
    if (run / "tb").is_dir():
        with tarfile.open(out / "tb.tar.gz", "w:gz") as tar:
            tar.add(run / "tb", arcname="tb")
    copied = ["tb.tar.gz"] if (out / "tb.tar.gz").is_file() else []
    for name, path in files.items():
        if path is None or not path.is_file():
            continue
        if path.stat().st_size >= OUT_LIMIT:
            print(f"leg: {path} is {path.stat().st_size / MIB:.1f} MiB, over the 16 MiB that comes back", file=sys.stderr)
            continue
        shutil.copyfile(path, out / name)
        copied.append(name)
    if (out / "tb.tar.gz").is_file() and (out / "tb.tar.gz").stat().st_size >= OUT_LIMIT:
        (out / "tb.tar.gz").unlink()
        copied.remove("tb.tar.gz")
    summary["returned"] = sorted(copied + ["leg.json"])
    (out / "leg.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary["returned"]


def _startup_s(log: Path | None, launched: float) -> float | None:
    """Seconds from launching the trainer to its ``training in ...`` log line (imports, data scan, preload)."""
    if log is None:
        return None
    for line in log.read_text(errors="replace").splitlines():
        if "] - training in " in line and line.startswith("["):
            stamp = line[1:20]
            try:
                return round(time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) - launched, 1)
            except ValueError:
                return None
    return None


def _gpu_name() -> str | None:
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                              text=True, timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def leg(pack: Path, minutes: float, recipe: list[str], extra: list[str]) -> int:
    t0 = float(os.environ.get("LEG_T0") or time.time())
    env = os.environ
    run = Path(env.get("LEG_RUN_DIR", ROOT / "train_runs" / "gpu_leg" / "run")).resolve()
    out = Path(env.get("OUT") or run.parent / "out").resolve()
    info = json.loads((pack / "pack.json").read_text())
    start_step, state_from = seed_state(pack, info, run)
    deadline = t0 + 60.0 * minutes - float(env.get("LEG_END_S", 20))
    replace = {"hydra.run.dir": str(run), "data.speech_dir": str(pack / "speech"), "data.noise_dir": str(pack / "noise"),
               "data.corpus_manifest": str(pack / "MANIFEST.tsv"), "data.split_file": str(pack / "split.tsv"),
               "device": env.get("LEG_DEVICE", "cuda"), "num_workers": env.get("LEG_WORKERS", "12"),
               "trainer.progress": "false"}
    limited = solver_has_time_limit()
    inner = (deadline - time.time() - float(env.get("LEG_STARTUP_S", 60)) - float(env.get("LEG_OVERRUN_S", 40))) / 60
    if limited:
        replace["++trainer.time_limit_minutes"] = f"{max(inner, 0.05):.2f}"
    else:
        replace["trainer.save_every"] = env.get("LEG_SAVE_EVERY", "100")
    present = {_key(word) for word in recipe + extra}  # "++key" adds a key the config may not have yet
    words = rewrite(recipe, {_key(k): v for k, v in replace.items() if not k.startswith("+") or _key(k) in present},
                    extra)
    words += [f"{k}={v}" for k, v in replace.items() if k.startswith("+") and _key(k) not in present]
    print(f"leg: state {state_from} at step {start_step}; stop: "
          + (f"trainer.time_limit_minutes={replace['++trainer.time_limit_minutes']}, " if limited else "")
          + f"SIGINT at {max(deadline - time.time(), 0):.0f} s from now", flush=True)
    print("leg: train " + " ".join(words), flush=True)
    launched = time.time()
    flags = ["-S"] if sys.flags.no_site else []  # (the tests run without site-packages' editable install)
    child = subprocess.Popen([sys.executable, *flags, str(Path(__file__).resolve()), "--train", *words], cwd=ROOT,
                             start_new_session=True)
    stop = "finished"
    try:
        rc = child.wait(timeout=max(deadline - time.time(), 1.0))
    except subprocess.TimeoutExpired:
        stop = "hard deadline (SIGINT)"
        os.killpg(child.pid, signal.SIGINT)
        try:
            rc = child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            rc = child.wait()
    ended = time.time()
    last = run / "checkpoints" / "last.pt"
    end_step, max_steps = _step_and_target(last) if last.is_file() else (0, None)
    history = json.loads((run / "history.json").read_text()) if (run / "history.json").is_file() else {}
    rates = [r["steps_per_s"] for r in history.get("train", []) if r["step"] > start_step and "steps_per_s" in r]
    if stop == "finished" and rc == 0 and limited and max_steps and end_step < max_steps:
        stop = "time limit"
    summary = {"pack": str(pack), "minutes": minutes, "gpu": _gpu_name(), "state_from": state_from,
               "start_step": start_step, "end_step": end_step, "steps": end_step - start_step, "stop": stop, "rc": rc,
               "time_limit_minutes": replace.get("++trainer.time_limit_minutes"),
               "seconds": {"setup": round(launched - t0, 1), "trainer_startup": _startup_s(_log_file(run), launched),
                           "trainer": round(ended - launched, 1),
                           "leg": round(ended - t0, 1)},
               # the median of the logged windows: training alone (a window holding a validation is slow)
               "steps_per_s_median": round(statistics.median(rates), 3) if rates else None,
               "steps_per_s_wall": round((end_step - start_step) / max(ended - launched, 1e-9), 3),
               "best": history.get("best"), "last_valid": (history.get("valid") or [None])[-1], "overrides": words}
    returned = collect(run, out, summary, t0)
    print(f"leg: {stop}, rc {rc}: step {start_step} -> {end_step} in {ended - launched:.0f} s "
          f"({summary['steps_per_s_wall']} steps/s wall, {summary['steps_per_s_median']} median of the logged); "
          f"{out}: {', '.join(returned)}", flush=True)
    ok = end_step > start_step or (rc == 0 and stop != "hard deadline (SIGINT)")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["--train"]:
        train(argv[1:])
        return 0
    if len(argv) < 3 or argv[2] != "--":
        raise SystemExit(__doc__.split("\n\n")[1])
    rest = argv[3:]
    recipe, extra = (rest[: rest.index("--")], rest[rest.index("--") + 1:]) if "--" in rest else (rest, [])
    return leg(Path(argv[0]).resolve(), float(argv[1]), recipe, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
