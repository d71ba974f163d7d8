"""Summary statistics against scipy.stats."""
import numpy as np
import pytest
from scipy import stats

from senhance.evaluation.stats import paired_difference, summarize


def test_summary_matches_scipy_t_interval(rng):
    values = rng.normal(3.0, 0.5, size=12)
    summary = summarize(list(values) + [None, float("nan")])
    low, high = stats.t.interval(0.95, df=11, loc=values.mean(), scale=stats.sem(values))
    assert summary["mean"] == pytest.approx(values.mean())
    assert summary["std"] == pytest.approx(np.std(values, ddof=1))
    assert summary["ci95"] == pytest.approx([low, high])
    assert (summary["count"], summary["nan"]) == (12, 2)


def test_summary_of_too_few_values():
    assert summarize([]) == {"mean": None, "std": None, "ci95": None, "count": 0, "nan": 0}
    one = summarize([2.5])
    assert (one["mean"], one["std"], one["ci95"], one["count"]) == (2.5, None, None, 1)


def test_paired_difference_matches_scipy_ttest_rel(rng):
    b = rng.normal(2.0, 1.0, size=15)
    a = b + rng.normal(0.3, 0.2, size=15)
    result = paired_difference(list(a) + [None], list(b) + [1.0])  # the unpaired last value is dropped
    diff = a - b
    assert result["count"] == 15
    assert result["mean_diff"] == pytest.approx(diff.mean())
    assert result["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    low, high = stats.t.interval(0.95, df=14, loc=diff.mean(), scale=stats.sem(diff))
    assert result["ci95"] == pytest.approx([low, high])
    assert low > 0  # a clear improvement: the interval excludes zero


def test_paired_difference_needs_equal_lengths():
    with pytest.raises(ValueError, match="paired"):
        paired_difference([1.0, 2.0], [1.0])
