"""Bradley-Terry / Plackett-Luce uncertainty that answers "do these two differ?".

The standard errors refer to the sum-to-zero log-strengths (identified by the
games whatever the prior), and the covariance gives the standard error of any
difference. Checked against closed forms (two systems, a tree of comparisons),
an independent numerical Hessian, real AlpacaEval battles and, when installed,
choix.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankagg import RuleError, ScoreTable, aggregate
from rankagg.data.battles import PairwiseProfile, pairwise_from_battles
from rankagg.rules import probabilistic
from tests.helpers import pin


def profile(names, wins, ties=None):
    w = np.asarray(wins, dtype=float)
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=float)
    return PairwiseProfile(tuple(names), w, t, total_weight=float(w.sum() + t.sum() / 2))


def diff_se(res, a, b):
    return probabilistic.strength_differences(res).se(a, b)


# ---------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("prior", [0.0, 1.0])
def test_two_systems_log_odds_standard_error(prior):
    # A beat B in 30,000 of 40,000 games: logit(p) = log 3, se = sqrt(1 / (n p (1 - p)))
    n, won = 40_000, 30_000
    res = aggregate(profile("AB", [[0, won], [n - won, 0]]), rule="bradley_terry", prior=prior)
    p = won / n
    se = np.sqrt(1 / (n * p * (1 - p)))
    tol = 1e-9 if prior == 0 else 1e-3  # the prior's virtual games add about 1/8 game of information
    assert diff_se(res, "A", "B") == pytest.approx(se, rel=tol)
    # sum-to-zero: theta_A = -theta_B = logit(p) / 2, each with half the standard error of the log-odds
    d = res.diagnostics
    assert d["log_strengths"]["A"] == pytest.approx(np.log(3) / 2, rel=tol)
    assert d["standard_errors"]["A"] == pytest.approx(se / 2, rel=tol)
    assert d["standard_errors"]["B"] == pytest.approx(se / 2, rel=tol)
    assert d["se_parametrization"] == "sum-to-zero log-strength"
    assert "prior" in d["se_method"]


def test_a_tree_of_comparisons_hand_computed():
    # A-B and B-C, n games each, split evenly: theta-hat = 0 and the two edges are independent log-odds,
    # each with variance 4/n; A - C adds them. Centred: theta_A = (2 e1 + e2)/3, theta_B = (e2 - e1)/3.
    n = 40_000
    wins = [[0, n / 2, 0], [n / 2, 0, n / 2], [0, n / 2, 0]]
    res = aggregate(profile("ABC", wins), rule="bradley_terry")  # the default prior
    s2 = 4 / n
    se = res.diagnostics["standard_errors"]
    assert se["A"] == pytest.approx(np.sqrt(5 / 9 * s2), rel=1e-3)
    assert se["B"] == pytest.approx(np.sqrt(2 / 9 * s2), rel=1e-3)  # B played twice as many games
    assert se["C"] == pytest.approx(np.sqrt(5 / 9 * s2), rel=1e-3)
    assert diff_se(res, "A", "C") == pytest.approx(np.sqrt(2 * s2), rel=1e-3)
    assert diff_se(res, "A", "B") == pytest.approx(np.sqrt(s2), rel=1e-3)


def test_per_system_errors_follow_the_games_played_and_shrink_like_one_over_sqrt_n():
    rng = np.random.default_rng(3)
    theta = np.array([0.8, 0.3, 0.0, -0.4, -0.7])
    k = len(theta)
    games = np.full((k, k), 200.0)
    games[0, :] = games[:, 0] = 2000.0  # system 0 played ten times as much
    np.fill_diagonal(games, 0.0)
    p = 1 / (1 + np.exp(-(theta[:, None] - theta[None, :])))
    up = np.triu(rng.binomial(games.astype(int), p), 1).astype(float)
    wins = up + np.tril(games - up.T, -1)
    names = "ABCDE"
    small = aggregate(profile(names, wins), rule="bradley_terry")
    big = aggregate(profile(names, 100 * wins), rule="bradley_terry")  # same proportions, 100 times the games
    se = small.diagnostics["standard_errors"]
    assert se["A"] < 0.6 * min(se[s] for s in "BCDE")
    for a, b in itertools.combinations(names, 2):
        assert diff_se(big, a, b) == pytest.approx(diff_se(small, a, b) / 10, rel=1e-2)
        assert big.diagnostics["standard_errors"][a] == pytest.approx(se[a] / 10, rel=1e-2)


# ---------------------------------------------------------------------------- an independent Hessian
def _numerical_covariance(a, prior, theta, anchor):
    """Inverse of a central-difference Hessian of minus the log-posterior; with prior 0, theta[anchor] fixed."""
    k = len(a)

    def negll(x):
        d = x[:, None] - x[None, :]
        return float((a * np.logaddexp(0.0, -d)).sum()) - prior / 2 * x.sum() + prior * np.logaddexp(0.0, x).sum()

    free = [i for i in range(k) if prior or i != anchor]
    h = 1e-4
    hess = np.zeros((len(free), len(free)))
    for r, i in enumerate(free):
        for c, j in enumerate(free):

            def f(di, dj, i=i, j=j):
                x = theta.copy()
                x[i] += di
                x[j] += dj
                return negll(x)

            hess[r, c] = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h)
    cov = np.zeros((k, k))
    cov[np.ix_(free, free)] = np.linalg.inv(hess)
    return cov


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), k=st.integers(2, 6), prior=st.sampled_from([0.0, 1.0, 4.0]))
def test_difference_errors_match_a_numerical_hessian_in_another_gauge(seed, k, prior):
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 40, size=(k, k)).astype(float)  # every pair met both ways: the MLE exists
    np.fill_diagonal(w, 0.0)
    res = aggregate(profile("ABCDEF"[:k], w), rule="bradley_terry", prior=prior)
    # the reference parametrisation: with prior 0 the first system is the anchor; with a prior, the
    # log-strengths relative to the virtual reference (the MAP is found again here, by Newton on the test's side)
    theta = np.array(list(res.diagnostics["log_strengths"].values()))
    if prior:
        from scipy.optimize import minimize

        def negll(x):
            d = x[:, None] - x[None, :]
            return float((w * np.logaddexp(0.0, -d)).sum()) - prior / 2 * x.sum() + prior * np.logaddexp(0.0, x).sum()

        theta = minimize(negll, theta, method="BFGS", options={"gtol": 1e-10}).x
    cov = _numerical_covariance(w, prior, theta, anchor=0)
    names = "ABCDEF"[:k]
    for i, j in itertools.combinations(range(k), 2):
        ref = np.sqrt(cov[i, i] + cov[j, j] - 2 * cov[i, j])
        assert diff_se(res, names[i], names[j]) == pytest.approx(ref, rel=2e-3)


def test_difference_errors_agree_with_choix_expectation_propagation_when_installed():
    choix = pytest.importorskip("choix")
    theta = np.array([0.5, 0.0, -0.5, 0.2])
    k = len(theta)
    games = 300
    data, wins = [], np.zeros((k, k))
    for i, j in itertools.combinations(range(k), 2):
        n_i = round(games / (1 + np.exp(-(theta[i] - theta[j]))))
        data += [(i, j)] * n_i + [(j, i)] * (games - n_i)
        wins[i, j], wins[j, i] = n_i, games - n_i
    _, cov = choix.ep_pairwise(k, data, alpha=1e-6)  # nearly flat Gaussian prior: the posterior ~ the likelihood
    res = aggregate(profile("ABCD", wins), rule="bradley_terry", prior=0)
    for i, j in itertools.combinations(range(k), 2):
        ref = np.sqrt(cov[i, i] + cov[j, j] - 2 * cov[i, j])
        assert diff_se(res, "ABCD"[i], "ABCD"[j]) == pytest.approx(ref, rel=2e-2)


# ---------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def alpaca_battles(datasets_dir):
    """AlpacaEval 1.0 (GPT-4 judge): every instance a battle of a system against text_davinci_003."""
    d = pd.read_csv(datasets_dir / "alpaca_eval" / "instances_alpacaeval1_gpt4.csv.gz").dropna(subset=["score"])
    log = pd.DataFrame(
        {
            "system_a": d["system"],
            "system_b": d["baseline"],
            "winner": d["score"].map({1.0: "a", 0.0: "b", 0.5: "tie"}),
        }
    )
    return log


def test_real_battles_star_design_closed_form(alpaca_battles):
    log = alpaca_battles
    assert len(log) == 42_604 and log["system_a"].nunique() == 53
    p = pairwise_from_battles(log)
    flat = aggregate(p, rule="bradley_terry", prior=0)
    default = aggregate(p, rule="bradley_terry")
    base = "text_davinci_003"
    # the flaw this replaces: with the default prior every system had a standard error between 0.31 and 0.38 (the
    # prior's pull on the common level); the baseline, in all 42,604 games, is known much better than the others
    se = default.diagnostics["standard_errors"]
    assert se[base] < 0.02 and max(se.values()) / se[base] > 10
    # every system met only the baseline: theta_s - theta_base = logit(p_s), se = sqrt(1 / (n p (1 - p)))
    g = log.assign(half=log["winner"].map({"a": 1.0, "b": 0.0, "tie": 0.5})).groupby("system_a")["half"]
    rate, count = g.mean(), g.size()
    for s in rate.index:
        se = np.sqrt(1 / (count[s] * rate[s] * (1 - rate[s])))
        assert diff_se(flat, s, base) == pytest.approx(se, rel=1e-6)
        assert diff_se(default, s, base) == pytest.approx(se, rel=2e-2)  # the prior barely matters here
    # two systems that each met the baseline: independent estimates, variances add
    a, b = "alpaca-7b", "text_davinci_001"
    expect = np.hypot(diff_se(flat, a, base), diff_se(flat, b, base))
    assert diff_se(flat, a, b) == pytest.approx(expect, rel=1e-6)


def test_strength_differences_table_on_real_battles(alpaca_battles):
    res = aggregate(pairwise_from_battles(alpaca_battles), rule="bradley_terry", prior=0)
    df = probabilistic.strength_differences(res).to_frame(level=0.95)
    n = len(res.systems)
    assert len(df) == n * (n - 1) // 2
    row = df[(df["system_a"] == "alpaca-7b") & (df["system_b"] == "text_davinci_003")]
    if row.empty:
        row = df[(df["system_a"] == "text_davinci_003") & (df["system_b"] == "alpaca-7b")]
    r = row.iloc[0]
    assert r["high"] - r["low"] == pytest.approx(2 * 1.959963984540054 * r["se"], rel=1e-9)
    assert r["z"] == pytest.approx(r["difference"] / r["se"])
    assert r["p_value"] < 1e-6  # alpaca-7b wins 26% against text_davinci_003: clearly different


# ---------------------------------------------------------------------------- Davidson and Plackett-Luce
@pytest.mark.parametrize(("w", "lost", "t"), [(4, 1, 2), (30, 10, 20), (7, 3, 1)])
def test_davidson_two_systems_closed_form(w, lost, t):
    # saturated multinomial: var log(p_A / p_B) = 1/w + 1/l, whatever the number of ties
    res = aggregate(
        profile("AB", [[0, w], [lost, 0]], [[0, t], [t, 0]]), rule="bradley_terry", ties="davidson", prior=0
    )
    assert diff_se(res, "A", "B") == pytest.approx(np.sqrt(1 / w + 1 / lost), rel=1e-7)
    assert res.diagnostics["standard_errors"]["A"] == pytest.approx(np.sqrt(1 / w + 1 / lost) / 2, rel=1e-7)


@pytest.mark.parametrize("prior", [0.0, 1.0])
def test_plackett_luce_two_systems_is_bradley_terry(prior):
    # 70 tasks rank A above B, 30 below, 5 tie (a tie in the last group carries no information)
    scores = np.array([[1.0] * 70 + [0.0] * 30 + [0.5] * 5, [0.0] * 70 + [1.0] * 30 + [0.5] * 5])
    table = ScoreTable(scores, systems=["A", "B"], tasks=[f"t{i}" for i in range(105)], higher_is_better=True)
    res = aggregate(table, rule="plackett_luce", prior=prior)
    bt = aggregate(profile("AB", [[0, 70], [30, 0]]), rule="bradley_terry", prior=prior)
    assert diff_se(res, "A", "B") == pytest.approx(diff_se(bt, "A", "B"), rel=1e-8)
    if prior == 0:
        assert diff_se(res, "A", "B") == pytest.approx(np.sqrt(1 / 70 + 1 / 30), rel=1e-9)
    assert res.diagnostics["se_parametrization"] == "sum-to-zero log-strength"


def test_plackett_luce_three_systems_against_a_numerical_hessian():
    # full rankings of A, B, C with counts; the log-likelihood written out by hand
    counts = {"ABC": 9, "ACB": 5, "BAC": 6, "BCA": 3, "CAB": 2, "CBA": 4}
    cols = []
    for order, c in counts.items():
        cols += [[order.index(s) + 1.0 for s in "ABC"]] * c
    ranks = np.array(cols).T
    table = ScoreTable(
        -ranks, systems=list("ABC"), tasks=[f"t{i}" for i in range(ranks.shape[1])], higher_is_better=True
    )
    res = aggregate(table, rule="plackett_luce", prior=0)
    theta = np.array([res.diagnostics["log_strengths"][s] for s in "ABC"])

    def negll(x):  # x = (theta_B, theta_C), theta_A = 0
        t = {"A": 0.0, "B": x[0], "C": x[1]}
        ll = 0.0
        for order, c in counts.items():
            a, b, z = (t[s] for s in order)
            ll += c * (a - np.logaddexp.reduce([a, b, z]) + b - np.logaddexp(b, z))
        return -ll

    x0 = theta[1:] - theta[0]
    h = 1e-4
    hess = np.zeros((2, 2))
    for i, j in itertools.product(range(2), range(2)):
        e, f = np.eye(2)[i] * h, np.eye(2)[j] * h
        hess[i, j] = (negll(x0 + e + f) - negll(x0 + e - f) - negll(x0 - e + f) + negll(x0 - e - f)) / (4 * h * h)
    cov = np.linalg.inv(hess)  # of (theta_B - theta_A, theta_C - theta_A)
    assert diff_se(res, "B", "A") == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-4)
    assert diff_se(res, "C", "A") == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-4)
    assert diff_se(res, "B", "C") == pytest.approx(np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), rel=1e-4)


# ---------------------------------------------------------------------------- errors
def test_strength_differences_errors():
    table = ScoreTable(np.array([[1.0, 2.0], [2.0, 1.0]]), systems=["A", "B"], tasks=["x", "y"], higher_is_better=True)
    with pytest.raises(RuleError, match=pin("strength_differences: result='borda' carries no covariance")):
        probabilistic.strength_differences(aggregate(table, rule="borda"))
    res = aggregate(profile("AB", [[0, 3], [1, 0]]), rule="bradley_terry")
    d = probabilistic.strength_differences(res)
    with pytest.raises(RuleError, match=pin("strength_differences: b='Z' is not a system of this result")):
        d.se("A", "Z")
    with pytest.raises(RuleError, match=pin("strength_differences: level=1.5 must be in (0, 1)")):
        d.to_frame(level=1.5)


def test_plackett_luce_says_when_it_has_no_standard_errors(monkeypatch):
    # very large profiles are fitted by L-BFGS, which gives no information matrix: no numbers rather than wrong ones
    monkeypatch.setattr(probabilistic, "_NEWTON_MAX_WORK", 0)
    table = ScoreTable(
        np.array([[3.0, 1.0, 2.0], [2.0, 3.0, 1.0]]), systems=["A", "B"], tasks=list("xyz"), higher_is_better=True
    )
    res = aggregate(table, rule="plackett_luce")
    assert res.diagnostics["standard_errors"] is None and res.diagnostics["covariance"] is None
    assert res.diagnostics["se_method"].startswith("not computed")
    with pytest.raises(RuleError, match=pin("result='plackett_luce' carries no covariance", "not computed")):
        probabilistic.strength_differences(res)
