"""senhance.atomic: a write either replaces the file whole or leaves the old one (and no temporary) behind."""
import json
import os
import pickle

import numpy as np
import pytest
import torch

import senhance.io
import senhance.train
from senhance.atomic import (atomic_output, atomic_torch_save, atomic_write_bytes, atomic_write_json, atomic_write_text,
                             json_safe, temporary_path_next_to)


def _others(folder, name):
    return sorted(p.name for p in folder.iterdir() if p.name != name)


def test_atomic_output_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "sub" / "history.json"
    with atomic_output(target, "wb") as handle:
        handle.write(b"old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_output(target) as handle:
            handle.write("half-written")
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"old"
    assert _others(target.parent, "history.json") == []
    with pytest.raises(ValueError, match="mode='a'"):
        with atomic_output(target, "a"):
            pass


def test_a_folder_in_the_way_is_a_clear_error_and_is_left_alone(tmp_path):
    (tmp_path / "report.md").mkdir()
    with pytest.raises(IsADirectoryError, match="report.md: is a directory"):
        atomic_write_text(tmp_path / "report.md", "x")
    assert (tmp_path / "report.md").is_dir() and _others(tmp_path, "report.md") == []


def test_text_is_utf8_with_newlines_kept(tmp_path):
    text = "a: 1\r\nnon-ascii: \u00e9\n"
    target = tmp_path / "state.txt"
    target.write_text("old")
    assert atomic_write_text(target, text) == target
    assert target.read_bytes() == text.encode("utf-8")  # no platform newline translation
    assert atomic_write_text(str(target), "new") == target and target.read_text() == "new"
    assert _others(tmp_path, "state.txt") == []


def test_bytes_round_trip(tmp_path):
    data = bytes(range(256))
    assert atomic_write_bytes(tmp_path / "b.bin", data).read_bytes() == data


def test_json_is_strict_json_with_nan_as_null_and_numpy_and_torch_scalars_as_numbers(tmp_path):
    value = {"valid": [{"stoi": float("nan"), "loss": 1.5, "n": np.int64(2), "sisdr": np.float32(0.25),
                        "step": torch.tensor(7), "inf": float("-inf")}], 3: (1, 2)}
    path = atomic_write_json(value, tmp_path / "h.json")
    text = path.read_text()
    assert text.endswith("}\n") and "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"valid": [{"stoi": None, "loss": 1.5, "n": 2, "sisdr": 0.25, "step": 7, "inf": None}],
                                "3": [1, 2]}
    assert json_safe(value)["valid"][0]["sisdr"] == 0.25 and isinstance(json_safe(value)["valid"][0]["n"], int)


def test_json_order_is_the_dicts_unless_sorted(tmp_path):
    atomic_write_json({"b": 1, "a": 2}, tmp_path / "plain.json")
    atomic_write_json({"b": 1, "a": 2}, tmp_path / "sorted.json", sort_keys=True)
    assert list(json.loads((tmp_path / "plain.json").read_text())) == ["b", "a"]
    assert (tmp_path / "sorted.json").read_text() == json.dumps({"a": 2, "b": 1}, indent=2) + "\n"


def test_torch_save_round_trips_through_a_weights_only_load(tmp_path):
    state = {"w": torch.arange(6.0).view(2, 3), "step": 4}
    path = atomic_torch_save(state, tmp_path / "ckpt" / "last.pt")
    loaded = torch.load(path, weights_only=True)
    assert loaded["step"] == 4 and torch.equal(loaded["w"], state["w"])


def test_a_failed_torch_save_keeps_the_previous_file(tmp_path):
    path = atomic_torch_save({"step": 1}, tmp_path / "last.pt")
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        atomic_torch_save({"step": 2, "bad": lambda: None}, path)  # a lambda cannot be pickled
    assert path.read_bytes() == before and _others(tmp_path, "last.pt") == []


def test_temporary_file_is_in_the_same_folder_with_normal_permissions(tmp_path):
    tmp = temporary_path_next_to(tmp_path / "new" / "out.wav")
    try:
        assert os.path.dirname(tmp) == str(tmp_path / "new") and os.path.basename(tmp).startswith(".out.wav.")
        umask = os.umask(0)
        os.umask(umask)
        assert os.stat(tmp).st_mode & 0o777 == 0o666 & ~umask
    finally:
        os.unlink(tmp)


def test_the_old_import_paths_are_the_same_functions():
    assert senhance.io.atomic_output is atomic_output and senhance.io.atomic_write_text is atomic_write_text
    assert senhance.train.atomic_torch_save is atomic_torch_save and senhance.train.atomic_write_json is atomic_write_json
