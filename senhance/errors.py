"""The one base class of errors a user can act on, so the commands can tell them from bugs.

A :class:`UserError` is the user's to fix: a missing or corrupt file, a bad argument, an unknown model.
The ``senhance-*`` commands print its message as one line and exit with its :attr:`~UserError.exit_status`;
any other exception is a bug and keeps its traceback. The library's own error classes
(``senhance.io.AudioFileError``, ``senhance.data.PairingError``, ``senhance.registry.ModelNotFoundError``,
...) subclass it, and stay ``ValueError`` subclasses for the code that already catches those.

>>> from senhance.registry import ModelNotFoundError
>>> issubclass(ModelNotFoundError, UsageError) and issubclass(ModelNotFoundError, ValueError)
True
>>> ConfigError("strength=2 must be inside [0, 1]").exit_status
2
"""
from __future__ import annotations

__all__ = ["ConfigError", "UsageError", "UserError"]


class UserError(Exception):
    """An error the user can fix; the message starts with the file or argument at fault.

    Exit status 1: a problem with the user's files or data (unreadable, corrupt, missing, mismatched).
    """

    exit_status: int = 1


class UsageError(UserError):
    """The command line itself is wrong: an unknown option or model, a missing input, a bad value.

    Exit status 2, as for a usage error of any Unix command.
    """

    exit_status = 2


class ConfigError(UsageError, ValueError):
    """A configuration value (from a YAML file or the command line) is invalid; the message names the key."""
