"""By-hand quality check of the baselines on real speech + noise (NOT a test; reads a local corpus).

    .venv/bin/python scripts/baseline_quality.py --corpus ../shared/corpus --out /tmp/baseline_quality

Held out for evaluation: the last 10 speakers (sorted speaker ids) and the last 10 noise files (sorted
paths) of MANIFEST.tsv; the linear baselines are fitted on mixtures of the other speakers and noises.
Prints a markdown table of mean SI-SDR / STOI / PESQ (wide-band) per system and SNR, writes results.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import soundfile
import torch
from pesq import pesq
from pystoi import stoi

import senhance
from senhance.baselines import CLASSICAL, ClosedFormTrainer, LinearSpectralRegressor, LinearTimeRegressor

RATE = 16000


def read(path: Path, seconds: float, rng) -> np.ndarray:
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    if rate != RATE:
        raise ValueError(f"{path}: {rate} Hz, expected {RATE}")
    audio = audio.mean(1)
    n = int(seconds * RATE)
    if len(audio) < n:
        audio = np.tile(audio, n // max(len(audio), 1) + 1)
    start = rng.integers(0, len(audio) - n + 1)
    return audio[start:start + n]


def make_mixture(speech: Path, noise: Path, snr_db: float, seconds: float, rng) -> tuple[np.ndarray, np.ndarray]:
    clean = read(speech, seconds, rng)
    noise_audio = read(noise, seconds, rng)
    clean = clean / (np.sqrt(np.mean(clean**2)) + 1e-9) * 10 ** (-25 / 20)  # -25 dBFS speech
    gain = np.sqrt(np.mean(clean**2) / (np.mean(noise_audio**2) + 1e-12) / 10 ** (snr_db / 10))
    noisy = clean + gain * noise_audio
    peak = max(np.abs(noisy).max(), 1e-9)
    scale = min(1.0, 0.99 / peak)
    return (noisy * scale).astype(np.float32), (clean * scale).astype(np.float32)


def si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    e, r = estimate - estimate.mean(), reference - reference.mean()
    target = (e @ r) / (r @ r) * r
    return float(10 * np.log10((target @ target) / ((e - target) @ (e - target) + 1e-20)))


class Pairs(torch.utils.data.Dataset):
    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        noisy, clean = self.pairs[i]
        return {"noisy": torch.from_numpy(noisy)[None], "clean": torch.from_numpy(clean)[None], "id": str(i)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/baseline_quality"))
    parser.add_argument("--train-mixtures", type=int, default=60, help="4 s training mixtures for the linear fits")
    parser.add_argument("--per-snr", type=int, default=4, help="evaluation mixtures per SNR")
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.corpus / "MANIFEST.tsv"), delimiter="\t"))
    speech = [r for r in rows if r["kind"] == "speech"]
    noises = sorted(r["file"] for r in rows if r["kind"] == "noise")
    speakers = sorted({r["speaker_id"] for r in speech})
    held_speakers, held_noises = set(speakers[-10:]), noises[-10:]
    train_speech = sorted(r["file"] for r in speech if r["speaker_id"] not in held_speakers)
    test_speech = sorted(r["file"] for r in speech if r["speaker_id"] in held_speakers)
    train_noises = noises[:-10]
    rng = np.random.default_rng(0)
    train = [make_mixture(args.corpus / rng.choice(train_speech), args.corpus / rng.choice(train_noises),
                          rng.uniform(-5, 15), 4.0, rng) for _ in range(args.train_mixtures)]
    args.out.mkdir(parents=True, exist_ok=True)
    systems = {name: senhance.load(name) for name in CLASSICAL}
    fit_info = {}
    for name, model in [("linear", LinearTimeRegressor()), ("linear_spectral", LinearSpectralRegressor())]:
        trainer = ClosedFormTrainer(model=model, train_set=Pairs(train), valid_set=None, run_dir=args.out / name,
                                    progress=False)
        metrics = trainer.run()
        fit_info[name] = metrics
        systems[name] = senhance.load(str(args.out / name / "checkpoints" / "best.pt"))
    try:
        import logmmse

        systems["logmmse (PyPI)"] = logmmse
    except ImportError:
        pass
    results = []
    for snr in (0, 5, 10):
        for k in range(args.per_snr):
            noisy, clean = make_mixture(args.corpus / test_speech[(k * 7 + snr) % len(test_speech)],
                                        args.corpus / held_noises[(k * 3 + snr) % len(held_noises)], snr, 6.0, rng)
            outputs = {"noisy": noisy}
            for name, system in systems.items():
                if name.startswith("logmmse"):
                    out = np.asarray(system.logmmse(noisy.astype(np.float32).copy(), RATE)).reshape(-1)
                    out = np.pad(out, (0, max(0, len(noisy) - len(out))))[: len(noisy)].astype(np.float32)
                else:
                    out = system.enhance(torch.from_numpy(noisy), RATE).numpy()
                outputs[name] = out
            for name, out in outputs.items():
                results.append({"system": name, "snr_db": snr, "si_sdr": si_sdr(out, clean),
                                "stoi": float(stoi(clean, out, RATE, extended=False)),
                                "pesq": float(pesq(RATE, clean, out, "wb"))})
    table = ["| system | SNR | SI-SDR (dB) | STOI | PESQ-WB |", "|---|---|---|---|---|"]
    names = list(dict.fromkeys(r["system"] for r in results))
    for snr in (0, 5, 10):
        for name in names:
            sel = [r for r in results if r["system"] == name and r["snr_db"] == snr]
            table.append(f"| {name} | {snr} dB | {np.mean([r['si_sdr'] for r in sel]):.2f} | "
                         f"{np.mean([r['stoi'] for r in sel]):.3f} | {np.mean([r['pesq'] for r in sel]):.2f} |")
    print("\n".join(table))
    json.dump({"fit": fit_info, "results": results, "table": table, "held_speakers": sorted(held_speakers),
               "held_noises": held_noises}, open(args.out / "results.json", "w"), indent=2)


if __name__ == "__main__":
    main()
