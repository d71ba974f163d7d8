"""``senhance``: one umbrella over the commands, and ``senhance info``.

    senhance enhance noisy.wav        # = senhance-infer noisy.wav
    senhance train|eval|export ...    # = senhance-train|senhance-eval|senhance-export ...
    senhance info                     # versions, shipped models, threads, devices
"""
from __future__ import annotations

import importlib
import os
import sys

import senhance
from senhance.cli._startup import check_package, version_text
from senhance.registry import shipped_models

#: subcommand -> module with ``main(argv, program=...)``
COMMANDS = {"enhance": "senhance.cli.infer", "infer": "senhance.cli.infer", "train": "senhance.cli.train",
            "eval": "senhance.cli.evaluate", "export": "senhance.cli.export"}

USAGE = """usage: senhance COMMAND [ARGS ...]

commands:
  enhance   enhance recordings (senhance-infer): senhance enhance noisy.wav
  train     train a model (senhance-train): senhance train data.speech_dir=speech/ data.noise_dir=noise/
  eval      score systems side by side (senhance-eval): senhance eval --ref clean/ noisy/ default wiener
  export    export a model to ONNX/TorchScript (senhance-export): senhance export default model.onnx
  info      versions, shipped models, threads and devices

senhance COMMAND --help shows a command's options; senhance --version prints the versions."""


def info_text() -> str:
    """Versions, shipped models, CPU threads and the devices torch sees."""
    import torch

    lines = [version_text(), f"python {sys.version.split()[0]} ({sys.executable})",
             f"package: {os.path.dirname(senhance.__file__)}",
             f"shipped models: {', '.join(shipped_models()) or 'none'}",
             "baselines: bandpass, spectral_subtraction, wiener",
             f"threads: torch {torch.get_num_threads()} of {os.cpu_count()} CPUs"
             + (f" (OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']})" if "OMP_NUM_THREADS" in os.environ else "")]
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    lines.append(f"devices: {', '.join(devices)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``senhance``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    check_package("senhance")
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        sys.exit(0 if argv else 2)
    if argv[0] == "--version":
        print(version_text())
        sys.exit(0)
    name, rest = argv[0], argv[1:]
    if name == "info":
        print(info_text())
        return
    if name not in COMMANDS:
        print(f"senhance: error: unknown command {name!r}; choose from {', '.join([*COMMANDS, 'info'])} "
              f"(see senhance --help)", file=sys.stderr)
        sys.exit(2)
    importlib.import_module(COMMANDS[name]).main(rest, program=f"senhance {name}")


if __name__ == "__main__":
    main()
