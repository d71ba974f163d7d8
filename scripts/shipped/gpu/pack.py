"""Here, on the CPU: pack what one GPU training leg needs into an ignored folder the device tool carries.

    python scripts/shipped/gpu/pack.py --corpus ../shared/corpus            # -> train_runs/gpu_pack/

The pack holds
- ``speech/``, ``noise/``: every file of the split (train and valid), re-encoded as Ogg Opus at
  ``--speech-kbps`` / ``--noise-kbps`` under the same names with the suffix ``.opus``; each decoded file
  has as many frames as its source (checked);
- ``MANIFEST.tsv``: the corpus manifest rows of those files, ``file`` renamed (``packed_from`` keeps the
  source name, ``codec`` the coding), so speakers, genders and licences travel; ``split.tsv``: the split
  file with the packed names, every group and subset unchanged (the speaker split stays the same);
- ``wheels/``: the packages the GPU image lacks (hydra-core, omegaconf, antlr4, soundfile, cffi, pycparser,
  pystoi), cp312 manylinux, versions from requirements.lock (``--no-wheels``: none);
- the training state to resume: a state the working tree carries anyway (``scripts/shipped/training_state/...``, tracked) is
  only named in ``pack.json``, not copied twice; any other one (``--state train_runs/.../last.pt``) is copied
  to ``state/last.pt``; ``--state none`` starts from step 0;
- ``pack.json``: settings, sizes, the coding loss measured on ``--quality-files`` files (SI-SDR of decoded
  vs original, per-band SNR and energy change).

It prints what travels (tracked + untracked-not-ignored files of the working tree + the pack) and exits 1
when that is over ``--budget-mib``. Re-running re-encodes only what is missing or was coded otherwise.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from senhance.atomic import temporary_path_next_to

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pack_support import (coding_quality, download_wheels, repo_travel_bytes,  # noqa: E402
                           travels_with_tree)

MIB = 2 ** 20
STATE_CANDIDATES = ("scripts/shipped/training_state/default/last.pt",)
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


def compression_level(kbps: float) -> float:
    """libsndfile's Opus ``compression_level`` for a target bitrate (measured: 0 -> ~256 kb/s, 1 -> ~6 kb/s)."""
    return float(min(max((256.0 - kbps) / 250.0, 0.0), 1.0))


def encode(job: tuple[str, str, float]) -> tuple[str, int, int]:
    """Decode ``source``, write Ogg Opus to ``target`` atomically; ``(target, source frames, coded frames)``."""
    source, target, kbps = job
    audio, sample_rate = sf.read(source, dtype="float32", always_2d=True)  # (T, C)
    if sample_rate not in OPUS_RATES:
        raise SystemExit(f"{source}: {sample_rate} Hz; Opus codes only {OPUS_RATES} (resample the corpus first)")
    target = Path(target)
    tmp = temporary_path_next_to(target)
    sf.write(tmp, np.clip(audio, -1.0, 1.0), sample_rate, format="OGG", subtype="OPUS",
             compression_level=compression_level(kbps))
    os.replace(tmp, target)
    return str(target), len(audio), sf.info(str(target)).frames


def packed_name(relpath: str) -> str:
    return str(Path(relpath).with_suffix(".opus"))


def default_state() -> str:
    for candidate in STATE_CANDIDATES:
        if (ROOT / candidate).is_file():
            return str(ROOT / candidate)
    return "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder laid out like ../shared/corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "train_runs" / "gpu_pack")
    parser.add_argument("--split", type=Path, default=ROOT / "checkpoints" / "default.split.tsv")
    parser.add_argument("--state", default=None, help=f"last.pt to resume (default: the first of {STATE_CANDIDATES}), "
                                                      "or 'none'")
    parser.add_argument("--copy-state", action="store_true", help="copy the state even when the tree carries it")
    parser.add_argument("--speech-kbps", type=float, default=24.0)
    parser.add_argument("--noise-kbps", type=float, default=16.0)
    parser.add_argument("--no-wheels", action="store_true", help="pack no wheels (tests; a machine that has them)")
    parser.add_argument("--wheels-from", type=Path, help="copy wheels from this folder instead of downloading")
    parser.add_argument("--budget-mib", type=float, default=60.0, help="limit on all that travels (the tool's is 64)")
    parser.add_argument("--quality-files", type=int, default=12, help="files of each kind scored for the coding loss")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.time()
    out, corpus = args.out.resolve(), args.corpus.resolve()
    if corpus == out or corpus in out.parents:
        raise SystemExit(f"--out {out} is inside the corpus {corpus}")
    check_out(out)

    from senhance.data.split import load_split, save_split

    groups, subsets = load_split(args.split)
    with open(corpus / "MANIFEST.tsv", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        columns, rows = list(reader.fieldnames or []), {row["file"]: row for row in reader}
    missing = [f for f in subsets if f not in rows or not (corpus / f).is_file()]
    if missing:
        raise SystemExit(f"{args.split}: {len(missing)} file(s) not in {corpus} (or its MANIFEST.tsv): "
                         + ", ".join(missing[:5]))
    names = {f: packed_name(f) for f in subsets}
    if len(set(names.values())) != len(names):
        raise SystemExit(f"{args.split}: two files differ only by their suffix; cannot rename them to .opus")
    kbps = {f: args.speech_kbps if f.startswith("speech/") else args.noise_kbps for f in subsets}

    # Fail early on the estimate: seconds x bitrate, plus what travels anyway.
    seconds = {f: sf.info(str(corpus / f)).duration for f in subsets}
    tree = repo_travel_bytes(ROOT)
    estimate = tree + sum(seconds[f] * kbps[f] * 1000 / 8 for f in subsets)
    if estimate > args.budget_mib * MIB:
        raise SystemExit(f"over budget before coding: ~{estimate / MIB:.1f} MiB (working tree {tree / MIB:.1f} MiB) "
                         f"> --budget-mib {args.budget_mib}; lower --speech-kbps/--noise-kbps")

    old = json.loads((out / "pack.json").read_text()) if (out / "pack.json").is_file() else {}
    old_codec = old.get("codec", {})
    jobs = [(str(corpus / f), str(out / names[f]), kbps[f]) for f in sorted(subsets)
            if not (out / names[f]).is_file() or old_codec.get(f.split("/")[0] + "_kbps") != kbps[f]]
    print(f"coding {len(jobs)} of {len(subsets)} files ({sum(seconds.values()) / 60:.1f} min of audio) into {out}")
    with ProcessPoolExecutor(max(args.jobs, 1)) as pool:
        for target, frames, coded in pool.map(encode, jobs, chunksize=8):
            if frames != coded:
                raise SystemExit(f"{target}: decodes to {coded} frames, its source has {frames}")
    stale = set(out.rglob("*.opus")) - {out / n for n in names.values()}
    for path in stale:  # files of an older split
        path.unlink()
    for f in subsets:  # every packed file, also the ones coded by an earlier run, decodes to its length
        if sf.info(str(out / names[f])).frames != sf.info(str(corpus / f)).frames:
            raise SystemExit(f"{out / names[f]}: length differs from {corpus / f}; delete it and re-run")

    codec = {"format": "OGG", "subtype": "OPUS", "speech_kbps": args.speech_kbps, "noise_kbps": args.noise_kbps,
             "speech_compression_level": compression_level(args.speech_kbps),
             "noise_compression_level": compression_level(args.noise_kbps)}
    with open(out / "MANIFEST.tsv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns + ["packed_from", "codec"], delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for f in sorted(subsets, key=names.get):
            writer.writerow({**rows[f], "file": names[f], "packed_from": f, "codec": f"opus {kbps[f]:g} kb/s"})
    save_split(out / "split.tsv", {names[f]: groups[f] for f in subsets}, {names[f]: subsets[f] for f in subsets})
    if (corpus / "README.md").is_file():
        shutil.copyfile(corpus / "README.md", out / "CORPUS_README.md")

    wheels = out / "wheels"
    if args.no_wheels:
        shutil.rmtree(wheels, ignore_errors=True)
    elif args.wheels_from and args.wheels_from.resolve() != wheels:
        shutil.rmtree(wheels, ignore_errors=True)
        shutil.copytree(args.wheels_from, wheels)
        wheels.chmod(0o755)
    elif not args.wheels_from:
        download_wheels(wheels, ROOT / "requirements.lock")

    state = pack_state(args, out)
    quality = {kind: coding_quality([(str(corpus / f), str(out / names[f])) for f in pick(subsets, kind,
                                                                                           args.quality_files)])
               for kind in ("speech", "noise")}
    sizes = {kind: folder_bytes(out / kind) for kind in ("speech", "noise", "wheels", "state")}
    sizes["pack"] = folder_bytes(out)
    sizes["tree"] = tree = repo_travel_bytes(ROOT)
    sizes["total"] = sizes["pack"] + tree
    info = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "corpus": str(corpus), "split": str(args.split),
            "files": {"speech": sum(f.startswith("speech/") for f in subsets),
                      "noise": sum(f.startswith("noise/") for f in subsets),
                      "train": sum(s == "train" for s in subsets.values()),
                      "valid": sum(s == "valid" for s in subsets.values())},
            "seconds": {k: round(sum(s for f, s in seconds.items() if f.startswith(k + "/")), 1)
                        for k in ("speech", "noise")},
            "codec": codec,
            "state": state, "wheels": sorted(p.name for p in wheels.glob("*.whl")),
            "quality": quality, "bytes": sizes, "budget_mib": args.budget_mib}
    (out / "pack.json").write_text(json.dumps(info, indent=1) + "\n")
    report(info, time.time() - started)
    if sizes["total"] > args.budget_mib * MIB:
        print(f"FAILED: {sizes['total'] / MIB:.1f} MiB would travel, over --budget-mib {args.budget_mib} "
              f"(the device tool's limit is 64 MiB); lower --speech-kbps/--noise-kbps"
              + ("; or copy the state over the committed scripts/shipped/training_state/default/last.pt (the tree carries that one, so "
                 "the pack needs no copy)" if state["copied"] else ""), file=sys.stderr)
        return 1
    return 0


def check_out(out: Path) -> None:
    """The pack must be an ignored folder of the repository: the device tool carries only such paths."""
    if ROOT.resolve() not in out.parents:
        print(f"note: {out} is outside the repository {ROOT}; the device tool carries only folders inside it "
              "(copy it to train_runs/gpu_pack before the run)", file=sys.stderr)
        return
    probe = out / "pack.json"
    if subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(probe)]).returncode != 0:
        raise SystemExit(f"{out} is not ignored by git: it would travel as untracked files and be counted twice; "
                         "choose a folder under train_runs/ or add it to .git/info/exclude")


def pack_state(args, out: Path) -> dict:
    """Name (or copy) the state to resume; ``{"path": repo-relative or pack-relative, "step": N}``."""
    shutil.rmtree(out / "state", ignore_errors=True)
    chosen = args.state or default_state()
    if chosen == "none":
        return {"path": None, "step": 0, "copied": False}
    path = Path(chosen).resolve()
    from senhance.train.state import load_state

    step = int(load_state(path)["step"])
    if travels_with_tree(ROOT, path) and not args.copy_state:
        return {"path": str(path.relative_to(ROOT)), "step": step, "copied": False}
    (out / "state").mkdir(parents=True)
    shutil.copyfile(path, out / "state" / "last.pt")
    if (path.parent / "history.json").is_file():
        shutil.copyfile(path.parent / "history.json", out / "state" / "history.json")
    return {"path": "state/last.pt", "step": step, "copied": True, "from": str(path)}


def pick(subsets: dict[str, str], kind: str, count: int) -> list[str]:
    """``count`` files of ``kind`` spread evenly over the sorted list (the same ones every time)."""
    files = sorted(f for f in subsets if f.startswith(kind + "/"))
    if not files or count <= 0:
        return []
    return [files[i] for i in np.unique(np.linspace(0, len(files) - 1, min(count, len(files))).round().astype(int))]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def report(info: dict, seconds: float) -> None:
    size = {k: v / MIB for k, v in info["bytes"].items()}
    print(f"packed {info['files']['speech']} speech + {info['files']['noise']} noise files "
          f"({info['files']['train']} train / {info['files']['valid']} valid) in {seconds:.0f} s")
    print(f"  speech {size['speech']:.1f} MiB ({info['codec']['speech_kbps']:g} kb/s), noise {size['noise']:.1f} MiB "
          f"({info['codec']['noise_kbps']:g} kb/s), wheels {size['wheels']:.1f} MiB, state copy {size['state']:.1f} MiB"
          f" -> pack {size['pack']:.1f} MiB")
    state = info["state"]
    print(f"  state: {state['path'] or 'none (step 0)'} at step {state['step']}"
          + ("" if state["copied"] or not state["path"] else " (travels with the working tree)"))
    print(f"  travels: working tree {size['tree']:.1f} MiB + pack {size['pack']:.1f} MiB = {size['total']:.1f} MiB "
          f"(budget {info['budget_mib']:g} MiB, tool limit 64 MiB)")
    for kind, q in info["quality"].items():
        if q:
            print(f"  coding loss, {kind} ({q['files']} files): SI-SDR median {q['si_sdr_median']:.1f} dB "
                  f"(min {q['si_sdr_min']:.1f}); band SNR " + ", ".join(f"{b} {v:.1f}" for b, v in q["band_snr_db"].items())
                  + " dB; energy change " + ", ".join(f"{b} {v:+.2f}" for b, v in q["band_energy_db"].items()) + " dB")


if __name__ == "__main__":
    sys.exit(main())
