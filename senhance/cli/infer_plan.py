"""Where ``senhance-infer`` writes each output: the plan is made, and checked, before any model is loaded.

Without an output, each file's output goes next to it as ``<stem>_enhanced.<ext>``; an output that names a
file takes one input file; an output folder mirrors each input's layout (a folder's files keep their paths
below it, a glob's keep theirs below the glob's fixed part, a file goes to the top). A plan never writes
onto an input and never writes two inputs to one file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from senhance.errors import UsageError
from senhance.inference.file import residual_path_for
from senhance.inference.paths import collect_inputs

#: appended to each output's stem when it is written next to its input
DEFAULT_SUFFIX = "_enhanced"


@dataclass(frozen=True)
class Job:
    """Enhance ``input`` into ``output``."""

    input: Path
    output: Path


def _is_previous_output(path: Path, suffix: str) -> bool:
    return bool(suffix) and (path.stem.endswith(suffix) or path.stem.endswith(f"{suffix}_residual"))


def names_a_file(output: str) -> bool:
    """Whether ``output`` names a file (it has a suffix and is no folder) rather than a folder."""
    path = Path(output)
    return not (path.is_dir() or output.endswith(("/", os.sep)) or not path.suffix)


def plan(inputs: list[str], output: str | None = None, *, suffix: str | None = None,
         save_residual: bool = False) -> list[Job]:
    """The jobs for ``inputs`` (files, folders or globs) and ``output`` (None, a file or a folder).

    ``suffix`` None means ``_enhanced`` next to the inputs and nothing in an output folder. Folders and globs
    that get outputs next to their files skip earlier outputs (names ending in the suffix).

    Raises:
        senhance.inference.NoInputError: an input names nothing (a :class:`~senhance.errors.UsageError`).
        UsageError: a file output for several inputs, an output onto an input, two inputs onto one output.

    >>> import os, tempfile, numpy as np, soundfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> for name in ("a.wav", "day1/b.flac"):
    ...     os.makedirs(os.path.dirname(os.path.join(folder.name, name)), exist_ok=True)
    ...     soundfile.write(os.path.join(folder.name, name), np.zeros(160), 16000)
    >>> [os.path.relpath(j.output, folder.name) for j in plan([folder.name])]
    ['a_enhanced.wav', 'day1/b_enhanced.flac']
    >>> [os.path.relpath(j.output, folder.name) for j in plan([folder.name], os.path.join(folder.name, "out"))]
    ['out/a.wav', 'out/day1/b.flac']
    >>> folder.cleanup()
    """
    if not inputs:
        raise UsageError("no input: give one or more files, folders or globs")
    used_suffix = (DEFAULT_SUFFIX if output is None else "") if suffix is None else str(suffix)
    groups, seen_inputs = [], set()
    for text in inputs:
        files, root = collect_inputs(str(text), output if output is not None else str(text))
        if output is None and root is not None:
            files = [f for f in files if not _is_previous_output(f, used_suffix)]
        files = [f for f in files if f.resolve() not in seen_inputs]  # the same file named twice
        seen_inputs.update(f.resolve() for f in files)
        groups.append((files, root))
    total = sum(len(files) for files, _ in groups)
    jobs = []
    if output is None:
        jobs = [Job(f, f.with_name(f"{f.stem}{used_suffix}{f.suffix}")) for files, _ in groups for f in files]
    elif names_a_file(str(output)):
        if total != 1:
            raise UsageError(f"-o {output}: names a file, but the inputs hold {total} files; give a folder "
                             f"(e.g. -o enhanced/)")
        jobs = [Job(next(f for files, _ in groups for f in files), Path(output))]
    else:
        for files, root in groups:
            for f in files:
                relative = f.relative_to(root) if root is not None and f.is_relative_to(root) else Path(f.name)
                jobs.append(Job(f, Path(output) / relative.parent / f"{relative.stem}{used_suffix}{relative.suffix}"))
    _check(jobs, save_residual)
    return jobs


def _check(jobs: list[Job], save_residual: bool) -> None:
    inputs = {job.input.resolve(): job.input for job in jobs}
    targets: dict[Path, Path] = {}
    for job in jobs:
        for target in [job.output] + ([residual_path_for(job.output)] if save_residual else []):
            resolved = target.resolve()
            if resolved in inputs:
                raise UsageError(f"output {target} would replace the input {inputs[resolved]}; senhance never "
                                 f"overwrites an input (give another -o, or suffix=...)")
            if resolved in targets:
                raise UsageError(f"{targets[resolved]} and {job.input} would both be written to {target}; "
                                 f"give them separate runs or output folders")
            targets[resolved] = job.input
