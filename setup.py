"""Package layout only (metadata lives in pyproject.toml).

configs/ and checkpoints/ sit at the top of the repository and are installed as the packages
``senhance.configs`` and ``senhance.checkpoints``, so the console commands find them after a plain,
non-editable ``pip install .``. Their sub-folders (``configs/model``, ...) and ``senhance/assets`` hold
only data files; they are listed as namespace packages with their data, so setuptools installs them
without warnings, and a new config group is packaged without editing this file.
"""
from setuptools import find_namespace_packages, setup

CONFIG_GROUPS = [f"senhance.configs.{name}" for name in find_namespace_packages(where="configs")]
PACKAGE_DATA = {
    "senhance.configs": ["*.yaml"],
    **{group: ["*.yaml"] for group in CONFIG_GROUPS},
    "senhance.checkpoints": ["*.pt", "*.md", "*.json", "*.png", "*.tsv"],
    "senhance.assets": ["*.flac", "*.md"],
}

setup(
    packages=find_namespace_packages(include=["senhance", "senhance.*"], exclude=["*.__pycache__"])
    + ["senhance.configs", *CONFIG_GROUPS, "senhance.checkpoints"],
    package_dir={"senhance.configs": "configs", "senhance.checkpoints": "checkpoints"},
    package_data=PACKAGE_DATA,
)
