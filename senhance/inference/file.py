"""Enhance one audio file, whole or block by block, keeping its rate, channels, length and subtype.

The enhancement itself is :func:`senhance.inference.waveform.enhance_blocks`, the code path the
evaluation shares; this file adds reading, writing, output checks and the residual.
"""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import soundfile
import torch
from tqdm.auto import tqdm

from senhance.errors import UserError
from senhance.inference.blocks import soft_limit
from senhance.inference.waveform import (DEFAULT_BLOCK_SECONDS, attenuation_floor, block_frames_for,  # noqa: F401
                                         block_stream, check_strength, enhance_blocks, mix)
from senhance.io import (AudioFileError, AudioWriter, InputOverwriteError, audio_info, iter_audio_blocks, read_audio,
                         refuse_to_overwrite_input, write_audio)


class OutputExistsError(UserError, ValueError):
    """An output file exists and ``overwrite`` was not requested, or it is an input."""


def residual_path_for(output_path: str | Path) -> Path:
    """``out.wav`` -> ``out_residual.wav``."""
    output_path = Path(output_path)
    return output_path.with_name(f"{output_path.stem}_residual{output_path.suffix}")


def output_subtype(input_subtype: str | None, output_path: Path, subtype: str | None) -> str | None:
    """The requested subtype, else the input's when the output format can hold it, else the format default."""
    if subtype is not None:
        return subtype
    fmt = output_path.suffix.lstrip(".").upper()
    if input_subtype and fmt and soundfile.check_format(fmt, input_subtype):
        return input_subtype
    return None


def _check_output(path: Path, input_path: Path, overwrite: bool, what: str) -> None:
    try:
        refuse_to_overwrite_input(input_path, path, what=what)
    except InputOverwriteError as error:  # one check (senhance.io); raised as this module's error, as before
        raise OutputExistsError(str(error)) from None
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{what}={path}: already exists (pass overwrite=true to replace it)")


def enhance_file(enhancer, input_path: str | Path, output_path: str | Path, *, strength: float = 1.0,
                 save_residual: bool = False, residual_path: str | Path | None = None, subtype: str | None = None,
                 overwrite: bool = False, block_seconds: float = DEFAULT_BLOCK_SECONDS,
                 progress: bool = False, max_attenuation_db: float | None = None) -> Path:
    """Enhance ``input_path`` into ``output_path``; returns the output path.

    The output keeps the input's sample rate, channel count (each channel is enhanced
    independently), length and, unless ``subtype`` is given, subtype (when the output
    format can hold it). Files longer than ``block_seconds`` are read, enhanced and written
    in blocks, so memory does not grow with the file's length (see
    :func:`~senhance.inference.waveform.block_stream`). The samples written are those of
    :func:`~senhance.inference.waveform.enhance_waveform` on the whole file, quantised to the output subtype.
    Writes are atomic; the input is never written to.

    Args:
        enhancer: any :class:`~senhance.enhancer.Enhancer` (e.g. ``senhance.load("default")``).
        strength: dry/wet knob in [0, 1]; 0 returns the input exactly, 1 the enhanced audio.
        save_residual: also write ``noisy - output`` (what was removed) to ``residual_path``
            (default ``<output stem>_residual<suffix>``), soft-limited like the output.
        subtype: soundfile subtype of the output (``"PCM_16"``, ``"FLOAT"``, ...).
        overwrite: replace existing outputs (inputs are never replaced).
        block_seconds: block length for long files.
        progress: show a tqdm bar over the blocks of a long file.
        max_attenuation_db: never attenuate more than this many dB relative to the input
            (DeepFilterNet's ``atten_lim_db``, :func:`~senhance.inference.waveform.limit_attenuation`); ``None``: no limit.

    Raises:
        senhance.io.AudioFileError: unreadable, empty or non-finite input.
        OutputExistsError: an output exists (without ``overwrite``) or is the input.
        ValueError: a bad argument (the message names it).

    >>> import os, tempfile, numpy as np, soundfile, senhance
    >>> folder = tempfile.TemporaryDirectory()
    >>> noisy = os.path.join(folder.name, "noisy.wav")
    >>> soundfile.write(noisy, 0.1 * np.random.default_rng(0).standard_normal((4000, 2)), 16000, subtype="PCM_16")
    >>> out = enhance_file(senhance.load("wiener"), noisy, os.path.join(folder.name, "out.wav"), save_residual=True)
    >>> info = soundfile.info(out)
    >>> out.name, info.samplerate, info.channels, info.frames, info.subtype
    ('out.wav', 16000, 2, 4000, 'PCM_16')
    >>> sorted(os.listdir(folder.name))
    ['noisy.wav', 'out.wav', 'out_residual.wav']
    >>> enhance_file(senhance.load("wiener"), noisy, out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    senhance.inference.file.OutputExistsError: output=...out.wav: already exists (pass overwrite=true to replace it)
    >>> folder.cleanup()
    """
    strength = check_strength(strength)
    attenuation_floor(max_attenuation_db)
    block_frames_for(block_seconds, 1)  # validate before touching any file
    input_path, output_path = Path(input_path), Path(output_path)
    residual = Path(residual_path) if residual_path is not None else residual_path_for(output_path)
    targets = [("output", output_path)] + ([("residual_path", residual)] if save_residual else [])
    for what, path in targets:
        _check_output(path, input_path, overwrite, what)
    info = audio_info(input_path)
    sample_rate = int(info.sample_rate)
    out_subtype = output_subtype(info.subtype, output_path, subtype)
    res_subtype = output_subtype(info.subtype, residual, subtype)
    for _, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
    block_frames = block_frames_for(block_seconds, sample_rate)

    bar = None
    if progress and info.frames > block_frames:
        bar = tqdm(total=round(info.frames / sample_rate, 1), unit="s", desc=input_path.name, leave=False)

    def blocks():
        if info.frames <= block_frames:  # short: the whole file in one read
            yield read_audio(input_path)[0]  # (C, T)
            return
        for block in iter_audio_blocks(input_path, block_frames):
            block = torch.as_tensor(block, dtype=torch.float32)  # (C, n)
            if not torch.isfinite(block).all():
                raise AudioFileError(f"{input_path}: contains NaN or Inf samples")
            yield block
            if bar is not None:
                bar.update(round(block.shape[-1] / sample_rate, 1))

    pairs = enhance_blocks(enhancer, blocks(), sample_rate, total_frames=info.frames, strength=strength,
                           block_frames=block_frames, source=str(input_path), max_attenuation_db=max_attenuation_db)
    try:
        if info.frames <= block_frames:  # short: one write per output
            ((noisy, output),) = pairs
            write_audio(output_path, output, sample_rate, subtype=out_subtype)
            if save_residual:
                write_audio(residual, soft_limit(noisy - output), sample_rate, subtype=res_subtype)
            return output_path
        with ExitStack() as stack:
            writer = stack.enter_context(AudioWriter(output_path, sample_rate, info.channels, subtype=out_subtype))
            res_writer = (stack.enter_context(AudioWriter(residual, sample_rate, info.channels, subtype=res_subtype))
                          if save_residual else None)
            for noisy, output in pairs:
                writer.write(output)
                if res_writer is not None:
                    res_writer.write(soft_limit(noisy - output))
    finally:
        if bar is not None:
            bar.close()
    return output_path
