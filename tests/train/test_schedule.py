import io
import math

import pytest
import torch

from senhance.train.schedule import WarmupDecay, build_scheduler, warmup_decay_factor


def test_warmup_then_cosine_hand_computed():
    # warm-up of 3 steps: 1/4, 2/4, 3/4, then cosine from 1 down to 0.1 over the 8 remaining steps
    got = [warmup_decay_factor(s, max_steps=11, warmup_steps=3, min_ratio=0.1) for s in range(12)]
    expected = [0.25, 0.5, 0.75] + [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * k / 8)) for k in range(9)]
    assert got == pytest.approx(expected, abs=1e-12)
    assert got[-1] == pytest.approx(0.1)
    assert warmup_decay_factor(50, max_steps=11, warmup_steps=3, min_ratio=0.1) == pytest.approx(0.1)


def test_linear_and_constant():
    assert warmup_decay_factor(5, max_steps=10, decay="linear") == pytest.approx(0.5)
    assert warmup_decay_factor(9, max_steps=10, decay="constant") == 1.0


def test_scheduler_drives_optimizer_lr_and_round_trips_weights_only():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=2.0)
    sched = build_scheduler(opt, max_steps=4, warmup_steps=1, decay="linear")
    lrs = []
    for _ in range(4):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([1.0, 2.0, 2 * (1 - 1 / 3), 2 * (1 - 2 / 3)])
    buffer = io.BytesIO()
    torch.save(sched.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    sched2 = build_scheduler(opt2, max_steps=4, warmup_steps=1, decay="linear")
    sched2.load_state_dict(state)
    assert sched2.get_last_lr() == pytest.approx(sched.get_last_lr())


@pytest.mark.parametrize("kwargs, word", [({"max_steps": 0}, "max_steps"), ({"max_steps": 5, "decay": "exp"}, "decay"),
                                          ({"max_steps": 5, "warmup_steps": -1}, "warmup_steps"),
                                          ({"max_steps": 5, "min_ratio": 2.0}, "min_ratio")])
def test_bad_arguments_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        WarmupDecay(**kwargs)
