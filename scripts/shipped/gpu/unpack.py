"""Here, after a GPU leg: put what came back where train_default.sh (and the next leg) resumes from.

    python scripts/shipped/gpu/unpack.py /work/.device/.../files     # the run tool's files_at

Copies, each atomically: ``last.pt`` to ``--run-dir``/checkpoints/ (train_default.sh resumes there) and to
the committed training state (``--state-dir``, default the folder of scripts/shipped/training_state/default/last.pt), with
``history.json``; ``best.pt`` (when the leg wrote one) to the run's checkpoints/; ``train.log`` appended to
the run's train.log under a header; ``tb.tar.gz`` unpacked to ``tb_gpu/step<A>-<B>/`` of the run; ``leg.json``
appended to ``gpu_legs.jsonl``. A pack's own copy of the state (``state/last.pt``) is replaced too, so the
next leg can start without re-packing. Refuses a state older than one already there (``--force``: take it).
Stop a CPU run of the same folder first: it would overwrite last.pt at its next save.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tarfile
from pathlib import Path

from senhance.atomic import atomic_output

ROOT = Path(__file__).resolve().parents[3]
STATE_CANDIDATES = ("scripts/shipped/training_state/default/last.pt",)


def copy_atomic(source: Path, target: Path) -> None:
    with open(source, "rb") as reader, atomic_output(target, "wb") as writer:
        shutil.copyfileobj(reader, writer)


def extract(archive: Path, folder: Path) -> None:
    """Unpack the leg's ``tb.tar.gz`` (plain files and folders under ``tb/`` only)."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            parts = Path(member.name).parts
            if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in parts:
                raise SystemExit(f"{archive}: unexpected entry {member.name!r}; not unpacked")
        tar.extractall(folder, members=members)


def step_of(path: Path) -> int:
    from senhance.train.state import load_state

    return int(load_state(path)["step"])


def default_state_dir() -> Path | None:
    for candidate in STATE_CANDIDATES:
        if (ROOT / candidate).is_file():
            return (ROOT / candidate).parent
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("returned", type=Path, help="the folder holding last.pt, leg.json, ... from $OUT")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "train_runs" / "default" / "run")
    parser.add_argument("--state-dir", type=Path, default=None, help="committed state folder (default: "
                        f"the folder of the first of {STATE_CANDIDATES}); 'none': leave it")
    parser.add_argument("--pack", type=Path, default=ROOT / "train_runs" / "gpu_pack")
    parser.add_argument("--force", action="store_true", help="take the state even if it is older")
    args = parser.parse_args(argv)
    returned, run = args.returned, args.run_dir
    new = returned / "last.pt"
    if not new.is_file():
        raise SystemExit(f"{returned}: no last.pt (the leg failed before its first save? see its leg.json/train.log)")
    step = step_of(new)
    state_dir = None if str(args.state_dir) == "none" else (args.state_dir or default_state_dir())
    targets = [run / "checkpoints" / "last.pt"] + ([state_dir / "last.pt"] if state_dir else [])
    pack_state = args.pack / "state" / "last.pt"
    if pack_state.is_file():
        targets.append(pack_state)
    for target in targets:
        if target.is_file() and step_of(target) > step and not args.force:
            raise SystemExit(f"{target} is at step {step_of(target)}, later than the returned {new} (step {step}); "
                             "nothing was changed (--force takes the returned one)")
    leg = json.loads((returned / "leg.json").read_text()) if (returned / "leg.json").is_file() else {}
    for target in targets:
        copy_atomic(new, target)
        if (returned / "history.json").is_file():
            copy_atomic(returned / "history.json", target.parent / "history.json")
    if (returned / "history.json").is_file():
        copy_atomic(returned / "history.json", run / "history.json")
    if (returned / "best.pt").is_file():
        copy_atomic(returned / "best.pt", run / "checkpoints" / "best.pt")
    start = leg.get("start_step", "?")
    if (returned / "train.log").is_file():
        with open(run / "train.log", "a") as log:
            log.write(f"\n==== GPU leg ({leg.get('gpu')}): step {start} -> {step}, {leg.get('stop')} ====\n")
            log.write((returned / "train.log").read_text(errors="replace"))
    if (returned / "tb.tar.gz").is_file():
        folder = run / "tb_gpu" / f"step{start}-{step}"
        folder.mkdir(parents=True, exist_ok=True)
        extract(returned / "tb.tar.gz", folder)
    if leg:
        with open(run / "gpu_legs.jsonl", "a") as handle:
            handle.write(json.dumps(leg) + "\n")
    pack_json = args.pack / "pack.json"
    if pack_json.is_file():
        info = json.loads(pack_json.read_text())
        if info.get("state", {}).get("path"):
            info["state"]["step"] = step
            pack_json.write_text(json.dumps(info, indent=1) + "\n")
    print(f"unpacked step {step} (leg from step {start}, {leg.get('steps_per_s_wall')} steps/s): "
          + ", ".join(str(t) for t in targets))
    if state_dir:
        relative = state_dir.resolve().relative_to(ROOT) if state_dir.resolve().is_relative_to(ROOT) else state_dir
        print(f"commit the state: git add {relative} && git commit -m 'Training state at step {step} (GPU leg)'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
