"""The spectral linear baseline: per-frequency linear regression on noisy log-magnitudes.

For every frequency bin ``f`` an independent linear regression predicts the target of frame ``n`` from
the noisy log-magnitudes ``log(|Y| + eps)`` of frames ``n - past .. n + lookahead`` and bins
``f - freq_context .. f + freq_context`` (edges replicated). The target is either a bounded magnitude
mask ``clip(|S| / |Y|, 0, max_gain)`` (``target="mask"``, the default) or the clean log-magnitude
``log(|S| + eps)`` (``target="log_magnitude"``, turned into a gain ``clip(exp(pred) / |Y|, 0, max_gain)``).
The enhanced signal is resynthesised with the noisy phase (``senhance.dsp.stft`` / ``istft``, Hann window).
The ``F`` regressions are fitted in closed form in one streaming pass (:class:`NormalEquations` with
``groups=(F,)``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from senhance.baselines.linear_time import _check_pair
from senhance.baselines.normal_equations import NormalEquations, add_statistics
from senhance.dsp import istft, stft
from senhance.models.base import SerializableModule

TARGETS = ("mask", "log_magnitude")


def context_features(logmag: Tensor, *, past: int, lookahead: int, freq_context: int) -> Tensor:
    """Stack each bin's time/frequency neighbourhood as features (edges replicated).

    Shape:
        logmag: ``(G, F, N)`` real; returns ``(G, F, N, D)`` with
        ``D = (2 * freq_context + 1) * (past + 1 + lookahead)``, ordered (bin offset, frame offset).

    >>> x = torch.arange(6.0).reshape(1, 2, 3)  # 2 bins, 3 frames
    >>> context_features(x, past=1, lookahead=0, freq_context=0)[0, 1].tolist()
    [[3.0, 3.0], [3.0, 4.0], [4.0, 5.0]]
    """
    padded = F.pad(logmag.unsqueeze(1), (past, lookahead, freq_context, freq_context), mode="replicate")  # (G, 1, F', N')
    windows = padded.unfold(2, 2 * freq_context + 1, 1).unfold(3, past + 1 + lookahead, 1)  # (G, 1, F, N, Wf, Wt)
    g, _, f, n, wf, wt = windows.shape
    return windows.reshape(g, f, n, wf * wt)  # (G, F, N, D)


class LinearSpectralRegressor(SerializableModule):
    """Per-bin linear regression from noisy log-magnitude context to a mask, ``(B, C, T) -> (B, C, T)``.

    Args:
        sample_rate: the rate it is trained and applied at.
        n_fft, hop_length: STFT frame and hop (default 512 / 128: 32 ms / 8 ms at 16 kHz).
        past, lookahead: context frames before / after the current one (default 2 / 2; ``lookahead=0``
            makes the frame decision causal).
        freq_context: neighbouring bins on each side used as features (default 1).
        target: ``"mask"`` or ``"log_magnitude"`` (see the module docstring).
        max_gain: upper bound of the applied gain (1.0: never amplify).
        eps: added to magnitudes before the log.

    Attributes:
        latency_samples: ``n_fft + lookahead * hop_length`` (frame plus lookahead frames).

    >>> model = LinearSpectralRegressor(n_fft=64, hop_length=16)
    >>> model(torch.randn(2, 1, 500)).shape
    torch.Size([2, 1, 500])
    """

    def __init__(self, *, sample_rate: int = 16000, n_fft: int = 512, hop_length: int = 128, past: int = 2,
                 lookahead: int = 2, freq_context: int = 1, target: str = "mask", max_gain: float = 1.0,
                 eps: float = 1e-4):
        super().__init__()
        if int(sample_rate) <= 0:
            raise ValueError(f"sample_rate={sample_rate} must be positive")
        if int(n_fft) < 4 or not 0 < int(hop_length) <= int(n_fft) // 2:
            raise ValueError(f"n_fft={n_fft}, hop_length={hop_length}: need n_fft >= 4 and 0 < hop_length <= n_fft / 2")
        if min(int(past), int(lookahead), int(freq_context)) < 0:
            raise ValueError(f"past={past}, lookahead={lookahead}, freq_context={freq_context} must be >= 0")
        if target not in TARGETS:
            raise ValueError(f"target={target!r} must be one of {TARGETS}")
        if max_gain <= 0 or eps <= 0:
            raise ValueError(f"max_gain={max_gain} and eps={eps} must be positive")
        self.sample_rate, self.n_fft, self.hop_length = int(sample_rate), int(n_fft), int(hop_length)
        self.past, self.lookahead, self.freq_context = int(past), int(lookahead), int(freq_context)
        self.target, self.max_gain, self.eps = target, float(max_gain), float(eps)
        self.latency_samples = self.n_fft + self.lookahead * self.hop_length
        self.num_bins = self.n_fft // 2 + 1
        self.num_features = (2 * self.freq_context + 1) * (self.past + 1 + self.lookahead)
        # unfitted model = pass-through (mask target: gain bias 1; log target: copy the current bin)
        weight = torch.zeros(self.num_bins, self.num_features)
        bias = torch.zeros(self.num_bins)
        if target == "mask":
            bias.fill_(1.0)
        else:
            weight[:, self.freq_context * (self.past + 1 + self.lookahead) + self.past] = 1.0
        self.register_buffer("weight", weight)
        self.register_buffer("bias", bias)
        self.register_buffer("window", torch.hann_window(self.n_fft, periodic=True), persistent=False)

    def _stft(self, audio: Tensor) -> Tensor:
        return stft(audio, n_fft=self.n_fft, hop_length=self.hop_length, window=self.window)  # (G, F, N)

    def gain(self, magnitude: Tensor, *, chunk_frames: int = 2048) -> Tensor:
        """The predicted real gain ``(G, F, N)`` from the noisy magnitude ``(G, F, N)``.

        Frames are processed ``chunk_frames`` at a time (with their context), so memory stays
        bounded on long inputs; the result does not depend on ``chunk_frames``.
        """
        logmag = torch.log(magnitude + self.eps)
        frames = logmag.shape[-1]
        padded = F.pad(logmag, (self.past, self.lookahead), mode="replicate")  # (G, F, N + past + lookahead)
        pieces = []
        for start in range(0, frames, chunk_frames):
            stop = min(start + chunk_frames, frames)
            window = padded[..., start:stop + self.past + self.lookahead]  # context frames included
            feats = context_features(window, past=0, lookahead=self.past + self.lookahead,
                                     freq_context=self.freq_context)[..., : stop - start, :]  # (G, F, n, D)
            pieces.append(torch.einsum("gfnd,fd->gfn", feats, self.weight.to(feats.dtype)))
        pred = torch.cat(pieces, dim=-1) + self.bias[:, None].to(logmag.dtype)  # (G, F, N)
        if self.target == "log_magnitude":
            pred = torch.exp(pred.clamp(max=30.0)) / (magnitude + 1e-12)
        return pred.clamp(0.0, self.max_gain)

    def forward(self, noisy: Tensor) -> Tensor:
        """Shape: ``(B, C, T)`` -> ``(B, C, T)``."""
        if noisy.dim() != 3:
            raise ValueError(f"noisy: expected (B, C, T), got shape {tuple(noisy.shape)}")
        b, c, length = noisy.shape
        audio = noisy.reshape(b * c, length)  # (G, T)
        if length < self.n_fft:
            audio = F.pad(audio, (0, self.n_fft - length))
        spec = self._stft(audio)  # (G, F, N)
        out = istft(spec * self.gain(spec.abs()), n_fft=self.n_fft, hop_length=self.hop_length,
                    window=self.window, length=audio.shape[-1])  # (G, T')
        return out[:, :length].reshape(b, c, length)

    def new_statistics(self) -> NormalEquations:
        """An empty accumulator: ``num_bins`` independent regressions of ``num_features`` features."""
        return NormalEquations(num_features=self.num_features, num_targets=1, groups=(self.num_bins,))

    def accumulate(self, acc: NormalEquations, noisy: Tensor, clean: Tensor, lengths: Tensor | None = None) -> None:
        """Add a padded batch (``(B, C, T)``, valid samples ``lengths (B,)``) to ``acc``.

        Adds exactly the rows ``context_features(...)`` would give, but computes ``X^T X`` from products
        of time-lagged rows of pairs of bins (``(2 * freq_context + 1)`` times less work and memory than
        materialising the features).
        """
        _check_pair(noisy, clean)
        for b in range(noisy.shape[0]):
            valid = noisy.shape[-1] if lengths is None else int(lengths[b])
            if valid < self.n_fft:
                continue  # shorter than one frame: nothing to learn from
            mag_noisy = self._stft(noisy[b, :, :valid]).abs().double()  # (C, F, N)
            mag_clean = self._stft(clean[b, :, :valid]).abs().double()
            if self.target == "mask":
                target = (mag_clean / (mag_noisy + 1e-12)).clamp(0.0, self.max_gain)
            else:
                target = torch.log(mag_clean + self.eps)
            add_statistics(acc, **self._band_statistics(torch.log(mag_noisy + self.eps), target))

    def _band_statistics(self, logmag: Tensor, target: Tensor) -> dict:
        """Sufficient statistics of the per-bin regressions for features of ``logmag (C, F, N)``."""
        wf, wt, bins = 2 * self.freq_context + 1, self.past + 1 + self.lookahead, self.num_bins
        padded = F.pad(logmag.unsqueeze(1), (self.past, self.lookahead, self.freq_context, self.freq_context),
                       mode="replicate").squeeze(1)  # (C, F', N')
        lagged = padded.unfold(-1, wt, 1)  # (C, F', N, Wt): lagged[c, f', n, j] = padded[c, f', n + j]
        lagged = lagged.permute(1, 0, 2, 3).reshape(padded.shape[1], -1, wt)  # (F', R, Wt), rows R = (c, n)
        y = target.permute(1, 0, 2).reshape(bins, -1, 1)  # (F, R, 1)
        # products[d][f'] = lagged[f']^T lagged[f' + d]: feature blocks of bins f' and f' + d
        products = [lagged[: lagged.shape[0] - d].transpose(1, 2) @ lagged[d:] for d in range(wf)]
        xtx = torch.empty(bins, wf, wt, wf, wt, dtype=torch.float64)
        for a in range(wf):
            for c in range(wf):
                if c >= a:
                    xtx[:, a, :, c, :] = products[c - a][a:a + bins]
                else:
                    xtx[:, a, :, c, :] = products[a - c][c:c + bins].transpose(1, 2)
        sums = lagged.sum(1)  # (F', Wt)
        xty = torch.stack([lagged[a:a + bins].transpose(1, 2) @ y for a in range(wf)], 1)  # (F, Wf, Wt, 1)
        return dict(count=y.shape[1], sum_x=torch.stack([sums[a:a + bins] for a in range(wf)], 1).reshape(bins, -1),
                    sum_y=y.sum(1), xtx=xtx.reshape(bins, wf * wt, wf * wt), xty=xty.reshape(bins, wf * wt, 1))

    def set_solution(self, weight: Tensor, bias: Tensor) -> None:
        """Load ``NormalEquations.solve()`` output (``(F, D, 1)``, ``(F, 1)``)."""
        self.weight.copy_(weight.reshape(self.num_bins, self.num_features).to(self.weight.dtype))
        self.bias.copy_(bias.reshape(self.num_bins).to(self.bias.dtype))
