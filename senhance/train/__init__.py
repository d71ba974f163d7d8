"""Training: the gradient :class:`Solver`, its schedules, EMA, state files, logging and DDP helpers.

>>> from senhance.train import Solver, warmup_decay_factor
>>> warmup_decay_factor(0, max_steps=2)
1.0
"""
from senhance.train.ema import ModelEma
from senhance.train.schedule import WarmupDecay, build_scheduler, warmup_decay_factor
from senhance.train.solver import NonFiniteLossError, Solver
from senhance.train.state import CorruptCheckpointError, atomic_torch_save, atomic_write_json, load_state, save_state

__all__ = ["Solver", "NonFiniteLossError", "CorruptCheckpointError", "ModelEma", "WarmupDecay", "build_scheduler",
           "warmup_decay_factor", "atomic_torch_save", "atomic_write_json", "load_state", "save_state"]
