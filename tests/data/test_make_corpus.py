import csv
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from senhance.data import PairedDataset, snr_db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_corpus.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("make_corpus_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _rows(out):
    with open(out / "manifest.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_writes_pairs_and_manifest(tool, mix_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SENHANCE_CACHE_DIR", str(tmp_path / "cache"))
    args = ["--speech-dir", str(mix_corpus / "speech"), "--noise-dir", str(mix_corpus / "noise"),
            "--num-examples", "4", "--seconds", "0.5", "--seed", "3", "--snr", "0", "10", "--subtype", "FLOAT",
            "--band-limit-prob", "0.0"]
    assert tool(args + ["--out-dir", str(tmp_path / "a")]) == 0
    rows = _rows(tmp_path / "a")
    assert [r["id"] for r in rows] == ["000000", "000001", "000002", "000003"]
    for row in rows:
        noisy, rate = sf.read(tmp_path / "a" / row["noisy"], dtype="float64")
        clean, _ = sf.read(tmp_path / "a" / row["clean"], dtype="float64")
        assert rate == 16000 and len(noisy) == len(clean) == 8000
        assert 0 <= float(row["snr_db"]) <= 10 and row["seed"] == "3"
        assert row["noise"] in {"white.flac", "brown.flac", "sparse.flac"} and int(row["noise_offset"]) >= 0
        if math.isfinite(float(row["snr_db"])):
            assert abs(snr_db(clean, noisy - clean, 16000) - float(row["snr_db"])) < 0.1
        assert np.abs(noisy).max() <= 0.99 + 1e-6
    # the same command reproduces the same audio
    assert tool(args + ["--out-dir", str(tmp_path / "b")]) == 0
    for row in rows:
        assert np.array_equal(sf.read(tmp_path / "a" / row["noisy"])[0], sf.read(tmp_path / "b" / row["noisy"])[0])
    # and the frozen set loads as a paired corpus
    pairs = PairedDataset(noisy_dir=tmp_path / "a/noisy", clean_dir=tmp_path / "a/clean", sample_rate=16000,
                          cache_dir=tmp_path / "cache")
    assert len(pairs) == 4


def test_whole_utterances_and_bad_arguments(tool, mix_corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SENHANCE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "whole"
    assert tool(["--speech-dir", str(mix_corpus / "speech"), "--noise-dir", str(mix_corpus / "noise"),
                 "--out-dir", str(out), "--seconds", "0", "--reverb-prob", "1", "--suffix", ".flac"]) == 0
    rows = _rows(out)
    assert len(rows) == 7 and all(r["rir"] == "synthetic" and float(r["rt60"]) > 0 for r in rows)
    assert sf.info(str(out / rows[0]["noisy"])).frames == 16000  # spkA-0.flac is 1.0 s
    assert tool(["--speech-dir", str(tmp_path / "nope"), "--noise-dir", str(mix_corpus / "noise"),
                 "--out-dir", str(out)]) == 2
    assert "nope: not a folder" in capsys.readouterr().err
    assert tool(["--speech-dir", str(mix_corpus / "speech"), "--noise-dir", str(mix_corpus / "noise"),
                 "--out-dir", str(mix_corpus / "speech" / "frozen")]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert not (mix_corpus / "speech" / "frozen").exists()
