"""Package layout only (metadata lives in pyproject.toml).

configs/ and checkpoints/ sit at the top of the repository and are installed as the
packages ``senhance.configs`` and ``senhance.checkpoints``, so the console commands
find them after a plain, non-editable ``pip install .``.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["senhance", "senhance.*"]) + ["senhance.configs", "senhance.checkpoints"],
    package_dir={"senhance.configs": "configs", "senhance.checkpoints": "checkpoints"},
)
