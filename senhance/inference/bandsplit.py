"""Full-band input for an enhancer that runs at a lower rate: split, enhance, extend the gains, recombine.

A 44.1/48 kHz recording given to a 16 kHz enhancer keeps its top octaves:

* **crossover** (complementary by construction): the low band is the input resampled to the
  enhancer's rate and back, ``low = up(down(x))`` (:func:`senhance.dsp.resample`'s Kaiser-sinc
  low-pass, flat to about 0.8 x the enhancer's Nyquist), the high band is the rest,
  ``high = x - low``. ``low + high == x`` to float rounding, so with unit gains the input comes
  back exactly;
* **low band**: the enhancer itself (``up(process(down(x)))``, the path every lower-rate
  enhancer already had);
* **high band**: an STFT at the input's rate (20 ms sqrt-Hann frames, 10 ms hop) whose bins get
  one gain per frame and sub-band (two per octave from 0.8 x the enhancer's Nyquist up to the
  input's Nyquist): the geometric mean of

  - the enhancer's own gain, measured for every enhancer alike (only its output is needed) as
    ``sqrt(E_enhanced / E_noisy)`` in the same frame over 0.6-0.85 x its Nyquist (its top band)
    or over 0-0.85 x its Nyquist (a frame it keeps as speech), whichever is higher, held at its
    peak and released with a 50 ms time constant (weight ``model_weight`` in the mean), and
  - a Wiener-like gain from the high band's own noise floor (a running minimum of the
    30 ms-smoothed sub-band power that may rise by ``noise_rise_db_per_s``, 3 dB/s), with
    ``over_subtraction`` 2;

  limited to ``max_attenuation_db`` (30 dB). Speech present at the top of the enhancer's band keeps the
  high band; noise there and in pauses is pulled down by both.

:class:`HighBandGain` does the frame work (a :class:`~senhance.models.spectral.SpectralMaskModel`
whose rows are ``[high; low; enhanced low]`` stacked as a batch), so the offline path
(:func:`band_split_enhance`) and the block path (:class:`BandSplitStream`) share the exact causal
framing of :class:`senhance.models.Streamer` and agree within float tolerance.

Latency: offline and block processing output aligned samples. Every stage is causal except the
resamplers' short linear-phase filters; a live stream (``enhancer.stream(sample_rate=48000)``,
:func:`senhance.inference.streaming.realtime_stream`) has a fixed latency of 61.6 ms at 48 kHz and 79.9 ms at 44.1 kHz with
the default model (20 ms model window + 20 ms high-band window + the resamplers' context and pieces),
against 20 ms at 16 kHz.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from senhance.dsp import resample
from senhance.inference.resample_stream import ResampledStreamer
from senhance.models.ops import exponential_mean
from senhance.models.spectral import SpectralMaskModel
from senhance.models.streamer import Streamer
from senhance.shapes import pad_or_trim

_EPS = 1e-12


def high_band_edges(sample_rate: int, model_sample_rate: int, *, start: float = 0.8,
                    bands_per_octave: float = 2.0) -> list[float]:
    """Sub-band edges (Hz) of the high band: geometric from ``start`` x the model's Nyquist to the input's.

    >>> [round(f) for f in high_band_edges(48000, 16000)]
    [6400, 9051, 12800, 18102, 24000]
    """
    low, top = start * model_sample_rate / 2, sample_rate / 2
    if not low < top:
        raise ValueError(f"sample_rate={sample_rate}: no band above {low:g} Hz to extend")
    count = max(1, math.ceil(math.log2(top / low) * bands_per_octave - 1e-9))
    ratio = 2.0 ** (1.0 / bands_per_octave)
    edges = [low * ratio**k for k in range(count)] + [top]
    if len(edges) > 2 and edges[-1] / edges[-2] < 2.0 ** (0.25 / bands_per_octave):  # a sliver: merge it
        edges.pop(-2)
    return edges


class HighBandGain(SpectralMaskModel):
    """Frame-wise high-band gains at the input's rate; rows are ``[high; low; enhanced low]`` (groups of B/3).

    ``forward_frames`` returns in the first row group ``enhanced low + gain * high`` (the other two
    groups are zeros), so one synthesis gives the recombined output.

    Args:
        sample_rate: the input's rate (Hz).
        model_sample_rate: the enhancer's rate (Hz), below ``sample_rate``.
        frame_seconds: STFT window (hop = half of it).
        reference_band: fractions of the enhancer's Nyquist over which its gain is measured.
        bands_per_octave: resolution of the high-band gains.
        release_s: release time constant of the held enhancer gain.
        smooth_s: time constant of the high band's power smoothing.
        noise_rise_db_per_s: how fast the noise-floor estimate may rise.
        over_subtraction: factor on the noise floor in the Wiener-like gain.
        model_weight: exponent of the enhancer's gain in the geometric mean (0: own noise floor only).
        max_attenuation_db: the most the high band is attenuated.

    Shape:
        ``forward_frames(spec (3G, F, N), state)`` -> ``((3G, F, N), state)``.

    >>> stage = HighBandGain(sample_rate=48000, model_sample_rate=16000)
    >>> stage.n_fft, stage.hop_length, stage.latency_samples
    (960, 480, 960)
    """

    def __init__(self, *, sample_rate: int, model_sample_rate: int, frame_seconds: float = 0.02,
                 reference_band: tuple[float, float] = (0.6, 0.85), bands_per_octave: float = 2.0,
                 release_s: float = 0.05, smooth_s: float = 0.03, noise_rise_db_per_s: float = 3.0,
                 over_subtraction: float = 2.0, model_weight: float = 0.5, max_attenuation_db: float = 30.0):
        super().__init__()
        sample_rate, model_sample_rate = int(sample_rate), int(model_sample_rate)
        if not 0 < model_sample_rate < sample_rate:
            raise ValueError(f"model_sample_rate={model_sample_rate} must be in (0, sample_rate={sample_rate})")
        hop = max(1, round(frame_seconds * sample_rate / 2))
        self._setup_stft(sample_rate=sample_rate, n_fft=2 * hop, hop_length=hop)
        lo, hi = reference_band
        if not 0 < lo < hi <= 1:
            raise ValueError(f"reference_band={reference_band} must be fractions 0 < lo < hi <= 1 of the Nyquist")
        if not 0 <= model_weight <= 1:
            raise ValueError(f"model_weight={model_weight} must be inside [0, 1]")
        if over_subtraction <= 0 or release_s <= 0 or smooth_s <= 0:
            raise ValueError("over_subtraction, release_s and smooth_s must be positive")
        self.model_sample_rate = model_sample_rate
        freqs = torch.arange(self.n_freqs, dtype=torch.float64) * sample_rate / self.n_fft  # (F,)
        nyquist = model_sample_rate / 2
        top = (freqs >= lo * nyquist) & (freqs < hi * nyquist)
        if not bool(top.any()):
            raise ValueError(f"reference_band={reference_band}: no STFT bin at {sample_rate} Hz")
        whole = freqs < hi * nyquist
        self.register_buffer("reference", torch.stack([top, whole]).float(), persistent=False)  # (2, F)
        self.reference_bins = int(whole.sum())  # bins of the low band the gains look at
        edges = high_band_edges(sample_rate, model_sample_rate, bands_per_octave=bands_per_octave)
        band = torch.bucketize(freqs, torch.tensor(edges[1:-1], dtype=torch.float64), right=True)  # (F,)
        self.n_high_bands = len(edges) - 1
        self.register_buffer("band_of_bin", torch.nn.functional.one_hot(band, self.n_high_bands).float().T,
                             persistent=False)  # (K, F): every bin in one band (bins below edges[0] in band 0)
        frame_s = hop / sample_rate
        self.release = math.exp(-frame_s / release_s)
        self.smooth = math.exp(-frame_s / smooth_s)
        self.rise = 10.0 ** (noise_rise_db_per_s * frame_s / 10.0)
        self.over_subtraction, self.model_weight = float(over_subtraction), float(model_weight)
        self.min_power_gain = 10.0 ** (-max_attenuation_db / 10.0) if max_attenuation_db > 0 else 0.0

    def initial_state(self, batch_size: int) -> tuple[Tensor, ...]:
        """``(held enhancer power gain (G,), smoothed band power (G, K), noise floor (G, K))``, G = batch / 3."""
        if batch_size % 3:
            raise ValueError(f"batch_size={batch_size}: rows must be [high; low; enhanced low] groups")
        groups = batch_size // 3
        like = self.reference
        return (like.new_ones(groups), like.new_zeros(groups, self.n_high_bands),
                like.new_full((groups, self.n_high_bands), 1e10))

    def gains(self, high_power: Tensor, low_power: Tensor, enhanced_power: Tensor,
              state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Power gains per frame and high sub-band.

        Shape:
            high_power: ``(G, F, N)``; low_power, enhanced_power: ``(G, F', N)`` (the first F' bins,
            at least the reference bands); returns ``((G, K, N), new state)``.
        """
        held, smoothed, noise = state
        reference = self.reference[:, : low_power.shape[1]].to(low_power.dtype)  # (2, F'): top band, whole band
        ratio = (enhanced_power.transpose(1, 2) @ reference.T + _EPS) / (low_power.transpose(1, 2) @ reference.T + _EPS)
        ratio = ratio.amax(-1).clamp(0.0, 1.0)  # (G, N): the enhancer's power gain (top band or overall)
        band_power = self.band_of_bin.to(high_power.dtype) @ high_power  # (G, K, N)
        held_all, held = running_extreme(ratio, held, math.log(self.release), largest=True)  # peak hold + release
        smoothed_all, smoothed = exponential_mean(band_power, smoothed, self.smooth)  # (G, K, N)
        noise_all, noise = running_extreme(smoothed_all, noise, math.log(self.rise), largest=False)  # rising minimum
        own = (1.0 - self.over_subtraction * noise_all / (smoothed_all + _EPS)).clamp(self.min_power_gain, 1.0)
        model = held_all.clamp(min=self.min_power_gain).unsqueeze(1)  # (G, 1, N)
        gain = own ** (1.0 - self.model_weight) * model**self.model_weight
        return gain.clamp(self.min_power_gain, 1.0), (held, smoothed, noise)

    def forward_frames_real(self, spec: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        rows, freqs, frames, _ = spec.shape
        high, low, enhanced = spec.reshape(3, rows // 3, freqs, frames, 2).unbind(0)  # (G, F, N, 2) each
        used = self.reference_bins
        power_gain, state = self.gains(high.pow(2).sum(-1), low[:, :used].pow(2).sum(-1),
                                       enhanced[:, :used].pow(2).sum(-1), state)
        bin_gain = (power_gain.transpose(1, 2) @ self.band_of_bin.to(spec.dtype)).sqrt()  # (G, N, F)
        out = enhanced + high * bin_gain.transpose(1, 2).unsqueeze(-1)  # (G, F, N, 2)
        return torch.cat([out, torch.zeros_like(spec[rows // 3:])], dim=0), state

    def istft(self, spec: Tensor) -> Tensor:
        """Synthesis of the first row group only (the output); the other rows are zeros."""
        groups = spec.shape[0] // 3
        out = super().istft(spec[:groups])  # (G, L)
        return torch.cat([out, out.new_zeros(spec.shape[0] - groups, out.shape[-1])], dim=0)


def running_extreme(x: Tensor, init: Tensor, log_step: float, *, largest: bool,
                    chunk: int = 64) -> tuple[Tensor, Tensor]:
    """``y[t] = max(x[t], e^log_step * y[t-1])`` (or ``min`` when not ``largest``) along the last axis.

    A peak hold with exponential release (``log_step < 0``, max) or a minimum that may rise by a
    factor per step (``log_step > 0``, min), computed in the log domain with a cumulative max/min per
    chunk (exact in any chunking). ``x >= 0``; zeros are allowed.

    Shape:
        x: ``(..., N)``, init: ``(...)`` (``y[-1]``); returns ``((..., N), last (...))``.

    >>> y, last = running_extreme(torch.tensor([1.0, 0.0, 0.0, 0.5]), torch.tensor(0.0), math.log(0.5), largest=True)
    >>> y.tolist(), last.item()
    ([1.0, 0.5, 0.25, 0.5], 0.5)
    """
    logs = x.double().clamp(min=0.0).log()  # -inf for zeros
    last = init.double().clamp(min=0.0).log()
    extreme = torch.cummax if largest else torch.cummin
    pick = torch.maximum if largest else torch.minimum
    outputs = []
    for start in range(0, x.shape[-1], chunk):
        part = logs[..., start:start + chunk]
        steps = torch.arange(part.shape[-1], dtype=torch.float64, device=x.device) * log_step
        run = extreme(part - steps, dim=-1).values + steps
        out = pick(run, last.unsqueeze(-1) + steps + log_step)
        outputs.append(out)
        last = out[..., -1]
    result = torch.cat(outputs, dim=-1) if outputs else logs
    return result.exp().to(x.dtype), last.exp().to(init.dtype)


def _stack(x: Tensor, low: Tensor, enhanced: Tensor) -> Tensor:
    return torch.cat([x - low, low, enhanced], dim=0)  # (3C, n): [high; low; enhanced low]


def round_trip(x: Tensor, sample_rate: int, model_sample_rate: int) -> Tensor:
    """The crossover's low band: ``x`` resampled to ``model_sample_rate`` and back, same length."""
    return pad_or_trim(resample(resample(x, sample_rate, model_sample_rate), model_sample_rate, sample_rate),
                       x.shape[-1])


def band_split_enhance(enhance_low: Callable[[Tensor], Tensor], x: Tensor, sample_rate: int,
                       model_sample_rate: int, **options) -> Tensor:
    """Whole-signal band-split enhancement.

    Args:
        enhance_low: ``(C, T)`` at ``sample_rate`` -> the enhancer's output resampled back (its band only).
        x: ``(C, T)`` float32 at ``sample_rate``.
        sample_rate, model_sample_rate: input and enhancer rates; ``model_sample_rate < sample_rate``.
        **options: :class:`HighBandGain` settings.

    Shape:
        ``(C, T)`` -> ``(C, T)``.

    >>> x = 0.1 * torch.randn(2, 4800)
    >>> y = band_split_enhance(lambda s: round_trip(s, 48000, 16000), x, 48000, 16000,
    ...                        over_subtraction=1e-9, model_weight=0.0)  # unit gains: the input back
    >>> torch.allclose(y, x, atol=1e-5)
    True
    """
    stage = HighBandGain(sample_rate=sample_rate, model_sample_rate=model_sample_rate, **options).to(x.device)
    low = round_trip(x, sample_rate, model_sample_rate)
    enhanced = enhance_low(x).to(x.device, x.dtype)
    with torch.inference_mode():
        out = stage(_stack(x, low, enhanced).unsqueeze(0))[0]  # (3C, T)
    return out[: x.shape[0]]


class _Identity:
    """A streamer that returns what it is fed (for the crossover's round trip)."""

    def __init__(self):
        self.channels = None

    def feed(self, chunk: Tensor) -> Tensor:
        self.channels = chunk.shape[0]
        return chunk

    def flush(self) -> Tensor:
        return torch.zeros(self.channels or 0, 0)


class BandSplitStream:
    """Block-wise band-split enhancement; the concatenated output equals :func:`band_split_enhance`.

    ``low_stream`` enhances at the input's rate (e.g. a model's streamer behind
    :class:`~senhance.inference.resample_stream.ResampledStreamer`); the crossover's round trip runs
    through the same block-wise resampler, and :class:`HighBandGain` through
    :class:`senhance.models.Streamer`. Every output sample waits for the resamplers' pieces
    (``block_frames`` plus their filter context), the low stream's latency and one high-band window.

    Shape:
        ``feed((C, n)) -> (C, m)``; ``flush() -> (C, r)``; in total as many samples as were fed.
    """

    def __init__(self, low_stream, sample_rate: int, model_sample_rate: int, *, block_frames: int, **options):
        self.low = low_stream
        self.reference = ResampledStreamer(_Identity(), int(sample_rate), int(model_sample_rate),
                                         block_frames=block_frames)
        self.stage = HighBandGain(sample_rate=sample_rate, model_sample_rate=model_sample_rate, **options)
        self.high = Streamer(self.stage)
        self._parts: list[list[Tensor]] = [[], [], []]  # x, low, enhanced low not yet passed on
        self.channels: int | None = None

    def _push(self, x: Tensor, low: Tensor, enhanced: Tensor) -> None:
        for queue, part in zip(self._parts, (x, low, enhanced)):
            if part.shape[-1]:
                queue.append(part.to("cpu", torch.float32))

    def _pull(self) -> Tensor:
        queues = [torch.cat(q, dim=-1) if q else torch.zeros(self.channels, 0) for q in self._parts]
        n = min(q.shape[-1] for q in queues)
        self._parts = [[q[:, n:]] if q.shape[-1] > n else [] for q in queues]
        x, low, enhanced = (q[:, :n] for q in queues)
        return self.high.feed(_stack(x, low, enhanced))[: self.channels]

    def feed(self, chunk: Tensor) -> Tensor:
        self.channels = chunk.shape[0]
        chunk = chunk.to("cpu", torch.float32)
        self._push(chunk, self.reference.feed(chunk), self.low.feed(chunk))
        return self._pull()

    def flush(self) -> Tensor:
        if self.channels is None:
            raise ValueError("flush() before any feed(): nothing to process")
        self._push(torch.zeros(self.channels, 0), self.reference.flush(), self.low.flush())
        out = self._pull()
        if any(self._parts):
            raise RuntimeError("band split: the low-band streams returned different lengths")
        return torch.cat([out, self.high.flush()[: self.channels]], dim=-1)

