"""Freeze mixed examples into a paired ``noisy/`` + ``clean/`` folder set with a manifest.

The examples come from :class:`senhance.data.MixDataset`, so a frozen set is made by exactly the
code that mixes on the fly. ``manifest.tsv`` has one row per example: its files, the speech and
noise files and the sample offsets used (at the written sample rate), the SNR, noise gain, level and overall
gain, the reverberation and band-limit draws, and ``seed`` / ``index``: the example is
``MixDataset(..., seed=seed).example(index)`` (its generator is ``default_rng([seed, epoch, index])``).
"""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

from senhance.atomic import atomic_output
from senhance.data.mix_dataset import MixDataset
from senhance.io import refuse_to_overwrite_input, write_audio

COLUMNS = ["id", "noisy", "clean", "speech", "speech_offset", "noise", "noise_offset", "snr_db", "noise_gain", "level_dbfs", "gain",
           "rir", "rt60", "cutoff_hz", "seed", "epoch", "index"]


def make_corpus(*, speech_dir: str | Path, noise_dir: str | Path, out_dir: str | Path, sample_rate: int,
                num_examples: int | None = None, segment_seconds: float | None = 4.0, seed: int = 0,
                subtype: str | None = None, suffix: str = ".wav", skip_bad: bool = False,
                progress: bool = False, **mixing) -> tuple[Path, list[str]]:
    """Write ``out_dir/noisy/*``, ``out_dir/clean/*`` and ``out_dir/manifest.tsv``.

    Args:
        speech_dir, noise_dir: the sources (all files are used; no split).
        out_dir: created if needed; its files are replaced atomically, inputs are never written.
        sample_rate: of the written files.
        num_examples: number of segments (required with ``segment_seconds``).
        segment_seconds: example length, or ``None`` for one example per speech file (whole utterance).
        seed: fixes every example.
        subtype: soundfile subtype (default: the format's default, PCM_16 for WAV/FLAC).
        skip_bad: skip unreadable source files at scan time (with a warning).
        **mixing: :class:`senhance.data.MixOptions` fields (``snr_range``, ``rir_dir``, ...).

    Returns:
        ``(manifest path, failures)``: an example that fails is reported in ``failures``
        (``"id: message"``) and the others are still written.
    """
    out_dir = Path(out_dir)
    for source in (speech_dir, noise_dir):
        refuse_to_overwrite_input(source, out_dir, what="out_dir", refuse_inside=True)
    whole = segment_seconds is None
    if not whole and (num_examples is None or num_examples <= 0):
        raise ValueError(f"num_examples={num_examples} must be a positive number with segment_seconds")
    dataset = MixDataset(speech_dir=str(speech_dir), noise_dir=str(noise_dir), sample_rate=sample_rate,
                         subset="valid" if whole else "train", segment_seconds=segment_seconds or 1.0,
                         examples_per_epoch=num_examples or 1, valid_speech_dir=str(speech_dir) if whole else None,
                         valid_noise_dir=str(noise_dir) if whole else None, valid_fraction=0.0, seed=seed,
                         skip_bad=skip_bad, **mixing)
    count = len(dataset) if whole else int(num_examples)
    indices = range(count)
    if progress:
        from tqdm import tqdm

        indices = tqdm(indices, desc=f"make_corpus {out_dir}", unit="example")
    rows, failures = [], []
    for index in indices:
        name = f"{index:06d}"
        try:
            noisy, clean, info = dataset.example(index)
            for kind, audio in (("noisy", noisy), ("clean", clean)):
                write_audio(out_dir / kind / (name + suffix), audio[None], sample_rate, subtype=subtype)
        except (ValueError, OSError) as error:
            failures.append(f"{name}: {error}")
            continue
        rows.append({**{k: info.get(k) for k in COLUMNS}, "id": name, "noisy": f"noisy/{name}{suffix}",
                     "clean": f"clean/{name}{suffix}"})
    manifest = out_dir / "manifest.tsv"
    with atomic_output(manifest, "w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    if failures:
        warnings.warn(f"{out_dir}: {len(failures)} example(s) failed:\n  " + "\n  ".join(failures), stacklevel=2)
    return manifest, failures
