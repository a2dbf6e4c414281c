"""Partial rankings over their compatible completions (Himmi et al. 2024): brute force, identities, real masks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankagg import (
    RULES,
    RankaggError,
    ScoreTable,
    aggregate,
    compare,
    kendall_tau_b,
    pairwise_counts,
    rank_scores,
    read_table,
)
from rankagg.rankings.partial import expected_pairwise, expected_ranks
from tests.helpers import pin

NAN = np.nan


def completions(ranks):
    """Every full ranking of the systems that keeps the observed strict order (ties broken every way)."""
    n = ranks.size
    obs = np.nonzero(~np.isnan(ranks))[0]
    out = []
    for perm in itertools.permutations(range(n)):
        pos = np.empty(n)
        pos[list(perm)] = np.arange(1, n + 1)  # perm lists systems best first
        if all(pos[i] < pos[j] for i in obs for j in obs if ranks[i] < ranks[j]):
            out.append(pos)
    return np.array(out)


@settings(max_examples=40)
@given(
    n=st.integers(2, 5),
    cells=st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=5, max_size=5),
)
def test_expected_pairwise_and_ranks_are_the_averages_over_the_compatible_completions(n, cells):
    scores = np.array([NAN if c is None else float(c) for c in cells[:n]])
    ranks = rank_scores(scores)
    comp = completions(ranks)
    above = (comp[:, :, None] < comp[:, None, :]).mean(axis=0)  # P(i above j) over the completions
    wins, ties = expected_pairwise(ranks[:, None])
    np.testing.assert_allclose(wins + ties / 2, above, atol=1e-12)  # a tie counts half each way
    np.testing.assert_allclose(expected_ranks(ranks[:, None])[:, 0], comp.mean(axis=0), atol=1e-12)


@settings(max_examples=40)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 7), m=st.integers(1, 6))
def test_every_pair_is_accounted_for_by_every_voter_and_row_sums_give_expected_ranks(seed, n, m):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 3, size=(n, m)).astype(float)
    s[rng.random((n, m)) < 0.4] = NAN
    ranks = np.column_stack([rank_scores(s[:, j]) for j in range(m)])
    w = rng.integers(1, 4, size=m).astype(float)
    wins, ties = expected_pairwise(ranks, weights=w)
    total = wins + wins.T + ties
    np.testing.assert_allclose(total[~np.eye(n, dtype=bool)], w.sum())
    e = expected_ranks(ranks)
    np.testing.assert_allclose((wins + ties / 2).sum(axis=1), (w * (n - e)).sum(axis=1), atol=1e-9)


def test_without_missing_scores_everything_reduces_to_the_plain_counts():
    rng = np.random.default_rng(0)
    ranks = np.column_stack([rank_scores(rng.integers(0, 3, size=6).astype(float)) for _ in range(5)])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    for a, b in zip(expected_pairwise(ranks, weights=w), pairwise_counts(ranks, weights=w), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(expected_ranks(ranks), ranks)
    t = ScoreTable(ranks, systems=list("ABCDEF"), tasks=list("vwxyz"), higher_is_better=False, weights=w)
    np.testing.assert_allclose(aggregate(t, rule="partial_borda").scores, aggregate(t, rule="borda").scores)
    for rule in (r for r, info in RULES.items() if info.pairwise_ok):
        a, b = aggregate(t, rule=rule), aggregate(t, rule=rule, pairwise="expected")
        np.testing.assert_array_equal(a.ranks, b.ranks)
        assert b.pairwise == "expected" and a.pairwise == "observed"


def test_partial_borda_by_hand():
    # C is unscored on task y: 'y' puts A (rank 1 of 2) at 1 * 4/3 and B at 2 * 4/3, and C in the middle, 2
    t = ScoreTable(
        [[3.0, 9.0], [2.0, 8.0], [1.0, NAN]],
        systems=["A", "B", "C"],
        tasks=["x", "y"],
        higher_is_better=True,
        missing="partial",
    )
    res = aggregate(t, rule="partial_borda")
    np.testing.assert_allclose(res.scores, [(1 + 4 / 3) / 2, (2 + 8 / 3) / 2, (3 + 2) / 2])
    assert res.score_name == "mean expected rank" and res.ranking == ["A", "B", "C"]
    # observed pairs only: C never meets anyone on y; expected: y also counts, by the completion probabilities
    kem = aggregate(t, rule="kemeny", pairwise="expected")
    assert kem.pairwise == "expected" and "pairwise='expected'" in str(kem).splitlines()[0]


def test_errors():
    t = ScoreTable([[1.0], [2.0]], systems=["A", "B"], tasks=["x"], higher_is_better=True)
    with pytest.raises(RankaggError, match=pin("ranks: expected a 2-D array (systems x voters), got 1 dimension(s).")):
        expected_ranks([1.0, 2.0])
    with pytest.raises(RankaggError, match=pin("weights: expected 2 weights (one per voter), got shape (3,).")):
        expected_pairwise(np.ones((2, 2)), weights=[1.0, 1.0, 1.0])
    with pytest.raises(RankaggError, match=pin("pairwise='both': use 'observed'")):
        aggregate(t, rule="kemeny", pairwise="both")
    with pytest.raises(RankaggError, match=pin("pairwise='both': use 'observed'")):
        compare(t, ["kemeny"], pairwise="both")
    with pytest.raises(
        RankaggError, match=pin("pairwise='expected' changes the pairwise matrix, which rule 'mean' does not read")
    ):
        compare(t, ["kemeny"], reference="mean", pairwise="expected")


# ---------------------------------------------------------------------------- masking a complete real leaderboard
def _mask_experiment(table, *, rate, masks, seed):
    """Mean Kendall tau-b to the complete table's ranking, per way of handling the holes."""
    rng = np.random.default_rng(seed)
    full_borda = aggregate(table, rule="borda").ranks.astype(float)
    full_mean = aggregate(table, rule="mean").ranks.astype(float)
    out = {"partial_borda": [], "fill task mean": [], "fill worst": [], "mean of observed": []}
    dropped = []
    failed_drop_tasks = 0
    for _ in range(masks):
        while True:
            hide = rng.random(table.scores.shape) < rate
            if ((~hide).sum(axis=1) >= 2).all() and ((~hide).sum(axis=0) >= 2).all():
                break
        holed = np.where(hide, NAN, table.scores)
        kw = {"systems": table.systems, "tasks": list(table.labels), "higher_is_better": True}
        part = ScoreTable(holed, missing="partial", **kw)
        out["partial_borda"].append(kendall_tau_b(aggregate(part, rule="partial_borda").ranks, full_borda))
        col_mean, col_worst = np.nanmean(holed, axis=0), np.nanmin(holed, axis=0)
        for name, fill in (("fill task mean", col_mean), ("fill worst", col_worst)):
            filled = ScoreTable(np.where(hide, fill[None, :], table.scores), **kw)
            out[name].append(kendall_tau_b(aggregate(filled, rule="borda").ranks, full_borda))
        out["mean of observed"].append(kendall_tau_b(-np.nanmean(holed, axis=1), full_mean))
        try:
            dropped.append(len(part.with_missing("drop_systems").dropped_systems) / table.n_systems)
        except RankaggError:
            dropped.append(1.0)
        try:
            part.with_missing("drop_tasks")
        except RankaggError:
            failed_drop_tasks += 1
    return {k: float(np.mean(v)) for k, v in out.items()}, float(np.mean(dropped)), failed_drop_tasks


@pytest.mark.parametrize(
    ("name", "rate"),
    [("mteb", 0.1), ("mteb", 0.3), ("glue", 0.1), ("glue", 0.3)],
)
def test_masking_a_complete_leaderboard_partial_rankings_stay_closer_than_dropping_or_filling(datasets_dir, name, rate):
    if name == "mteb":  # the 152 systems with all 56 classic English tasks
        table = read_table(datasets_dir / "mteb" / "mteb_eng_classic_56.csv", missing="drop_systems")
        assert table.n_systems == 152 and table.n_columns == 56
    else:
        table = read_table(datasets_dir / "glue_superglue_value" / "glue.csv", missing="drop_systems")
    taus, lost, drop_tasks_failed = _mask_experiment(table, rate=rate, masks=12, seed=0)
    for baseline in ("fill task mean", "fill worst", "mean of observed"):
        assert taus["partial_borda"] > taus[baseline], (baseline, taus)
    # dropping is no alternative: every task has a hole (nothing left), and most systems have one
    assert drop_tasks_failed == 12
    assert lost > 0.75
