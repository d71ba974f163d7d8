"""One-line messages for what Hydra reports while composing: an unreadable override, a key the config does
not have (with the config group option that has it, or a close key), an unknown group option (with the
choices)."""
from __future__ import annotations

import difflib
import importlib.resources

from senhance.cli import CONFIG_PACKAGE
from senhance.cli._compose import compose
from senhance.cli._overrides import override_key
from senhance.errors import UsageError


def _config_keys(cfg, prefix: str = "") -> list[str]:
    from omegaconf import DictConfig

    keys = []
    for key in cfg.keys() if isinstance(cfg, DictConfig) else ():
        name = f"{prefix}{key}"
        keys.append(name)
        node = cfg._get_node(key)
        if isinstance(node, DictConfig) and not str(key).startswith("_"):
            keys += _config_keys(node, f"{name}.")
    return keys


def _group_options_with(group: str, key: str) -> list[str]:
    """Options of the training config group ``group`` whose YAML has ``key`` at its top."""
    from omegaconf import OmegaConf

    folder = importlib.resources.files(CONFIG_PACKAGE) / group
    found = []
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml") and key in OmegaConf.load(str(entry)).keys():  # `in` skips ??? keys
                found.append(entry.name[:-5])
    return found


def composition_error(command, exc: Exception, overrides: list[str]) -> UsageError:
    """A one-line :class:`UsageError` for an error Hydra raised while composing ``overrides``."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import MissingConfigException, OverrideParseException

    if isinstance(exc, OverrideParseException):
        parser = OverridesParser.create()
        for word in overrides:
            try:
                parser.parse_overrides([word])
            except OverrideParseException:
                return UsageError(f"cannot read {word!r} as key=value (quote a value that has spaces, commas or "
                                  f"brackets: key='a b')")
        return UsageError(f"cannot read the settings: {str(exc).splitlines()[0]}")
    text = str(exc)
    if isinstance(exc, MissingConfigException) or "Could not find" in text or "Could not load" in text:
        first = text.splitlines()[0].strip()
        choices = [line.strip() for line in text.split("Config search path:")[0].splitlines() if line.startswith("\t")]
        for word in overrides:
            key = override_key(word)
            if "=" in word and f"'{key}/" in first:
                return UsageError(f"{word}: no such {key} option; choose from {', '.join(choices) or '(none)'}")
        return UsageError(first.replace("In '", "in '", 1))
    if "Could not override" in text or "Could not append" in text or "Could not delete" in text:
        key = text.split("'")[1] if "'" in text else "?"
        return UsageError(unknown_key_message(command, key, overrides))
    return UsageError(text.splitlines()[0].strip() if text.strip() else type(exc).__name__)


def unknown_key_message(command, key: str, overrides: list[str]) -> str:
    """What to say about a setting that names no key: the group option that has it, or a close key."""
    word = next((w for w in overrides if override_key(w) == key), key)
    if not command.own_root and "." in key:
        group, _, leaf = key.partition(".")
        options = _group_options_with(group, leaf.split(".")[0])
        if options:
            return (f"{word}: {key} belongs to {' or '.join(f'{group}={o}' for o in options)}; add "
                    f"{group}={options[0]}")
    try:
        keys = _config_keys(compose(command.config_name, [], own_root=command.own_root))
    except Exception:  # noqa: BLE001 - only a suggestion
        keys = []
    close = difflib.get_close_matches(key, keys, 1)
    hint = f"; did you mean {close[0]}?" if close else f"; {command.program} --help lists them"
    return f"{word}: {command.program} has no setting {key!r}{hint}"
