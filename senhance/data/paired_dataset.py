"""Dataset of matched noisy/clean files (VoiceBank-DEMAND layout)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from senhance.data.audio import AudioStore
from senhance.data.example_rng import example_rng
from senhance.data.pair_matching import match_pairs
from senhance.data.split import select_subset
from senhance.dsp import preemphasis


def _preemphasize(x: np.ndarray, coefficient: float) -> np.ndarray:
    if coefficient <= 0:
        return x
    return preemphasis(torch.as_tensor(x), coefficient).numpy()


class PairedDataset(Dataset):
    """Matched ``noisy_dir`` / ``clean_dir`` files (recursive, by relative path) as dataset items.

    Items are ``{"noisy": (1, T), "clean": (1, T), "id": str}`` float32, mono at ``sample_rate``.
    With ``segment_seconds`` each item is a segment at a random offset (redrawn by :meth:`set_epoch`);
    a file shorter than a segment is returned whole (``pad_collate`` pads it and reports its length).
    With ``segment_seconds=None`` items are whole utterances (validation).

    Args:
        noisy_dir, clean_dir: the paired folders (see :func:`senhance.data.match_pairs`).
        sample_rate: the model's rate; files are down-mixed and resampled once.
        subset: ``"train"`` / ``"valid"`` (a split of the pairs, or the ``valid_*_dir`` folders when
            given) or ``"all"``.
        valid_noisy_dir, valid_clean_dir: separate validation folders (then ``subset="train"`` uses all
            of ``noisy_dir``).
        valid_fraction, group_regex, split_file, split_seed: the split when there are no validation
            folders (groups from ``group_regex`` on the file name, e.g. the VoiceBank speaker
            ``^(p\\d+)_``; see :mod:`senhance.data.split`).
        segment_seconds: training segment length or ``None`` for whole files.
        seed: fixes every epoch's offsets.
        skip_bad: skip unpaired/mismatched/unreadable files with a warning instead of raising.
        preemphasis: optional pre-emphasis coefficient applied to noisy and clean (0 = off).
        cache_dir: manifest cache folder; cache_mb: in-memory cache of resampled audio per worker.

    >>> import pathlib, tempfile, numpy as np
    >>> from senhance.io import write_audio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = pathlib.Path(tmp)
    ...     for name in ("p1_001.wav", "p2_001.wav"):
    ...         clean = 0.1 * np.sin(np.arange(4000) * 0.05)
    ...         write_audio(root / "clean" / name, clean, 8000)
    ...         write_audio(root / "noisy" / name, clean + 0.01 * np.cos(np.arange(4000)), 8000)
    ...     data = PairedDataset(noisy_dir=root / "noisy", clean_dir=root / "clean", sample_rate=16000,
    ...                          segment_seconds=0.1, cache_dir=root / "cache")
    ...     item = data[0]  # resampled to 16 kHz, a 0.1 s segment
    >>> len(data), item["id"], tuple(item["noisy"].shape), tuple(item["clean"].shape)
    (2, 'p1_001', (1, 1600), (1, 1600))
    """

    def __init__(self, *, noisy_dir: str, clean_dir: str, sample_rate: int, subset: str = "all",
                 valid_noisy_dir: str | None = None, valid_clean_dir: str | None = None,
                 valid_fraction: float = 0.05, group_regex: str | None = None, split_file: str | None = None,
                 split_seed: int = 0, segment_seconds: float | None = None, seed: int = 0,
                 skip_bad: bool = False, preemphasis: float = 0.0, cache_dir: str | None = None,
                 cache_mb: float = 512.0):
        if segment_seconds is not None and segment_seconds <= 0:
            raise ValueError(f"segment_seconds={segment_seconds} must be positive or None")
        if subset not in ("train", "valid", "all"):
            raise ValueError(f"subset={subset!r} must be 'train', 'valid' or 'all'")
        if not 0.0 <= preemphasis < 1.0:
            raise ValueError(f"preemphasis={preemphasis} must be in [0, 1) (0 = off)")
        self.sample_rate = int(sample_rate)
        separate = valid_noisy_dir is not None or valid_clean_dir is not None
        if separate and (valid_noisy_dir is None or valid_clean_dir is None):
            raise ValueError("valid_noisy_dir and valid_clean_dir must be given together")
        if separate and subset == "valid":
            noisy_dir, clean_dir = valid_noisy_dir, valid_clean_dir
        pairs = match_pairs(noisy_dir, clean_dir, skip_bad=skip_bad, cache_dir=cache_dir)
        if not separate and subset != "all":
            if not group_regex and valid_fraction > 0:
                warnings.warn(f"noisy_dir {noisy_dir}: no group_regex, so pairs are split into training and "
                              "validation by file and a speaker may be in both (set data.group_regex, e.g. "
                              "'^(p\\d+)_' for VoiceBank, or give valid_noisy_dir/valid_clean_dir)", stacklevel=2)
            ids = [p.noisy.relpath for p in pairs]
            keep = set(select_subset(ids, subset=subset, valid_fraction=valid_fraction, seed=split_seed,
                                     group_regex=group_regex, split_file=split_file, what=str(noisy_dir)))
            pairs = [p for p in pairs if p.noisy.relpath in keep]
        self.pairs = pairs
        self.segment = None if segment_seconds is None else int(round(segment_seconds * self.sample_rate))
        self.seed, self.epoch, self.preemphasis = int(seed), 0, float(preemphasis)
        self.store = AudioStore(sample_rate=self.sample_rate, cache_mb=cache_mb)

    def set_epoch(self, epoch: int) -> None:
        """Draw new segment offsets (training); whole-file items do not change."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        pair = self.pairs[index]
        length = self.store.frames(pair.noisy)
        if self.segment is None or length <= self.segment:
            noisy, clean = self.store.full(pair.noisy), self.store.full(pair.clean)
            n = min(len(noisy), len(clean))
            noisy, clean = noisy[:n], clean[:n]
        else:
            start = int(example_rng(self.seed, self.epoch, index).integers(0, length - self.segment + 1))
            noisy = self.store.segment(pair.noisy, start, self.segment)
            clean = self.store.segment(pair.clean, start, self.segment)
        noisy, clean = _preemphasize(noisy, self.preemphasis), _preemphasize(clean, self.preemphasis)
        return {"noisy": torch.from_numpy(np.ascontiguousarray(noisy, dtype=np.float32))[None],
                "clean": torch.from_numpy(np.ascontiguousarray(clean, dtype=np.float32))[None],
                "id": pair.id}

    def __repr__(self) -> str:
        return (f"PairedDataset({len(self)} pairs from {Path(self.pairs[0].noisy.path).parent}, "
                f"sample_rate={self.sample_rate}, segment={self.segment})")
