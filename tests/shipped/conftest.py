"""Shipped-model tests: reuse the generated speech-like signals of the baseline tests."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "baselines"))  # baseline_signals (importlib mode)
