"""TensorBoard logging for the Solver: scalars, audio, spectrogram images, hyper-parameters.

Only rank 0 writes; on other ranks (or with ``enabled=False``) every method is a no-op.
Spectrograms are drawn with matplotlib's object API (no pyplot, no global backend change).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from senhance.dsp import spectrogram_db


def spectrogram_image(waveforms: dict[str, Tensor], sample_rate: int, *, n_fft: int = 512) -> np.ndarray:
    """Draw the spectrograms (:func:`senhance.dsp.spectrogram_db`) of 1-D waveforms side by side; returns an
    ``(H, W, 3)`` uint8 image.

    >>> image = spectrogram_image({"a": torch.randn(4000)}, 16000)
    >>> image.ndim, image.shape[-1], image.dtype
    (3, 3, dtype('uint8'))
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4 * len(waveforms), 3), dpi=80)
    canvas = FigureCanvasAgg(figure)
    for index, (title, wave) in enumerate(waveforms.items()):
        wave = wave.detach().float().cpu().reshape(-1)
        db = spectrogram_db(wave, sample_rate, n_fft=n_fft)[0]  # (F, N)
        axis = figure.add_subplot(1, len(waveforms), index + 1)
        duration = max(wave.numel(), n_fft) / sample_rate
        axis.imshow(db.numpy(), origin="lower", aspect="auto", cmap="magma", vmin=float(db.max()) - 80,
                    vmax=float(db.max()), extent=(0, duration, 0, sample_rate / 2000))
        axis.set_title(title)
        axis.set_xlabel("time (s)")
        axis.set_ylabel("kHz")
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.3)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


class TrainLogger:
    """A thin wrapper of ``SummaryWriter(run_dir / "tb")``."""

    def __init__(self, log_dir: str | Path, *, enabled: bool = True):
        self.writer = None
        if enabled:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(log_dir))

    def scalars(self, values: dict[str, float], step: int) -> None:
        if self.writer is None:
            return
        for name, value in values.items():
            if value is not None and np.isfinite(value):
                self.writer.add_scalar(name, float(value), step)

    def examples(self, index: int, waveforms: dict[str, Tensor], sample_rate: int, step: int) -> None:
        """Audio (``noisy`` / ``enhanced`` / ``clean``) and one image of their spectrograms."""
        if self.writer is None:
            return
        for name, wave in waveforms.items():
            wave = wave.detach().float().cpu().reshape(-1).clamp(-1, 1)
            self.writer.add_audio(f"example{index}/{name}", wave, step, sample_rate=sample_rate)
        image = spectrogram_image(waveforms, sample_rate)
        self.writer.add_image(f"example{index}/spectrograms", image, step, dataformats="HWC")

    def config_text(self, config: dict | None) -> None:
        """The resolved run config, as text (TEXT tab)."""
        if self.writer is not None and config is not None:
            self.writer.add_text("config", "```\n" + json.dumps(config, indent=2, default=str) + "\n```", 0)

    def hparams(self, flat: dict[str, object], metrics: dict[str, float], step: int = 0) -> None:
        """Scalar hyper-parameters with the final metrics (HPARAMS tab), written into this run's own
        event file (``add_hparams`` would make a second run in a sub-folder, one more at every re-run)."""
        if self.writer is None:
            return
        from torch.utils.tensorboard.summary import hparams

        clean_flat = {k: v for k, v in flat.items() if isinstance(v, (int, float, str, bool))}
        clean_metrics = {f"hparam/{k}": float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
        if not clean_metrics:
            return
        experiment, start, end = hparams(clean_flat, clean_metrics)
        file_writer = self.writer._get_file_writer()
        for summary in (experiment, start, end):
            file_writer.add_summary(summary)
        for name, value in clean_metrics.items():
            self.writer.add_scalar(name, value, step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
