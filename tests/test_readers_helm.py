"""HELM helm-summarize group tables: a hand-written file in the documented format (tests/data/helm)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import rankagg
from rankagg.io import DataNoteWarning, ReaderError, read_helm
from tests.helpers import pin

DATA = Path(__file__).parent / "data" / "helm" / "core_scenarios.json"


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        return read_helm(*args, **kwargs)


def test_first_table_by_default_aggregate_left_out_with_a_warning():
    with pytest.warns(DataNoteWarning, match=pin("left out aggregate column(s) 'Mean win rate'")):
        frame = read_helm(DATA, as_frame=True)
    assert frame.attrs["notes"][0].startswith("read the first of 3 tables, accuracy (Accuracy)")
    assert list(dict.fromkeys(frame["task"])) == ["MMLU", "NarrativeQA", "GSM8K"]
    assert list(dict.fromkeys(frame["metric"])) == ["EM", "F1"]
    assert frame["higher_is_better"].all()
    falcon = frame[(frame["system"] == "Falcon (40B)") & (frame["task"] == "GSM8K")]
    assert np.isnan(falcon["score"].iloc[0])  # a cell without a value ("No matching runs") is missing
    assert set(frame["helm_table"]) == {"accuracy"}
    assert frame["description"].iloc[0].startswith("min=0.735")


def test_lower_is_better_columns_rank_the_lowest_first():
    table = quiet(DATA, table="Calibration")
    assert table.labels == ("MMLU", "NarrativeQA")
    assert [c.metric for c in table.columns] == ["ECE (10-bin)", "ECE (10-bin)"]
    assert not table.higher_is_better.any()
    assert rankagg.aggregate(table.select_tasks(include="MMLU"), rule="borda").ranking == [
        "GPT-4 (0613)",
        "Llama 2 (70B)",
        "Mistral v0.1 (7B)",
        "Falcon (40B)",
    ]


def test_columns_without_a_direction_are_left_out_with_a_note():
    with pytest.warns(
        DataNoteWarning,
        match=pin("left out 2 column(s) without a direction", "'MMLU - # eval', 'MMLU - # train'"),
    ):
        table = read_helm(DATA, table="efficiency")
    assert table.labels == ("MMLU",)
    assert rankagg.aggregate(table, rule="borda").ranking[0] == "Mistral v0.1 (7B)"  # fastest, 0.301 s
    assert quiet(DATA, table=2) == table


def test_keep_aggregate_columns_and_partial_table():
    t = quiet(DATA, keep_aggregate_columns=True, missing="partial")
    assert t.labels[0] == "Mean win rate"
    assert t.has_missing


def test_single_table_object_and_header_without_metadata(tmp_path):
    tab = {
        "title": "Scenario",
        "header": [
            {"value": "Model"},
            {"value": "QA - F1", "lower_is_better": False},
            {"value": "Toxicity", "lower_is_better": True},
        ],
        "rows": [[{"value": "a"}, {"value": 0.5}, {"value": 0.1}], [{"value": "b"}, {"value": "0.7"}, {"value": 0.3}]],
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(tab))
    t = read_helm(path)
    assert [(c.task, c.metric, c.higher_is_better) for c in t.columns] == [
        ("QA", "F1", True),
        ("Toxicity", None, False),
    ]


# ------------------------------------------------------------------------------------------------ errors
def write(tmp_path: Path, obj: object) -> Path:
    path = tmp_path / "group.json"
    path.write_text(json.dumps(obj))
    return path


def test_errors_name_the_file_the_table_and_the_field(tmp_path):
    with pytest.raises(ReaderError, match=pin("table='robustness': no table of that name or title", "accuracy")):
        read_helm(DATA, table="robustness")
    with pytest.raises(ReaderError, match=pin("table=7: the file has 3 tables")):
        read_helm(DATA, table=7)
    p = write(tmp_path, {"tables": []})
    with pytest.raises(ReaderError, match=pin(f"{p}: expected a HELM group file: a JSON list of tables")):
        read_helm(p)
    p = write(tmp_path, [{"title": "T", "header": [{"value": "Model"}]}])
    with pytest.raises(ReaderError, match=pin("table [0] ('T') has no list field 'rows'")):
        read_helm(p)
    head = [{"value": "Model"}, {"value": "X - EM", "lower_is_better": False}]
    p = write(tmp_path, [{"title": "T", "header": head, "rows": [[{"value": "a"}]]}])
    with pytest.raises(ReaderError, match=pin("table 'T': row [0] has 1 cells for 2 header cells")):
        read_helm(p)
    p = write(tmp_path, [{"title": "T", "header": head, "rows": [[{"value": "a"}, {"value": "high"}]]}])
    with pytest.raises(ReaderError, match=pin("the cell of 'a' in column 'X - EM' has value 'high', not a number")):
        read_helm(p)
    p = write(tmp_path, [{"title": "T", "header": head, "rows": [[{"markdown": False}, {"value": 1}]]}])
    with pytest.raises(ReaderError, match=pin("row [0] has no model name in its first cell's 'value'")):
        read_helm(p)
    p = write(tmp_path, [{"title": "T", "header": [{"value": "Model"}, {"value": "# eval"}], "rows": []}])
    with pytest.raises(ReaderError, match=pin("has no column with a direction (lower_is_better) to rank")):
        quiet(p)
    with pytest.raises(ReaderError, match=pin("give a HELM group file", "not a directory")):
        read_helm(tmp_path)
