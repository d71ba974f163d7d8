"""Speed of senhance.dsp IIR filtering next to scipy and a torchaudio lfilter cascade.

One CPU thread, an (8, 160000) float32 batch (8 x 10 s at 16 kHz), Butterworth low-pass at
1 kHz of order 4 and 10. Prints a table (times in ms, best of 7 runs; ratio = time / scipy)
and writes bench/results/dsp_filters.json. Not a test: nothing here asserts on time.

    .venv/bin/python bench/dsp_filters.py
"""
from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import scipy.signal as ss
import torch
import torchaudio
import torchaudio.functional as AF

from senhance.dsp import butter, sosfilt, sosfilt_lfilter, sosfiltfilt
from timing import best_seconds  # bench/timing.py

SHAPE = (8, 160000)
SAMPLE_RATE = 16000
REPEATS = 7


def _time(fn) -> float:
    return best_seconds(fn, REPEATS, warmup=True) * 1e3  # ms, the least-disturbed run (the machine may be shared)


def _torchaudio_cascade(x: torch.Tensor, sos: torch.Tensor) -> torch.Tensor:
    sos = sos.to(x.dtype)
    for section in sos:
        x = AF.lfilter(x, section[3:], section[:3], clamp=False)
    return x


def _forward_backward(x: torch.Tensor, sos: torch.Tensor) -> None:
    xg = x.detach().requires_grad_(True)
    sosfilt(xg, sos).square().sum().backward()


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(SHAPE).astype(np.float32)
    x = torch.from_numpy(x_np)
    rows = []
    for order in (4, 10):
        sos = butter(order, 1000.0, sample_rate=SAMPLE_RATE)
        sos_np = sos.numpy()
        timings = {
            "scipy sosfilt": _time(lambda: ss.sosfilt(sos_np, x_np)),
            "senhance sosfilt (block)": _time(lambda: sosfilt(x, sos)),
            "senhance sosfilt fwd+bwd": _time(lambda: _forward_backward(x, sos)),
            "senhance sosfilt_lfilter (float64)": _time(lambda: sosfilt_lfilter(x, sos)),
            "torchaudio lfilter cascade (float32)": _time(lambda: _torchaudio_cascade(x, sos)),
            "scipy sosfiltfilt": _time(lambda: ss.sosfiltfilt(sos_np, x_np)),
            "senhance sosfiltfilt (block)": _time(lambda: sosfiltfilt(x, sos)),
        }
        for name, ms in timings.items():
            reference = timings["scipy sosfiltfilt" if "filtfilt" in name else "scipy sosfilt"]
            rows.append({"order": order, "method": name, "ms": round(ms, 2), "ratio_to_scipy": round(ms / reference, 2)})
    print(f"IIR filtering, (8, 160000) float32, 1 thread, torch {torch.__version__}, scipy {scipy.__version__}")
    print(f"{'order':>5}  {'method':<38} {'ms':>9}  {'x scipy':>8}")
    for row in rows:
        print(f"{row['order']:>5}  {row['method']:<38} {row['ms']:>9.1f}  {row['ratio_to_scipy']:>8.2f}")
    out = Path(__file__).parent / "results" / "dsp_filters.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"shape": list(SHAPE), "dtype": "float32", "threads": 1, "repeats": REPEATS, "statistic": "min",
            "torch": torch.__version__, "torchaudio": torchaudio.__version__, "scipy": scipy.__version__,
            "numpy": np.__version__, "machine": platform.machine(), "processor": platform.processor()}
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
