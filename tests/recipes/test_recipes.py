"""The corpus recipes on tiny fake trees with the real layouts. Fast: the prepare steps (manifests, split
by speaker). Slow (four Python processes each): the shell recipes end to end - prepare, train a few
steps, evaluate, write the model card."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
TINY = ["model.hidden_size=8", "model.num_layers=1", "model.conv_channels=2", "model.n_bands=8", "model.df_bins=8",
        "loss=si_sdr", "batch_size=2", "num_workers=0", "device=cpu", "trainer.max_steps=2",
        "trainer.validate_every=2", "trainer.warmup_steps=0", "trainer.ema_decay=0", "trainer.stoi_items=0",
        "trainer.audio_examples=0", "trainer.progress=false", "data.segment_seconds=0.25"]


def _voice(seconds, sample_rate, f0, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    clean = sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 4))
    return clean.astype(np.float32), (clean + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def _run(script, *args, env_extra):
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1", "EVAL_METRICS": "[si_sdr]",
           "HYDRA_FULL_ERROR": "1", **env_extra}
    return subprocess.run(["bash", str(REPO / "scripts" / "recipes" / script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _check_card_and_eval(work, label):
    history = json.loads((work / "run" / "history.json").read_text())
    results = json.loads((work / "eval" / "results.json").read_text())
    assert results["rows"] == ["noisy", label, "wiener"]
    assert len(results["systems"][label]["files"]) == results["n_files"] > 0
    card = (work / "MODEL_CARD.md").read_text()
    assert f"(from step {history['best']['step']} of 2)" in card
    assert "## Evaluation (held-out test set)" in card and f"| {label} " in card


def _fake_voicebank(root):
    train_speakers, test_speakers = ["p226", "p227", "p228", "p229"], ["p232", "p257"]
    for speakers, clean_dir, noisy_dir in ((train_speakers, "clean_trainset_28spk_wav", "noisy_trainset_28spk_wav"),
                                           (test_speakers, "clean_testset_wav", "noisy_testset_wav")):
        for s, speaker in enumerate(speakers):
            for n in (1, 2):
                clean, noisy = _voice(0.3, 48000, 120 + 30 * s, seed=10 * s + n)
                name = f"{speaker}_{n:03d}.wav"
                for folder, audio in ((clean_dir, clean), (noisy_dir, noisy)):
                    (root / folder).mkdir(parents=True, exist_ok=True)
                    sf.write(root / folder / name, audio, 48000, subtype="PCM_16")
    return train_speakers


def _tools():
    import importlib.util

    spec = importlib.util.spec_from_file_location("recipe_tools", REPO / "scripts" / "recipes" / "recipe_tools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_voicebank_split(work, train_speakers):
    split = _rows(work / "split.tsv")
    assert sorted(r["file"] for r in split) == sorted(f"{s}_{n:03d}.wav" for s in train_speakers for n in (1, 2))
    side = {}
    for row in split:
        assert row["group"] == row["file"].split("_")[0]
        side.setdefault(row["group"], set()).add(row["subset"])
    assert all(len(subsets) == 1 for subsets in side.values())  # no speaker on both sides
    assert {s for subsets in side.values() for s in subsets} == {"train", "valid"}
    manifest = _rows(work / "manifest.tsv")
    assert {(r["file"], r["speaker_id"], r["subset"]) for r in manifest} == {
        (r["file"], r["group"], r["subset"]) for r in split}


def test_voicebank_prepare_splits_by_speaker(tmp_path):
    root = tmp_path / "VoiceBank-DEMAND"
    speakers = _fake_voicebank(root)
    _tools().prepare_voicebank(root, tmp_path / "work", valid_fraction=0.25, seed=0)
    _check_voicebank_split(tmp_path / "work", speakers)


def test_prepare_names_a_wrong_folder(tmp_path):
    with pytest.raises(ValueError, match="missing folder.*clean_trainset_28spk_wav"):
        _tools().prepare_voicebank(tmp_path, tmp_path / "work", valid_fraction=0.25, seed=0)
    with pytest.raises(ValueError, match="missing folder.*datasets/clean"):
        _tools().prepare_dns(tmp_path, tmp_path / "work", valid_fraction=0.25, seed=0)


def test_voicebank_demand_recipe(tmp_path):
    root = tmp_path / "VoiceBank-DEMAND"
    speakers = _fake_voicebank(root)
    work = tmp_path / "work"
    result = _run("voicebank_demand.sh", root, work, *TINY, env_extra={"VALID_FRACTION": "0.25"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    _check_voicebank_split(work, speakers)
    assert "split into training and validation by file" not in (work / "run" / "train.log").read_text()
    _check_card_and_eval(work, "voicebank")


def _fake_dns(root):
    for r in range(4):
        for c in range(2):
            clean, _ = _voice(0.5, 16000, 110 + 25 * r, seed=r)
            path = root / "datasets" / "clean" / f"book_{r:05d}_chp_{c:04d}_reader_{r + 1:05d}_0.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, clean, 16000)
    rng = np.random.default_rng(0)
    for n in range(4):
        path = root / "datasets" / "noise" / f"noise_fileid_{n}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, (0.05 * rng.standard_normal(8000)).astype(np.float32), 16000)


def _check_dns_split(work):
    rows = _rows(work / "manifest.tsv")
    speech = [r for r in rows if r["kind"] == "speech"]
    side = {}
    for row in speech:
        assert row["group"] == "reader_" + row["file"].split("_reader_")[1][:5]
        side.setdefault(row["group"], set()).add(row["subset"])
    assert all(len(subsets) == 1 for subsets in side.values()) and len(side) == 4
    valid_speech = sorted(p.name for p in (work / "valid" / "speech").rglob("*.wav"))
    assert valid_speech == sorted(Path(r["file"]).name for r in speech if r["subset"] == "valid")
    noise = {r["file"]: r["subset"] for r in rows if r["kind"] == "noise"}
    for subset in ("train", "valid"):
        assert sorted(p.name for p in (work / subset / "noise").rglob("*.wav")) == sorted(
            f for f, s in noise.items() if s == subset)
    return valid_speech


def test_dns_prepare_splits_by_reader_and_noise_recording(tmp_path):
    _fake_dns(tmp_path / "DNS")
    _tools().prepare_dns(tmp_path / "DNS", tmp_path / "work", valid_fraction=0.25, seed=0)
    _check_dns_split(tmp_path / "work")


def test_dns_recipe(tmp_path):
    root = tmp_path / "DNS"
    _fake_dns(root)
    work = tmp_path / "work"
    result = _run("dns.sh", root, work, *TINY, "data.examples_per_epoch=4",
                  env_extra={"VALID_FRACTION": "0.25", "TEST_SECONDS": "0"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    valid_speech = _check_dns_split(work)
    assert len(list((work / "test" / "noisy").rglob("*.wav"))) == len(valid_speech)  # whole utterances
    _check_card_and_eval(work, "dns")
    print((work / "MODEL_CARD.md").read_text())
