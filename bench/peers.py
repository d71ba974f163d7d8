"""Open peers (DeepFilterNet3, RNNoise, noisereduce, logmmse) in senhance's own evaluation harness.

    .venv/bin/python bench/peers.py NOISY_DIR [--clean-dir CLEAN_DIR] [--name peers] [--jobs 2]

1. Installs each peer from PyPI into its own virtual environment (``--venv-dir``, default
   ``~/.cache/senhance/peers/<peer>``), never into senhance's: the exact versions of every package
   are pinned in ``bench/peer_runners/<peer>.requirements.txt``; the installed set is printed and recorded.
2. Runs each peer's runner (``bench/peer_runners/<peer>_runner.py``, executed by that venv's python) on
   every audio file under NOISY_DIR (recursive), writing ``--work-dir/<peer>/<relative path>.wav`` at
   the input's rate, channel count and length, so ``senhance-eval`` matches them to the noisy files.
3. Real-time factors on one CPU thread: every peer and every senhance system on the first
   ``--rtf-files`` files, ``--rtf-rounds`` rounds taken in turn (so each system sees the same machine
   load), the fastest round kept; the full pass's own time is recorded too.
4. ``senhance-eval`` with the senhance systems (``--systems``) and every peer's folder as precomputed
   systems, paired differences for ``--compare`` (default ``default,dfn3``).
5. Writes ``bench/results/<name>.json`` (versions, real-time factors, the summaries and comparisons,
   the commands) and ``bench/results/<name>.md`` (the side-by-side table). A benchmark: never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # bench/peer_runners/ as the package peer_runners
RUNNERS = HERE / "peer_runners"
PEERS = ("dfn3", "rnnoise", "noisereduce", "logmmse")
#: Metrics of the markdown table: (results key, heading, decimals).
TABLE = (("pesq", "PESQ-wb", 2), ("stoi", "STOI", 3), ("si_sdr", "SI-SDR (dB)", 2), ("dnsmos_ovrl", "DNSMOS OVRL", 2))


def requirements_file(peer: str) -> Path:
    return RUNNERS / f"{peer}.requirements.txt"


def runner_file(peer: str) -> Path:
    return RUNNERS / f"{peer}_runner.py"


def venv_python(venv: Path) -> Path:
    return Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pinned(requirements: str) -> list[str]:
    """The ``name==version`` lines of a requirements text (comments and blanks dropped); all must be exact pins."""
    lines = [line.split("#")[0].strip() for line in requirements.splitlines()]
    lines = [line for line in lines if line]
    loose = [line for line in lines if "==" not in line]
    if loose:
        raise ValueError(f"not pinned exactly: {', '.join(loose)}")
    return lines


def ensure_venv(peer: str, venv_dir: Path, *, python: str = sys.executable, log=print) -> tuple[Path, list[str]]:
    """Create (or reuse) ``venv_dir/peer`` with exactly the pinned requirements; returns its python and pip freeze.

    A venv is reused when its stamp holds the same requirements text, rebuilt (``--clear``) otherwise.
    """
    text = requirements_file(peer).read_text()
    pins = pinned(text)
    venv = Path(venv_dir).expanduser() / peer
    stamp = venv / "senhance-peer-requirements.txt"
    py = venv_python(venv)
    if not (py.exists() and stamp.exists() and stamp.read_text() == text):
        log(f"[{peer}] creating {venv} and installing {len(pins)} pinned packages from PyPI")
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-qq", "--disable-pip-version-check",
                        "-r", str(requirements_file(peer))], check=True)
        stamp.write_text(text)
    freeze = subprocess.run([str(py), "-m", "pip", "freeze", "--disable-pip-version-check"], check=True,
                            capture_output=True, text=True).stdout.split()
    missing = sorted({p.lower() for p in pins} - {f.lower() for f in freeze})
    if missing:
        raise RuntimeError(f"[{peer}] {venv}: installed set differs from the pins: {', '.join(missing)}")
    return py, freeze


def runner_command(python, runner, noisy_dir, output_dir, timing, *, limit=None, repeats=1, model=None) -> list[str]:
    """The command that runs one runner on a folder."""
    command = [str(python), str(runner), str(noisy_dir), str(output_dir), "--timing", str(timing)]
    if limit is not None:
        command += ["--limit", str(int(limit))]
    if int(repeats) != 1:
        command += ["--repeats", str(int(repeats))]
    if model is not None:
        command += ["--model", str(model)]
    return command


def eval_command(noisy_dir, clean_dir, systems, peer_dirs: dict, compare, output_dir, *, jobs=1, python=sys.executable):
    """``senhance-eval`` with senhance's ``systems`` plus each peer's output folder as ``label:folder``."""
    entries = [str(s) for s in systems] + [f"{label}:{Path(folder).resolve()}" for label, folder in peer_dirs.items()]
    command = [str(python), "-m", "senhance.cli.evaluate", f"noisy_dir={Path(noisy_dir).resolve()}"]
    if clean_dir is not None:
        command.append(f"clean_dir={Path(clean_dir).resolve()}")
    command.append(f"systems=[{','.join(entries)}]")
    if compare:
        command.append("compare=[" + ",".join(f"[{a},{b}]" for a, b in compare) + "]")
    command += [f"output_dir={Path(output_dir).resolve()}", f"jobs={int(jobs)}", "progress=false"]
    return command


def senhance_systems(systems) -> dict[str, str]:
    """``["default", "mine:runs/x/best.pt"]`` -> ``{"default": "default", "mine": "runs/x/best.pt"}``."""
    found = {}
    for system in systems:
        label, _, spec = str(system).partition(":")
        found[label] = spec or label
    return found


def parse_pairs(values) -> list[tuple[str, str]]:
    """``["default,dfn3", "default:rnnoise"]`` -> ``[("default", "dfn3"), ("default", "rnnoise")]``."""
    pairs = []
    for value in values or []:
        parts = [p.strip() for p in value.replace(":", ",").split(",")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"--compare {value!r}: give two labels, e.g. default,dfn3")
        pairs.append((parts[0], parts[1]))
    return pairs


def _run_timed(command, timing: Path, log) -> dict:
    log("$ " + " ".join(command))
    completed = subprocess.run(command)
    record = json.loads(timing.read_text()) if timing.exists() else {}
    record["returncode"] = completed.returncode
    return record


def main(argv=None) -> int:
    from peer_runners.report import markdown, summaries

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("noisy_dir", type=Path)
    parser.add_argument("--clean-dir", type=Path, help="clean references (same relative paths)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    parser.add_argument("--systems", default="default,wiener", help="senhance systems for senhance-eval")
    parser.add_argument("--compare", action="append", help="paired difference A,B (repeatable; default default,dfn3)")
    parser.add_argument("--venv-dir", type=Path, default=Path("~/.cache/senhance/peers"))
    parser.add_argument("--work-dir", type=Path, default=Path("outputs/peers"), help="peer outputs, timings, eval")
    parser.add_argument("--name", default="peers", help="results: bench/results/NAME.json and NAME.md")
    parser.add_argument("--jobs", type=int, default=1, help="senhance-eval scoring processes")
    parser.add_argument("--rtf-files", type=int, default=5, help="files timed per round; 0: no timing rounds")
    parser.add_argument("--rtf-rounds", type=int, default=3)
    parser.add_argument("--reuse-outputs", action="store_true", help="skip a peer whose outputs folder is complete")
    parser.add_argument("--no-eval", action="store_true", help="only install, run and time the peers")
    args = parser.parse_args(argv)
    if args.rtf_files < 0 or args.rtf_rounds < 1:
        parser.error(f"--rtf-files={args.rtf_files} must be >= 0 and --rtf-rounds={args.rtf_rounds} >= 1")
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"--peers: unknown {', '.join(unknown)} (known: {', '.join(PEERS)})")
    if not args.noisy_dir.is_dir():
        parser.error(f"{args.noisy_dir}: not a folder")
    compare = parse_pairs(args.compare or ["default,dfn3"])
    work = args.work_dir.resolve()
    log = lambda text: print(text, flush=True)  # noqa: E731
    started = time.time()

    pythons, versions = {}, {}
    for peer in peers:
        pythons[peer], versions[peer] = ensure_venv(peer, args.venv_dir, log=log)
        log(f"[{peer}] {' '.join(versions[peer])}")

    import peer_runners._runner as shared

    n_files = len(shared.list_audio_files(args.noisy_dir))
    full = {}
    for peer in peers:
        out = work / peer
        if args.reuse_outputs and out.is_dir() and len(shared.list_audio_files(out)) == n_files:
            log(f"[{peer}] reusing {out}")
            full[peer] = json.loads((work / "timing" / f"{peer}.json").read_text()) if (work / "timing" / f"{peer}.json").exists() else {}
            continue
        full[peer] = _run_timed(runner_command(pythons[peer], runner_file(peer), args.noisy_dir, out,
                                               work / "timing" / f"{peer}.json"), work / "timing" / f"{peer}.json", log)

    systems = [s for s in args.systems.split(",") if s]
    timed = {**senhance_systems(systems), **{peer: None for peer in peers}}  # label -> senhance spec or None
    rounds: dict[str, list] = {label: [] for label in timed}
    for index in range(args.rtf_rounds if args.rtf_files > 0 else 0):  # --rtf-files 0: no speed rounds
        for label, spec in timed.items():
            timing = work / "rtf" / f"{label}.{index}.json"
            if spec is None:
                command = runner_command(pythons[label], runner_file(label), args.noisy_dir, work / "rtf" / label,
                                         timing, limit=args.rtf_files)
            else:
                command = runner_command(sys.executable, RUNNERS / "senhance_runner.py", args.noisy_dir,
                                         work / "rtf" / label, timing, limit=args.rtf_files, model=spec)
            rounds[label].append(_run_timed(command, timing, log))
    rtf = {label: min((r["rtf"] for r in records if r.get("rtf")), default=None) for label, records in rounds.items()}
    rtf_cpu = {label: min((r["rtf_cpu"] for r in records if r.get("rtf_cpu")), default=None)
               for label, records in rounds.items()}

    evaluation, eval_dir = None, work / "eval"
    eval_cmd = eval_command(args.noisy_dir, args.clean_dir, systems,
                            {peer: work / peer for peer in peers}, compare, eval_dir, jobs=args.jobs)
    if not args.no_eval:
        log("$ " + " ".join(eval_cmd))
        subprocess.run(eval_cmd, check=True)
        evaluation = json.loads((eval_dir / "results.json").read_text())

    record = {
        "format": "senhance-bench-peers/1",
        "command": " ".join([Path(sys.executable).name, "bench/peers.py", *(argv if argv is not None else sys.argv[1:])]),
        "noisy_dir": str(args.noisy_dir), "clean_dir": None if args.clean_dir is None else str(args.clean_dir),
        "n_files": n_files, "work_dir": str(work), "eval_command": " ".join(eval_cmd),
        "peers": {peer: {"requirements": pinned(requirements_file(peer).read_text()), "installed": versions[peer],
                         "full_pass": full[peer], "rtf_rounds": [r.get("rtf") for r in rounds[peer]]} for peer in peers},
        "senhance": {label: {"spec": spec, "rtf_rounds": [r.get("rtf") for r in rounds[label]]}
                     for label, spec in senhance_systems(systems).items()},
        "rtf": rtf, "rtf_cpu": rtf_cpu, "rtf_files": args.rtf_files, "rtf_rounds": args.rtf_rounds,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "loadavg_end": list(os.getloadavg())},
        "wall_seconds": round(time.time() - started, 1),
    }
    if evaluation is not None:
        record.update(summaries(evaluation))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"{args.name}.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    table = markdown(record, TABLE)
    (results / f"{args.name}.md").write_text(table)
    print(table)
    failed = [peer for peer in peers if full[peer].get("returncode", 0) != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
