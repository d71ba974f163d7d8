"""Helpers of pack.py: what the working tree carries, the wheels, and the coding loss."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

#: packages the GPU image lacks (KINDS.md's list), in install order; versions come from requirements.lock.
#: pesq is left out: PyPI has no cp312 wheel of it and the recipe scores no PESQ (trainer.pesq_items=0).
WHEELS = ("antlr4-python3-runtime", "omegaconf", "hydra-core", "pycparser", "cffi", "soundfile", "pystoi")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux1_x86_64")
BANDS = ((0, 1000), (1000, 2000), (2000, 4000), (4000, 6000), (6000, 8000))


def _git_files(root: Path) -> list[Path]:
    """Tracked and untracked-not-ignored files; none (with a note) outside a git checkout."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        print(f"note: {root} is not a git checkout: the working tree is not counted in what travels", file=sys.stderr)
        return []
    return [root / name for name in listed.decode().split("\0") if name]


def repo_travel_bytes(root: Path) -> int:
    """Bytes of the working tree the device tool sends: tracked + untracked-not-ignored files."""
    return sum(p.stat().st_size for p in _git_files(root) if p.is_file() and not p.is_symlink())


def travels_with_tree(root: Path, path: Path) -> bool:
    """Whether ``path`` is a tracked or untracked-not-ignored file of the working tree at ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return path.resolve() in {p.resolve() for p in _git_files(root)}


def locked_versions(lock: Path, python: str = "3.12.0") -> dict[str, str]:
    """``{name: version}`` of :data:`WHEELS` from a uv/pip-compile lock, markers evaluated for ``python``."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    env = {"python_full_version": python, "python_version": python.rsplit(".", 1)[0], "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_machine": "x86_64"}
    versions = {}
    for line in lock.read_text().splitlines():
        line = line.split("#")[0].strip().rstrip("\\").strip()
        if "==" not in line:
            continue
        req = Requirement(line)
        if req.marker is not None and not Marker(str(req.marker)).evaluate(env):
            continue
        name = req.name.lower().replace("_", "-")
        if name in WHEELS:
            versions[name] = str(req.specifier).lstrip("=")
    missing = [name for name in WHEELS if name not in versions]
    if missing:
        raise SystemExit(f"{lock}: no pinned version of {missing}")
    return versions


def download_wheels(folder: Path, lock: Path) -> list[Path]:
    """cp312 manylinux wheels of :data:`WHEELS` into ``folder`` (replaced); a package that PyPI has only as an
    sdist (antlr4-python3-runtime 4.9.3, pure Python) is built into a wheel here."""
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".wheels.") as tmp:
        for name, version in locked_versions(lock).items():
            spec = f"{name}=={version}"
            command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                       "--python-version", "3.12", "--implementation", "cp", "-d", tmp, spec]
            for platform in PLATFORMS:
                command += ["--platform", platform]
            if subprocess.run(command, capture_output=True).returncode != 0:
                built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp, spec],
                                       capture_output=True, text=True)
                wheel = list(Path(tmp).glob(f"{name.replace('-', '_')}-{version}-*.whl"))
                if built.returncode != 0 or not wheel or not wheel[0].name.endswith("-py3-none-any.whl"):
                    raise SystemExit(f"no cp312 manylinux wheel of {spec}, and building a pure-Python one failed:\n"
                                     f"{built.stderr[-2000:]}")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(tmp, folder)
        folder.chmod(0o755)
    return sorted(folder.glob("*.whl"))


def _si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    scale = np.dot(estimate, reference) / max(np.dot(reference, reference), 1e-20)
    target = scale * reference
    return float(10 * np.log10(max(np.sum(target ** 2), 1e-20) / max(np.sum((estimate - target) ** 2), 1e-20)))


def coding_quality(pairs: list[tuple[str, str]]) -> dict:
    """Coding loss over ``(original, coded)`` files: SI-SDR per file (median, min), and per band over all files
    the SNR (original power / error power) and the energy change (coded / original power), in dB."""
    from scipy.signal import stft

    if not pairs:
        return {}
    scores, ref, err, out = [], np.zeros(len(BANDS)), np.zeros(len(BANDS)), np.zeros(len(BANDS))
    for original, coded in pairs:
        x, rate = sf.read(original, dtype="float64", always_2d=True)  # (T, C)
        y, _ = sf.read(coded, dtype="float64", always_2d=True)
        x, y = x.mean(axis=1), y.mean(axis=1)  # (T,)
        scores.append(_si_sdr(x, y))
        freqs, _, X = stft(x, fs=rate, nperseg=512)  # (F, N)
        _, _, Y = stft(y, fs=rate, nperseg=512)
        for i, (low, high) in enumerate(BANDS):
            band = (freqs >= low) & (freqs < high)
            ref[i] += np.sum(np.abs(X[band]) ** 2)
            out[i] += np.sum(np.abs(Y[band]) ** 2)
            err[i] += np.sum(np.abs(X[band] - Y[band]) ** 2)
    names = [f"{low / 1000:g}-{high / 1000:g}k" for low, high in BANDS]
    db = lambda a, b: round(float(10 * np.log10(max(a, 1e-20) / max(b, 1e-20))), 2)  # noqa: E731
    return {"files": len(pairs), "si_sdr_median": round(float(np.median(scores)), 2),
            "si_sdr_min": round(float(np.min(scores)), 2), "si_sdr_mean": round(float(np.mean(scores)), 2),
            "band_snr_db": dict(zip(names, map(db, ref, err))),
            "band_energy_db": dict(zip(names, map(db, out, ref)))}
