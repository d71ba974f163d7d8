import pytest
import torch

from senhance.train.ema import ModelEma


def test_ema_follows_hand_computed_average():
    net = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)
    ema = ModelEma(net, decay=0.5)
    expected = 1.0
    for n, value in enumerate([3.0, -1.0, 5.0, 2.0]):
        with torch.no_grad():
            net.weight.fill_(value)
        ema.update(net)
        decay = min(0.5, (1 + n) / (10 + n))  # 0.1, 0.1818.., 0.25, 0.3077..
        expected = decay * expected + (1 - decay) * value
        assert float(ema.module.weight) == pytest.approx(expected, rel=1e-6)
    # the shadow is a frozen copy: training the model does not move it
    assert not ema.module.weight.requires_grad


def test_ema_state_round_trip_and_bad_decay():
    net = torch.nn.Linear(2, 2)
    ema = ModelEma(net, decay=0.9)
    ema.update(net)
    other = ModelEma(torch.nn.Linear(2, 2), decay=0.5)
    other.load_state_dict(ema.state_dict())
    assert other.num_updates == 1 and other.decay == 0.9
    assert torch.equal(other.module.weight, ema.module.weight)
    with pytest.raises(ValueError, match="ema_decay"):
        ModelEma(net, decay=1.5)
