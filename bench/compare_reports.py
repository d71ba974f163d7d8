"""Paired differences between systems scored in different ``senhance-eval`` runs on the same files.

A peer scored once (DeepFilterNet3 takes ~25 min here) need not be re-run for every new candidate: give the
per-file CSVs of both evaluations and the pairs to compare. Systems present in more than one CSV (``noisy``
always is) must have the same scores on the same files, which proves the two runs scored the same set::

    python bench/compare_reports.py bench/results/valid_v2_step20000.csv outputs/eval/leg6/results.csv \\
        --compare causal:dfn3 lookahead2:dfn3 lookahead2:causal --out bench/results/leg6_pairs.md

Labels are the ``system`` column; a label found in several CSVs is taken from the first. Prints a markdown
table per pair (mean difference, 95 % interval, pairs, paired-t p) and writes it with ``--out`` (and the
numbers as JSON next to it).
"""
from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from senhance.atomic import atomic_write_json, atomic_write_text
from senhance.evaluation.stats import paired_difference

NOT_METRICS = {"file", "system", "warnings"}
AGREEMENT = 1e-4  # scores written with 6 significant decimals by older reports


def read_scores(path: Path) -> tuple[dict[str, dict[str, dict[str, float]]], list[str]]:
    """``({system: {file: {metric: value}}}, metric columns)`` of one ``senhance-eval`` CSV."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"file", "system"} <= set(rows[0]):
        raise SystemExit(f"{path}: not a senhance-eval results CSV (needs file and system columns)")
    # a metric column holds numbers (empty where a score is missing); group columns hold labels
    metrics = [k for k in rows[0] if k not in NOT_METRICS and any(row[k] for row in rows)
               and all(_is_number(row[k]) for row in rows if row[k])]
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for row in rows:
        values = {k: float(row[k]) if _is_number(row[k]) else math.nan for k in metrics}
        scores.setdefault(row["system"], {})[row["file"]] = values
    return scores, metrics


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def merge(paths: list[Path]) -> tuple[dict, list[str]]:
    """All systems of all CSVs; raises SystemExit when a shared system disagrees (not the same set)."""
    merged: dict[str, dict[str, dict[str, float]]] = {}
    common: list[str] | None = None
    for path in paths:
        scores, metrics = read_scores(path)
        common = metrics if common is None else [m for m in common if m in metrics]
        for system, files in scores.items():
            if system not in merged:
                merged[system] = files
                continue
            for name, values in files.items():
                before = merged[system].get(name)
                if before is None:
                    raise SystemExit(f"{path}: {system} scores {name}, which the earlier CSV does not have")
                for metric, value in values.items():
                    old = before.get(metric, math.nan)
                    if math.isfinite(old) and math.isfinite(value) and abs(old - value) > AGREEMENT * max(1, abs(old)):
                        raise SystemExit(f"{path}: {system} {metric} on {name} is {value}, the earlier CSV has "
                                         f"{old}: not the same files or not the same scorer")
    return merged, common or []


def compare(merged: dict, metrics: list[str], first: str, second: str) -> dict[str, dict]:
    """``{metric: paired_difference(first - second)}`` over the files both systems scored."""
    for label in (first, second):
        if label not in merged:
            raise SystemExit(f"--compare: no system {label!r} in the CSVs (systems: {', '.join(sorted(merged))})")
    files = sorted(set(merged[first]) & set(merged[second]))
    return {m: paired_difference([merged[first][f][m] for f in files], [merged[second][f][m] for f in files])
            for m in metrics}


def render(results: dict[str, dict[str, dict]]) -> str:
    lines = []
    for pair, table in results.items():
        lines += [f"### {pair.replace(':', ' - ')}", "", "| metric | mean difference | 95% CI | pairs | p (paired t) |",
                  "|---|---:|---:|---:|---:|"]
        for metric, d in table.items():
            low, high = d["ci95"] or (math.nan, math.nan)
            p = "n/a" if d["p_value"] is None else f"{d['p_value']:.3g}"
            lines.append(f"| {metric} | {d['mean_diff']:+.3f} | [{low:+.3f}, {high:+.3f}] | {d['count']} | {p} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csvs", nargs="+", type=Path, help="per-file CSVs written by senhance-eval")
    parser.add_argument("--compare", nargs="+", required=True, metavar="A:B", help="pairs to compare, A - B")
    parser.add_argument("--out", type=Path, help="write the markdown here (and the numbers as .json beside it)")
    args = parser.parse_args(argv)
    merged, metrics = merge(args.csvs)
    results = {}
    for pair in args.compare:
        first, sep, second = pair.partition(":")
        if not sep or not first or not second:
            parser.error(f"--compare {pair}: write A:B")
        results[pair] = compare(merged, metrics, first, second)
    text = render(results)
    print(text)
    if args.out:
        atomic_write_text(args.out, text)
        atomic_write_json(results, args.out.with_suffix(".json"))
    return results


if __name__ == "__main__":
    main()
