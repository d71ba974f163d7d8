"""Bench tests: ``bench/`` on the path, so ``peers`` and ``peer_runners`` import as the script sees them."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
