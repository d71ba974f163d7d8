"""Finite-difference check of the gradients the Solver relies on (tiny model + loss, float64)."""
import torch

from _train_support import MaskedMse, tiny_model


def test_model_and_loss_gradient_matches_central_differences():
    torch.manual_seed(0)
    model = tiny_model().double()
    noisy = torch.randn(1, 1, 1600, dtype=torch.float64) * 0.1
    clean = torch.randn(1, 1, 1600, dtype=torch.float64) * 0.1
    loss_fn = MaskedMse()
    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(model(noisy), clean)
    grads = torch.autograd.grad(loss, params)
    direction = [torch.randn_like(p) for p in params]
    analytic = sum((g * d).sum() for g, d in zip(grads, direction))
    eps = 1e-6

    def shifted(sign):
        with torch.no_grad():
            for p, d in zip(params, direction):
                p.add_(sign * eps * d)
            value = loss_fn(model(noisy), clean)
            for p, d in zip(params, direction):
                p.sub_(sign * eps * d)
        return value

    numeric = (shifted(1) - shifted(-1)) / (2 * eps)
    assert torch.allclose(analytic, numeric, rtol=1e-4, atol=1e-10), (float(analytic), float(numeric))
