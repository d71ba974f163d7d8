"""Gradient clipping in the Solver: one plain-SGD step (lr 0.5, no momentum, constant schedule) must move
the parameters by exactly ``-lr * g * min(1, grad_clip / ||g||)``, where ``g`` is the gradient computed
here, independently, with torch.autograd on a copy of the initial model and the same batch."""
import copy
import math

import pytest
import torch

from _train_support import MaskedMse
from senhance.data.collate import pad_collate

LR = 0.5


@pytest.mark.parametrize("grad_clip", [1e-3, 0.0])
def test_one_sgd_step_applies_the_clipped_global_gradient(make_solver, grad_clip):
    batches = []

    def recording_collate(items):
        batch = pad_collate(items)
        batches.append(batch)
        return batch

    solver = make_solver(optimizer=lambda params: torch.optim.SGD(params, lr=LR), grad_clip=grad_clip, max_steps=1,
                         warmup_steps=0, decay="constant", validate_every=100, collate_fn=recording_collate)
    initial = copy.deepcopy(solver.model)
    solver.run()
    batch = batches[0]

    initial.train()
    loss = MaskedMse()(initial(batch["noisy"]), batch["clean"], lengths=batch.get("lengths"))
    names = [n for n, p in initial.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, [dict(initial.named_parameters())[n] for n in names], allow_unused=True)
    grads = [torch.zeros_like(dict(initial.named_parameters())[n]) if g is None else g for n, g in zip(names, grads)]
    norm = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))
    scale = min(1.0, grad_clip / norm) if grad_clip > 0 else 1.0
    assert norm > 10 * 1e-3  # the tiny limit really clips

    trained = dict(solver.model.named_parameters())
    before = dict(initial.named_parameters())
    deltas = [(before[n] - trained[n]).detach() for n in names]
    for name, delta, grad in zip(names, deltas, grads):
        torch.testing.assert_close(delta, LR * scale * grad, rtol=1e-3, atol=1e-7, msg=name)
    step_norm = math.sqrt(sum(float(d.double().pow(2).sum()) for d in deltas))
    expected = LR * (grad_clip if grad_clip > 0 else norm)
    assert step_norm == pytest.approx(expected, rel=1e-3)
    logged = solver.history["train"][0]["grad_norm"]  # the pre-clipping norm, as clip_grad_norm_ returns it
    assert logged == pytest.approx(norm, rel=1e-4)
