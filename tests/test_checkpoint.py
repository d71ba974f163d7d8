"""Self-describing packages: round trip, plain-data contents, and every way a file can be bad."""
import json
import os

import pytest
import torch
from omegaconf import OmegaConf

from senhance.checkpoint import (
    CheckpointError, load_package, load_training_state, save_package, save_training_state,
)
from senhance.models import BandFilterNet

SMALL = dict(hidden_size=16, num_layers=1, conv_channels=4)


def _trained_like(model):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def test_round_trip_gives_identical_output(tmp_path):
    model = _trained_like(BandFilterNet(**SMALL, max_attenuation_db=25.0))
    config = OmegaConf.create({"model": {"hidden_size": 16}, "sample_rate": 16000})
    path = save_package(tmp_path / "m.pt", model, sample_rate=16000, config=config, metrics={"pesq": 2.5})
    loaded, package = load_package(path)
    x = torch.randn(2, 1, 1234)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    assert isinstance(loaded, BandFilterNet) and not loaded.training
    assert package["kwargs"]["max_attenuation_db"] == 25.0
    assert os.listdir(tmp_path) == ["m.pt"]  # no temporary file left behind


def test_package_is_plain_data_with_all_keys(tmp_path):
    path = save_package(tmp_path / "m.pt", BandFilterNet(**SMALL), sample_rate=16000,
                        config=OmegaConf.create({"a": [1, 2]}), metrics={"si_sdr": 12.5})
    package = torch.load(path, weights_only=True)
    assert set(package) == {"format_version", "class_path", "kwargs", "state_dict", "sample_rate", "config",
                            "versions", "git_commit", "metrics", "created"}
    assert package["class_path"] == "senhance.models.bandnet.BandFilterNet"
    assert package["config"] == {"a": [1, 2]} and type(package["config"]) is dict
    assert set(package["versions"]) == {"torch", "senhance", "python"}
    json.dumps({k: v for k, v in package.items() if k != "state_dict"})  # everything but weights is plain data


def test_truncated_and_garbage_files_raise_value_error_naming_the_file(tmp_path):
    path = save_package(tmp_path / "m.pt", BandFilterNet(**SMALL), sample_rate=16000)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    for bad in (truncated, garbage, tmp_path / "missing.pt"):
        with pytest.raises(ValueError, match=bad.name):
            load_package(bad)
    with pytest.raises(CheckpointError, match="truncated.pt"):
        load_training_state(truncated)


def test_refuses_classes_outside_senhance(tmp_path):
    path = save_package(tmp_path / "m.pt", BandFilterNet(**SMALL), sample_rate=16000)
    package = torch.load(path, weights_only=True)
    for class_path in ("torch.nn.Linear", "os.system", "senhanceevil.Model"):
        package["class_path"] = class_path
        torch.save(package, tmp_path / "evil.pt")
        with pytest.raises(CheckpointError, match="evil.pt.*only senhance"):
            load_package(tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="not a senhance class"):
        save_package(tmp_path / "linear.pt", torch.nn.Linear(2, 2), sample_rate=16000)


def test_pickled_objects_are_not_executed(tmp_path):
    class Payload:
        def __reduce__(self):
            return (os.remove, (str(tmp_path / "victim.txt"),))

    (tmp_path / "victim.txt").write_text("still here")
    torch.save({"format_version": 1, "payload": Payload()}, tmp_path / "pickle.pt")
    with pytest.raises(CheckpointError, match="pickle.pt"):
        load_package(tmp_path / "pickle.pt")
    assert (tmp_path / "victim.txt").exists()


def test_strict_state_dict(tmp_path):
    path = save_package(tmp_path / "m.pt", BandFilterNet(**SMALL), sample_rate=16000)
    package = torch.load(path, weights_only=True)
    package["state_dict"].pop("gain_head.bias")
    torch.save(package, tmp_path / "missing_key.pt")
    with pytest.raises(CheckpointError, match="missing_key.pt.*gain_head.bias"):
        load_package(tmp_path / "missing_key.pt")
    package = torch.load(path, weights_only=True)
    package["kwargs"]["hidden_size"] = 8  # weights no longer fit
    torch.save(package, tmp_path / "shape.pt")
    with pytest.raises(CheckpointError, match="shape.pt"):
        load_package(tmp_path / "shape.pt")


def test_save_replaces_an_existing_file_atomically(tmp_path):
    target = tmp_path / "best.pt"
    target.write_bytes(b"old")
    save_package(target, BandFilterNet(**SMALL), sample_rate=16000)
    assert load_package(target)[1]["sample_rate"] == 16000


def test_training_state_round_trip(tmp_path):
    model = BandFilterNet(**SMALL)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(1, 1, 800)).pow(2).mean().backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "history": [{"loss": 1.5}]}
    path = save_training_state(tmp_path / "last.pt", state)
    loaded = load_training_state(path)
    assert loaded["epoch"] == 3 and loaded["history"] == [{"loss": 1.5}]
    for key, value in state["model"].items():
        assert torch.equal(loaded["model"][key], value)
    fresh = torch.optim.Adam(model.parameters())
    fresh.load_state_dict(loaded["optimizer"])
