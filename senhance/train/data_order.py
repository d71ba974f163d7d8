"""Reproducible, resumable order of training examples.

Epoch ``e`` visits the examples in a permutation fixed by ``(seed, e)`` (through
``DistributedSampler`` under DDP, so every rank gets its own disjoint share), and a resumed run
skips the batches it already consumed instead of re-reading them.
"""
from __future__ import annotations

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler


def epoch_order(num_items: int, *, epoch: int, seed: int, rank: int = 0, world_size: int = 1) -> list[int]:
    """Indices this rank visits in ``epoch`` (a permutation of ``range(num_items)`` on one process).

    >>> sorted(epoch_order(5, epoch=0, seed=0)) == list(range(5))
    True
    >>> epoch_order(5, epoch=1, seed=0) == epoch_order(5, epoch=1, seed=0)
    True
    """
    if world_size > 1:
        sampler = DistributedSampler(range(num_items), num_replicas=world_size, rank=rank, shuffle=True,
                                     seed=seed, drop_last=False)
        sampler.set_epoch(epoch)
        return list(sampler)
    generator = torch.Generator().manual_seed(int(seed) * 100_003 + int(epoch))
    return torch.randperm(num_items, generator=generator).tolist()


def _seed_worker(worker_id: int) -> None:
    """Give NumPy and ``random`` in each loader worker a seed derived from torch's worker seed."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def epoch_loader(dataset: Dataset, *, epoch: int, seed: int, batch_size: int, skip_batches: int = 0,
                 collate_fn=None, num_workers: int = 0, rank: int = 0, world_size: int = 1,
                 pin_memory: bool = False) -> DataLoader:
    """A DataLoader over this rank's share of ``epoch``, starting after ``skip_batches`` batches.

    Calls ``dataset.set_epoch(epoch)`` first when the dataset has it. The loader's own generator is
    seeded from ``(seed, epoch)`` so building it never draws from the global torch RNG.
    """
    if hasattr(dataset, "set_epoch"):
        dataset.set_epoch(epoch)
    order = epoch_order(len(dataset), epoch=epoch, seed=seed, rank=rank, world_size=world_size)
    order = order[skip_batches * batch_size:]
    generator = torch.Generator().manual_seed(int(seed) * 7919 + int(epoch) * 31 + int(rank))
    return DataLoader(dataset, batch_size=batch_size, sampler=order, collate_fn=collate_fn,
                      num_workers=num_workers, worker_init_fn=_seed_worker, generator=generator,
                      pin_memory=pin_memory, drop_last=False)
