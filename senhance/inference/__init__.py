"""Inference internals; use :mod:`senhance.enhance` (the public names) and :func:`senhance.load`."""
