"""Turning plain options into Hydra overrides: values round-trip through Hydra's own parser and OmegaConf
(the independent reference), words are sorted right, and nothing is renamed."""
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from senhance.cli._command import compose, parse
from senhance.cli._overrides import assignment, is_override, quote
from senhance.errors import UsageError

NAMES = ["plain.wav", "my take.wav", "a,b=[1]{2}.wav", "it's.flac", "C:\\rec\\", "back\\'slash", "${oops}.wav",
         "a\\${b}", "ünï cödé.ogg", "\\\\server\\share\\x.wav", "tab\there", "-leading-dash.wav", "100%.wav"]


@pytest.mark.parametrize("name", NAMES)
def test_quoted_values_read_back_unchanged(name):
    parser = OverridesParser.create()
    single = parser.parse_override(f"input={quote(name)}").value()
    listed = parser.parse_override(assignment("input", [name, "b.wav"])).value()
    assert OmegaConf.create({"x": single}).x == name
    assert list(OmegaConf.create({"x": listed}).x) == [name, "b.wav"]


def test_words_are_sorted_into_options_overrides_and_inputs(tmp_path, monkeypatch):
    from senhance.cli.infer import COMMAND

    monkeypatch.chdir(tmp_path)
    (tmp_path / "take=1.wav").write_bytes(b"")  # an existing file whose name looks like key=value
    request = parse(COMMAND, ["a.wav", "--model", "wiener", "take=1.wav", "-o", "out/", "strength=0.5",
                              "--residual", "--cfg", "job", "b.wav"])
    assert request.hydra_args == ["--cfg", "job"]
    assert request.overrides == ["strength=0.5", "output='out/'", "model='wiener'", "save_residual=true",
                                 "input=['a.wav','take=1.wav','b.wav']"]
    cfg = compose("infer", request.overrides)
    assert (cfg.model, cfg.output, cfg.strength, cfg.save_residual) == ("wiener", "out/", 0.5, True)
    assert list(cfg.input) == ["a.wav", "take=1.wav", "b.wav"]
    assert is_override("+model_options.high_hz=3400") and is_override("~suffix") and not is_override("a.wav")


def test_after_a_double_dash_every_word_is_an_input():
    from senhance.cli.infer import COMMAND

    request = parse(COMMAND, ["--model", "wiener", "--", "-x.wav", "--overwrite"])
    assert request.overrides == ["model='wiener'", "input=['-x.wav','--overwrite']"]


def test_the_same_key_twice_is_a_usage_error():
    from senhance.cli.infer import COMMAND

    with pytest.raises(UsageError, match="--output and output= both set output; give it once"):
        parse(COMMAND, ["a.wav", "-o", "x.wav", "output=y.wav"])


def test_own_roots_have_no_training_groups():
    """model= is a plain key of infer/export (no argv rewriting); training keeps its groups."""
    assert compose("infer", ["input=a.wav", "model=wiener"]).model == "wiener"
    assert compose("export", ["model=runs/x.pt"]).model == "runs/x.pt"
    assert "model" not in compose("eval", ["noisy_dir=n"])
    train = compose("train", ["model=linear", "trainer=closed_form", "data.speech_dir=s"], own_root=False)
    assert train.model._target_ == "senhance.baselines.LinearTimeRegressor"
    assert train.trainer._target_ == "senhance.baselines.ClosedFormTrainer"
    import senhance.cli as cli
    from pathlib import Path

    sources = "\n".join(p.read_text() for p in Path(cli.__file__).parent.glob("*.py"))
    assert "model_name" not in sources and "sys.argv =" not in sources
