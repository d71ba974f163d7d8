"""Route Python warnings into the run's log while a command runs.

Library code (datasets, metrics) warns with :func:`warnings.warn`; under ``senhance-train`` those
warnings should read like the rest of the run and land in ``train.log`` (Hydra's file handler on
the root logger), not as a raw ``UserWarning`` printed to stderr with a path into Hydra's code.
"""
from __future__ import annotations

import contextlib
import logging
import warnings

LOGGER_NAME = "senhance.warnings"


@contextlib.contextmanager
def warnings_to_log(logger: logging.Logger | None = None):
    """Inside the block, every shown warning becomes a ``WARNING`` record of ``logger``
    (default ``senhance.warnings``): the message alone for a ``UserWarning``, ``Category: message`` else.

    >>> import logging, warnings
    >>> records = []
    >>> handler = logging.Handler(); handler.emit = records.append
    >>> logging.getLogger(LOGGER_NAME).addHandler(handler)
    >>> with warnings_to_log():
    ...     warnings.warn("speech_dir x: split by file")
    >>> [r.getMessage() for r in records]
    ['speech_dir x: split by file']
    >>> logging.getLogger(LOGGER_NAME).removeHandler(handler)
    """
    logger = logger or logging.getLogger(LOGGER_NAME)

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        logger.warning(text if category is UserWarning else f"{category.__name__}: {text}")

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # each distinct warning once, whatever filters the caller had
        warnings.showwarning = show
        yield
