"""The real GLUE and SuperGLUE leaderboards (Vote'n'Rank snapshots, ../shared/datasets/glue_superglue_value).

Facts checked here come from the data itself or from the benchmarks' definitions: the published
"Score" column, the cells the leaderboards left empty, the human baselines, who wins.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from rankagg import RULES, RuleError, ScoreTableError, aggregate, compare, kendall_tau_b, read_table

GLUE_LABELS = (
    "CoLA",
    "SST-2",
    "MRPC:f1",
    "MRPC:accuracy",
    "STS-B:pearson",
    "STS-B:spearman",
    "QQP:f1",
    "QQP:accuracy",
    "MNLI-m",
    "MNLI-mm",
    "QNLI",
    "RTE",
    "WNLI",
    "AX",
)
SUPERGLUE_LABELS = (
    "BoolQ",
    "CB:f1",
    "CB:accuracy",
    "COPA",
    "MultiRC:f1a",
    "MultiRC:exact_match",
    "ReCoRD:f1",
    "ReCoRD:exact_match",
    "RTE",
    "WiC",
    "WSC",
    "AX-b",
    "AX-g:gender_parity",
    "AX-g:accuracy",
)
# the systems with an empty cell on the leaderboards (3 cells in GLUE, 5 in SuperGLUE, all Snorkel's)
GLUE_INCOMPLETE = (
    "MaChAmp (bert-large, single task) [rob van der goot]",  # STS-B pearson
    "XLNet (ensemble) [XLNet Team]",  # QNLI
    "ALBERT (Ensemble) [ALBERT-Team Google Language]",  # QNLI
)
SUPERGLUE_INCOMPLETE = ("Snorkel [SuperGLUE v1.9] [Stanford Hazy Research]",)

ERNIE = "ERNIE [ERNIE Team - Baidu]"
ERNIE3 = "ERNIE 3.0 [ERNIE Team - Baidu]"
SG_HUMANS = "SuperGLUE Human Baselines [SuperGLUE Human Baselines]"

# The official score averages the *tasks*, a task's metrics first averaged together, and leaves the
# diagnostic sets (AX, AX-b, AX-g) out; GLUE counts MNLI (matched and mismatched) as one task.
GLUE_SCORE_WEIGHTS = {"MRPC": 0.5, "STS-B": 0.5, "QQP": 0.5, "MNLI-*": 0.5}
SUPERGLUE_SCORE_WEIGHTS = {"CB": 0.5, "MultiRC": 0.5, "ReCoRD": 0.5}


@pytest.fixture(scope="module")
def folder(datasets_dir):
    path = datasets_dir / "glue_superglue_value"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def glue(folder):
    return folder / "glue.csv"


@pytest.fixture(scope="module")
def superglue(folder):
    return folder / "superglue.csv"


def published(path, column):
    """The leaderboard's own per-system column (the same on every row of a system)."""
    raw = pd.read_csv(path)
    return pd.to_numeric(raw.groupby("system", sort=False)[column].first(), errors="coerce")


# ---------------------------------------------------------------------------- loading
def test_glue_loads_with_its_14_columns_and_3_missing_cells(glue):
    t = read_table(glue, missing="partial")
    assert (t.n_systems, t.n_columns) == (100, 14)
    assert t.labels == GLUE_LABELS
    assert t.tasks == ("CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI-m", "MNLI-mm", "QNLI", "RTE", "WNLI", "AX")
    assert int(np.isnan(t.scores).sum()) == 3
    assert t.higher_is_better.all()  # every GLUE metric is higher-is-better, read from the file
    assert t.systems[0] == ERNIE  # file order = leaderboard order


def test_superglue_loads_with_its_14_columns_and_5_missing_cells(superglue):
    t = read_table(superglue, missing="partial")
    assert (t.n_systems, t.n_columns) == (23, 14)
    assert t.labels == SUPERGLUE_LABELS
    assert int(np.isnan(t.scores).sum()) == 5
    assert t.higher_is_better.all()


def test_missing_raise_names_the_empty_cells(glue, superglue):
    with pytest.raises(ScoreTableError, match=r"missing: 3 missing score\(s\), at .*MaChAmp.*'STS-B:pearson'"):
        read_table(glue)
    with pytest.raises(ScoreTableError, match=r"missing: 5 missing score\(s\), at \('Snorkel"):
        read_table(superglue)


def test_drop_systems_drops_exactly_the_incomplete_systems(glue, superglue):
    t = read_table(glue, missing="drop_systems")
    assert t.n_systems == 97 and set(t.dropped_systems) == set(GLUE_INCOMPLETE) and t.n_columns == 14
    s = read_table(superglue, missing="drop_systems")
    assert s.n_systems == 22 and s.dropped_systems == SUPERGLUE_INCOMPLETE


def test_drop_tasks_drops_exactly_the_incomplete_columns(glue, superglue):
    t = read_table(glue, missing="drop_tasks")
    assert t.n_systems == 100 and t.dropped_tasks == ("STS-B:pearson", "QNLI")
    assert "STS-B" in t.labels  # spearman is left, alone: its label is the task name
    s = read_table(superglue, missing="drop_tasks")
    assert s.dropped_tasks == ("BoolQ", "ReCoRD:f1", "ReCoRD:exact_match", "AX-g:gender_parity", "AX-g:accuracy")
    assert s.n_columns == 9 and s.n_systems == 23


def test_human_baselines_excluded_by_pattern(glue, superglue):
    for path, n in ((glue, 97), (superglue, 22)):
        with_h = read_table(path, missing="drop_systems")
        without = read_table(path, missing="drop_systems", exclude="*Human Baselines*")
        removed = set(with_h.systems) - set(without.systems)
        assert len(removed) == 1 and "Human Baselines" in removed.pop()
        assert without.n_systems == n - 1
    # The file's is_human_baseline flag also marks three GLUE systems by Anshuman Singh (a substring
    # accident: "Anshuman"); the name pattern does not.
    raw = pd.read_csv(glue)
    flagged = set(raw.loc[raw["is_human_baseline"], "system"])
    assert {s for s in flagged if "Human Baselines" not in s} == {
        s for s in flagged if "anshuman" in s.lower()
    } and len(flagged) == 4


# ---------------------------------------------------------------------------- the published score
@pytest.mark.parametrize(
    ("name", "weights", "diagnostics", "min_exact"),
    [("glue", GLUE_SCORE_WEIGHTS, "AX", 0.9), ("superglue", SUPERGLUE_SCORE_WEIGHTS, "AX-*", 0.75)],
)
def test_weighted_mean_reproduces_the_published_score(folder, name, weights, diagnostics, min_exact):
    path = folder / f"{name}.csv"
    t = read_table(path, missing="drop_systems", weights=weights).select_tasks(exclude=diagnostics)
    assert t.weights.sum() == (9.0 if name == "glue" else 8.0)  # 9 GLUE tasks, 8 SuperGLUE tasks
    ours = pd.Series(aggregate(t, rule="mean").scores, index=t.systems)
    theirs = published(path, "leaderboard_score").reindex(t.systems)
    assert theirs.notna().all()
    diff = ours - theirs
    # Published per-metric scores are rounded to 0.1, so our mean of them is within 0.05 of the mean of
    # the unrounded scores, which the site rounds to 0.1 again (another 0.05): |diff| <= 0.1 always.
    assert diff.abs().max() <= 0.1 + 1e-9
    # and rounding ours to one decimal gives the published figure for most systems
    # (observed: GLUE 92 of 97, SuperGLUE 17 of 22)
    exact = ((ours.round(1) - theirs).abs() < 1e-9).mean()
    assert exact >= min_exact
    # the plain mean over the 14 columns is not the published score: it never matches
    plain = pd.Series(aggregate(read_table(path, missing="drop_systems"), rule="mean").scores, index=t.systems)
    assert ((plain.round(1) - theirs).abs() < 1e-9).sum() == 0
    # the leaderboard order is (almost) the order of our weighted mean
    rank = published(path, "leaderboard_rank").reindex(t.systems)
    ok = rank.notna().to_numpy()
    mean_ranks = aggregate(t, rule="mean").ranks.astype(float)
    assert kendall_tau_b(mean_ranks[ok], rank.to_numpy()[ok]) > 0.999


# ---------------------------------------------------------------------------- every rule
@pytest.mark.parametrize("name", ["glue", "superglue"])
@pytest.mark.parametrize("rule", list(RULES))
def test_every_rule_ranks_the_leaderboard(folder, name, rule):
    path = folder / f"{name}.csv"
    info = RULES[rule]
    policy = "partial" if info.partial_ok else "drop_systems"
    table = read_table(path, missing=policy)
    if rule == "geometric_mean":
        # Matthews correlations (CoLA, AX, AX-b) and a few F1 scores are 0 or negative: no geometric mean
        with pytest.raises(RuleError, match="rule 'geometric_mean' needs positive scores, but found"):
            aggregate(table, rule=rule)
        if name == "superglue":
            return
        table = table.select_tasks(exclude=["CoLA", "AX"])
    res = aggregate(table, rule=rule)
    assert res.systems == table.systems and res.missing_policy == policy
    ranks = np.asarray(res.ranks)
    assert ranks.min() == 1 and ranks.max() <= table.n_systems
    # competition ranks: rank = 1 + number of systems strictly ahead
    np.testing.assert_array_equal(ranks, 1 + (ranks[None, :] < ranks[:, None]).sum(axis=1))
    if rule == "kemeny":
        assert res.diagnostics["optimal"]


def test_glue_winners(glue):
    t = read_table(glue, missing="drop_systems")
    # ERNIE beats every other system on a majority of the 14 columns: it is the Condorcet winner, and so
    # the Kemeny winner; it is also first by the mean (as on the leaderboard) and by Borda
    for rule in ("mean", "borda", "copeland", "schulze", "kemeny"):
        res = aggregate(t, rule=rule)
        assert res.winners == (ERNIE,), rule
        assert res.diagnostics["condorcet_winner"] == ERNIE
    # the same holds with missing scores kept as partial rankings
    assert aggregate(read_table(glue, missing="partial"), rule="kemeny").winners == (ERNIE,)
    # the median of the scores and the z-score mean crown others: the rule matters at the top
    assert aggregate(t, rule="median").winners == ("T5 [T5 Team - Google]",)
    assert aggregate(t, rule="zscore_mean").winners == ("DeBERTa / TuringNLRv4 [DeBERTa Team - Microsoft]",)


def test_superglue_winners(superglue):
    t = read_table(superglue, missing="drop_systems")
    wins, _ = t.rank().pairwise()
    e, h = t.systems.index(ERNIE3), t.systems.index(SG_HUMANS)
    # ERNIE 3.0 and the human baselines split the 14 columns 7-7: no Condorcet winner
    assert (wins[e, h], wins[h, e]) == (7.0, 7.0)
    assert aggregate(t, rule="borda").winners == (ERNIE3,)
    assert aggregate(t, rule="mean").winners == (ERNIE3,)  # leaderboard rank 1
    assert set(aggregate(t, rule="copeland").winners) == {ERNIE3, SG_HUMANS}
    km = aggregate(t, rule="kemeny")
    assert km.diagnostics["condorcet_winner"] is None
    # both beat every other system: any Kemeny ranking puts one of them first (Smith set on top)
    assert set(km.winners) <= {ERNIE3, SG_HUMANS} and set(km.ranking[:2]) == {ERNIE3, SG_HUMANS}
    # without the human baselines ERNIE 3.0 is the Condorcet winner
    sys_only = read_table(superglue, missing="drop_systems", exclude="*Human Baselines*")
    for rule in ("borda", "copeland", "kemeny", "mean"):
        assert aggregate(sys_only, rule=rule).winners == (ERNIE3,), rule


@pytest.mark.parametrize("name", ["glue", "superglue"])
def test_rank_rules_agree_with_each_other_more_than_with_the_mean(folder, name):
    t = read_table(folder / f"{name}.csv", missing="drop_systems")
    rank_rules = ["borda", "copeland", "schulze", "ranked_pairs", "kemeny"]
    cmp = compare(t, rank_rules, reference="mean")
    a = cmp.agreement
    for x, y in itertools.combinations(rank_rules, 2):
        assert a.loc[x, y] > max(a.loc[x, "mean"], a.loc[y, "mean"]), (x, y)
    # still, every rank rule agrees with the mean well above chance (tau around 0.9)
    assert (a.loc[rank_rules, "mean"] > 0.85).all()
    # on a complete table HELM's win rate is an affine function of the mean rank: the Borda order
    assert kendall_tau_b(cmp.results["borda"].ranks, aggregate(t, rule="win_rate").ranks) == pytest.approx(1.0)


def test_compare_on_glue_lists_disagreements_with_their_head_to_head(glue):
    t = read_table(glue, missing="drop_systems", exclude="*Human Baselines*")
    cmp = compare(t, ["mean", "borda", "kemeny"])
    assert cmp.rules == ("mean", "borda", "kemeny")
    n = cmp.n_disagreements()
    assert (n > 0).all() and n.sum() == len(cmp.disagreements)
    # a reversed pair: the rule's top system wins at least as many columns as it loses... on most pairs
    dis = cmp.disagreements[cmp.disagreements["rule"] == "kemeny"]
    majority = (dis["tasks_won_by_rule_top"] >= dis["tasks_won_by_reference_top"]).mean()
    assert majority > 0.5
    total = dis["tasks_won_by_rule_top"] + dis["tasks_won_by_reference_top"] + dis["tasks_tied"]
    assert (total == 14).all()  # complete table: every pair meets on all 14 columns
