"""The demo behind ``make demo``: enhance the bundled example and show what changed.

The bundled example (``senhance/assets``, credits in ``CREDITS.md``) is held-out speech mixed with
restaurant babble at 5 dB SNR, with its clean reference. The demo enhances it with the shipped
default model and the shipped linear baseline, writes the enhanced files and one picture with the
spectrograms side by side, and prints PESQ / STOI / SI-SDR of each against the clean reference.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np

from senhance.atomic import atomic_output
from senhance.dsp import spectrogram_db
from senhance.io import read_audio
from senhance.metrics import pesq, si_sdr, stoi
from senhance.registry import load

SYSTEMS = ("default", "linear_spectral")


def example_paths() -> tuple[Path, Path]:
    """``(noisy, clean)`` paths of the bundled example recording."""
    assets = importlib.resources.files("senhance") / "assets"
    return Path(str(assets / "example_noisy.flac")), Path(str(assets / "example_clean.flac"))


def score(estimate: np.ndarray, clean: np.ndarray, sample_rate: int) -> dict[str, float]:
    """PESQ-wb, STOI and SI-SDR of mono ``estimate`` against ``clean``."""
    return {"PESQ-wb": pesq(estimate, clean, sample_rate), "STOI": stoi(estimate, clean, sample_rate),
            "SI-SDR dB": si_sdr(estimate, clean)}


def plot_spectrograms(path: Path, signals: list[tuple[str, np.ndarray]], sample_rate: int) -> None:
    """One PNG with a spectrogram per signal, stacked, on a shared dB scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spectra = [(title, *spectrogram_db(audio, sample_rate)) for title, audio in signals]
    vmax = max(float(db.max()) for _, db, _, _ in spectra)
    figure, axes = plt.subplots(len(spectra), 1, figsize=(9, 2.0 * len(spectra)), dpi=90, sharex=True)
    for axis, (title, db, freqs, times) in zip(np.atleast_1d(axes), spectra):
        axis.pcolormesh(times, freqs / 1000, db, vmin=vmax - 80, vmax=vmax, cmap="magma", shading="auto")
        axis.set_ylabel("kHz")
        axis.set_title(title, fontsize=10, loc="left")
    axis.set_xlabel("time (s)")
    figure.tight_layout()
    with atomic_output(path, "wb") as handle:
        figure.savefig(handle, format="png")
    plt.close(figure)


def run_demo(output_dir: str | Path = "demo_output", systems=SYSTEMS) -> dict[str, dict[str, float]]:
    """Enhance the bundled example with each system into ``output_dir``; returns the scores."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    noisy_path, clean_path = example_paths()
    noisy, sample_rate = read_audio(noisy_path)
    clean, _ = read_audio(clean_path)
    scores = {"noisy input": score(noisy[0].numpy(), clean[0].numpy(), sample_rate)}
    signals = [("noisy input (restaurant babble, 5 dB SNR)", noisy[0].numpy())]
    for name in systems:
        enhancer = load(name)
        out_path = enhancer.enhance_file(noisy_path, output_dir / f"example_{name}.wav", overwrite=True)
        enhanced, _ = read_audio(out_path)
        scores[name] = score(enhanced[0].numpy(), clean[0].numpy(), sample_rate)
        signals.append((f"{name}: {out_path.name}", enhanced[0].numpy()))
    signals.append(("clean reference", clean[0].numpy()))
    plot_spectrograms(output_dir / "spectrograms.png", signals, sample_rate)
    return scores


def format_scores(scores: dict[str, dict[str, float]]) -> str:
    """A plain-text table of :func:`run_demo`'s scores.

    >>> print(format_scores({"noisy input": {"PESQ-wb": 1.5, "STOI": 0.8, "SI-SDR dB": 5.0}}))
    system            PESQ-wb     STOI  SI-SDR dB
    noisy input          1.50     0.80       5.00
    """
    keys = list(next(iter(scores.values())))
    lines = [f"{'system':<16}" + "".join(f"{key:>{max(9, len(key) + 2)}}" for key in keys)]
    for name, row in scores.items():
        lines.append(f"{name:<16}" + "".join(f"{row[key]:>{max(9, len(key) + 2)}.2f}" for key in keys))
    return "\n".join(lines)
