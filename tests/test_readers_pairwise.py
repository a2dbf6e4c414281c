"""Instance-level and pairwise readers: AlpacaEval annotations and battle logs (hand-written files, tests/data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rankagg.io import DataNoteWarning, ReaderError, read_alpaca_eval_annotations, read_battles
from rankagg.io.pairwise import instance_id
from tests.helpers import pin

DATA = Path(__file__).parent / "data"


def test_annotations_directory_to_instance_level_frame():
    with pytest.warns(DataNoteWarning, match=pin("1 annotation(s) with a null preference kept as missing scores")):
        frame = read_alpaca_eval_annotations(DATA / "alpaca_eval")
    assert list(frame.columns) == [
        "system",
        "task",
        "instance",
        "metric",
        "score",
        "higher_is_better",
        "baseline",
        "annotator",
        "preference",
        "source_file",
    ]
    assert sorted(set(frame["system"])) == ["my-model", "other-model"]
    assert set(frame["baseline"]) == {"gpt4_1106_preview"}
    assert set(frame["metric"]) == {"win_prob_vs_baseline"} and frame["higher_is_better"].all()
    mine = frame[frame["system"] == "my-model"].set_index("task")["score"]
    assert mine["helpful_base"] == pytest.approx(0.8731)
    assert mine["oasst"] == 0.5  # preference 1.5: a draw
    assert np.isnan(mine["koala"])  # null preference
    other = frame[frame["system"] == "other-model"].set_index("task")["score"]
    assert other["oasst"] == 0.5  # preference 0: a draw too
    assert other["helpful_base"] == 1.0 and other["koala"] == 0.0
    assert frame["instance"].iloc[0] == instance_id("How do I make escargot?")
    assert frame["instance"].str.match(r"^ae_[0-9a-f]{10}$").all()
    assert frame.groupby("instance")["system"].nunique().eq(2).all()  # the same prompts for both models


def write(tmp_path: Path, records: object) -> Path:
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(records))
    return path


REC = {"instruction": "hi", "generator_1": "base", "generator_2": "m", "dataset": "d", "preference": 2.0}


def test_annotation_errors(tmp_path):
    p = write(tmp_path, {"instruction": "hi"})
    with pytest.raises(ReaderError, match=pin(f"{p}: expected a JSON list of annotation records")):
        read_alpaca_eval_annotations(p)
    p = write(tmp_path, [{**REC, "generator_2": ""}])
    with pytest.raises(ReaderError, match=pin("record [0] has no 'generator_2' (a non-empty string)")):
        read_alpaca_eval_annotations(p)
    p = write(tmp_path, [{k: v for k, v in REC.items() if k != "preference"}])
    with pytest.raises(ReaderError, match=pin("record [0] has no 'preference' field (1 = baseline wins")):
        read_alpaca_eval_annotations(p)
    p = write(tmp_path, [{**REC, "preference": 3}])
    with pytest.raises(ReaderError, match=pin("record [0]: 'preference' is 3; it must be in [1, 2]", "1.5 = draw")):
        read_alpaca_eval_annotations(p)
    p = write(tmp_path, [{**REC, "preference": "model"}])
    with pytest.raises(ReaderError, match=pin("record [0]: 'preference' is 'model', not a number in [1, 2]")):
        read_alpaca_eval_annotations(p)
    p = write(tmp_path, [REC, {**REC, "preference": 1.0}])
    with pytest.raises(ReaderError, match=pin("is judged 2 times for model 'm' against 'base'", "keep one annotation")):
        read_alpaca_eval_annotations(p)
    with pytest.raises(ReaderError, match=pin("no annotations.json file in this directory or below")):
        read_alpaca_eval_annotations(DATA / "helm")


def test_battles_json_with_optional_columns():
    frame = read_battles(DATA / "battles" / "mt_bench_human_judgments.json")
    assert list(frame.columns) == [
        "system_a",
        "system_b",
        "winner",
        "winner_raw",
        "instance",
        "judge",
        "turn",
        "source_file",
        "row",
    ]
    assert frame["winner"].tolist() == ["a", "tie", "b", "tie", "a"]
    assert frame["winner_raw"].tolist()[3] == "tie (bothbad)"
    assert frame["instance"].tolist()[:3] == [81, 81, 82]


def test_battles_csv_and_dataframe():
    frame = read_battles(DATA / "battles" / "arena_battles.csv")
    assert list(frame.columns) == ["system_a", "system_b", "winner", "winner_raw", "source_file", "row"]
    assert frame["winner"].tolist() == ["a", "b", "tie"]
    log = pd.DataFrame({"left": ["x", "y"], "right": ["y", "z"], "result": ["MODEL_B", "tie"], "topic": ["m", "c"]})
    out = read_battles(log, model_a="left", model_b="right", winner="result", task="topic")
    assert out[["system_a", "winner", "task"]].values.tolist() == [["x", "b", "m"], ["y", "tie", "c"]]
    assert out["source_file"].isna().all()


def test_battle_errors(tmp_path):
    log = pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "y"], "winner": ["model_a", "tie"]})
    with pytest.raises(ReaderError, match=pin("data: row(s) 1 pit a model against itself ('y')")):
        read_battles(log)
    log = pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "z"], "winner": ["model_a", "draw"]})
    with pytest.raises(ReaderError, match=pin("column 'winner' has values other than 'model_a'", "row 1 ('draw')")):
        read_battles(log)
    with pytest.raises(ReaderError, match=pin("data: no column 'winner' (winner)", "winner='...'")):
        read_battles(log.drop(columns=["winner"]))
    with pytest.raises(ReaderError, match=pin("data: instance: no column 'qid'", "instance=None")):
        read_battles(log.assign(winner="tie"), instance="qid")
    log = pd.DataFrame({"model_a": ["x", None], "model_b": ["y", "z"], "winner": ["tie", "tie"]})
    with pytest.raises(ReaderError, match=pin("data: empty model_a ('model_a') at row(s) 1")):
        read_battles(log)
    csv = tmp_path / "log.csv"
    csv.write_text("model_a,model_b,winner\nx,y,model_a\ny,z,won\n")
    with pytest.raises(ReaderError, match=pin(f"{csv}: column 'winner' has values other than", "line 3 ('won')")):
        read_battles(csv)
    bad = tmp_path / "log.txt"  # neither the extension nor the content tells the format
    bad.write_text("model_a model_b winner\n")
    with pytest.raises(ReaderError, match=pin("cannot tell the file format from its extension '.txt'", "format=")):
        read_battles(bad)
    # a CSV with an extension that says nothing is read by its content
    bad.write_text("model_a,model_b,winner\nx,y,tie\n")
    assert read_battles(bad)["winner"].tolist() == ["tie"]
