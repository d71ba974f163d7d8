"""The one code path for "enhance this audio the way ``senhance-infer`` would".

:func:`enhance_blocks` turns noisy ``(C, n)`` blocks into output blocks: signals longer than one
block go through :func:`block_stream` (a model's streamer carrying its state across blocks, or
overlap-add for stateless enhancers), the enhanced part is soft-limited above -1 dBFS and mixed
with the input by the ``strength`` knob (:func:`mix`). :func:`enhance_waveform` runs it on a
waveform in memory; :func:`~senhance.inference.file.enhance_file` runs it on blocks read from a
file and the evaluation (:func:`senhance.evaluation.evaluate`) on whole files, so the samples
they produce are the same (before the file's quantisation).
"""
from __future__ import annotations

from typing import Iterable, Iterator

import torch
from torch import Tensor

from senhance.enhancer import as_channels_time
from senhance.errors import ConfigError
from senhance.inference.blocks import OverlapAddStream, soft_limit

#: Signals longer than this are enhanced in blocks of this length (files are also read and written so).
DEFAULT_BLOCK_SECONDS = 10.0
#: Overlap-add settings for enhancers that cannot carry state across blocks.
OLA_CONTEXT_SECONDS = 0.5
OLA_CROSSFADE_SECONDS = 0.25


def check_strength(strength: float) -> float:
    """Validate the dry/wet knob: ``strength`` in [0, 1].

    >>> check_strength(1)
    1.0
    """
    strength = float(strength)
    if not 0.0 <= strength <= 1.0:
        raise ConfigError(f"strength={strength} must be inside [0, 1]")
    return strength


def block_frames_for(block_seconds: float, sample_rate: int) -> int:
    """Samples per block: ``block_seconds`` at ``sample_rate``, at least 1.

    >>> block_frames_for(0.5, 16000)
    8000
    """
    if not block_seconds > 0:
        raise ConfigError(f"block_seconds={block_seconds} must be positive")
    return max(1, int(round(block_seconds * int(sample_rate))))


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


def block_stream(enhancer, sample_rate: int, block_frames: int):
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


def enhance_blocks(enhancer, blocks: Iterable[Tensor], sample_rate: int, *, total_frames: int,
                   strength: float = 1.0, block_frames: int, source: str = "waveform"
                   ) -> Iterator[tuple[Tensor, Tensor]]:
    """Enhance a signal given as consecutive ``(C, n)`` float32 blocks; yields ``(noisy, output)`` pairs.

    Each pair holds matching input and output samples (``(C, m)`` each, on the CPU); their
    concatenation covers the whole signal. A signal of at most ``block_frames`` samples
    (``total_frames``) is enhanced in one :meth:`~senhance.enhancer.Enhancer.enhance` call;
    a longer one through :func:`block_stream`, so memory stays bounded. The output is
    :func:`mix` ``(noisy, enhanced, strength)`` (soft-limited); ``source`` names the input in errors.

    >>> import senhance
    >>> x = 0.1 * torch.randn(1, 3000)
    >>> pairs = list(enhance_blocks(senhance.load("wiener"), x.split(1000, dim=-1), 16000,
    ...                             total_frames=3000, block_frames=1000))
    >>> torch.equal(torch.cat([noisy for noisy, _ in pairs], -1), x)
    True
    >>> torch.cat([out for _, out in pairs], -1).shape
    torch.Size([1, 3000])
    """
    strength = check_strength(strength)
    if int(total_frames) <= int(block_frames):  # short: one whole-signal call
        parts = list(blocks)
        noisy = torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]
        enhanced = enhancer.enhance(noisy, sample_rate) if strength > 0 else noisy
        yield noisy, mix(noisy, enhanced.to("cpu", torch.float32), strength)
        return
    stream = block_stream(enhancer, sample_rate, block_frames) if strength > 0 else None
    pending: list[Tensor] = []  # noisy samples fed but not yet matched by enhanced output

    def match(enhanced: Tensor) -> tuple[Tensor, Tensor] | None:
        n = enhanced.shape[-1]
        if n == 0:
            return None
        noisy = torch.cat(pending, dim=-1) if len(pending) > 1 else pending[0]
        if n > noisy.shape[-1]:
            raise RuntimeError(f"{source}: the enhancer returned more samples than it was fed")
        pending[:] = [noisy[:, n:]] if noisy.shape[-1] > n else []
        noisy = noisy[:, :n]
        return noisy, mix(noisy, enhanced.to("cpu", torch.float32), strength)

    for block in blocks:
        pending.append(block)
        if stream is None:
            pair = match(block)
        else:
            with torch.inference_mode():
                pair = match(stream.feed(block))
        if pair is not None:
            yield pair
    if stream is not None:
        with torch.inference_mode():
            pair = match(stream.flush())
        if pair is not None:
            yield pair
    if pending and sum(p.shape[-1] for p in pending) > 0:
        raise RuntimeError(f"{source}: the enhancer returned fewer samples than it was fed")


def enhance_waveform(enhancer, waveform: Tensor, sample_rate: int, *, strength: float = 1.0,
                     block_seconds: float = DEFAULT_BLOCK_SECONDS) -> Tensor:
    """Enhance ``waveform`` exactly as :func:`~senhance.inference.file.enhance_file` enhances a file.

    The result is the float32 audio ``enhance_file`` (and so ``senhance-infer``) writes for a
    file holding ``waveform`` at ``sample_rate``, before the file's quantisation: signals
    longer than ``block_seconds`` are processed block by block (streaming state carried
    across blocks, or overlap-add), the enhanced part is soft-limited above -1 dBFS and
    mixed with the input by ``strength``.

    Args:
        enhancer: any :class:`~senhance.enhancer.Enhancer`.
        waveform: ``(time,)`` or ``(channels, time)``, finite, at ``sample_rate``.
        strength: dry/wet knob in [0, 1]; 0 returns the input exactly.
        block_seconds: block length for long signals.

    Shape:
        ``(time,)`` or ``(channels, time)`` -> float32 of the same shape.

    >>> import senhance
    >>> wiener = senhance.load("wiener")
    >>> x = 0.1 * torch.randn(2, 4000)
    >>> y = enhance_waveform(wiener, x, 16000)
    >>> y.shape, y.dtype
    (torch.Size([2, 4000]), torch.float32)
    >>> torch.equal(enhance_waveform(wiener, x, 16000, strength=0.0), x)
    True
    """
    waveform = torch.as_tensor(waveform)
    audio = as_channels_time(waveform, sample_rate).cpu()  # (C, T) float32
    block_frames = block_frames_for(block_seconds, sample_rate)
    total = audio.shape[-1]
    blocks = (audio[:, start:start + block_frames] for start in range(0, total, block_frames))
    pieces = [output for _, output in enhance_blocks(enhancer, blocks, int(sample_rate), total_frames=total,
                                                     strength=strength, block_frames=block_frames)]
    output = torch.cat(pieces, dim=-1) if len(pieces) > 1 else pieces[0]
    return output[0] if waveform.dim() == 1 else output
