"""The random stream of one dataset example, shared by :class:`~senhance.data.PairedDataset` (segment
offsets) and :class:`~senhance.data.MixDataset` (every draw of a mixture).

A generator is a function of ``(seed, epoch, index)`` only, so any DataLoader worker, any number of
workers and a resumed run all draw the same example.
"""
from __future__ import annotations

import numpy as np

__all__ = ["VALID_EPOCH", "example_rng"]

#: the epoch of fixed examples (validation): one stream, the same every epoch
VALID_EPOCH = 2**31 - 1


def example_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of example ``index`` in ``epoch`` of a dataset seeded with ``seed``.

    >>> bool(example_rng(0, 1, 2).integers(1000) == example_rng(0, 1, 2).integers(1000))
    True
    """
    return np.random.default_rng([int(seed), int(epoch), int(index)])
