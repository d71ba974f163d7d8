"""Distributed helpers for torchrun + DistributedDataParallel.

``torchrun`` sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_from_env` turns them into a process group (NCCL on CUDA, gloo on CPU). Without them
everything here is a no-op for a single process, so the same code runs with or without torchrun.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from senhance.errors import ConfigError


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(device: str = "auto", *, local_rank: int | None = None) -> torch.device:
    """``"auto"`` -> CUDA if available else CPU; under torchrun a CUDA device is ``cuda:LOCAL_RANK``.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if local_rank is None:
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
    name = str(device)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("device='cuda' but CUDA is not available (use device=cpu or device=auto)")
        name = f"cuda:{local_rank}"
    return torch.device(name)


def init_from_env(device: str = "auto") -> DistInfo:
    """Join the process group described by torchrun's environment; a no-op when ``WORLD_SIZE`` <= 1."""
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    if world_size <= 1:
        return DistInfo()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", 0))
    if not dist.is_initialized():
        target = resolve_device(device, local_rank=local_rank)
        if target.type == "cuda":
            torch.cuda.set_device(target)
        dist.init_process_group(backend="nccl" if target.type == "cuda" else "gloo")
    return DistInfo(rank=rank, local_rank=local_rank, world_size=world_size)


def info() -> DistInfo:
    """Rank and world size of the current process (``DistInfo()`` outside a process group)."""
    if not (dist.is_available() and dist.is_initialized()):
        return DistInfo()
    return DistInfo(rank=dist.get_rank(), local_rank=int(os.environ.get("LOCAL_RANK", 0)),
                    world_size=dist.get_world_size())


def barrier() -> None:
    if info().world_size > 1:
        dist.barrier()


def broadcast_object(obj):
    """Rank 0's ``obj`` on every rank (e.g. the run directory)."""
    if info().world_size <= 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def all_true(flag: bool, device: torch.device) -> bool:
    """True only if ``flag`` is true on every rank (so all ranks skip a bad step together)."""
    if info().world_size <= 1:
        return bool(flag)
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MIN)
    return bool(value.item() > 0.5)


def all_reduce_mean(value: float, device: torch.device) -> float:
    if info().world_size <= 1:
        return float(value)
    tensor = torch.tensor([float(value)], device=device, dtype=torch.float64)
    dist.all_reduce(tensor)
    return float(tensor.item()) / dist.get_world_size()


def cleanup() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
