"""A system given as a folder of outputs another tool already wrote (DeepFilterNet, DTLN, RNNoise ...).

``senhance-eval systems=[default,dfn3:out/dfn3]`` scores ``out/dfn3/<id>`` as that system's output for
the noisy file ``<id>``, next to systems senhance runs itself. The output is found by the same relative
path, or the same path with another audio suffix (``a/b.wav`` -> ``a/b.flac``). It is resampled to the
noisy file's rate when it differs; a length that differs by at most ``length_tolerance`` seconds (tools
that pad or trim to whole frames) is zero-padded or cut at the end; more than that is an error for that
file, since a shifted output would be scored as distortion.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from senhance.dsp import resample
from senhance.shapes import pad_or_trim
from senhance.io import AUDIO_SUFFIXES, read_audio

#: Largest length difference, in seconds, that is padded or trimmed instead of refused.
LENGTH_TOLERANCE_SECONDS = 0.05


class PrecomputedOutputs:
    """Outputs of one system, already on disk under ``folder`` with the noisy folder's layout.

    >>> PrecomputedOutputs("/nonexistent")
    Traceback (most recent call last):
    ...
    NotADirectoryError: /nonexistent: not a folder of enhanced outputs
    """

    def __init__(self, folder, *, length_tolerance: float = LENGTH_TOLERANCE_SECONDS):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"{self.folder}: not a folder of enhanced outputs")
        self.length_tolerance = float(length_tolerance)

    def __repr__(self) -> str:
        return f"PrecomputedOutputs({str(self.folder)!r})"

    def path_for(self, item_id: str) -> Path:
        """The output file of the noisy file ``item_id`` (relative path); FileNotFoundError names both."""
        exact = self.folder / item_id
        if exact.is_file():
            return exact
        candidates = sorted(p for p in exact.parent.glob(f"{exact.stem}.*") if p.suffix.lower() in AUDIO_SUFFIXES)
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise FileNotFoundError(f"{exact}: several outputs match ({', '.join(p.name for p in candidates)})")
        raise FileNotFoundError(f"{exact}: no output for {item_id} in {self.folder}")

    def output_for(self, item_id: str, noisy_shape: tuple[int, int], sample_rate: int) -> np.ndarray:
        """The output of ``item_id`` as float32 ``(channels, time)`` matching the noisy file's shape.

        A mono output of a multi-channel input is repeated on every channel; other channel
        mismatches, unreadable files and lengths off by more than the tolerance raise ValueError.
        """
        import torch

        path = self.path_for(item_id)
        audio, rate = read_audio(path)
        if rate != sample_rate:
            audio = resample(audio.to(torch.float64), rate, sample_rate).to(torch.float32)
        channels, frames = noisy_shape
        if audio.shape[0] != channels:
            if audio.shape[0] != 1:
                raise ValueError(f"{path}: {audio.shape[0]} channels but the noisy file has {channels}")
            audio = audio.expand(channels, -1)
        difference = audio.shape[-1] - frames
        if abs(difference) > self.length_tolerance * sample_rate:
            raise ValueError(f"{path}: {audio.shape[-1]} samples at {sample_rate} Hz but the noisy file has {frames} "
                             f"(more than {self.length_tolerance} s apart)")
        return np.ascontiguousarray(pad_or_trim(audio, frames).numpy(), dtype=np.float32)
