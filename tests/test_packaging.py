"""The wheel ships what the console commands need: every config, the example audio, the shipped
checkpoints and the console scripts; and an installed (non-editable) copy finds its configs.

The wheel is built from a copy of the packaging inputs (pyproject.toml, setup.py, README.md, senhance/,
configs/, checkpoints/) in a temporary folder, so no build/ or *.egg-info is written into the working tree.
``--no-build-isolation`` is used when the venv's setuptools satisfies the build requirement (>= 77),
otherwise pip builds in an isolated environment (which needs setuptools>=77 from the index or pip's cache).
The expected lists come from the repository itself (configs/**/*.yaml, checkpoints/*.pt, pyproject.toml).
"""
from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("pyproject.toml", "setup.py", "README.md", "senhance", "configs", "checkpoints")


def _setuptools_is_recent() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``(wheel path, source copy)``; the wheel is built once for the module."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "src"
    source.mkdir()
    for name in INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, source / name)
    out = root / "dist"
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)]
    if _setuptools_is_recent():
        command.append("--no-build-isolation")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=root)
    if result.returncode != 0 and "satisfies the requirement setuptools" in result.stderr:
        pytest.skip("no setuptools>=77 for an isolated build (offline index, venv has "
                    "an older setuptools): install setuptools>=77 into the venv")
    assert result.returncode == 0, result.stderr[-3000:]
    wheels = list(out.glob("senhance-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], source


def test_wheel_contains_configs_assets_checkpoints_and_scripts(built):
    wheel, source = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = configparser.ConfigParser()
        scripts.read_string(archive.read(entry_points).decode())
        noisy = archive.read("senhance/assets/example_noisy.flac")
        packed_pt = {n: archive.getinfo(n).file_size for n in names if n.startswith("senhance/checkpoints/")}

    assert "senhance/configs/train.yaml" in names
    configs = sorted(p.relative_to(REPO / "configs").as_posix() for p in (REPO / "configs").rglob("*.yaml"))
    assert len(configs) >= 20 and "model/default.yaml" in configs
    assert [c for c in configs if f"senhance/configs/{c}" not in names] == []
    assert noisy == (REPO / "senhance" / "assets" / "example_noisy.flac").read_bytes()
    checkpoints = sorted((source / "checkpoints").glob("*.pt"))  # the copy the wheel was built from
    assert checkpoints, "no checkpoints/*.pt in the repository"
    for path in checkpoints:
        assert packed_pt.get(f"senhance/checkpoints/{path.name}") == path.stat().st_size, path.name
    card_files = [p.name for p in (source / "checkpoints").iterdir() if p.suffix in (".md", ".png")]
    assert "default.md" in card_files and "default.training.png" in card_files  # the model card and its figure
    assert [n for n in card_files if f"senhance/checkpoints/{n}" not in packed_pt] == []
    assert not any(n.startswith(("tests/", "train_runs/", "configs/", "checkpoints/")) for n in names)

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert {"senhance-train", "senhance-eval", "senhance-infer", "senhance-export"} <= set(declared)
    assert dict(scripts["console_scripts"]) == declared


def test_installed_wheel_finds_its_configs_outside_the_repository(built, tmp_path):
    """``pip install --target`` (no deps, nothing else installed), then import from another folder."""
    wheel, source = built
    target = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
                             "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import importlib.resources as r, senhance; "
            "print(senhance.__file__); print(r.files('senhance.configs') / 'train.yaml'); "
            "print(sorted(p.name for p in r.files('senhance.checkpoints').iterdir() if p.name.endswith('.pt')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    module_file, train_yaml, pts = result.stdout.strip().splitlines()[-3:]
    assert Path(module_file).is_relative_to(target)  # the installed copy, not the editable checkout
    assert Path(train_yaml) == target / "senhance" / "configs" / "train.yaml" and Path(train_yaml).is_file()
    assert ast.literal_eval(pts) == sorted(p.name for p in (source / "checkpoints").glob("*.pt"))
