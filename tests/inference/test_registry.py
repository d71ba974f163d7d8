"""senhance.load and PackagedEnhancer."""
import numpy as np
import pytest
import torch

import senhance
import senhance.checkpoint
from senhance.enhancer import Enhancer
from senhance.registry import ModelNotFoundError, PackagedEnhancer, load


def test_unknown_name_names_the_missing_file():
    with pytest.raises(ModelNotFoundError, match=r"model='surely-missing'.*surely-missing\.pt"):
        senhance.load("surely-missing")


def test_missing_shipped_model_names_the_missing_file(tmp_path, monkeypatch):
    import senhance.registry

    monkeypatch.setattr(senhance.registry, "shipped_root", lambda: tmp_path)  # an empty shipped folder
    with pytest.raises(ModelNotFoundError, match=rf"model='default': no checkpoint file {tmp_path / 'default.pt'}"):
        senhance.load("default")


def test_missing_checkpoint_path(tmp_path):
    with pytest.raises(ModelNotFoundError, match="nope.pt.*does not exist"):
        load(tmp_path / "nope.pt")


def test_classical_baselines_load_with_options():
    from senhance.baselines import CLASSICAL

    for name in ("bandpass", "spectral_subtraction", "wiener"):
        enhancer = load(name)
        assert isinstance(enhancer, Enhancer) and isinstance(enhancer, CLASSICAL[name])


def test_checkpoint_path_round_trip(tiny_checkpoint):
    from senhance.checkpoint import load_package

    enhancer = load(tiny_checkpoint)
    assert isinstance(enhancer, PackagedEnhancer) and enhancer.sample_rate == 8000 and enhancer.carries_state
    module, _ = load_package(tiny_checkpoint)
    x = torch.randn(2, 1500)
    with torch.no_grad():
        expected = torch.cat([module(x[c].view(1, 1, -1))[0] for c in range(2)])  # channel by channel
    assert torch.allclose(enhancer.process(x), expected, atol=1e-6)  # the raw one-shot call
    knee = 10 ** (-1 / 20)  # enhance = what senhance-infer writes: the soft limiter's closed form on top
    limited = torch.where(expected.abs() > knee,
                          expected.sign() * (knee + (1 - knee) * torch.tanh((expected.abs() - knee) / (1 - knee))),
                          expected)
    assert expected.abs().max() > 1.0  # loud enough for the limiter to matter
    assert torch.allclose(enhancer.enhance(x, 8000), limited, atol=1e-5)
    assert not torch.allclose(expected, x, atol=1e-2)  # the model does change the audio


def test_long_input_goes_block_wise_and_equals_whole(tiny_checkpoint):
    whole = load(tiny_checkpoint)
    blocks = load(tiny_checkpoint, block_seconds=0.037)  # 296-sample blocks, not a multiple of the hop
    x = torch.randn(1, 2000)
    np.testing.assert_allclose(blocks.enhance(x, 8000).numpy(), whole.enhance(x, 8000).numpy(), atol=1e-5)


def test_channels_are_independent(iir_enhancer, standins):
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 500))
    out = iir_enhancer.enhance(torch.from_numpy(x).float(), 8000).numpy()
    np.testing.assert_allclose(out, standins.iir_reference(x), atol=1e-5)
    with pytest.raises(ValueError, match="sample_rate"):
        PackagedEnhancer(torch.nn.Identity(), {})


def test_bad_options_are_value_errors(tiny_checkpoint):
    with pytest.raises(ValueError, match="model='bandpass': bad options.*nonsense"):
        load("bandpass", nonsense=3)
    with pytest.raises(ValueError, match="tiny.pt.*bad options"):
        load(tiny_checkpoint, nonsense=3)


def _run_folder(root, name, tiny_checkpoint):
    """``root/<name>/checkpoints/{best,last}.pt`` as a training run leaves them."""
    import shutil

    from senhance.train.state import save_state

    folder = root / name / "checkpoints"
    folder.mkdir(parents=True)
    shutil.copyfile(tiny_checkpoint, folder / "best.pt")
    module, _ = senhance.checkpoint.load_package(tiny_checkpoint)
    optimizer = torch.optim.AdamW(module.parameters())
    save_state(folder / "last.pt", {"step": 7, "epoch": 0, "model": module.state_dict(),
                                    "optimizer": optimizer.state_dict(), "history": {}})
    return root / name


def test_a_run_folder_loads_its_best_pt_named_after_the_run(tmp_path, tiny_checkpoint):
    run = _run_folder(tmp_path / "runs", "exp1", tiny_checkpoint)
    enhancer = load(run)
    assert enhancer.name == "exp1"
    assert load(run / "checkpoints" / "best.pt").name == "exp1"
    x = 0.1 * torch.randn(1, 2000)
    assert torch.equal(enhancer.process(x), load(tiny_checkpoint).process(x))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="folder without checkpoints/best.pt"):
        load(tmp_path / "empty")


def test_last_pt_says_it_is_training_state_and_points_to_best_pt(tmp_path, tiny_checkpoint):
    run = _run_folder(tmp_path / "runs", "exp1", tiny_checkpoint)
    last = run / "checkpoints" / "last.pt"
    with pytest.raises(ValueError, match=r"this is training state .*step 7.*; use .*best\.pt") as info:
        load(last)
    assert "not a senhance package" not in str(info.value)
