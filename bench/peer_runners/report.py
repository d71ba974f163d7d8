"""The side-by-side table of ``bench/peers.py`` (runs in senhance's environment, not a peer's).

:func:`summaries` keeps what the record needs from a ``senhance-eval`` ``results.json``;
:func:`markdown` renders the main table (mean ± 95 % CI half-width, the real-time factor on one
thread) and each paired comparison (mean difference, 95 % CI, p), with senhance-eval's own cell format.
"""
from __future__ import annotations


def summaries(evaluation: dict) -> dict:
    """``rows``, per-system ``summary``, ``comparisons``, ``errors`` and ``n_scored`` of an evaluation."""
    return {
        "rows": list(evaluation["rows"]),
        "systems": {label: {"source": evaluation["systems"][label]["source"],
                            "summary": evaluation["systems"][label]["summary"]} for label in evaluation["rows"]},
        "comparisons": evaluation.get("comparisons", []),
        "errors": evaluation.get("errors", []),
        "metric_info": evaluation.get("metric_info", {}),
    }


def _rtf(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def markdown(record: dict, table) -> str:
    """Markdown of a ``bench/peers.py`` record; ``table`` is ``[(key, heading, decimals), ...]``."""
    from senhance.evaluation.report import format_cell

    rtf = record.get("rtf", {})
    lines = [f"Validation set: `{record['noisy_dir']}` ({record['n_files']} files). "
             f"Real-time factor: one CPU thread, fastest of {record['rtf_rounds']} rounds over the first "
             f"{record['rtf_files']} files (processing only, resampling included).", ""]
    if "rows" not in record:
        lines += ["| system | RTF (1 thread) |", "|---|---:|"]
        lines += [f"| {label} | {_rtf(value)} |" for label, value in rtf.items()]
        return "\n".join(lines) + "\n"
    lines += ["| system | " + " | ".join(h for _, h, _ in table) + " | files | RTF (1 thread) |",
              "|---|" + "---:|" * (len(table) + 2)]
    for label in record["rows"]:
        summary = record["systems"][label]["summary"]
        cells = [format_cell(summary.get(key), key) for key, _, _ in table]
        count = max((s.get("count", 0) + s.get("nan", 0) for s in summary.values()), default=0)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {count} | {_rtf(rtf.get(label))} |")
    lines += ["", "Mean ± half-width of the 95 % confidence interval over the files (Student t)."]
    for comparison in record.get("comparisons", []):
        a, b = comparison["a"], comparison["b"]
        lines += ["", f"Paired difference {a} − {b} (95 % CI, paired t):", "",
                  "| metric | mean | 95 % CI | pairs | p |", "|---|---:|---:|---:|---:|"]
        for key, heading, digits in table:
            stats = comparison["metrics"].get(key)
            if not stats or stats.get("mean_diff") is None:
                lines.append(f"| {heading} | n/a | n/a | {0 if not stats else stats['count']} | n/a |")
                continue
            d = digits + 1
            ci = "n/a" if not stats["ci95"] else f"[{stats['ci95'][0]:+.{d}f}, {stats['ci95'][1]:+.{d}f}]"
            p = "n/a" if stats["p_value"] is None else f"{stats['p_value']:.3g}"
            lines.append(f"| {heading} | {stats['mean_diff']:+.{d}f} | {ci} | {stats['count']} | {p} |")
    if record.get("errors"):
        lines += ["", f"Errors ({len(record['errors'])}):", ""]
        lines += [f"- `{e['file']}` ({e.get('system')}): {e['error']}" for e in record["errors"]]
    return "\n".join(lines) + "\n"
