"""The side-by-side evaluation: enhance every file with every system, score, summarise, report."""
from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
from pathlib import Path
from typing import Callable

import numpy as np

from senhance import registry
from senhance.errors import ConfigError
from senhance.evaluation import data as _data
from senhance.evaluation import html as _html
from senhance.evaluation import report as _report
from senhance.evaluation.precomputed import PrecomputedOutputs
from senhance.evaluation.scoring import DEFAULT_METRICS, check_metrics, metric_info, result_keys, score_task, usable_metrics
from senhance.evaluation.stats import paired_difference, summarize
from senhance.evaluation.systems import CLEAN, NOISY, SystemSpec, SystemSpecError, parse_systems
from senhance.inference.file import output_subtype
from senhance.inference.waveform import DEFAULT_BLOCK_SECONDS, block_frames_for
from senhance.io import audio_info, read_audio, write_audio

FORMAT = "senhance-eval/1"

log = logging.getLogger(__name__)


def portable_path(path, start: Path) -> str | None:
    """``path`` relative to ``start`` (the output folder), so a results folder moved together with its
    inputs still points at them; ``None`` stays ``None``.

    >>> portable_path("/data/vb/noisy", Path("/data/vb/eval"))
    '../noisy'
    """
    if path is None:
        return None
    return os.path.relpath(os.path.abspath(path), os.path.abspath(start))


def _relative_to_roots(text: str, roots: dict[str, str | None]) -> str:
    """Write the files of an error message relative to their input root: ``<clean_dir>/a.wav``."""
    for name, root in roots.items():
        if root:
            text = text.replace(os.path.abspath(root) + os.sep, f"<{name}>/")
    return text


def _mono(audio) -> np.ndarray:
    array = np.asarray(audio, dtype=np.float64)
    return array.reshape(-1, array.shape[-1]).mean(axis=0)


def _pairs(compare, labels) -> list[tuple[str, str]]:
    if not compare:
        return []
    compare = list(compare)
    pairs = [tuple(compare)] if all(isinstance(c, str) for c in compare) else [tuple(c) for c in compare]
    for pair in pairs:
        if len(pair) != 2:
            raise SystemSpecError(f"compare={list(pair)}: give exactly two labels, e.g. compare=[mine,wiener]")
        for label in pair:
            if label not in labels:
                raise SystemSpecError(f"compare: {label!r} is not one of the rows {', '.join(labels)}")
    return pairs


def _example_indices(n_items: int, n_examples: int) -> set[int]:
    if n_examples <= 0 or n_items == 0:
        return set()
    return {int(i) for i in np.linspace(0, n_items - 1, min(n_examples, n_items)).round()}


def evaluate(
    *,
    noisy_dir,
    output_dir,
    clean_dir=None,
    systems=(),
    metrics=DEFAULT_METRICS,
    jobs: int = 1,
    compare=None,
    save_audio: bool = False,
    examples: int = 3,
    manifest="auto",
    group_by=None,
    group_regex: str | None = None,
    snr_bin: float = 5.0,
    pesq_mode: str = "wb",
    block_seconds: float = DEFAULT_BLOCK_SECONDS,
    loader: Callable[[str], object] | None = None,
    progress: bool = True,
) -> dict:
    """Evaluate ``systems`` (plus the noisy input) on the files of ``noisy_dir``; write the reports.

    Args:
        noisy_dir: folder of noisy recordings (searched recursively).
        output_dir: where ``results.json``, ``results.csv``, ``report.md``, ``report.html`` go.
        clean_dir: matching clean files (same relative paths); without it only reference-free
            metrics (DNSMOS) are computed.
        systems: specs for :func:`~senhance.evaluation.systems.parse_systems` (``wiener``,
            ``path/best.pt``, ``label=spec``); each is loaded with ``loader`` (default
            :func:`senhance.registry.load`, what :func:`senhance.load` calls), except a folder, which holds
            another tool's outputs (:class:`PrecomputedOutputs`).
        metrics: names from :data:`~senhance.evaluation.scoring.METRICS`.
        jobs: worker processes for scoring (1 = in this process). Workers are spawned, so a
            script calling this with ``jobs > 1`` needs the usual ``if __name__ == "__main__":`` guard.
        compare: ``[A, B]`` (or a list of such pairs): paired differences A - B per metric.
        save_audio: also keep every enhanced file under ``output_dir/enhanced/<label>/``.
        examples: how many files get spectrograms and audio players in ``report.html``.
        manifest: TSV giving subset columns; ``"auto"`` looks for ``manifest.tsv`` in/next to ``noisy_dir``.
        group_by: manifest columns to group by (default: the usual ones present, e.g. ``snr``, ``noise``).
        group_regex: regex with named groups on relative paths, another source of groups.
        snr_bin: width of the bins of numeric group columns with many distinct values.
        pesq_mode: ``"wb"`` (16 kHz) or ``"nb"`` (8 kHz).
        block_seconds: block length of long files, as in ``senhance-infer``.

    Every system enhances a file through its :meth:`~senhance.enhancer.Enhancer.enhance`, the
    code path of ``senhance-infer`` (block processing, soft limiter), so the scores are those of the
    audio it writes; with ``save_audio`` the files are written with the noisy file's subtype, as
    ``senhance-infer`` writes them. Files are read whole (the metrics need the whole signal).

    Returns:
        the results dictionary written to ``results.json``.

    A tiny evaluation (one half-second file, SI-SDR only, no example spectrograms):

    >>> import os, tempfile, numpy as np, soundfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> rng = np.random.default_rng(0)
    >>> clean = 0.3 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)
    >>> for sub, audio in (("clean", clean), ("noisy", clean + 0.05 * rng.standard_normal(8000))):
    ...     os.mkdir(os.path.join(folder.name, sub))
    ...     soundfile.write(os.path.join(folder.name, sub, "a.wav"), audio, 16000)
    >>> results = evaluate(noisy_dir=os.path.join(folder.name, "noisy"), clean_dir=os.path.join(folder.name, "clean"),
    ...                    output_dir=os.path.join(folder.name, "out"), systems=["wiener"], metrics=["si_sdr"],
    ...                    examples=0, progress=False)
    >>> results["rows"], results["n_files"], results["errors"]
    (['noisy', 'wiener'], 1, [])
    >>> sorted(results["systems"]["wiener"]["summary"]["si_sdr"])
    ['ci95', 'count', 'mean', 'nan', 'std']
    >>> sorted(os.listdir(os.path.join(folder.name, "out")))
    ['report.html', 'report.md', 'results.csv', 'results.json']
    >>> folder.cleanup()
    """
    block_frames_for(block_seconds, 1)  # validate
    if int(jobs) < 1:
        raise ConfigError(f"jobs={jobs} must be >= 1")
    if pesq_mode not in ("wb", "nb"):
        raise ConfigError(f"pesq_mode={pesq_mode!r} must be 'wb' or 'nb'")
    output_dir = Path(output_dir)
    specs: list[SystemSpec] = parse_systems(list(systems or []))
    rows = [NOISY] + [s.label for s in specs]
    pairs = _pairs(compare, rows)
    requested = check_metrics(metrics)
    chosen = usable_metrics(requested, clean_dir is not None)
    if not chosen:
        raise ConfigError(f"metrics={requested}: all need clean_dir; add dnsmos or give clean_dir")
    keys = result_keys(chosen)

    items, errors = _data.find_items(noisy_dir, clean_dir, exclude=output_dir)
    log.info("evaluating %d file(s) of %s%s: %s with %s", len(items), noisy_dir,
             f" against {clean_dir}" if clean_dir is not None else "", ", ".join(rows), ", ".join(chosen))
    manifest_path = _data.default_manifest(noisy_dir) if manifest == "auto" else manifest
    group_columns = _data.assign_groups(items, manifest=manifest_path, group_by=group_by,
                                        group_regex=group_regex, snr_bin=snr_bin)

    if loader is None:
        loader = registry.load  # looked up now: a stand-in set on senhance.registry is used
    enhancers = {}
    for spec in specs:
        try:
            folder = Path(spec.source).expanduser()
            run_folder = (folder / "checkpoints" / "best.pt").is_file()  # a training run: load its best.pt
            enhancers[spec.label] = (PrecomputedOutputs(folder) if folder.is_dir() and not run_folder
                                     else loader(spec.source))
        except Exception as error:  # a system that cannot load is reported, the others still run
            errors.append({"file": "*", "system": spec.label, "error": f"{spec.source}: cannot load ({error})"})
    rows = [NOISY] + [s.label for s in specs if s.label in enhancers]

    example_at = _example_indices(len(items), examples)
    example_audio: dict[str, list] = {}
    example_ready: dict[str, tuple] = {}
    scored: dict[tuple[str, str], dict] = {}
    pool = None
    if jobs > 1:
        pool = cf.ProcessPoolExecutor(max_workers=int(jobs), mp_context=multiprocessing.get_context("spawn"))
    pending: dict[cf.Future, tuple[str, str]] = {}
    bar = _progress(len(items) * len(rows), progress)

    def collect(done):
        for future in done:
            file_id, label = pending.pop(future)
            try:
                scored[(label, file_id)] = future.result()
            except Exception as error:
                errors.append({"file": file_id, "system": label, "error": f"scoring failed ({error})"})
            bar.update(1)

    try:
        for index, item in enumerate(items):
            try:
                noisy, sample_rate = read_audio(item.noisy_path)
                reference = None
                if item.clean_path is not None:
                    clean, clean_rate = read_audio(item.clean_path)
                    if clean_rate != sample_rate:
                        raise ValueError(f"{item.clean_path}: {clean_rate} Hz but the noisy file has {sample_rate} Hz")
                    if clean.shape[-1] != noisy.shape[-1]:
                        raise ValueError(f"{item.clean_path}: {clean.shape[-1]} samples but the noisy file has "
                                         f"{noisy.shape[-1]}")
                    reference = _mono(clean.numpy())
            except Exception as error:
                errors.append({"file": item.id, "system": None, "error": str(error)})
                bar.update(len(rows))
                continue
            if index in example_at:
                example_audio[item.id] = [(NOISY, noisy.numpy())]
            for label in rows:
                try:
                    system = enhancers.get(label)
                    if label == NOISY:
                        estimate = noisy
                    elif isinstance(system, PrecomputedOutputs):
                        estimate = system.output_for(item.id, tuple(noisy.shape), sample_rate)
                    else:
                        estimate = system.enhance(noisy, sample_rate, block_seconds=block_seconds)
                    estimate = np.asarray(estimate.detach().cpu().numpy() if hasattr(estimate, "detach") else estimate)
                    if estimate.shape != tuple(noisy.shape):
                        raise ValueError(f"output shape {estimate.shape} != input shape {tuple(noisy.shape)}")
                    if not np.isfinite(estimate).all():
                        raise ValueError("output contains NaN or Inf")
                    if save_audio and label != NOISY:
                        target = output_dir / "enhanced" / label / item.id
                        write_audio(target, estimate, sample_rate,
                                    subtype=output_subtype(audio_info(item.noisy_path).subtype, target, None))
                except Exception as error:
                    errors.append({"file": item.id, "system": label, "error": f"enhancement failed ({error})"})
                    bar.update(1)
                    continue
                if item.id in example_audio and label != NOISY:
                    example_audio[item.id].append((label, estimate))
                task = {"id": item.id, "system": label, "estimate": _mono(estimate), "reference": reference,
                        "sample_rate": int(sample_rate), "metrics": chosen, "pesq_mode": pesq_mode}
                if pool is None:
                    pending[_Done(task)] = (item.id, label)
                    collect(list(pending))
                else:
                    pending[pool.submit(score_task, task)] = (item.id, label)
                    if len(pending) >= 4 * jobs:
                        done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
                        collect(done)
            if item.id in example_audio:
                signals = example_audio.pop(item.id)
                if item.clean_path is not None:
                    signals.append((CLEAN, clean.numpy()))
                example_ready[item.id] = (sample_rate, signals)
        collect(cf.wait(list(pending))[0] if pending else [])
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    roots = {"noisy_dir": noisy_dir, "clean_dir": clean_dir}
    errors = [{**e, "error": _relative_to_roots(str(e["error"]), roots)} for e in errors]
    results = _summarise(items, rows, specs, keys, group_columns, scored, errors, pairs)

    def source(spec: SystemSpec) -> str:
        folder = Path(spec.source).expanduser()
        return portable_path(folder, output_dir) if folder.exists() else spec.source

    for spec in specs:
        if spec.label in results["systems"]:
            results["systems"][spec.label]["source"] = source(spec)
    results.update({
        "format": FORMAT,
        "config": {"noisy_dir": portable_path(noisy_dir, output_dir), "clean_dir": portable_path(clean_dir, output_dir),
                   "paths_relative_to": "output_dir",
                   "systems": [{"label": s.label, "source": source(s)} for s in specs], "metrics": chosen,
                   "pesq_mode": pesq_mode, "manifest": portable_path(manifest_path, output_dir),
                   "group_regex": group_regex},
        "metric_info": metric_info(chosen, pesq_mode),
    })
    output_dir.mkdir(parents=True, exist_ok=True)
    example_entries = []
    for file_id, (sample_rate, signals) in example_ready.items():
        try:
            example_entries.append(_html.write_examples(output_dir, file_id, signals, sample_rate))
        except Exception as error:
            results["errors"].append({"file": file_id, "system": None, "error": f"example not written ({error})"})
    _report.write_json(output_dir / "results.json", results)
    _report.write_csv(output_dir / "results.csv", results)
    _report.write_markdown(output_dir / "report.md", results)
    _html.write_html(output_dir / "report.html", results, example_entries)
    for label in rows:
        summary = results["systems"][label]["summary"]
        log.info("%s: %d file(s) scored; %s", label, len(results["systems"][label]["files"]),
                 ", ".join(f"{k}={v['mean']:.4g}" for k, v in summary.items()
                           if isinstance(v, dict) and v.get("mean") is not None) or "no scores")
    for error in results["errors"]:
        log.warning("%s%s: %s", error["file"], f" ({error['system']})" if error.get("system") else "", error["error"])
    log.info("wrote results.json, results.csv, report.md and report.html to %s", output_dir)
    return results


def _summarise(items, rows, specs, keys, group_columns, scored, errors, pairs) -> dict:
    sources = {s.label: s.source for s in specs}
    systems = {}
    for label in rows:
        files = []
        for item in items:
            row = scored.get((label, item.id))
            if row is not None:
                files.append({"file": item.id, "groups": dict(item.groups),
                              **{k: row.get(k) for k in keys}, "warnings": row.get("warnings", [])})
        systems[label] = {"source": sources.get(label, "input"), "files": files,
                          "summary": {k: summarize(f[k] for f in files) for k in keys}}
    groups = {}
    for column in group_columns:
        by_value: dict[str, dict] = {}
        for label in rows:
            for value in sorted({f["groups"][column] for f in systems[label]["files"] if column in f["groups"]}):
                subset = [f for f in systems[label]["files"] if f["groups"].get(column) == value]
                by_value.setdefault(value, {})[label] = {k: summarize(f[k] for f in subset) for k in keys}
        groups[column] = by_value
    comparisons = []
    for a, b in pairs:
        a_rows = {f["file"]: f for f in systems[a]["files"]}
        b_rows = {f["file"]: f for f in systems[b]["files"]}
        common = [item.id for item in items if item.id in a_rows and item.id in b_rows]
        comparisons.append({"a": a, "b": b, "metrics": {
            k: paired_difference([a_rows[f][k] for f in common], [b_rows[f][k] for f in common]) for k in keys}})
    errors = sorted(errors, key=lambda e: (e["file"], e.get("system") or ""))
    return {"rows": rows, "metric_keys": keys, "group_columns": group_columns, "n_files": len(items),
            "systems": systems, "groups": groups, "comparisons": comparisons, "errors": errors}


class _Done:
    """A finished future stand-in for the in-process path (``jobs=1``)."""

    def __init__(self, task):
        try:
            self._value, self._error = score_task(task), None
        except Exception as error:
            self._value, self._error = None, error

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="evaluate", unit="score", disable=not enabled)
