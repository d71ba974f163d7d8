"""Two CPU processes on the gloo backend through torchrun, on the real configs."""
import json
import socket
import subprocess
import sys

from _train_support import make_corpus, overrides, subprocess_env
from senhance.checkpoint import load_package
from senhance.train.state import load_state


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_process_gloo_run_completes_and_checkpoints_load(tmp_path):
    speech, noise = make_corpus(tmp_path)
    run_dir = tmp_path / "run"
    args = overrides(tmp_path, run_dir, speech, noise, **{
        "trainer.max_steps": 4, "trainer.validate_every": 4, "trainer.save_every": 2, "trainer.log_every": 2,
        "batch_size": 2})
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
               f"--master_addr=127.0.0.1", f"--master_port={_free_port()}", "-m", "senhance.cli.train", *args]
    result = subprocess.run(command, cwd=tmp_path, env=subprocess_env(), capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (run_dir / "train.log").read_text()
    assert "rank 0 of 2" in log and "rank 1 of 2" in log
    assert load_state(run_dir / "checkpoints" / "last.pt")["step"] == 4
    module, package = load_package(run_dir / "checkpoints" / "best.pt")
    assert package["metrics"]["step"] == 4
    history = json.loads((run_dir / "history.json").read_text())
    assert [r["step"] for r in history["train"]] == [2, 4]
    # DistributedSampler: 2 ranks x batch 2 = 4 examples per step; 16 examples -> 4 steps = one epoch
    assert load_state(run_dir / "checkpoints" / "last.pt")["batch_in_epoch"] == 4
