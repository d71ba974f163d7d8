"""The front end every ``senhance-*`` command shares: plain options and positional arguments next to
Hydra's ``key=value`` overrides, ``--help`` in plain words first, and checks before anything is created.

A :class:`Command` names its config root, its options (each one sets one config key, so ``--model X`` and
``model=X`` are the same setting) and what its positional arguments set. :func:`run_command`

1. answers ``--version`` and refuses a shadowed package (:mod:`senhance.cli._startup`), without Hydra;
2. splits the words: the command's options, Hydra's own options (``--cfg job``, ``-m``, ...), ``key=value``
   overrides and positional arguments; each option and positional becomes the override of its key;
3. adds the overrides the command derives from the user's (``Command.implied``: ``model=linear`` brings
   ``trainer=closed_form``), then composes the config once and checks it (unknown keys, missing values, missing inputs) before Hydra
   runs, so a command that fails on its arguments exits 2 with one line and creates nothing;
4. hands the overrides to Hydra, which composes the same config, makes its run dir (train, eval) and
   calls the command's task. User errors there end in one line too (:mod:`senhance.cli._errors`).

The user's words are never rewritten (an implied override is only added): what Hydra receives is what
``--cfg job`` shows. The list goes to Hydra's own main (``hydra._internal.utils._run_hydra``, what
``@hydra.main`` calls with ``sys.argv``; hydra-core is pinned below 1.4), so ``sys.argv`` is left alone and ``--cfg``, ``-m``, ``--info`` and shell completion
(``-sc``) are Hydra's.
"""
from __future__ import annotations

import argparse
import difflib
import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from senhance.cli import CONFIG_PACKAGE
from senhance.cli._compose import compose, register_root  # noqa: F401 (compose: re-exported)
from senhance.cli._errors import error_line, exit_on_user_error, fail, user_error, wants_traceback
from senhance.cli._hints import composition_error
from senhance.cli._overrides import assignment, is_override, override_key
from senhance.cli._startup import check_package, handle_version
from senhance.errors import UsageError


@dataclass(frozen=True)
class Option:
    """A plain command-line option that sets one config key.

    ``metavar=None`` makes a switch (``--overwrite`` sets ``overwrite=true``); otherwise the option takes
    one value, converted by ``convert`` (a ``ValueError`` there is a usage error naming the option).
    """

    flags: tuple[str, ...]
    key: str
    help: str
    metavar: str | None = None
    convert: Callable[[str], Any] = str


@dataclass(frozen=True)
class Command:
    """One command: its config root, plain options, positional arguments, help and task."""

    program: str                          # "senhance-infer"
    config_name: str                      # the root: configs/<config_name>.yaml
    usage: str                            # after "usage: "
    description: str
    examples: tuple[tuple[str, str], ...]  # (command line, what it does)
    task: Callable[..., int | None]       # task(cfg) -> exit status (None: 0)
    options: tuple[Option, ...] = ()
    positionals: Callable[[list[str]], dict[str, Any]] | None = None  # words -> {key: value}; UsageError
    check: Callable[[Any], None] | None = None  # the composed config, before Hydra runs; raises UserError
    own_root: bool = True                 # False: the training root with its config groups
    # the overrides with the ones the user's imply added (senhance-train: model=linear -> trainer=closed_form)
    implied: Callable[[Request], list[str]] | None = None
    notes: tuple[str, ...] = field(default=())


# --- splitting the words -----------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print its usage and exit 2 itself
        raise UsageError(message)


def _hydra_parser() -> argparse.ArgumentParser:
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def _hydra_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


@dataclass
class Request:
    """The words of one invocation, sorted."""

    hydra_args: list[str]   # Hydra's own options, e.g. ["--cfg", "job"]
    overrides: list[str]    # what Hydra composes: the user's key=value words, then the options' and positionals'
    help: bool = False
    debug: bool = False

    def has(self, *flags: str) -> bool:
        return any(word in flags for word in self.hydra_args)


def _own_parser(command: Command) -> _Parser:
    parser = _Parser(prog=command.program, add_help=False, allow_abbrev=False)
    for option in command.options:
        if option.metavar is None:
            parser.add_argument(*option.flags, dest=option.key, action="store_const", const=True, default=None)
        else:
            parser.add_argument(*option.flags, dest=option.key, metavar=option.metavar, default=None)
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    return parser


def parse(command: Command, argv: list[str]) -> Request:
    """Sort ``argv`` into a :class:`Request`; a word that fits nowhere is a :class:`UsageError`."""
    own = _own_parser(command)
    known, rest = own.parse_known_args(argv)
    hydra_options = _hydra_options(_hydra_parser())
    hydra_args, overrides, words = [], [], []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if word == "--":  # everything after it is a positional argument (a file named -x.wav)
            words += rest[index:]
            break
        flag = word.split("=", 1)[0]
        if word.startswith("-") and flag in hydra_options:
            action = hydra_options[flag]
            hydra_args.append(word)
            takes_value = action.nargs != 0 and "=" not in word  # --cfg job, --info [WHAT], -cn NAME
            if takes_value and index < len(rest) and (action.nargs != "?" or rest[index] in (action.choices or ())):
                hydra_args.append(rest[index])
                index += 1
        elif word.startswith("-") and len(word) > 1 and not word[1:2].isdigit():
            known_flags = [f for o in command.options for f in o.flags] + ["--help", "--debug", "--version"]
            close = difflib.get_close_matches(flag, known_flags + [f for f in hydra_options if f.startswith("--")], 1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"unknown option {flag}{hint}")
        elif is_override(word) and not Path(word).exists():
            overrides.append(word)
        else:
            words.append(word)
    settings: dict[str, Any] = {}
    for option in command.options:
        value = getattr(known, option.key)
        if value is None:
            continue
        if option.metavar is not None:
            try:
                value = option.convert(value)
            except ValueError:
                raise UsageError(f"{option.flags[-1]} {value}: not a valid {option.metavar}") from None
        settings[option.key] = (option.flags[-1], value)
    if words:
        if command.positionals is None:
            raise UsageError(f"unexpected argument {words[0]!r}: {command.program} takes key=value settings")
        for key, value in command.positionals(words).items():
            settings[key] = (key.upper(), value)
    typed = {override_key(word): word for word in overrides}
    for key, (source, value) in settings.items():
        if key in typed:
            raise UsageError(f"{source} and {typed[key].split('=', 1)[0]}= both set {key}; give it once")
        overrides.append(assignment(key, value))
    return Request(hydra_args=hydra_args, overrides=overrides, help=known.help, debug=known.debug)


# --- help ---------------------------------------------------------------------------------------------

def help_text(command: Command, program: str | None = None) -> str:
    """The plain-words part of ``--help``: usage, what it does, examples, options (with their keys)."""
    program = program or command.program
    lines = [f"usage: {program} {command.usage}", "", command.description, "", "examples:"]
    for line, what in command.examples:
        line = line.replace(command.program, program)
        lines += [f"  {line:<44}  # {what}"] if len(line) <= 44 else [f"  {line}", f"  {'':<44}  # {what}"]
    lines += ["", "options:"]
    rows = [(", ".join(o.flags) + (f" {o.metavar}" if o.metavar else ""), f"{o.help} [{o.key}=]")
            for o in command.options]
    rows += [("--debug", "show the full traceback of an error (also: HYDRA_FULL_ERROR=1)"),
             ("--version", "print the versions of senhance, torch and torchaudio"),
             ("-h, --help", "this help")]
    left = max(len(r[0]) for r in rows)
    lines += [f"  {flag:<{left}}  {text}" for flag, text in rows]
    lines += ["", *command.notes] if command.notes else []
    lines += ["", f"Every option is also a Hydra key=value setting (the [key=] above); {program} --cfg job "
                  "shows the composed config.", "", "== Hydra's details =="]
    return "\n".join(lines)


# --- checks before Hydra runs ---------------------------------------------------------------------------

def preflight(command: Command, request: Request):
    """Compose the config from ``request`` and run ``command.check`` on it; raises :class:`UsageError`."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if request.has("-m", "--multirun"):  # sweeps: only the grammar (Hydra expands and composes each job)
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.errors import OverrideParseException
        try:
            OverridesParser.create().parse_overrides(request.overrides)
        except OverrideParseException as exc:
            raise composition_error(command, exc, request.overrides) from exc
        return None
    try:
        cfg = compose(command.config_name, request.overrides, own_root=command.own_root)
    except (HydraException, OmegaConfBaseException) as exc:
        raise composition_error(command, exc, request.overrides) from exc
    if command.check is not None and not request.has("--cfg", "-c", "--info", "-i"):
        command.check(cfg)
    return cfg


# --- running --------------------------------------------------------------------------------------------

def run_command(command: Command, argv: list[str] | None = None, *, program: str | None = None) -> None:
    """The console entry point of ``command``: never returns normally on an error (``sys.exit``)."""
    from hydra._internal.utils import _run_hydra

    argv = list(sys.argv[1:] if argv is None else argv)
    program = program or command.program
    check_package(program)
    handle_version(program, argv)
    debug = wants_traceback(argv)
    try:
        request = parse(command, argv)
        if command.implied is not None:  # --help and --cfg job show what the run would compose
            request.overrides = command.implied(request)
        if request.help:
            print(help_text(command, program), flush=True)
            request.hydra_args.insert(0, "--help")
        elif not request.has("--hydra-help", "-sc", "--shell-completion"):
            preflight(command, request)
    except Exception as exc:
        cause = user_error(exc)
        if cause is None or debug:
            raise
        fail(program, cause)

    @functools.wraps(command.task)
    def task(cfg) -> None:
        with exit_on_user_error(program, debug=debug):
            status = command.task(cfg)
        if status:
            sys.exit(status)

    parser = _hydra_parser()
    args = parser.parse_args([*request.hydra_args, *request.overrides])
    config_path = None if command.own_root else f"pkg://{CONFIG_PACKAGE}"
    if command.own_root:
        register_root(command.config_name)
    _run_hydra(args=args, args_parser=parser, task_function=task, config_path=config_path,
               config_name=command.config_name)


__all__ = ["Command", "Option", "Request", "compose", "error_line", "help_text", "parse", "preflight", "run_command"]
