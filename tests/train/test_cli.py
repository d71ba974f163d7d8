"""The Hydra entry point on the real configs (configs/train.yaml + model/data/loss groups) and
generated audio: end-to-end training, bad input messages, SIGKILL + resume."""
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from _train_support import make_corpus, make_pairs, overrides, pairs_overrides, subprocess_env
from senhance.checkpoint import load_package
from senhance.train.state import CorruptCheckpointError, load_state

PY = sys.executable


def run_cli(args, *, cwd, module="senhance.cli.train", timeout=120, full_error=True):
    env = subprocess_env()
    if not full_error:  # as a user runs it: HYDRA_FULL_ERROR=1 would ask for the traceback
        env.pop("HYDRA_FULL_ERROR")
    return subprocess.run([PY, "-m", module, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.filterwarnings("ignore:speech_dir.*split by file")
def test_end_to_end_real_config_lowers_validation_loss(tmp_path, train_in_process):
    speech, noise = make_corpus(tmp_path)
    run_dir = tmp_path / "run"
    summary = train_in_process(overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": 24, "trainer.validate_every": 8, "trainer.save_every": 8}), run_dir)
    history = json.loads((run_dir / "history.json").read_text())
    losses = [v["loss"] for v in history["valid"]]
    assert [v["step"] for v in history["valid"]] == [8, 16, 24]
    assert losses[-1] < losses[0], losses
    assert summary["step"] == 24 and load_state(run_dir / "checkpoints" / "last.pt")["step"] == 24
    module, package = load_package(run_dir / "checkpoints" / "best.pt")
    assert package["metrics"]["step"] == history["best"]["step"]
    assert package["config"]["data"]["speech_dir"] == str(speech)
    assert package["config"]["model"]["hidden_size"] == 16 and module.hidden_size == 16


@pytest.mark.filterwarnings("ignore:noisy_dir.*split into training and validation by file")
def test_end_to_end_data_pairs_with_the_gradient_solver(tmp_path, train_in_process):
    """`senhance-train data=pairs` (default trainer: the Solver) on generated noisy/clean folders."""
    noisy, clean = make_pairs(tmp_path / "pairs")
    run_dir = tmp_path / "run"
    summary = train_in_process(pairs_overrides(tmp_path, run_dir, noisy, clean, **{
        "trainer.max_steps": 6, "trainer.validate_every": 3, "trainer.save_every": 3, "trainer.log_every": 1}),
        run_dir)
    assert summary["step"] == 6 and load_state(run_dir / "checkpoints" / "last.pt")["step"] == 6
    history = json.loads((run_dir / "history.json").read_text())
    assert [r["step"] for r in history["train"]] == list(range(1, 7))
    assert all(math.isfinite(r["loss"]) and math.isfinite(r["grad_norm"]) and r["lr"] > 0 for r in history["train"])
    assert [v["step"] for v in history["valid"]] == [3, 6]
    assert all(math.isfinite(v["loss"]) and math.isfinite(v["si_sdr"]) for v in history["valid"])
    assert history["best"]["step"] in (3, 6)
    module, package = load_package(run_dir / "checkpoints" / "best.pt")
    assert package["metrics"]["step"] == history["best"]["step"]
    assert package["config"]["data"]["noisy_dir"] == str(noisy) and module.hidden_size == 16
    x = torch.randn(1, 1, 4000) * 0.1
    with torch.no_grad():
        y = module(x)
    assert y.shape == x.shape and torch.isfinite(y).all()


def test_help_and_cfg_job_from_installed_config_package(tmp_path):
    result = run_cli(["--cfg", "job", "data.speech_dir=s", "data.noise_dir=n"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "_target_: senhance.train.Solver" in result.stdout and "speech_dir: s" in result.stdout
    result = run_cli(["--help"], cwd=tmp_path)
    assert result.returncode == 0 and "trainer: closed_form, default" in result.stdout


def test_missing_folder_gives_one_clear_line(tmp_path):
    result = run_cli([f"data.speech_dir={tmp_path / 'nope'}", f"data.noise_dir={tmp_path}",
                      f"hydra.run.dir={tmp_path / 'run'}", "device=cpu"], cwd=tmp_path, full_error=False)
    assert result.returncode == 1
    assert "senhance-train: error:" in result.stderr and "nope" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()  # checked before Hydra makes the run folder


def test_sigkill_leaves_loadable_last_pt_and_resume_continues(tmp_path):
    speech, noise = make_corpus(tmp_path)
    run_dir = tmp_path / "run"
    last = run_dir / "checkpoints" / "last.pt"
    args = overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": 400, "trainer.validate_every": 1000, "trainer.save_every": 1, "trainer.log_every": 1})
    process = subprocess.Popen([PY, "-m", "senhance.cli.train", *args], cwd=tmp_path, env=subprocess_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if load_state(last)["step"] >= 3:
                    break
            except (CorruptCheckpointError, FileNotFoundError):
                pass
            time.sleep(0.05)
        else:
            pytest.fail("the training run never reached step 3")
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-step, possibly mid-save
        process.wait()
    killed_at = load_state(last)["step"]  # loadable after SIGKILL
    assert killed_at >= 3
    result = run_cli(overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": killed_at + 2, "trainer.validate_every": 1000, "trainer.save_every": 1,
        "trainer.log_every": 1}), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    history = json.loads((run_dir / "history.json").read_text())
    assert history["resumed_at"] == [killed_at]
    steps = [r["step"] for r in history["train"]]
    assert steps == list(range(1, killed_at + 3))
    assert load_state(last)["step"] == killed_at + 2
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    resolved = (run_dir / "config.resolved.yaml").read_text()
    assert f"speech_dir: {speech}" in resolved and "${" not in resolved
    assert torch.load(last, weights_only=True)["epoch"] >= 0


def test_model_linear_brings_the_closed_form_trainer_and_default_the_solver():
    """The trainer follows the model's class (a ClosedFormModel gets trainer=closed_form), not a global package."""
    from senhance.cli._command import compose, parse
    from senhance.cli.train import COMMAND, implied_overrides

    def composed(*words):
        return compose("train", implied_overrides(parse(COMMAND, list(words))), own_root=False)

    default = composed("data.speech_dir=s", "data.noise_dir=n")
    assert default.trainer._target_ == "senhance.train.Solver"
    assert default.optim._target_ == "torch.optim.AdamW" and default.optim._partial_ is True
    assert default.sample_rate == 16000 and default.device == "auto"
    for model, target in (("linear", "LinearTimeRegressor"), ("linear_spectral", "LinearSpectralRegressor")):
        linear = composed(f"model={model}", "trainer.ridge=0.01", "data.speech_dir=s", "data.noise_dir=n")
        assert linear.model._target_ == f"senhance.baselines.{target}"
        assert linear.trainer._target_ == "senhance.baselines.ClosedFormTrainer" and linear.trainer.ridge == 0.01
        assert "Solver" not in str(linear) and linear.model.sample_rate == linear.sample_rate
    explicit = composed("model=linear", "trainer=default", "data.speech_dir=s", "data.noise_dir=n")
    assert explicit.trainer._target_ == "senhance.train.Solver"  # chosen by the user: kept, then refused below


@pytest.mark.parametrize("words, message", [
    (["model=linear", "trainer=default"], "LinearTimeRegressor is fitted in closed form.*give trainer=closed_form"),
    (["trainer=closed_form"], "fits the linear baselines only.*not BandFilterNet: give trainer=default"),
    (["model=linear", "+frontend=learnable"], "model.preemphasis.*not a setting of .*LinearTimeRegressor.*frontend"),
    (["model=linear_spectral", "+frontend=none"], "model.preemphasis, model.highpass_hz: not a setting"),
])
def test_mismatched_trainer_or_frontend_is_refused_with_the_fix(tmp_path, words, message):
    from senhance.cli._command import compose, parse
    from senhance.cli.train import COMMAND, check, implied_overrides
    from senhance.errors import ConfigError

    cfg = compose("train", implied_overrides(parse(COMMAND, [*words, f"data.speech_dir={tmp_path}",
                                                           f"data.noise_dir={tmp_path}"])), own_root=False)
    with pytest.raises(ConfigError, match=message):
        check(cfg)


def test_sweep_over_closed_form_and_gradient_models_is_refused():
    from senhance.cli._command import parse
    from senhance.cli.train import COMMAND, implied_overrides
    from senhance.errors import UsageError

    both = parse(COMMAND, ["-m", "model=linear,default", "data.speech_dir=s", "data.noise_dir=n"])
    with pytest.raises(UsageError, match="linear fitted in closed form.*default by the Solver"):
        implied_overrides(both)
    linear = parse(COMMAND, ["-m", "model=linear,linear_spectral", "trainer.ridge=0.1,1", "data.speech_dir=s"])
    assert implied_overrides(linear)[-1] == "trainer=closed_form"


def test_plus_frontend_learnable_applies_to_every_band_filter_net_variant(tmp_path):
    from hydra.utils import instantiate

    from senhance.cli._command import compose
    from senhance.cli.train import check

    for model, rate in (("default", 16000), ("large", 16000), ("fullband", 48000)):
        cfg = compose("train", [f"model={model}", f"sample_rate={rate}", "+frontend=learnable",
                                f"data.speech_dir={tmp_path}", f"data.noise_dir={tmp_path}"], own_root=False)
        check(cfg)
        network = instantiate(cfg.model)
        assert network.frontend.enabled and network.sample_rate == rate
        assert float(network.frontend.coefficient.detach()) == pytest.approx(0.9)  # configs/frontend/learnable.yaml


@pytest.mark.filterwarnings("ignore:speech_dir.*split by file")
def test_empty_corpus_and_rate_mismatch_are_named(tmp_path, train_in_process):
    from senhance.cli._errors import user_error
    from senhance.errors import UserError

    speech, noise = make_corpus(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception) as info:
        train_in_process(overrides(tmp_path, tmp_path / "r1", tmp_path / "empty", noise), tmp_path / "r1")
    cause = user_error(info.value)  # what senhance-train reports as one line
    assert isinstance(cause, UserError) and isinstance(cause, ValueError) and "empty" in str(cause)
    with pytest.raises(ValueError, match="model works at 8000 Hz"):
        train_in_process(overrides(tmp_path, tmp_path / "r2", speech, noise, **{"model.sample_rate": 8000}),
                         tmp_path / "r2")
    assert not (tmp_path / "r2" / "checkpoints").exists()


@pytest.mark.filterwarnings("ignore:speech_dir.*split by file", "ignore:noise_dir.*split by file")
def test_a_subset_node_changes_only_its_own_dataset(tmp_path):
    """``data.valid`` holds what the validation set changes; the training set keeps the settings at the top."""
    from senhance.cli._command import compose
    from senhance.cli.train import build_datasets, dataset_config
    from senhance.errors import ConfigError

    speech, noise = make_corpus(tmp_path)
    base = [f"data.speech_dir={speech}", f"data.noise_dir={noise}", f"data.cache_dir={tmp_path / 'cache'}",
            "data.segment_seconds=0.25", "data.examples_per_epoch=3", "data.valid_fraction=0.34"]
    cfg = compose("train", [*base, "+data.valid.valid_seconds=0.5", "+data.train.snr_range=[0,1]"], own_root=False)
    train_set, valid_set = build_datasets(cfg.data)
    assert (train_set.subset, valid_set.subset) == ("train", "valid")
    assert train_set[0]["noisy"].shape == (1, 4000) and valid_set[0]["noisy"].shape == (1, 8000)  # at 16 kHz
    assert train_set.options.snr_range == (0.0, 1.0) and valid_set.options.snr_range == (-5.0, 20.0)
    assert dataset_config(cfg.data, "train")["valid_seconds"] is None
    cfg = compose("train", [*base, "+data.valid.segment_seconds=-1"], own_root=False)
    with pytest.raises(ConfigError, match=r"^data \(valid set\): segment_seconds=-1 must be positive"):
        build_datasets(cfg.data)
    with pytest.raises(ValueError, match="subset='test' must be one of"):
        dataset_config(cfg.data, "test")
