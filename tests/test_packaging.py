"""The wheel ships what the console commands need: every config, the example audio, the shipped
checkpoints and the console scripts; and an installed (non-editable) copy finds its configs.

The sdist and the wheel are built with ``python -m build`` from a copy of the packaging inputs (pyproject.toml,
setup.py, MANIFEST.in, requirements.lock, README.md, senhance/, configs/, checkpoints/) in a temporary folder, so
no build/ or *.egg-info is written into the working tree. ``--no-isolation`` is used when the venv's setuptools
satisfies the build requirement (>= 77), otherwise build makes an isolated environment (setuptools from the index).
The wheel is then installed into a fresh virtual environment outside the repository (reusing this
environment's torch through a .pth file, so nothing is downloaded) and used from another folder.
The expected lists come from the repository itself (configs/**/*.yaml, checkpoints/*.pt, pyproject.toml).
"""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "requirements.lock", "README.md", "senhance", "configs", "checkpoints",
          "scripts")  # scripts/: holds the shipped training state, which must stay out of both archives


def _setuptools_is_recent() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``(wheel path, source copy, build log, sdist path)``: ``python -m build`` makes the sdist, then the wheel
    from it."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "src"
    source.mkdir()
    for name in INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, source / name)
    out = root / "dist"
    command = [sys.executable, "-m", "build", str(source), "--outdir", str(out)]
    if _setuptools_is_recent():
        command.append("--no-isolation")
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=root)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    wheels, sdists = list(out.glob("senhance-*.whl")), list(out.glob("senhance-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, (wheels, sdists)
    with tarfile.open(sdists[0]) as archive:  # the sdist carries the lock, so a source install can use it
        assert any(name.endswith("/requirements.lock") for name in archive.getnames())
    return wheels[0], source, result.stdout + result.stderr, sdists[0]


def test_the_training_state_stays_out_of_the_wheel_and_the_sdist(built):
    """scripts/shipped/training_state/ (last.pt of the shipped model's training, 12 MB) is for resuming by hand."""
    wheel, source, _, sdist = built
    state = sorted(p.name for p in (source / "scripts" / "shipped" / "training_state").rglob("*") if p.is_file())
    assert {"history.json", "last.pt"} <= set(state)  # it was there to be picked up
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
    for names in (wheel_names, sdist_names):
        assert not [n for n in names if "training_state" in n or n.endswith("last.pt") or "/scripts/" in f"/{n}"]


def test_the_build_prints_no_packaging_warnings(built):
    """Data folders (configs/<group>, senhance/assets) are declared packages: no "would be ignored" screenful."""
    log = built[2]
    assert "would be ignored" not in log and "absent from the `packages` configuration" not in log, log[-3000:]


def test_wheel_contains_configs_assets_checkpoints_and_scripts(built):
    wheel, source = built[:2]
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


def _fresh_venv_reusing_this_torch(folder: Path) -> Path:
    """A new virtual environment outside the repository whose only extra path is this interpreter's
    site-packages (for torch & co., so nothing is downloaded); returns its python. The editable senhance
    of this environment is not visible there (.pth files of a path added by a .pth are not run)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "zz_reuse_torch.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_installed_in_a_fresh_venv_enhances_a_file_from_another_folder(built, tmp_path):
    """pip install the wheel (no deps) into a fresh venv; from an unrelated folder, `senhance-infer`
    enhances a file and `senhance.load("default")` loads the shipped model from the installed copy."""
    wheel, source = built[:2]
    python = _fresh_venv_reusing_this_torch(tmp_path / "venv")
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-compile", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    assert "warning" not in (install.stdout + install.stderr).lower(), install.stdout + install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy2(source / "senhance" / "assets" / "example_noisy.flac", elsewhere / "noisy.flac")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    infer = subprocess.run([str(tmp_path / "venv" / "bin" / "senhance-infer"), "input=noisy.flac",
                            "output=enhanced.flac"], cwd=elsewhere, env=env, capture_output=True, text=True,
                           timeout=300)
    assert infer.returncode == 0, (infer.stdout + infer.stderr)[-3000:]
    noisy, rate = sf.read(elsewhere / "noisy.flac")
    enhanced, enhanced_rate = sf.read(elsewhere / "enhanced.flac")
    assert enhanced_rate == rate and enhanced.shape == noisy.shape
    assert np.sqrt(np.mean((enhanced - noisy) ** 2)) > 1e-3  # the model changed the audio

    code = ("import importlib.resources as r, senhance; e = senhance.load('default'); "
            "print(senhance.__file__); print(r.files('senhance.configs') / 'train.yaml'); print(e.sample_rate)")
    result = subprocess.run([str(python), "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    module_file, train_yaml, sample_rate = result.stdout.strip().splitlines()[-3:]
    assert Path(module_file).is_relative_to(tmp_path / "venv")  # the installed copy, not the editable checkout
    assert Path(train_yaml).is_relative_to(tmp_path / "venv") and Path(train_yaml).is_file()
    assert sample_rate == "16000"
