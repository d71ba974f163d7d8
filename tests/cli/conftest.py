"""tests/cli: the commands driven as a user drives them; helpers live in cli_support.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
