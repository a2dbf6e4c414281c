"""Rules that report exactly what they have (issue 18, case 9).

Schulze and ranked pairs: the consensus is the undominated tiers of the rule's
own relation, so the winners are the standard winner set (every system no one
beats). The fast implementations must return exactly what the reference
definitions (kept small and slow here) return. Kemeny: systems the data cannot
tell apart are tied, the ranking does not depend on row order, the adjacent
pairs of the consensus say whether they could swap, and ``all_optima`` is a
rule parameter.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankagg
from rankagg import aggregate
from rankagg.rules.base import RuleInput
from tests.strategies import make_table


def table_of(scores, systems=None, weights=None):
    scores = np.asarray(scores, dtype=float)
    n, m = scores.shape
    return rankagg.ScoreTable(
        scores,
        systems=systems or [f"s{i}" for i in range(n)],
        tasks=[f"t{j}" for j in range(m)],
        higher_is_better=True,
        weights=weights,
    )


# --- reference definitions (slow, straight from the papers) -------------------------------------
def ref_margins_strength(table, strength="margins"):
    inp = RuleInput(table, table.rank())
    wins, _ = inp.pairwise
    m = wins - wins.T
    scale = max(inp.total_weight, 1.0)
    m[np.abs(m) <= 1e-9 * scale] = 0.0
    s = np.where(m > 0, m if strength == "margins" else wins, 0.0)
    return np.round(s / scale, 9)


def ref_schulze_beats(table, strength="margins"):
    """Schulze (2011): widest paths by the textbook triple loop; i beats j iff p[i, j] > p[j, i]."""
    d = ref_margins_strength(table, strength)
    n = d.shape[0]
    p = d.copy()
    for k in range(n):
        for i in range(n):
            for j in range(n):
                if i != j and i != k and j != k:
                    p[i, j] = max(p[i, j], min(p[i, k], p[k, j]))
    beats = p > p.T
    np.fill_diagonal(beats, False)
    return beats


def ref_reaches(rel, a, b):
    """Whether b is reachable from a along rel (depth-first search)."""
    seen, stack = {a}, [a]
    while stack:
        x = stack.pop()
        if x == b:
            return True
        for y in np.flatnonzero(rel[x]):
            if y not in seen:
                seen.add(int(y))
                stack.append(int(y))
    return False


def ref_ranked_pairs_locked(table, strength="margins"):
    """Ranked pairs, equal strengths together: an arc is locked unless it closes a cycle with the arcs
    already locked and the other undecided arcs of its strength (all such arcs are skipped)."""
    s = ref_margins_strength(table, strength)
    n = s.shape[0]
    locked = np.zeros((n, n), dtype=bool)  # arcs actually locked (not closed)
    for v in sorted(set(s[s > 0].tolist()), reverse=True):
        arcs = [(a, b) for a, b in zip(*np.nonzero(s == v))]
        undecided = [(a, b) for a, b in arcs if not ref_reaches(locked, a, b) and not ref_reaches(locked, b, a)]
        graph = locked.copy()
        for a, b in undecided:
            graph[a, b] = True
        ok = [(a, b) for a, b in undecided if not ref_reaches(graph, b, a)]
        for a, b in ok:
            locked[a, b] = True
    closed = np.array([[i != j and ref_reaches(locked, i, j) for j in range(n)] for i in range(n)])
    return closed


def ref_tier_ranks(beats):
    """Competition ranks of the undominated tiers of a strict partial order, peeled one tier at a time."""
    n = beats.shape[0]
    left, level, t = set(range(n)), np.zeros(n, dtype=int), 0
    while left:
        top = [i for i in left if not any(beats[j, i] for j in left)]
        for i in top:
            level[i] = t
        left -= set(top)
        t += 1
    return np.array([1 + int((level < level[i]).sum()) for i in range(n)])


# --- the issue's example ------------------------------------------------------------------------
# margins A-B 0, A-C 0, C over B unanimously: A is beaten by no one, B unanimously
ISSUE = table_of([[3, 1], [1, 2], [2, 3]], systems=["A", "B", "C"])


@pytest.mark.parametrize("rule", ["schulze", "ranked_pairs"])
def test_unbeaten_systems_all_win_on_the_issue_example(rule):
    res = aggregate(ISSUE, rule=rule)
    assert res.winners == ("A", "C")
    assert res.ranks.tolist() == [1, 3, 1]
    # the relation orders C above B only; the tiers also put A above B, and say so
    assert res.diagnostics["pairs_ordered_by_tiers_only"] == 1
    assert "1 pair(s)" in res.diagnostics["tie_break"]


def test_a_partial_order_ranked_in_tiers_says_which_pairs_only_the_tiers_order():
    # A beats B beats C by every task; D is tied with everyone (2 tasks each way)
    t = table_of([[4, 4, 4, 4], [3, 3, 3, 3], [2, 2, 2, 2], [5, 5, 0, 0]], systems=list("ABCD"))
    res = aggregate(t, rule="schulze")
    # D: 2 tasks above A, B and C, 2 below all of them: margin 0 with each, unbeaten
    assert res.winners == ("A", "D")
    assert res.ranks.tolist() == [1, 3, 4, 1]
    # D is in tier 1, B and C below it, but the beatpath relation does not order D against B or C
    assert res.diagnostics["pairs_ordered_by_tiers_only"] == 2
    assert "2 pair(s)" in res.diagnostics["tie_break"]


# --- against the reference definitions and pref_voting -------------------------------------------
def random_table(data, max_n=6, max_m=5):
    n = data.draw(st.integers(2, max_n))
    m = data.draw(st.integers(1, max_m))
    scores = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n * m, max_size=n * m)), float).reshape(n, m)
    # weights 1, 2, 4, ... make most margins distinct (no tie-breaking question)
    weights = data.draw(
        st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=m, max_size=m), st.just([2**j for j in range(m)]))
    )
    return make_table(scores, [True] * m, weights)


@settings(max_examples=150)
@given(data=st.data(), strength=st.sampled_from(["margins", "winning_votes"]))
def test_schulze_is_the_undominated_tiers_of_the_beatpath_relation(data, strength):
    table = random_table(data)
    res = aggregate(table, rule="schulze", strength=strength)
    beats = ref_schulze_beats(table, strength)
    np.testing.assert_array_equal(res.ranks, ref_tier_ranks(beats))
    unbeaten = tuple(s for i, s in enumerate(table.systems) if not beats[:, i].any())
    assert res.winners == unbeaten


@settings(max_examples=150)
@given(data=st.data(), strength=st.sampled_from(["margins", "winning_votes"]))
def test_ranked_pairs_is_the_undominated_tiers_of_the_locked_relation(data, strength):
    table = random_table(data)
    res = aggregate(table, rule="ranked_pairs", strength=strength)
    locked = ref_ranked_pairs_locked(table, strength)
    np.testing.assert_array_equal(res.ranks, ref_tier_ranks(locked))
    assert res.winners == tuple(s for i, s in enumerate(table.systems) if not locked[:, i].any())


def margin_graph(table):
    pv = pytest.importorskip("pref_voting.weighted_majority_graphs")
    wins, _ = RuleInput(table, table.rank()).pairwise
    m = np.round(wins - wins.T, 9)
    n = m.shape[0]
    return pv.MarginGraph(list(range(n)), [(i, j, float(m[i, j])) for i in range(n) for j in range(n) if m[i, j] > 0])


@settings(max_examples=150)
@given(data=st.data())
def test_winners_agree_with_pref_voting(data):
    vm = pytest.importorskip("pref_voting.voting_methods")
    table = random_table(data)
    mg = margin_graph(table)
    names = table.systems
    assert aggregate(table, rule="schulze").winners == tuple(names[i] for i in sorted(vm.beat_path(mg)))
    rp = aggregate(table, rule="ranked_pairs")
    _, count = np.unique([w for _, _, w in mg.edges], return_counts=True)
    orders = np.prod([math.factorial(int(c)) for c in count])  # pref_voting tries every tie-breaking order
    n = len(names)
    complete = len(mg.edges) == n * (n - 1) // 2  # pref_voting also locks tied pairs (strength 0), both ways
    if rp.diagnostics["skipped_equal_strength"] == 0 and orders <= 24 and complete:
        # then every tie-breaking order of equal margins locks the same relation: pref_voting's
        # ranked_pairs (winners under some tie-breaking order) is that relation's winner set
        assert rp.winners == tuple(names[i] for i in sorted(vm.ranked_pairs(mg)))


@pytest.mark.parametrize("seed", range(4))
def test_fast_schulze_and_ranked_pairs_equal_the_reference_on_larger_tables(seed):
    rng = np.random.default_rng(seed)
    n, m = 40, 7
    scores = rng.integers(0, 6, size=(n, m)).astype(float)
    weights = None if seed % 2 else rng.uniform(0.5, 2.0, m).round(2).tolist()
    table = table_of(scores, weights=weights)
    np.testing.assert_array_equal(aggregate(table, rule="schulze").ranks, ref_tier_ranks(ref_schulze_beats(table)))
    np.testing.assert_array_equal(
        aggregate(table, rule="ranked_pairs").ranks, ref_tier_ranks(ref_ranked_pairs_locked(table))
    )


@pytest.mark.parametrize("seed", range(3))
def test_ranked_pairs_closing_a_whole_strength_at_once_equals_the_reference(seed, monkeypatch):
    from rankagg.rules import majority

    monkeypatch.setattr(majority, "_BATCH_ARCS", 0)  # every strength level through the batch closure
    rng = np.random.default_rng(seed)
    table = table_of(rng.integers(0, 4, size=(30, 3 + seed)).astype(float))
    np.testing.assert_array_equal(
        aggregate(table, rule="ranked_pairs").ranks, ref_tier_ranks(ref_ranked_pairs_locked(table))
    )


@pytest.mark.parametrize("shape", ["sparse", "dense", "one_long_path"])
def test_packed_closure_is_the_transitive_closure(shape):
    """The closure ranked pairs locks a whole strength with: the transitive closure (Warshall, by hand) of a
    closed relation plus new arcs, on random DAGs and on a single path through every system."""
    from rankagg.rules.majority import _close_packed

    rng = np.random.default_rng(["sparse", "dense", "one_long_path"].index(shape))
    n = 70
    pos = rng.permutation(n)  # a hidden order: every arc goes down it, so the union is acyclic
    below = pos[:, None] < pos[None, :]
    if shape == "one_long_path":
        old = np.zeros((n, n), dtype=bool)
        order = np.argsort(pos)
        new = np.zeros((n, n), dtype=bool)
        new[order[:-1], order[1:]] = True
    else:
        old = (rng.random((n, n)) < 0.04) & below
        new = (rng.random((n, n)) < (0.05 if shape == "sparse" else 0.4)) & below

    def warshall(r):
        r = r.copy()
        for k in range(n):
            r |= r[:, [k]] & r[[k], :]
        return r

    closed_old = warshall(old)
    got = _close_packed(np.packbits(closed_old, axis=1), *np.nonzero(new), n)
    np.testing.assert_array_equal(np.unpackbits(got, axis=1, count=n).astype(bool), warshall(closed_old | new))


def test_ranked_pairs_with_equal_strength_cycles_labels_its_neutral_variant():
    # a > b > c > a, each by the same margin: the three arcs close a cycle only together
    t = table_of([[3, 2, 1], [2, 1, 3], [1, 3, 2]], systems=list("abc"))
    res = aggregate(t, rule="ranked_pairs")
    assert res.diagnostics["skipped_equal_strength"] == 3
    assert "neutral variant" in res.diagnostics["tie_break"]
    assert res.ranks.tolist() == [1, 1, 1]


# --- Kemeny: tie what is tied, say what could swap -----------------------------------------------
def voters(*orders, weights=None):
    """A table from voter orders such as ``"abc"`` (best first), one task per voter."""
    systems = sorted(set(orders[0]))
    n = len(systems)
    scores = [[n - o.index(s) for o in orders] for s in systems]
    return table_of(scores, systems=systems, weights=weights)


def brute_optima(table):
    """Every optimal Kemeny ranking (tuples of row indices), by enumeration."""
    wins, _ = RuleInput(table, table.rank()).pairwise
    n = wins.shape[0]
    cost = {
        p: sum(wins[p[j], p[i]] for i in range(n) for j in range(i + 1, n)) for p in itertools.permutations(range(n))
    }
    best = min(cost.values())
    return [p for p, c in cost.items() if c <= best + 1e-9]


def brute_tiers(optima, n):
    """Competition ranks of the finest weak order every optimal ranking agrees with."""
    first = optima[0]
    cuts = [c for c in range(1, n) if all(set(o[:c]) == set(first[:c]) for o in optima)]
    level = np.zeros(n, dtype=int)
    for c in cuts:
        level[list(first[c:])] += 1
    return np.array([1 + int((level < level[i]).sum()) for i in range(n)])


# abc twice, cab twice, bca once: margins a>b 3, b>c 1, c>a 1; optimal: abc and cab
TWO_OPTIMA = voters("abc", "abc", "cab", "cab", "bca")


def test_two_optimal_rankings_list_the_swappable_pair_and_tie_what_they_do_not_share():
    res = aggregate(TWO_OPTIMA, "kemeny", all_optima=True)
    assert sorted(res.diagnostics["all_optima"]) == [("a", "b", "c"), ("c", "a", "b")]
    assert res.diagnostics["order"] == ("a", "b", "c")
    # a above b in both optima; c above b in cab
    assert res.diagnostics["adjacent_pairs"] == (("a", "b", "fixed"), ("b", "c", "swappable"))
    # no cut holds in both: c is first in one and last in the other
    assert res.ranks.tolist() == [1, 1, 1]
    assert res.diagnostics["tiers_exact"] is True


def test_a_step_every_optimum_shares_is_kept():
    # a first in every task; b and c swap places: a, then b and c tied (they are indistinguishable)
    res = aggregate(voters("abc", "acb"), "kemeny")
    assert res.ranks.tolist() == [1, 2, 2]
    assert res.diagnostics["indistinguishable"] == (("b", "c"),)
    assert res.diagnostics["adjacent_pairs"][0][2] == "fixed"


def test_identical_systems_tie_and_the_tie_does_not_depend_on_row_order():
    scores = np.array([[5, 1, 3, 2], [4, 4, 1, 1], [3, 3, 4, 4], [4, 4, 1, 1], [1, 2, 2, 3]], float)
    for perm in ([0, 1, 2, 3, 4], [3, 0, 4, 2, 1], [4, 3, 2, 1, 0]):
        t = table_of(scores[perm], systems=[f"s{i}" for i in perm])
        res = aggregate(t, "kemeny")
        rank = dict(zip(res.systems, res.ranks.tolist()))
        assert rank["s1"] == rank["s3"]  # identical rows
        assert res.diagnostics["indistinguishable"] in ((("s1", "s3"),), (("s3", "s1"),))


@pytest.mark.parametrize("rule", ["mean", "borda", "copeland", "kemeny"])
def test_a_table_where_every_task_ties_all_systems_ranks_everyone_first(rule):
    t = table_of(np.full((4, 3), 0.5), systems=list("wxyz"))
    assert aggregate(t, rule).ranks.tolist() == [1, 1, 1, 1]


@settings(max_examples=120)
@given(data=st.data())
def test_kemeny_tiers_and_swaps_equal_the_brute_force_consensus_and_ignore_row_order(data):
    table = random_table(data, max_n=5)
    n = table.n_systems
    res = aggregate(table, "kemeny")
    optima = brute_optima(table)
    np.testing.assert_array_equal(res.ranks, brute_tiers(optima, n))
    idx = {s: i for i, s in enumerate(table.systems)}
    for a, b, status in res.diagnostics["adjacent_pairs"]:
        can_swap = any(o.index(idx[b]) < o.index(idx[a]) for o in optima)
        assert status == ("swappable" if can_swap else "fixed")
    # neutrality: rows in another order, same system -> rank
    perm = data.draw(st.permutations(range(n)))
    shuffled = rankagg.ScoreTable(
        table.scores[list(perm)],
        systems=[table.systems[i] for i in perm],
        tasks=list(table.tasks),
        higher_is_better=True,
        weights=list(map(float, table.weights)),
    )
    again = aggregate(shuffled, "kemeny")
    assert dict(zip(again.systems, again.ranks.tolist())) == dict(zip(res.systems, res.ranks.tolist()))


@settings(max_examples=60)
@given(data=st.data())
def test_the_swap_tests_of_large_components_agree_with_brute_force(data):
    from rankagg.rules.kemeny import _consensus

    table = random_table(data, max_n=5)
    saved = _consensus._DP_MAX
    _consensus._DP_MAX = 1  # force the path used above 12 systems (re-solve with the pair reversed)
    try:
        res = aggregate(table, "kemeny")
    finally:
        _consensus._DP_MAX = saved
    optima = brute_optima(table)
    idx = {s: i for i, s in enumerate(table.systems)}
    for a, b, status in res.diagnostics["adjacent_pairs"]:
        can_swap = any(o.index(idx[b]) < o.index(idx[a]) for o in optima)
        assert status == ("swappable" if can_swap else "fixed")
    # every step kept is an adjacent pair that no optimal ranking reverses
    order = [idx[s] for s in res.diagnostics["order"]]
    for x, y in itertools.pairwise(order):
        if res.ranks[x] < res.ranks[y]:
            assert all(o.index(x) < o.index(y) for o in optima)


def test_all_optima_is_a_rule_parameter():
    res = aggregate(voters("abc", "bca", "cab"), "kemeny", all_optima=True)
    assert sorted(res.diagnostics["all_optima"]) == [("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b")]
    assert aggregate(voters("abc", "bca", "cab"), "kemeny").ranks.tolist() == [1, 1, 1]


def test_all_optima_on_too_large_a_block_says_why():
    t = table_of([[(s + v) % 14 for v in range(14)] for s in range(14)])  # 14 rotations: one block of 14
    with pytest.raises(rankagg.RankaggError, match="all_optima=True: a block of"):
        aggregate(t, "kemeny", all_optima=True)


ROTATIONS_14 = table_of([[(s + v) % 14 for v in range(14)] for s in range(14)])  # one block of 14 systems


def test_a_large_symmetric_block_is_tied_and_every_adjacent_pair_can_swap():
    # every rotation of 0..13 is a voter: by symmetry every system is first in some optimal ranking
    res = aggregate(ROTATIONS_14, "kemeny")
    assert res.diagnostics["optimal"] is True
    assert {s for *_, s in res.diagnostics["adjacent_pairs"]} == {"swappable"}
    assert set(res.ranks.tolist()) == {1}
    assert res.diagnostics["tiers_exact"] is False and "more than 12 systems" in res.diagnostics["tie_break"]


def test_swap_tests_out_of_time_say_unknown_and_tie():
    res = aggregate(ROTATIONS_14, "kemeny", swap_time_limit=0)
    assert {s for *_, s in res.diagnostics["adjacent_pairs"]} == {"unknown"}
    assert set(res.ranks.tolist()) == {1}


@pytest.mark.parametrize(
    ("param", "value", "match"),
    [
        ("swap_time_limit", -1, "swap_time_limit=-1 must be a number of seconds >= 0"),
        ("all_optima", "yes", "True or False"),
    ],
)
def test_bad_kemeny_options_name_the_parameter(param, value, match):
    with pytest.raises(rankagg.RankaggError, match=match):
        aggregate(TWO_OPTIMA, "kemeny", **{param: value})
