"""``report.html``: the results tables plus, for a few files, spectrograms and audio players.

Every referenced file (PNG, WAV) lives under the output folder and is referenced by a relative
path, so the folder can be moved or zipped as a whole.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np

from senhance.atomic import atomic_output, atomic_write_text
from senhance.dsp import spectrogram_db  # the display spectrogram (importable from here, as before)
from senhance.evaluation.report import comparison_rows, group_tables, table_rows
from senhance.io import write_audio

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}
td{text-align:right}td:first-child,td.label{text-align:left}th{background:#eef}
.example{display:grid;grid-template-columns:320px 1fr;gap:4px 1em;align-items:center;margin-bottom:2em}
.example img{max-width:100%;height:auto}
"""


def safe_name(text: str) -> str:
    """A file-name-safe version of ``text`` (used for example folders).

    >>> safe_name("sub/dir/a b.wav")
    'sub_dir_a_b'
    """
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", text)
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", stem).strip("_") or "file"


def spectrogram_png(path: Path, audio: np.ndarray, sample_rate: int, *, title: str, vmax: float | None = None) -> None:
    """Save the spectrogram (:func:`senhance.dsp.spectrogram_db`, 80 dB range below ``vmax``) of mono ``audio``
    to ``path`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    db, freqs, times = spectrogram_db(audio, sample_rate)
    vmax = float(db.max()) if vmax is None else vmax
    figure, axis = plt.subplots(figsize=(7, 2.2), dpi=80)
    axis.pcolormesh(times, freqs / 1000, db, vmin=vmax - 80, vmax=vmax, cmap="magma", shading="auto")
    axis.set_ylabel("kHz")
    axis.set_xlabel("s")
    axis.set_title(title, fontsize=9)
    figure.tight_layout()
    try:
        with atomic_output(path, "wb") as handle:
            figure.savefig(handle, format="png", metadata={"Software": None})
    finally:
        plt.close(figure)


def _table(header, body, labels: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = []
    for row in body:
        cells = []
        for i, cell in enumerate(row):
            bold = cell.startswith("**")
            text = html.escape(cell.strip("*"))
            text = f"<b>{text}</b>" if bold else text
            cells.append(f'<td class="label">{text}</td>' if i < labels else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(results: dict, examples: list[dict]) -> str:
    """The page; ``examples`` are ``{"file", "rows": [{"label", "png", "wav"}]}`` with relative paths."""
    header, body = table_rows(results)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>senhance evaluation</title>", f"<style>{_STYLE}</style></head><body>",
        "<h1>senhance evaluation</h1>",
        f"<p>{results['n_files']} files. Mean ± half-width of the 95 % confidence interval; "
        "higher is better; best in bold.</p>",
        _table(header, body),
    ]
    for column, header, body in group_tables(results):
        parts += [f"<h2>By {html.escape(column)}</h2>", _table(header, body, labels=2)]
    for comparison in results.get("comparisons", []):
        header, body = comparison_rows(comparison)
        parts += [f"<h2>Paired comparison: {html.escape(comparison['a'])} vs {html.escape(comparison['b'])}</h2>",
                  _table(header, body)]
    if results.get("errors"):
        parts += [f"<h2>Errors ({len(results['errors'])})</h2><ul>"]
        parts += [f"<li><code>{html.escape(e['file'])}</code> {html.escape(e.get('system') or '')}: "
                  f"{html.escape(e['error'])}</li>" for e in results["errors"]]
        parts += ["</ul>"]
    if examples:
        parts.append("<h2>Examples</h2>")
    for example in examples:
        parts.append(f"<h3>{html.escape(example['file'])}</h3><div class=\"example\">")
        for row in example["rows"]:
            parts.append(
                f"<div><b>{html.escape(row['label'])}</b><br>"
                f"<audio controls preload=\"none\" src=\"{html.escape(row['wav'])}\"></audio></div>"
                f"<img src=\"{html.escape(row['png'])}\" alt=\"spectrogram of {html.escape(row['label'])}\">"
            )
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_examples(output_dir: Path, file_id: str, signals: list[tuple[str, np.ndarray]], sample_rate: int) -> dict:
    """Write ``examples/<file>/<label>.wav|png`` for each ``(label, (channels, time) audio)``; return the entry."""
    folder = Path("examples") / safe_name(file_id)
    (output_dir / folder).mkdir(parents=True, exist_ok=True)
    monos = [(label, np.asarray(audio, dtype=np.float64).reshape(-1, np.shape(audio)[-1]).mean(axis=0))
             for label, audio in signals]
    vmax = max(float(spectrogram_db(mono, sample_rate)[0].max()) for _, mono in monos)
    rows = []
    for (label, audio), (_, mono) in zip(signals, monos):
        wav, png = folder / f"{label}.wav", folder / f"{label}.png"
        write_audio(output_dir / wav, np.asarray(audio, dtype=np.float32).reshape(-1, np.shape(audio)[-1]), sample_rate)
        spectrogram_png(output_dir / png, mono, sample_rate, title=f"{label}: {file_id}", vmax=vmax)
        rows.append({"label": label, "wav": wav.as_posix(), "png": png.as_posix()})
    return {"file": file_id, "rows": rows}


def write_html(path: Path, results: dict, examples: list[dict]) -> None:
    atomic_write_text(path, render_html(results, examples))
