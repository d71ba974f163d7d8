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

import math
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


def attenuation_floor(max_attenuation_db: float | None) -> float:
    """The linear floor ``10 ** (-L / 20)`` of the attenuation limit ``L`` dB; ``None`` / ``inf``: 0 (no limit).

    >>> attenuation_floor(20), attenuation_floor(None)
    (0.1, 0.0)
    """
    if max_attenuation_db is None:
        return 0.0
    limit = float(max_attenuation_db)
    if not limit > 0 or math.isnan(limit):
        raise ValueError(f"max_attenuation_db={max_attenuation_db} must be > 0 dB (or null/inf: no limit)")
    return 0.0 if math.isinf(limit) else 10.0 ** (-limit / 20.0)


def limit_attenuation(noisy: Tensor, enhanced: Tensor, max_attenuation_db: float | None) -> Tensor:
    """DeepFilterNet's ``atten_lim_db``: ``(1 - a) * enhanced + a * noisy`` with ``a = 10 ** (-L / 20)``.

    Sample-wise (so it commutes with block processing and the STFT): where the enhancer removed
    everything, ``a * noisy`` (``L`` dB down) is left; wherever it applied a real gain ``g`` in
    [0, 1] to a time-frequency bin, that bin keeps ``((1 - a) g + a)`` of the noisy one, at least
    ``a``. ``None`` / ``inf`` returns ``enhanced`` itself.

    >>> noisy = torch.tensor([[1.0, -2.0]]); silent = torch.zeros(1, 2)
    >>> limit_attenuation(noisy, silent, 20.0)
    tensor([[ 0.1000, -0.2000]])
    """
    floor = attenuation_floor(max_attenuation_db)
    if floor == 0.0:
        return enhanced
    return (1.0 - floor) * enhanced + floor * noisy


def block_frames_for(block_seconds: float, sample_rate: int) -> int:
    """Samples per block: ``block_seconds`` at ``sample_rate``, at least 1.

    >>> block_frames_for(0.5, 16000)
    8000
    """
    if not block_seconds > 0:
        raise ConfigError(f"block_seconds={block_seconds} must be positive")
    return max(1, int(round(block_seconds * int(sample_rate))))


def mix(noisy: Tensor, enhanced: Tensor, strength: float, max_attenuation_db: float | None = None) -> Tensor:
    """``strength * soft_limit(enhanced) + (1 - strength) * noisy``; strength 0 gives ``noisy`` exactly.

    Limiting the enhanced part keeps the mix inside [-1, 1] whenever the input is. With
    ``max_attenuation_db`` the enhanced part is first :func:`limit_attenuation` 'ed.

    >>> noisy = torch.tensor([[0.5, -0.25]]); enhanced = torch.tensor([[3.0, 0.0]])
    >>> torch.equal(mix(noisy, enhanced, 0.0), noisy)
    True
    >>> mix(noisy, enhanced, 1.0).abs().max().item() <= 1
    True
    """
    if strength == 0.0:
        return noisy.clone()
    limited = soft_limit(limit_attenuation(noisy, enhanced, max_attenuation_db))
    if strength == 1.0:
        return limited
    return strength * limited + (1.0 - strength) * noisy


def block_stream(enhancer, sample_rate: int, block_frames: int):
    """The stream that enhances a long signal at ``sample_rate`` block by block.

    A model that streams (``enhancer.streamer()``) carries its state across blocks, so the
    output equals whole-file processing; a file at another rate goes through an exact
    block-wise resampler on both sides
    (:class:`~senhance.inference.resample_stream.ResampledStream`), and one at a higher rate
    also through the band split that keeps its top band
    (:class:`~senhance.inference.bandsplit.BandSplitStream`). Enhancers that cannot
    carry state (the classical baselines) enhance overlapping pieces of ``block_frames``
    with 0.5 s of context on each side, crossfaded over 0.25 s
    (:class:`~senhance.inference.blocks.OverlapAddStream`).
    """
    if getattr(enhancer, "can_stream", False):
        if int(sample_rate) == int(enhancer.sample_rate):
            return enhancer.streamer()
        from senhance.inference.resample_stream import ResampledStream

        low = ResampledStream(enhancer.streamer(), int(sample_rate), int(enhancer.sample_rate),
                              block_frames=block_frames)
        if getattr(enhancer, "band_split", False) and int(sample_rate) > int(enhancer.sample_rate):
            from senhance.inference.bandsplit import BandSplitStream  # full band: as Enhancer.enhance

            return BandSplitStream(low, int(sample_rate), int(enhancer.sample_rate), block_frames=block_frames)
        return low
    return OverlapAddStream(lambda x: enhancer.enhance(x, sample_rate), hop=block_frames,
                            crossfade=min(block_frames, int(OLA_CROSSFADE_SECONDS * sample_rate)),
                            context=int(OLA_CONTEXT_SECONDS * sample_rate))


def enhance_blocks(enhancer, blocks: Iterable[Tensor], sample_rate: int, *, total_frames: int,
                   strength: float = 1.0, block_frames: int, source: str = "waveform",
                   max_attenuation_db: float | None = None) -> Iterator[tuple[Tensor, Tensor]]:
    """Enhance a signal given as consecutive ``(C, n)`` float32 blocks; yields ``(noisy, output)`` pairs.

    Each pair holds matching input and output samples (``(C, m)`` each, on the CPU); their
    concatenation covers the whole signal. A signal of at most ``block_frames`` samples
    (``total_frames``) is enhanced in one :meth:`~senhance.enhancer.Enhancer.enhance` call;
    a longer one through :func:`block_stream`, so memory stays bounded. The output is
    :func:`mix` ``(noisy, enhanced, strength, max_attenuation_db)`` (attenuation-limited, soft-limited);
    ``source`` names the input in errors.

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
    attenuation_floor(max_attenuation_db)  # validate
    if int(total_frames) <= int(block_frames):  # short: one whole-signal call
        parts = list(blocks)
        noisy = torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]
        enhanced = enhancer.enhance(noisy, sample_rate) if strength > 0 else noisy
        yield noisy, mix(noisy, enhanced.to("cpu", torch.float32), strength, max_attenuation_db)
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
        return noisy, mix(noisy, enhanced.to("cpu", torch.float32), strength, max_attenuation_db)

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
                     block_seconds: float = DEFAULT_BLOCK_SECONDS, max_attenuation_db: float | None = None) -> Tensor:
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
        max_attenuation_db: the most the output is attenuated relative to the input, in dB
            (:func:`limit_attenuation`); ``None``: no limit.

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
                                                     strength=strength, block_frames=block_frames,
                                                     max_attenuation_db=max_attenuation_db)]
    output = torch.cat(pieces, dim=-1) if len(pieces) > 1 else pieces[0]
    return output[0] if waveform.dim() == 1 else output
