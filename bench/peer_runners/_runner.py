"""The loop every peer runner shares: a folder of noisy audio in, a mirrored folder of enhanced audio out.

A runner (``<name>_runner.py``) is executed by its peer's own virtual environment, where senhance is
not installed, so this file needs only numpy, scipy and soundfile. It defines one function,
``enhance(channel, sample_rate) -> channel`` on a mono float32 signal, and calls :func:`main`:

* every audio file under ``noisy_dir`` (recursive, hidden entries skipped, the suffixes senhance
  reads) is enhanced channel by channel and written to ``output_dir/<relative path>.wav``
  (float32 WAV, the input's rate, channel count and exact length), so ``senhance-eval`` finds it
  under the noisy file's name;
* the process is pinned to one CPU (and every math library to one thread) before the peer is
  imported, and only the ``enhance`` calls are timed (resampling included; file I/O and an optional
  ``enhance.prepare()`` set-up before each channel, e.g. building a fresh model state, are not),
  giving the real-time factor on one thread (wall clock, and the process's CPU time as ``rtf_cpu``);
* a file that fails is reported and the others still finish; the exit status is 1 if any failed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from math import gcd
from pathlib import Path

#: The suffixes ``senhance.io.AUDIO_SUFFIXES`` lists (kept equal by tests/bench/test_peers.py: the peer runners run
#: in their own environments, without senhance).
AUDIO_SUFFIXES = frozenset(
    ".wav .wave .flac .ogg .oga .opus .mp3 .aif .aiff .aifc .au .snd .caf .w64 .rf64 .sph .nist".split()
)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS", "RAYON_NUM_THREADS")


def one_thread() -> None:
    """Pin this process to one CPU and every math library to one thread (call before importing the peer)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def list_audio_files(root: Path) -> list[str]:
    """Relative ``/``-separated paths of the audio files under ``root``, sorted (senhance's rule)."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_SUFFIXES:
                found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def output_path(output_dir: Path, relpath: str) -> Path:
    """Where the output of ``relpath`` goes: the same relative path, as ``.wav`` (``a/b.flac`` -> ``a/b.wav``)."""
    return (Path(output_dir) / relpath).with_suffix(".wav")


def resample(x, rate_in: int, rate_out: int):
    """Polyphase resampling of a 1-D float array (scipy ``resample_poly``); the same array if the rates agree."""
    if rate_in == rate_out:
        return x
    import numpy as np
    from scipy.signal import resample_poly

    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(x, rate_out // g, rate_in // g).astype(np.float32)


def cut_or_zero_pad(x, length: int):
    """Cut or zero-pad a 1-D array at the end to ``length`` samples."""
    import numpy as np

    if len(x) >= length:
        return x[:length]
    return np.concatenate([x, np.zeros(length - len(x), dtype=x.dtype)])


def at_rate(enhance_at, model_rate: int):
    """Wrap ``enhance_at(x)`` that works at ``model_rate`` into ``enhance(x, rate)``: resampled there and back."""
    def enhance(channel, sample_rate):
        y = enhance_at(resample(channel, sample_rate, model_rate))
        return cut_or_zero_pad(resample(y, model_rate, sample_rate), len(channel))
    return enhance


def _write(path: Path, audio, sample_rate: int) -> None:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        sf.write(str(temporary), audio, sample_rate, subtype="FLOAT", format="WAV")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def run(enhance, noisy_dir, output_dir, *, name: str = "peer", limit: int | None = None, repeats: int = 1) -> dict:
    """Enhance every file of ``noisy_dir`` into ``output_dir``; returns the timing/failure record.

    ``limit``: only the first ``limit`` files (sorted). ``repeats``: enhance each channel that many
    times and count the fastest (the output is the last one's); for real-time factors on a busy machine.
    """
    import numpy as np
    import soundfile as sf

    noisy_dir, output_dir = Path(noisy_dir), Path(output_dir)
    if not noisy_dir.is_dir():
        raise SystemExit(f"{noisy_dir}: not a folder")
    files = list_audio_files(noisy_dir)[:limit]
    if int(repeats) < 1:
        raise SystemExit(f"repeats={repeats} must be >= 1")
    if not files:
        raise SystemExit(f"{noisy_dir}: no audio files")
    if output_dir.resolve() == noisy_dir.resolve():
        raise SystemExit(f"{output_dir}: the output folder must not be the input folder")
    prepare = getattr(enhance, "prepare", None)
    failed, audio_seconds, seconds, cpu_seconds = [], 0.0, 0.0, 0.0
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    for index, relpath in enumerate(files, 1):
        try:
            audio, rate = sf.read(str(noisy_dir / relpath), dtype="float32", always_2d=True)  # (time, channels)
            if audio.shape[0] == 0:
                raise ValueError("0 samples")
            channels = []
            for c in range(audio.shape[1]):
                fastest, fastest_cpu = float("inf"), float("inf")
                for _ in range(int(repeats)):
                    if prepare is not None:
                        prepare()  # e.g. a fresh model state: set-up, not timed
                    start, start_cpu = time.perf_counter(), time.process_time()
                    y = np.asarray(enhance(np.ascontiguousarray(audio[:, c]), rate), dtype=np.float32)
                    fastest = min(fastest, time.perf_counter() - start)
                    fastest_cpu = min(fastest_cpu, time.process_time() - start_cpu)
                channels.append(y)
                seconds += fastest
                cpu_seconds += fastest_cpu
            channels = [channel.reshape(-1) for channel in channels]
            out = np.stack(channels, axis=1)  # (time, channels)
            if out.shape != audio.shape:
                raise ValueError(f"output shape {out.shape} != input shape {audio.shape}")
            if not np.isfinite(out).all():
                raise ValueError("output contains NaN or Inf")
            _write(output_path(output_dir, relpath), out, rate)
            audio_seconds += audio.shape[0] / rate
        except Exception as error:  # one bad file does not stop the others
            failed.append({"file": relpath, "error": f"{type(error).__name__}: {error}"})
            print(f"{name}: {relpath}: {error}", file=sys.stderr)
        if index % 20 == 0 or index == len(files):
            print(f"{name}: {index}/{len(files)} files", file=sys.stderr, flush=True)
    return {"peer": name, "files": len(files) - len(failed), "failed": failed, "audio_seconds": audio_seconds,
            "processing_seconds": seconds, "rtf": seconds / audio_seconds if audio_seconds else None,
            "cpu_seconds": cpu_seconds, "rtf_cpu": cpu_seconds / audio_seconds if audio_seconds else None,
            "repeats": int(repeats), "threads": 1, "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "loadavg_before": load_before, "loadavg_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "python": sys.version.split()[0]}


def main(make_enhance, *, name: str, description: str = "") -> None:
    """Command line of a runner: ``NOISY_DIR OUTPUT_DIR [--timing FILE.json] [--limit N] [--repeats N]``.

    ``make_enhance()`` imports the peer and returns ``enhance(channel, sample_rate)``; it is called after
    the process is pinned to one thread.
    """
    parser = argparse.ArgumentParser(description=description or f"Enhance a folder with {name}.")
    parser.add_argument("noisy_dir", type=Path)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--timing", type=Path, help="write the timing/failure record here (JSON)")
    parser.add_argument("--limit", type=int, help="only the first LIMIT files")
    parser.add_argument("--repeats", type=int, default=1, help="time each file this many times, keep the fastest")
    args = parser.parse_args()
    one_thread()
    record = run(make_enhance(), args.noisy_dir, args.output_dir, name=name, limit=args.limit, repeats=args.repeats)
    if args.timing:
        args.timing.parent.mkdir(parents=True, exist_ok=True)
        args.timing.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: record[k] for k in ("peer", "files", "audio_seconds", "rtf")}))
    raise SystemExit(1 if record["failed"] else 0)
