"""Hydra override text: which command-line words are ``key=value`` overrides, and how a plain value
(a file name with spaces, quotes, commas or ``${``) is written so Hydra's grammar reads it back unchanged.

>>> is_override("strength=0.8"), is_override("+model_options.high_hz=3400"), is_override("noisy.wav")
(True, True, False)
>>> override_key("++data.noisy_dir=x")
'data.noisy_dir'
>>> assignment("input", ["a b.wav", "it's.flac"])
"input=['a b.wav','it\\\\'s.flac']"
"""
from __future__ import annotations

import re

#: ``key=value``, ``+key=value``, ``++key=value``, ``group@package=option``, ``~key`` / ``~key=value``
_OVERRIDE = re.compile(r"^(?:~|\+\+|\+)?[A-Za-z_$][\w$\-]*(?:(?:\.|/)[\w$\-]+|\[\d+\])*(?:@[\w$.\-/]*)?=")
_DELETE = re.compile(r"^~[A-Za-z_$][\w$\-]*(?:(?:\.|/)[\w$\-]+)*$")


def is_override(word: str) -> bool:
    """Whether ``word`` has the form of a Hydra override (``key=value``, ``+key=value``, ``~key``)."""
    return bool(_OVERRIDE.match(word) or _DELETE.match(word))


def override_key(word: str) -> str:
    """The dotted key an override sets, without ``+``/``++``/``~`` and ``@package``."""
    key = word.split("=", 1)[0].lstrip("+~")
    return key.split("@", 1)[0]


def quote(value: str) -> str:
    """``value`` as a single-quoted Hydra string that parses back to exactly ``value``.

    OmegaConf interpolations (``${``) are escaped, so a file name is never resolved as one.

    >>> quote("my take.wav"), quote("it's")
    ("'my take.wav'", "'it\\\\'s'")
    """
    text = re.sub(r"(\\*)\$\{", lambda m: m.group(1) * 2 + "\\${", str(value))  # OmegaConf level
    text = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", text)  # Hydra level: quotes ...
    text = re.sub(r"(\\+)$", lambda m: m.group(1) * 2, text)  # ... and backslashes before the closing one
    return f"'{text}'"


def literal(value) -> str:
    """A Python value (str, bool, int, float, None, list of those) as Hydra override text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(literal(v) for v in value) + "]"
    return quote(str(value))


def assignment(key: str, value) -> str:
    """The override ``key=<value>`` (see :func:`literal`)."""
    return f"{key}={literal(value)}"
