#!/usr/bin/env python
"""The Python steps of the corpus recipes (``voicebank_demand.sh``, ``dns.sh``).

    python scripts/recipes/recipe_tools.py voicebank ROOT WORK   # manifest + speaker split of the trainset
    python scripts/recipes/recipe_tools.py dns ROOT WORK         # manifest + speaker split as link trees
    python scripts/recipes/recipe_tools.py card WORK --corpus NAME [--command TEXT]   # WORK/MODEL_CARD.md

Splits never put one speaker on both sides (:mod:`senhance.data.split`); every file written is
under WORK, the downloaded corpus is only read.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from senhance.data.manifest import list_audio_files
from senhance.data.split import groups_from_regex, save_split, split_groups
from senhance.atomic import atomic_write_text

VOICEBANK_SPEAKER = r"^(p\d+)_"
DNS_READER = re.compile(r"reader_(\d+)")
VOICEBANK_FOLDERS = ("clean_trainset_28spk_wav", "noisy_trainset_28spk_wav", "clean_testset_wav", "noisy_testset_wav")


class RecipeError(ValueError):
    """The corpus folder does not have the expected layout (the message says what is missing)."""


def _need(root: Path, names) -> None:
    missing = [name for name in names if not (root / name).is_dir()]
    if missing:
        raise RecipeError(f"{root}: missing folder(s) {', '.join(missing)}; point the recipe at the downloaded "
                          "corpus (the folder that holds them)")


def _write_tsv(path: Path, header: list[str], rows) -> None:
    lines = ["\t".join(header)] + ["\t".join(str(v) for v in row) for row in rows]
    atomic_write_text(path, "\n".join(lines) + "\n")


def prepare_voicebank(root: Path, work: Path, *, valid_fraction: float, seed: int) -> dict:
    """``WORK/manifest.tsv`` (file, speaker_id, subset) and ``WORK/split.tsv`` of the 28-speaker trainset,
    split by speaker (the split ``data=pairs`` reads back with ``data.split_file``)."""
    _need(root, VOICEBANK_FOLDERS)
    files = list_audio_files(root / "noisy_trainset_28spk_wav")
    if not files:
        raise RecipeError(f"{root / 'noisy_trainset_28spk_wav'}: no audio files")
    groups = groups_from_regex(files, VOICEBANK_SPEAKER)
    subsets = split_groups(groups, valid_fraction=valid_fraction, seed=seed)
    work.mkdir(parents=True, exist_ok=True)
    save_split(work / "split.tsv", groups, subsets)
    _write_tsv(work / "manifest.tsv", ["file", "speaker_id", "subset"],
               ((name, groups[name], subsets[name]) for name in files))
    return _split_summary(groups, subsets)


def _speaker_of(relpath: str) -> str:
    """DNS clean speech: ``..._reader_06709_...`` -> ``reader_06709``; files without a reader id are
    grouped by their folder and book (``book_00000``) or, failing that, by file."""
    match = DNS_READER.search(relpath)
    if match:
        return f"reader_{match.group(1)}"
    book = re.search(r"book_\d+", relpath)
    return f"{Path(relpath).parent.as_posix()}/{book.group(0)}" if book else relpath


def _link_tree(root: Path, files: list[str], target: Path) -> None:
    for relpath in files:
        link = target / relpath
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink((root / relpath).resolve(), link)


def prepare_dns(root: Path, work: Path, *, valid_fraction: float, seed: int) -> dict:
    """``WORK/manifest.tsv`` (kind, file, group, subset) and link trees ``WORK/{train,valid}/{speech,noise}``:
    clean speech split by reader (speaker), noise by recording."""
    _need(root, ("datasets/clean", "datasets/noise"))
    rows, summary = [], {}
    for kind, folder, group_of in (("speech", root / "datasets" / "clean", _speaker_of),
                                   ("noise", root / "datasets" / "noise", lambda relpath: relpath)):
        files = list_audio_files(folder)
        if not files:
            raise RecipeError(f"{folder}: no audio files")
        groups = {relpath: group_of(relpath) for relpath in files}
        subsets = split_groups(groups, valid_fraction=valid_fraction, seed=seed)
        for subset in ("train", "valid"):
            _link_tree(folder, [f for f in files if subsets[f] == subset], work / subset / kind)
        rows += [(kind, f, groups[f], subsets[f]) for f in files]
        summary[kind] = _split_summary(groups, subsets)
    _write_tsv(work / "manifest.tsv", ["kind", "file", "group", "subset"], rows)
    return summary


def _split_summary(groups: dict, subsets: dict) -> dict:
    return {subset: {"files": sum(1 for s in subsets.values() if s == subset),
                     "groups": len({groups[f] for f, s in subsets.items() if s == subset})}
            for subset in ("train", "valid")}


def write_model_card(work: Path, *, corpus: str, command: str = "") -> Path:
    """``WORK/MODEL_CARD.md`` from ``WORK/run`` (history, best.pt) and ``WORK/eval/results.json``."""
    import torch

    from senhance.evaluation.report import render_markdown

    run = work / "run"
    history = json.loads((run / "history.json").read_text())
    package = torch.load(run / "checkpoints" / "best.pt", map_location="cpu", weights_only=True)
    best = history.get("best") or {}
    steps = max([r.get("step", 0) for r in history.get("train", [])] + [best.get("step", 0) or 0])
    kwargs = package.get("kwargs", {})
    lines = [f"# Model card: {package['class_path'].rsplit('.', 1)[-1]} trained on {corpus}", "",
             "| | |", "|---|---|",
             f"| model | `{package['class_path']}` ({', '.join(f'{k}={v}' for k, v in kwargs.items())}) |",
             f"| sample rate | {package['sample_rate']} Hz |",
             f"| checkpoint | `{run / 'checkpoints' / 'best.pt'}` (from step {best.get('step')} of {steps}) |",
             "| validation at that step | " + ", ".join(f"{k}={v:.4g}" for k, v in best.items()
                                                       if k != "step" and isinstance(v, (int, float))) + " |",
             f"| data | {corpus}; split by speaker: `{work / 'manifest.tsv'}` |",
             f"| git commit | {package.get('git_commit')} |", ""]
    if command:
        lines += ["## How it was made", "", "```", command, "```", ""]
    results = work / "eval" / "results.json"
    if results.is_file():
        lines += [render_markdown(json.loads(results.read_text())).replace("## Evaluation results",
                                                                           "## Evaluation (held-out test set)"), ""]
    path = work / "MODEL_CARD.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    for name in ("voicebank", "dns"):
        prepare = sub.add_parser(name)
        prepare.add_argument("root", type=Path)
        prepare.add_argument("work", type=Path)
        prepare.add_argument("--valid-fraction", type=float, default=0.1)
        prepare.add_argument("--seed", type=int, default=0)
    card = sub.add_parser("card")
    card.add_argument("work", type=Path)
    card.add_argument("--corpus", required=True)
    card.add_argument("--command", default="")
    args = parser.parse_args(argv)
    try:
        if args.step == "card":
            print(f"wrote {write_model_card(args.work, corpus=args.corpus, command=args.command)}")
            return 0
        prepare = prepare_voicebank if args.step == "voicebank" else prepare_dns
        summary = prepare(args.root.expanduser().resolve(), args.work.expanduser().resolve(),
                          valid_fraction=args.valid_fraction, seed=args.seed)
    except (ValueError, OSError) as error:
        print(f"recipe_tools {args.step}: error: {error}", file=sys.stderr)
        return 2
    print(f"{args.step}: split by speaker: {json.dumps(summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
