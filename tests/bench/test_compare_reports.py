"""bench/compare_reports.py: paired differences across two senhance-eval CSVs, checked against scipy's paired t-test."""
import csv

import numpy as np
import pytest
from scipy import stats

import compare_reports


def _write(path, systems, rng_seed=0):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "system", "condition", "pesq", "stoi", "warnings"])
        for system, (pesq, stoi) in systems.items():
            for i, (p, s) in enumerate(zip(pesq, stoi)):
                writer.writerow([f"{i:03d}.wav", system, "dry", repr(float(p)), repr(float(s)), ""])
    return path


@pytest.fixture
def two_reports(tmp_path):
    rng = np.random.default_rng(0)
    noisy = (rng.uniform(1, 2, 20), rng.uniform(0.7, 0.9, 20))
    peer = (noisy[0] + rng.normal(0.5, 0.2, 20), noisy[1] + rng.normal(0.02, 0.01, 20))
    mine = (noisy[0] + rng.normal(0.6, 0.2, 20), noisy[1] + rng.normal(0.01, 0.01, 20))
    first = _write(tmp_path / "old.csv", {"noisy": noisy, "peer": peer})
    second = _write(tmp_path / "new.csv", {"noisy": noisy, "mine": mine})
    return first, second, peer, mine


def test_paired_difference_matches_scipy(two_reports, tmp_path):
    first, second, peer, mine = two_reports
    results = compare_reports.main([str(first), str(second), "--compare", "mine:peer", "--out", str(tmp_path / "p.md")])
    pesq = results["mine:peer"]["pesq"]
    reference = stats.ttest_rel(mine[0], peer[0])
    assert pesq["count"] == 20
    assert pesq["mean_diff"] == pytest.approx(float(np.mean(mine[0] - peer[0])), abs=1e-12)
    assert pesq["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    half = stats.t.ppf(0.975, 19) * np.std(mine[0] - peer[0], ddof=1) / np.sqrt(20)
    assert pesq["ci95"] == pytest.approx([pesq["mean_diff"] - half, pesq["mean_diff"] + half], abs=1e-12)
    assert "mine - peer" in (tmp_path / "p.md").read_text() and (tmp_path / "p.json").exists()


def test_reports_of_different_files_are_refused(two_reports, tmp_path):
    first, _, _, mine = two_reports
    other = _write(tmp_path / "other.csv", {"noisy": (np.full(20, 1.5), np.full(20, 0.8)), "mine": mine})
    with pytest.raises(SystemExit, match="noisy pesq on 000.wav"):
        compare_reports.main([str(first), str(other), "--compare", "mine:peer"])


def test_an_unknown_label_names_the_systems(two_reports):
    first, second, _, _ = two_reports
    with pytest.raises(SystemExit, match="no system 'dfn3'.*mine, noisy, peer"):
        compare_reports.main([str(first), str(second), "--compare", "mine:dfn3"])


def test_a_missing_score_in_the_first_row_keeps_its_metric(tmp_path):
    # senhance-eval writes an empty cell where a score is missing; the column is still a metric
    path = tmp_path / "gaps.csv"
    path.write_text("file,system,condition,pesq,warnings\n"
                    "000.wav,noisy,dry,,pesq failed\n001.wav,noisy,dry,1.5,\n002.wav,noisy,dry,1.7,\n")
    scores, metrics = compare_reports.read_scores(path)
    assert metrics == ["pesq"]
    assert np.isnan(scores["noisy"]["000.wav"]["pesq"]) and scores["noisy"]["002.wav"]["pesq"] == 1.7
