"""System specs, file pairing and subset groups."""
import pytest

from senhance.evaluation.data import EvaluationInputError, assign_groups, find_items
from senhance.evaluation.systems import SystemSpec, SystemSpecError, parse_system, parse_systems

from eval_fixtures import make_corpus


@pytest.mark.parametrize("spec, expected", [
    ("wiener", SystemSpec("wiener", "wiener")),
    ("default", SystemSpec("default", "default")),
    ("mine=runs/x/best.pt", SystemSpec("mine", "runs/x/best.pt")),
    ("linear:/tmp/a/best.pt", SystemSpec("linear", "/tmp/a/best.pt")),
    ("runs/exp1/checkpoints/best.pt", SystemSpec("exp1", "runs/exp1/checkpoints/best.pt")),
    ("/models/tiny.pt", SystemSpec("tiny", "/models/tiny.pt")),
    ("C:\\models\\tiny.pt", SystemSpec("tiny", "C:\\models\\tiny.pt")),
])
def test_parse_system(spec, expected):
    assert parse_system(spec) == expected


@pytest.mark.parametrize("specs, message", [
    (["noisy"], "reserved"),
    (["a=wiener", "a=bandpass"], "used twice"),
    ([""], "empty"),
    (["9lives=x.pt"], "label"),
])
def test_bad_system_specs(specs, message):
    with pytest.raises(SystemSpecError, match=message):
        parse_systems(specs)


def test_find_items_pairs_by_relative_path_and_reports_missing_clean(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path, n_files=3)
    (clean_dir / "snr5_1.wav").unlink()
    items, errors = find_items(noisy_dir, clean_dir)
    assert [item.id for item in items] == ["snr0_0.wav", "snr10_2.wav"]
    assert all(item.clean_path == clean_dir / item.id for item in items)
    assert len(errors) == 1 and errors[0]["file"] == "snr5_1.wav" and "no clean file" in errors[0]["error"]
    with pytest.raises(EvaluationInputError, match="noisy_dir=.*not a folder"):
        find_items(tmp_path / "missing")


def test_groups_from_manifest_and_regex(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path, n_files=4)
    items, _ = find_items(noisy_dir, clean_dir)
    columns = assign_groups(items, manifest=tmp_path / "manifest.tsv")
    assert columns == ["noise", "snr"]
    assert {item.id: item.groups["snr"] for item in items} == {
        "snr0_0.wav": "0", "snr5_1.wav": "5", "snr10_2.wav": "10", "snr15_3.wav": "15"}
    assert items[0].groups["noise"] == "white"
    items, _ = find_items(noisy_dir, clean_dir)
    assert assign_groups(items, group_regex=r"snr(?P<level>\d+)_") == ["level"]
    assert items[1].groups == {"level": "10"}
    with pytest.raises(EvaluationInputError, match="named groups"):
        assign_groups(items, group_regex=r"snr\d+")


def test_many_numeric_values_are_binned(tmp_path):
    noisy_dir, _ = make_corpus(tmp_path, n_files=4, snrs=(0.5, 4.9, 5.1, 12.25))
    items, _ = find_items(noisy_dir)
    assign_groups(items, manifest=tmp_path / "manifest.tsv", group_by=["snr"], snr_bin=5)
    assert [item.groups["snr"] for item in items] == ["[0, 5)", "[10, 15)", "[0, 5)", "[5, 10)"]


def test_a_column_of_unique_values_is_not_a_breakdown(tmp_path):
    noisy_dir, _ = make_corpus(tmp_path, n_files=4)
    manifest = tmp_path / "manifest.tsv"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([lines[0] + "\tnoise_type"] + [f"{l}\tn{i}" for i, l in enumerate(lines[1:])]) + "\n")
    items, _ = find_items(noisy_dir)
    assert assign_groups(items, manifest=manifest, group_by=["noise_type", "noise"]) == ["noise"]
