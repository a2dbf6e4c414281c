"""Battle logs, pairwise profiles, Bradley-Terry and Plackett-Luce: closed forms, reference fits, every error."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import rankagg
from rankagg import RuleError, ScoreTable, aggregate, compare, rank_scores
from rankagg.data.battles import BattleError, PairwiseProfile, pairwise_from_battles
from rankagg.io import read_battles
from rankagg.rules import probabilistic
from rankagg.rules.probabilistic import fit_bradley_terry, fit_plackett_luce
from tests.helpers import pin

DATA = Path(__file__).parent / "data" / "battles"
NAN = np.nan


def log(*rows, **extra):
    df = pd.DataFrame(rows, columns=["system_a", "system_b", "winner"])
    for k, v in extra.items():
        df[k] = v
    return df


def strength_share(res, a, b):
    s = res.diagnostics["strengths"]
    return s[a] / (s[a] + s[b])


# ---------------------------------------------------------------------------- battle logs -> pairwise profile
def test_pairwise_from_a_real_battle_log():
    frame = read_battles(DATA / "arena_battles.csv")
    p = pairwise_from_battles(frame)
    assert p.systems == ("gpt-4", "claude-v1", "koala-13b", "vicuna-13b") and p.n_battles == 3
    assert p.wins[0, 1] == 1.0 and p.wins[3, 2] == 1.0 and p.ties[0, 3] == p.ties[3, 0] == 1.0
    assert p.total_weight == 3.0 and p.pairwise == (p.wins, p.ties) and p.n == 4
    assert p.to_frame().to_dict(orient="records")[0] == {
        "system_a": "gpt-4",
        "system_b": "claude-v1",
        "wins_a": 1.0,
        "wins_b": 0.0,
        "ties": 0.0,
    }
    # a path works too, and raw winner values (model_a / model_b / tie (bothbad)) are understood
    assert pairwise_from_battles(DATA / "arena_battles.csv").systems == p.systems
    raw = log(("x", "y", "model_a"), ("x", "y", "tie (bothbad)"), ("y", "x", "model_b"))
    q = pairwise_from_battles(raw)
    assert q.wins.tolist() == [[0.0, 2.0], [0.0, 0.0]] and q.ties[0, 1] == 1.0


def test_weights_include_exclude_and_select_systems():
    df = log(("a", "b", "a"), ("b", "c", "b"), ("a", "c", "tie"), w=[2.0, 1.0, 0.5])
    p = pairwise_from_battles(df, weight="w")
    assert p.wins[0, 1] == 2.0 and p.ties[0, 2] == 0.5 and p.total_weight == 3.5
    q = pairwise_from_battles(df, exclude="c")
    assert q.systems == ("a", "b") and q.n_battles == 1
    assert p.select_systems(include=["a", "b"]).wins.tolist() == [[0.0, 2.0], [0.0, 0.0]]


def test_aggregate_and_compare_battles():
    df = log(("a", "b", "a"), ("a", "b", "a"), ("b", "c", "b"), ("a", "c", "a"), ("c", "a", "tie"))
    res = aggregate(df, rule="bradley_terry")
    assert res.level == "battles" and res.ranking[0] == "a" and res.missing_policy == "raise"
    assert "from battles" in str(res).splitlines()[0]
    profile = pairwise_from_battles(df)
    np.testing.assert_allclose(aggregate(profile, rule="copeland").scores, aggregate(df, rule="copeland").scores)
    cmp = compare(df, ["copeland", "kemeny"], reference="bradley_terry")
    assert cmp.level == "battles" and cmp.rules == ("bradley_terry", "copeland", "kemeny")
    assert set(cmp.results) == {"bradley_terry", "copeland", "kemeny"}


def test_systems_that_never_met_count_as_a_tie_for_majority_rules():
    # a beat b, b beat c; a and c never met (but the graph is connected)
    df = log(("a", "b", "a"), ("b", "c", "a"))
    np.testing.assert_array_equal(aggregate(df, rule="copeland").scores, [1.5, 1.0, 0.5])
    assert aggregate(df, rule="bradley_terry").ranking == ["a", "b", "c"]
    assert aggregate(df, rule="kemeny").ranking == ["a", "b", "c"]


def test_bradley_terry_on_a_score_table_equals_it_on_the_table_pairwise_profile():
    t = rankagg.load_example("toy")
    wins, ties = t.rank().pairwise()
    p = PairwiseProfile(t.systems, wins, ties, total_weight=float(t.weights.sum()))
    for rule in ("bradley_terry", "copeland", "schulze", "kemeny"):
        np.testing.assert_allclose(aggregate(t, rule=rule).scores, aggregate(p, rule=rule).scores, atol=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pairwise_from_battles(log(("a", "b", "a")).drop(columns="winner")),
            "battles: no column 'winner'; a battle log has system_a, system_b and winner ('a', 'b' or 'tie') columns",
        ),
        (lambda: pairwise_from_battles(log(("a", "b", "a")).iloc[:0]), "battles: the log has no battle."),
        (
            lambda: pairwise_from_battles(log(("a", "", "a"))),
            "battles: empty system_b in row(s) 0; every battle names both.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "a", "a"))),
            "battles: row(s) 0 pit a system against itself ('a'); remove them.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "b", "draw"))),
            "battles: winner values at (row 0: 'draw') are not 'a', 'b' or 'tie' (nor model_a, model_b, tie, tie "
            "(bothbad)); map them first.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "b", "a")), weight="w"),
            "weight: no column 'w'; the columns are 'system_a', 'system_b', 'winner'.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "b", "a"), w=[-1.0]), weight="w"),
            "weight: rows 0 have a weight that is not a positive number.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "b", "a")), exclude="a"),
            "battles: 1 system(s) left; ranking needs at least two.",
        ),
        (
            lambda: PairwiseProfile(("a", "b"), np.zeros((3, 3)), np.zeros((2, 2)), 1.0),
            "wins: expected shape (2, 2) for 2 systems, got (3, 3).",
        ),
        (
            lambda: PairwiseProfile(("a", "b"), -np.ones((2, 2)), np.zeros((2, 2)), 1.0),
            "wins: pairwise counts must be finite and >= 0.",
        ),
        (
            lambda: PairwiseProfile(("a", "b"), np.zeros((2, 2)), np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0),
            "ties: the tie matrix must be symmetric (ties[i, j] == ties[j, i]).",
        ),
        (
            lambda: PairwiseProfile(("a", "a"), np.zeros((2, 2)), np.zeros((2, 2)), 1.0),
            "systems: system names must be unique.",
        ),
        (
            lambda: PairwiseProfile(("a",), np.zeros((1, 1)), np.zeros((1, 1)), 1.0),
            "systems: only 1 system; ranking needs at least two.",
        ),
        (
            lambda: pairwise_from_battles(log(("a", "b", "a"))).select_systems(include="a"),
            "include/exclude: 1 system(s) left after selection; ranking needs at least two.",
        ),
        (
            lambda: aggregate(log(("a", "b", "a"), ("c", "d", "a")), rule="copeland"),
            "battles: the systems fall into 2 groups that never met, directly or through others: {'a', 'b'}; "
            "{'c', 'd'}. No rule can order systems across groups; rank one group at a time (include=... / "
            "exclude=...; CLI: --include, --exclude), or add battles between them.",
        ),
    ],
)
def test_battle_errors(call, message):
    with pytest.raises(BattleError, match=pin(message)):
        call()


def test_rules_that_need_scores_refuse_battles_and_battles_refuse_instance_options():
    df = log(("a", "b", "a"), ("b", "c", "b"))
    with pytest.raises(
        RuleError,
        match=pin(
            "rule 'borda' needs scores or full rankings, and battle data gives only pairwise preferences; use a rule "
            "that reads pairwise preferences: copeland, minimax, schulze, ranked_pairs, kemeny, bradley_terry, "
            "arena_elo."
        ),
    ):
        aggregate(df, rule="borda")
    with pytest.raises(
        RuleError,
        match=pin(
            "rule 'mean' needs scores or full rankings, and battle data (it is the reference: pass "
            "reference='bradley_terry') gives only pairwise preferences"
        ),
    ):
        compare(df, ["copeland"], reference="mean")
    with pytest.raises(
        rankagg.RankaggError,
        match=pin(
            "level='two': levels 'one' and 'two' aggregate instance-level scores; this input is pairwise battle data."
        ),
    ):
        aggregate(df, level="two")
    with pytest.raises(
        rankagg.RankaggError,
        match=pin("pairwise='expected' completes partial rankings; battle data has no rankings to complete"),
    ):
        aggregate(df, rule="kemeny", pairwise="expected")


# ---------------------------------------------------------------------------- Bradley-Terry
def bt(wins, tie_matrix=None, **params):
    n = len(wins)
    w = np.asarray(wins, dtype=float)
    t = np.zeros((n, n)) if tie_matrix is None else np.asarray(tie_matrix, dtype=float)
    return aggregate(
        PairwiseProfile(tuple("ABCDEFGH"[:n]), w, t, total_weight=float(w.sum() + t.sum() / 2)),
        rule="bradley_terry",
        **params,
    )


@pytest.mark.parametrize(("w", "lost", "t"), [(3, 1, 0), (7, 2, 0), (3, 1, 2), (1, 9, 4)])
def test_two_systems_closed_form(w, lost, t):
    res = bt([[0, w], [lost, 0]], [[0, t], [t, 0]], prior=0.0)
    # ties half a win: p = (w + t/2) / (w + l + t)
    assert strength_share(res, "A", "B") == pytest.approx((w + t / 2) / (w + lost + t), rel=1e-12)
    assert res.diagnostics["converged"] and res.diagnostics["prior"] == 0.0
    # log-odds standard error: sqrt(1/wins + 1/losses), split evenly between the two centred log-strengths
    se = res.diagnostics["standard_errors"]
    assert se["A"] == pytest.approx(np.sqrt(1 / (w + t / 2) + 1 / (lost + t / 2)) / 2, rel=1e-9)
    assert sum(res.diagnostics["log_strengths"].values()) == pytest.approx(0.0, abs=1e-12)


def test_davidson_two_systems_closed_form():
    # the model is saturated for two systems: P(A) : P(B) : P(tie) = w : l : t, so gamma ratio w/l, nu = t/sqrt(w l)
    res = bt([[0, 4], [1, 0]], [[0, 2], [2, 0]], prior=0.0, ties="davidson")
    assert strength_share(res, "A", "B") == pytest.approx(4 / 5, rel=1e-6)
    assert res.diagnostics["tie_parameter"] == pytest.approx(1.0, rel=1e-6)
    # saturated multinomial: the log-odds log(w / l) has standard error sqrt(1/w + 1/l) = sqrt(1.25)
    assert 2 * res.diagnostics["standard_errors"]["A"] == pytest.approx(np.sqrt(1.25), rel=1e-8)
    # no tie observed: Davidson is Bradley-Terry with nu = 0
    plain = bt([[0, 4], [1, 0]], prior=0.0, ties="davidson")
    assert plain.diagnostics["tie_parameter"] == 0.0 and strength_share(plain, "A", "B") == pytest.approx(0.8)


def _bt_reference(a, prior):
    """Maximum (a posteriori) likelihood by a generic optimiser: the reference implementation."""

    def negll(x):
        d = x[:, None] - x[None, :]
        return float((a * np.logaddexp(0.0, -d)).sum()) - prior / 2 * x.sum() + prior * np.logaddexp(0.0, x).sum()

    x = minimize(negll, np.zeros(len(a)), method="BFGS", options={"gtol": 1e-11}).x
    return x - x.mean()  # fit_bradley_terry reports sum-to-zero log-strengths whatever the prior


@settings(max_examples=30)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 7), prior=st.sampled_from([0.0, 1.0, 3.0]))
def test_bradley_terry_agrees_with_a_reference_optimiser(seed, n, prior):
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 6, size=(n, n)).astype(float)  # every pair met, both ways: the MLE exists
    np.fill_diagonal(w, 0.0)
    t = np.triu(rng.integers(0, 3, size=(n, n)), 1).astype(float)
    t = t + t.T
    theta, se, _, ok = fit_bradley_terry(w, t, prior=prior)
    assert ok
    np.testing.assert_allclose(theta, _bt_reference(w + t / 2, prior), atol=1e-6)
    assert np.all(se > 0)


def test_bradley_terry_agrees_with_choix_when_installed():
    choix = pytest.importorskip("choix")
    rng = np.random.default_rng(0)
    n = 6
    w = rng.integers(1, 8, size=(n, n)).astype(float)
    np.fill_diagonal(w, 0.0)
    data = [(i, j) for i in range(n) for j in range(n) for _ in range(int(w[i, j]))]
    ref = choix.opt_pairwise(n, data)
    theta, _, _, _ = fit_bradley_terry(w, prior=0.0)
    np.testing.assert_allclose(theta - theta.mean(), ref - np.mean(ref), atol=1e-5)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 8), games=st.integers(1, 6), prior=st.sampled_from([0.0, 1.0]))
def test_bradley_terry_ranks_by_win_rate_when_every_pair_meets_equally_often(seed, n, games, prior):
    rng = np.random.default_rng(seed)
    w = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        k = rng.integers(0, games + 1)
        w[i, j], w[j, i] = k, games - k
    won = w.sum(axis=1)
    if prior == 0:  # the MLE exists only when no group of systems sweeps the rest
        from scipy.sparse.csgraph import connected_components

        if connected_components(w > 0, directed=True, connection="strong")[0] > 1:
            return
    res = bt(w, prior=prior)
    win_rate_ranks = rank_scores(won).astype(int)
    np.testing.assert_array_equal(np.argsort(res.ranks, kind="stable"), np.argsort(win_rate_ranks, kind="stable"))
    tied = won[:, None] == won[None, :]
    np.testing.assert_array_equal(res.ranks[:, None] == res.ranks[None, :], tied)


def test_bradley_terry_on_the_mt_bench_judgments():
    frame = read_battles(DATA / "mt_bench_human_judgments.json")
    with pytest.raises(BattleError, match=pin("battles: the systems fall into 2 groups that never met")):
        aggregate(frame, rule="bradley_terry")
    p = pairwise_from_battles(frame, exclude=["alpaca-13b", "llama-13b"])
    res = aggregate(p, rule="bradley_terry", ties="davidson")
    assert res.diagnostics["ties"] == "davidson" and res.diagnostics["tie_parameter"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"ties": "thurstone"},
            "rule 'bradley_terry': ties='thurstone' is not a tie model; use 'half' (a tie is half a "
            "win each) or 'davidson' (Davidson 1970).",
        ),
        (
            {"prior": -1},
            "rule 'bradley_terry': prior=-1 must be a finite number >= 0 (virtual games against a "
            "reference system; 0 = plain maximum likelihood).",
        ),
        (
            {"prior": 0.0},
            "rule 'bradley_terry': with prior=0 the maximum-likelihood strengths do not exist: 'A' never "
            "lose to the other systems and 'B', 'C' never beat them, so their strengths run off to infinity. "
            "Pass prior=1",
        ),
    ],
)
def test_bradley_terry_errors(kwargs, message):
    with pytest.raises(RuleError, match=pin(message)):
        bt([[0, 2, 1], [0, 0, 1], [0, 1, 0]], **kwargs)


def test_bradley_terry_and_plackett_luce_refuse_a_disconnected_comparison_graph():
    # A and B share only task x, C and D only task y: a valid partial table, but nothing links the two pairs
    t = ScoreTable(
        [[1.0, NAN], [2.0, NAN], [NAN, 1.0], [NAN, 2.0]],
        systems=list("ABCD"),
        tasks=["x", "y"],
        higher_is_better=True,
        missing="partial",
    )
    for rule in ("bradley_terry", "plackett_luce"):
        # aggregate refuses the design for every rule, naming the groups
        with pytest.raises(rankagg.ScoreTableError, match=pin("2 groups that share no task", "{'A', 'B'}; {'C', 'D'}")):
            aggregate(t, rule=rule)
        # the rule itself, called on its input, refuses too
        with pytest.raises(
            RuleError,
            match=pin(
                f"rule {rule!r}: the comparison graph is not connected: no comparison "
                "links the groups {'A', 'B'}; {'C', 'D'}, so their strengths cannot "
                "be compared."
            ),
        ):
            rankagg.get_rule(rule).func(rankagg.rules.RuleInput(table=t, rankings=rankagg.rank_table(t)))


# ---------------------------------------------------------------------------- Plackett-Luce
def _pl_reference(ranks, w, prior):
    def negll(theta):
        ll = 0.0
        for v in range(ranks.shape[1]):
            r = ranks[:, v]
            idx = np.nonzero(~np.isnan(r))[0]
            if idx.size < 2:
                continue
            levels = np.unique(r[idx])
            for lev in levels[:-1]:
                chosen = idx[r[idx] == lev]
                remaining = idx[r[idx] >= lev]
                ll += w[v] * (theta[chosen].sum() - len(chosen) * np.log(np.exp(theta[remaining]).sum()))
        ll += prior / 2 * theta.sum() - prior * np.logaddexp(0.0, theta).sum()
        return -ll

    x = minimize(negll, np.zeros(ranks.shape[0]), method="BFGS", options={"gtol": 1e-10}).x
    return x - x.mean() if prior == 0 else x


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 6), m=st.integers(1, 6))
def test_plackett_luce_agrees_with_a_reference_likelihood_on_partial_weak_orders(seed, n, m):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 3, size=(n, m)).astype(float)
    s[rng.random((n, m)) < 0.25] = NAN
    ranks = np.column_stack([rank_scores(s[:, j]) for j in range(m)])
    w = rng.integers(1, 3, size=m).astype(float)
    theta, _, ok = fit_plackett_luce(ranks, w, prior=1.0)
    assert ok
    np.testing.assert_allclose(theta, _pl_reference(ranks, w, 1.0), atol=1e-5)


def test_plackett_luce_on_pairs_is_bradley_terry_and_the_lbfgs_path_agrees(monkeypatch):
    # 3 rankings A > B, 1 ranking B > A: PL on pairs is Bradley-Terry, p = 3/4
    ranks = np.array([[1.0, 1.0, 1.0, 2.0], [2.0, 2.0, 2.0, 1.0]])
    theta, _, _ = fit_plackett_luce(ranks, prior=0.0)
    assert np.exp(theta[0]) / np.exp(theta).sum() == pytest.approx(0.75, rel=1e-9)
    rng = np.random.default_rng(1)
    big = np.column_stack([rng.permutation(5).astype(float) + 1 for _ in range(30)])
    newton, _, _ = fit_plackett_luce(big, prior=1.0)
    monkeypatch.setattr(probabilistic, "_NEWTON_MAX_WORK", 0)
    lbfgs, _, ok = fit_plackett_luce(big, prior=1.0)
    assert ok
    np.testing.assert_allclose(newton, lbfgs, atol=1e-5)


def test_plackett_luce_rule_diagnostics_and_errors():
    t = rankagg.load_example("toy")
    res = aggregate(t, rule="plackett_luce")
    assert set(res.diagnostics["strengths"]) == set(t.systems) and res.diagnostics["converged"]
    assert res.score_name == "log-strength" and res.higher_is_better
    sweep = ScoreTable(
        [[3.0, 3.0], [2.0, 1.0], [1.0, 2.0]], systems=["A", "B", "C"], tasks=["x", "y"], higher_is_better=True
    )
    with pytest.raises(
        RuleError,
        match=pin("rule 'plackett_luce': with prior=0 the maximum-likelihood strengths do not exist: 'A' never lose"),
    ):
        aggregate(sweep, rule="plackett_luce", prior=0.0)
    with pytest.raises(RuleError, match=pin("rule 'plackett_luce': prior='x' must be a finite number >= 0")):
        aggregate(sweep, rule="plackett_luce", prior="x")
    assert aggregate(sweep, rule="plackett_luce").winners == ("A",)


def test_plackett_luce_agrees_with_choix_when_installed():
    choix = pytest.importorskip("choix")
    rng = np.random.default_rng(3)
    n, m = 5, 40
    orders = [rng.permutation(n)[: rng.integers(2, n + 1)] for _ in range(m)]  # best first, some partial
    ranks = np.full((n, m), NAN)
    for v, order in enumerate(orders):
        ranks[order, v] = np.arange(1, len(order) + 1)
    theta, _, ok = fit_plackett_luce(ranks, prior=0.0)
    ref = choix.opt_rankings(n, [list(o) for o in orders])
    assert ok
    np.testing.assert_allclose(theta - theta.mean(), ref - np.mean(ref), atol=1e-5)


@pytest.mark.parametrize("rule", list(rankagg.RULES))
def test_pairwise_ok_in_the_registry_is_honest(rule):
    """A rule that says pairwise_ok ranks a table's pairwise profile as it ranks the table; the others refuse it."""
    t = rankagg.load_example("toy")
    wins, ties = t.rank().pairwise()
    profile = PairwiseProfile(t.systems, wins, ties, total_weight=float(t.weights.sum()))
    if rankagg.RULES[rule].pairwise_ok:
        kw = {"prior": 1.0} if rule == "arena_elo" else {}  # maximum likelihood does not exist on the toy table
        a, b = aggregate(t, rule=rule, **kw), aggregate(profile, rule=rule, **kw)
        np.testing.assert_array_equal(a.ranks, b.ranks)
        assert b.level == "battles"
    else:
        with pytest.raises(RuleError, match=pin(f"rule {rule!r} needs scores or full rankings")):
            aggregate(profile, rule=rule)
