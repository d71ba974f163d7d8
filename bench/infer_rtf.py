"""Real-time factor and peak memory of inference with the default model, on one CPU thread.

    python bench/infer_rtf.py [--seconds 60] [--long-minutes 60] [--out bench/results/infer_rtf.json]

The default model configuration (configs/model/default.yaml) is built with fresh, untrained
weights (speed does not depend on them) unless --model names a checkpoint. Measured:

* offline: one ``forward`` over a whole ``--seconds`` signal;
* block streaming: the same signal through the model's Streamer in 1 s blocks (what
  ``enhance_file`` does for long files) and hop by hop (the real-time API);
* ONNX runtime: the exported offline graph over the signal, and the step graph frame by frame;
* peak RSS of a child process running ``enhance_file`` on generated 1-minute and
  ``--long-minutes`` files (16 kHz mono PCM_16) in its default 10 s blocks.

RTF = processing seconds / audio seconds (lower is faster; 0.02 = 50x faster than real time).
Prints a table and writes JSON. A benchmark, not a test: it never asserts on time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from timing import best_seconds  # bench/timing.py

SAMPLE_RATE = 16000


def build_enhancer(model: str | None, folder: Path):
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    import senhance
    from senhance.checkpoint import save_package

    if model:
        return senhance.load(model)
    config = OmegaConf.load(Path(__file__).parents[1] / "configs" / "model" / "default.yaml")
    config = OmegaConf.merge({"sample_rate": SAMPLE_RATE}, {"model": config}).model
    torch.manual_seed(0)
    path = save_package(folder / "default.pt", instantiate(config), sample_rate=SAMPLE_RATE)
    return senhance.load(path)



def bench_speed(enhancer, seconds: float, folder: Path) -> dict:
    x = 0.1 * torch.randn(1, int(seconds * SAMPLE_RATE))
    results = {}
    with torch.inference_mode():
        enhancer.forward_offline(x[:, :SAMPLE_RATE])  # warm-up
        results["offline"] = best_seconds(lambda: enhancer.forward_offline(x)) / seconds

        def blocks(size):
            stream = enhancer.streamer()
            for i in range(0, x.shape[-1], size):
                stream.feed(x[:, i:i + size])
            stream.flush()

        results["stream_1s_blocks"] = best_seconds(lambda: blocks(SAMPLE_RATE)) / seconds
        hop = enhancer.module.hop_length
        short = min(seconds, 10.0)
        xs = x[:, :int(short * SAMPLE_RATE)]

        def frames():
            stream = enhancer.stream()
            for i in range(0, xs.shape[-1], hop):
                stream.feed(xs[:, i:i + hop])

        results["stream_hop_frames"] = best_seconds(frames, repeats=1) / short
    try:
        import onnxruntime as ort

        from senhance.inference.export import export_model

        export_model(enhancer.module, folder, stem="default", formats=("onnx",))
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        offline = ort.InferenceSession(str(folder / "default.offline.onnx"), options)
        onnx_seconds = min(seconds, 20.0)  # the offline graph's running mean is O(frames^2) in memory
        xo = x[:, :int(onnx_seconds * SAMPLE_RATE)].numpy()
        results["onnx_offline"] = best_seconds(lambda: offline.run(None, {"noisy": xo})) / onnx_seconds
        step = ort.InferenceSession(str(folder / "default.step.onnx"), options)
        names = [i.name for i in step.get_inputs()][1:]
        spec = enhancer.module.stft(torch.nn.functional.pad(xs, (enhancer.module.n_fft - hop, 0)))
        spec = torch.view_as_real(spec).numpy()  # (1, F, N, 2)

        def onnx_frames():
            state = [t.numpy() for t in enhancer.module.initial_state(1)]
            for n in range(spec.shape[2]):
                _, *state = step.run(None, {"spec": spec[:, :, n:n + 1], **dict(zip(names, state))})

        results["onnx_step_frames"] = best_seconds(onnx_frames, repeats=1) / short
    except ImportError as error:
        results["onnx_error"] = str(error)
    return results


def make_file(path: Path, minutes: float) -> Path:
    from senhance.io import AudioWriter

    rng = np.random.default_rng(0)
    with AudioWriter(path, SAMPLE_RATE, 1, subtype="PCM_16") as writer:
        for _ in range(int(minutes * 60)):
            writer.write(torch.from_numpy(0.1 * rng.standard_normal((1, SAMPLE_RATE))).float())
    return path


def child_rss(model_path: Path, audio: Path) -> dict:
    """Run enhance_file in a fresh process; returns its peak RSS (MiB) and wall time."""
    # VmHWM (Linux) is this process's own peak; ru_maxrss would include the parent's at fork time
    code = (
        "import re, resource, sys, time, torch; torch.set_num_threads(1); import senhance\n"
        "def peak():\n"
        "    try: return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "    except OSError: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "from senhance.enhance import enhance_file; e = senhance.load(sys.argv[1]); before = peak()\n"
        "t = time.perf_counter(); enhance_file(e, sys.argv[2], sys.argv[3], overwrite=True)\n"
        "print(time.perf_counter() - t, before, peak())"
    )
    out = audio.with_name(audio.stem + "_enhanced.wav")
    result = subprocess.run([sys.executable, "-c", code, str(model_path), str(audio), str(out)],
                            capture_output=True, text=True, check=True)
    wall, before_kib, peak_kib = result.stdout.split()[-3:]
    out.unlink()
    return {"peak_rss_mib": round(int(peak_kib) / 1024, 1), "rss_before_mib": round(int(before_kib) / 1024, 1),
            "wall_s": round(float(wall), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="checkpoint or name (default: untrained default config)")
    parser.add_argument("--seconds", type=float, default=60.0, help="signal length for the speed runs")
    parser.add_argument("--long-minutes", type=float, default=60.0, help="length of the long memory run")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "infer_rtf.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        enhancer = build_enhancer(args.model, folder)
        model_path = args.model or str(folder / "default.pt")
        rtf = bench_speed(enhancer, args.seconds, folder)
        memory = {}
        for minutes in (1.0, args.long_minutes):
            audio = make_file(folder / f"{minutes:g}min.wav", minutes)
            memory[f"{minutes:g}_min"] = child_rss(model_path, audio)
            memory[f"{minutes:g}_min"]["rtf"] = round(memory[f"{minutes:g}_min"]["wall_s"] / (60 * minutes), 4)
            audio.unlink()
    report = {
        "model": args.model or "default config, untrained", "threads": 1, "signal_seconds": args.seconds,
        "rtf": {k: (round(v, 5) if isinstance(v, float) else v) for k, v in rtf.items()},
        "enhance_file_memory": memory,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "torch": torch.__version__, "python": platform.python_version()},
    }
    print(f"{'path (1 CPU thread)':<28}{'RTF':>10}{'x real time':>14}")
    for key, value in report["rtf"].items():
        if isinstance(value, float):
            print(f"{key:<28}{value:>10.4f}{1 / value:>14.1f}")
    print(f"\n{'enhance_file input':<20}{'RSS after load MiB':>20}{'peak RSS MiB':>14}{'RTF':>10}")
    for key, value in memory.items():
        print(f"{key:<20}{value['rss_before_mib']:>20.1f}{value['peak_rss_mib']:>14.1f}{value['rtf']:>10.4f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
