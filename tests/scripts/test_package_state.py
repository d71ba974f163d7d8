"""scripts/shipped/package_state.py: a training state's weights as a model package (run as a command)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

from senhance.checkpoint import load_package

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "shipped" / "package_state.py"
STATE = REPO / "scripts" / "shipped" / "training_state" / "default" / "last.pt"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO, capture_output=True, text=True)


def test_the_package_holds_the_states_ema_or_raw_weights(tmp_path):
    state = torch.load(STATE, map_location="cpu", weights_only=True)  # read directly, not through the script
    for flag, expected in (([], state["ema"]["module"]), (["--raw"], state["model"])):
        out = tmp_path / f"m{len(flag)}.pt"
        result = run(str(STATE), str(out), *flag)
        assert result.returncode == 0, result.stderr
        module, package = load_package(out)
        weights = module.state_dict()
        assert set(weights) == set(expected)
        assert all(torch.equal(weights[name], expected[name]) for name in expected)
        assert package["metrics"]["step"] == state["step"] and package["sample_rate"] == 16000


def test_writing_over_the_state_is_refused(tmp_path):
    copy = tmp_path / "last.pt"
    copy.write_bytes(STATE.read_bytes())
    result = run(str(copy), str(copy))
    assert result.returncode == 2 and "is the state itself" in result.stderr
    assert copy.read_bytes() == STATE.read_bytes()
