"""Dataset that mixes speech and noise on the fly (DNS-Challenge style)."""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from senhance.data.audio import AudioStore
from senhance.data.augment import normalize_rir
from senhance.data.example_rng import VALID_EPOCH, example_rng
from senhance.data.manifest import AudioEntry, require_clean_scan, scan_audio
from senhance.data.mixing_math import active_power, add_noise, babble, looped_segment
from senhance.data.perturb import pitch_shift, speed_perturb
from senhance.data.simulate import MixOptions, _uniform, simulate
from senhance.data.split import groups_from_manifest, groups_from_regex, load_split, lookup_groups, select_subset

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

    Mixing keyword arguments (``snr_range``, ``level_range``, ``reverb_prob``, ``band_limit_prob``, ``eq_prob``,
    ``clip_prob``, ... every field) are :class:`senhance.data.MixOptions`. ``rir_dir``: measured RIRs (else
    synthetic ones when reverb is on). Applied here, before :func:`senhance.data.simulate`:

    * speech perturbation, the same in input and target: speed (probability ``speed_prob``, a factor
      from ``speed_factors``; ``ceil(segment * factor)`` samples are read so the segment stays full)
      and/or pitch with tempo kept (``pitch_prob``, semitones from ``pitch_range``), see
      :mod:`senhance.data.perturb`;
    * babble instead of the noise recording (``babble_prob``): the sum of N (``babble_speakers``)
      segments of other speakers of the *same subset* (never the target's speaker), each at unit
      active power; the speaker is the split's group (``corpus_manifest`` column,
      ``speech_group_regex``, ``split_file``; else each file is its own speaker). With no other
      speaker the noise recording is used;
    * a second noise recording (``second_noise_prob``) added at ``second_noise_range`` dB (active
      power) relative to the first; the SNR is then that of the speech over both noises together.
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
        self.options = MixOptions(**{k: v if v is None or isinstance(v, (str, int, float)) else tuple(v)
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
        self.speakers: list[str] | None = None  # speaker of each speech entry (only needed for babble)
        if self.options.babble_prob > 0:
            self.speakers = self._speaker_groups(corpus_manifest, speech_group_column, speech_group_regex, split_file)
            self._files_of: dict[str, list[int]] = {}
            for i, speaker in enumerate(self.speakers):
                self._files_of.setdefault(speaker, []).append(i)
            self._speaker_names = sorted(self._files_of)

    def _speaker_groups(self, manifest, column, regex, split_file) -> list[str]:
        relpaths = [e.relpath for e in self.speech]
        if manifest is not None and column:
            groups = lookup_groups(relpaths, groups_from_manifest(manifest, column), what=str(manifest))
        elif regex:
            groups = groups_from_regex(relpaths, regex)
        elif split_file is not None and Path(split_file).is_file():
            table = {k[len("speech/"):]: v for k, v in load_split(split_file)[0].items() if k.startswith("speech/")}
            groups = {p: table.get(p, p) for p in relpaths}
        else:
            groups = {p: p for p in relpaths}
        return [groups[p] for p in relpaths]

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

    def _speech_segment(self, rng: np.random.Generator, index: int,
                        segment: int | None = None) -> tuple[np.ndarray, int, int]:
        """``(audio, speech entry index, offset)``; ``segment`` samples (training; default the segment)."""
        if self.subset == "valid":
            audio = self.store.full(self.speech[index])
            return (audio if self.valid_frames is None else audio[: self.valid_frames]), index, 0
        segment = self.segment if segment is None else segment
        for attempt in range(RETRIES + 1):
            choice = int(rng.choice(len(self.speech), p=self._speech_p))
            entry = self.speech[choice]
            length = self.store.frames(entry)
            if length >= segment:
                start = int(rng.integers(0, length - segment + 1))
                audio = self.store.segment(entry, start, segment)
                audio = np.pad(audio, (0, segment - len(audio)))
            else:
                audio = self.store.full(entry)[: segment]
                pad = int(rng.integers(0, segment - len(audio) + 1))
                audio, start = np.pad(audio, (pad, segment - len(audio) - pad)), -pad
            if active_power(audio, self.sample_rate) > 0:
                break
        return audio, choice, start

    def _perturbation(self, rng: np.random.Generator) -> tuple[float, float]:
        """``(speed factor, pitch shift in semitones)``, ``(1.0, 0.0)`` when off (no draws then)."""
        options, speed, semitones = self.options, 1.0, 0.0
        if options.speed_prob > 0 and rng.random() < options.speed_prob:
            speed = options.speed_factors[int(rng.integers(len(options.speed_factors)))]
        if options.pitch_prob > 0 and rng.random() < options.pitch_prob:
            semitones = _uniform(rng, options.pitch_range)
        return speed, semitones

    def _babble(self, rng: np.random.Generator, length: int, target: int) -> tuple[np.ndarray, list[str]] | None:
        """The sum of segments of N other speakers of this subset (``None`` when there is no other speaker)."""
        others = [s for s in self._speaker_names if s != self.speakers[target]]
        if not others:
            return None
        low, high = self.options.babble_speakers
        count = min(int(rng.integers(low, high + 1)), len(others))
        chosen = [others[i] for i in rng.choice(len(others), size=count, replace=False)]
        utterances, files = [], []
        for speaker in chosen:
            files_of = self._files_of[speaker]
            entry = self.speech[files_of[int(rng.integers(len(files_of)))]]
            audio, _ = self._random_segment(rng, entry, length)
            utterances.append(audio)
            files.append(entry.relpath)
        return babble(utterances, self.sample_rate), files

    def _random_segment(self, rng: np.random.Generator, entry, length: int) -> tuple[np.ndarray, int]:
        """``length`` samples of ``entry`` from a random start (a shorter file is placed at a random offset
        in zeros); returns ``(audio, start)``. One draw from ``rng`` either way."""
        total = self.store.frames(entry)
        if total >= length:
            start = int(rng.integers(0, total - length + 1))
            audio = self.store.segment(entry, start, length)
            return (looped_segment(audio, length, 0) if 0 < len(audio) < length else audio), start
        start = int(rng.integers(0, total))
        return looped_segment(self.store.full(entry), length, start), start

    def _noise_segment(self, rng: np.random.Generator, length: int) -> tuple[np.ndarray, str, int]:
        for attempt in range(RETRIES + 1):
            entry = self.noise[int(rng.integers(len(self.noise)))]
            audio, start = self._random_segment(rng, entry, length)
            if active_power(audio, self.sample_rate) > 0:
                break
        return audio, entry.relpath, start

    def example(self, index: int) -> tuple[np.ndarray, np.ndarray, dict]:
        """``(noisy, clean, info)``: numpy arrays of one example and everything drawn (for the corpus tool).

        ``info`` adds to :func:`senhance.data.simulate`'s: ``speech`` / ``noise`` (relative paths),
        ``speech_offset`` (negative: the speech starts that many samples into the segment; in the file
        before any speed change) / ``noise_offset`` (samples at the model rate), ``speed``,
        ``pitch_semitones``, ``babble`` (the babble's speech files, ``None`` when off; then ``noise`` is
        ``"babble"``), ``second_noise`` / ``second_noise_db``, ``seed``, ``epoch``, ``index``.
        """
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} examples")
        epoch = VALID_EPOCH if self.subset == "valid" else self.epoch
        rng = example_rng(self.seed, epoch, index)
        speed, semitones = self._perturbation(rng)
        speech, choice, speech_offset = self._speech_segment(rng, index, math.ceil(self.segment * speed))
        if speed != 1.0:
            speech = speed_perturb(speech, speed)
        if semitones != 0.0:
            speech = pitch_shift(speech, semitones)
        if self.subset == "train":
            speech = np.pad(speech, (0, max(0, self.segment - len(speech))))[: self.segment]
        options, mixed = self.options, None
        if options.babble_prob > 0 and rng.random() < options.babble_prob:
            mixed = self._babble(rng, len(speech), choice)
        if mixed is None:
            noise, noise_file, noise_offset = self._noise_segment(rng, len(speech))
            babble_files = None
        else:
            (noise, babble_files), noise_file, noise_offset = mixed, "babble", None
        second_file = second_db = None
        if options.second_noise_prob > 0 and rng.random() < options.second_noise_prob:
            other, second_file, _ = self._noise_segment(rng, len(speech))
            second_db = _uniform(rng, options.second_noise_range)
            noise, _ = add_noise(noise, other, second_db, self.sample_rate)
        noisy, clean, info = simulate(speech, noise, sample_rate=self.sample_rate, rng=rng,
                                      options=self.options, rirs=self.rirs() or None)
        info.update(speech=self.speech[choice].relpath, speech_offset=speech_offset, noise=noise_file,
                    noise_offset=noise_offset, speed=speed, pitch_semitones=semitones, babble=babble_files,
                    second_noise=second_file, second_noise_db=second_db, seed=self.seed, epoch=epoch, index=index)
        return noisy, clean, info

    def __getitem__(self, index: int) -> dict:
        noisy, clean, info = self.example(index)
        return {"noisy": torch.from_numpy(np.ascontiguousarray(noisy))[None],
                "clean": torch.from_numpy(np.ascontiguousarray(clean))[None],
                "id": f"{self.subset}{index:06d}:{info['speech']}@{info['speech_offset']}"}
