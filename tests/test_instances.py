"""InstanceTable: construction, conversion, missing policies, the chunked kernels, and every error of instances.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rankagg
from rankagg import InstanceTable, ScoreTableError, pairwise_counts, rank_scores
from rankagg.rankings.kernels import chunk_columns, code_dtype, codes_to_ranks, count_codes, rank_codes
from tests.helpers import pin

NAN = np.nan


def small(**kw):
    """Three systems; 'qa' (higher is better) has 3 instances, 'ppl' (lower is better) 2."""
    kw.setdefault("higher_is_better", {"qa": True, "ppl": False})
    data = {
        "qa": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]),
        "ppl": np.array([[12.0, 10.0], [11.0, 13.0], [10.0, 9.0]]),
    }
    return InstanceTable.from_arrays(data, systems=["A", "B", "C"], **kw)


def long_frame():
    rows = []
    for s, scores in {"A": [0.9, 0.2, 0.5], "B": [0.4, 0.3, 0.6], "C": [0.1, 0.8, 0.7]}.items():
        rows += [(s, "summ", "rouge", f"doc{k}", v, True) for k, v in enumerate(scores)]
        rows += [(s, "summ", "human", f"doc{k}", 5 * v, True) for k, v in enumerate(scores[:2])]
    return pd.DataFrame(rows, columns=["system", "task", "metric", "instance", "score", "higher_is_better"])


# ---------------------------------------------------------------------------- construction
def test_from_arrays_layout_offsets_ids_and_accessors():
    t = small()
    assert t.systems == ("A", "B", "C") and t.labels == ("qa", "ppl") and t.tasks == ("qa", "ppl")
    assert (t.n_systems, t.n_columns, t.n_instances_total, len(t)) == (3, 2, 5, 3)
    assert dict(t.n_instances) == {"qa": 3, "ppl": 2}
    np.testing.assert_array_equal(t.offsets, [0, 3, 5])
    np.testing.assert_array_equal(t.column_index, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(t.higher_is_better, [True, False])
    np.testing.assert_array_equal(t.weights, [1.0, 1.0])
    assert t.instances("qa") == ("0", "1", "2") and t.instances("ppl") == ("0", "1")
    np.testing.assert_array_equal(t.column_scores("ppl"), [[12.0, 10.0], [11.0, 13.0], [10.0, 9.0]])
    assert t.missing_policy == "raise" and not t.has_missing
    assert (t.dropped_systems, t.dropped_instances, t.dropped_tasks) == ((), (), ())
    assert repr(t) == "InstanceTable(3 systems x 2 task columns x 5 instances, missing='raise')"
    with pytest.raises(ValueError, match="read-only"):
        t.scores[0, 0] = 2.0


def test_from_arrays_copies_the_input_and_keeps_given_instance_ids():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = InstanceTable.from_arrays({"x": a}, systems=["A", "B"], higher_is_better=True, instances={"x": [7, "q"]})
    a[0, 0] = 99.0
    assert t.scores[0, 0] == 1.0
    assert t.instances("x") == ("7", "q")


def test_from_long_pivots_task_metric_columns_with_their_own_instances():
    t = InstanceTable.from_long(long_frame())
    assert t.labels == ("summ:rouge", "summ:human")
    assert dict(t.n_instances) == {"summ:rouge": 3, "summ:human": 2}
    assert t.instances("summ:human") == ("doc0", "doc1")
    np.testing.assert_allclose(t.column_scores("summ:rouge"), [[0.9, 0.2, 0.5], [0.4, 0.3, 0.6], [0.1, 0.8, 0.7]])
    np.testing.assert_allclose(t.column_scores("summ:human"), [[4.5, 1.0], [2.0, 1.5], [0.5, 4.0]])
    # one metric per task; instance ids are strings even when the file has numbers
    df = long_frame().assign(instance=lambda d: d["instance"].str[3:].astype(int))
    one = InstanceTable.from_long(df, metrics="human")
    assert one.labels == ("summ",) and one.instances("summ") == ("0", "1")


def test_from_long_rows_in_any_order_give_the_same_table():
    df = long_frame()
    shuffled = df.sample(frac=1.0, random_state=3)
    a, b = InstanceTable.from_long(df), InstanceTable.from_long(shuffled)
    assert a.labels == b.labels
    for lab in a.labels:
        order_a, order_b = a.instances(lab), b.instances(lab)
        assert sorted(order_a) == sorted(order_b)
        ia = [order_a.index(x) for x in sorted(order_a)]
        ib = [order_b.index(x) for x in sorted(order_b)]
        sa = a.select_systems(include=list(b.systems)).column_scores(lab)[:, ia]
        pos = [b.systems.index(s) for s in a.systems]
        np.testing.assert_array_equal(sa, b.column_scores(lab)[pos][:, ib])


def test_to_long_round_trip_and_task_table_statistics():
    t = small(weights={"ppl": 2.0})
    back = InstanceTable.from_long(t.to_long())
    assert back == t
    assert back != small() and (t == "x") is False
    tt = t.task_table()
    assert isinstance(tt, rankagg.ScoreTable) and tt.labels == ("qa", "ppl")
    np.testing.assert_allclose(tt.scores, [[2 / 3, 11.0], [1 / 3, 12.0], [1.0, 9.5]])
    np.testing.assert_array_equal(tt.higher_is_better, [True, False])
    np.testing.assert_array_equal(tt.weights, [1.0, 2.0])
    np.testing.assert_allclose(t.task_table("median").scores[:, 0], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(t.task_table("sum").scores[:, 1], [22.0, 24.0, 19.0])


def test_voter_table_and_instance_weights():
    t = small(weights={"ppl": 2.0})
    np.testing.assert_allclose(t.instance_weights(), [1 / 3] * 3 + [1.0] * 2)
    np.testing.assert_allclose(t.instance_weights("uniform"), [1.0] * 3 + [2.0] * 2)
    v = t.voter_table()
    assert v.labels == ("qa[0]", "qa[1]", "qa[2]", "ppl[0]", "ppl[1]")
    np.testing.assert_allclose(v.weights, t.instance_weights())
    np.testing.assert_array_equal(v.higher_is_better, [True] * 3 + [False] * 2)
    assert v.scores is t.scores


def test_missing_policies():
    data = {
        "qa": np.array([[1.0, NAN, 0.0], [0.0, 1.0, 1.0], [1.0, 1.0, NAN], [0.5, 0.5, 0.5]]),
        "mt": np.array([[1.0], [2.0], [3.0], [4.0]]),
    }
    kw = {"systems": ["A", "B", "C", "D"], "higher_is_better": True}
    part = InstanceTable.from_arrays(data, missing="partial", **kw)
    assert part.has_missing and part.missing_policy == "partial"
    di = InstanceTable.from_arrays(data, missing="drop_instances", **kw)
    assert dict(di.n_instances) == {"qa": 1, "mt": 1} and di.instances("qa") == ("0",)
    assert di.dropped_instances == (("qa", "1"), ("qa", "2")) and not di.has_missing
    assert "dropped 2 instances" in repr(di)
    ds = InstanceTable.from_arrays(data, missing="drop_systems", **kw)
    assert ds.systems == ("B", "D") and ds.dropped_systems == ("A", "C") and "dropped 2 systems" in repr(ds)
    # from a partial table, any policy
    assert part.with_missing("drop_instances") == di
    assert part.with_missing("drop_systems") == ds
    # the task table of a partial table is partial where a system has no score on a whole task
    x = {"x": np.array([[1.0, 2.0], [NAN, NAN], [0.0, 1.0], [1.0, 1.0]]), "y": np.eye(4)[:, :3]}
    tt = InstanceTable.from_arrays(x, missing="partial", **kw).task_table()
    assert tt.missing_policy == "partial" and np.isnan(tt.scores[1, 0])
    assert np.isnan(InstanceTable.from_arrays(x, missing="partial", **kw).task_table("median").scores[1, 0])


def test_select_systems_keeps_layout():
    t = small().select_systems(exclude="B")
    assert t.systems == ("A", "C") and dict(t.n_instances) == {"qa": 3, "ppl": 2}
    np.testing.assert_array_equal(t.column_scores("qa"), [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])


def test_instance_table_cannot_be_built_directly():
    with pytest.raises(TypeError, match=pin("build an InstanceTable with InstanceTable.from_long(df, ...)")):
        InstanceTable()


# ---------------------------------------------------------------------------- errors
A2 = np.array([[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: InstanceTable.from_arrays({}, systems=["A"], higher_is_better=True),
            "data: expected a non-empty mapping {task: array of shape (n_systems, n_instances)}, got dict.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": A2}, systems=["A", "B"], higher_is_better=True, missing="drop_tasks"
            ),
            "missing='drop_tasks' is not a missing-value policy for instance-level scores (at instance level, "
            "'drop_instances' drops every instance some system lacks); use one of 'raise', 'drop_systems', "
            "'drop_instances', 'partial'.",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2}, systems=["A", "B"], higher_is_better=True, missing="parital"),
            "missing='parital' is not a missing-value policy for instance-level scores; use one of",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": A2}, systems=["A", "B"], higher_is_better=True, instances={"y": [1]}
            ),
            "instances: unknown task 'y'. The tasks are 'x'.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [["a", "b"], ["c", "d"]]}, systems=["A", "B"], higher_is_better=True
            ),
            "data: the scores of task 'x' are not numbers",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2}, systems=["A", "B", "C"], higher_is_better=True),
            "data: task 'x' has shape (2, 2); expected (3, n_instances): one row per system, one column per instance.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": A2}, systems=["A", "B"], higher_is_better=True, instances={"x": [1]}
            ),
            "instances: 1 ids for the 2 instances of task 'x'; give one per column.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": A2}, systems=["A", "B"], higher_is_better=True, instances={"x": [1, "1"]}
            ),
            "instances: task 'x' has duplicate instance ids '1'; ids must be unique within a task.",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2}, systems=["A", "A"], higher_is_better=True),
            "systems: duplicate system names 'A'; system names must be unique.",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2[:1]}, systems=["A"], higher_is_better=True),
            "systems: only 1 system ('A'); ranking needs at least two.",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": np.empty((2, 0))}, systems=["A", "B"], higher_is_better=True),
            "scores: the table has no instance; give at least one task with one instance or more.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": A2, "y": np.empty((2, 0))}, systems=["A", "B"], higher_is_better=True
            ),
            "scores: task column(s) 'y' have no instance; remove them.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, np.inf], [0.0, 1.0]]}, systems=["A", "B"], higher_is_better=True
            ),
            "scores: infinite scores at ('A', 'x', instance '1') = inf; replace them with finite numbers or NaN",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2}, systems=["A", "B"], higher_is_better=None),
            "higher_is_better: the direction of task(s) 'x' is unknown and rankagg never guesses it",
        ),
        (
            lambda: InstanceTable.from_arrays({"x": A2}, systems=["A", "B"], higher_is_better=True, weights={"x": -1}),
            "weights: the weight of task 'x' is -1; weights must be positive finite numbers",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, NAN], [0.0, NAN]]}, systems=["A", "B"], higher_is_better=True, missing="partial"
            ),
            "scores: 1 instance(s) have no score at all, e.g. ('x', instance '1'); remove them, or pass "
            "missing='drop_instances'.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, NAN], [0.0, 1.0]]}, systems=["A", "B"], higher_is_better=True
            ),
            # drop_systems would keep one system: not offered
            "missing: 1 missing score(s), e.g. at ('A', 'x', instance '1'); choose a policy: missing='drop_instances' "
            "(drop instances some system lacks) or 'partial' with a rule that accepts partial rankings (copeland, "
            "kemeny, partial_borda, win_rate...) (CLI: --missing POLICY).",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, NAN], [NAN, 1.0]]}, systems=["A", "B"], higher_is_better=True, missing="drop_systems"
            ),
            # A and B are scored on different instances: nothing compares them
            "missing='drop_systems' would leave 0 system(s) with every score (it drops 'A', 'B'); no missing-score "
            "policy leaves two systems that share a task or instance here: add the missing scores.",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, NAN], [NAN, 1.0]], "y": A2},
                systems=["A", "B"],
                higher_is_better=True,
                missing="drop_instances",
            ),
            "missing='drop_instances' would drop every instance of task column(s) 'x' (each lacks some system's "
            "score); use missing='partial' with a rule that accepts partial rankings (copeland, kemeny, "
            "partial_borda, win_rate...) instead (CLI: --missing POLICY).",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, 2.0], [NAN, NAN], [0.0, 1.0]]},
                systems=["A", "B", "C"],
                higher_is_better=True,
                missing="partial",
            ),
            "scores: system(s) 'B' have no score on any instance; exclude them (exclude=...; CLI: --exclude NAME) "
            "or pass missing='drop_systems' (drop systems with a missing score) instead (CLI: --missing POLICY).",
        ),
        (
            lambda: InstanceTable.from_arrays(
                {"x": [[1.0, NAN], [NAN, 1.0], [0.0, NAN]]},
                systems=["A", "B", "C"],
                higher_is_better=True,
                missing="partial",
            ),
            "scores: system(s) 'B' share no instance with any other system, so nothing compares them; exclude them "
            "(exclude=...) or pass missing='drop_systems'.",
        ),
        (lambda: small().task_table("max"), "statistic='max': use one of 'mean', 'median', 'sum'."),
        (lambda: small().instances("qaa"), "label: no task column 'qaa'. Did you mean 'qa'? The columns are"),
        (
            lambda: InstanceTable.from_long(long_frame()).instances("summ"),
            "label: task 'summ' has several metric columns ('summ:rouge', 'summ:human'); name one by its label.",
        ),
        (
            lambda: small().select_systems(include="A"),
            "include/exclude: 1 system(s) left after selection; ranking needs at least two.",
        ),
        (lambda: small().select_systems(include="Z*"), "include: 'Z*' matches no system"),
        (
            lambda: small().instance_weights("even"),
            "instance_weighting='even': use 'per_task' (each task weighs its task weight, shared by its instances) or "
            "'uniform' (each instance weighs its task weight, so larger tasks count more).",
        ),
    ],
)
def test_construction_errors(call, message):
    with pytest.raises(ScoreTableError, match=pin(message)):
        call()


def _long(**changes):
    df = long_frame()
    for k, v in changes.items():
        df[k] = v
    return df


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ([1, 2], {}, "data: expected a pandas DataFrame, got list."),
        (long_frame().iloc[:0], {}, "data: the table is empty (no rows); give at least two systems and one instance."),
        (long_frame().drop(columns="instance"), {}, "instance: no column 'instance' in the data; its columns are"),
        (long_frame(), {"score": "value"}, "score: no column 'value' in the data"),
        (long_frame(), {"metric": "measure"}, "metric: no column 'measure' in the data"),
        (
            _long(instance=[None] + ["x"] * 14),
            {},
            "instance: empty 'instance' in row(s) 0; every row needs a instance.",
        ),
        (
            _long(metric=[None] + ["rouge"] * 14),
            {},
            "metric: row(s) 0 have no metric name, but other rows of the same task do; fill in column 'metric'",
        ),
        (
            _long(score=["bad"] + [0.5] * 14),
            {},
            "score: non-numeric values in column 'score' at (row 0: 'bad'); scores must be numbers",
        ),
        (
            _long(score=[np.inf] + [0.5] * 14),
            {},
            "score: infinite values in column 'score' at (row 0: inf); replace them with finite numbers",
        ),
        (
            _long(higher_is_better=["sideways"] + [True] * 14),
            {},
            "direction: values in column 'higher_is_better' at (row 0: 'sideways') are not a direction",
        ),
        (
            long_frame().drop(columns="metric"),
            {"metrics": "rouge"},
            "metrics: the data has no metric column to select from; pass metric='<column name>'.",
        ),
        (long_frame(), {"metrics": {"summ": "bleu"}}, "metrics: task 'summ' has no metric 'bleu'"),
        (long_frame(), {"exclude": "*"}, "include/exclude: no system is left after selection"),
        (
            pd.concat([long_frame(), long_frame().iloc[[0]]]),
            {},
            "data: duplicate entries for ('A', 'summ', 'rouge', instance 'doc0') in rows 0, 0; keep one row per "
            "(system, task, metric, instance)",
        ),
        (
            _long(higher_is_better=[False] + [True] * 14),
            {},
            "direction: conflicting directions for task 'summ:rouge': higher_is_better is True in rows 1, 2, 5 and "
            "False in rows 0; a metric has one direction.",
        ),
        (
            _long(weight=[1.0] + [2.0] * 14),
            {},
            "weight: task 'summ:rouge' has several weights in column 'weight' (1.0, 2.0); a task column has one "
            "weight.",
        ),
        (
            _long(score=[None] + [0.5] * 14),
            {},
            "missing: 1 missing score(s), e.g. at ('A', 'summ:rouge', instance 'doc0'); choose a policy",
        ),
    ],
)
def test_from_long_errors(data, kwargs, message):
    with pytest.raises(ScoreTableError, match=pin(message)):
        InstanceTable.from_long(data, **kwargs)


def test_from_long_a_row_missing_for_one_system_is_a_missing_score():
    df = long_frame().iloc[1:]  # A has no row for doc0 of rouge
    with pytest.raises(
        ScoreTableError, match=pin("missing: 1 missing score(s), e.g. at ('A', 'summ:rouge', instance 'doc0')")
    ):
        InstanceTable.from_long(df)
    t = InstanceTable.from_long(df, missing="partial")
    k = t.instances("summ:rouge").index("doc0")
    assert np.isnan(t.column_scores("summ:rouge")[t.systems.index("A"), k])


# ---------------------------------------------------------------------------- kernels
@st.composite
def blocks(draw):
    n = draw(st.integers(2, 9))
    c = draw(st.integers(1, 40))
    kind = draw(st.sampled_from(["ints", "floats", "close"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    if kind == "ints":
        x = rng.integers(0, 4, size=(n, c)).astype(float)
    elif kind == "floats":
        x = rng.standard_normal((n, c))
    else:  # scores that differ only in their last bits, and signed zeros
        x = 1.0 + rng.integers(0, 3, size=(n, c)) * np.spacing(1.0)
        x[rng.random((n, c)) < 0.2] = -0.0
        x[rng.random((n, c)) < 0.2] = 0.0
    x[rng.random((n, c)) < draw(st.sampled_from([0.0, 0.3]))] = np.nan
    tol = draw(st.sampled_from([(0.0, 0.0), (0.5, 0.0), (0.0, 0.3)]))
    return x, draw(st.sampled_from([1.0, -1.0])), tol


@given(data=blocks())
def test_rank_codes_equal_rank_scores_and_count_codes_equal_pairwise_counts(data):
    x, sign, (atol, rtol) = data
    codes = rank_codes(x, sign, atol=atol, rtol=rtol)
    assert codes.dtype == np.uint8 and codes.shape == x.shape
    ref = np.column_stack(
        [rank_scores(x[:, k], higher_is_better=sign > 0, atol=atol, rtol=rtol) for k in range(x.shape[1])]
    )
    np.testing.assert_array_equal(codes_to_ranks(codes), ref)
    wins = np.zeros((x.shape[0],) * 2, dtype=np.int64)
    both = np.zeros_like(wins)
    count_codes(codes, wins, both)
    w2, t2 = pairwise_counts(ref)
    ties = (both - wins - wins.T).astype(float)
    np.fill_diagonal(ties, 0.0)
    np.testing.assert_array_equal(wins, w2)
    np.testing.assert_array_equal(ties, t2)


def test_kernels_on_wide_blocks_many_systems_and_a_per_instance_direction():
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal((130, 9000)), 1)  # 130 systems: uint16 codes; ties everywhere
    x[rng.random(x.shape) < 0.05] = np.nan
    codes = rank_codes(x, 1.0)
    assert codes.dtype == np.uint16 and code_dtype(130) is np.uint16 and code_dtype(126) is np.uint8
    sub = slice(0, 60)
    ref = np.column_stack([rank_scores(x[:, k]) for k in range(60)])
    np.testing.assert_array_equal(codes_to_ranks(codes[:, sub]), ref)
    wins = np.zeros((130, 130), dtype=np.int64)
    both = np.zeros_like(wins)
    count_codes(codes, wins, both)
    w2, _ = pairwise_counts(codes_to_ranks(codes[:20]))  # the counts among the first 20 systems
    np.testing.assert_array_equal(wins[:20, :20], w2)
    # one sign per instance (the exact path)
    sign = np.where(np.arange(60) % 2 == 0, 1.0, -1.0)
    mixed = codes_to_ranks(rank_codes(x[:, sub], sign))
    ref_mixed = np.column_stack([rank_scores(x[:, k], higher_is_better=sign[k] > 0) for k in range(60)])
    np.testing.assert_array_equal(mixed, ref_mixed)


def test_chunk_sizes_and_their_errors():
    assert chunk_columns(100, chunk_size=7, max_memory=None) == 7
    assert chunk_columns(100, chunk_size=None, max_memory=None) == 20971
    assert chunk_columns(100, chunk_size=None, max_memory=16 * 2**20) == 2995
    with pytest.raises(rankagg.RankaggError, match=pin("chunk_size=0: give a positive number of instances per chunk.")):
        chunk_columns(10, chunk_size=0, max_memory=None)
    with pytest.raises(rankagg.RankaggError, match=pin("max_memory=-1: give a positive number of bytes.")):
        chunk_columns(10, chunk_size=None, max_memory=-1)


def test_pairwise_counts_of_an_instance_table_do_not_depend_on_the_chunk_size():
    rng = np.random.default_rng(2)
    data = {f"t{j}": rng.integers(0, 5, size=(7, 50 + 13 * j)).astype(float) for j in range(3)}
    data["t1"][rng.random(data["t1"].shape) < 0.2] = np.nan
    t = InstanceTable.from_arrays(data, systems=list("ABCDEFG"), higher_is_better=True, missing="partial")
    ref = pairwise_counts(t.voter_table().rank().ranks, weights=t.instance_weights())
    for chunk in (1, 9, 64, None):
        got = t.pairwise(chunk_size=chunk)
        np.testing.assert_allclose(got[0], ref[0], atol=1e-12)
        np.testing.assert_allclose(got[1], ref[1], atol=1e-12)
    _, ties = t.pairwise(instance_weighting="uniform", atol=1.0)
    assert ties.sum() > pairwise_counts(t.voter_table("uniform").rank().ranks)[1].sum()  # a tolerance adds ties
