"""By hand, once: split the training corpus and freeze the validation mixtures of the shipped model.

Reads ``--corpus`` (a folder laid out like ``../shared/corpus``: speech/, noise/, MANIFEST.tsv), writes

- ``checkpoints/default.split.tsv``: speech split by speaker, noise by recording (the split the model
  card cites; training reads it back through ``data.split_file``),
- ``<work>/valid_frozen/{noisy,clean,manifest.tsv}``: fixed validation mixtures of held-out speakers and
  held-out noises (``scripts/make_corpus.py``), the set the model card reports.

This is the only code that reads the corpus; the library and the tests never do.

    python scripts/shipped/prepare_corpus.py --corpus ../shared/corpus --work train_runs/default

When the split file already exists, every file it lists keeps its subset (a model trained on that split
stays validated on speakers and noises it never saw) and only files new to the corpus are split, whole
speakers at a time, separately for each source (the speaker-id prefix: ``libri``, ``so762``, ``hsb``, ...)
and for adults and children, so the held-out set has every source and age group.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

from senhance.data.split import groups_from_manifest, load_split, save_split, split_groups

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--split-file", type=Path, default=ROOT / "checkpoints" / "default.split.tsv")
    parser.add_argument("--valid-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-valid", type=int, default=60)
    parser.add_argument("--valid-name", default="valid_frozen", help="folder under --work for the frozen set")
    args = parser.parse_args()

    manifest = args.corpus / "MANIFEST.tsv"
    with open(manifest, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    speakers = groups_from_manifest(manifest, "speaker_id")  # {speech/x.flac: speaker}
    noises = {row["file"]: row["file"] for row in rows if row["kind"] == "noise"}  # one group per recording
    kept = load_split(args.split_file)[1] if args.split_file.is_file() else {}
    subsets = {f: s for f, s in kept.items() if f in speakers or f in noises}
    strata: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["file"] in subsets or row["file"] not in speakers and row["file"] not in noises:
            continue
        if row["kind"] == "noise":
            key = "noise"
        else:
            key = row["speaker_id"].split("_")[0] + (":child" if ", child," in row["category"] else "")
        strata.setdefault(key, {})[row["file"]] = speakers.get(row["file"], row["file"])
    for key, groups in sorted(strata.items()):
        drawn = split_groups(groups, valid_fraction=args.valid_fraction, seed=args.seed)
        subsets.update(drawn)
        n_valid = len({groups[f] for f, s in drawn.items() if s == "valid"})
        print(f"new {key}: {len(set(groups.values()))} groups, {n_valid} held out")
    save_split(args.split_file, {**speakers, **noises}, subsets)
    valid = sorted(f for f, s in subsets.items() if s == "valid")
    print(f"split: {sum(s == 'train' for s in subsets.values())} train / {len(valid)} valid files -> {args.split_file}")

    # Held-out speech and noise as folders of links, then freeze mixtures with the same mixing code.
    held_out = args.work / "held_out"
    for relpath in valid:
        link = held_out / relpath
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            os.symlink((args.corpus / relpath).resolve(), link)
    command = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"),
               "--speech-dir", str(held_out / "speech"), "--noise-dir", str(held_out / "noise"),
               "--out-dir", str(args.work / args.valid_name), "--num-examples", str(args.num_valid),
               "--seconds", "6", "--seed", str(args.seed + 1), "--snr", "-5", "20",
               "--reverb-prob", "0.2", "--band-limit-prob", "0.1"]
    print(" ".join(command))
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
