"""Friedman / Nemenyi / Wilcoxon-Holm against published tables and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import rankagg
from rankagg.uncertainty.stats import friedman_nemenyi, nemenyi_critical_value, wilcoxon_holm
from tests.strategies import make_table

# Demšar (2006), Table 5(a), k = 2..10
DEMSAR_05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
DEMSAR_10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


@pytest.mark.parametrize("k", range(2, 11))
def test_nemenyi_critical_values_match_demsar_table_5a(k):
    # the table rounds to the third decimal; allow one unit there
    assert nemenyi_critical_value(k, alpha=0.05) == pytest.approx(DEMSAR_05[k - 2], abs=1.5e-3)
    assert nemenyi_critical_value(k, alpha=0.10) == pytest.approx(DEMSAR_10[k - 2], abs=1.5e-3)


def test_friedman_statistic_equals_scipy_with_and_without_ties():
    rng = np.random.default_rng(3)
    for scores in (rng.normal(size=(5, 12)), rng.integers(0, 3, size=(4, 9)).astype(float)):
        t = make_table(scores, [True] * scores.shape[1])
        res = friedman_nemenyi(t)
        ref = stats.friedmanchisquare(*(-scores))  # scipy ranks ascending: negate so higher = better rank 1
        assert res.statistic == pytest.approx(ref.statistic)
        assert res.pvalue == pytest.approx(ref.pvalue)


def test_critical_difference_formula_and_groups():
    t = rankagg.load_example("toy")
    res = friedman_nemenyi(t, alpha=0.05)
    k, n = 6, 5
    assert res.critical_difference == pytest.approx(2.850 * np.sqrt(k * (k + 1) / (6 * n)), abs=2e-3)
    # mean ranks by hand: Osprey 1.4, Heron 2.0, Kestrel 3.3, Finch 4.1, Wren 4.2, Plover 6.0
    assert res.mean_ranks.round(3).to_dict() == {
        "Osprey": 1.4,
        "Heron": 2.0,
        "Kestrel": 3.3,
        "Finch": 4.1,
        "Wren": 4.2,
        "Plover": 6.0,
    }
    # CD ~ 3.37: Osprey..Wren (4.2 - 1.4 = 2.8) is one group, Kestrel..Plover (2.7) another
    assert res.groups == (("Osprey", "Heron", "Kestrel", "Finch", "Wren"), ("Kestrel", "Finch", "Wren", "Plover"))


def test_holm_correction_by_hand():
    # system A beats every other on all 8 tasks by a margin: raw p = 2/2^8 for each pair with A
    scores = np.vstack([np.arange(8) + 10.0, np.arange(8) + 0.5, np.arange(8)[::-1] + 0.25])
    t = make_table(scores, [True] * 8, systems=["A", "B", "C"])
    res = wilcoxon_holm(t, alpha=0.05)
    p = res.pairs.set_index(["system_a", "system_b"])
    raw = stats.wilcoxon(scores[0], scores[1]).pvalue
    assert p.loc[("A", "B"), "pvalue"] == pytest.approx(raw)
    pv = p["pvalue"].to_numpy()
    order = np.argsort(pv)
    expected = np.minimum(1, np.maximum.accumulate((3 - np.arange(3)) * pv[order]))
    np.testing.assert_allclose(p["pvalue_holm"].to_numpy()[order], expected)


def test_errors_are_clear():
    t = make_table(np.array([[1.0, np.nan], [2.0, 3.0], [1.0, 1.0]]), [True, True], missing="partial")
    with pytest.raises(rankagg.RankaggError, match=r"needs a score for every system.*drop_systems"):
        friedman_nemenyi(t)
    with pytest.raises(rankagg.RankaggError, match="needs a score for every system"):
        wilcoxon_holm(t)
    with pytest.raises(rankagg.RankaggError, match=r"alpha=1\.5: .*between 0 and 1"):
        friedman_nemenyi(rankagg.load_example("toy"), alpha=1.5)
    with pytest.raises(rankagg.RankaggError, match="at least two systems"):
        nemenyi_critical_value(1)
    one_task = make_table(np.array([[1.0], [2.0]]), [True])
    with pytest.raises(rankagg.RankaggError, match="at least two tasks"):
        friedman_nemenyi(one_task)


def test_cd_diagram_inputs_agree_with_the_groups():
    rng = np.random.default_rng(5)
    t = make_table(rng.normal(size=(8, 12)) + np.arange(8)[:, None] * 0.4, [True] * 12)
    res = friedman_nemenyi(t, alpha=0.1)
    diff = res.different()
    r = res.mean_ranks
    assert list(diff.index) == list(r.index) and (diff.to_numpy() == diff.to_numpy().T).all()
    for a in r.index:
        for b in r.index:
            assert diff.loc[a, b] == (abs(r[a] - r[b]) > res.critical_difference)
    bars = res.groups_frame()
    assert len(bars) == len(res.groups)
    for _, bar in bars.iterrows():
        grp = res.groups[bar["group"]]
        assert (bar["first"], bar["last"], bar["n_systems"]) == (grp[0], grp[-1], len(grp))
        assert bar["high"] - bar["low"] <= res.critical_difference
        assert not diff.loc[list(grp), list(grp)].to_numpy().any()
