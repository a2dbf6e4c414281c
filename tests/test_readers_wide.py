"""Wide leaderboard tables: compound cells, aggregate and label columns, orientation, errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rankagg.io import DataNoteWarning, ReaderError, read_frame, read_wide
from tests.helpers import pin

RAW_TABLES = "raw/github/PragmaticsLab/vote_and_rank/6d9cbe37600ada4ff2e448a6cac87098a46f32a6/tables"
GLUE_COMPOUND = {"MRPC": ("f1", "accuracy"), "STS-B": ("pearson", "spearman"), "QQP": ("f1", "accuracy")}
GLUE_SINGLE = {
    "CoLA": "matthews_corr",
    "SST-2": "accuracy",
    "MNLI-m": "accuracy",
    "MNLI-mm": "accuracy",
    "QNLI": "accuracy",
    "RTE": "accuracy",
    "WNLI": "accuracy",
    "AX": "matthews_corr",
}


def frame_of(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])


def team_names(df: pd.DataFrame) -> pd.DataFrame:
    """System names as in the tidy file: 'Model [Team]', repeated names suffixed ' (rank N)'."""
    team = df["Name"].fillna("").str.strip()
    names = pd.Series(
        [f"{m.strip()} [{t}]" if t else m.strip() for m, t in zip(df["Model"], team, strict=True)], index=df.index
    )
    dup = names.duplicated(keep=False)
    names[dup] = [f"{n} (rank {r})" for n, r in zip(names[dup], df["Rank"][dup], strict=True)]
    out = df.copy()
    out.insert(0, "system", names)
    return out


def assert_same_scores(frame: pd.DataFrame, tidy: pd.DataFrame) -> None:
    m = tidy.merge(frame, on=["system", "task", "metric"], how="outer", indicator=True, suffixes=("_t", "_r"))
    assert (m["_merge"] == "both").all()
    a, b = m["score_t"].to_numpy(float), m["score_r"].to_numpy(float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)])


# ------------------------------------------------------------------------------------------------ real tables
def test_raw_glue_table_gives_the_tidy_scores(datasets_dir):
    raw = read_frame(datasets_dir / RAW_TABLES / "leaderboards - GLUE.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_wide(
            team_names(raw),
            systems_in="rows",
            system="system",
            split_compound=GLUE_COMPOUND,
            metric_names=GLUE_SINGLE,
            higher_is_better=True,
            as_frame=True,
        )
    tidy = pd.read_csv(datasets_dir / "glue_superglue_value" / "glue.csv")
    assert_same_scores(frame, tidy)
    assert frame["system"].nunique() == 100 and len(frame) == 1400
    assert int(frame["score"].isna().sum()) == 3
    # nothing left out silently: the aggregate, label and empty columns are reported
    messages = [str(w.message) for w in caught if issubclass(w.category, DataNoteWarning)]
    assert any("left out 2 aggregate column(s) 'Rank', 'Score' (detected by name" in m for m in messages)
    assert any("kept column(s) 'Name', 'Model' as labels" in m for m in messages)
    assert any("left out empty column(s) 'URL'" in m for m in messages)
    assert frame.attrs["notes"] == [m.split(": ", 1)[1] for m in messages]
    # the official average stays next to the scores
    ernie = frame[frame["system"] == "ERNIE [ERNIE Team - Baidu]"]
    assert set(ernie["Score"]) == {"91.1"}
    assert ernie.loc[ernie["task"] == "MRPC", "cell"].tolist() == ["93.9/91.8", "93.9/91.8"]


def test_raw_glue_table_as_score_table(datasets_dir):
    raw = read_frame(datasets_dir / RAW_TABLES / "leaderboards - GLUE.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        table = read_wide(
            team_names(raw), systems_in="rows", split_compound=GLUE_COMPOUND, higher_is_better=True, missing="partial"
        )
    assert (table.n_systems, table.n_columns) == (100, 14)
    assert table.labels[:5] == ("CoLA", "SST-2", "MRPC:f1", "MRPC:accuracy", "STS-B:pearson")
    machamp = table.to_wide().loc["MaChAmp (bert-large, single task) [rob van der goot]"]
    assert np.isnan(machamp["STS-B:pearson"]) and machamp["STS-B:spearman"] == 99.8  # the cell was 'NaN/99.8'


def test_raw_superglue_table_gives_the_tidy_scores(datasets_dir):
    raw = read_frame(datasets_dir / RAW_TABLES / "leaderboards - SuperGLUE.csv")
    raw = raw[raw["Model"] != "Outside Best"].reset_index(drop=True)  # best published scores, not a system
    frame = read_wide(
        team_names(raw),
        systems_in="rows",
        system="system",
        split_compound={
            "CB": ("f1", "accuracy"),
            "MultiRC": ("f1a", "exact_match"),
            "ReCoRD": ("f1", "exact_match"),
            "AX-g": ("gender_parity", "accuracy"),
        },
        metric_names={"BoolQ": "accuracy", "COPA": "accuracy", "RTE": "accuracy", "WiC": "accuracy"}
        | {"WSC": "accuracy", "AX-b": "matthews_corr"},
        aggregate_columns=["Rank", "Score"],
        label_columns=["Name", "Model", "URL"],
        as_frame=True,
    )
    assert_same_scores(frame, pd.read_csv(datasets_dir / "glue_superglue_value" / "superglue.csv"))
    assert frame["system"].nunique() == 23


# ------------------------------------------------------------------------------------------------ behaviour
RAW = "Model,Score,CoLA,MRPC,URL\nA,80.1,60.5,90.1/86.0,\nB,79.0,58.0,-,\nC,70.2,40.0,85.0/80.5,\n"


def test_explicit_choices_are_recorded_but_not_warned():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNoteWarning)
        frame = read_wide(
            frame_of(RAW),
            systems_in="rows",
            split_compound={"MRPC": ("f1", "accuracy")},
            aggregate_columns=["Score"],
            label_columns=["URL"],
            as_frame=True,
        )
    assert frame.attrs["notes"] == [
        "left out 1 aggregate column(s) 'Score' (named by you; official averages or ranks, not tasks); pass "
        "keep_aggregate_columns=True to rank them too, or aggregate_columns=[...] to name them yourself."
    ]
    assert list(frame.columns[:8]) == [
        "system",
        "task",
        "metric",
        "score",
        "higher_is_better",
        "column",
        "cell",
        "source_file",
    ]


def test_default_part_names_and_keep_aggregate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        t = read_wide(
            frame_of(RAW), systems_in="rows", split_compound=True, keep_aggregate_columns=True,
            higher_is_better=True, missing="partial",
        )  # fmt: skip
    assert t.labels == ("Score", "CoLA", "MRPC:part1", "MRPC:part2")


def test_systems_in_columns_is_transposed():
    text = "task,A,B,C\nqa,1.0,2.0,3.0\nAverage,1.0,2.0,3.0\nmt,30/40,20/50,10/60\n"
    with pytest.warns(DataNoteWarning, match=pin("left out 1 aggregate row(s) 'Average'")):
        t = read_wide(frame_of(text), systems_in="columns", split_compound=True, higher_is_better=True)
    assert t.systems == ("A", "B", "C")
    assert t.labels == ("qa", "mt:part1", "mt:part2")
    assert t.to_wide().loc["B", "mt:part2"] == 50.0


def test_direction_mapping_and_metric_selection():
    t = read_wide(
        frame_of("m,acc,ppl\nA,0.5,10\nB,0.6,12\n"),
        systems_in="rows",
        higher_is_better={"acc": True, "ppl": False},
    )
    assert list(t.higher_is_better) == [True, False]
    t2 = read_wide(
        frame_of(RAW), systems_in="rows", split_compound={"MRPC": ("f1", "accuracy")}, aggregate_columns=["Score"],
        label_columns=["URL"], metrics={"MRPC": "f1"}, higher_is_better=True, missing="partial",
    )  # fmt: skip
    assert t2.labels == ("CoLA", "MRPC")


def test_named_tasks_leave_the_rest_out_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNoteWarning)
        frame = read_wide(frame_of(RAW), systems_in="rows", tasks=["CoLA"], as_frame=True)
    assert set(frame["task"]) == {"CoLA"}
    assert frame.attrs["notes"][0] == "left out column(s) 'MRPC', 'URL' (not in tasks=[...])."
    assert "left out 1 aggregate column(s) 'Score' (detected by name" in frame.attrs["notes"][1]


def test_reads_files(tmp_path: Path):
    path = tmp_path / "board.csv"
    path.write_text(RAW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        frame = read_wide(path, systems_in="rows", split_compound=True, as_frame=True)
    assert set(frame["source_file"]) == {str(path)}


# ------------------------------------------------------------------------------------------------ errors
def test_compound_cells_need_metric_names():
    with pytest.raises(
        ReaderError,
        match=pin(
            "data: column 'MRPC' holds compound cells such as '90.1/86.0'",
            "split_compound={'MRPC': ('metric1', 'metric2')}",
            "split_compound=True",
            "(CLI: --split-compound)",
        ),
    ):
        read_wide(frame_of(RAW), systems_in="rows", aggregate_columns=["Score"])


def test_compound_part_count_and_non_numbers():
    bad = "m,MRPC\nA,90.1/86.0/1.0\nB,80/70\n"
    with pytest.raises(
        ReaderError, match=pin("the cell of 'A' in column 'MRPC' is '90.1/86.0/1.0': 3 part(s) where split_compound")
    ):
        read_wide(frame_of(bad), systems_in="rows", split_compound={"MRPC": ("f1", "accuracy")})
    with pytest.raises(ReaderError, match=pin("split_compound['MRPC'] = ('f1',); give two or more metric names")):
        read_wide(frame_of(bad), systems_in="rows", split_compound={"MRPC": ("f1",)})
    junk = "m,MRPC,QA\nA,90/80,1.0\nB,80/x7,2.0\n"
    with pytest.raises(
        ReaderError, match=pin("the cell of 'B' in column 'MRPC' is '80/x7': 'x7' is not a number", "na_values")
    ):
        read_wide(frame_of(junk), systems_in="rows", split_compound=True)
    junk2 = "m,QA,MT\nA,1.0,2.0\nB,n.a.,3.0\nC,2.0,1.0\n"
    with pytest.raises(
        ReaderError, match=pin("the cell of 'B' in task column 'QA' is 'n.a.', not a number", "add it to na_values")
    ):
        read_wide(frame_of(junk2), systems_in="rows")
    assert read_wide(frame_of(junk2), systems_in="rows", na_values=["n.a."], as_frame=True)["score"].isna().sum() == 1


def test_name_errors():
    with pytest.raises(ReaderError, match=pin("data: system: no column 'Modle'", "Did you mean 'Model'?")):
        read_wide(frame_of(RAW), systems_in="rows", system="Modle")
    with pytest.raises(ReaderError, match=pin("data: aggregate_columns: no column 'Scores'", "Did you mean 'Score'?")):
        read_wide(frame_of(RAW), systems_in="rows", aggregate_columns=["Scores"])
    with pytest.raises(ReaderError, match=pin("data: split_compound: no column 'MRCP'", "Did you mean 'MRPC'?")):
        read_wide(frame_of(RAW), systems_in="rows", split_compound={"MRCP": ("a", "b")})
    with pytest.raises(ReaderError, match=pin("systems_in='sideways': say where the systems are")):
        read_wide(frame_of(RAW), systems_in="sideways")  # type: ignore[arg-type]


def test_duplicate_and_empty_system_names():
    with pytest.raises(
        ReaderError, match=pin("data: duplicate system names 'A'; each system must appear once", "' (rank N)' suffix")
    ):
        read_wide(frame_of("m,x\nA,1\nA,2\nB,3\n"), systems_in="rows")
    with pytest.raises(ReaderError, match=pin("data: empty system name in column 'm' at row(s) 1")):
        read_wide(frame_of("m,x\nA,1\n,2\nB,3\n"), systems_in="rows")


def test_empty_names_in_files_point_at_the_line(tmp_path):
    path = tmp_path / "board.csv"
    path.write_text("m,x\nA,1\n,2\nB,3\n")
    with pytest.raises(ReaderError, match=pin(f"{path}: empty system name in column 'm' at line(s) 3")):
        read_wide(path, systems_in="rows")
    path.write_text("task,A,B\nqa,1,2\n,3,4\n")
    with pytest.raises(ReaderError, match=pin(f"{path}: empty task name in column 'task' at line(s) 3")):
        read_wide(path, systems_in="columns")


def test_no_task_left():
    with pytest.raises(ReaderError, match=pin("data: no task column left: aggregate 'Score'", "tasks=[...]")):
        read_wide(frame_of("m,Score,team\nA,1,x\nB,2,y\n"), systems_in="rows")
