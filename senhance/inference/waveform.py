"""The one code path for "enhance this audio": :meth:`Enhancer.enhance`, ``senhance-infer`` and streams share it.

:func:`enhance_blocks` turns noisy ``(C, n)`` blocks into output blocks: a signal of at most one
block is enhanced whole (:func:`enhance_whole`), a longer one through :func:`block_stream` (the
enhancer's native-rate streamer, behind exact block-wise resamplers at other rates); both give the
same samples, because the whole-signal path runs the same streamer over the whole signal. The
enhanced part is attenuation-limited, soft-limited above -1 dBFS and mixed with the input by the
``strength`` knob (:func:`mix`). :meth:`senhance.enhancer.Enhancer.enhance` runs it on a waveform in
memory (:func:`enhance_waveform` is its old name), :func:`~senhance.inference.file.enhance_file` on
blocks read from a file, and :class:`~senhance.inference.streaming.StreamingEnhancer` applies the
same streamer and :func:`mix` frame by frame.

The enhancer is used through its declared contract (:class:`senhance.enhancer.Enhancer`):
``sample_rate``, ``band_split`` and ``streamer()``.
"""
from __future__ import annotations

import math
from typing import Iterable, Iterator

import torch
from torch import Tensor

from senhance.dsp import resample
from senhance.errors import ConfigError
from senhance.inference.bandsplit import BandSplitStream, band_split_enhance
from senhance.inference.blocks import soft_limit
from senhance.inference.resample_stream import ResampledStreamer
from senhance.shapes import pad_or_trim

#: Signals longer than this are enhanced in blocks of this length (files are also read and written so).
DEFAULT_BLOCK_SECONDS = 10.0


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


def stream_through(stream, audio: Tensor) -> Tensor:
    """Feed the whole ``(C, T)`` signal to a fresh ``stream`` and flush it; returns ``(C, T)``.

    >>> from senhance.inference.blocks import stateless_streamer
    >>> x = torch.randn(1, 20000)
    >>> torch.allclose(stream_through(stateless_streamer(lambda s: 2 * s, 16000), x), 2 * x, atol=1e-6)
    True
    """
    out = torch.cat([stream.feed(audio), stream.flush()], dim=-1)
    if out.shape != audio.shape:
        raise RuntimeError(f"the streamer returned {tuple(out.shape)} samples for an input of {tuple(audio.shape)}")
    return out


def resampled_enhance(enhancer, audio: Tensor, sample_rate: int) -> Tensor:
    """``(C, T)`` at ``sample_rate``: resampled to the enhancer's rate, its streamer over the whole
    signal, resampled back, :func:`~senhance.shapes.pad_or_trim` to ``T`` (the band it can see only)."""
    rate = int(enhancer.sample_rate)
    enhanced = stream_through(enhancer.streamer(), resample(audio, int(sample_rate), rate))  # (C, T') at its rate
    return pad_or_trim(resample(enhanced, rate, int(sample_rate)), audio.shape[-1])


def enhance_whole(enhancer, audio: Tensor, sample_rate: int) -> Tensor:
    """The whole-signal enhancement of ``(C, T)`` float32 at ``sample_rate`` (no limiter, no mix).

    At the enhancer's rate: its streamer over the whole signal (for enhancers with recurrent state
    that is ``process`` within float tolerance; stateless ones give their overlap-add pieces).
    Other rates: :func:`resampled_enhance`, and above the enhancer's rate with ``band_split`` the
    band split that keeps the top band (:func:`~senhance.inference.bandsplit.band_split_enhance`).
    :func:`block_stream` gives the same samples block by block.
    """
    rate, sample_rate = int(enhancer.sample_rate), int(sample_rate)
    if sample_rate == rate:
        return stream_through(enhancer.streamer(), audio)

    def enhance_low(x: Tensor) -> Tensor:
        return resampled_enhance(enhancer, x, sample_rate)

    if enhancer.band_split and sample_rate > rate:  # full band: keep the top octaves
        return band_split_enhance(enhance_low, audio, sample_rate, rate)
    return enhance_low(audio)


def block_stream(enhancer, sample_rate: int, block_frames: int):
    """The stream that enhances a signal at ``sample_rate`` block by block, as :func:`enhance_whole` does.

    At the enhancer's rate it is ``enhancer.streamer()`` (a model's ``Streamer`` carrying its
    state, or the overlap-add streamer of stateless enhancers); at another rate that streamer
    behind exact block-wise resamplers on both sides
    (:class:`~senhance.inference.resample_stream.ResampledStreamer`, pieces of about
    ``block_frames``), and above the enhancer's rate also through the band split that keeps the
    top band (:class:`~senhance.inference.bandsplit.BandSplitStream`).
    """
    native = enhancer.streamer()
    rate, sample_rate = int(enhancer.sample_rate), int(sample_rate)
    if sample_rate == rate:
        return native
    low = ResampledStreamer(native, sample_rate, rate, block_frames=block_frames)
    if enhancer.band_split and sample_rate > rate:
        return BandSplitStream(low, sample_rate, rate, block_frames=block_frames)
    return low


def enhance_blocks(enhancer, blocks: Iterable[Tensor], sample_rate: int, *, total_frames: int,
                   strength: float = 1.0, block_frames: int, source: str = "waveform",
                   max_attenuation_db: float | None = None) -> Iterator[tuple[Tensor, Tensor]]:
    """Enhance a signal given as consecutive ``(C, n)`` float32 blocks; yields ``(noisy, output)`` pairs.

    Each pair holds matching input and output samples (``(C, m)`` each, on the CPU); their
    concatenation covers the whole signal. A signal of at most ``block_frames`` samples
    (``total_frames``) is enhanced whole (:func:`enhance_whole`); a longer one through
    :func:`block_stream`, so memory stays bounded; both give the same samples. The output is
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
        if strength > 0:
            with torch.inference_mode():
                enhanced = enhance_whole(enhancer, noisy, sample_rate)
        else:
            enhanced = noisy
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


def enhance_waveform(enhancer, waveform, sample_rate: int, *, strength: float = 1.0,
                     block_seconds: float | None = None, max_attenuation_db: float | None = None):
    """``enhancer.enhance(waveform, sample_rate, ...)``: the old name of :meth:`senhance.enhancer.Enhancer.enhance`.

    Kept so existing callers work; it is exactly what ``senhance-infer`` writes for a file holding
    ``waveform`` (before the file's quantisation).

    >>> import senhance
    >>> wiener = senhance.load("wiener")
    >>> x = 0.1 * torch.randn(2, 4000)
    >>> torch.equal(enhance_waveform(wiener, x, 16000), wiener.enhance(x, 16000))
    True
    """
    return enhancer.enhance(waveform, sample_rate, strength=strength, block_seconds=block_seconds,
                            max_attenuation_db=max_attenuation_db)
