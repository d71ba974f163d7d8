"""ClosedFormTrainer and the linear model configs through Hydra."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from baseline_signals import mix, si_sdr_np, voiced, white
from senhance.baselines.linear_spectral import LinearSpectralRegressor
from senhance.baselines.linear_time import LinearTimeRegressor
from senhance.baselines.trainer import ClosedFormTrainer
from senhance.metrics import batched_si_sdr

ROOT = Path(__file__).resolve().parents[2]


class _Pairs(torch.utils.data.Dataset):
    """Generated {"noisy", "clean", "id"} items of different lengths (0 dB white noise)."""

    def __init__(self, seeds, seconds=0.5):
        self.items = []
        for seed in seeds:
            clean = voiced(seconds + 0.05 * seed, seed=seed, f0=110 + 10 * seed)
            noisy = mix(clean, white(len(clean), seed=100 + seed), 0.0)
            self.items.append({"noisy": noisy[None], "clean": clean[None], "id": f"item{seed}"})
        self.epochs = []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def test_si_sdr_matches_numpy_reference(rng):
    a, b = rng.standard_normal(500), rng.standard_normal(500)
    assert batched_si_sdr(torch.from_numpy(a + 0.5 * b), torch.from_numpy(a)).item() == pytest.approx(si_sdr_np(a + 0.5 * b, a), abs=1e-6)


@pytest.mark.parametrize("model_class", [LinearTimeRegressor, LinearSpectralRegressor])
def test_run_writes_package_and_history(tmp_path, model_class):
    from senhance.checkpoint import load_package

    train_set, valid_set = _Pairs(range(5)), _Pairs(range(10, 12))
    trainer = ClosedFormTrainer(model=model_class(), train_set=train_set, valid_set=valid_set, run_dir=tmp_path,
                                config={"model": "x"}, loss=object(), optimizer=object(), batch_size=2, progress=False)
    metrics = trainer.run()
    assert train_set.epochs == [0]
    assert metrics["train_examples"] == 5 and metrics["valid_examples"] == 2
    assert metrics["valid_si_sdr"] > metrics["valid_si_sdr_noisy"] + 2.0
    module, package = load_package(tmp_path / "checkpoints" / "best.pt")
    assert type(module) is model_class and package["metrics"]["valid_si_sdr"] == pytest.approx(metrics["valid_si_sdr"])
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["best"]["valid_si_sdr_improvement"] == pytest.approx(metrics["valid_si_sdr_improvement"])
    # the packaged model reproduces the fitted one
    item = valid_set[0]["noisy"][None]
    torch.testing.assert_close(module(item), trainer.model(item))


def test_fit_over_batches_equals_fit_over_one_batch(tmp_path):
    data = _Pairs(range(4))
    fits = []
    for batch_size in (1, 4):
        trainer = ClosedFormTrainer(model=LinearTimeRegressor(taps=17), train_set=data, valid_set=None,
                                    run_dir=tmp_path, batch_size=batch_size, progress=False)
        trainer.fit()
        fits.append(trainer.model.weight.clone())
    torch.testing.assert_close(fits[0], fits[1], rtol=1e-5, atol=1e-7)


def test_max_examples_and_errors(tmp_path):
    trainer = ClosedFormTrainer(model=LinearTimeRegressor(taps=9), train_set=_Pairs(range(5)), valid_set=None,
                                run_dir=tmp_path, batch_size=2, max_examples=3, progress=False)
    assert trainer.fit()["train_examples"] == 3
    with pytest.raises(ValueError, match="closed_form"):
        ClosedFormTrainer(model=torch.nn.Linear(2, 2), train_set=[], valid_set=None, run_dir=tmp_path)
    with pytest.raises(ValueError, match="train_set"):
        ClosedFormTrainer(model=LinearTimeRegressor(), train_set=_Pairs([]), valid_set=None, run_dir=tmp_path,
                          progress=False).fit()


@pytest.mark.parametrize("model,target", [("linear", "LinearTimeRegressor"), ("linear_spectral", "LinearSpectralRegressor")])
def test_model_configs_select_the_closed_form_trainer(model, target):
    from hydra import compose, initialize_config_dir

    from senhance.cli._command import parse
    from senhance.cli.train import COMMAND, implied_overrides

    overrides = implied_overrides(parse(COMMAND, [f"model={model}"]))  # senhance-train adds trainer=closed_form
    assert overrides == [f"model={model}", "trainer=closed_form"]
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    assert cfg.model._target_ == f"senhance.baselines.{target}"
    assert cfg.trainer._target_ == "senhance.baselines.ClosedFormTrainer"
    assert cfg.model.sample_rate == cfg.sample_rate


def test_senhance_train_fits_linear_end_to_end(tmp_path):
    """`senhance-train model=linear data=pairs ...` on generated files, then `senhance.load` the package."""
    import soundfile

    import senhance

    for folder in ("noisy", "clean"):
        (tmp_path / folder).mkdir()
    for seed in range(6):
        clean = voiced(0.6, seed=seed, f0=100 + 15 * seed).numpy()
        noisy = mix(torch.from_numpy(clean), white(len(clean), seed=50 + seed), 0.0).numpy()
        soundfile.write(tmp_path / "noisy" / f"s{seed}.wav", noisy, 16000, subtype="FLOAT")
        soundfile.write(tmp_path / "clean" / f"s{seed}.wav", clean, 16000, subtype="FLOAT")
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "senhance.cli.train", "model=linear", "model.taps=33", "data=pairs",
           f"data.noisy_dir={tmp_path / 'noisy'}", f"data.clean_dir={tmp_path / 'clean'}", "data.valid_fraction=0.34",
           f"data.cache_dir={tmp_path / 'cache'}", "num_workers=0", "batch_size=2", "trainer.progress=false",
           f"hydra.run.dir={run_dir}"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    history = json.loads((run_dir / "history.json").read_text())
    assert history["best"]["valid_si_sdr_improvement"] > 1.0
    enhancer = senhance.load(str(run_dir / "checkpoints" / "best.pt"))
    x = torch.randn(1, 8000) * 0.1
    assert enhancer.enhance(x, 16000).shape == x.shape


def test_run_ends_with_its_validation_score_and_improvement(tmp_path, caplog):
    import logging

    train_set, valid_set = _Pairs(range(4)), _Pairs(range(10, 12))
    trainer = ClosedFormTrainer(model=LinearSpectralRegressor(), train_set=train_set, valid_set=valid_set,
                                run_dir=tmp_path, batch_size=2, progress=False)
    with caplog.at_level(logging.INFO, logger="senhance.baselines.trainer"):
        trainer.run()
    history = json.loads((tmp_path / "history.json").read_text())["best"]
    before = [si_sdr_np(item["noisy"][0].numpy(), item["clean"][0].numpy()) for item in valid_set.items]
    assert history["valid_si_sdr_noisy"] == pytest.approx(np.mean(before), abs=1e-3)  # what the line reports
    line = caplog.records[-1].getMessage()
    assert f"valid_si_sdr={history['valid_si_sdr']:.2f} dB" in line
    assert f"improvement {history['valid_si_sdr_improvement']:+.2f} dB" in line
    assert line.endswith(str(tmp_path / "checkpoints" / "best.pt"))
