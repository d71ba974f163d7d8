"""Real-time factor of full-band inference (48 / 44.1 kHz input) next to 16 kHz, on one CPU thread.

    python bench/fullband_rtf.py [--seconds 60] [--model default] [--out bench/results/fullband_rtf.json]

For the shipped model (``--model``, default ``default``), ``enhance_waveform`` (what ``senhance-infer``
writes) over a ``--seconds`` noise signal at each rate:

* ``whole``: one call over the whole signal (``block_seconds`` larger than the signal);
* ``blocks``: 10 s blocks, the path of files longer than ``block_seconds`` (the default);
* at 44.1/48 kHz also ``resample only``: the same with the band split off (``band_split = False``,
  the pre-full-band path that drops the band above 8 kHz), to show the band split's own cost;
* the native 48 kHz recipe (``configs/model/fullband.yaml``, untrained weights: speed does not depend
  on them) at 48 kHz.

RTF = processing seconds / audio seconds (best of 3; lower is faster). Prints a table and writes JSON.
A benchmark, not a test: it never asserts on time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from timing import best_seconds  # bench/timing.py



def native_fullband():
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from senhance.registry import PackagedEnhancer

    torch.manual_seed(0)
    model = instantiate(OmegaConf.load(Path(__file__).parents[1] / "configs" / "model" / "fullband.yaml"))
    return PackagedEnhancer(model, {"sample_rate": 48000}, name="fullband (native, untrained)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--model", default="default")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "fullband_rtf.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    import senhance
    from senhance.enhance import enhance_waveform

    enhancer = senhance.load(args.model)
    rows = []

    def measure(system, label, rate, *, band_split=True):
        x = 0.1 * torch.randn(1, int(args.seconds * rate), generator=torch.Generator().manual_seed(0))
        system.band_split = band_split
        enhance_waveform(system, x[:, :rate], rate)  # warm-up
        for path, block_seconds in (("whole", 2 * args.seconds), ("blocks", 10.0)):
            seconds = best_seconds(lambda: enhance_waveform(system, x, rate, block_seconds=block_seconds))
            rows.append({"system": label, "sample_rate": rate, "band_split": band_split and rate > system.sample_rate,
                         "path": path, "rtf": seconds / args.seconds})
            print(f"{label:32s} {rate:6d} Hz  {'band split' if rows[-1]['band_split'] else 'no split':10s} "
                  f"{path:6s}  RTF {rows[-1]['rtf']:.4f}", flush=True)
        system.band_split = True

    for rate in (16000, 44100, 48000):
        measure(enhancer, args.model, rate)
        if rate > enhancer.sample_rate:
            measure(enhancer, args.model + " (resample only)", rate, band_split=False)
    measure(native_fullband(), "fullband (native, untrained)", 48000)

    print("\n| system | input rate | path | RTF (1 thread) | x real time |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['system']} | {row['sample_rate'] / 1000:g} kHz | {row['path']} | {row['rtf']:.4f} | "
              f"{1 / row['rtf']:.0f} |")
    record = {"seconds": args.seconds, "threads": 1, "model": args.model, "rows": rows,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_average": os.getloadavg(), "torch": torch.__version__},
              "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
