"""Training losses: ``loss(estimate, clean, *, noisy, lengths=None) -> scalar`` on ``(B, C, T)``."""
from senhance.losses.combine import WeightedSum
from senhance.losses.mask_mse import MaskMSELoss, mask_mse
from senhance.losses.sisdr import SISDRLoss, si_sdr
from senhance.losses.spectral import CompressedSpectralLoss, MultiResolutionSTFTLoss, compressed_spectral_loss, stft_loss

__all__ = [
    "CompressedSpectralLoss", "MaskMSELoss", "MultiResolutionSTFTLoss", "SISDRLoss", "WeightedSum",
    "compressed_spectral_loss", "mask_mse", "si_sdr", "stft_loss",
]
