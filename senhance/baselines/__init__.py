"""Baselines every learned model is compared against, behind the same :class:`~senhance.enhancer.Enhancer`.

Classical DSP (:data:`CLASSICAL`, what ``senhance.load("wiener")`` etc. build with no arguments):
``bandpass`` (:class:`BandPassEnhancer`), ``spectral_subtraction`` (:class:`SpectralSubtractionEnhancer`),
``wiener`` (:class:`WienerEnhancer`, MMSE-LSA). Linear regression fitted in closed form
(:class:`ClosedFormTrainer`): :class:`LinearTimeRegressor` (learned FIR Wiener filter) and
:class:`LinearSpectralRegressor` (per-bin log-magnitude regression); they are ``SerializableModule``s
packaged like any network and loaded with ``senhance.load(path)``.

>>> sorted(CLASSICAL)
['bandpass', 'spectral_subtraction', 'wiener']
"""
from senhance.baselines.bandpass import BandPassEnhancer, bandpass
from senhance.baselines.linear_spectral import LinearSpectralRegressor
from senhance.baselines.linear_time import LinearTimeRegressor
from senhance.baselines.noise_psd import track_noise_psd
from senhance.baselines.normal_equations import NormalEquations
from senhance.baselines.spectral_subtraction import SpectralSubtractionEnhancer, spectral_subtraction_gain
from senhance.baselines.trainer import ClosedFormTrainer
from senhance.baselines.wiener import WienerEnhancer, mmse_lsa_gain

CLASSICAL = {
    "bandpass": BandPassEnhancer,
    "spectral_subtraction": SpectralSubtractionEnhancer,
    "wiener": WienerEnhancer,
}

__all__ = ["CLASSICAL", "BandPassEnhancer", "bandpass", "SpectralSubtractionEnhancer", "spectral_subtraction_gain",
           "WienerEnhancer", "mmse_lsa_gain", "track_noise_psd", "NormalEquations", "LinearTimeRegressor",
           "LinearSpectralRegressor", "ClosedFormTrainer"]
