"""BandFilterNet: the default causal, phase-aware enhancement network (< 1 M parameters).

Per 20 ms frame (n_fft 320, hop 160 at 16 kHz):

1. features: log power in ERB bands, minus its causal running mean; and the complex
   spectrum of the lowest ``df_bins`` bins divided by its causal running mean magnitude;
2. encoder: a causal 3x3 conv over (time, band) on each feature, a strided conv that
   pools the low-band map, a linear embedding and a stack of GRU layers;
3. two heads: ERB gains in [0, 1] (sigmoid) expanded to every bin, and a deep filter of
   ``df_order`` complex taps over the current and past frames for the low bins, applied
   on top of the gains (initialised to the identity), which corrects phase there;
4. an attenuation limit: no bin leaves more than ``max_attenuation_db`` below its input;
5. optionally, a lookahead of ``lookahead_frames`` frames: the gains and filter computed at
   frame ``n`` apply to frame ``n - lookahead_frames`` (held in the state), so the network hears
   that much future at the price of ``lookahead_frames`` hops of latency (DeepFilterNet3: 2).

Everything that carries over between frames (two running means, two conv histories,
the GRU hidden state, the deep-filter history, and with a lookahead the frames still
waiting for their gains) is in the state tuple.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from senhance.models.erb import erb_band_matrix
from senhance.models.frontend import LearnableFrontEnd, complex_mul
from senhance.models.ops import causal_context, deep_filter, exponential_mean, limit_attenuation
from senhance.models.spectral import SpectralMaskModel

_LOG_EPS = 1e-10
_MAG_EPS = 1e-4
_INIT_LOG_POWER_DB = -20.0  # roughly white noise at -40 dBFS in a 320-point sqrt-Hann frame
_INIT_MAGNITUDE = 0.1
_TIME_KERNEL = 3


class BandFilterNet(SpectralMaskModel):
    """ERB-gain + low-band deep-filter network; ``forward(noisy (B, C, T)) -> estimate (B, C, T)``.

    Args:
        sample_rate: the audio rate the model works at.
        n_fft: STFT size (window length); the algorithmic latency.
        hop_length: frame shift, ``n_fft // 2``.
        n_bands: number of ERB bands of the gain head.
        df_bins: number of low bins that are deep-filtered (and fed as complex features).
        df_order: deep-filter taps (current + ``df_order - 1`` past frames).
        conv_channels: channels of the causal input convolutions.
        hidden_size: GRU width.
        num_layers: GRU depth.
        max_attenuation_db: the most any bin is attenuated (``0`` or less: no limit).
        norm_tau_s: time constant of the causal running feature normalisation.
        preemphasis: initial learnable pre-emphasis coefficient of the feature path (``None``: off).
        highpass_hz: initial learnable Butterworth high-pass cut-off of the feature path (``None``: off).
        highpass_order: order of that high-pass.
        lookahead_frames: future frames the network sees before a frame is released (adds
            ``lookahead_frames * hop_length`` samples of latency; 0: causal at one window).

    Shape:
        noisy: ``(B, C, T)``; returns ``(B, C, T)``.

    >>> model = BandFilterNet(hidden_size=16, num_layers=1, conv_channels=4)
    >>> model(torch.randn(2, 1, 1001)).shape
    torch.Size([2, 1, 1001])
    """

    def __init__(
        self,
        *,
        sample_rate: int = 16000,
        n_fft: int = 320,
        hop_length: int = 160,
        n_bands: int = 32,
        df_bins: int = 96,
        df_order: int = 3,
        conv_channels: int = 16,
        hidden_size: int = 192,
        num_layers: int = 2,
        max_attenuation_db: float = 35.0,
        norm_tau_s: float = 1.0,
        preemphasis: float | None = None,
        highpass_hz: float | None = None,
        highpass_order: int = 2,
        lookahead_frames: int = 0,
    ):
        super().__init__()
        self._setup_stft(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length)
        for name, value, low in (
            ("n_bands", n_bands, 1), ("df_bins", df_bins, 3), ("df_order", df_order, 1),
            ("conv_channels", conv_channels, 1), ("hidden_size", hidden_size, 1), ("num_layers", num_layers, 1),
            ("lookahead_frames", lookahead_frames, 0),
        ):
            if int(value) != value or value < low:
                raise ValueError(f"{name}={value} must be an integer >= {low}")
        if df_bins > self.n_freqs:
            raise ValueError(f"df_bins={df_bins} must be <= n_fft // 2 + 1 = {self.n_freqs}")
        if norm_tau_s <= 0:
            raise ValueError(f"norm_tau_s={norm_tau_s} must be positive")
        self.n_bands, self.df_bins, self.df_order = n_bands, df_bins, df_order
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.lookahead_frames = int(lookahead_frames)
        self.alpha = math.exp(-self.hop_length / (self.sample_rate * norm_tau_s))
        self.min_gain = 10.0 ** (-max_attenuation_db / 20.0) if max_attenuation_db > 0 else 0.0

        bands = erb_band_matrix(n_freqs=self.n_freqs, sample_rate=self.sample_rate, n_bands=n_bands)
        self.register_buffer("band_pool", bands / bands.sum(1, keepdim=True), persistent=False)  # (E, F)
        self.register_buffer("band_expand", bands, persistent=False)  # (E, F)
        identity = torch.zeros(1, df_order, 1, 1, 2)
        identity[0, 0, 0, 0, 0] = 1.0
        self.register_buffer("df_identity", identity, persistent=False)  # (1, K, 1, 1, 2)

        self.erb_conv = nn.Conv2d(1, conv_channels, (_TIME_KERNEL, 3), padding=(0, 1))
        self.df_conv = nn.Conv2d(2, conv_channels, (_TIME_KERNEL, 3), padding=(0, 1))
        self.df_pool = nn.Conv2d(conv_channels, conv_channels, (1, 3), stride=(1, 3))
        pooled = (df_bins - 3) // 3 + 1
        self.embed = nn.Linear(conv_channels * (n_bands + pooled), hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.gain_head = nn.Linear(hidden_size, n_bands)
        self.df_head = nn.Linear(hidden_size, df_order * df_bins * 2)
        self.activation = nn.ELU()
        self.frontend = LearnableFrontEnd(
            n_fft=self.n_fft, sample_rate=self.sample_rate, preemphasis=preemphasis,
            highpass_hz=highpass_hz, highpass_order=highpass_order,
        )
        with torch.no_grad():
            self.gain_head.bias.fill_(2.0)  # start close to pass-through (gain ~0.9)
            nn.init.normal_(self.df_head.weight, std=0.01)
            self.df_head.bias.zero_()

    def initial_state(self, batch_size: int) -> tuple[Tensor, ...]:
        """``(band mean, magnitude mean, band conv history, low-band conv history, GRU hidden, DF history)``,
        then, with a lookahead, the input frames waiting for their gains.

        Shape:
            ``(B, E)``, ``(B, Fd)``, ``(B, 1, 2, E)``, ``(B, 2, 2, Fd)``, ``(layers, B, H)``, ``(B, Fd, K - 1, 2)``
            [, ``(B, F, lookahead_frames, 2)``].
        """
        like = self.band_pool
        history = _TIME_KERNEL - 1
        state = (
            like.new_full((batch_size, self.n_bands), _INIT_LOG_POWER_DB),
            like.new_full((batch_size, self.df_bins), _INIT_MAGNITUDE),
            like.new_zeros(batch_size, 1, history, self.n_bands),
            like.new_zeros(batch_size, 2, history, self.df_bins),
            like.new_zeros(self.num_layers, batch_size, self.hidden_size),
            like.new_zeros(batch_size, self.df_bins, self.df_order - 1, 2),
        )
        if self.lookahead_frames:
            state += (like.new_zeros(batch_size, self.n_freqs, self.lookahead_frames, 2),)
        return state

    def forward_frames_real(self, spec: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Enhance ``N`` frames given as real/imaginary pairs.

        Shape:
            spec: ``(B, F, N, 2)``; returns ``((B, F, N, 2), new state)``.
        """
        band_mean, mag_mean, band_hist, low_hist, hidden, df_hist = state[:6]
        batch, _, frames, _ = spec.shape
        low_bins = self.df_bins

        # features (seen through the optional learnable front-end)
        feat_spec = spec
        if self.frontend.enabled:
            feat_spec = complex_mul(spec, self.frontend().to(spec.dtype).unsqueeze(1))  # (B, F, N, 2)
        feat_power = feat_spec.pow(2).sum(-1)  # (B, F, N)
        log_power = 10.0 * torch.log10(torch.matmul(self.band_pool, feat_power) + _LOG_EPS)  # (B, E, N)
        means, band_mean = exponential_mean(log_power, band_mean, self.alpha)
        band_feat = ((log_power - means) / 40.0).transpose(1, 2).unsqueeze(1)  # (B, 1, N, E)
        magnitude = (feat_power[:, :low_bins] + _LOG_EPS).sqrt()  # (B, Fd, N)
        mag_means, mag_mean = exponential_mean(magnitude, mag_mean, self.alpha)
        low_feat = feat_spec[:, :low_bins] / (mag_means.unsqueeze(-1) + _MAG_EPS)  # (B, Fd, N, 2)
        low_feat = low_feat.permute(0, 3, 2, 1)  # (B, 2, N, Fd)

        # encoder
        band_in, band_hist = causal_context(band_feat, band_hist)  # (B, 1, N + 2, E)
        low_in, low_hist = causal_context(low_feat, low_hist)  # (B, 2, N + 2, Fd)
        band_map = self.activation(self.erb_conv(band_in))  # (B, Cc, N, E)
        low_map = self.activation(self.df_pool(self.activation(self.df_conv(low_in))))  # (B, Cc, N, Fd/3)
        joint = torch.cat([band_map.transpose(1, 2).flatten(2), low_map.transpose(1, 2).flatten(2)], dim=-1)
        embedded = self.activation(self.embed(joint))  # (B, N, H)
        recurrent, hidden = self.gru(embedded, hidden)  # (B, N, H)

        # heads: they act on the frames ``lookahead_frames`` behind the newest ones
        waiting = ()
        if self.lookahead_frames:
            spec, pending = causal_context(spec, state[6])  # (B, F, L + N, 2)
            spec, waiting = spec[:, :, :frames], (pending,)  # (B, F, N, 2); the newest L wait
        gains = torch.sigmoid(self.gain_head(recurrent))  # (B, N, E)
        bin_gains = torch.matmul(gains, self.band_expand).transpose(1, 2)  # (B, F, N)
        gained = spec * bin_gains.unsqueeze(-1)  # (B, F, N, 2)
        coefs = torch.tanh(self.df_head(recurrent))  # (B, N, K * Fd * 2)
        coefs = coefs.reshape(batch, frames, self.df_order, low_bins, 2).permute(0, 2, 3, 1, 4)  # (B, K, Fd, N, 2)
        low_in_spec, df_hist = causal_context(gained[:, :low_bins], df_hist)  # (B, Fd, K - 1 + N, 2)
        low_out = deep_filter(low_in_spec, coefs + self.df_identity)  # (B, Fd, N, 2)
        out = torch.cat([low_out, gained[:, low_bins:]], dim=1)  # (B, F, N, 2)

        if self.min_gain > 0:
            out = limit_attenuation(out, spec, self.min_gain)
        return out, (band_mean, mag_mean, band_hist, low_hist, hidden, df_hist) + waiting
