"""read_table / read_frame on real files in every supported format, and every error message of io/files.py."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from rankagg import RankaggError, ScoreTable, ScoreTableError, read_table
from rankagg.io import read_frame
from tests.helpers import pin

LONG = pd.DataFrame(
    {
        "system": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
        "task": ["qa", "mt", "ppl"] * 3,
        "metric": ["acc", "bleu", "ppl"] * 3,
        "score": [71.0, 30.1, 12.5, 68.5, 33.0, 10.0, 60.2, 25.0, 11.0],
        "higher_is_better": [True, True, False] * 3,
    }
)
WIDE = pd.DataFrame({"qa": [71.0, 68.5, 60.2], "mt": [30.1, 33.0, 25.0]}, index=pd.Index(["A", "B", "C"], name="model"))


@pytest.fixture
def expected_long():
    return ScoreTable.from_long(LONG)


@pytest.fixture
def expected_wide():
    return ScoreTable.from_wide(WIDE, systems_in="rows", higher_is_better=True)


# ---------------------------------------------------------------------------- long files
def test_long_csv(tmp_path, expected_long):
    path = tmp_path / "scores.csv"
    LONG.to_csv(path, index=False)
    t = read_table(path)
    assert t == expected_long
    assert t.labels == ("qa", "mt", "ppl") and t.higher_is_better.tolist() == [True, True, False]
    assert read_table(str(path)) == expected_long  # str paths too


def test_long_csv_with_custom_column_names(tmp_path, expected_long):
    path = tmp_path / "scores.csv"
    LONG.rename(columns={"system": "model", "task": "benchmark", "score": "value", "higher_is_better": "hib"}).to_csv(
        path, index=False
    )
    t = read_table(path, system="model", task="benchmark", score="value", direction="hib")
    assert t == expected_long


def test_long_csv_with_spaces_and_empty_cells_as_missing(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("system, task, score\nA, x, 1.5\nB, x,\nC, x, 3\nA, y, 2\nB, y, 1\nC, y, 0\n")
    t = read_table(path, higher_is_better=True, missing="partial")
    assert t.systems == ("A", "B", "C") and t.labels == ("x", "y")
    np.testing.assert_array_equal(t.scores, [[1.5, 2.0], [np.nan, 1.0], [3.0, 0.0]])
    assert read_table(path, higher_is_better=True, missing="drop_systems").dropped_systems == ("B",)


def test_long_file_options_pass_through(tmp_path):
    path = tmp_path / "scores.csv"
    LONG.to_csv(path, index=False)
    t = read_table(path, tasks=["qa", "ppl"], exclude="C", weights={"qa": 2})
    assert t.labels == ("qa", "ppl") and t.systems == ("A", "B")
    np.testing.assert_array_equal(t.weights, [2.0, 1.0])
    assert read_table(path, tasks="mt").labels == ("mt",)
    assert read_table(path, metrics={"qa": "acc"}).n_columns == 3


def test_tsv(tmp_path, expected_long):
    path = tmp_path / "scores.tsv"
    LONG.to_csv(path, index=False, sep="\t")
    assert read_table(path) == expected_long


def test_gzip_csv(tmp_path, expected_long):
    path = tmp_path / "scores.csv.gz"
    with gzip.open(path, "wt") as fh:
        LONG.to_csv(fh, index=False)
    assert read_table(path) == expected_long


def test_parquet_long_and_wide(tmp_path, expected_long, expected_wide):
    pytest.importorskip("pyarrow")
    LONG.to_parquet(tmp_path / "long.parquet")
    assert read_table(tmp_path / "long.parquet") == expected_long
    # a wide frame written with its systems in the index: the index is data, not dropped
    WIDE.to_parquet(tmp_path / "wide.pq")
    t = read_table(tmp_path / "wide.pq", systems_in="rows", higher_is_better=True)
    assert t == expected_wide and t.systems == ("A", "B", "C")


def test_json_list_of_records(tmp_path, expected_long):
    path = tmp_path / "scores.json"
    path.write_text(json.dumps(LONG.to_dict(orient="records")))
    assert read_table(path) == expected_long


def test_json_mapping_of_columns(tmp_path, expected_long):
    path = tmp_path / "scores.json"
    path.write_text(json.dumps(LONG.to_dict(orient="list")))
    assert read_table(path) == expected_long


def test_json_mapping_of_rows_wide(tmp_path, expected_wide):
    path = tmp_path / "scores.json"
    path.write_text(json.dumps(WIDE.to_dict(orient="index")))  # {system: {task: score}}
    assert read_table(path, systems_in="rows", higher_is_better=True) == expected_wide
    # and the other orientation: {task: {system: score}}
    path.write_text(json.dumps(WIDE.to_dict(orient="dict")))
    assert read_table(path, systems_in="columns", higher_is_better=True) == expected_wide


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_json_lines(tmp_path, expected_long, suffix):
    path = tmp_path / f"scores{suffix}"
    LONG.to_json(path, orient="records", lines=True)
    assert read_table(path) == expected_long


def test_format_overrides_the_extension(tmp_path, expected_long):
    path = tmp_path / "scores.txt"
    LONG.to_csv(path, index=False, sep="\t")
    assert read_table(path, format="tsv") == expected_long


# ---------------------------------------------------------------------------- wide files
def test_wide_csv_systems_in_rows(tmp_path, expected_wide):
    path = tmp_path / "wide.csv"
    WIDE.to_csv(path)  # first column "model" holds the systems
    assert read_table(path, systems_in="rows", higher_is_better=True) == expected_wide


def test_wide_csv_with_index_col_not_first(tmp_path, expected_wide):
    path = tmp_path / "wide.csv"
    WIDE.reset_index()[["qa", "model", "mt"]].to_csv(path, index=False)
    t = read_table(path, systems_in="rows", index_col="model", higher_is_better=True)
    assert t == expected_wide


def test_wide_csv_systems_in_columns(tmp_path, expected_wide):
    path = tmp_path / "wide.csv"
    WIDE.T.rename_axis("task").to_csv(path)  # task,A,B,C
    assert path.read_text().splitlines()[0] == "task,A,B,C"
    assert read_table(path, systems_in="columns", higher_is_better=True) == expected_wide


def test_wide_file_selection_and_explicit_layout(tmp_path):
    path = tmp_path / "wide.csv"
    WIDE.to_csv(path)
    t = read_table(path, layout="wide", systems_in="rows", tasks=["mt"], higher_is_better=False, include="[AB]")
    assert t.labels == ("mt",) and t.systems == ("A", "B") and not t.higher_is_better.any()


def test_layout_long_wins_over_systems_in_when_stated(tmp_path, expected_long):
    path = tmp_path / "scores.csv"
    LONG.to_csv(path, index=False)
    assert read_table(path, layout="long", systems_in="rows") == expected_long


def test_read_frame_returns_the_file_as_stored(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("system , score\nA, 1.50\nB,NA\n")
    df = read_frame(path)
    assert list(df.columns) == ["system", "score"]  # names stripped
    assert df["score"].tolist() == ["1.50", "NA"]  # text kept as text: validation is the table's job


# ---------------------------------------------------------------------------- every error of io/files.py
def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(RankaggError, match=pin(f"path: no such file {str(path)!r}.")):
        read_table(path)


def test_directory(tmp_path):
    with pytest.raises(RankaggError, match=pin(f"path: {str(tmp_path)!r} is a directory; give a score file")):
        read_table(tmp_path)


def test_unknown_extension(tmp_path):
    for name, ext in (("scores.xlsx", "'.xlsx'"), ("scores", "'(none)'")):
        path = tmp_path / name
        path.write_text("a,b\n")
        with pytest.raises(
            RankaggError,
            match=pin(
                f"{path}: cannot tell the file format from its extension {ext}",
                "pass format= one of csv, tsv, parquet, json, jsonl (CLI: --input-format).",
            ),
        ):
            read_table(path)


def test_bad_format_and_layout_names(tmp_path):
    path = tmp_path / "scores.csv"
    LONG.to_csv(path, index=False)
    with pytest.raises(
        RankaggError, match=pin("format='jsn': use one of csv, tsv, parquet, json, jsonl.", "Did you mean 'json'?")
    ):
        read_table(path, format="jsn")
    with pytest.raises(RankaggError, match=pin("layout='tall': use 'auto', 'long' or 'wide'.")):
        read_table(path, layout="tall")


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("empty.csv", "", "CSV"),
        ("bad.csv", 'a,b\n"x,1\n', "CSV"),
        ("bad.json", '{"a": 1', "JSON"),
        ("bad.jsonl", "not json\n", "JSONL"),
        ("bad.parquet", "not parquet", "PARQUET"),
    ],
)
def test_unparsable_files(tmp_path, name, content, fmt):
    if fmt == "PARQUET":
        pytest.importorskip("pyarrow")
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(RankaggError, match=pin(f"{path}: could not read it as {fmt} (")):
        read_table(path)


def test_header_only_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("system,task,score\n")
    with pytest.raises(ScoreTableError, match=pin(f"{path}: the file has no rows of scores.")):
        read_table(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "a JSON score file must be a list of objects (one per row)."),
        ("[]", "a JSON score file must be a list of objects (one per row)."),
        (
            '"text"',
            "unrecognised JSON layout; use a list of row objects, a mapping of columns to lists, or a "
            "mapping {row name: {column: value}}.",
        ),
        ('{"a": 1, "b": 2}', "unrecognised JSON layout"),
    ],
)
def test_json_layout_errors(tmp_path, content, message):
    path = tmp_path / "scores.json"
    path.write_text(content)
    with pytest.raises(RankaggError, match=pin(f"{path}: {message}")):
        read_table(path)


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    path = tmp_path / "scores.parquet"
    path.write_bytes(b"PAR1")

    def no_pyarrow(*args, **kwargs):
        raise ImportError("Missing optional dependency 'pyarrow'")

    monkeypatch.setattr(pd, "read_parquet", no_pyarrow)
    with pytest.raises(
        RankaggError,
        match=pin(f"{path}: reading Parquet needs pyarrow; install it with", "pip install 'rankagg[parquet]'"),
    ):
        read_table(path)


def test_layout_ambiguity_errors(tmp_path):
    long_path = tmp_path / "long.csv"
    LONG.to_csv(long_path, index=False)
    with pytest.raises(
        RankaggError,
        match=pin(
            f"{long_path}: the file has the columns of a long table (system, task, score) but systems_in was "
            "given, which is for wide tables; say which it is with layout='long' or layout='wide' "
            "(CLI: --layout)."
        ),
    ):
        read_table(long_path, systems_in="rows")
    wide_path = tmp_path / "wide.csv"
    WIDE.to_csv(wide_path)
    with pytest.raises(
        RankaggError,
        match=pin(
            f"{wide_path}: cannot tell whether this table is long or wide: it has no column(s) 'system', "
            "'task', 'score' of a long table",
            "systems_in='rows' or 'columns' (CLI: --systems-in rows|columns)",
            "(CLI: --system-col, --task-col, --score-col).",
        ),
    ):
        read_table(wide_path)
    # a long file with one column named otherwise lists only that one
    LONG.rename(columns={"score": "value"}).to_csv(long_path, index=False)
    with pytest.raises(RankaggError, match=pin("it has no column(s) 'score' of a long table")):
        read_table(long_path)
    with pytest.raises(
        RankaggError,
        match=pin(f"{wide_path}: for a wide table say where the systems are: systems_in='rows' or 'columns'"),
    ):
        read_table(wide_path, layout="wide")


def test_long_file_task_selection_errors(tmp_path):
    path = tmp_path / "scores.csv"
    LONG.to_csv(path, index=False)
    with pytest.raises(
        ScoreTableError,
        match=pin(f"tasks: no task 'qaa' in {path}. Did you mean 'qa'? The tasks are 'mt', 'ppl', 'qa'."),
    ):
        read_table(path, tasks=["qa", "qaa"])
    with pytest.raises(
        ScoreTableError,
        match=pin(
            f"task: no column 'benchmark' in {path}; its columns are 'system', 'task'",
            "Pass task='<column name>' (CLI: --task-col).",
        ),
    ):
        read_table(path, layout="long", task="benchmark", tasks=["qa"])


def test_wide_file_errors(tmp_path):
    path = tmp_path / "wide.csv"
    WIDE.to_csv(path)
    with pytest.raises(RankaggError, match=pin("metrics: selecting metrics needs a long table with a metric column.")):
        read_table(path, systems_in="rows", metrics="acc", higher_is_better=True)
    with pytest.raises(
        RankaggError,
        match=pin(
            f"index_col: no column 'modl' in {path}; its columns are 'model', 'qa', 'mt'.", "Did you mean 'model'?"
        ),
    ):
        read_table(path, systems_in="rows", index_col="modl", higher_is_better=True)


def test_wide_file_with_a_non_numeric_column_names_it(tmp_path):
    path = tmp_path / "wide.csv"
    WIDE.assign(team=["x", "y", "z"]).to_csv(path)
    with pytest.raises(
        ScoreTableError,
        match=pin(
            "data: task column 'team' has non-numeric values for ('A': 'x'), ('B': 'y'), ('C': 'z')",
            "keep only numeric task columns (tasks=[...]).",
        ),
    ):
        read_table(path, systems_in="rows", higher_is_better=True)
    # the fix the message gives works
    assert read_table(path, systems_in="rows", higher_is_better=True, tasks=["qa", "mt"]).labels == ("qa", "mt")


def test_wide_file_with_an_empty_row_name(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("model,qa,mt\nA,71,30.1\n,68.5,33\nC,60,25\n")
    with pytest.raises(
        ScoreTableError,
        match=pin(
            f"{path}: empty row name in column 'model' at line(s) 3; give every row a name",
            "index_col= (CLI: --index-col).",
        ),
    ):
        read_table(path, systems_in="rows", higher_is_better=True)


def test_table_errors_surface_unchanged(tmp_path):
    path = tmp_path / "scores.csv"
    LONG.assign(score=LONG["score"].astype(object).where(LONG.index != 4, "oops")).to_csv(path, index=False)
    # the frame's row 4 is line 6 of the file (after the header): the message says where to look
    with pytest.raises(
        ScoreTableError, match=pin(f"{path}: score: non-numeric values in column 'score' at (line 6: 'oops')")
    ):
        read_table(path)
