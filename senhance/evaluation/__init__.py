"""Side-by-side evaluation of enhancement systems: scores, statistics and reports.

:func:`evaluate` enhances every file of a folder with every system, scores it (and the noisy input)
with :mod:`senhance.metrics`, and writes ``results.json``, ``results.csv``, ``report.md`` and
``report.html`` (tables, per-subset breakdowns, paired comparisons, spectrograms and audio players).

>>> from senhance.evaluation import parse_systems
>>> [s.label for s in parse_systems(["default", "mine=runs/x/best.pt"])]
['default', 'mine']
"""
# Lazy attributes: scoring worker processes import senhance.evaluation.scoring and should not pay
# for torch / senhance.data, which only the runner needs.
_EXPORTS = {
    "EvaluationInputError": "senhance.evaluation.data",
    "evaluate": "senhance.evaluation.runner",
    "paired_difference": "senhance.evaluation.stats",
    "summarize": "senhance.evaluation.stats",
    "SystemSpec": "senhance.evaluation.systems",
    "SystemSpecError": "senhance.evaluation.systems",
    "parse_systems": "senhance.evaluation.systems",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'senhance.evaluation' has no attribute {name!r}")
