"""The serialisation base of every senhance network.

A :class:`SerializableModule` remembers the keyword-only arguments its constructor was
called with (``self.init_kwargs``), converted to plain Python values, so
:func:`senhance.checkpoint.save_package` can store them next to the weights and
:func:`senhance.checkpoint.load_package` can rebuild the same module without any config.

>>> import torch
>>> class Scale(SerializableModule):
...     def __init__(self, *, gain: float = 1.0):
...         super().__init__()
...         self.gain = torch.nn.Parameter(torch.tensor(gain))
>>> Scale(gain=2.0).init_kwargs
{'gain': 2.0}
"""
from __future__ import annotations

import functools
import inspect
from pathlib import PurePath
from typing import Any

from torch import nn

_PLAIN = (bool, int, float, str, type(None))


def to_plain(value: Any, *, name: str = "value") -> Any:
    """Convert ``value`` (possibly an OmegaConf container or a tuple) to plain Python data.

    Only what ``torch.load(weights_only=True)`` can read back is allowed: ``None``, ``bool``,
    ``int``, ``float``, ``str`` and lists / dicts (string keys) of those; paths become strings.

    >>> to_plain((1, 2.5, "a"))
    [1, 2.5, 'a']
    """
    try:  # Hydra passes ListConfig / DictConfig for nested values
        from omegaconf import DictConfig, ListConfig, OmegaConf

        if isinstance(value, (DictConfig, ListConfig)):
            value = OmegaConf.to_container(value, resolve=True)
    except ImportError:  # pragma: no cover - omegaconf is a dependency
        pass
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_plain(v, name=f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{name}: dict keys must be str, got {key!r}")
            out[key] = to_plain(item, name=f"{name}.{key}")
        return out
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy / torch scalar
        return value.item()
    raise ValueError(f"{name}: {type(value).__name__} is not plain data (int/float/str/bool/None/list/dict)")


class SerializableModule(nn.Module):
    """An ``nn.Module`` that records its keyword-only constructor arguments.

    Subclasses take keyword-only arguments (``def __init__(self, *, ...)``) and call
    ``super().__init__()``; after construction ``self.init_kwargs`` holds every argument
    of the most derived constructor, defaults included, as plain data.
    """

    init_kwargs: dict

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        original = cls.__dict__["__init__"]
        signature = inspect.signature(original)
        for parameter in list(signature.parameters.values())[1:]:
            if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                raise TypeError(f"{cls.__qualname__}.__init__: argument {parameter.name!r} must be keyword-only")

        @functools.wraps(original)
        def __init__(self, *args, **init_kwargs):
            if args:
                raise TypeError(f"{cls.__qualname__}() takes keyword arguments only")
            bound = signature.bind(self, **init_kwargs)
            bound.apply_defaults()
            recorded = {k: v for k, v in bound.arguments.items() if k != "self"}
            original(self, **init_kwargs)
            # The outermost (most derived) constructor finishes last and wins.
            object.__setattr__(self, "init_kwargs", to_plain(recorded, name=f"{cls.__qualname__} kwargs"))

        cls.__init__ = __init__
