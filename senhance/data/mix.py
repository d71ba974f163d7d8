"""Dataset that mixes speech and noise on the fly (DNS-Challenge style)."""
from __future__ import annotations

import warnings

import numpy as np
import torch
from torch.utils.data import Dataset

from senhance.data.audio import AudioStore
from senhance.data.augment import normalize_rir
from senhance.data.manifest import AudioEntry, require_clean_scan, scan_audio
from senhance.data.mixing import active_power, fit_length
from senhance.data.paired import VALID_EPOCH, example_rng
from senhance.data.simulate import MixOptions, simulate
from senhance.data.split import select_subset

RETRIES = 4  # draws of a new segment when the speech or the noise segment is silent


class MixDataset(Dataset):
    """Random speech segments mixed with random noise segments, see :func:`senhance.data.simulate`.

    Items are ``{"noisy": (1, T), "clean": (1, T), "id": str}`` float32 at ``sample_rate``.

    * ``subset="train"``: ``examples_per_epoch`` examples of ``segment_seconds``; speech files are
      drawn in proportion to their duration, noise files uniformly; every draw is a function of
      ``(seed, epoch, index)``, so :meth:`set_epoch` gives a new, reproducible epoch on any number of
      workers. Speech shorter than a segment is placed at a random offset inside it (silence around
      it, the noise runs throughout); noise shorter than needed is looped. A silent speech or noise
      segment (e.g. the pauses of a sparse noise) is redrawn up to 4 times, then used as it is.
    * ``subset="valid"``: one example per validation speech file, whole utterance (or its first
      ``valid_seconds``), identical in every epoch.

    The split (speech by speaker, noise by recording, see :mod:`senhance.data.split`) comes from
    ``valid_speech_dir`` / ``valid_noise_dir`` when given, else from ``valid_fraction`` with groups from
    ``corpus_manifest`` (a TSV with ``file`` and ``speech_group_column`` / ``noise_group_column``) or
    ``speech_group_regex``; ``split_file`` writes it down (and is reused when it exists).

    Mixing keyword arguments (``snr_range``, ``level_range``, ``reverb_prob``, ``rt60_range``, ``drr_range``,
    ``reverb_target``, ``band_limit_prob``, ``cutoff_range``, ``preemphasis``, ``max_peak``) are
    :class:`senhance.data.MixOptions`. ``rir_dir``: measured RIRs (else synthetic ones when reverb is on).
    ``preload``: decode all audio at construction, shared by forked workers (see :mod:`senhance.data.audio`);
    otherwise files at ``sample_rate`` are read lazily (partial reads) and others resampled into a
    per-worker cache of ``cache_mb``.

    >>> import pathlib, tempfile, numpy as np
    >>> from senhance.io import write_audio
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = pathlib.Path(tmp)
    ...     write_audio(root / "speech" / "s1.wav", 0.3 * np.sin(np.arange(8000) * 0.1), 16000)
    ...     write_audio(root / "noise" / "n1.wav", 0.1 * rng.standard_normal(8000), 16000)
    ...     data = MixDataset(speech_dir=root / "speech", noise_dir=root / "noise", sample_rate=16000,
    ...                       segment_seconds=0.25, examples_per_epoch=4, valid_fraction=0.0,
    ...                       snr_range=(0, 10), cache_dir=root / "cache")
    ...     item = data[0]
    >>> len(data), tuple(item["noisy"].shape), item["noisy"].dtype, item["id"].startswith("train000000:s1.wav")
    (4, (1, 4000), torch.float32, True)
    """

    def __init__(self, *, speech_dir: str, noise_dir: str, sample_rate: int, rir_dir: str | None = None,
                 subset: str = "train", segment_seconds: float = 4.0, examples_per_epoch: int = 2000,
                 valid_seconds: float | None = None, valid_speech_dir: str | None = None,
                 valid_noise_dir: str | None = None, valid_fraction: float = 0.1,
                 corpus_manifest: str | None = None, speech_group_column: str | None = "speaker_id",
                 noise_group_column: str | None = None, speech_group_regex: str | None = None,
                 split_file: str | None = None, split_seed: int = 0, seed: int = 0, skip_bad: bool = False,
                 cache_dir: str | None = None, cache_mb: float = 512.0, preload: bool = False, **mixing):
        if subset not in ("train", "valid"):
            raise ValueError(f"subset={subset!r} must be 'train' or 'valid'")
        if segment_seconds is None or segment_seconds <= 0:
            raise ValueError(f"segment_seconds={segment_seconds} must be positive")
        self.sample_rate, self.subset = int(sample_rate), subset
        unknown = set(mixing) - set(MixOptions.__dataclass_fields__)
        if unknown:
            raise TypeError(f"MixDataset got unexpected keyword argument(s) {sorted(unknown)}")
        self.options = MixOptions(**{k: v if isinstance(v, (str, int, float)) else tuple(v)
                                     for k, v in mixing.items()})
        self.options.check_sample_rate(self.sample_rate)
        split = dict(valid_fraction=valid_fraction, seed=split_seed, split_file=split_file)
        self.speech = self._files(valid_speech_dir if subset == "valid" and valid_speech_dir else speech_dir,
                                  "speech", skip_bad, cache_dir, None if valid_speech_dir else dict(
                                      split, manifest=corpus_manifest, group_column=speech_group_column,
                                      group_regex=speech_group_regex))
        self.noise = self._files(valid_noise_dir if subset == "valid" and valid_noise_dir else noise_dir,
                                 "noise", skip_bad, cache_dir, None if valid_noise_dir else dict(
                                     split, manifest=corpus_manifest if noise_group_column else None,
                                     group_column=noise_group_column))
        self.rir_entries = require_clean_scan(scan_audio(rir_dir, cache_dir=cache_dir), skip_bad=skip_bad,
                                              what="rir_dir") if rir_dir else []
        self._rirs: list[np.ndarray] | None = None
        self.store = AudioStore(sample_rate=self.sample_rate, cache_mb=cache_mb)
        if preload:
            self.store.preload(self.speech + self.noise + self.rir_entries)
        self.segment = int(round(segment_seconds * self.sample_rate))
        self.valid_frames = None if valid_seconds is None else int(round(valid_seconds * self.sample_rate))
        self.examples_per_epoch, self.seed, self.epoch = int(examples_per_epoch), int(seed), 0
        lengths = np.array([self.store.frames(e) for e in self.speech], dtype=np.float64)
        self._speech_p = lengths / lengths.sum()

    def _files(self, folder, kind, skip_bad, cache_dir, split) -> list[AudioEntry]:
        entries = require_clean_scan(scan_audio(folder, cache_dir=cache_dir), skip_bad=skip_bad, what=f"{kind}_dir")
        if split is None:
            return entries
        if kind == "speech" and split["valid_fraction"] > 0 and not (split["manifest"] or split["group_regex"]):
            warnings.warn(f"speech_dir {folder}: no corpus_manifest or speech_group_regex, so speech is split by "
                          "file and a speaker may be in both training and validation", stacklevel=3)
        keep = set(select_subset([e.relpath for e in entries], subset=self.subset, prefix=f"{kind}/",
                                 what=f"{kind}_dir {folder}", **split))
        return [e for e in entries if e.relpath in keep]

    def set_epoch(self, epoch: int) -> None:
        """Select the training examples of ``epoch`` (validation examples never change)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.examples_per_epoch if self.subset == "train" else len(self.speech)

    def rirs(self) -> list[np.ndarray]:
        if self._rirs is None:
            self._rirs = [normalize_rir(self.store.full(e)) for e in self.rir_entries]
        return self._rirs

    def _speech_segment(self, rng: np.random.Generator, index: int) -> tuple[np.ndarray, str, int]:
        if self.subset == "valid":
            entry = self.speech[index]
            audio = self.store.full(entry)
            return (audio if self.valid_frames is None else audio[: self.valid_frames]), entry.relpath, 0
        for attempt in range(RETRIES + 1):
            entry = self.speech[int(rng.choice(len(self.speech), p=self._speech_p))]
            length = self.store.frames(entry)
            if length >= self.segment:
                start = int(rng.integers(0, length - self.segment + 1))
                audio = self.store.segment(entry, start, self.segment)
                audio = np.pad(audio, (0, self.segment - len(audio)))
            else:
                audio = self.store.full(entry)[: self.segment]
                pad = int(rng.integers(0, self.segment - len(audio) + 1))
                audio, start = np.pad(audio, (pad, self.segment - len(audio) - pad)), -pad
            if active_power(audio, self.sample_rate) > 0:
                break
        return audio, entry.relpath, start

    def _noise_segment(self, rng: np.random.Generator, length: int) -> tuple[np.ndarray, str, int]:
        for attempt in range(RETRIES + 1):
            entry = self.noise[int(rng.integers(len(self.noise)))]
            total = self.store.frames(entry)
            if total >= length:
                start = int(rng.integers(0, total - length + 1))
                audio = self.store.segment(entry, start, length)
                audio = fit_length(audio, length, 0) if 0 < len(audio) < length else audio
            else:
                start = int(rng.integers(0, total))
                audio = fit_length(self.store.full(entry), length, start)
            if active_power(audio, self.sample_rate) > 0:
                break
        return audio, entry.relpath, start

    def example(self, index: int) -> tuple[np.ndarray, np.ndarray, dict]:
        """``(noisy, clean, info)``: numpy arrays of one example and everything drawn (for the corpus tool).

        ``info`` adds to :func:`senhance.data.simulate`'s: ``speech`` / ``noise`` (relative paths),
        ``speech_offset`` (negative: the speech starts that many samples into the segment) /
        ``noise_offset`` (samples at the model rate), ``seed``, ``epoch``, ``index``.
        """
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} examples")
        epoch = VALID_EPOCH if self.subset == "valid" else self.epoch
        rng = example_rng(self.seed, epoch, index)
        speech, speech_file, speech_offset = self._speech_segment(rng, index)
        noise, noise_file, noise_offset = self._noise_segment(rng, len(speech))
        noisy, clean, info = simulate(speech, noise, sample_rate=self.sample_rate, rng=rng,
                                      options=self.options, rirs=self.rirs() or None)
        info.update(speech=speech_file, speech_offset=speech_offset, noise=noise_file, noise_offset=noise_offset,
                    seed=self.seed, epoch=epoch, index=index)
        return noisy, clean, info

    def __getitem__(self, index: int) -> dict:
        noisy, clean, info = self.example(index)
        return {"noisy": torch.from_numpy(np.ascontiguousarray(noisy))[None],
                "clean": torch.from_numpy(np.ascontiguousarray(clean))[None],
                "id": f"{self.subset}{index:06d}:{info['speech']}@{info['speech_offset']}"}
