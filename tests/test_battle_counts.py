"""Battles at Arena scale: counts read once, Bradley-Terry on the counts, bootstrap by multinomial counts.

Checked against independent answers: the closed form of a star design (every model against one
baseline: theta_m - theta_base = log(wins / losses), ties half), an independent maximum-likelihood fit
(scipy.optimize on the raw per-battle log-likelihood), choix (skipped when absent), FastChat's own
``compute_bt`` (L-BFGS on the distinct outcomes, transcribed from lm-sys/FastChat,
fastchat/serve/monitor/rating_systems.py) and its ``recompute_final_ranking`` (monitor.py). Real battles:
AlpacaEval 1.0 (../shared/datasets/alpaca_eval/instances_alpacaeval1_gpt4.csv.gz: each judged prompt is a
battle of the model against text_davinci_003; preference 1 / 0 / 0.5 = win / loss / draw).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rankagg
from rankagg._errors import DataNoteWarning
from rankagg.data.battle_counts import battle_counts
from rankagg.data.battles import BattleError
from rankagg.io.battle_counts import read_battle_counts
from rankagg.rules.bt_counts import fit_bt_counts
from rankagg.uncertainty.arena import arena_leaderboard, bootstrap_bt_counts, rank_upper_bound
from rankagg.uncertainty.battles import bootstrap_battles


@pytest.fixture(scope="module")
def alpaca_battles(datasets_dir):
    path = datasets_dir / "alpaca_eval" / "instances_alpacaeval1_gpt4.csv.gz"
    df = pd.read_csv(path, usecols=["system", "score", "baseline"]).dropna(subset=["score"])
    win = np.where(df["score"] > 0.5, "model_a", np.where(df["score"] < 0.5, "model_b", "tie"))
    return pd.DataFrame({"model_a": df["system"].to_numpy(), "model_b": df["baseline"].to_numpy(), "winner": win})


def _synthetic(n_models=8, n_battles=3000, seed=0, tie_share=0.2):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, n_models)
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    p = 1 / (1 + np.exp(theta[b] - theta[a]))
    u = rng.random(n_battles)
    win = np.where(rng.random(n_battles) < tie_share, "tie", np.where(u < p, "model_a", "model_b"))
    names = np.array([f"m{k}" for k in range(n_models)], dtype=object)
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": win})


def _centred_by_name(counts, theta):
    return pd.Series(np.asarray(theta) - np.mean(theta), index=list(counts.systems)).sort_index()


def _scipy_mle(df: pd.DataFrame) -> pd.Series:
    """Independent MLE: scipy BFGS on the per-battle log-likelihood (outcome 1 / 0.5 / 0), one parameter fixed."""
    from scipy.optimize import minimize
    from scipy.special import log_expit

    codes, names = pd.factorize(pd.concat([df["model_a"], df["model_b"]], ignore_index=True))
    m = len(df)
    ia, ib = codes[:m], codes[m:]
    y = df["winner"].map({"model_a": 1.0, "model_b": 0.0, "tie": 0.5}).to_numpy()
    n = len(names)

    def nll(free):
        th = np.concatenate([[0.0], free])
        d = th[ia] - th[ib]
        ll = y * log_expit(d) + (1 - y) * log_expit(-d)
        g_b = y - 1 / (1 + np.exp(-d))
        grad = np.bincount(ia, g_b, n) - np.bincount(ib, g_b, n)
        return -ll.sum(), -grad[1:]

    res = minimize(nll, np.zeros(n - 1), jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 10_000})
    th = np.concatenate([[0.0], res.x])
    return pd.Series(th - th.mean(), index=[str(s) for s in names]).sort_index()


# ----------------------------------------------------------------------------- counts and readers
def test_counts_of_a_small_log_by_hand():
    log = pd.DataFrame(
        {
            "model_a": ["x", "y", "x", "z", "y"],
            "model_b": ["y", "x", "y", "x", "z"],
            "winner": ["model_a", "model_a", "tie (bothbad)", " Model_B ", "tie"],
        }
    )
    c = read_battle_counts(log)
    assert c.systems == ("x", "y", "z") and c.n_battles == 5
    frame = c.to_frame().set_index(["system_a", "system_b"])
    assert frame.loc[("x", "y")].tolist() == [1, 1, 1]  # x beat y once, y beat x once, one tie
    assert frame.loc[("x", "z")].tolist() == [1, 0, 0]  # 'z vs x, model_b won' is a win of x
    assert frame.loc[("y", "z")].tolist() == [0, 0, 1]
    wins, ties = c.matrices()
    assert wins[0, 2] == 1 and ties[1, 2] == ties[2, 1] == 1
    assert c.battles_per_system().tolist() == [4, 4, 2]


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "tsv", "jsonl", "json", "parquet"])
def test_every_file_format_gives_the_same_counts(tmp_path, fmt):
    df = _synthetic(n_battles=500)
    df["question"] = "a long text, with commas"  # columns the reader does not need
    path = tmp_path / f"log.{fmt}"
    if fmt.startswith("csv"):
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        df.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    elif fmt == "json":
        df.to_json(path, orient="records")
    else:
        df.to_parquet(path)
    ref = battle_counts(df)
    got = read_battle_counts(path)
    assert got.systems == ref.systems and got.n_battles == 500
    pd.testing.assert_frame_equal(got.to_frame(), ref.to_frame())


def test_chunked_reading_merges_systems_first_seen_in_later_chunks(tmp_path, monkeypatch):
    import rankagg.io.battle_counts as bc

    df = _synthetic(n_models=12, n_battles=400)
    path = tmp_path / "log.csv"
    df.to_csv(path, index=False)
    monkeypatch.setattr(bc, "CHUNK_ROWS", 7)
    pd.testing.assert_frame_equal(read_battle_counts(path).to_frame(), battle_counts(df).to_frame())


def test_bad_battles_are_named():
    with pytest.raises(BattleError, match=r"winner values at \(row 1: 'draw'\)"):
        battle_counts(["x", "y"], ["y", "z"], ["a", "draw"])
    with pytest.raises(BattleError, match=r"row\(s\) 1 pit a system against itself \('y'\)"):
        battle_counts(["x", "y"], ["y", "y"], ["a", "b"])
    with pytest.raises(BattleError, match=r"empty system name in row\(s\) 0"):
        battle_counts([" ", "y"], ["y", "x"], ["a", "b"])
    with pytest.raises(BattleError, match=r"no columns model_a, model_b, winner .* model_a='...'"):
        read_battle_counts(pd.DataFrame({"p": ["x"], "q": ["y"], "w": ["a"]}))
    with pytest.raises(BattleError, match=r"winner: no column 'who' .* columns are 'p', 'q', 'w'"):
        read_battle_counts(pd.DataFrame({"p": ["x"], "q": ["y"], "w": ["a"]}), model_a="p", model_b="q", winner="who")
    c = read_battle_counts(pd.DataFrame({"p": ["x"], "q": ["y"], "w": ["a"]}), model_a="p", model_b="q", winner="w")
    assert c.n_battles == 1


# ----------------------------------------------------------------------------- the fit
def test_star_design_has_a_closed_form(alpaca_battles):
    """Every model against one baseline: the MLE is theta_m - theta_base = log(W / L), ties half a win each."""
    c = battle_counts(alpaca_battles)
    assert c.n_battles == 42_604 and c.n == 54
    theta = _centred_by_name(c, fit_bt_counts(c))
    g = alpaca_battles.groupby("model_a")["winner"].value_counts().unstack(fill_value=0)
    w = g["model_a"] + g.get("tie", 0) / 2
    lose = g["model_b"] + g.get("tie", 0) / 2
    expected = np.log(w / lose)
    np.testing.assert_allclose((theta[expected.index] - theta["text_davinci_003"]), expected, atol=1e-9)


def test_equals_an_independent_mle_on_real_battles(alpaca_battles):
    c = battle_counts(alpaca_battles)
    ours = _centred_by_name(c, fit_bt_counts(c))
    np.testing.assert_allclose(ours, _scipy_mle(alpaca_battles)[ours.index], atol=1e-6)


def test_equals_choix_on_real_battles(alpaca_battles):
    choix = pytest.importorskip("choix")
    c = battle_counts(alpaca_battles)
    ours = _centred_by_name(c, fit_bt_counts(c))
    # choix reads (winner, loser) pairs: a win entered twice, a tie once each way = ties as half a win
    index = {s: k for k, s in enumerate(c.systems)}
    a = alpaca_battles["model_a"].map(index).to_numpy()
    b = alpaca_battles["model_b"].map(index).to_numpy()
    w = alpaca_battles["winner"].to_numpy()
    pairs = (
        [(x, y) for x, y in zip(a[w == "model_a"], b[w == "model_a"], strict=True)] * 2
        + [(y, x) for x, y in zip(a[w == "model_b"], b[w == "model_b"], strict=True)] * 2
        + [(x, y) for x, y in zip(a[w == "tie"], b[w == "tie"], strict=True)]
        + [(y, x) for x, y in zip(a[w == "tie"], b[w == "tie"], strict=True)]
    )
    theirs = choix.ilsr_pairwise(c.n, pairs, alpha=0.0, tol=1e-12, max_iter=1000)
    theirs = _centred_by_name(c, theirs)
    np.testing.assert_allclose(ours, theirs[ours.index], atol=1e-6)


@given(seed=st.integers(0, 10_000), ties=st.sampled_from([0.0, 0.3]))
def test_equals_an_independent_mle_and_the_matrix_rule(seed, ties):
    df = _synthetic(n_models=6, n_battles=400, seed=seed, tie_share=ties)
    c = battle_counts(df)
    try:
        ours = _centred_by_name(c, fit_bt_counts(c))
    except BattleError as exc:  # some model never lost or never won: no MLE, and the error says who
        assert "do not exist" in str(exc)
        return
    np.testing.assert_allclose(ours, _scipy_mle(df)[ours.index], atol=1e-5)
    res = rankagg.aggregate(c.to_profile(), rule="bradley_terry", prior=0)
    np.testing.assert_allclose(ours, pd.Series(res.diagnostics["log_strengths"]).sort_index(), atol=1e-8)


def test_fastchat_compute_bt_gives_the_same_ratings(alpaca_battles):
    """FastChat's compute_bt: L-BFGS (gtol 1e-6, 100 iterations) from zero on the distinct outcomes."""
    from scipy.optimize import minimize
    from scipy.special import expit

    codes, models = pd.factorize(pd.concat([alpaca_battles["model_a"], alpaca_battles["model_b"]]))
    m = len(alpaca_battles)
    sched = np.column_stack([codes[:m], codes[m:], np.ones(m, dtype=int)])
    sched[alpaca_battles["winner"].to_numpy() == "model_a", 2] = 2
    sched[alpaca_battles["winner"].to_numpy() == "model_b", 2] = 0
    cells, weights = np.unique(sched, return_counts=True, axis=0)
    matchups, outcomes, weights = cells[:, :2], cells[:, 2] / 2.0, weights.astype(float)
    alpha = math.log(10.0)

    def loss_and_grad(r):
        p = expit(alpha * (r[matchups[:, 0]] - r[matchups[:, 1]]))
        loss = -((np.log(p) * outcomes + np.log(1 - p) * (1 - outcomes)) * weights).sum()
        g = -alpha * (outcomes - p) * weights
        grad = np.zeros_like(r)
        np.add.at(grad, matchups[:, [0, 1]], g[:, None] * np.array([1.0, -1.0]))
        return loss, grad

    board = arena_leaderboard(alpaca_battles, n_resamples=20, rng=0)
    ours = pd.Series(board.rating, index=list(board.systems))
    names = [str(s) for s in models]
    for opts, atol in (({"maxiter": 100, "gtol": 1e-6}, 0.25), ({"maxiter": 10_000, "gtol": 1e-10, "ftol": 0}, 1e-4)):
        res = minimize(loss_and_grad, np.zeros(len(models)), jac=True, method="L-BFGS-B", options=opts)
        upstream = pd.Series(400.0 * res.x + 1000.0, index=names)
        assert float(upstream.mean()) == pytest.approx(1000.0)  # L-BFGS from zero keeps the mean rating at 1000
        # upstream's settings (gtol 1e-6, 100 iterations, scipy's ftol) stop within 0.25 Elo of the maximum
        # likelihood (0.10 observed); run to convergence, it is the same fit
        np.testing.assert_allclose(ours[names], upstream, atol=atol)


def test_complete_transitive_tournament_orders_systems_as_borda():
    """Every pair meets 20 times and the better-indexed system wins 14 (a transitive, not deterministic,
    tournament): Arena Elo orders the systems by total wins, the Borda score of a tournament."""
    a, b, w = [], [], []
    for i in range(5):
        for j in range(i + 1, 5):
            a += [f"s{i}"] * 20
            b += [f"s{j}"] * 20
            w += ["b"] * (14 - i) + ["a"] * (6 + i)  # s_j beats s_i, less often among the strong ones
    c = battle_counts(a, b, w)
    board = arena_leaderboard(c, n_resamples=20, rng=0)
    wins, ties = c.matrices()
    borda = wins.sum(axis=1) + ties.sum(axis=1) / 2
    assert np.argsort(-board.rating).tolist() == np.argsort(-borda, kind="stable").tolist() == [4, 3, 2, 1, 0]


def test_disconnected_and_nonexistent_mle_are_refused_with_names():
    two_groups = battle_counts(["x", "y", "u", "v"], ["y", "x", "v", "u"], ["a", "a", "a", "a"])
    with pytest.raises(BattleError, match=r"2 groups that never met.*\{'x', 'y'\}; \{'u', 'v'\}"):
        fit_bt_counts(two_groups)
    with pytest.raises(BattleError, match=r"2 groups that never met"):
        arena_leaderboard(two_groups, n_resamples=5)
    top = battle_counts(["x", "x", "y", "y"], ["y", "z", "z", "z"], ["a", "a", "a", "b"])  # x never lost
    with pytest.raises(BattleError, match=r"do not exist: 'x' never lose .* Pass prior=1"):
        fit_bt_counts(top)
    theta = fit_bt_counts(top, prior=1.0)
    assert np.isfinite(theta).all() and theta[0] == theta.max()


# ----------------------------------------------------------------------------- the bootstrap
def test_bootstrap_draws_multinomial_counts_and_is_seeded():
    c = battle_counts(_synthetic(n_models=5, n_battles=600))
    t1, d1, deg, redrawn = bootstrap_bt_counts(c, n_resamples=30, rng=1)
    t2, d2, _, _ = bootstrap_bt_counts(c, n_resamples=30, rng=1)
    assert (d1 == d2).all() and np.array_equal(t1, t2)
    assert (d1.sum(axis=1) == c.n_battles).all() and not deg.any() and redrawn == 0
    # each resample's fit is the fit of its counts, from scratch
    np.testing.assert_allclose(t1[3], fit_bt_counts(c, cell_counts=d1[3]), atol=1e-8)
    # and its mean is near the full fit (the bootstrap distribution is centred on it)
    assert np.abs(t1.mean(axis=0) - fit_bt_counts(c)).max() < 0.1


def test_degenerate_resamples_get_the_stated_prior_not_an_infinite_rating():
    # 'rare' won one of its 30 battles: about e^-1 of the resamples draw that win zero times
    a = ["rare"] * 30 + ["x"] * 200
    b = ["x"] * 30 + ["y"] * 200
    w = ["a"] + ["b"] * 29 + ["a"] * 120 + ["b"] * 80
    c = battle_counts(a, b, w)
    with pytest.warns(DataNoteWarning, match=r"no win or no loss .* degenerate_prior=1"):
        board = arena_leaderboard(c, n_resamples=200, rng=0)
    assert 30 < board.n_degenerate < 120  # e^-1 of 200 = 74
    assert np.isfinite(board.bootstrap_ratings).all()
    rare = board.systems.index("rare")
    assert board.lower[rare] > 0  # the prior keeps it finite; the interval is wide but bounded
    with pytest.raises(BattleError, match=r"bootstrap: in resample \d+ .*'rare' never beat"):
        bootstrap_bt_counts(c, n_resamples=200, rng=0, degenerate_prior=0)


def test_rank_ub_is_fastchat_recompute_final_ranking():
    rng = np.random.default_rng(3)
    lo = rng.normal(1000, 50, 30)
    hi = lo + rng.uniform(5, 80, 30)
    upstream = []
    for i in range(30):  # monitor.py: ranking = 1 + #{j != i: q025_j > q975_i}
        upstream.append(1 + sum(1 for j in range(30) if j != i and lo[j] > hi[i]))
    assert rank_upper_bound(lo, hi).tolist() == upstream


def test_arena_leaderboard_on_real_battles(alpaca_battles):
    board = arena_leaderboard(alpaca_battles, n_resamples=100, rng=0)
    df = board.to_frame()
    assert list(df.columns) == ["system", "rating", "lower", "upper", "rank_ub", "battles"]
    assert board.n_battles == 42_604 and board.n_degenerate == 0
    assert float(np.mean(board.rating)) == pytest.approx(1000.0)
    assert (board.lower <= board.rating).all() and (board.rating <= board.upper).all()
    assert df["rank_ub"].is_monotonic_increasing and df["rank_ub"].iloc[0] == 1
    # the same resamples through the general battle bootstrap give the same rank intervals' centre
    anchored = arena_leaderboard(alpaca_battles, n_resamples=10, rng=0, anchor=("text_davinci_003", 1000.0))
    base = anchored.systems.index("text_davinci_003")
    assert anchored.rating[base] == pytest.approx(1000.0) and anchored.lower[base] == pytest.approx(1000.0)


def test_profile_of_counts_feeds_the_existing_battle_bootstrap():
    c = battle_counts(_synthetic(n_models=4, n_battles=300))
    prof = c.to_profile()
    assert prof.n_battles == 300 and int(prof.cells["count"].sum()) == 300
    res = bootstrap_battles(prof, "arena_elo", n_resamples=50, rng=0)
    assert sorted(res.systems) == sorted(c.systems)


def test_no_warning_on_a_well_connected_log():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        board = arena_leaderboard(_synthetic(n_models=6, n_battles=3000), n_resamples=30, rng=0)
    assert board.n_redrawn == 0 and board.n_degenerate == 0


# ----------------------------------------------------------------------------- command line
def test_cli_arena_prints_the_leaderboard_and_errors_in_one_line(tmp_path, capsys):
    from tests.helpers import run_cli

    log = _synthetic(n_models=5, n_battles=2000)
    path = tmp_path / "battles.jsonl"
    log.to_json(path, orient="records", lines=True)
    code, out, err = run_cli(capsys, "arena", path, "--resamples", 50, "--format", "json")
    assert code == 0 and err == ""
    got = json.loads(out)
    board = arena_leaderboard(log, n_resamples=50, rng=0)
    assert got["n_battles"] == 2000 and got["n_resamples"] == 50
    assert [r["system"] for r in got["systems"]] == board.to_frame()["system"].tolist()
    np.testing.assert_allclose([r["rating"] for r in got["systems"]], board.to_frame()["rating"])
    code, out, _ = run_cli(capsys, "arena", path, "--resamples", 20, "--anchor", "m0", "1114")
    assert code == 0 and "m0 = 1114" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("model_a,model_b,winner\nx,y,model_a\nx,y,draw\n")
    code, out, err = run_cli(capsys, "arena", bad)
    assert code == 2 and out == ""
    assert err.startswith("rankagg: error: battles: winner values at (row 1: 'draw')") and err.count("\n") == 1
    code, _, err = run_cli(capsys, "arena", path, "--anchor", "m0", "high")
    assert code == 2 and "--anchor: the rating 'high' is not a number" in err
