"""Open LLM Leaderboard v1 snapshots and AlpacaEval leaderboards: real raw files and small tmp files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rankagg.io import DataNoteWarning, ReaderError, read_alpaca_eval, read_open_llm
from tests.helpers import pin

SNAPSHOT = (
    "raw/github/dsdanielpark/open-llm-leaderboard-report/42a5fcd5bbde9bed98f434c495bd63ee8d95a878/data/20230904.json"
)
AE2 = (
    "raw/github/tatsu-lab/alpaca_eval/cd543a149df89434d8a54582c0151c0b945c3d20/src/alpaca_eval/leaderboards/"
    "data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv"
)


def test_open_llm_snapshot_equals_the_tidy_file(datasets_dir):
    with pytest.warns(
        DataNoteWarning, match=pin("99 repeated row(s) of 81 model(s) left out", "first (higher-ranked)")
    ):
        frame = read_open_llm(datasets_dir / SNAPSHOT, as_frame=True)
    tidy = pd.read_csv(datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv")
    assert frame["system"].nunique() == tidy["system"].nunique() == 1192
    assert list(dict.fromkeys(frame["system"])) == list(dict.fromkeys(tidy["system"]))
    m = tidy.merge(frame, on=["system", "task", "metric"], how="outer", indicator=True, suffixes=("_t", "_r"))
    assert (m["_merge"] == "both").all() and len(m) == 4 * 1192
    assert np.array_equal(m["score_t"].to_numpy(), m["score_r"].to_numpy())
    table = read_open_llm(datasets_dir / SNAPSHOT, duplicates="first")
    assert (table.n_systems, table.labels) == (1192, ("ARC", "HellaSwag", "MMLU", "TruthfulQA"))
    assert table.systems[0] == "uni-tianyan/Uni-TianYan"


def test_open_llm_duplicates_raise_and_average_column(datasets_dir):
    with pytest.raises(
        ReaderError, match=pin("model 'garage-bAInd/Camel-Platypus2-70B' is listed twice", "duplicates='first'")
    ):
        read_open_llm(datasets_dir / SNAPSHOT, duplicates="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        t = read_open_llm(datasets_dir / SNAPSHOT, keep_aggregate_columns=True)
    assert t.labels[0] == "Average" and t.to_wide().iloc[0, 0] == 73.81


def snapshot(tmp_path: Path, rows: object) -> Path:
    path = tmp_path / "20230101.json"
    path.write_text(json.dumps(rows))
    return path


def test_open_llm_errors(tmp_path):
    p = snapshot(tmp_path, {"rows": []})
    with pytest.raises(ReaderError, match=pin(f"{p}: expected a JSON list of rows [model, average, ARC")):
        read_open_llm(p)
    p = snapshot(tmp_path, [["m", 1.0, 2.0, 3.0]])
    with pytest.raises(ReaderError, match=pin("row [0] has 4 items; each row must be [model, average, ARC")):
        read_open_llm(p)
    p = snapshot(tmp_path, [["m", 1.0, 2.0, "3,5", 4.0, 5.0]])
    with pytest.raises(ReaderError, match=pin("row [0] ('m'): HellaSwag is '3,5', not a number")):
        read_open_llm(p)
    p = snapshot(tmp_path, [[None, 1.0, 2.0, 3.0, 4.0, 5.0]])
    with pytest.raises(ReaderError, match=pin("row [0]: the first item (the model name) is None")):
        read_open_llm(p)
    with pytest.raises(ReaderError, match=pin("duplicates='last': use 'first' or 'raise'")):
        read_open_llm(p, duplicates="last")  # type: ignore[arg-type]


def test_alpaca_eval_leaderboard_equals_the_tidy_file(datasets_dir):
    frame = read_alpaca_eval(datasets_dir / AE2, task="AlpacaEval2.0", as_frame=True)
    tidy = pd.read_csv(datasets_dir / "alpaca_eval" / "leaderboards_task_level.csv")
    tidy = tidy[tidy["task"] == "AlpacaEval2.0"]
    m = tidy.merge(frame, on=["system", "task", "metric"], how="outer", indicator=True, suffixes=("_t", "_r"))
    assert (m["_merge"] == "both").all() and len(m) == 3 * 223
    assert np.allclose(m["score_t"], m["score_r"], rtol=0, atol=1e-12)
    null = frame[(frame["system"] == "NullModel") & (frame["metric"] == "length_controlled_winrate")].iloc[0]
    assert (null["stderr"], null["mode"], null["n_total"]) == (0.14180005113427935, "community", 805.0)
    lc = read_alpaca_eval(datasets_dir / AE2, metrics="length_controlled_winrate", modes="verified")
    assert lc.n_systems == 52 and lc.labels == ("AlpacaEval",)


def test_alpaca_eval_errors(tmp_path):
    path = tmp_path / "board.csv"
    path.write_text(",score\nm,1\nn,2\n")
    with pytest.raises(ReaderError, match=pin(f"{path}: no column 'win_rate'", "this file has 'Unnamed: 0', 'score'")):
        read_alpaca_eval(path)
    path.write_text(",win_rate,mode\nm,30.1,community\nn,abc,verified\n")
    with pytest.raises(ReaderError, match=pin("the win_rate of 'n' (line(s) 3) is 'abc', not a number")):
        read_alpaca_eval(path)
    with pytest.raises(ReaderError, match=pin("metrics: no rate 'lc_win_rate' in the file; the rates are 'win_rate'")):
        read_alpaca_eval(path, metrics="lc_win_rate")
    with pytest.raises(ReaderError, match=pin("modes: no model of mode 'verifed'", "'community', 'verified'")):
        read_alpaca_eval(path, modes="verifed")
    path.write_text(",win_rate\nm,30.1\nm,20.0\n")
    with pytest.raises(ReaderError, match=pin("model(s) listed twice: 'm'")):
        read_alpaca_eval(path)
