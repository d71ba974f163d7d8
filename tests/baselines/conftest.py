"""Baseline tests: make the generated-signal helpers (baseline_signals.py) importable.

The tests use the real ``senhance.dsp`` / ``senhance.checkpoint`` / ``senhance.data``; only tiny
generated audio, never external data.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode: add this folder for baseline_signals
