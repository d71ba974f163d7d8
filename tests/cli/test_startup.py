"""What every command does first: ``--version`` without Hydra, refusing a shadowed package, ``senhance info``."""
import re
from importlib.metadata import version

import pytest

from cli_support import run_cli

MODULES = ["senhance.cli.infer", "senhance.cli.train", "senhance.cli.evaluate", "senhance.cli.export",
           "senhance.cli.main"]


def test_every_command_answers_version(tmp_path):
    expected = f"senhance {version('senhance')} (torch {version('torch')}, torchaudio {version('torchaudio')})"
    for module in MODULES:
        result = run_cli(module, ["--version", "model=ignored"], cwd=tmp_path)
        assert (result.returncode, result.stdout.strip()) == (0, expected), (module, result.stderr)
        assert "Hydra" not in result.stdout
    assert re.fullmatch(r"senhance \S+ \(torch \S+, torchaudio \S+\)", expected)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_named_senhance_in_the_cwd_is_reported(tmp_path):
    """An empty senhance/ (a clone's root seen from the folder above it) shadows the installed package."""
    (tmp_path / "senhance").mkdir()
    for module in MODULES:
        result = run_cli(module, ["--version"], cwd=tmp_path)
        assert result.returncode == 2, (module, result.stdout, result.stderr)
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line
        assert f"the folder {tmp_path / 'senhance'} (no __init__.py) shadows the installed senhance package" in line
        assert "run" in line and "from another folder" in line
    assert [p.name for p in tmp_path.iterdir()] == ["senhance"]


def test_umbrella_info_and_usage(tmp_path, capsys):
    from senhance.cli.main import info_text, main
    from senhance.registry import shipped_models

    text = info_text()
    assert text.splitlines()[0].startswith("senhance ")
    assert f"shipped models: {', '.join(shipped_models())}" in text and "threads: torch " in text
    assert "devices: cpu" in text
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(f"  {name} " in out for name in ("enhance", "train", "eval", "export", "info"))
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


def test_umbrella_runs_a_command_under_its_name(tmp_path, monkeypatch, capsys):
    from senhance.cli.main import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["enhance", "--strength", "2", "x.wav"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("senhance enhance: error: ")
    declared = __import__("tomllib").loads((run_cli.__globals__["REPO"] / "pyproject.toml").read_text())
    assert declared["project"]["scripts"]["senhance"] == "senhance.cli.main:main"
