#!/usr/bin/env python
"""Training speed of the default model: optimizer steps/s and examples/s on a fixed batch, and peak memory.

    python bench/train_speed.py                       # CPU, 2 threads, batch 8 x 4 s
    python bench/train_speed.py --device cuda --amp   # GPU figure, if there is one

Builds the model, loss and optimizer from the shipped configs (model/default, loss/default, optim/adamw)
and times ``Solver._train_step`` (forward, loss, backward, clipping, AdamW, schedule, EMA); data loading
is not included. Prints a table and merges a record into bench/results/train_speed.json.
Benchmarks never assert on time.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results" / "train_speed.json"


class _FixedBatchSet(torch.utils.data.Dataset):
    def __init__(self, items: int, length: int, sample_rate: int):
        self.items, self.length, self.sample_rate = items, length, sample_rate

    def __len__(self):
        return self.items

    def __getitem__(self, index):
        g = torch.Generator().manual_seed(index)
        t = torch.arange(self.length) / self.sample_rate
        clean = 0.3 * torch.sin(2 * torch.pi * (120 + 10 * index) * t)
        return {"noisy": (clean + 0.1 * torch.randn(self.length, generator=g))[None], "clean": clean[None],
                "id": str(index)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--model", default="default", help="configs/model/<name>.yaml")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from hydra import compose, initialize_config_module
    from hydra.utils import instantiate

    from senhance.data import pad_collate
    from senhance.train import Solver

    with initialize_config_module(config_module="senhance.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"model={args.model}", "data=pairs", "data.noisy_dir=x", "data.clean_dir=y"])
    torch.manual_seed(0)
    model, loss, optimizer = instantiate(cfg.model), instantiate(cfg.loss), instantiate(cfg.optim)
    dataset = _FixedBatchSet(args.batch_size, int(args.seconds * cfg.sample_rate), cfg.sample_rate)
    with tempfile.TemporaryDirectory() as run_dir:
        solver = Solver(model=model, loss=loss, train_set=dataset, valid_set=dataset, optimizer=optimizer,
                        run_dir=run_dir, sample_rate=cfg.sample_rate, device=args.device, amp=args.amp,
                        max_steps=args.steps + args.warmup, warmup_steps=0, ema_decay=cfg.trainer.ema_decay,
                        grad_clip=cfg.trainer.grad_clip, progress=False, collate_fn=pad_collate)
        batch = pad_collate([dataset[i] for i in range(args.batch_size)])
        for _ in range(args.warmup):
            solver._train_step(batch)
        if solver.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(args.steps):
            solver._train_step(batch)
        if solver.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
    record = {
        "model": args.model, "parameters": sum(p.numel() for p in model.parameters()),
        "device": str(solver.device), "device_name": torch.cuda.get_device_name() if solver.device.type == "cuda"
        else platform.processor() or platform.machine(), "threads": args.threads, "amp": solver.amp,
        "batch_size": args.batch_size, "seconds_per_example": args.seconds, "steps": args.steps,
        "steps_per_s": args.steps / elapsed, "examples_per_s": args.steps * args.batch_size / elapsed,
        "audio_seconds_per_s": args.steps * args.batch_size * args.seconds / elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_cuda_mib": torch.cuda.max_memory_allocated() / 2**20 if solver.device.type == "cuda" else None,
        "torch": torch.__version__, "python": sys.version.split()[0],
    }
    print(f"{'device':<10}{'batch':>8}{'steps/s':>10}{'examples/s':>12}{'audio s/s':>11}{'peak RSS MiB':>14}")
    print(f"{record['device']:<10}{args.batch_size:>5}x{args.seconds:<2g}{record['steps_per_s']:>10.3f}"
          f"{record['examples_per_s']:>12.2f}{record['audio_seconds_per_s']:>11.2f}{record['peak_rss_mib']:>14.0f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[f"{solver.device.type}{'_amp' if solver.amp else ''}"] = record
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(RESULTS)
    return record


if __name__ == "__main__":
    main()
