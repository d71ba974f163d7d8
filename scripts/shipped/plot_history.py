"""By hand: plot a training run's history.json (loss, learning rate, validation) with its legs marked.

    python scripts/shipped/plot_history.py train_runs/default/run/history.json checkpoints/default.training.png
    python scripts/shipped/plot_history.py scripts/shipped/training_state/default/history.json checkpoints/default.training.png
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from senhance.atomic import atomic_output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("history", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = json.loads(args.history.read_text())
    train, valid = history["train"], history["valid"]
    steps = np.array([r["step"] for r in train])
    loss = np.array([r["loss"] for r in train])
    window = max(1, len(loss) // 60)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(steps, loss, color="0.8", lw=0.6, label="train loss")
    top.plot(steps[window - 1:], smooth, color="C0", lw=1.2, label=f"mean of {window} logs")
    top.set_ylabel("loss")
    twin = top.twinx()
    twin.plot(steps, [r["lr"] for r in train], color="C3", lw=1.0, label="learning rate")
    twin.set_ylabel("learning rate", color="C3")
    top.legend(loc="upper right", fontsize=8)
    valid_steps = [r["step"] for r in valid]
    bottom.plot(valid_steps, [r["si_sdr_i"] for r in valid], "o-", ms=3, color="C0", label="SI-SDR improvement (dB)")
    bottom.set_ylabel("SI-SDRi (dB)")
    bottom.set_xlabel("step")
    stoi = bottom.twinx()
    stoi.plot(valid_steps, [r["stoi"] for r in valid], "s--", ms=3, color="C2", label="STOI")
    stoi.set_ylabel("STOI", color="C2")
    for ax in (top, bottom):
        for step in history.get("resumed_at", []):
            ax.axvline(step, color="0.5", ls=":", lw=1)
        ax.grid(alpha=0.3)
    top.set_title("training legs (dotted lines: resumed from last.pt); validation on held-out speakers and noises",
                  fontsize=9)
    fig.tight_layout()
    with atomic_output(args.output, "wb") as handle:
        fig.savefig(handle, dpi=90, format="png")
    plt.close(fig)
    print(args.output)


if __name__ == "__main__":
    main()
