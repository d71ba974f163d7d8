"""One source for every default (docs/CONFIGS.md): each config group file that builds a class tells the same
story as the class's signature.

The rule, checked on every YAML under configs/ whose node has a ``_target_`` (nested ones too):
- every key is a parameter of the target (or, for ``**options`` targets, a field of their options dataclass);
- a value is the parameter's default, or wires another key (``${sample_rate}``), or is ``???`` (required), or
  fills a parameter that has no default; a few deliberate exceptions are listed in ``DELIBERATE`` with why;
- a base file of a ``senhance.`` class lists every setting of it (the yaml is the menu, the code the values);
- a variant (a defaults list on another option of its group: model/large.yaml) and a subset node (``data.valid``)
  hold only keys of the base's class, each with a value other than the base's.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from senhance.data import MixOptions

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
ROOTS = {"train.yaml", "eval.yaml", "infer.yaml", "export.yaml"}
GROUP_FILES = sorted(p for p in CONFIGS.rglob("*.yaml") if p.name not in ROOTS or p.parent != CONFIGS)
#: ``**options`` of a target -> the dataclass that holds their defaults
OPTIONS_OF = {"senhance.data.MixDataset": MixOptions}
#: parameters that are runtime objects or set by the code, never config keys
RUNTIME = {"model", "loss", "train_set", "valid_set", "optimizer", "run_dir", "config", "collate_fn", "subset"}
#: where a group file tells the class a different value on purpose: (file, key) -> (yaml value, signature default, why)
DELIBERATE = {
    ("data/pairs.yaml", "segment_seconds"): (4.0, None, "training crops 4 s; the class's None (whole files) is "
                                                        "what data.valid sets"),
    ("loss/default.yaml", "weights"): ({"compressed": 1.0, "si_sdr": 0.005}, None,
                                       "the weights of this sum; the class's None weighs every loss 1"),
}
#: the data node's subset overrides (senhance.cli.train.SUBSETS)
SUBSETS = ("train", "valid")


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _defaults(target: str) -> tuple[dict, bool]:
    """``{parameter: default or inspect.Parameter.empty}`` of a target, and whether it takes ``**kwargs``."""
    cls = get_class(target)
    parameters = inspect.signature(cls).parameters
    found = {name: p.default for name, p in parameters.items()
             if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)}
    options = OPTIONS_OF.get(target)
    if options is not None:
        found.update({name: getattr(options(), name) for name in options.__dataclass_fields__})
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return found, takes_any and options is None


def _is_wiring(raw: dict, key: str) -> bool:
    value = raw[key]
    return value == "???" or (isinstance(value, str) and "${" in value)


def two_stories(raw: dict, where: str, name: str = "") -> list[str]:
    """Every disagreement between a raw (unresolved) node with a ``_target_`` and its class, recursively."""
    problems = []
    defaults, takes_any = _defaults(raw["_target_"])
    for key, value in raw.items():
        if key.startswith("_") or (key in SUBSETS and name == "data"):
            continue
        if isinstance(value, dict) and "_target_" in value:
            problems += two_stories(value, f"{where}:{key}", key)
            continue
        problems += _nested(value, f"{where}:{key}")  # WeightedSum's losses: {name: {_target_: ...}}
        if key not in defaults:
            if not takes_any:
                problems.append(f"{where}: {key} is not a parameter of {raw['_target_']}")
            continue
        default = defaults[key]
        if _is_wiring(raw, key) or default is inspect.Parameter.empty:
            continue
        if (where.split(":")[0], key) in DELIBERATE:
            yaml_value, code_value, _ = DELIBERATE[(where.split(":")[0], key)]
            if (value, _plain(default)) != (yaml_value, code_value):
                problems.append(f"{where}: {key}: DELIBERATE lists {yaml_value} vs {code_value}; now {value} vs "
                                f"{default}: update the entry or remove it")
            continue
        if value != _plain(default):
            problems.append(f"{where}: {key}: {value!r} here, {default!r} in {raw['_target_']}'s signature")
    return problems


def _nested(value, where: str) -> list[str]:
    """:func:`two_stories` of the ``_target_`` nodes inside a plain mapping or list."""
    if isinstance(value, dict):
        if "_target_" in value:
            return two_stories(value, where)
        return [p for key, item in value.items() for p in _nested(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _nested(item, f"{where}[{index}]")]
    return []


def _load(path: Path) -> dict:
    return OmegaConf.to_container(OmegaConf.load(path), resolve=False)


def _base_option(path: Path, raw: dict) -> Path | None:
    """The option of the same group a variant's defaults list builds on (model/large.yaml -> model/default.yaml)."""
    for entry in raw.get("defaults", []):
        if isinstance(entry, str) and entry != "_self_" and (path.parent / f"{entry}.yaml").is_file():
            return path.parent / f"{entry}.yaml"
    return None


def _relative(path: Path) -> str:
    return path.relative_to(CONFIGS).as_posix()


def test_every_group_file_tells_its_class_s_story():
    problems, checked = [], 0
    for path in GROUP_FILES:
        raw = _load(path)
        if "_target_" in raw:
            problems += two_stories(raw, _relative(path), path.parent.name)
            checked += 1
    assert checked >= 15, checked  # model, data, loss, optim, trainer and baseline options
    assert not problems, "\n".join(problems)


SENHANCE_BASES = [_relative(p) for p in GROUP_FILES if str(_load(p).get("_target_", "")).startswith("senhance.")]


@pytest.mark.parametrize("relpath", SENHANCE_BASES)
def test_base_files_list_every_setting_of_their_class(relpath):
    """The yaml is the menu: a setting of the class that no key shows could only be set with ``+key=``
    (torch's optimizers are left to their documentation: ``+optim.eps=...``)."""
    raw = _load(CONFIGS / relpath)
    defaults, _ = _defaults(raw["_target_"])
    settings = set(defaults) - RUNTIME
    assert settings - set(raw) == set(), f"{relpath} does not show these settings"


def test_solver_and_trainer_default_yaml_tell_one_story():
    """The independent reference here is the yaml itself: the Solver built from no trainer settings at all
    has exactly the values configs/trainer/default.yaml shows."""
    from senhance.train import Solver

    raw = _load(CONFIGS / "trainer" / "default.yaml")
    parameters = inspect.signature(Solver).parameters
    literal = {k: v for k, v in raw.items() if not k.startswith("_") and not _is_wiring(raw, k)}
    assert {"max_steps", "warmup_steps", "ema_decay", "min_lr_ratio", "validate_every"} <= set(literal)
    assert {k: _plain(parameters[k].default) for k in literal} == literal


@pytest.mark.parametrize("path", [p for p in GROUP_FILES if _base_option(p, _load(p))], ids=_relative)
def test_variants_set_only_what_differs_from_their_base(path):
    raw, base_path = _load(path), _base_option(path, _load(path))
    base = _load(base_path)
    own = {k: v for k, v in raw.items() if k != "defaults"}
    assert "_target_" not in own, f"{_relative(path)} names its base's class again"
    defaults, _ = _defaults(base["_target_"])
    assert set(own) <= set(defaults), set(own) - set(defaults)
    repeated = sorted(k for k, v in own.items() if k in base and base[k] == v)
    assert not repeated, f"{_relative(path)} repeats {repeated} of {_relative(base_path)}"
    assert raw["defaults"][-1] == "_self_"  # its own keys win over the base's
    assert own, f"{_relative(path)} changes nothing"


@pytest.mark.parametrize("relpath", ["data/mix.yaml", "data/pairs.yaml"])
def test_subset_nodes_hold_only_what_the_subset_changes(relpath):
    raw = _load(CONFIGS / relpath)
    defaults, _ = _defaults(raw["_target_"])
    for subset in SUBSETS:
        changes = raw.get(subset) or {}
        assert set(changes) <= set(defaults) - {"subset"}, (subset, set(changes) - set(defaults))
        assert not [k for k, v in changes.items() if raw.get(k) == v], f"{relpath}: data.{subset} repeats a key"


def test_frontend_options_set_model_parameters_only():
    defaults, _ = _defaults(_load(CONFIGS / "model" / "default.yaml")["_target_"])
    for path in sorted((CONFIGS / "frontend").glob("*.yaml")):
        assert path.read_text().startswith("# @package model"), path.name
        assert set(_load(path)) <= set(defaults), path.name


@pytest.mark.parametrize("text, expected", [
    ("_target_: senhance.train.Solver\nmax_steps: 10000\n", "max_steps: 10000 here, 20000 in"),
    ("_target_: senhance.train.Solver\nmax_step: 10\n", "max_step is not a parameter of senhance.train.Solver"),
    ("_target_: senhance.losses.WeightedSum\nlosses:\n  a:\n    _target_: senhance.losses.CompressedSpectralLoss\n"
     "    exponent: 0.5\nweights: null\n", ":losses.a: exponent: 0.5 here"),
    ("_target_: senhance.data.MixDataset\nspeech_dir: ???\nnoise_dir: ???\nsnr_range: [0.0, 5.0]\n",
     "snr_range: [0.0, 5.0] here, (-5.0, 20.0) in"),
])
def test_the_checker_finds_two_stories(text, expected, tmp_path):
    """The rule's own check on small made-up configs: each one disagrees with its class in one place."""
    path = tmp_path / "two_stories.yaml"
    path.write_text(text)
    problems = two_stories(_load(path), "made_up")
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_checker_accepts_wiring_required_values_and_parameters_without_default(tmp_path):
    path = tmp_path / "one_story.yaml"
    path.write_text("_target_: senhance.data.MixDataset\nsample_rate: ${sample_rate}\nspeech_dir: ???\n"
                    "noise_dir: /data/noise\nsnr_range: [-5.0, 20.0]\nreverb_prob: 0.0\n")
    assert two_stories(_load(path), "made_up") == []
