"""Write an evaluation's results: ``results.json``, ``results.csv`` and ``report.md`` (atomic writes)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from senhance.atomic import atomic_write_json, atomic_write_text

#: Display names and decimals of the output keys.
DISPLAY = {
    "pesq": ("PESQ", 2), "stoi": ("STOI", 3), "estoi": ("ESTOI", 3), "si_sdr": ("SI-SDR (dB)", 2),
    "snr": ("SNR (dB)", 2), "segmental_snr": ("segSNR (dB)", 2),
    "dnsmos_sig": ("DNSMOS SIG", 2), "dnsmos_bak": ("DNSMOS BAK", 2), "dnsmos_ovrl": ("DNSMOS OVRL", 2),
    "lsd_0_4k": ("LSD 0-4k (dB)", 2), "lsd_4_8k": ("LSD 4-8k (dB)", 2), "lsd_8_12k": ("LSD 8-12k (dB)", 2),
    "lsd_12_24k": ("LSD 12-24k (dB)", 2),
}


def write_json(path: Path, results: dict) -> None:
    """``results.json``: sorted keys, NaN/Inf as ``null`` (:func:`senhance.atomic.atomic_write_json`)."""
    atomic_write_json(results, path, sort_keys=True)


def write_csv(path: Path, results: dict) -> None:
    """One row per (file, system): file, system, groups..., metric keys..., warnings."""
    keys, groups = results["metric_keys"], results["group_columns"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "system", *groups, *keys, "warnings"])
    for label in results["rows"]:
        for row in results["systems"][label]["files"]:
            values = ["" if row.get(k) is None else repr(float(row[k])) for k in keys]
            group_values = [row.get("groups", {}).get(g, "") for g in groups]
            writer.writerow([row["file"], label, *group_values, *values, "; ".join(row.get("warnings", []))])
    atomic_write_text(path, buffer.getvalue())


def format_cell(summary: dict | None, key: str, *, interval: bool = True) -> str:
    """``mean ± half-width of the 95 % CI`` (or ``mean`` / ``n/a``)."""
    digits = DISPLAY.get(key, (key, 3))[1]
    if not summary or summary.get("mean") is None:
        return "n/a"
    text = f"{summary['mean']:.{digits}f}"
    if interval and summary.get("ci95"):
        low, high = summary["ci95"]
        text += f" ± {(high - low) / 2:.{digits}f}"
    return text


def best_labels(results: dict, key: str, labels) -> set[str]:
    means = {label: results["systems"][label]["summary"].get(key, {}).get("mean") for label in labels}
    means = {label: mean for label, mean in means.items() if mean is not None}
    if not means:
        return set()
    higher = results.get("metric_info", {}).get(key, {}).get("higher_is_better", True)
    top = max(means.values()) if higher else min(means.values())
    return {label for label, mean in means.items() if mean == top}


def table_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """Header and body of the main table (best mean per metric marked with ``**``)."""
    keys = results["metric_keys"]
    header = ["system", *(DISPLAY.get(k, (k,))[0] for k in keys), "files"]
    body = []
    best = {k: best_labels(results, k, results["rows"]) for k in keys}
    for label in results["rows"]:
        summary = results["systems"][label]["summary"]
        cells = []
        for key in keys:
            cell = format_cell(summary.get(key), key)
            cells.append(f"**{cell}**" if label in best[key] and len(results["rows"]) > 1 else cell)
        count = max((s.get("count", 0) + s.get("nan", 0) for s in summary.values()), default=0)
        body.append([label, *cells, str(count)])
    return header, body


def _markdown_table(header, body, align_first: int = 1) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] * align_first + ["---:"] * (len(header) - align_first)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def group_tables(results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """One table per group column: rows (group value, system), cells = mean over that subset."""
    tables = []
    keys = results["metric_keys"]
    for column, by_value in results.get("groups", {}).items():
        header = [column, "system", *(DISPLAY.get(k, (k,))[0] for k in keys), "files"]
        body = []
        for value in sort_group_values(by_value):
            for label in results["rows"]:
                summary = by_value[value].get(label)
                if summary is None:
                    continue
                count = max((s.get("count", 0) + s.get("nan", 0) for s in summary.values()), default=0)
                body.append([value, label, *(format_cell(summary.get(k), k, interval=False) for k in keys), str(count)])
        tables.append((column, header, body))
    return tables


def sort_group_values(values) -> list[str]:
    def key(value: str):
        text = value.strip("[(").split(",")[0]
        try:
            return (0, float(text), value)
        except ValueError:
            return (1, 0.0, value)

    return sorted(values, key=key)


def comparison_rows(comparison: dict) -> tuple[list[str], list[list[str]]]:
    header = ["metric", f"mean({comparison['a']} − {comparison['b']})", "95% CI", "pairs", "p (paired t)"]
    body = []
    for key, stats in comparison["metrics"].items():
        digits = DISPLAY.get(key, (key, 3))[1] + 1
        name = DISPLAY.get(key, (key,))[0]
        if stats["mean_diff"] is None:
            body.append([name, "n/a", "n/a", str(stats["count"]), "n/a"])
            continue
        ci = "n/a" if not stats["ci95"] else f"[{stats['ci95'][0]:+.{digits}f}, {stats['ci95'][1]:+.{digits}f}]"
        p_value = "n/a" if stats["p_value"] is None else f"{stats['p_value']:.3g}"
        body.append([name, f"{stats['mean_diff']:+.{digits}f}", ci, str(stats["count"]), p_value])
    return header, body


def render_markdown(results: dict) -> str:
    """The README-ready report: main table, per-subset tables, paired comparisons, errors."""
    header, body = table_rows(results)
    parts = [
        "## Evaluation results", "",
        _markdown_table(header, body), "",
        f"Mean ± half-width of the 95 % confidence interval (Student t) over {results['n_files']} files; "
        + ("higher is better for every metric" if all(v.get("higher_is_better", True) for v in
                                                       results["metric_info"].values())
           else "lower is better for the log-spectral distances (LSD), higher for every other metric")
        + "; best in **bold**. "
        + ", ".join(f"{DISPLAY.get(k, (k,))[0]} at {_rate(v['sample_rate'])}" for k, v in results["metric_info"].items())
        + ".",
    ]
    for column, header, body in group_tables(results):
        parts += ["", f"### By {column}", "", _markdown_table(header, body, align_first=2)]
    for comparison in results.get("comparisons", []):
        header, body = comparison_rows(comparison)
        parts += ["", f"### Paired comparison: {comparison['a']} vs {comparison['b']}", "",
                  _markdown_table(header, body), "",
                  "A positive difference means the first system scores higher; an interval that excludes 0 "
                  "is a difference at the 5 % level."]
    if results.get("errors"):
        parts += ["", f"### Errors ({len(results['errors'])})", ""]
        parts += [f"- `{e['file']}`" + (f" ({e['system']})" if e.get("system") else "") + f": {e['error']}"
                  for e in results["errors"]]
    return "\n".join(parts) + "\n"


def _rate(rate) -> str:
    return f"{rate / 1000:g} kHz" if isinstance(rate, (int, float)) else f"the {rate} rate"


def write_markdown(path: Path, results: dict) -> None:
    atomic_write_text(path, render_markdown(results))
