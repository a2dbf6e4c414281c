"""ScoreTable: construction, conversion, selection, missing policies, and every error message of table.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg import Column, ScoreTable, ScoreTableError
from rankagg.data.table import as_table
from tests.helpers import pin

NAN = np.nan


def three_by_two(**kw):
    kw.setdefault("higher_is_better", True)
    return ScoreTable([[0.9, 12.0], [0.8, 10.0], [0.7, 11.0]], systems=["A", "B", "C"], tasks=["acc", "ppl"], **kw)


@pytest.fixture
def long_df():
    """A GLUE-like long frame: MRPC reports two metrics, every row says its direction."""
    rows = []
    for s, (cola, f1, acc, rte) in {
        "ERNIE": (75.5, 93.9, 91.8, 92.6),
        "T5": (71.6, 92.8, 90.4, 92.8),
        "BERT": (60.5, 89.3, 85.4, 70.1),
    }.items():
        rows += [
            (s, "CoLA", "matthews_corr", cola, True),
            (s, "MRPC", "f1", f1, True),
            (s, "MRPC", "accuracy", acc, True),
            (s, "RTE", "accuracy", rte, True),
        ]
    return pd.DataFrame(rows, columns=["system", "task", "metric", "score", "higher_is_better"])


# ---------------------------------------------------------------------------- construction from arrays
def test_construction_from_arrays_keeps_names_scores_directions_and_unit_weights():
    t = three_by_two(higher_is_better={"acc": True, "ppl": False})
    assert t.systems == ("A", "B", "C")
    assert t.labels == ("acc", "ppl") and t.tasks == ("acc", "ppl")
    assert (t.n_systems, t.n_columns, len(t)) == (3, 2, 3)
    np.testing.assert_array_equal(t.scores, [[0.9, 12.0], [0.8, 10.0], [0.7, 11.0]])
    np.testing.assert_array_equal(t.higher_is_better, [True, False])
    np.testing.assert_array_equal(t.weights, [1.0, 1.0])
    assert t.columns[1] == Column(task="ppl", metric=None, higher_is_better=False, weight=1.0, label="ppl")
    assert t.missing_policy == "raise" and not t.has_missing
    assert (t.dropped_systems, t.dropped_tasks) == ((), ())
    # lower-is-better columns are negated so that higher is always better
    np.testing.assert_array_equal(t.oriented_scores()[:, 1], [-12.0, -10.0, -11.0])
    assert repr(t) == "ScoreTable(3 systems x 2 task columns, missing='raise')"


def test_a_task_with_two_metrics_gives_two_columns_labelled_task_colon_metric():
    t = ScoreTable(
        [[93.9, 91.8, 75.5], [89.3, 85.4, 60.5]],
        systems=["ERNIE", "BERT"],
        tasks=["MRPC", "MRPC", "CoLA"],
        metrics=["f1", "accuracy", "mcc"],
        higher_is_better=True,
    )
    assert t.labels == ("MRPC:f1", "MRPC:accuracy", "CoLA")  # a single-metric task keeps its plain name
    assert t.tasks == ("MRPC", "CoLA")
    assert [c.metric for c in t.columns] == ["f1", "accuracy", "mcc"]


def test_scores_are_read_only_and_copied_from_the_input():
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = ScoreTable(data, systems=["A", "B"], tasks=["x", "y"], higher_is_better=True)
    data[0, 0] = 99.0  # the caller's array is not shared
    assert t.scores[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        t.scores[0, 0] = 5.0
    # derived arrays are fresh copies: changing them does not change the table
    w = t.weights
    w[0] = 7.0
    assert t.weights[0] == 1.0


def test_equality_compares_systems_columns_policy_and_scores():
    assert three_by_two() == three_by_two()
    assert three_by_two() != three_by_two(weights=[1, 2])
    assert three_by_two() != three_by_two(higher_is_better={"acc": True, "ppl": False})
    assert (three_by_two() == "not a table") is False


# ---------------------------------------------------------------------------- directions
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (True, [True, True, True]),
        (False, [False, False, False]),
        ({"acc": True, "ppl": False, "loss": False}, [True, False, False]),
        ({"*": True, "ppl": False, "loss": False}, [True, False, False]),  # "*" is the default
        ({"*": False, "acc": True}, [True, False, False]),
        ({"*": True, "*ss": False, "ppl": False}, [True, False, False]),  # a glob pattern
        # "*" is a catch-all default even when listed before a more specific pattern
        ({"*": True, "p*": False, "l*": False}, [True, False, False]),
        # an exact name beats a pattern that also matches it
        ({"acc": False, "a*": True, "*": True}, [False, True, True]),
        ({"acc": "higher", "ppl": "lower", "loss": 0}, [True, False, False]),
    ],
)
def test_directions_from_bool_mapping_and_patterns(spec, expected):
    t = ScoreTable(
        [[1.0, 2.0, 3.0], [2.0, 1.0, 0.0]], systems=["A", "B"], tasks=["acc", "ppl", "loss"], higher_is_better=spec
    )
    assert list(t.higher_is_better) == expected


def test_direction_mapping_can_address_one_metric_column_by_its_label():
    t = ScoreTable(
        [[1.0, 2.0], [2.0, 1.0]],
        systems=["A", "B"],
        tasks=["MT", "MT"],
        metrics=["bleu", "ter"],
        higher_is_better={"MT": True, "MT:ter": False},  # label beats task
    )
    assert list(t.higher_is_better) == [True, False]


# ---------------------------------------------------------------------------- weights
@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (None, [1.0, 1.0, 1.0]),
        ([1, 2, 0.5], [1.0, 2.0, 0.5]),
        (np.array([3.0, 1.0, 1.0]), [3.0, 1.0, 1.0]),
        ({"MT": 0.5}, [0.5, 0.5, 1.0]),  # by task: both metric columns of MT
        ({"MT:ter": 2}, [1.0, 2.0, 1.0]),  # by label
        ({"M*": 0.25, "*": 2}, [0.25, 0.25, 2.0]),  # glob, "*" as default
        ({"qa": "3"}, [1.0, 1.0, 3.0]),  # numbers given as text are numbers
    ],
)
def test_weights_by_sequence_task_label_and_pattern(weights, expected):
    t = ScoreTable(
        [[1.0, 2.0, 3.0], [2.0, 1.0, 0.0]],
        systems=["A", "B"],
        tasks=["MT", "MT", "qa"],
        metrics=["bleu", "ter", None],
        higher_is_better=True,
        weights=weights,
    )
    np.testing.assert_array_equal(t.weights, expected)


# ---------------------------------------------------------------------------- from_long
def test_from_long_default_columns_with_two_metrics_per_task(long_df):
    t = ScoreTable.from_long(long_df)
    assert t.systems == ("ERNIE", "T5", "BERT")
    assert t.labels == ("CoLA", "MRPC:f1", "MRPC:accuracy", "RTE")
    assert t.tasks == ("CoLA", "MRPC", "RTE")
    np.testing.assert_array_equal(t.scores[2], [60.5, 89.3, 85.4, 70.1])
    assert t.higher_is_better.all()  # read from the direction column


def test_from_long_custom_column_names_and_no_metric_column():
    df = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "benchmark": ["qa", "mt", "qa", "mt"],
            "value": [0.7, 30.0, 0.6, 33.0],
        }
    )
    t = ScoreTable.from_long(df, system="model", task="benchmark", score="value", higher_is_better=True)
    assert t.systems == ("a", "b") and t.labels == ("qa", "mt")
    assert all(c.metric is None for c in t.columns)
    np.testing.assert_array_equal(t.scores, [[0.7, 30.0], [0.6, 33.0]])


def test_from_long_metric_none_ignores_a_metric_column(long_df):
    df = long_df[long_df["metric"] != "f1"]
    t = ScoreTable.from_long(df, metric=None)
    assert t.labels == ("CoLA", "MRPC", "RTE")
    assert t.columns[1].metric is None


def test_from_long_direction_none_ignores_the_direction_column(long_df):
    df = long_df.assign(higher_is_better=False)
    t = ScoreTable.from_long(df, direction=None, higher_is_better=True)
    assert t.higher_is_better.all()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("True", True),
        ("false", False),
        ("higher", True),
        ("lower", False),
        (" Higher ", True),
        ("max", True),
        ("min", False),
        ("yes", True),
        ("no", False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        (np.True_, True),
        ("1", True),
        ("0", False),
    ],
)
def test_from_long_direction_column_values(value, expected):
    df = pd.DataFrame(
        {"system": ["A", "B"], "task": ["x", "x"], "score": [1.0, 2.0], "higher_is_better": [value, value]}
    )
    assert ScoreTable.from_long(df).higher_is_better.tolist() == [expected]


def test_from_long_blank_directions_fall_back_to_the_given_direction():
    df = pd.DataFrame(
        {
            "system": ["A", "B", "A", "B"],
            "task": ["x", "x", "y", "y"],
            "score": [1.0, 2.0, 3.0, 4.0],
            "higher_is_better": [True, None, "", np.nan],
        }
    )
    t = ScoreTable.from_long(df, higher_is_better={"y": False})
    assert t.higher_is_better.tolist() == [True, False]


def test_from_long_metric_selection_by_name_and_by_mapping(long_df):
    t = ScoreTable.from_long(long_df, metrics={"MRPC": "f1"})
    assert t.labels == ("CoLA", "MRPC", "RTE")  # one metric left: the plain task name
    assert t.columns[1].metric == "f1"
    np.testing.assert_array_equal(t.scores[:, 1], [93.9, 92.8, 89.3])
    acc = long_df[long_df["task"].isin(["MRPC", "RTE"])]
    t2 = ScoreTable.from_long(acc, metrics="accuracy")
    assert t2.labels == ("MRPC", "RTE")
    np.testing.assert_array_equal(t2.scores[:, 0], [91.8, 90.4, 85.4])


@pytest.mark.parametrize(
    ("include", "exclude", "kept"),
    [
        ("T5", None, None),  # one system: error (tested below)
        (["ERNIE", "T5"], None, ("ERNIE", "T5")),
        ("*E*", None, ("ERNIE", "BERT")),
        (None, "BERT", ("ERNIE", "T5")),
        (None, ["B*"], ("ERNIE", "T5")),
        ("*", "T?", ("ERNIE", "BERT")),
    ],
)
def test_from_long_include_exclude_by_name_and_glob(long_df, include, exclude, kept):
    if kept is None:
        with pytest.raises(ScoreTableError, match=pin("systems: only 1 system ('T5')", "at least two")):
            ScoreTable.from_long(long_df, include=include, exclude=exclude)
        return
    assert ScoreTable.from_long(long_df, include=include, exclude=exclude).systems == kept


def test_from_long_names_are_stripped_and_stringified():
    df = pd.DataFrame({"system": [" A ", 7], "task": ["x ", "x"], "score": ["1.5", " 2 "]})
    with pytest.warns(rankagg.RankaggWarning, match=r"task names .* merged into one task: 'x' and 'x ' -> 'x'"):
        t = ScoreTable.from_long(df, higher_is_better=True)
    assert t.systems == ("A", "7") and t.labels == ("x",)
    np.testing.assert_array_equal(t.scores[:, 0], [1.5, 2.0])


def test_from_long_empty_score_cells_are_missing():
    df = pd.DataFrame(
        {"system": ["A", "B", "C", "A", "B", "C"], "task": list("xxxyyy"), "score": [1, 2, 3, "", None, 4]}
    )
    t = ScoreTable.from_long(df, higher_is_better=True, missing="partial")
    assert np.isnan(t.scores[[0, 1], 1]).all() and t.scores[2, 1] == 4.0


# ---------------------------------------------------------------------------- from_wide
@pytest.fixture
def wide_df():
    return pd.DataFrame({"qa": [71.0, 68.5, 60.0], "mt": [30.1, 33.0, 25.0]}, index=["A", "B", "C"])


def test_from_wide_systems_in_rows_and_columns_give_the_same_table(wide_df):
    rows = ScoreTable.from_wide(wide_df, systems_in="rows", higher_is_better=True)
    cols = ScoreTable.from_wide(wide_df.T, systems_in="columns", higher_is_better=True)
    assert rows == cols
    assert rows.systems == ("A", "B", "C") and rows.labels == ("qa", "mt")
    np.testing.assert_array_equal(rows.scores[:, 1], [30.1, 33.0, 25.0])


def test_from_wide_system_column_and_task_selection(wide_df):
    df = wide_df.reset_index(names="model").assign(org=["x", "y", "z"])
    t = ScoreTable.from_wide(df, systems_in="rows", system="model", tasks=["mt"], higher_is_better=False)
    assert t.systems == ("A", "B", "C") and t.labels == ("mt",)
    assert t.higher_is_better.tolist() == [False]
    # with systems in columns, system= names the column holding the task names
    tall = wide_df.T.reset_index(names="task")
    t2 = ScoreTable.from_wide(tall, systems_in="columns", system="task", tasks="qa", higher_is_better=True)
    assert t2.systems == ("A", "B", "C") and t2.labels == ("qa",)


def test_from_wide_numbers_as_text_and_blank_cells():
    df = pd.DataFrame({"qa": ["71.0", " 68.5", ""], "mt": ["30", None, "25"]}, index=["A", "B", "C"])
    t = ScoreTable.from_wide(df, systems_in="rows", higher_is_better=True, missing="partial")
    np.testing.assert_array_equal(t.scores, [[71.0, 30.0], [68.5, NAN], [NAN, 25.0]])


def test_from_wide_include_exclude(wide_df):
    t = ScoreTable.from_wide(wide_df, systems_in="rows", higher_is_better=True, exclude="C")
    assert t.systems == ("A", "B")
    t = ScoreTable.from_wide(wide_df, systems_in="rows", higher_is_better=True, include=["A", "C"])
    assert t.systems == ("A", "C")


# ---------------------------------------------------------------------------- conversion round trips
def test_to_long_then_from_long_gives_an_equal_table(long_df):
    t = ScoreTable.from_long(long_df.assign(higher_is_better=[True, True, True, False] * 3))
    long = t.to_long()
    assert list(long.columns) == ["system", "task", "metric", "score", "higher_is_better", "weight"]
    assert len(long) == t.n_systems * t.n_columns
    assert ScoreTable.from_long(long) == t
    # weights travel in the weight column
    weighted = ScoreTable.from_long(long_df, weights={"MRPC": 0.5, "RTE": 2})
    back = ScoreTable.from_long(weighted.to_long())
    assert back == weighted
    np.testing.assert_array_equal(back.weights, [1.0, 0.5, 0.5, 2.0])
    # weights given by the caller win over the column
    np.testing.assert_array_equal(ScoreTable.from_long(weighted.to_long(), weights=[1, 1, 1, 1]).weights, 1.0)
    np.testing.assert_array_equal(ScoreTable.from_long(weighted.to_long(), weight=None).weights, 1.0)


def test_from_long_weight_column_must_be_constant_within_a_column(long_df):
    df = long_df.assign(weight=[1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(
        ScoreTableError,
        match=pin(
            "weight: task 'CoLA:matthews_corr' has several weights in column 'weight' (1.0, 2.0); "
            "a task column has one weight."
        ),
    ):
        ScoreTable.from_long(df)


def test_to_long_round_trip_keeps_missing_scores_and_plain_tasks():
    t = ScoreTable(
        [[1.0, NAN], [2.0, 3.0], [0.5, 1.0]],
        systems=["A", "B", "C"],
        tasks=["x", "y"],
        higher_is_better={"x": True, "y": False},
        missing="partial",
    )
    back = ScoreTable.from_long(t.to_long(), missing="partial")
    assert back == t
    assert back.columns[0].metric is None


@pytest.mark.parametrize("systems_in", ["rows", "columns"])
def test_to_wide_then_from_wide_gives_an_equal_table(systems_in):
    t = three_by_two(higher_is_better={"acc": True, "ppl": False}, weights=[2, 1])
    wide = t.to_wide(systems_in=systems_in)
    if systems_in == "rows":
        assert list(wide.index) == ["A", "B", "C"] and list(wide.columns) == ["acc", "ppl"]
    else:
        assert list(wide.columns) == ["A", "B", "C"] and list(wide.index) == ["acc", "ppl"]
    back = ScoreTable.from_wide(
        wide, systems_in=systems_in, higher_is_better={"acc": True, "ppl": False}, weights=[2, 1]
    )
    assert back == t


# ---------------------------------------------------------------------------- selection
def test_select_systems_by_name_and_glob_keeps_columns():
    t = ScoreTable(
        [[1.0], [2.0], [3.0], [4.0]],
        systems=["gpt-a", "gpt-b", "Human", "llama"],
        tasks=["x"],
        higher_is_better=False,
        weights=[3],
    )
    s = t.select_systems(exclude="Human")
    assert s.systems == ("gpt-a", "gpt-b", "llama")
    assert s.columns == t.columns  # directions and weights kept
    assert t.select_systems(include="gpt-*").systems == ("gpt-a", "gpt-b")
    assert t.select_systems(include=["gpt-*", "llama"], exclude="gpt-b").systems == ("gpt-a", "llama")
    np.testing.assert_array_equal(t.select_systems(include="gpt-*").scores, [[1.0], [2.0]])


def test_select_tasks_by_task_label_and_glob():
    t = ScoreTable(
        [[1.0, 2.0, 3.0], [2.0, 1.0, 0.0]],
        systems=["A", "B"],
        tasks=["MT", "MT", "qa"],
        metrics=["bleu", "ter", None],
        higher_is_better={"MT:ter": False, "*": True},
        weights=[1, 2, 3],
    )
    assert t.select_tasks(exclude="qa").labels == ("MT:bleu", "MT:ter")
    assert t.select_tasks(include="MT").labels == ("MT:bleu", "MT:ter")  # a task selects all its metrics
    one = t.select_tasks(exclude="MT:bleu")  # a label selects one column
    assert one.labels == ("MT", "qa")  # MT has one column left: plain task name
    assert one.columns[0].metric == "ter" and not one.columns[0].higher_is_better and one.columns[0].weight == 2
    assert t.select_tasks(include="*:*").labels == ("MT:bleu", "MT:ter")


# ---------------------------------------------------------------------------- missing policies
PARTIAL_SCORES = [[1.0, NAN, 5.0], [2.0, 3.0, 4.0], [0.5, 1.0, NAN], [3.0, 2.0, 1.0]]


def partial_table(missing="partial"):
    return ScoreTable(
        PARTIAL_SCORES, systems=["A", "B", "C", "D"], tasks=["x", "y", "z"], higher_is_better=True, missing=missing
    )


def test_missing_partial_keeps_every_score():
    t = partial_table()
    assert t.has_missing and t.systems == ("A", "B", "C", "D") and t.n_columns == 3
    assert (t.dropped_systems, t.dropped_tasks) == ((), ())
    np.testing.assert_array_equal(t.scores, PARTIAL_SCORES)


def test_missing_drop_systems_drops_and_records_systems_with_a_missing_score():
    t = partial_table("drop_systems")
    assert t.systems == ("B", "D") and t.dropped_systems == ("A", "C") and t.dropped_tasks == ()
    assert not t.has_missing
    assert repr(t) == "ScoreTable(2 systems x 3 task columns, missing='drop_systems', dropped 2 systems)"


def test_missing_drop_tasks_drops_and_records_tasks_with_a_missing_score():
    t = partial_table("drop_tasks")
    assert t.labels == ("x",) and t.dropped_tasks == ("y", "z") and t.dropped_systems == ()
    np.testing.assert_array_equal(t.scores[:, 0], [1.0, 2.0, 0.5, 3.0])


def test_missing_drop_tasks_also_drops_an_all_missing_column():
    t = ScoreTable(
        [[1.0, NAN], [2.0, NAN]], systems=["A", "B"], tasks=["x", "y"], higher_is_better=True, missing="drop_tasks"
    )
    assert t.labels == ("x",) and t.dropped_tasks == ("y",)


def test_complete_table_under_drop_policies_drops_nothing():
    for policy in ("drop_systems", "drop_tasks", "partial"):
        t = three_by_two(missing=policy)
        assert t.missing_policy == policy and t.n_systems == 3 and t.n_columns == 2
        assert t.dropped_systems == () and t.dropped_tasks == ()


@pytest.mark.parametrize(
    ("policy", "systems", "labels", "dropped_systems", "dropped_tasks"),
    [
        ("drop_systems", ("B", "D"), ("x", "y", "z"), ("A", "C"), ()),
        ("drop_tasks", ("A", "B", "C", "D"), ("x",), (), ("y", "z")),
        ("partial", ("A", "B", "C", "D"), ("x", "y", "z"), (), ()),
    ],
)
def test_with_missing_from_a_partial_table(policy, systems, labels, dropped_systems, dropped_tasks):
    t = partial_table().with_missing(policy)
    assert t.missing_policy == policy
    assert t.systems == systems and t.labels == labels
    assert t.dropped_systems == dropped_systems and t.dropped_tasks == dropped_tasks
    assert t == partial_table(policy)


def test_with_missing_raise_on_a_partial_table_names_the_missing_cells():
    with pytest.raises(ScoreTableError, match=pin("missing: 2 missing score(s), at ('A', 'y'), ('C', 'z')")):
        partial_table().with_missing("raise")


def test_selection_after_a_drop_keeps_the_record_of_what_was_dropped():
    t = partial_table("drop_systems").select_tasks(include="x")
    assert t.dropped_systems == ("A", "C") and t.missing_policy == "drop_systems"


# ---------------------------------------------------------------------------- every error of table.py
def make(scores, systems=("A", "B"), tasks=("x",), **kw):
    kw.setdefault("higher_is_better", True)
    return ScoreTable(scores, systems=list(systems), tasks=list(tasks), **kw)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"scores": [[1.0], [2.0]], "missing": "dorp_systems"},
            pin("missing='dorp_systems' is not a missing-value policy", "'partial'", "Did you mean 'drop_systems'?"),
        ),
        (
            {"scores": [["a"], [2.0]]},
            pin("scores: could not read the scores as numbers", "'a'", "pass a 2-D array of floats"),
        ),
        ({"scores": [1.0, 2.0]}, pin("scores: expected a 2-D array (systems x task columns), got 1 dimension(s).")),
        (
            {"scores": np.empty((0, 1)), "systems": []},
            pin("scores: the table is empty (0 systems x 1 task columns); give at least two systems and one task."),
        ),
        (
            {"scores": np.empty((2, 0)), "tasks": []},
            pin("scores: the table is empty (2 systems x 0 task columns)"),
        ),
        (
            {"scores": [[1.0], [2.0]], "systems": ["A"]},
            pin("systems: 1 names for 2 rows of scores; give one name per row."),
        ),
        (
            {"scores": [[1.0], [2.0]], "tasks": ["x", "y"]},
            pin("tasks: 2 names for 1 columns of scores; give one task per column."),
        ),
        (
            {"scores": [[1.0], [2.0]], "metrics": ["m", "n"]},
            pin("metrics: 2 metric names for 1 columns; give one per column."),
        ),
        (
            {"scores": [[1.0], [2.0], [3.0]], "systems": ["A", "B", "A"]},
            pin("systems: duplicate system names 'A'; system names must be unique."),
        ),
        (
            {"scores": [[1.0]], "systems": ["A"]},
            pin("systems: only 1 system ('A'); ranking needs at least two."),
        ),
        (
            {"scores": [[1.0, 2.0], [2.0, 1.0]], "tasks": ["x", "x"]},
            pin("tasks: task 'x' appears in 2 columns without metric names", "give each column a metric"),
        ),
        (
            {"scores": [[1.0, 2.0], [2.0, 1.0]], "tasks": ["x", "x"], "metrics": ["m", "m"]},
            pin("tasks: duplicate task columns 'x:m'; each (task, metric) pair must appear once."),
        ),
        (
            {"scores": [[1.0], [np.inf]]},
            pin("scores: infinite scores at ('B', 'x') = inf; replace them with finite numbers or NaN (missing)."),
        ),
        (
            {"scores": [[1.0, NAN], [2.0, NAN]], "tasks": ["x", "y"]},
            pin("scores: task column(s) 'y' have no score at all; remove them, or pass missing='drop_tasks'."),
        ),
        (
            {"scores": [[1.0, NAN], [2.0, NAN]], "tasks": ["x", "y"], "missing": "partial"},
            pin("scores: task column(s) 'y' have no score at all"),
        ),
        (
            {"scores": [[1.0, NAN], [NAN, 2.0], [1.0, 1.0]], "systems": ["A", "B", "C"], "tasks": ["x", "y"]},
            pin(  # dropping systems keeps one, dropping tasks keeps none: only partial ranks this table
                "missing: 2 missing score(s), at ('A', 'y'), ('B', 'x'); choose a policy: missing='partial' with a "
                "rule that accepts partial rankings",
                "(CLI: --missing POLICY).",
            ),
        ),
        (
            {"scores": [[1.0, NAN], [2.0, 1.0]], "tasks": ["x", "y"], "missing": "drop_systems"},
            pin(
                "missing='drop_systems' would leave 1 system(s) with every score (it drops 'A')",
                "use missing='drop_tasks' (drop task columns with a missing score) or 'partial' with a rule",
            ),
        ),
        (
            {"scores": [[1.0, NAN], [NAN, 2.0]], "tasks": ["x", "y"], "missing": "drop_tasks"},
            pin(  # A and B share no task: nothing can rank them
                "missing='drop_tasks' would drop every task column",
                "no missing-score policy leaves two systems that share a task or instance here",
            ),
        ),
        (
            {"scores": [[1.0, 2.0], [NAN, NAN], [3.0, 4.0]], "systems": "ABC", "tasks": "xy", "missing": "partial"},
            pin(
                "scores: system(s) 'B' have no score on any task; exclude them (exclude=...; CLI: --exclude NAME) or "
                "pass missing='drop_systems' (drop systems with a missing score) instead (CLI: --missing POLICY)."
            ),
        ),
        (
            {"scores": [[1.0, NAN], [2.0, NAN], [NAN, 4.0]], "systems": "ABC", "tasks": "xy", "missing": "partial"},
            pin("scores: system(s) 'C' share no task with any other system", "exclude them (exclude=...; CLI"),
        ),
        (
            {"scores": [[1.0], [2.0]], "higher_is_better": "yes"},
            pin("higher_is_better: expected True, False or a mapping {task: bool}, got 'yes'."),
        ),
        (
            {"scores": [[1.0], [2.0]], "higher_is_better": {"x": "maybe"}},
            pin("higher_is_better: the direction of task 'x' is 'maybe'; use True or False."),
        ),
        (
            {"scores": [[1.0], [2.0]], "higher_is_better": {"x": None}},
            pin("higher_is_better: the direction of task 'x' is None; use True or False."),
        ),
        (
            {"scores": [[1.0], [2.0]], "tasks": ["acc"], "higher_is_better": {"accc": True}},
            pin("higher_is_better: unknown task 'accc'. Did you mean 'acc'? The tasks are 'acc'."),
        ),
        (
            {"scores": [[1.0], [2.0]], "tasks": ["acc"], "higher_is_better": {"*loss*": False, "*": True}},
            pin("higher_is_better: unknown task '*loss*'."),
        ),
        (
            {"scores": [[1.0, 2.0], [2.0, 1.0]], "tasks": ["acc", "ppl"], "higher_is_better": None},
            pin(
                "higher_is_better: the direction of task(s) 'acc', 'ppl' is unknown and rankagg never guesses it",
                "higher_is_better=True or False",
                "(CLI: --higher-is-better / --lower-is-better TASK,...).",
            ),
        ),
        (
            {"scores": [[1.0, 2.0], [2.0, 1.0]], "tasks": ["acc", "ppl"], "higher_is_better": {"acc": True}},
            pin("the direction of task(s) 'ppl' is unknown"),
        ),
        (
            {"scores": [[1.0], [2.0]], "weights": [1, 2]},
            pin("weights: 2 weights for 1 task columns; give one per column or a mapping {task: weight}."),
        ),
        (
            {"scores": [[1.0], [2.0]], "weights": [0]},
            pin(
                "weights: the weight of task 'x' is 0; weights must be positive finite numbers",
                "to leave a task out, exclude it instead",
            ),
        ),
        ({"scores": [[1.0], [2.0]], "weights": {"x": -1.5}}, pin("weights: the weight of task 'x' is -1.5;")),
        ({"scores": [[1.0], [2.0]], "weights": [NAN]}, pin("weights: the weight of task 'x' is nan;")),
        ({"scores": [[1.0], [2.0]], "weights": [np.inf]}, pin("weights: the weight of task 'x' is inf;")),
        ({"scores": [[1.0], [2.0]], "weights": {"x": "two"}}, pin("weights: the weight of task 'x' is 'two';")),
        (
            {"scores": [[1.0], [2.0]], "tasks": ["qa"], "weights": {"qaa": 2}},
            pin("weights: unknown task 'qaa'. Did you mean 'qa'? The tasks are 'qa'."),
        ),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ScoreTableError, match=message):
        make(**kwargs)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d.to_dict(), {}, pin("data: expected a pandas DataFrame, got dict.")),
        (lambda d: d.iloc[:0], {}, pin("data: the table is empty (no rows); give at least two systems and one task.")),
        (
            lambda d: d.rename(columns={"task": "benchmark"}),
            {},
            pin(
                "task: no column 'task' in the data; its columns are 'system', 'benchmark'",
                "Pass task='<column name>' (CLI: --task-col).",
            ),
        ),
        (
            lambda d: d.rename(columns={"system": "systm"}),
            {},
            pin(
                "system: no column 'system' in the data",
                "Did you mean 'systm'? Pass system='<column name>' (CLI: --system-col).",
            ),
        ),
        (
            lambda d: d,
            {"score": "value"},
            pin("score: no column 'value' in the data", "Pass score='<column name>' (CLI: --score-col)."),
        ),
        (lambda d: d, {"metric": "measure"}, pin("metric: no column 'measure' in the data", "Pass metric=None")),
        (lambda d: d, {"direction": "dir"}, pin("direction: no column 'dir' in the data", "Pass direction=None")),
        (
            lambda d: d.assign(system=["A", "A", None, "B", "C", "C"]),
            {},
            pin("system: empty 'system' in row(s) 2; every row needs a system name."),
        ),
        (
            lambda d: d.assign(task=["qa", "mt", "qa", np.nan, "qa", "mt"]),
            {},
            pin("task: empty 'task' in row(s) 3; every row needs a task name."),
        ),
        (
            lambda d: d.assign(score=["71", "7O", 1, 2, 3, "x"]),
            {},
            pin(
                "score: non-numeric values in column 'score' at (row 1: '7O'), (row 5: 'x'); scores must be numbers",
                "leave the cell empty, or write NA, for a missing score",
            ),
        ),
        (
            lambda d: d.assign(score=[71, -np.inf, 1, 2, 3, 4]),
            {},
            pin("score: infinite values in column 'score' at (row 1: -inf); replace them with finite numbers"),
        ),
        (
            lambda d: d.assign(higher_is_better=[True, "maybe", True, 2, True, True]),
            {},
            pin(
                "direction: values in column 'higher_is_better' at (row 1: 'maybe'), (row 3: 2) are not a direction",
                "use True/False (or 'higher'/'lower').",
            ),
        ),
        (
            lambda d: d.assign(task="qa", metric=["acc", None, "f1", "acc", "f1", "acc"]),
            {},
            pin(
                "metric: row(s) 1 have no metric name, but other rows of the same task do; fill in column 'metric'",
                "(or drop it with metric=None).",
            ),
        ),
        (
            lambda d: d,
            {"metric": None, "metrics": "acc"},
            pin("metrics: the data has no metric column to select from; pass metric='<column name>'."),
        ),
        (
            lambda d: pd.concat([d, d.iloc[[0]]], ignore_index=True),
            {},
            pin("data: duplicate entries for ('A', 'qa', 'acc') in rows 0, 6; keep one row per (system, task, metric)"),
        ),
        (
            lambda d: pd.concat([d, d.iloc[[0, 3]]], ignore_index=True),
            {},
            pin("duplicate entries for ('A', 'qa', 'acc') in rows 0, 6 (and 1 more duplicated key(s))"),
        ),
        (
            lambda d: pd.concat([d, d.iloc[[1]]], ignore_index=True).drop(columns="metric"),
            {},
            pin("data: duplicate entries for ('A', 'mt') in rows 1, 6;"),
        ),
        (
            lambda d: d.assign(higher_is_better=[True, True, False, True, True, True]),
            {},
            pin(
                "direction: conflicting directions for task 'qa:acc': higher_is_better is True in rows 0, 4 "
                "and False in rows 2; a metric has one direction."
            ),
        ),
        (
            lambda d: d,
            {"higher_is_better": {"qa": False}},
            pin(
                "higher_is_better: you gave False for task 'qa' but the data says higher_is_better=True",
                "ignore its direction column (direction=None; CLI: --direction-col '') to use yours.",
            ),
        ),
        (
            lambda d: d,
            {"higher_is_better": False},
            pin("higher_is_better: you gave False for task 'qa'"),
        ),
        (
            lambda d: d,
            {"include": "A", "exclude": "A"},
            pin("include/exclude: no system is left after selection (include='A', exclude='A'); loosen the patterns."),
        ),
        (
            lambda d: d,
            {"include": "Z*"},
            pin(
                "include: 'Z*' matches no system; the systems are 'A', 'B', 'C'.",
                "Patterns use shell globs such as 'GPT-*' or '*Human*'.",
            ),
        ),
        (
            lambda d: d.replace({"C": "Osprey"}),
            {"exclude": "Osprye"},
            pin("exclude: 'Osprye' matches no system;", "Did you mean 'Osprey'?"),
        ),
        (
            lambda d: d,
            {"metrics": {"qq": "acc"}},
            pin("metrics: unknown task 'qq'. The tasks are 'qa', 'mt'."),
        ),
        (
            lambda d: d,
            {"metrics": {"qa": "accuracy"}},
            pin("metrics: task 'qa' has no metric 'accuracy'; its metrics are 'acc'."),
        ),
        (lambda d: d, {"metrics": "acc"}, pin("metrics: task 'mt' has no metric 'acc'; its metrics are 'bleu'.")),
        (
            lambda d: d,
            {"metrics": ["acc"]},
            pin("metrics: expected a metric name or a mapping {task: metric}, got ['acc']."),
        ),
        (
            lambda d: d,
            {"missing": "partal"},
            pin("missing='partal' is not a missing-value policy", "Did you mean 'partial'?"),
        ),
        (
            lambda d: d.assign(score=[71.0, NAN, 68.5, 33.0, 60.2, 25.0]),
            {},
            pin("missing: 1 missing score(s), at ('A', 'mt')", "choose a policy"),
        ),
    ],
)
def test_from_long_errors(change, kwargs, message):
    df = pd.DataFrame(
        {
            "system": ["A", "A", "B", "B", "C", "C"],
            "task": ["qa", "mt"] * 3,
            "metric": ["acc", "bleu"] * 3,
            "score": [71.0, 30.1, 68.5, 33.0, 60.2, 25.0],
            "higher_is_better": [True] * 6,
        }
    )
    with pytest.raises(ScoreTableError, match=message):
        ScoreTable.from_long(change(df), **kwargs)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ("dict", {"systems_in": "rows"}, pin("data: expected a pandas DataFrame, got dict.")),
        ("ok", {"systems_in": "row"}, pin("systems_in='row': say where the systems are, systems_in='rows' or")),
        ("ok", {"systems_in": None}, pin("systems_in=None: say where the systems are")),
        (
            "ok",
            {"systems_in": "rows", "system": "model"},
            pin(
                "system: no column 'model' in the data; its columns are 'qa', 'mt'.",
                "Pass system='<column name>', or leave it out to use the index.",
            ),
        ),
        (
            "empty",
            {"systems_in": "rows"},
            pin("data: the table is empty (0 rows x 2 columns); give at least two systems and one task."),
        ),
        (
            "ok",
            {"systems_in": "rows", "tasks": ["qa", "qaa"]},
            pin("tasks: no task 'qaa'. Did you mean 'qa'? The tasks are 'qa', 'mt'."),
        ),
        ("ok", {"systems_in": "rows", "tasks": "zz"}, pin("tasks: no task 'zz'. The tasks are 'qa', 'mt'.")),
        (
            "dup_cols",
            {"systems_in": "rows"},
            pin("data: duplicate task columns 'x'; task names must be unique."),
        ),
        (
            "dup_rows",
            {"systems_in": "rows"},
            pin("data: duplicate system rows 'A'; each system must appear once."),
        ),
        (
            "dup_rows",
            {"systems_in": "columns"},
            pin("data: duplicate task rows 'A'; task names must be unique."),
        ),
        (
            "dup_cols",
            {"systems_in": "columns"},
            pin("data: duplicate system columns 'x'; each system must appear once."),
        ),
        (
            "text_col",
            {"systems_in": "rows"},
            pin(
                "data: task column 'org' has non-numeric values for ('A': 'a'), ('B': 'b'), ('C': 'c'); fix them",
                "keep only numeric task columns (tasks=[...]).",
            ),
        ),
        (
            "text_row",
            {"systems_in": "columns"},
            pin("data: task row 'org' has non-numeric values for ('A': 'a')", "keep only numeric task rows"),
        ),
        (
            "ok",
            {"systems_in": "rows", "missing": "drop"},
            pin("missing='drop' is not a missing-value policy"),
        ),
        (
            "ok",
            {"systems_in": "rows", "include": "D"},
            pin("include: 'D' matches no system; the systems are 'A', 'B', 'C'."),
        ),
        ("ok", {"systems_in": "rows", "exclude": ["A", "B"]}, pin("systems: only 1 system ('C')")),
    ],
)
def test_from_wide_errors(data, kwargs, message):
    ok = pd.DataFrame({"qa": [71.0, 68.5, 60.0], "mt": [30.1, 33.0, 25.0]}, index=["A", "B", "C"])
    frames = {
        "ok": ok,
        "dict": ok.to_dict(),
        "empty": ok.iloc[:0],
        "dup_cols": pd.DataFrame([[1, 2], [3, 4]], columns=["x", "x"], index=["A", "B"]),
        "dup_rows": pd.DataFrame([[1, 2], [3, 4]], columns=["x", "y"], index=["A", "A"]),
        "text_col": ok.assign(org=["a", "b", "c"]),
        "text_row": ok.assign(org=["a", "b", "c"]).T,
    }
    kwargs.setdefault("higher_is_better", True)
    with pytest.raises(ScoreTableError, match=message):
        ScoreTable.from_wide(frames[data], **kwargs)


def test_conversion_and_selection_errors():
    t = three_by_two()
    with pytest.raises(ScoreTableError, match=pin("systems_in='cols': use 'rows' or 'columns'.")):
        t.to_wide(systems_in="cols")
    with pytest.raises(
        ScoreTableError, match=pin("include/exclude: 1 system(s) left after selection; ranking needs at least two.")
    ):
        t.select_systems(include="A")
    with pytest.raises(ScoreTableError, match=pin("exclude: 'D' matches no system; the systems are 'A', 'B', 'C'.")):
        t.select_systems(exclude="D")
    with pytest.raises(
        ScoreTableError, match=pin("include: 'ac' matches no task; the tasks are 'acc', 'ppl'. Did you mean 'acc'?")
    ):
        t.select_tasks(include="ac")
    with pytest.raises(ScoreTableError, match=pin("exclude: 'loss' matches no task")):
        t.select_tasks(exclude="loss")
    with pytest.raises(
        ScoreTableError,
        match=pin("include/exclude: no task column left after selection (include='acc', exclude='*'); loosen"),
    ):
        t.select_tasks(include="acc", exclude="*")
    with pytest.raises(ScoreTableError, match=pin("missing='partal' is not a missing-value policy", "'partial'")):
        t.with_missing("partal")


def test_as_table_points_dataframes_to_the_constructors():
    t = three_by_two()
    assert as_table(t) is t
    with pytest.raises(
        ScoreTableError,
        match=pin(
            "table: expected a rankagg.ScoreTable, got DataFrame.",
            "ScoreTable.from_long(df, ...)",
            "ScoreTable.from_wide(df, systems_in='rows', ...)",
        ),
    ):
        as_table(t.to_wide())
    with pytest.raises(ScoreTableError, match=r"^table: expected a rankagg.ScoreTable, got list\.$"):
        as_table([[1.0]])


def test_every_table_error_is_a_value_error():
    # callers can catch one type: ScoreTableError is a RankaggError is a ValueError
    with pytest.raises(ValueError):
        make([[1.0]], systems=["A"])


@pytest.mark.parametrize("text", ["", "NA", "n/a", "NaN", "null", "None", "-"])
def test_missing_score_spellings_are_missing_not_errors(text):
    df = pd.DataFrame({"system": ["A", "B", "C"], "task": ["qa"] * 3, "score": ["71", text, "60"]})
    t = ScoreTable.from_long(df, higher_is_better=True, missing="drop_systems")
    assert t.dropped_systems == ("B",) and t.scores[:, 0].tolist() == [71.0, 60.0]
