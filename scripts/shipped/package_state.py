"""By hand: turn a resumable training state (``last.pt``) into a model package, to evaluate or ship it.

    .venv/bin/python scripts/shipped/package_state.py STATE OUT.pt [--like checkpoints/default.pt] [--raw]

The network is rebuilt from the ``--like`` package (its class and constructor arguments: the state holds
weights, not a description) and takes the state's EMA weights (``--raw``: the raw training weights). The
package records the state's step, the training config stored in the state and ``source: STATE``, so
``senhance-eval ... candidate:OUT.pt`` scores exactly what the run had at that step.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from senhance.checkpoint import load_package, save_package
from senhance.train.init_weights import training_state_weights
from senhance.train.state import load_state


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", type=Path, help="a training state (checkpoints/last.pt of a run)")
    parser.add_argument("out", type=Path, help="the package to write (never the state itself)")
    parser.add_argument("--like", type=Path, default=Path("checkpoints/default.pt"),
                        help="a package of the same architecture (default: the shipped default)")
    parser.add_argument("--raw", action="store_true", help="the raw weights instead of the EMA weights")
    args = parser.parse_args(argv)
    if args.out.resolve() == args.state.resolve():
        parser.error(f"{args.out}: is the state itself; choose another file")
    state = load_state(args.state)
    module, like = load_package(args.like)
    if not args.raw and not state.get("ema"):
        parser.error(f"{args.state}: holds no EMA weights; pass --raw for the training weights")
    weights, kind = training_state_weights(state, raw=args.raw)
    module.load_state_dict(weights)  # strict: the state must be of the --like architecture
    metrics = {"step": int(state["step"]), "weights": kind, "source": str(args.state)}
    path = save_package(args.out, module, sample_rate=int(like["sample_rate"]), config=state.get("config"),
                        metrics=metrics)
    print(f"wrote {path}: step {state['step']} ({metrics['weights']} weights) of {args.state}")
    return path


if __name__ == "__main__":
    main()
