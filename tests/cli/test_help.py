"""``--help`` of every command: usage, plain options and examples first, then Hydra's details."""
import importlib

import pytest

COMMANDS = [("senhance.cli.infer", ["-o, --output OUT", "--model NAME", "--strength S", "--residual", "--overwrite",
                                     "--device D", "senhance-infer noisy.wav"], "strength: 1.0"),
            ("senhance.cli.evaluate", ["--ref, --clean CLEAN_DIR", "-o, --output OUT_DIR", "--metrics M,M"],
             "noisy_dir: ???"),
            ("senhance.cli.export", ["senhance-export default model.onnx"], "formats:"),
            ("senhance.cli.train", ["senhance-train data=pairs data.noisy_dir=noisy/", "-m optim.lr="],
             "trainer: closed_form, default")]


@pytest.mark.parametrize("module, plain, hydra", COMMANDS, ids=[c[0].split(".")[-1] for c in COMMANDS])
def test_help_is_plain_words_first_then_hydra(module, plain, hydra, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module(module).main(["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    program = importlib.import_module(module).COMMAND.program
    assert out.startswith(f"usage: {program} ")
    plain_part, _, hydra_part = out.partition("== Hydra's details ==")
    assert all(text in plain_part for text in plain), plain_part
    assert plain_part.index("examples:") < plain_part.index("options:")
    assert "--version" in plain_part and "--debug" in plain_part
    assert hydra in hydra_part
    assert list(tmp_path.iterdir()) == []


def test_shell_completion_completes_keys(tmp_path, monkeypatch, capsys):
    from senhance.cli.infer import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMP_LINE", "senhance-infer stre")
    main(["-sc", "query=bash"])
    assert capsys.readouterr().out.split() == ["strength="]
