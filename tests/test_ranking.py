"""Per-task rankings, pairwise counts and rank distances, against hand values, brute force and scipy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from rankagg import (
    RankaggError,
    ScoreTable,
    kendall_distance,
    kendall_tau_b,
    pairwise_counts,
    rank_scores,
    rank_table,
    spearman,
    top_k_overlap,
)
from rankagg.rankings.orders import competition_ranks
from tests.helpers import pin

NAN = np.nan

# small integer vectors: ties are frequent
ints = st.lists(st.integers(0, 4), min_size=2, max_size=9)


def weak_orders(n):
    """Rank vectors (lower = better) of weak orders over n systems."""
    return st.lists(st.integers(0, 3), min_size=n, max_size=n).map(
        lambda v: stats.rankdata(np.asarray(v, dtype=float), method="average")
    )


# ---------------------------------------------------------------------------- rank_scores
def test_rank_scores_averages_ties_and_leaves_missing_unranked():
    np.testing.assert_array_equal(rank_scores([0.9, 0.7, 0.9, NAN]), [1.5, 3.0, 1.5, NAN])
    # NaN is not last: the three scored systems take ranks 1..3
    np.testing.assert_array_equal(rank_scores([NAN, 5.0, 7.0, 6.0]), [NAN, 3.0, 1.0, 2.0])
    np.testing.assert_array_equal(rank_scores([2.0, 2.0, 2.0]), [2.0, 2.0, 2.0])
    assert np.isnan(rank_scores([NAN, NAN])).all()


def test_rank_scores_direction():
    np.testing.assert_array_equal(rank_scores([3.0, 1.0, 2.0]), [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(rank_scores([3.0, 1.0, 2.0], higher_is_better=False), [3.0, 1.0, 2.0])


def test_tolerance_groups_are_anchored_on_the_group_leader_not_chained():
    # 9.6 is within 0.5 of 10; 9.2 is within 0.5 of 9.6 but not of the leader 10
    np.testing.assert_array_equal(rank_scores([10.0, 9.6, 9.2], atol=0.5), [1.5, 1.5, 3.0])
    # a long chain of small gaps does not collapse into one tie: a new group starts at 9.2
    np.testing.assert_array_equal(rank_scores([10.0, 9.6, 9.2, 8.8], atol=0.5), [1.5, 1.5, 3.5, 3.5])
    # the input order does not matter
    np.testing.assert_array_equal(rank_scores([9.2, 10.0, 9.6], atol=0.5), [3.0, 1.5, 1.5])
    # a gap exactly equal to the tolerance is a tie ("within")
    np.testing.assert_array_equal(rank_scores([10.0, 9.5, 9.0], atol=0.5), [1.5, 1.5, 3.0])


def test_tolerance_lower_is_better_and_relative():
    np.testing.assert_array_equal(rank_scores([10.0, 10.4, 12.0], higher_is_better=False, atol=0.5), [1.5, 1.5, 3.0])
    # rtol is relative to the leader: 1.5% of 100 = 1.5
    np.testing.assert_array_equal(rank_scores([100.0, 99.0, 98.0], rtol=0.015), [1.5, 1.5, 3.0])
    # atol and rtol add up: 0.5 + 1% of 100 = 1.5
    np.testing.assert_array_equal(rank_scores([100.0, 98.6, 98.4], atol=0.5, rtol=0.01), [1.5, 1.5, 3.0])
    np.testing.assert_array_equal(rank_scores([100.0, NAN, 99.9], atol=0.5), [1.5, NAN, 1.5])


@given(ints)
def test_exact_ranks_equal_scipy_rankdata(values):
    x = np.asarray(values, dtype=float)
    np.testing.assert_array_equal(rank_scores(x), stats.rankdata(-x, method="average"))
    np.testing.assert_array_equal(rank_scores(x, higher_is_better=False), stats.rankdata(x, method="average"))


@given(ints, st.sampled_from([0.0, 0.5, 1.0, 2.5]))
def test_tolerance_ranks_are_a_weak_order_consistent_with_the_scores(values, atol):
    x = np.asarray(values, dtype=float)
    r = rank_scores(x, atol=atol)
    n = x.size
    assert r.sum() == pytest.approx(n * (n + 1) / 2)  # average ranks of a weak order
    for i, j in itertools.permutations(range(n), 2):
        if x[i] > x[j]:
            assert r[i] <= r[j]  # never reversed
        if x[i] == x[j]:
            assert r[i] == r[j]  # exact ties stay ties
        if x[i] - x[j] > 2 * atol:
            assert r[i] < r[j]  # two leaders apart cannot share a group


def test_rank_scores_errors():
    with pytest.raises(RankaggError, match=pin("atol=-1: tie tolerances must be finite numbers >= 0", "exact ties")):
        rank_scores([1.0, 2.0], atol=-1)
    with pytest.raises(RankaggError, match=pin("rtol=nan: tie tolerances must be finite numbers >= 0")):
        rank_scores([1.0, 2.0], rtol=NAN)
    with pytest.raises(RankaggError, match=pin("atol='x': tie tolerances must be finite numbers >= 0")):
        rank_scores([1.0, 2.0], atol="x")
    with pytest.raises(RankaggError, match=pin("scores: expected a 1-D array, got 2 dimension(s).")):
        rank_scores([[1.0, 2.0]])


# ---------------------------------------------------------------------------- rank_table
def test_rank_table_honours_each_direction_and_keeps_weights():
    t = ScoreTable(
        [[0.9, 12.0, 5.0], [0.8, 10.0, NAN], [0.9, 11.0, 4.0]],
        systems=["A", "B", "C"],
        tasks=["acc", "ppl", "f1"],
        higher_is_better={"acc": True, "ppl": False, "f1": True},
        weights=[1, 2, 3],
        missing="partial",
    )
    r = rank_table(t)
    assert r.systems == t.systems and r.labels == t.labels
    np.testing.assert_array_equal(r.ranks, [[1.5, 3.0, 1.0], [3.0, 1.0, NAN], [1.5, 2.0, 2.0]])
    np.testing.assert_array_equal(r.weights, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="read-only"):
        r.ranks[0, 0] = 2.0
    frame = r.to_frame()
    assert list(frame.columns) == ["acc", "ppl", "f1"] and list(frame.index) == ["A", "B", "C"]
    # the table method is the same thing
    np.testing.assert_array_equal(t.rank().ranks, r.ranks)


def test_rank_table_tolerance_applies_to_every_column():
    t = ScoreTable(
        [[10.0, 1.0], [9.6, 1.3], [9.2, 2.0]],
        systems=["A", "B", "C"],
        tasks=["x", "y"],
        higher_is_better={"x": True, "y": False},
    )
    r = rank_table(t, atol=0.5)
    np.testing.assert_array_equal(r.ranks, [[1.5, 1.5], [1.5, 1.5], [3.0, 3.0]])
    assert (r.atol, r.rtol) == (0.5, 0.0)
    with pytest.raises(RankaggError, match=pin("rtol=-0.1: tie tolerances must be finite numbers >= 0")):
        rank_table(t, rtol=-0.1)


# ---------------------------------------------------------------------------- pairwise_counts
HAND = np.array([[1.0, 1.5, NAN], [2.0, 1.5, 1.0], [3.0, 3.0, 2.0]])  # 3 systems x 3 voters


def test_pairwise_counts_by_hand_with_ties_and_missing():
    wins, ties = pairwise_counts(HAND)
    # voter 0: 0 > 1 > 2; voter 1: 0 = 1 > 2; voter 2: 1 > 2 (0 unranked)
    np.testing.assert_array_equal(wins, [[0, 1, 2], [0, 0, 3], [0, 0, 0]])
    np.testing.assert_array_equal(ties, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_pairwise_counts_weighted_by_hand():
    wins, ties = pairwise_counts(HAND, weights=[1.0, 2.0, 0.5])
    np.testing.assert_array_equal(wins, [[0, 1, 3], [0, 0, 3.5], [0, 0, 0]])
    np.testing.assert_array_equal(ties, [[0, 2, 0], [2, 0, 0], [0, 0, 0]])


@given(
    st.integers(2, 6).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.lists(st.sampled_from([1.0, 2.0, 2.0, 3.0, NAN]), min_size=n, max_size=n), min_size=1, max_size=12
            ),
            st.lists(st.sampled_from([1.0, 0.5, 2.0]), min_size=12, max_size=12),
        )
    )
)
def test_pairwise_counts_chunked_equals_one_chunk_and_adds_up(data):
    cols, wlist = data
    r = np.array(cols).T  # systems x voters
    m = r.shape[1]
    w = np.array(wlist[:m])
    one = pairwise_counts(r, weights=w)
    tiny = pairwise_counts(r, weights=w, chunk_size=1)  # one voter per chunk
    np.testing.assert_allclose(tiny[0], one[0])
    np.testing.assert_allclose(tiny[1], one[1])
    wins, ties = one
    # every voter ranking both i and j counts once: in wins[i, j], wins[j, i] or ties[i, j]
    both = ~np.isnan(r)
    both_w = (both[:, None, :] & both[None, :, :]).astype(float) @ w
    off = ~np.eye(r.shape[0], dtype=bool)
    np.testing.assert_allclose((wins + wins.T + ties)[off], both_w[off])
    np.testing.assert_array_equal(ties, ties.T)
    # brute force, pair by pair
    for i, j in itertools.permutations(range(r.shape[0]), 2):
        assert wins[i, j] == pytest.approx(sum(w[v] for v in range(m) if r[i, v] < r[j, v]))


def test_pairwise_counts_errors():
    with pytest.raises(RankaggError, match=pin("ranks: expected a 2-D array (systems x voters), got 1 dimension(s).")):
        pairwise_counts([1.0, 2.0])
    with pytest.raises(RankaggError, match=pin("weights: expected 3 weights (one per voter), got shape (2,).")):
        pairwise_counts(HAND, weights=[1.0, 2.0])


# ---------------------------------------------------------------------------- Kendall tau-b
def test_kendall_tau_b_hand_values():
    assert kendall_tau_b([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant
    assert kendall_tau_b([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # x ties the first pair: 2 concordant pairs, tau-b = 2 / sqrt((3 - 1) * 3)
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / np.sqrt(6))
    # systems missing in either ranking are left out
    assert kendall_tau_b([1, 2, NAN, 3], [1, 2, 5, 3]) == pytest.approx(1.0)
    assert np.isnan(kendall_tau_b([1, 1, 1], [1, 2, 3]))  # constant ranking
    assert np.isnan(kendall_tau_b([1, NAN, 2], [NAN, 1, 2]))  # fewer than two systems in common


@given(st.integers(2, 9).flatmap(lambda n: st.tuples(*(st.lists(st.integers(0, 3), min_size=n, max_size=n),) * 2)))
def test_kendall_tau_b_equals_scipy(pair):
    x, y = (np.asarray(v, dtype=float) for v in pair)
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    assert kendall_tau_b(x, y) == pytest.approx(stats.kendalltau(x, y, variant="b").statistic)


# ---------------------------------------------------------------------------- Kendall distance
def test_kendall_distance_hand_values():
    assert kendall_distance([1, 2, 3], [3, 2, 1]) == 3.0
    assert kendall_distance([1, 2, 3], [1, 2, 3]) == 0.0
    # a pair tied in one ranking only costs the tie penalty
    assert kendall_distance([1, 2, 3], [1.5, 1.5, 3]) == 0.5
    assert kendall_distance([1, 2, 3], [1.5, 1.5, 3], tie_penalty=1.0) == 1.0
    assert kendall_distance([1, 2, 3], [1.5, 1.5, 3], tie_penalty=0.0) == 0.0
    # tied in both: no cost
    assert kendall_distance([1.5, 1.5, 3], [1.5, 1.5, 3]) == 0.0
    # pairs with a system unranked in either ranking are skipped: only (0, 1) counts here
    assert kendall_distance([1, 2, NAN], [2, 1, 1]) == 1.0
    assert kendall_distance([1, 2, 3], [3, 2, 1], normalize=True) == 1.0
    assert kendall_distance([1, 2, 3, 4], [1.5, 1.5, 4, 3], normalize=True) == pytest.approx(1.5 / 6)
    assert kendall_distance([1, NAN], [NAN, 1]) == 0.0
    assert np.isnan(kendall_distance([1, NAN], [NAN, 1], normalize=True))


def test_kendall_distance_errors():
    with pytest.raises(RankaggError, match=pin("tie_penalty=1.5: must lie in [0, 1].")):
        kendall_distance([1, 2], [2, 1], tie_penalty=1.5)
    with pytest.raises(
        RankaggError,
        match=pin(
            "kendall_distance: the two rankings must be 1-D and of equal length (one value per system)",
            "got shapes (2,) and (3,)",
        ),
    ):
        kendall_distance([1, 2], [1, 2, 3])


@given(st.integers(2, 6).flatmap(lambda n: st.tuples(weak_orders(n), weak_orders(n), weak_orders(n))))
def test_kendall_distance_with_half_penalty_is_a_metric_on_weak_orders(xyz):
    x, y, z = xyz
    d = kendall_distance
    assert d(x, x) == 0.0
    assert d(x, y) == d(y, x)
    assert d(x, z) <= d(x, y) + d(y, z) + 1e-12
    if d(x, y) == 0.0:
        np.testing.assert_array_equal(x, y)  # K^(1/2) separates distinct weak orders


@given(st.integers(2, 7).flatmap(lambda n: st.tuples(st.permutations(range(n)), st.permutations(range(n)))))
def test_kendall_distance_of_strict_orders_counts_discordant_pairs(pair):
    x, y = (np.asarray(p, dtype=float) for p in pair)
    brute = sum((x[i] - x[j]) * (y[i] - y[j]) < 0 for i, j in itertools.combinations(range(x.size), 2))
    assert kendall_distance(x, y) == brute
    n_pairs = x.size * (x.size - 1) / 2
    # tau (no ties) = 1 - 2 * discordant / pairs
    assert kendall_tau_b(x, y) == pytest.approx(1 - 2 * brute / n_pairs)


# ---------------------------------------------------------------------------- Spearman
def test_spearman_hand_values():
    assert spearman([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(0.8)  # 1 - 6 * 2 / (4 * 15)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, NAN, 3], [1, 2, 0, 3]) == pytest.approx(1.0)
    assert np.isnan(spearman([1, 1], [1, 2]))
    with pytest.raises(RankaggError, match=pin("spearman: the two rankings must be 1-D and of equal length")):
        spearman([[1, 2]], [[1, 2]])


@given(st.integers(3, 9).flatmap(lambda n: st.tuples(*(st.lists(st.integers(0, 3), min_size=n, max_size=n),) * 2)))
def test_spearman_equals_scipy(pair):
    x, y = (np.asarray(v, dtype=float) for v in pair)
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic)


# ---------------------------------------------------------------------------- top-k overlap
def test_top_k_overlap_hand_values():
    assert top_k_overlap([1, 2, 3, 4], [2, 1, 4, 3], k=2) == 1.0
    assert top_k_overlap([1, 2, 3, 4], [1, 3, 2, 4], k=2) == 0.5
    assert top_k_overlap([1, 2, 3, 4], [4, 3, 2, 1], k=2) == 0.0
    assert top_k_overlap([1, 2, 3, 4], [4, 3, 2, 1], k=4) == 1.0


def test_top_k_overlap_includes_ties_at_the_boundary():
    # systems 1 and 2 tie for second place: the top-2 set of x has three systems
    x = [1, 2.5, 2.5, 4]
    assert top_k_overlap(x, [1, 2, 3, 4], k=2) == pytest.approx(2 / 3)
    assert top_k_overlap(x, x, k=2) == 1.0
    assert top_k_overlap([2.5, 2.5, 2.5, 2.5], [1, 2, 3, 4], k=1) == pytest.approx(1 / 4)
    # unranked systems are never in a top set
    assert top_k_overlap([1, NAN, 2], [2, 1, 3], k=1) == 0.0


def test_top_k_overlap_errors():
    for k in (0, -1, 1.5, "2"):
        with pytest.raises(RankaggError, match=pin(f"k={k!r}: must be a positive integer.")):
            top_k_overlap([1, 2], [2, 1], k=k)
    with pytest.raises(RankaggError, match=pin("top_k_overlap: the two rankings must be 1-D and of equal length")):
        top_k_overlap([1, 2], [1], k=1)


def test_kendall_tau_b_shape_error():
    with pytest.raises(RankaggError, match=pin("kendall_tau_b: the two rankings must be 1-D", "(3,) and (2,)")):
        kendall_tau_b([1, 2, 3], [1, 2])


def test_competition_ranks_from_tiers():
    # standard competition ranking: 1, 2, 2, 4
    np.testing.assert_array_equal(competition_ranks(np.array([0, 1, 1, 2])), [1, 2, 2, 4])
    np.testing.assert_array_equal(competition_ranks(np.array([1, 0, 1])), [2, 1, 2])


@given(st.lists(st.sampled_from([0.0, 0.1, 0.3, 1e-12, -2.0, 7.5]), min_size=1, max_size=25))
def test_exact_tie_ranks_equal_scipy_rankdata(values):
    # rank_scores ranks without importing scipy.stats (a command's start); it must agree with scipy's average ranks
    v = np.array(values)
    np.testing.assert_array_equal(rank_scores(v, higher_is_better=True), stats.rankdata(-v, method="average"))
    np.testing.assert_array_equal(rank_scores(v, higher_is_better=False), stats.rankdata(v, method="average"))


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_counts_of_large_boards_equal_the_blocked_counts(seed, monkeypatch):
    # from _PER_COLUMN_N systems the counts come one voter at a time (ties as both-ranked minus wins): the same
    # integer counts as the blocked comparison, and the same float counts up to rounding
    from rankagg.rankings import pairwise as ranking

    g = np.random.default_rng(seed)
    n, m = 300, 17
    r = g.integers(0, 40, size=(n, m)).astype(float)
    r[g.random((n, m)) < 0.15] = np.nan
    for w in (None, g.integers(1, 5, size=m).astype(float), g.random(m)):
        fast = pairwise_counts(r, weights=w)
        monkeypatch.setattr(ranking, "_PER_COLUMN_N", 10**9)
        blocked = pairwise_counts(r, weights=w)
        monkeypatch.undo()
        if w is None or np.all(w == np.round(w)):
            np.testing.assert_array_equal(fast[0], blocked[0])
            np.testing.assert_array_equal(fast[1], blocked[1])
        else:
            np.testing.assert_allclose(fast[0], blocked[0], rtol=0, atol=1e-12)
            np.testing.assert_allclose(fast[1], blocked[1], rtol=0, atol=1e-12)
