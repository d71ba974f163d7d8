"""scripts/shipped/gpu: pack a tiny generated corpus, train legs on it with leg.sh (CPU), unpack the result.

The corpus is made here (tones + noise, a MANIFEST.tsv and a split file like ../shared/corpus's); the legs
run the shipped recipe (train_default.sh's arguments) with a tiny model and a few steps.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

REPO = Path(__file__).resolve().parents[2]
GPU = REPO / "scripts" / "shipped" / "gpu"
RATE = 16000
SPEAKERS = {f"spk{i}": ("valid" if i < 3 else "train") for i in range(7)}
NOISES = {"noise/hum.flac": "valid", "noise/fan.flac": "train", "noise/street.flac": "train"}
TINY = ["model.hidden_size=8", "model.num_layers=1", "model.conv_channels=2", "model.n_bands=8", "model.df_bins=8",
        "batch_size=2", "data.segment_seconds=0.5", "data.examples_per_epoch=6", "trainer.warmup_steps=1",
        "trainer.validate_every=2", "trainer.log_every=1", "trainer.stoi_items=0", "trainer.audio_examples=0",
        "data.valid_seconds=0.5"]


def si_sdr(reference, estimate):
    target = np.dot(estimate, reference) / np.dot(reference, reference) * reference
    return 10 * np.log10(np.sum(target ** 2) / np.sum((estimate - target) ** 2))


def speech_like(rng, seconds):
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = rng.uniform(110, 240)
    voiced = sum(0.25 / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6)) for k in range(1, 12))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(2, 5) * t) ** 2
    return (voiced * envelope + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """speech/ (7 speakers x 2 files), noise/ (3 recordings), MANIFEST.tsv, split.tsv."""
    from senhance.data.split import save_split

    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(7)
    rows, groups, subsets = [], {}, {}
    for speaker, subset in SPEAKERS.items():
        for n in range(2):
            name = f"speech/{speaker}_{n}.flac"
            audio = speech_like(rng, 1.0 + 0.25 * n)
            (root / "speech").mkdir(exist_ok=True)
            sf.write(root / name, audio, RATE, subtype="PCM_16")
            rows.append({"file": name, "kind": "speech", "duration_s": f"{len(audio) / RATE:.3f}",
                         "speaker_id": speaker, "gender": "F", "license": "CC0"})
            groups[name], subsets[name] = speaker, subset
    for name, subset in NOISES.items():
        (root / "noise").mkdir(exist_ok=True)
        audio = np.cumsum(rng.standard_normal(int(1.5 * RATE))).astype(np.float32)
        audio = 0.2 * (audio - audio.mean()) / np.abs(audio - audio.mean()).max()
        sf.write(root / name, audio, RATE, subtype="PCM_16")
        rows.append({"file": name, "kind": "noise", "duration_s": "1.500", "noise_group": "x", "license": "CC0"})
        groups[name], subsets[name] = name, subset
    rows.append({"file": "speech/unsplit.flac", "kind": "speech", "speaker_id": "other"})  # not in the split
    with open(root / "MANIFEST.tsv", "w", newline="") as handle:
        columns = ["file", "kind", "duration_s", "speaker_id", "gender", "noise_group", "license"]
        writer = csv.DictWriter(handle, columns, delimiter="\t", lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    save_split(root / "split.tsv", groups, subsets)
    return root


def run_pack(corpus, out, *args):
    return subprocess.run([sys.executable, str(GPU / "pack.py"), "--corpus", str(corpus), "--out", str(out),
                           "--split", str(corpus / "split.tsv"), "--no-wheels", "--budget-mib", "1000",
                           "--quality-files", "3", *map(str, args)], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def pack(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "gpu_pack"
    result = run_pack(corpus, out, "--state", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result.stdout


def test_pack_keeps_every_file_its_length_and_the_split(corpus, pack):
    from senhance.data.split import load_split

    out, printed = pack
    groups, subsets = load_split(corpus / "split.tsv")
    packed_groups, packed_subsets = load_split(out / "split.tsv")
    assert packed_subsets == {f.replace(".flac", ".opus"): s for f, s in subsets.items()}
    assert packed_groups == {f.replace(".flac", ".opus"): g for f, g in groups.items()}
    with open(out / "MANIFEST.tsv", newline="") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert set(rows) == set(packed_subsets)  # the unsplit row is left out
    assert rows["speech/spk3_1.opus"]["speaker_id"] == "spk3" and rows["speech/spk3_1.opus"]["packed_from"] == \
        "speech/spk3_1.flac"
    for name in packed_subsets:
        coded, original = sf.info(str(out / name)), sf.info(str(corpus / name.replace(".opus", ".flac")))
        assert (coded.format, coded.subtype) == ("OGG", "OPUS")
        assert (coded.frames, coded.samplerate, coded.channels) == (original.frames, RATE, 1)
    info = json.loads((out / "pack.json").read_text())
    assert info["files"] == {"speech": 14, "noise": 3, "train": 10, "valid": 7}
    assert info["state"] == {"path": None, "step": 0, "copied": False} and info["wheels"] == []
    assert info["bytes"]["speech"] == sum(p.stat().st_size for p in (out / "speech").iterdir())
    assert info["bytes"]["pack"] == sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and p.name != "pack.json")
    assert info["bytes"]["total"] == info["bytes"]["pack"] + info["bytes"]["tree"]
    assert "travels: working tree" in printed and "coding loss, speech" in printed


def test_packed_audio_is_close_to_the_original(corpus, pack):
    out, _ = pack
    total = 0
    for name in ["speech/spk0_0", "speech/spk5_1"]:
        x, _ = sf.read(corpus / f"{name}.flac", dtype="float64")
        y, _ = sf.read(out / f"{name}.opus", dtype="float64")
        assert si_sdr(x, y) > 12.0  # 24 kb/s Opus; the real corpus measures ~18 dB (README.md)
        total += (out / f"{name}.opus").stat().st_size
    # the size follows the bitrate: 2.25 s at 24 kb/s ~ 6.8 kB (+ Ogg/Opus headers)
    assert total < 2.25 * 24000 / 8 * 1.5
    quality = json.loads((out / "pack.json").read_text())["quality"]["speech"]
    assert quality["files"] == 3 and quality["si_sdr_median"] > 12.0 and quality["band_snr_db"]["0-1k"] > 15.0


def test_pack_fails_clearly_over_budget_and_names_a_missing_file(corpus, tmp_path):
    result = run_pack(corpus, tmp_path / "p", "--state", "none", "--budget-mib", "1")
    assert result.returncode != 0 and "over budget" in result.stderr and not (tmp_path / "p").exists()
    bad = tmp_path / "split.tsv"
    bad.write_text((corpus / "split.tsv").read_text() + "speech/gone.flac\tgone\ttrain\n")
    result = run_pack(corpus, tmp_path / "p", "--state", "none", "--split", bad)
    assert result.returncode != 0 and "speech/gone.flac" in result.stderr


def solver_has_time_limit():
    import inspect

    from senhance.train.solver import Solver

    return "time_limit_minutes" in inspect.signature(Solver.__init__).parameters


def run_leg(pack_dir, minutes, tmp_path, *overrides, out="out", startup_s=0):
    """leg.sh as on the GPU machine: a python without site-packages' .pth files (no editable install), the
    packages on PYTHONPATH, so senhance.configs is the repository's configs/ only through leg.py's mapping."""
    python = tmp_path / "python-nosite"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    path = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir() and Path(p).resolve() != REPO)
    env = {**os.environ, "LEG_PYTHON": str(python), "PYTHONPATH": path, "LEG_DEVICE": "cpu", "LEG_WORKERS": "0",
           "LEG_RUN_DIR": str(tmp_path / "run"), "OUT": str(tmp_path / out), "LEG_SAVE_EVERY": "2",
           "LEG_STARTUP_S": str(startup_s), "LEG_OVERRUN_S": "0", "LEG_END_S": "0"}
    return subprocess.run(["bash", str(GPU / "leg.sh"), str(pack_dir), str(minutes), *TINY, *overrides], env=env,
                          capture_output=True, text=True, cwd=REPO, timeout=240)


def test_legs_resume_and_unpack(corpus, pack, tmp_path):
    from senhance.train.state import load_state

    pack_dir, _ = pack
    first = run_leg(pack_dir, 5, tmp_path, "trainer.max_steps=4")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = tmp_path / "out"
    leg = json.loads((out / "leg.json").read_text())
    assert (leg["start_step"], leg["end_step"], leg["stop"], leg["rc"]) == (0, 4, "finished", 0)
    assert {"last.pt", "history.json", "train.log", "best.pt", "leg.json", "tb.tar.gz"} == set(leg["returned"])
    assert {p.name for p in out.iterdir()} == set(leg["returned"])
    words = leg["overrides"]
    assert f"data.split_file={pack_dir / 'split.tsv'}" in words and "device=cpu" in words
    assert "data.babble_prob=0.15" in words and "optim.lr=2.0e-3" in words  # the recipe's own arguments
    assert sum(w.startswith("data.split_file=") for w in words) == 1
    state = load_state(out / "last.pt")
    assert state["step"] == 4 and state["config"]["data"]["speech_dir"] == str(pack_dir / "speech")

    # Unpack into a stand-in of train_runs/default/run and of the committed state folder.
    run_dir, state_dir = tmp_path / "cpu_run", tmp_path / "train_state" / "default"
    unpack = [sys.executable, str(GPU / "unpack.py"), str(out), "--run-dir", str(run_dir), "--state-dir",
              str(state_dir), "--pack", str(pack_dir)]
    done = subprocess.run(unpack, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    for path in (run_dir / "checkpoints" / "last.pt", state_dir / "last.pt"):
        assert load_state(path)["step"] == 4
    assert (state_dir / "history.json").is_file() and (run_dir / "checkpoints" / "best.pt").is_file()
    assert "GPU leg" in (run_dir / "train.log").read_text()
    assert any((run_dir / "tb_gpu" / "step0-4" / "tb").iterdir())
    assert json.loads((run_dir / "gpu_legs.jsonl").read_text().splitlines()[0])["end_step"] == 4

    # The next leg starts from that state, copied into the pack (a state outside the working tree), and stops
    # on time: through trainer.time_limit_minutes when the Solver has it (a save at the stop), else by the hard
    # deadline (SIGINT; last.pt is the last save_every save). Either way last.pt is later and loadable.
    repack = run_pack(corpus, pack_dir, "--state", state_dir / "last.pt")
    assert repack.returncode == 0 and "coding 0 of 17 files" in repack.stdout, repack.stdout + repack.stderr
    assert (pack_dir / "state" / "last.pt").is_file()
    (tmp_path / "run" / "checkpoints" / "last.pt").unlink()  # a fresh machine: only the pack's state
    limited = solver_has_time_limit()
    second = run_leg(pack_dir, 0.5 if limited else 0.35, tmp_path, "trainer.max_steps=100000", out="out2",
                     startup_s=15 if limited else 0)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    leg2 = json.loads((tmp_path / "out2" / "leg.json").read_text())
    assert leg2["start_step"] == 4 and leg2["stop"] == ("time limit" if limited else "hard deadline (SIGINT)")
    step = load_state(tmp_path / "out2" / "last.pt")["step"]
    assert step > 4 and step == leg2["end_step"] and (limited or step % 2 == 0)
    history = json.loads((tmp_path / "out2" / "history.json").read_text())
    assert history["resumed_at"][-1] == 4

    # unpack refuses to go backwards
    older = subprocess.run(unpack[:2] + [str(out)] + unpack[3:], capture_output=True, text=True, cwd=REPO)
    assert older.returncode == 0  # same step 4 again is fine
    newer = subprocess.run([sys.executable, str(GPU / "unpack.py"), str(tmp_path / "out2"), "--run-dir", str(run_dir),
                            "--state-dir", str(state_dir), "--pack", str(pack_dir)], capture_output=True, text=True)
    assert newer.returncode == 0 and load_state(pack_dir / "state" / "last.pt")["step"] == step
    back = subprocess.run(unpack, capture_output=True, text=True, cwd=REPO)
    assert back.returncode != 0 and "later than the returned" in back.stderr
    assert load_state(state_dir / "last.pt")["step"] == step
    torch.load(tmp_path / "out2" / "last.pt", weights_only=True)


def test_leg_rewrites_the_recipe_key_by_key():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_leg", GPU / "leg.py")
    leg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(leg)
    recipe = ["hydra.run.dir=train_runs/default/run", "model=default", "num_workers=2", "data.split_file=a.tsv"]
    words = leg.rewrite(recipe, {"hydra.run.dir": "/r", "num_workers": "12", "device": "cuda"},
                        ["num_workers=3", "+trainer.extra=1"])
    assert words == ["hydra.run.dir=/r", "model=default", "num_workers=3", "data.split_file=a.tsv", "device=cuda",
                     "+trainer.extra=1"]
