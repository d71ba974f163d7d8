"""Enhance one audio file, whole or block by block, keeping its rate, channels, length and subtype."""
from __future__ import annotations

import os
from pathlib import Path

import soundfile
import torch
from torch import Tensor

from senhance.enhancer import Enhancer
from senhance.inference.blocks import OverlapAddStream, soft_limit

#: Files longer than this are read, enhanced and written in blocks of this length.
DEFAULT_BLOCK_SECONDS = 10.0
#: Overlap-add settings for enhancers that cannot carry state across blocks.
OLA_CONTEXT_SECONDS = 0.5
OLA_CROSSFADE_SECONDS = 0.25


class OutputExistsError(ValueError):
    """An output file exists and ``overwrite`` was not requested, or it is an input."""


def check_strength(strength: float) -> float:
    """Validate the dry/wet knob: ``strength`` in [0, 1]."""
    strength = float(strength)
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength={strength} must be inside [0, 1]")
    return strength


def mix(noisy: Tensor, enhanced: Tensor, strength: float) -> Tensor:
    """``strength * soft_limit(enhanced) + (1 - strength) * noisy``; strength 0 gives ``noisy`` exactly.

    Limiting the enhanced part keeps the mix inside [-1, 1] whenever the input is.

    >>> noisy = torch.tensor([[0.5, -0.25]]); enhanced = torch.tensor([[3.0, 0.0]])
    >>> torch.equal(mix(noisy, enhanced, 0.0), noisy)
    True
    >>> mix(noisy, enhanced, 1.0).abs().max().item() <= 1
    True
    """
    if strength == 0.0:
        return noisy.clone()
    limited = soft_limit(enhanced)
    if strength == 1.0:
        return limited
    return strength * limited + (1.0 - strength) * noisy


def residual_path_for(output_path: str | Path) -> Path:
    """``out.wav`` -> ``out_residual.wav``."""
    output_path = Path(output_path)
    return output_path.with_name(f"{output_path.stem}_residual{output_path.suffix}")


def _output_subtype(input_subtype: str | None, output_path: Path, subtype: str | None) -> str | None:
    """The requested subtype, else the input's when the output format can hold it, else the format default."""
    if subtype is not None:
        return subtype
    fmt = output_path.suffix.lstrip(".").upper()
    if input_subtype and fmt and soundfile.check_format(fmt, input_subtype):
        return input_subtype
    return None


def _check_output(path: Path, input_path: Path, overwrite: bool, what: str) -> None:
    if path.resolve() == input_path.resolve() or (path.exists() and input_path.exists()
                                                  and os.path.samefile(path, input_path)):
        raise OutputExistsError(f"{what}={path}: is the input file; senhance never overwrites an input")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{what}={path}: already exists (pass overwrite=true to replace it)")


def block_stream(enhancer: Enhancer, sample_rate: int, block_frames: int):
    """The stream that enhances a long signal at ``sample_rate`` block by block.

    A model that streams (``enhancer.streamer()``) carries its state across blocks, so the
    output equals whole-file processing; a file at another rate goes through an exact
    block-wise resampler on both sides
    (:class:`~senhance.inference.resample_stream.ResampledStream`). Enhancers that cannot
    carry state (the classical baselines) enhance overlapping pieces of ``block_frames``
    with 0.5 s of context on each side, crossfaded over 0.25 s
    (:class:`~senhance.inference.blocks.OverlapAddStream`).
    """
    if getattr(enhancer, "can_stream", False):
        if int(sample_rate) == int(enhancer.sample_rate):
            return enhancer.streamer()
        from senhance.inference.resample_stream import ResampledStream

        return ResampledStream(enhancer.streamer(), int(sample_rate), int(enhancer.sample_rate),
                               block_frames=block_frames)
    return OverlapAddStream(lambda x: enhancer.enhance(x, sample_rate), hop=block_frames,
                            crossfade=min(block_frames, int(OLA_CROSSFADE_SECONDS * sample_rate)),
                            context=int(OLA_CONTEXT_SECONDS * sample_rate))


def enhance_file(enhancer: Enhancer, input_path: str | Path, output_path: str | Path, *, strength: float = 1.0,
                 save_residual: bool = False, residual_path: str | Path | None = None, subtype: str | None = None,
                 overwrite: bool = False, block_seconds: float = DEFAULT_BLOCK_SECONDS,
                 progress: bool = False) -> Path:
    """Enhance ``input_path`` into ``output_path``; returns the output path.

    The output keeps the input's sample rate, channel count (each channel is enhanced
    independently), length and, unless ``subtype`` is given, subtype (when the output
    format can hold it). Files longer than ``block_seconds`` are read, enhanced and written
    in blocks, so memory does not grow with the file's length (see :func:`block_stream`).
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

    Raises:
        senhance.io.AudioFileError: unreadable, empty or non-finite input.
        OutputExistsError: an output exists (without ``overwrite``) or is the input.
        ValueError: a bad argument (the message names it).
    """
    from senhance.io import AudioWriter, audio_info, iter_audio_blocks, read_audio, write_audio

    strength = check_strength(strength)
    if block_seconds <= 0:
        raise ValueError(f"block_seconds={block_seconds} must be positive")
    input_path, output_path = Path(input_path), Path(output_path)
    residual = Path(residual_path) if residual_path is not None else residual_path_for(output_path)
    targets = [("output", output_path)] + ([("residual_path", residual)] if save_residual else [])
    for what, path in targets:
        _check_output(path, input_path, overwrite, what)
    info = audio_info(input_path)
    sample_rate = int(info.sample_rate)
    out_subtype = _output_subtype(info.subtype, output_path, subtype)
    res_subtype = _output_subtype(info.subtype, residual, subtype)
    for _, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
    block_frames = max(1, int(round(block_seconds * sample_rate)))

    if info.frames <= block_frames:  # short: whole file in memory
        noisy, sample_rate = read_audio(input_path)  # (C, T)
        enhanced = enhancer.enhance(noisy, sample_rate) if strength > 0 else noisy
        output = mix(noisy, enhanced, strength)
        write_audio(output_path, output, sample_rate, subtype=out_subtype)
        if save_residual:
            write_audio(residual, soft_limit(noisy - output), sample_rate, subtype=res_subtype)
        return output_path

    from contextlib import ExitStack

    stream = block_stream(enhancer, sample_rate, block_frames) if strength > 0 else None
    pending: list[Tensor] = []  # noisy samples fed but not yet matched by enhanced output
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=round(info.frames / sample_rate, 1), unit="s", desc=input_path.name, leave=False)
    with ExitStack() as stack, torch.inference_mode():
        writer = stack.enter_context(AudioWriter(output_path, sample_rate, info.channels, subtype=out_subtype))
        res_writer = (stack.enter_context(AudioWriter(residual, sample_rate, info.channels, subtype=res_subtype))
                      if save_residual else None)

        def emit(enhanced: Tensor) -> None:
            n = enhanced.shape[-1]
            if n == 0:
                return
            noisy = torch.cat(pending, dim=-1) if len(pending) > 1 else pending[0]
            if n > noisy.shape[-1]:
                raise RuntimeError(f"{input_path}: the enhancer returned more samples than it was fed")
            pending[:] = [noisy[:, n:]] if noisy.shape[-1] > n else []
            noisy = noisy[:, :n]
            output = mix(noisy, enhanced.to("cpu", torch.float32), strength)
            writer.write(output)
            if res_writer is not None:
                res_writer.write(soft_limit(noisy - output))

        for block in iter_audio_blocks(input_path, block_frames):
            block = torch.as_tensor(block, dtype=torch.float32)  # (C, n)
            if not torch.isfinite(block).all():
                from senhance.io import AudioFileError

                raise AudioFileError(f"{input_path}: contains NaN or Inf samples")
            pending.append(block)
            emit(stream.feed(block) if stream is not None else block)
            if bar is not None:
                bar.update(round(block.shape[-1] / sample_rate, 1))
        if stream is not None:
            emit(stream.flush())
        if pending and sum(p.shape[-1] for p in pending) > 0:
            raise RuntimeError(f"{input_path}: the enhancer returned fewer samples than it was fed")
    if bar is not None:
        bar.close()
    return output_path
