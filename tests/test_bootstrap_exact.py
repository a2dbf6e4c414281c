"""The fast bootstrap path returns exactly what the code before issue 19's item 4 returned.

Item 4 made the vectorised task bootstrap faster (rows ranked by one sort of integer-carrying float keys, distinct
resamples counted by row hashes, resample counts drawn without copies, Borda-type sums in float32 where that is
exact). These tests fail if any count, rank, interval or probability changed:

* each new piece against its reference: the argsort ranking it replaced (itself checked against
  ``competition_ranks(levels_from_scores(...))``), ``np.unique`` for the distinct resamples, a per-row
  ``bincount`` of the same draws for the counts, the float64 product for the float32 one;
* digests of whole bootstrap results (counts, ranks, distinct resamples, intervals, P(top k), rank distributions,
  the frame, P(i above j)) recorded with the code at commit 1fa89fa, before the change, on random 200 x 50
  tables and on real tables (GLUE, both missing policies, MTEB classic, Open LLM v1).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rankagg
import rankagg.uncertainty.row_ranks as row_ranks
from rankagg import RULES, ScoreTable, bootstrap
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rules.base import batch_sums
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import (
    _n_distinct_rows,
    _ranks_from_scores,
    _ranks_from_scores_argsort,
    resample_counts,
)

FAST_PATHS = sorted(name for name, info in RULES.items() if info.batch is not None)


# ------------------------------------------------------------------------------------------- ranking rows
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e308, -1e308, 1.0, -1.0, 2.0**-1022]


def _both(x: np.ndarray, hib: bool, rtol: float) -> None:
    got = _ranks_from_scores(x, higher_is_better=hib, rtol=rtol)
    ref = _ranks_from_scores_argsort(x, higher_is_better=hib, rtol=rtol)
    assert got.dtype == np.int64 and np.array_equal(got, ref)


@pytest.mark.parametrize("block", [3, 50, 32_768])
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=st.one_of(
            st.sampled_from(SPECIAL), st.integers(-4, 4).map(float), st.floats(allow_nan=True, width=64)
        ),
    ),
    hib=st.booleans(),
    rtol=st.sampled_from([0.0, 1e-9, 1e-3]),
)
def test_key_sort_ranking_equals_the_argsort_ranking(block, x, hib, rtol):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(row_ranks, "_RANK_BLOCK", block)  # several blocks of rows
        _both(x, hib, rtol)


@pytest.mark.parametrize("hib", [True, False])
def test_scores_equal_but_for_their_last_bits_are_ranked_exactly(monkeypatch, hib):
    """Sums of decimals computed in different orders differ in their last bits: the keys merge them, the sort
    may return them out of order, and the repair must restore the exact order (rtol 0 keeps them apart)."""
    rng = np.random.default_rng(3)
    monkeypatch.setattr(row_ranks, "_RANK_BLOCK", 256)
    base = np.round(rng.normal(size=(400, 1)) * 10, 2)
    x = base + np.round(rng.normal(size=(400, 60)), 2)  # many near-equal sums across the row
    x = x[:, rng.permutation(60)]
    ulps = rng.integers(-3, 4, size=x.shape)
    x = x + ulps * np.spacing(x)  # neighbours a few ulps apart: merged by the keys
    for rtol in (0.0, 1e-9):
        _both(x, hib, rtol)
        _both(-x, hib, rtol)
    # the reference itself is the definition
    expected = competition_ranks(levels_from_scores(x[:20], higher_is_better=hib))
    assert np.array_equal(_ranks_from_scores(x[:20], higher_is_better=hib), expected)


def test_ranking_of_a_hand_computed_case():
    x = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, -0.0, np.nan, 1.0]])
    # higher is better: 3, 3 tie first, then 2, then 1; the NaN row keeps the argsort path's answer
    got = _ranks_from_scores(x, higher_is_better=True, rtol=0.0)
    assert got[0].tolist() == [1, 4, 1, 3]
    assert np.array_equal(got[1], _ranks_from_scores_argsort(x[1:], higher_is_better=True, rtol=0.0)[0])
    assert _ranks_from_scores(x[:1], higher_is_better=False, rtol=0.0)[0].tolist() == [3, 1, 3, 2]


# ------------------------------------------------------------------------------------------- distinct resamples
@given(
    c=hnp.arrays(
        np.int64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12), elements=st.integers(0, 3)
    )
)
def test_distinct_rows_counted_by_hash_equal_np_unique(c):
    assert _n_distinct_rows(c) == np.unique(c, axis=0).shape[0]


def test_distinct_rows_fall_back_to_np_unique_when_hashes_collide(monkeypatch):
    c = resample_counts(6, 500, rng=np.random.default_rng(0))
    monkeypatch.setattr(row_ranks, "_row_hash_multipliers", lambda m: np.zeros(m, dtype=np.int64))  # all collide
    assert _n_distinct_rows(c) == np.unique(c, axis=0).shape[0] < 500


# ------------------------------------------------------------------------------------------- counts and sums
@pytest.mark.parametrize(("m", "b"), [(1, 5), (5, 2000), (50, 300)])
def test_counts_are_the_bincount_of_the_same_draws(m, b):
    draws = np.random.default_rng(42).integers(0, m, size=(b, m))
    expected = np.array([np.bincount(row, minlength=m) for row in draws], dtype=np.int64)
    got = resample_counts(m, b, rng=np.random.default_rng(42))
    assert got.dtype == np.int64 and np.array_equal(got, expected)


@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1, 7, 2**12]), half=st.booleans())
def test_float32_sums_equal_the_float64_product_bit_for_bit(seed, scale, half):
    rng = np.random.default_rng(seed)
    points = rng.integers(1, 200, size=(60, 30)) / (2.0 if half else 1.0)
    w = rng.integers(0, 4, size=(300, 30)) * float(scale)
    got = batch_sums(points, w)
    assert np.array_equal(np.asarray(got, dtype=np.float64), w @ points.T)


def test_float32_is_used_only_where_exact():
    rng = np.random.default_rng(0)
    ranks = (np.argsort(rng.random((100, 50)), axis=0) + 1).astype(float)
    counts = resample_counts(50, 200, rng=rng).astype(float)
    assert batch_sums(ranks, counts).dtype == np.float32  # whole counts times whole ranks: exact
    for w, p in ((counts * 0.1, ranks), (counts, ranks + 0.3), (counts * 2.0**20, ranks)):  # not exact in float32
        got = batch_sums(p, w)
        assert got.dtype == np.float64 and np.array_equal(got, w @ p.T)


# ------------------------------------------------------------------------------------------- summaries
@given(
    seed=st.integers(0, 2**32 - 1),
    b=st.integers(1, 300),
    n=st.integers(1, 9),
    confidence=st.floats(0.01, 0.99),
    k=st.integers(1, 12),
)
def test_summaries_from_the_rank_counts_equal_their_numpy_definitions(seed, b, n, confidence, k):
    """Intervals, P(top k) and mean ranks are read from one histogram of the ranks: the same numbers as np.quantile
    (methods "lower" / "higher") and the means over the resamples, bit for bit."""
    rng = np.random.default_rng(seed)
    ranks = np.sort(rng.integers(1, n + 1, size=(b, n)), axis=1)  # competition-like ranks, ties included
    ranks = ranks[:, rng.permutation(n)]
    res = BootstrapResult("borda", {}, "tasks", tuple(f"s{i}" for i in range(n)), np.arange(1, n + 1), ranks,
                          np.ones((b, 2), int), confidence, "raise")  # fmt: skip
    lo, hi = res.rank_interval()
    q = (1.0 - confidence) / 2.0
    assert np.array_equal(lo, np.quantile(ranks, q, axis=0, method="lower").astype(np.int64))
    assert np.array_equal(hi, np.quantile(ranks, 1.0 - q, axis=0, method="higher").astype(np.int64))
    assert np.array_equal(res.p_top(k), (ranks <= k).mean(axis=0))
    assert np.array_equal(res._mean_rank(), ranks.mean(axis=0))
    dist = (np.arange(1, n + 1)[None, :, None] == ranks[:, None, :]).mean(axis=0).T  # systems x ranks
    assert np.array_equal(res.rank_distribution().to_numpy(), dist)


def test_summaries_of_ranks_outside_one_to_n_use_numpy():
    ranks = np.array([[0, 2], [5, 1]])  # not ranks of 2 systems: no histogram, np.quantile and means as before
    res = BootstrapResult("borda", {}, "tasks", ("A", "B"), np.array([1, 2]), ranks, np.ones((2, 2), int), 0.5, "raise")
    assert res._rank_counts is None
    assert np.array_equal(res.p_top(1), (ranks <= 1).mean(axis=0))
    assert np.array_equal(res.rank_interval()[0], np.quantile(ranks, 0.25, axis=0, method="lower").astype(np.int64))


# ------------------------------------------------------------------------------------------- whole results
def _h(a) -> str:
    a = np.ascontiguousarray(np.asarray(a))
    return hashlib.sha256(a.dtype.str.encode() + str(a.shape).encode() + a.tobytes()).hexdigest()[:16]


def _digest(res, pairs: bool = False) -> str:
    lo, hi = res.rank_interval()
    d = [_h(res.counts), _h(res.ranks), res.n_distinct, _h(lo), _h(hi), _h(res.p_top(1)), _h(res.p_top(3)),
         _h(res.p_top(1, ties="share")), _h(res.rank_distribution().to_numpy()),
         _h(res.to_frame().to_numpy(dtype=str))]  # fmt: skip
    if pairs:
        d.append(_h(res.prob_above().to_numpy()))
    return hashlib.sha256(json.dumps(d).encode()).hexdigest()[:16]


# recorded with the code at commit 1fa89fa (before item 4), by the same _digest
BEFORE = {
    "random0/borda": "4fb9aa8148720cb2",
    "random0/copeland": "38d3c27328398086",
    "random0/dowdall": "c0900555b29c4b72",
    "random0/geometric_mean": "f85413ebbb25cb43",
    "random0/mean": "0acfba58ffe43397",
    "random0/mean_available": "0acfba58ffe43397",
    "random0/minmax_mean": "6a389820947d4e75",
    "random0/mteb_borda": "4fb9aa8148720cb2",
    "random0/plurality": "a02274f2733634a9",
    "random0/win_rate": "4fb9aa8148720cb2",
    "random0/zscore_mean": "a64bafd1af1e80cc",
    "random1/borda": "738b5ef29be81139",
    "random1/copeland": "8a32c947758fc872",
    "random1/dowdall": "f506d3f46ffe67f9",
    "random1/geometric_mean": "ae1b108489b82063",
    "random1/mean": "b597475d1acfcc39",
    "random1/mean_available": "b597475d1acfcc39",
    "random1/minmax_mean": "2e09925198d8b5db",
    "random1/mteb_borda": "738b5ef29be81139",
    "random1/plurality": "bc795c6c82dd5744",
    "random1/win_rate": "738b5ef29be81139",
    "random1/zscore_mean": "a89450c6ecf60633",
    "random2/borda": "d19c61054de87614",
    "random2/copeland": "378fdf238d93eb43",
    "random2/dowdall": "e330f6435767c0cf",
    "random2/geometric_mean": "26ece38275dafac2",
    "random2/mean": "64ded4427b8052e4",
    "random2/mean_available": "64ded4427b8052e4",
    "random2/minmax_mean": "485a878954b2ef01",
    "random2/mteb_borda": "d19c61054de87614",
    "random2/plurality": "7e1ec017beb371c1",
    "random2/win_rate": "d19c61054de87614",
    "random2/zscore_mean": "f59ec779a42e92ba",
    "glue/borda": "f579bac283750e1a",
    "glue/copeland": "77d64c0a7e776494",
    "glue/dowdall": "b990e3c2b74b052d",
    "glue/mean": "2f1c8c0068454e31",
    "glue/mean_available": "2f1c8c0068454e31",
    "glue/minmax_mean": "67ae4dbc8bd7406e",
    "glue/mteb_borda": "f579bac283750e1a",
    "glue/plurality": "21f1a33f9ea4a44e",
    "glue/win_rate": "f579bac283750e1a",
    "glue/zscore_mean": "b16a02e472607d39",
    "glue_partial/copeland": "ee35413032bcf1fe",
    "glue_partial/mean_available": "ec3f45f33fed15bf",
    "glue_partial/mteb_borda": "21424e9ef2dfa065",
    "glue_partial/win_rate": "7018e6214a01081c",
    "mteb/borda": "966aba1bb14b6e04",
    "open_llm/borda": "0eb648cf068f5944",
    "mteb/mean": "92e6836407bd0f2a",
    "open_llm/mean": "9d8685d2d7bd9a8d",
    "mteb/win_rate": "966aba1bb14b6e04",
    "open_llm/win_rate": "0eb648cf068f5944",
}


def _random_table(seed: int, n: int = 200, m: int = 50) -> ScoreTable:
    rng = np.random.default_rng(seed)
    s = np.round(rng.normal(size=(n, m)) + rng.normal(size=(n, 1)) + 10.0, 2)  # decimals: ties and near-ties
    return ScoreTable(s, systems=[f"sys{i:03d}" for i in range(n)], tasks=[f"task{j:02d}" for j in range(m)],
                      higher_is_better=True)  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rule", FAST_PATHS)
def test_random_tables_give_what_the_previous_code_gave(rule, seed):
    res = bootstrap(_random_table(seed), rule, n_resamples=1000, rng=seed)
    assert _digest(res) == BEFORE[f"random{seed}/{rule}"]


def test_real_tables_give_what_the_previous_code_gave(datasets_dir):
    glue_path = datasets_dir / "glue_superglue_value" / "glue.csv"
    glue = rankagg.read_table(glue_path, missing="drop_systems")
    glue_partial = rankagg.read_table(glue_path, missing="partial")
    got, want = {}, {}
    for rule in FAST_PATHS:
        if rule != "geometric_mean":  # GLUE has scores <= 0
            got[f"glue/{rule}"] = _digest(bootstrap(glue, rule, n_resamples=1000, rng=7), pairs=True)
        if RULES[rule].partial_ok:
            got[f"glue_partial/{rule}"] = _digest(bootstrap(glue_partial, rule, n_resamples=1000, rng=8), pairs=True)
    mteb = rankagg.read_table(datasets_dir / "mteb" / "mteb_eng_classic_56.csv", missing="drop_systems")
    open_llm = rankagg.read_table(datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv")
    for rule in ("borda", "mean", "win_rate"):
        got[f"mteb/{rule}"] = _digest(bootstrap(mteb, rule, n_resamples=1000, rng=9))
        with pytest.warns(rankagg.BootstrapWarning, match="only 4 task columns"):
            got[f"open_llm/{rule}"] = _digest(bootstrap(open_llm, rule, n_resamples=300, rng=10))
    want = {k: BEFORE[k] for k in got}
    assert got == want
