"""requirements.lock agrees with pyproject.toml, and the environment `make` builds is the locked one.

The lock (compiled by uv from pyproject.toml, command in the README and its own header) is what `make demo`,
`make test` and CI install with (`pip install -c requirements.lock ...`). These checks fail when a dependency
is added or re-pinned in pyproject.toml without refreshing the lock, or when an install drifted from it.
"""
from __future__ import annotations

import importlib.metadata as metadata
import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
COMPILE = "uv pip compile pyproject.toml --all-extras --universal --python-version 3.10 -o requirements.lock"


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _declared() -> list[Requirement]:
    project = _project()
    texts = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        texts += extra
    return [Requirement(text) for text in texts]


def _locked() -> dict[str, list[tuple[Version, Requirement]]]:
    """``{name: [(version, requirement with its marker), ...]}`` (a universal lock may hold a package
    several times, one line per range of Python versions)."""
    entries: dict[str, list[tuple[Version, Requirement]]] = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"requirements.lock: {line!r} is not an exact pin"
        entries.setdefault(canonicalize_name(requirement.name), []).append((Version(specifier.version), requirement))
    return entries


def test_the_lock_records_the_command_that_refreshes_it_and_the_readme_gives_it():
    assert COMPILE in LOCK.read_text().splitlines()[1]
    assert COMPILE in (REPO / "Makefile").read_text()
    readme = (REPO / "README.md").read_text()
    assert "make lock" in readme and "requirements.lock" in readme


def test_every_declared_dependency_is_locked_at_a_version_it_allows():
    locked = _locked()
    problems = []
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is in pyproject.toml but not in requirements.lock")
            continue
        for version, _ in locked[name]:
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{requirement} (pyproject.toml) does not allow {name}=={version} (requirements.lock)")
    assert problems == [], "run `make lock` and commit requirements.lock:\n" + "\n".join(problems)


def test_torch_and_torchaudio_are_pinned_exactly_and_locked_at_the_pins():
    pins = {}
    for requirement in map(Requirement, _project()["dependencies"]):
        if requirement.name in ("torch", "torchaudio"):
            (specifier,) = requirement.specifier
            assert specifier.operator == "==" and re.fullmatch(r"\d+\.\d+\.\d+", specifier.version), requirement
            pins[requirement.name] = Version(specifier.version)
    assert set(pins) == {"torch", "torchaudio"}
    locked = _locked()
    assert [v for v, _ in locked["torch"]] == [pins["torch"]]
    assert [v for v, _ in locked["torchaudio"]] == [pins["torchaudio"]]


def test_make_and_ci_install_with_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"pip install .*-c requirements\.lock -e \"\.\[dev,metrics,onnx\]\"", makefile)
    assert "pip check" in makefile
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_this_environment_has_the_locked_version_of_everything_installed():
    """What `make` installed is what the lock says (packages of the running platform/Python only)."""
    environment = default_environment()
    drift = []
    for name, entries in _locked().items():
        wanted = [v for v, r in entries if r.marker is None or r.marker.evaluate(environment)]
        if not wanted:
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue  # an extra this environment did not install (e.g. bench's logmmse)
        if Version(installed.base_version) not in wanted and installed not in wanted:
            drift.append(f"{name}: installed {installed}, locked {[str(v) for v in wanted]}")
    assert drift == [], "this environment drifted from requirements.lock (`make clean test` rebuilds it):\n" \
        + "\n".join(drift)
