"""Score one signal with the requested metrics (runs in worker processes; imports no torch model code)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from senhance import metrics as metric_functions
from senhance.errors import ConfigError
from senhance.metrics import DNSMOS_SAMPLE_RATE, PESQ_SAMPLE_RATES, STOI_SAMPLE_RATE

#: Metric names users may request -> whether they need the clean reference.
METRICS = {
    "pesq": True,
    "stoi": True,
    "estoi": True,
    "si_sdr": True,
    "snr": True,
    "segmental_snr": True,
    "lsd": True,
    "dnsmos": False,
}
DEFAULT_METRICS = ("pesq", "stoi", "estoi", "si_sdr", "lsd", "dnsmos")
#: ``lsd`` expands to one log-spectral distance per band (senhance.metrics.LSD_BANDS), lower is better.
LSD_KEYS = ("lsd_0_4k", "lsd_4_8k", "lsd_8_12k", "lsd_12_24k")
#: Per-file scores are rounded to this many decimals: pystoi (through BLAS) jitters by ~1e-13 from
#: run to run, and reports must be bit-identical between runs. 1e-6 is far below any real difference.
DECIMALS = 6


def check_metrics(metrics) -> list[str]:
    """Validate requested metric names (order kept, duplicates removed)."""
    out = []
    for name in metrics:
        if name not in METRICS:
            raise ConfigError(f"metrics: unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ConfigError("metrics: empty list")
    return out


def usable_metrics(metrics, has_reference: bool) -> list[str]:
    """The requested metrics that can be computed (intrusive ones need the clean reference)."""
    return [name for name in metrics if has_reference or not METRICS[name]]


def result_keys(metrics) -> list[str]:
    """Output column names: ``dnsmos`` expands to ``dnsmos_sig``, ``dnsmos_bak``, ``dnsmos_ovrl``, ``lsd`` to
    :data:`LSD_KEYS`."""
    expand = {"dnsmos": ["dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"], "lsd": list(LSD_KEYS)}
    keys = []
    for name in metrics:
        keys.extend(expand.get(name, [name]))
    return keys


def metric_info(metrics, pesq_mode: str = "wb") -> dict[str, dict]:
    """For each output key: the rate it is computed at and whether higher is better."""
    rates = {"pesq": PESQ_SAMPLE_RATES[pesq_mode], "stoi": STOI_SAMPLE_RATE, "estoi": STOI_SAMPLE_RATE}
    info = {}
    for key in result_keys(metrics):
        rate = DNSMOS_SAMPLE_RATE if key.startswith("dnsmos") else rates.get(key, "native")
        info[key] = {"sample_rate": rate, "higher_is_better": not key.startswith("lsd_")}
    return info


def score(estimate: np.ndarray, reference: np.ndarray | None, sample_rate: int, metrics, *,
          pesq_mode: str = "wb") -> tuple[dict[str, float | None], list[str]]:
    """Compute ``metrics`` of a mono ``estimate`` (against ``reference`` where needed).

    Returns:
        ``(scores, warnings)``: scores keyed as :func:`result_keys`, rounded to :data:`DECIMALS`
        (NaN becomes None), and the
        messages of metrics that returned NaN.
    """
    scores: dict[str, float | None] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", metric_functions.MetricWarning)
        for name in metrics:
            if name == "dnsmos":
                values = metric_functions.dnsmos(estimate, sample_rate)
                scores.update({f"dnsmos_{k}": values[k] for k in ("sig", "bak", "ovrl")})
            elif name == "lsd":
                scores.update(metric_functions.band_lsd(estimate, reference, sample_rate))
            elif name == "pesq":
                scores["pesq"] = metric_functions.pesq(estimate, reference, sample_rate, mode=pesq_mode)
            elif name in ("stoi", "estoi", "segmental_snr"):
                scores[name] = getattr(metric_functions, name)(estimate, reference, sample_rate)
            else:
                scores[name] = getattr(metric_functions, name)(estimate, reference)
    messages = [str(w.message) for w in caught if issubclass(w.category, metric_functions.MetricWarning)]
    return {k: (None if v is None or not math.isfinite(v) else round(float(v), DECIMALS))
            for k, v in scores.items()}, messages


def score_task(task: dict) -> dict:
    """Worker entry point: ``task`` holds ``id``, ``system``, ``estimate``, ``reference``, ``sample_rate``,
    ``metrics``, ``pesq_mode``; returns the per-file row."""
    values, messages = score(task["estimate"], task["reference"], task["sample_rate"], task["metrics"],
                             pesq_mode=task["pesq_mode"])
    return {"file": task["id"], "system": task["system"], **values, "warnings": messages}
