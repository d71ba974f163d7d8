#!/usr/bin/env python
"""Loader throughput: examples/second of each dataset through a DataLoader with 2 workers.

    python bench/data_loaders.py                         # generated corpus (no external data)
    python bench/data_loaders.py --corpus /path/corpus   # a corpus with speech/, noise/, MANIFEST.tsv
    python bench/data_loaders.py --only recipe           # only the cases whose name contains "recipe"

Prints a table and writes bench/results/data_loaders.json. Examples are 4 s at 16 kHz, batches of 8.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from senhance.data import MixDataset, PairedDataset, pad_collate
from senhance.data.corpus import make_corpus

SR = 16000
# the README's suggested training mix of augmentations (probabilities per example)
RECIPE = dict(speed_prob=0.2, pitch_prob=0.1, eq_prob=0.3, telephone_prob=0.05, narrowband_prob=0.1, clip_prob=0.1,
              second_noise_prob=0.2, babble_prob=0.15, reverb_prob=0.3, band_limit_prob=0.1,
              level_range=(-45.0, -5.0), max_peak=None)
# the worst case: every augmentation on every example (speed and pitch, babble and a second noise, ...)
EVERYTHING = dict(speed_prob=1.0, pitch_prob=1.0, eq_prob=1.0, telephone_prob=1.0, narrowband_prob=1.0, clip_prob=1.0,
                  second_noise_prob=1.0, babble_prob=1.0, reverb_prob=1.0, band_limit_prob=1.0)


def generate(root: Path, rng: np.random.Generator) -> None:
    """40 speech files of 6 s (10 at 48 kHz), 12 noise files of 20 s, all harmonic/noise signals."""
    for i in range(40):
        rate = 48000 if i % 4 == 0 else SR
        t = np.arange(6 * rate) / rate
        f0 = 100 + 5 * i
        x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 15)) * np.clip(np.sin(2 * np.pi * 2 * t), 0, 1)
        (root / "speech").mkdir(parents=True, exist_ok=True)
        sf.write(root / f"speech/s{i:02d}.flac", (0.2 * x / np.abs(x).max()).astype(np.float32), rate)
    for i in range(12):
        x = rng.standard_normal(20 * SR)
        if i % 2:
            x = np.cumsum(x)
            x -= np.linspace(x[0], x[-1], len(x))
        (root / "noise").mkdir(parents=True, exist_ok=True)
        sf.write(root / f"noise/n{i:02d}.flac", (0.2 * x / np.abs(x).max()).astype(np.float32), SR)


def measure(dataset, *, workers: int, batch_size: int) -> dict:
    """Two passes over the dataset with the same (persistent) workers: cold (first) and warm (second)."""
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=pad_collate,
                        shuffle=False, persistent_workers=workers > 0)
    rates = []
    for _ in range(2):
        start, count = time.perf_counter(), 0
        for batch in loader:
            count += len(batch["ids"])
        rates.append(count / (time.perf_counter() - start))
    return {"examples": count, "cold_examples_per_s": rates[0], "warm_examples_per_s": rates[1]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=None, help="folder with speech/, noise/ and MANIFEST.tsv")
    parser.add_argument("--examples", type=int, default=160, help="examples per pass")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--only", default=None, help="run only the cases whose name contains this text")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "data_loaders.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    n = args.examples
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.setdefault("SENHANCE_CACHE_DIR", str(tmp / "cache"))
        if args.corpus:
            root, manifest = Path(args.corpus), Path(args.corpus) / "MANIFEST.tsv"
        else:
            root, manifest = tmp / "corpus", None
            generate(root, np.random.default_rng(0))
        common = dict(speech_dir=str(root / "speech"), noise_dir=str(root / "noise"), sample_rate=SR,
                      segment_seconds=4.0, examples_per_epoch=n, valid_fraction=0.0, corpus_manifest=manifest)
        make_corpus(speech_dir=root / "speech", noise_dir=root / "noise", out_dir=tmp / "pairs", sample_rate=SR,
                    num_examples=n, segment_seconds=5.0, seed=0)
        cases = {  # built one at a time (--only builds only the chosen ones)
            "pairs (4 s of 5 s pairs)": lambda: PairedDataset(noisy_dir=tmp / "pairs/noisy",
                                                              clean_dir=tmp / "pairs/clean", sample_rate=SR,
                                                              segment_seconds=4.0),
            "mix (SNR + level)": lambda: MixDataset(**common),
            "mix + reverb 50% + band-limit 50%": lambda: MixDataset(**common, reverb_prob=0.5, band_limit_prob=0.5),
            "mix, preload (in memory)": lambda: MixDataset(**common, preload=True),
            "mix + augmentation recipe": lambda: MixDataset(**common, **RECIPE),
            "mix + augmentation recipe, preload": lambda: MixDataset(**common, **RECIPE, preload=True),
            "mix + every augmentation on every example": lambda: MixDataset(**common, **EVERYTHING),
        }
        results = []
        for name, build in cases.items():
            if args.only and args.only not in name:
                continue
            row = {"dataset": name, **measure(build(), workers=args.workers, batch_size=args.batch_size)}
            results.append(row)
            print(f"{name:36s} cold {row['cold_examples_per_s']:7.1f} ex/s  warm {row['warm_examples_per_s']:7.1f} ex/s",
                  flush=True)
    report = {"workers": args.workers, "batch_size": args.batch_size, "example_seconds": 4.0, "sample_rate": SR,
              "corpus": args.corpus or "generated", "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
              "torch": torch.__version__, "machine": platform.machine(), "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n| dataset ({args.workers} workers, 4 s examples) | first pass ex/s | second pass ex/s |\n|---|---|---|")
    for row in results:
        print(f"| {row['dataset']} | {row['cold_examples_per_s']:.0f} | {row['warm_examples_per_s']:.0f} |")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
