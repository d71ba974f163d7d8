"""By hand: enhance a folder with the PyPI ``logmmse`` package (the MMSE-LSA reference of issue 8's table),
so ``senhance-eval systems=[...,logmmse:OUT]`` scores it next to our systems.

    python scripts/shipped/logmmse_outputs.py train_runs/default/valid_frozen/noisy train_runs/default/outputs/logmmse

Needs ``pip install -e .[bench]`` (logmmse; it takes float32 input, float64 fails inside it). Files keep their relative paths; mono 16 kHz float WAV out.
The package drops the last partial frame, which the evaluation pads back (see README, "Evaluate").
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from senhance.data.manifest import list_audio_files
from senhance.io import InputOverwriteError, read_audio, refuse_to_overwrite_input, write_audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("noisy_dir", type=Path)
    parser.add_argument("output_dir", type=Path)
    args = parser.parse_args()

    try:
        refuse_to_overwrite_input(args.noisy_dir, args.output_dir, what="output_dir", refuse_inside=True)
    except InputOverwriteError as error:
        parser.error(str(error))
    import logmmse
    from tqdm import tqdm

    failed = 0
    for relpath in tqdm(list_audio_files(args.noisy_dir), desc="logmmse"):
        try:
            audio, rate = read_audio(args.noisy_dir / relpath)
            channels = [np.asarray(logmmse.logmmse(channel.numpy().copy(), rate)).reshape(-1)
                        for channel in audio]
            write_audio((args.output_dir / relpath).with_suffix(".wav"), np.stack(channels).astype(np.float32),
                        rate, subtype="FLOAT")
        except Exception as error:  # one bad file does not stop the others
            failed += 1
            print(f"{relpath}: {error}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
