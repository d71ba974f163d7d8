"""The training command lines the repository ships (scripts/shipped/*.sh, scripts/recipes/*.sh) compose with
today's configs and build every part - model, loss, optimizer, both datasets (on tiny generated audio in the
scripts' folder layouts) and the trainer - the way ``senhance-train`` does.

The overrides are read from the scripts themselves: each logical line that runs ``-m senhance.cli.train`` is
expanded by bash with the scripts' variables pointing into a temporary folder.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hydra.utils import instantiate

from senhance.baselines import ClosedFormTrainer
from senhance.cli._command import compose, parse
from senhance.cli.train import COMMAND, build_datasets, check, implied_overrides
from senhance.train import Solver

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"


def train_lines(script: Path) -> list[str]:
    """The argument text after ``-m senhance.cli.train`` of each logical line of ``script`` that runs it."""
    logical = re.sub(r"\\\n\s*", " ", script.read_text())
    return [line.split("-m senhance.cli.train", 1)[1] for line in logical.splitlines()
            if "-m senhance.cli.train" in line and not line.lstrip().startswith("#")]


def expand(text: str, variables: dict[str, str]) -> list[str]:
    """The words bash makes of ``text`` (``"$@"`` empty), with ``variables`` set and recipe.sh sourced."""
    assignments = "".join(f"{name}={_sh(value)}; " for name, value in variables.items())
    program = (f"{assignments}source {_sh(SCRIPTS / 'shipped' / 'recipe.sh')}; set --; "
               f"words=( {text} ); printf '%s\\0' \"${{words[@]}}\"")
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return [word for word in result.stdout.split("\0") if word]


def _sh(value) -> str:
    return "'" + str(value).replace("'", "'\\''") + "'"


def _voice(seconds: float, sample_rate: int, f0: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.3 * np.sin(2 * np.pi * f0 * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def _speech_and_noise(speech: Path, noise: Path, *, manifest: Path | None = None) -> None:
    rows = ["file\tspeaker_id"]
    for s in range(4):
        for u in range(2):
            name = f"reader_{s:05d}_{u}.wav"
            sf.write(speech / name, _voice(1.0, 16000, 120 + 30 * s, seed=10 * s + u), 16000)
            rows.append(f"speech/{name}\tspk{s}")
    for n in range(3):
        sf.write(noise / f"noise{n}.wav", 0.05 * np.random.default_rng(n).standard_normal(16000).astype(np.float32),
                 16000)
        rows.append(f"noise/noise{n}.wav\t")
    if manifest is not None:
        manifest.write_text("\n".join(rows) + "\n")


def _folders(*paths: Path) -> None:
    for path in paths:
        path.mkdir(parents=True, exist_ok=True)


def shipped_corpus(tmp: Path) -> dict[str, str]:
    corpus = tmp / "corpus"
    _folders(corpus / "speech", corpus / "noise")
    _speech_and_noise(corpus / "speech", corpus / "noise", manifest=corpus / "MANIFEST.tsv")
    return {"corpus": str(corpus)}


def dns_tree(tmp: Path) -> dict[str, str]:
    work = tmp / "dns"
    for subset in ("train", "valid"):
        _folders(work / subset / "speech", work / subset / "noise")
        _speech_and_noise(work / subset / "speech", work / subset / "noise")
    return {"work": str(work), "root": str(tmp / "DNS"), "here": str(SCRIPTS / "recipes"), "py": "python"}


def voicebank_tree(tmp: Path) -> dict[str, str]:
    root = tmp / "VB"
    _folders(root / "noisy_trainset_28spk_wav", root / "clean_trainset_28spk_wav")
    for s, speaker in enumerate(["p226", "p227", "p228", "p229"]):
        for u in (1, 2):
            clean = _voice(0.5, 48000, 120 + 30 * s, seed=s * 10 + u)
            sf.write(root / "clean_trainset_28spk_wav" / f"{speaker}_{u:03d}.wav", clean, 48000)
            sf.write(root / "noisy_trainset_28spk_wav" / f"{speaker}_{u:03d}.wav", clean + 0.02, 48000)
    return {"root": str(root), "work": str(tmp / "vb"), "here": str(SCRIPTS / "recipes"), "py": "python"}


# (script, line index, folder layout, extra bash variables)
RECIPES = [
    ("shipped/train_default.sh", 0, shipped_corpus, {}),
    ("shipped/fit_linear.sh", 0, shipped_corpus, {"model": "linear"}),
    ("shipped/fit_linear.sh", 0, shipped_corpus, {"model": "linear_spectral"}),
    ("shipped/finetune_leg6.sh", 0, shipped_corpus,
     {"arm": "causal", "lookahead": "0", "init": str(REPO / "checkpoints" / "default.pt"), "steps": "3600", "lr": "5e-4",
      "residual": "0.0"}),
    ("shipped/finetune_leg6.sh", 0, shipped_corpus,
     {"arm": "lookahead2", "lookahead": "2", "init": str(REPO / "checkpoints" / "default.pt"), "steps": "1000",
      "lr": "2e-4", "residual": "1.0"}),
    ("recipes/dns.sh", 0, dns_tree, {}),
    ("recipes/voicebank_demand.sh", 0, voicebank_tree, {}),
]


#: scripts that mention the training command but train with another script's words (tested where named)
DERIVED = {"shipped/gpu/leg.sh": "runs train_default.sh's own argument list (tests/scripts/test_gpu_leg.py)"}


def test_every_script_that_trains_is_listed():
    scripts = {p.relative_to(SCRIPTS).as_posix() for p in SCRIPTS.rglob("*.sh") if train_lines(p)} - set(DERIVED)
    assert scripts == {script for script, *_ in RECIPES}
    assert all(len(train_lines(SCRIPTS / script)) == 1 for script in scripts)


@pytest.mark.filterwarnings("ignore:.*split .*by file")
@pytest.mark.parametrize("script, index, layout, variables", RECIPES,
                         ids=[f"{s}:{v.get('model') or v.get('arm', '')}" for s, _, _, v in RECIPES])
def test_shipped_command_lines_compose_and_build(script, index, layout, variables, tmp_path, monkeypatch):
    variables = {**layout(tmp_path), **variables}
    words = expand(train_lines(SCRIPTS / script)[index], variables)
    assert words and all("=" in word for word in words), words
    monkeypatch.chdir(REPO)  # the scripts run from the repository root (relative paths: checkpoints/...)
    split = tmp_path / "split.tsv"  # the shipped split file names the real corpus' files, not these
    words = [f"data.split_file={split}" if w.startswith("data.split_file=") else w for w in words]
    overrides = implied_overrides(parse(COMMAND, words))
    cfg = compose("train", overrides, own_root=False)
    check(cfg)  # what senhance-train checks before it makes the run folder

    given = dict(word.split("=", 1) for word in words)
    for key, text in given.items():  # every key a script sets reaches the composed config
        if key.startswith("hydra.") or "." not in key:
            continue
        node, leaf = cfg, key.split(".")
        for part in leaf[:-1]:
            node = node[part]
        assert leaf[-1] in node, key

    model, loss = instantiate(cfg.model), instantiate(cfg.loss)
    train_set, valid_set = build_datasets(cfg.data)
    assert train_set.sample_rate == valid_set.sample_rate == cfg.sample_rate == model.sample_rate
    item, valid_item = train_set[0], valid_set[0]
    assert item["noisy"].shape == item["clean"].shape and item["noisy"].shape[0] == 1
    if cfg.data._target_ == "senhance.data.PairedDataset":  # data.valid: segment_seconds null = whole files
        assert valid_item["noisy"].shape == (1, 8000)  # a 0.5 s file at 16 kHz
        assert len(train_set) + len(valid_set) == 8
        assert (train_set.segment, valid_set.segment) == (4 * 16000, None)  # 4 s crops for training
    else:
        assert train_set.subset == "train" and valid_set.subset == "valid"
    make_trainer = instantiate(cfg.trainer, _partial_=True)
    trainer = make_trainer(model=model, loss=loss, train_set=train_set, valid_set=valid_set,
                           optimizer=instantiate(cfg.optim), run_dir=tmp_path / "run", config={})
    expected = ClosedFormTrainer if variables.get("model", "default").startswith("linear") else Solver
    assert type(trainer) is expected
    if expected is Solver:
        assert trainer.max_steps == int(given.get("trainer.max_steps", 20000))
        assert trainer.batch_size == int(given.get("batch_size", 8))
