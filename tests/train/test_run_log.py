"""What a `senhance-train` run leaves in its log (train.log, through Hydra's logging): the speaker-split
warnings of both data sets as log lines (not raw UserWarnings on stderr), the warm-up fit, and the
closing line about best.pt."""
import json
import subprocess
import sys

import pytest

from _train_support import make_corpus, make_pairs, overrides, pairs_overrides, subprocess_env


def _train(args, cwd):
    return subprocess.run([sys.executable, "-m", "senhance.cli.train", *args], cwd=cwd, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def pairs_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pairs")
    noisy, clean = make_pairs(tmp / "data", count=4)
    run_dir = tmp / "run"
    result = _train(pairs_overrides(tmp, run_dir, noisy, clean, **{
        "trainer.max_steps": 2, "trainer.validate_every": 2, "trainer.warmup_steps": 500}), tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, run_dir


def test_by_file_split_of_paired_folders_is_in_train_log(pairs_run):
    result, run_dir = pairs_run
    log = (run_dir / "train.log").read_text()
    assert "split into training and validation by file and a speaker may be in both" in log
    assert "UserWarning" not in result.stderr and "UserWarning" not in log


def test_run_ends_with_best_pt_step_and_score(pairs_run):
    result, run_dir = pairs_run
    best = json.loads((run_dir / "history.json").read_text())["best"]
    lines = (run_dir / "train.log").read_text().splitlines()
    closing = [line for line in lines if "best.pt is from step" in line]
    assert len(closing) == 1
    assert f"best.pt is from step {best['step']} of 2: valid loss={best['loss']:.4g}" in closing[0]
    assert closing[0].endswith(str(run_dir / "checkpoints" / "best.pt"))
    assert "warming up over 1 steps instead" in "\n".join(lines)


def test_mixing_speaker_split_warning_goes_to_train_log(tmp_path):
    speech, noise = make_corpus(tmp_path, speech=3, noise=2, seconds=0.5)
    run_dir = tmp_path / "run"
    result = _train(overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": 1, "trainer.validate_every": 1, "data.examples_per_epoch": 4}), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (run_dir / "train.log").read_text()
    assert "speech is split by file and a speaker may be in both training and validation" in log
    assert "UserWarning" not in result.stderr and "UserWarning" not in log
