"""BandFilterNet: shapes, causality, reconstruction, gradients, parameter budget."""
import numpy as np
import pytest
import torch
from torch.func import functional_call

from senhance.models import BandFilterNet

SMALL = dict(hidden_size=16, num_layers=1, conv_channels=4)
TINY = dict(n_fft=32, hop_length=16, n_bands=4, df_bins=6, conv_channels=2, hidden_size=4, num_layers=1)


def _pass_through(model):
    """Weights that make every gain 1 and the deep filter the identity."""
    with torch.no_grad():
        model.gain_head.weight.zero_()
        model.gain_head.bias.fill_(60.0)
        model.df_head.weight.zero_()
        model.df_head.bias.zero_()
    return model


@pytest.mark.parametrize("length", [1, 159, 161, 321, 1001])
def test_output_length_equals_input_length(length):
    model = BandFilterNet(**SMALL).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 1, length))
    assert out.shape == (2, 1, length)
    assert torch.isfinite(out).all()


def test_channels_and_batch_items_are_independent():
    model = BandFilterNet(**SMALL).eval()
    x = torch.randn(2, 3, 800)
    with torch.no_grad():
        together = model(x)
        for b in range(2):
            for c in range(3):
                alone = model(x[b : b + 1, c : c + 1])
                torch.testing.assert_close(together[b, c], alone[0, 0], atol=1e-5, rtol=1e-5)


def test_pass_through_weights_reconstruct_the_input():
    # sqrt-Hann analysis + synthesis at 50 % overlap is a perfect-reconstruction pair (w^2 sums to 1)
    model = _pass_through(BandFilterNet(**SMALL)).eval()
    x = torch.randn(1, 2, 2001, dtype=torch.float64)
    with torch.no_grad():
        out = model.double()(x)
    np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-9)


@pytest.mark.parametrize("lookahead", [1, 2])
def test_pass_through_with_lookahead_returns_the_input_aligned(lookahead):
    # the lookahead delays the gains internally; forward() must still return sample t at t
    model = _pass_through(BandFilterNet(**SMALL, lookahead_frames=lookahead)).eval()
    x = torch.randn(1, 1, 1777, dtype=torch.float64)
    with torch.no_grad():
        out = model.double()(x)
    np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-9)


@pytest.mark.parametrize("lookahead", [0, 1, 2])
def test_lookahead_hears_exactly_its_frames_of_future(lookahead):
    # n_fft 320, hop 160; input sample 1600 first enters frame 10 (padded samples 1600..1919, i.e. input
    # 1440..1759 after the 160 leading zeros). Frame 10 is synthesised at padded positions 1601.. (the
    # sqrt-Hann window is 0 at its first sample), and a lookahead of k frames shifts that by k hops
    # earlier in the output: the first output sample a change at 1600 reaches is 1441 - 160 k.
    model = BandFilterNet(**SMALL, lookahead_frames=lookahead).eval()
    x = torch.randn(1, 1, 3200)
    y = x.clone()
    y[..., 1600:] += torch.randn(1600)
    with torch.no_grad():
        changed = (model(x) - model(y)).abs()[0, 0] > 1e-6
    first = int(torch.nonzero(changed)[0])
    assert first == 1441 - 160 * lookahead
    assert first >= 1600 - model.latency_samples + 1  # never further ahead than the declared latency


def test_attenuation_is_limited_to_max_attenuation_db():
    model = BandFilterNet(**SMALL, max_attenuation_db=30.0).eval()
    with torch.no_grad():
        model.gain_head.weight.zero_()
        model.gain_head.bias.fill_(-60.0)  # the network asks for silence everywhere
    x = torch.randn(1, 1, 1600)
    with torch.no_grad():
        out = model(x)
    # every bin is floored at -30 dB with the input's phase: the output is the input scaled by 10^(-30/20)
    np.testing.assert_allclose(out.numpy(), 10 ** (-30 / 20) * x.numpy(), atol=1e-6)


@pytest.mark.parametrize("start", [960, 1001])
def test_causal_within_one_window(start):
    model = BandFilterNet(**SMALL).eval()
    x = torch.randn(1, 1, 2400)
    y = x.clone()
    y[..., start:] += torch.randn(2400 - start)
    with torch.no_grad():
        a, b = model(x), model(y)
    safe = start - model.latency_samples + 1  # output t may look at most latency_samples - 1 ahead
    torch.testing.assert_close(a[..., :safe], b[..., :safe], atol=1e-6, rtol=0)
    assert (a[..., start:] - b[..., start:]).abs().max() > 1e-3  # the perturbation does reach the output


@pytest.mark.parametrize("lookahead", [0, 2])
def test_forward_frames_in_chunks_equals_one_call(lookahead):
    model = BandFilterNet(**SMALL, lookahead_frames=lookahead).eval()
    spec = torch.randn(2, 161, 23, dtype=torch.complex64)
    with torch.no_grad():
        whole, _ = model.forward_frames(spec, model.initial_state(2))
        state = model.initial_state(2)
        parts = []
        for start, stop in [(0, 1), (1, 8), (8, 9), (9, 23)]:
            part, state = model.forward_frames(spec[..., start:stop], state)
            parts.append(part)
    torch.testing.assert_close(torch.cat(parts, dim=-1), whole, atol=1e-5, rtol=1e-5)


def test_gradcheck_tiny_model_float64():
    torch.manual_seed(0)
    model = BandFilterNet(**TINY).double()
    x = torch.randn(1, 1, 40, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda inp: model(inp), (x,), eps=1e-6, atol=1e-5, fast_mode=True)
    weight = model.embed.weight.detach().clone().requires_grad_(True)
    inp = x.detach()
    assert torch.autograd.gradcheck(
        lambda w: functional_call(model, {"embed.weight": w}, (inp,)), (weight,), eps=1e-6, atol=1e-5, fast_mode=True
    )


def test_default_config_parameter_budget():
    model = BandFilterNet()
    count = sum(p.numel() for p in model.parameters())
    print(f"BandFilterNet default parameters: {count}")
    assert count < 1_000_000
    # the GRU alone: 3 gates x (input + hidden weights + two biases) per layer
    gru = sum(3 * (192 * 192 + 192 * 192 + 2 * 192) for _ in range(2))
    assert sum(p.numel() for p in model.gru.parameters()) == gru


def test_attributes_and_latency():
    model = BandFilterNet()
    assert (model.sample_rate, model.n_fft, model.hop_length, model.latency_samples) == (16000, 320, 160, 320)
    assert model.latency_samples / model.sample_rate == pytest.approx(0.020)


@pytest.mark.parametrize(
    "kwargs, word",
    [({"n_fft": 320, "hop_length": 100}, "hop_length"), ({"df_bins": 500}, "df_bins"), ({"hidden_size": 0}, "hidden_size"),
     ({"sample_rate": 0}, "sample_rate"), ({"n_bands": 200}, "n_bands"), ({"lookahead_frames": -1}, "lookahead_frames")],
)
def test_bad_arguments_name_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        BandFilterNet(**kwargs)


def test_bad_input_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="noisy"):
        BandFilterNet(**SMALL)(torch.randn(100))


def test_hydra_config_builds_the_model():
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from senhance.cli._command import compose

    for name in ("default", "large"):  # large.yaml: a defaults list on default.yaml, so compose it
        cfg = compose("train", [f"model={name}", "sample_rate=16000"], own_root=False)
        model = instantiate(cfg.model)
        assert isinstance(model, BandFilterNet) and model.sample_rate == 16000
        assert model.init_kwargs == {k: v for k, v in OmegaConf.to_container(cfg.model, resolve=True).items() if k != "_target_"}
