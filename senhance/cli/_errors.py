"""How every ``senhance-*`` command reports a user error: one line on stderr, an exit status, no traceback."""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator


def user_error(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first exception of one of ``kinds`` in ``exc``'s cause/context chain (Hydra wraps errors
    raised while instantiating), or None.

    >>> try:
    ...     try:
    ...         raise ValueError("cutoff=9000 Hz must be inside (0, 8000)")
    ...     except ValueError as inner:
    ...         raise RuntimeError("while instantiating") from inner
    ... except RuntimeError as outer:
    ...     print(user_error(outer, (ValueError,)))
    cutoff=9000 Hz must be inside (0, 8000)
    """
    seen = exc
    while seen is not None:
        if isinstance(seen, kinds):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@contextlib.contextmanager
def exit_on_user_error(program: str, *, status: int = 2, kinds: tuple[type[BaseException], ...] = (ValueError,),
                       log: logging.Logger | None = None) -> Iterator[None]:
    """Turn a user error (see :func:`user_error`) raised inside the block into ``"<program>: error: <message>"``
    on stderr and ``sys.exit(status)``; anything else propagates with its traceback."""
    try:
        yield
    except Exception as exc:
        cause = user_error(exc, kinds)
        if cause is None:
            raise
        if log is not None:
            log.error("%s", cause)
        print(f"{program}: error: {cause}", file=sys.stderr)
        sys.exit(status)
