"""Baselines benchmark: real-time factor, linear fit time per hour of audio, wiener vs logmmse.

    .venv/bin/python bench/baselines.py [--seconds 20] [--fit-minutes 4]

Everything runs on one CPU thread on generated audio (harmonic "voiced" signal + white/pink noise).
Prints a table and writes bench/results/baselines.json. Timings are measurements, never assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from senhance.baselines import CLASSICAL, LinearSpectralRegressor, LinearTimeRegressor
from timing import best_seconds  # bench/timing.py

RATE = 16000


def voiced(seconds: float, seed: int) -> np.ndarray:
    """Harmonics of a gliding f0, switched on/off ~4 times a second, peak 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = rng.uniform(100, 220)
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.1 * np.sin(2 * np.pi * 1.3 * t))) / RATE
    x = sum(np.sin(k * phase + rng.uniform(0, 6.3)) / k for k in range(1, 26) if k * f0 < 0.45 * RATE)
    x = x * np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6.3)), 0, None) ** 0.5
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def noise(length: int, kind: str, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(length)
    if kind == "pink":
        spec = np.fft.rfft(x)
        spec[1:] /= np.sqrt(np.arange(1, len(spec)))
        spec[0] = 0
        x = np.fft.irfft(spec, length)
    return (x / x.std()).astype(np.float32)


def mixture(seconds: float, snr_db: float, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    clean = voiced(seconds, seed)
    n = noise(len(clean), kind, seed + 1000)
    gain = np.sqrt(np.sum(clean**2) / np.sum(n**2) / 10 ** (snr_db / 10))
    return (clean + gain * n).astype(np.float32), clean


def si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    e, r = estimate - estimate.mean(), reference - reference.mean()
    target = (e @ r) / (r @ r) * r
    return float(10 * np.log10((target @ target) / ((e - target) @ (e - target))))


def rtf(process, audio: torch.Tensor, repeats: int = 3) -> float:
    best = best_seconds(lambda: process(audio), repeats, warmup=True)
    return best / (audio.shape[-1] / RATE)


def fit_seconds_per_hour(model, minutes: float) -> float:
    acc = model.new_statistics()
    items = [mixture(10.0, 5.0, "white", seed) for seed in range(int(minutes * 6))]
    batch_noisy = [torch.from_numpy(n).view(1, 1, -1) for n, _ in items]
    batch_clean = [torch.from_numpy(c).view(1, 1, -1) for _, c in items]
    start = time.perf_counter()
    for noisy, clean in zip(batch_noisy, batch_clean):
        model.accumulate(acc, noisy, clean)
    model.set_solution(*acc.solve(1e-4))
    elapsed = time.perf_counter() - start
    return elapsed * 60.0 / minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="audio length for the real-time factors")
    parser.add_argument("--fit-minutes", type=float, default=4.0, help="audio timed for the fit (scaled to 1 h)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "baselines.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    report = {"threads": 1, "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "load_average_1min": os.getloadavg()[0], "torch": torch.__version__}

    # 1. linear fits (also gives fitted models for the RTF)
    time_model, spectral_model = LinearTimeRegressor(), LinearSpectralRegressor()
    report["fit_seconds_per_hour_of_audio"] = {
        "linear (taps=129)": fit_seconds_per_hour(time_model, args.fit_minutes),
        "linear_spectral (5 frames x 3 bins)": fit_seconds_per_hour(spectral_model, args.fit_minutes),
    }

    # 2. real-time factors
    audio = torch.from_numpy(mixture(args.seconds, 5.0, "pink", 1)[0])[None]  # (1, T)
    systems = {name: cls() for name, cls in CLASSICAL.items()}
    factors = {name: rtf(lambda x, s=s: s.enhance(x, RATE), audio) for name, s in systems.items()}
    with torch.inference_mode():
        factors["linear"] = rtf(lambda x: time_model(x[None]), audio)
        factors["linear_spectral"] = rtf(lambda x: spectral_model(x[None]), audio)
    try:
        import logmmse
    except ImportError:
        logmmse = None
    if logmmse is not None:
        factors["logmmse (PyPI)"] = rtf(lambda x: logmmse.logmmse(x[0].numpy().copy(), RATE), audio)
    report["real_time_factor"] = factors

    # 3. wiener vs logmmse on generated mixtures
    quality = []
    for kind in ("white", "pink"):
        for snr in (0, 5, 10):
            scores = {"noisy": [], "wiener": []} | ({"logmmse": []} if logmmse else {})
            for seed in range(3):
                noisy, clean = mixture(4.0, snr, kind, 10 * seed + snr)
                scores["noisy"].append(si_sdr(noisy, clean))
                scores["wiener"].append(si_sdr(systems["wiener"].enhance(torch.from_numpy(noisy), RATE).numpy(), clean))
                if logmmse:
                    out = np.asarray(logmmse.logmmse(noisy.copy(), RATE)).reshape(-1)
                    out = np.pad(out, (0, max(0, len(noisy) - len(out))))[: len(noisy)]
                    scores["logmmse"].append(si_sdr(out.astype(np.float32), clean))
            quality.append({"noise": kind, "snr_db": snr, **{k: float(np.mean(v)) for k, v in scores.items()}})
    report["si_sdr_wiener_vs_logmmse"] = quality

    print(f"fit time per hour of audio (1 thread): " +
          ", ".join(f"{k}: {v:.1f} s" for k, v in report["fit_seconds_per_hour_of_audio"].items()))
    print("| system | real-time factor (1 thread) |\n|---|---|")
    for name, value in factors.items():
        print(f"| {name} | {value:.4f} |")
    print("| noise | SNR | noisy | wiener | logmmse |\n|---|---|---|---|---|")
    for row in quality:
        print(f"| {row['noise']} | {row['snr_db']} dB | {row['noisy']:.2f} | {row['wiener']:.2f} | "
              f"{row.get('logmmse', float('nan')):.2f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2))
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
