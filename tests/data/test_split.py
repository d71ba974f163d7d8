import pytest

from senhance.data import DataError, load_split, select_subset, split_groups
from senhance.data.split import groups_from_manifest, groups_from_regex, lookup_groups

FILES = [f"p{s}_{u:03d}.wav" for s in range(1, 11) for u in range(4)]  # 10 speakers x 4 files


def test_groups_from_regex_and_no_group_on_both_sides():
    groups = groups_from_regex(FILES, r"^(p\d+)_")
    assert set(groups.values()) == {f"p{s}" for s in range(1, 11)}
    subsets = split_groups(groups, valid_fraction=0.2, seed=3)
    valid = {groups[f] for f, s in subsets.items() if s == "valid"}
    train = {groups[f] for f, s in subsets.items() if s == "train"}
    assert valid and not valid & train
    assert sum(s == "valid" for s in subsets.values()) == 8  # 2 speakers x 4 files = 20 %
    assert split_groups(groups, valid_fraction=0.2, seed=3) == subsets  # reproducible
    assert split_groups(groups, valid_fraction=0.0)  == {f: "train" for f in FILES}


def test_regex_mismatch_names_the_file():
    with pytest.raises(DataError, match="x.wav: file name does not match"):
        groups_from_regex(["x.wav"], r"^(p\d+)_")


def test_never_all_groups_in_validation():
    subsets = split_groups({"a": "A", "b": "B"}, valid_fraction=0.9)
    assert sorted(subsets.values()) == ["train", "valid"]


def test_manifest_groups_match_scanned_relative_paths(tmp_path):
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text("file\tkind\tspeaker_id\n"
                        "speech/a.flac\tspeech\tS1\nspeech/b.flac\tspeech\tS2\nnoise/n.flac\tnoise\t\n")
    table = groups_from_manifest(manifest, "speaker_id")
    assert table == {"speech/a.flac": "S1", "speech/b.flac": "S2"}
    assert lookup_groups(["a.flac", "b.flac"], table, what="m") == {"a.flac": "S1", "b.flac": "S2"}
    with pytest.raises(DataError, match="c.flac is not in the manifest"):
        lookup_groups(["c.flac"], table, what="m")
    with pytest.raises(DataError, match="needs columns"):
        groups_from_manifest(manifest, "no_such_column")


def test_split_file_is_written_and_reused(tmp_path):
    split_file = tmp_path / "split.tsv"
    valid = select_subset(FILES, subset="valid", valid_fraction=0.2, seed=1, group_regex=r"^(p\d+)_",
                          split_file=split_file, prefix="speech/")
    groups, subsets = load_split(split_file)
    assert {k for k, v in subsets.items() if v == "valid"} == {"speech/" + f for f in valid}
    assert groups["speech/p3_000.wav"] == "p3"
    # another seed does not change a split that is written down; a second prefix is added beside it
    again = select_subset(FILES, subset="valid", valid_fraction=0.5, seed=99, split_file=split_file,
                          prefix="speech/")
    assert again == valid
    noise = select_subset(["n1.wav", "n2.wav", "n3.wav"], subset="train", valid_fraction=0.3,
                          split_file=split_file, prefix="noise/")
    assert len(noise) == 2
    _, subsets = load_split(split_file)
    assert len(subsets) == len(FILES) + 3
    train = select_subset(FILES, subset="train", valid_fraction=0.2, split_file=split_file, prefix="speech/")
    assert set(train) | set(valid) == set(FILES) and not set(train) & set(valid)
