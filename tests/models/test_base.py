"""SerializableModule records plain constructor kwargs."""
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from senhance.models.base import SerializableModule, to_plain


class _Child(SerializableModule):
    def __init__(self, *, size: int = 3, names=("a",)):
        super().__init__()
        self.linear = torch.nn.Linear(size, size)


class _GrandChild(_Child):
    def __init__(self, *, size: int = 4, extra: float = 0.5):
        super().__init__(size=size)


def test_records_defaults_and_converts_omegaconf():
    assert _Child().init_kwargs == {"size": 3, "names": ["a"]}
    assert _Child(names=OmegaConf.create(["x", "y"])).init_kwargs == {"size": 3, "names": ["x", "y"]}


def test_most_derived_constructor_wins():
    assert _GrandChild(extra=1.0).init_kwargs == {"size": 4, "extra": 1.0}


def test_positional_arguments_and_non_plain_values_are_refused():
    with pytest.raises(TypeError):
        _Child(3)
    with pytest.raises(TypeError):
        class _Bad(SerializableModule):
            def __init__(self, size):
                super().__init__()
    with pytest.raises(ValueError, match="names"):
        _Child(names=[object()])
    assert to_plain({"a": (1, 2.0, None)}) == {"a": [1, 2.0, None]}
    assert to_plain({"run_dir": Path("/tmp/x"), "score": np.float64(2.5)}) == {"run_dir": "/tmp/x", "score": 2.5}
