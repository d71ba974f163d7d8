"""What every command does before anything else: answer ``--version`` and refuse to run on a shadowed package.

Both work without Hydra and without importing torch (versions come from the installed metadata).
"""
from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import senhance


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    """``senhance X.Y.Z (torch A, torchaudio B)``.

    >>> version_text().startswith("senhance ") and "(torch " in version_text()
    True
    """
    return f"senhance {_version('senhance')} (torch {_version('torch')}, torchaudio {_version('torchaudio')})"


def shadowing_folder() -> str | None:
    """The folder that shadows the installed package, or None when ``import senhance`` is the real one.

    Python imports a folder named ``senhance`` without ``__init__.py`` from the working directory (e.g. a
    clone's root, when run from the folder above it) as an empty namespace package; the installed modules
    may still import through it, but ``senhance.__version__`` and the package's own code are missing.
    """
    if getattr(senhance, "__file__", None) is not None and hasattr(senhance, "__version__"):
        return None
    return next(iter(getattr(senhance, "__path__", [])), "a folder named senhance")


def check_package(program: str) -> None:
    """Exit with status 2 and one sentence when the ``senhance`` package is shadowed (see :func:`shadowing_folder`)."""
    folder = shadowing_folder()
    if folder is not None:
        print(f"{program}: error: the folder {folder} (no __init__.py) shadows the installed senhance package; "
              f"run {program} from another folder, or from the repository root as `python -m senhance.cli ...`",
              file=sys.stderr)
        sys.exit(2)


def handle_version(program: str, argv: list[str]) -> None:
    """Print :func:`version_text` and exit 0 when ``--version`` is among the options."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    if "--version" in words:
        print(version_text())
        sys.exit(0)
