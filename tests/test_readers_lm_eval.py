"""lm-evaluation-harness results: hand-written files in the harness's documented format (tests/data/lm_eval)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import rankagg
from rankagg.io import DataNoteWarning, ReaderError, read_lm_eval
from tests.helpers import pin

DATA = Path(__file__).parent / "data" / "lm_eval"
V03 = Path(__file__).parent / "data" / "lm_eval_v03" / "results.json"


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        return read_lm_eval(*args, **kwargs)


def test_directory_of_models_default_metrics_and_directions():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_lm_eval(DATA)
    assert table.systems == ("EleutherAI/pythia-160m", "EleutherAI/pythia-410m", "gpt2")
    assert table.labels == ("arc_easy", "hellaswag", "wikitext", "mmlu_abstract_algebra", "mmlu_anatomy", "gsm8k")
    assert [c.metric for c in table.columns] == [
        "acc",
        "acc",
        "word_perplexity",
        "acc",
        "acc",
        "exact_match,strict-match",
    ]
    assert list(table.higher_is_better) == [True, True, False, True, True, True]
    messages = [str(w.message) for w in caught if issubclass(w.category, DataNoteWarning)]
    assert len(messages) == 2
    assert "superseded: 'EleutherAI/pythia-160m/arc_easy in results_2024-05-01T10-15-30.123456.json'" in messages[0]
    assert "left out 1 group aggregate(s) 'mmlu' (their parts are ranked)" in messages[1]


def test_lower_is_better_perplexity_ranks_the_lowest_first():
    table = quiet(DATA, tasks="wikitext")
    assert table.columns[0].higher_is_better is False
    for rule in ("borda", "mean", "copeland"):
        res = rankagg.aggregate(table, rule=rule)
        assert list(res.ranking) == ["EleutherAI/pythia-410m", "EleutherAI/pythia-160m", "gpt2"], rule
    bpb = quiet(DATA, tasks=["wikitext"], metrics="bits_per_byte")
    assert bpb.columns[0].metric == "bits_per_byte" and not bpb.columns[0].higher_is_better
    assert rankagg.aggregate(bpb, rule="borda").ranking[0] == "EleutherAI/pythia-410m"


def test_long_frame_keeps_stderr_and_provenance():
    frame = quiet(DATA, as_frame=True)
    assert list(frame.columns) == [
        "system",
        "task",
        "metric",
        "score",
        "higher_is_better",
        "stderr",
        "metric_key",
        "filter",
        "n_shot",
        "alias",
        "is_group",
        "timestamp",
        "source_file",
        "git_hash",
    ]
    arc = frame[(frame["system"] == "EleutherAI/pythia-160m") & (frame["task"] == "arc_easy")].iloc[0]
    assert (arc["score"], arc["stderr"], arc["metric_key"]) == (0.4394, 0.0102, "acc,none")  # the later run
    assert arc["source_file"].endswith("results_2024-06-02T08-00-00.000000.json")
    wt = frame[frame["task"] == "wikitext"]
    assert wt["stderr"].isna().all()  # "N/A" in the file
    gsm = frame[frame["task"] == "gsm8k"].iloc[0]
    assert (gsm["filter"], gsm["n_shot"]) == ("strict-match", 5)
    assert frame.attrs["notes"][-1].startswith("metric per task (default: the task's primary metric)")


def test_metric_choice_mapping_with_globs_and_all():
    t = quiet(
        DATA,
        metrics={"wikitext": "word_perplexity", "gsm8k": "exact_match,flexible-extract", "*": "acc_norm"},
        tasks=["arc_easy", "hellaswag", "wikitext", "gsm8k"],
    )
    assert [c.metric for c in t.columns] == ["acc_norm", "acc_norm", "word_perplexity", "exact_match,flexible-extract"]
    assert t.to_wide().loc["gpt2", "gsm8k"] == 0.0136
    every = quiet(DATA, metrics="all", tasks="wikitext")
    assert every.labels == ("wikitext:word_perplexity", "wikitext:byte_perplexity", "wikitext:bits_per_byte")


def test_groups_option():
    groups = quiet(DATA, groups="groups")
    assert "mmlu" in groups.labels and "mmlu_anatomy" not in groups.labels
    both = quiet(DATA, groups="all")
    assert {"mmlu", "mmlu_anatomy", "mmlu_abstract_algebra"} <= set(both.labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNoteWarning)
        explicit = quiet(DATA, groups="leaves", tasks="mmlu*")
    assert explicit.labels == ("mmlu", "mmlu_abstract_algebra", "mmlu_anatomy")  # named tasks are kept


def test_single_file_model_name_from_model_args(tmp_path):
    one = quiet(DATA / "gpt2" / "results_2024-04-20T09-30-00.000000.json", as_frame=True)
    assert set(one["system"]) == {"gpt2"}  # no model_name field: pretrained= of config.model_args
    obj = json.loads((DATA / "gpt2" / "results_2024-04-20T09-30-00.000000.json").read_text())
    obj["config"]["model_args"] = {"pretrained": "org/from-dict", "dtype": "float16"}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(obj))
    assert set(quiet(path, as_frame=True)["system"]) == {"org/from-dict"}


def test_old_harness_format_without_filters():
    frame = quiet(V03, as_frame=True)
    assert list(frame["task"]) == ["lambada_openai", "piqa"]
    assert list(frame["metric"]) == ["ppl", "acc"]
    assert frame["higher_is_better"].isna().all()  # that version did not record directions
    assert frame.loc[0, "stderr"] == 1.4878


def test_unknown_direction_must_be_given(tmp_path):
    table = {
        "results": {"piqa": {"acc": 0.6257}},
        "config": {"model_args": "pretrained=gpt2"},
    }
    for i, model in enumerate(["gpt2", "gpt2-medium"]):
        d = tmp_path / model
        d.mkdir()
        table["config"]["model_args"] = f"pretrained={model}"
        table["results"]["piqa"]["acc"] = 0.6 + i / 10
        (d / "results.json").write_text(json.dumps(table))
    with pytest.raises(rankagg.ScoreTableError, match=pin("the direction of task(s) 'piqa' is unknown")):
        read_lm_eval(tmp_path)
    t = read_lm_eval(tmp_path, higher_is_better=True)
    assert t.systems == ("gpt2", "gpt2-medium")


def test_contradicting_the_file_direction_is_an_error():
    with pytest.raises(
        rankagg.ScoreTableError, match=pin("you gave True for task 'wikitext' but the data says higher_is_better=False")
    ):
        quiet(DATA, tasks="wikitext", higher_is_better=True)


# ------------------------------------------------------------------------------------------------ errors
def write(tmp_path: Path, name: str, obj: object) -> Path:
    d = tmp_path / "model"
    d.mkdir(exist_ok=True)
    path = d / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_malformed_files_name_the_file_and_the_field(tmp_path):
    p = write(tmp_path, "results_a.json", "{not json")
    with pytest.raises(ReaderError, match=pin(f"{p}: not valid JSON", "line 1")):
        read_lm_eval(p)
    p = write(tmp_path, "results_b.json", {"config": {}})
    with pytest.raises(ReaderError, match=pin(f"{p}: field 'results' is missing or empty", '"acc,none": 0.61')):
        read_lm_eval(p)
    p = write(tmp_path, "results_c.json", {"results": {"arc": [0.5]}})
    with pytest.raises(ReaderError, match=pin(f"{p}: field results['arc'] is a list", "'acc,none' to numbers")):
        read_lm_eval(p)
    p = write(tmp_path, "results_d.json", [1, 2])
    with pytest.raises(ReaderError, match=pin(f"{p}: expected a JSON object with a 'results' section, got a list")):
        read_lm_eval(p)
    p = write(tmp_path, "results_e.json", {"results": {"arc": {"alias": "arc"}}})
    with pytest.raises(ReaderError, match=pin(f"{p}: no numeric metric in field 'results'")):
        read_lm_eval(p)


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(ReaderError, match=pin("path: no such file or directory", "nope")):
        read_lm_eval(tmp_path / "nope")
    with pytest.raises(ReaderError, match=pin("no results*.json file in this directory or below", "--output_path")):
        read_lm_eval(tmp_path)


def test_unknown_metric_task_and_group_option():
    with pytest.raises(
        ReaderError,
        match=pin(
            "metrics: task 'wikitext' of 'EleutherAI/pythia-160m' has no metric 'acc_norm'",
            "its metrics are 'word_perplexity', 'byte_perplexity', 'bits_per_byte'",
            "metrics={'wikitext': 'word_perplexity', '*': 'acc_norm'}",
        ),
    ):
        quiet(DATA, metrics="acc_norm")
    with pytest.raises(ReaderError, match=pin("metrics: 'wikitxt' matches no task", "Did you mean 'wikitext'?")):
        quiet(DATA, metrics={"wikitxt": "bits_per_byte", "*": "acc"})
    with pytest.raises(ReaderError, match=pin("tasks: 'wikitex' matches no task", "Did you mean 'wikitext'?")):
        quiet(DATA, tasks="wikitex")
    with pytest.raises(ReaderError, match=pin("groups='subtasks': use 'leaves', 'groups' or 'all'")):
        quiet(DATA, groups="subtasks")  # type: ignore[arg-type]


def test_same_task_twice_without_timestamps_is_an_error(tmp_path):
    obj = {"results": {"arc": {"acc,none": 0.5}}, "model_name": "m"}
    for sub in ("run1", "run2"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "results.json").write_text(json.dumps(obj))
    with pytest.raises(
        ReaderError,
        match=pin("task 'arc' of model 'm' is in 2 results files", "which is newer cannot be told", "one file per run"),
    ):
        read_lm_eval(tmp_path)


def test_date_field_orders_files_without_timestamped_names(tmp_path):
    for sub, date, acc in (("old", 1_700_000_000.0, 0.5), ("new", 1_710_000_000.0, 0.7)):
        (tmp_path / sub).mkdir()
        obj = {"results": {"arc": {"acc,none": acc}}, "model_name": "m", "date": date}
        (tmp_path / sub / "results.json").write_text(json.dumps(obj))
    frame = quiet(tmp_path, as_frame=True)
    assert frame["score"].tolist() == [0.7]
    assert np.isnan(frame["stderr"].iloc[0])
