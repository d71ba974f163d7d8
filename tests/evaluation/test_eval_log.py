"""What `senhance-eval` leaves behind besides the scores: a non-empty evaluate.log (what was scored, the
means, the problems) and a results.json without absolute paths (roots relative to the output folder,
files in messages relative to their input root)."""
import json
import os
import subprocess
import sys

import numpy as np
import soundfile as sf

from eval_fixtures import make_corpus


def test_evaluate_log_and_portable_results(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=2, seconds=0.5, snrs=(0, 5), manifest=False)
    sf.write(noisy_dir / "short.wav", np.zeros(800, dtype=np.float32), 16000)  # its clean file is longer
    sf.write(clean_dir / "short.wav", np.zeros(1600, dtype=np.float32), 16000)
    out = tmp_path / "data" / "eval"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "senhance.cli.evaluate", f"noisy_dir={noisy_dir}",
                             f"clean_dir={clean_dir}", "systems=[wiener]", "metrics=[si_sdr]", f"output_dir={out}",
                             "progress=false"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (out / "evaluate.log").read_text()
    results = json.loads((out / "results.json").read_text())
    mean = results["systems"]["wiener"]["summary"]["si_sdr"]["mean"]
    assert "evaluating 3 file(s)" in log
    assert f"wiener: 2 file(s) scored; si_sdr={mean:.4g}" in log
    assert "short.wav" in log  # the problem file is named
    config = results["config"]
    assert config["noisy_dir"] == os.path.join("..", "noisy") and config["clean_dir"] == os.path.join("..", "clean")
    assert os.path.normpath(out / config["noisy_dir"]) == str(noisy_dir)
    text = json.dumps(results)
    assert str(tmp_path) not in text
    assert any(e["error"].startswith("<clean_dir>/short.wav: ") for e in results["errors"]), results["errors"]


def test_a_training_run_folder_is_evaluated_with_its_best_pt(tmp_path):
    import torch

    from senhance.checkpoint import save_package
    from senhance.evaluation import evaluate
    from senhance.models import BandFilterNet

    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=2, seconds=0.5, snrs=(0, 5), manifest=False)
    torch.manual_seed(0)
    model = BandFilterNet(hidden_size=8, num_layers=1, conv_channels=2, n_bands=8, df_bins=8)
    save_package(tmp_path / "runs" / "exp1" / "checkpoints" / "best.pt", model, sample_rate=16000)
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "eval",
                       systems=[str(tmp_path / "runs" / "exp1"), f"file:{tmp_path}/runs/exp1/checkpoints/best.pt"],
                       metrics=["si_sdr"], examples=0, progress=False)
    assert results["errors"] == []
    assert results["systems"]["exp1"]["summary"] == results["systems"]["file"]["summary"]
