"""How every ``senhance-*`` command reports an error the user can act on: one line on stderr, an exit status.

A :class:`senhance.errors.UserError` anywhere in an exception's cause/context chain (Hydra wraps the errors
raised while instantiating) is printed as ``<program>: error: <message>``, and the command exits with the
error's ``exit_status`` (2 for a usage error, 1 for a problem with a file). Anything else is a bug and keeps
its traceback; so does a user error when the user asked for ``--debug`` or set ``HYDRA_FULL_ERROR=1``.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Iterator

from senhance.errors import UsageError, UserError


def user_error(exc: BaseException | None) -> UserError | None:
    """The first :class:`~senhance.errors.UserError` in ``exc``'s cause/context chain, or None.

    >>> try:
    ...     try:
    ...         raise UsageError("model='nope': no such model")
    ...     except UsageError as inner:
    ...         raise RuntimeError("while instantiating") from inner
    ... except RuntimeError as outer:
    ...     print(user_error(outer))
    model='nope': no such model
    >>> user_error(ValueError("a bug")) is None
    True
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UserError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def wants_traceback(argv: list[str] | None = None) -> bool:
    """``--debug`` among the options, or ``HYDRA_FULL_ERROR=1`` in the environment."""
    return os.environ.get("HYDRA_FULL_ERROR", "") == "1" or "--debug" in (argv or [])


def error_line(program: str, error: BaseException) -> str:
    """``<program>: error: <message>`` plus, for a usage error, the ``--help`` hint."""
    message = str(error) or type(error).__name__
    if isinstance(error, UsageError) and "--help" not in message:
        message += f" (see {program} --help)"
    return f"{program}: error: {message}"


def fail(program: str, error: UserError, *, log: logging.Logger | None = None):
    """Print :func:`error_line` on stderr (and to ``log``) and exit with ``error.exit_status``."""
    if log is not None:
        log.error("%s", error)
    print(error_line(program, error), file=sys.stderr)
    sys.exit(error.exit_status)


@contextlib.contextmanager
def exit_on_user_error(program: str, *, debug: bool = False, log: logging.Logger | None = None) -> Iterator[None]:
    """Turn a user error raised inside the block into :func:`fail`; anything else propagates with its traceback."""
    try:
        yield
    except Exception as exc:
        cause = user_error(exc)
        if cause is None or debug or wants_traceback():
            raise
        fail(program, cause, log=log)
