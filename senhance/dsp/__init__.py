"""Differentiable DSP front-end (imports nothing else from senhance)."""
from senhance.dsp.design import butter, buttord
from senhance.dsp.filtering import ButterworthFilter, SosFilter, sosfilt, sosfilt_lfilter, sosfilt_zi, sosfiltfilt
from senhance.dsp.emphasis import DeEmphasis, PreEmphasis, deemphasis, preemphasis
from senhance.dsp.resample import Resample, resample
from senhance.dsp.spectral import Istft, Stft, istft, log_magnitude, magnitude, make_window, stft
from senhance.dsp.spectrogram import spectrogram_db
from senhance.dsp.level import NormalizePeak, NormalizeRms, TrimSilence, normalize_peak, normalize_rms, trim_silence

__all__ = [
    "butter", "buttord", "sosfilt", "sosfilt_lfilter", "sosfilt_zi", "sosfiltfilt", "SosFilter", "ButterworthFilter",
    "preemphasis", "deemphasis", "PreEmphasis", "DeEmphasis", "resample", "Resample",
    "stft", "istft", "Stft", "Istft", "magnitude", "log_magnitude", "make_window", "spectrogram_db", "normalize_peak", "normalize_rms", "trim_silence",
    "NormalizePeak", "NormalizeRms", "TrimSilence",
]
