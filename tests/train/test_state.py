import random

import numpy as np
import pytest
import torch

from senhance.train.state import CorruptCheckpointError, load_state, rng_state, save_state, set_rng_state

MINIMAL = {"step": 3, "epoch": 0, "batch_in_epoch": 3, "model": {"w": torch.ones(2)}, "optimizer": {},
           "scheduler": {}}


def test_rng_state_round_trip_through_weights_only_file(tmp_path):
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    save_state(tmp_path / "last.pt", {**MINIMAL, "rng": rng_state()})
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    set_rng_state(load_state(tmp_path / "last.pt")["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    save_state(path, MINIMAL)
    before = path.read_bytes()

    def broken_save(obj, handle, *args, **kwargs):
        handle.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError):
        save_state(path, {**MINIMAL, "step": 4})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_state(path)["step"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no temporary left behind


@pytest.mark.parametrize("content", [b"", b"not a checkpoint at all", None])
def test_corrupt_state_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "last.pt"
    if content is None:  # a readable torch file that is not a training state
        torch.save({"hello": 1}, path)
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(CorruptCheckpointError, match="last.pt") as info:
        load_state(path)
    assert "untouched" in str(info.value)
    assert path.read_bytes() == before


def test_truncated_state_is_refused(tmp_path):
    path = tmp_path / "last.pt"
    save_state(path, MINIMAL)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptCheckpointError, match="last.pt"):
        load_state(path)
