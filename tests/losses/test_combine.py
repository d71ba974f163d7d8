"""WeightedSum and the loss configs."""
from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from senhance.losses import CompressedSpectralLoss, MultiResolutionSTFTLoss, SISDRLoss, WeightedSum

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "loss"


def test_weighted_sum_equals_the_weighted_terms():
    clean = torch.randn(2, 1, 3000)
    estimate = clean + 0.2 * torch.randn_like(clean)
    loss = WeightedSum(losses={"a": SISDRLoss(), "b": MultiResolutionSTFTLoss()}, weights={"a": 0.1})
    expected = 0.1 * SISDRLoss()(estimate, clean) + 1.0 * MultiResolutionSTFTLoss()(estimate, clean)
    torch.testing.assert_close(loss(estimate, clean, noisy=clean), expected)
    assert set(loss.last_values) == {"a", "b"}
    with pytest.raises(ValueError, match="weights"):
        WeightedSum(losses={"a": SISDRLoss()}, weights={"typo": 1.0})


@pytest.mark.parametrize("name", ["default", "si_sdr", "mrstft", "compressed", "mask_mse"])
def test_every_loss_config_builds_and_trains(name):
    loss = instantiate(OmegaConf.load(CONFIGS / f"{name}.yaml"))
    clean = torch.randn(2, 1, 3200)
    noisy = clean + 0.5 * torch.randn_like(clean)
    estimate = noisy.clone().requires_grad_(True)
    value = loss(estimate, clean, noisy=noisy, lengths=torch.tensor([3200, 2000]))
    value.backward()
    assert value.dim() == 0 and torch.isfinite(value) and estimate.grad.abs().sum() > 0


def test_default_loss_is_the_recommended_combination():
    loss = instantiate(OmegaConf.load(CONFIGS / "default.yaml"))
    assert isinstance(loss, WeightedSum)
    assert isinstance(loss.losses["compressed"], CompressedSpectralLoss) and isinstance(loss.losses["si_sdr"], SISDRLoss)
