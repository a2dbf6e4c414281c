"""MTEB results: the real repository layout (../shared raw files) and hand-written legacy / multi-revision files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg.io import MTEB_BENCHMARKS, DataNoteWarning, ReaderError, read_mteb
from rankagg.io.mteb import MTEB_ENG_CLASSIC_TASKS
from tests.helpers import pin

DATA = Path(__file__).parent / "data" / "mteb"
RAW = "raw/github/embeddings-benchmark/results/f4cc6c8b365a3c779dbc708d6affe0b0355b2ddf/results"
PUBLISHED_56 = {  # the MTEB leaderboard's 56-task averages (PROVENANCE.md of the tidy file)
    "sentence-transformers/all-MiniLM-L6-v2": 56.26,
    "intfloat/e5-mistral-7b-instruct": 66.63,
    "BAAI/bge-large-en-v1.5": 64.23,
}


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        return read_mteb(*args, **kwargs)


@pytest.fixture(scope="module")
def classic(datasets_dir):
    return read_mteb(datasets_dir / RAW, benchmark="mteb-eng-classic", as_frame=True)


def test_raw_results_give_the_tidy_scores(datasets_dir, classic):
    tidy = pd.read_csv(datasets_dir / "mteb" / "mteb_eng_classic_56.csv")
    m = classic.merge(tidy, on=["system", "task"], suffixes=("", "_tidy"))
    assert set(classic["system"]) == set(PUBLISHED_56)
    assert len(m) == 3 * 56  # every (model, task) the raw files share with the tidy file
    assert np.array_equal(m["score"].to_numpy(), m["score_tidy"].to_numpy())
    for col in ("revision", "split", "hf_subset"):
        assert (m[col] == m[f"{col}_tidy"]).all(), col


def test_56_task_means_are_close_to_the_published_averages(classic):
    means = classic.groupby("system")["score"].mean() * 100
    assert classic.groupby("system")["score"].count().eq(56).all()
    for system, published in PUBLISHED_56.items():
        assert abs(means[system] - published) < 0.5, (system, means[system])
    assert round(means["sentence-transformers/all-MiniLM-L6-v2"], 2) == 56.10


def test_preset_choices_on_the_real_files(classic):
    by = classic.set_index(["system", "task"])
    assert by.loc[("BAAI/bge-large-en-v1.5", "MSMARCO"), "split"] == "dev"
    assert by.loc[("BAAI/bge-large-en-v1.5", "MSMARCO"), "revision"] == "external"
    assert by.loc[("intfloat/e5-mistral-7b-instruct", "STS17"), "hf_subset"] == "en-en"
    assert by.loc[("intfloat/e5-mistral-7b-instruct", "AmazonCounterfactualClassification"), "hf_subset"] == "en"
    assert classic["higher_is_better"].all() and set(classic["metric"]) == {"main_score"}


def test_table_and_ranking_from_the_real_files(datasets_dir):
    table = read_mteb(datasets_dir / RAW, benchmark="mteb-eng-classic")
    assert (table.n_systems, table.n_columns) == (3, 56)
    assert rankagg.aggregate(table, rule="mean").ranking[0] == "intfloat/e5-mistral-7b-instruct"
    two = read_mteb(datasets_dir / RAW, models="*bge*", tasks=["STS1*", "SciFact"], as_frame=True)
    assert set(two["system"]) == {"BAAI/bge-large-en-v1.5"}
    assert sorted(two["task"]) == ["STS12", "STS13", "STS14", "STS15", "STS16", "STS17", "SciFact"]


# ------------------------------------------------------------------------------------------------ fixtures
CLASSIC_7 = [
    "Banking77Classification",
    "AmazonCounterfactualClassification",
    "STS17",
    "STSBenchmark",
    "SprintDuplicateQuestions",
    "MSMARCO",
    "CQADupstackRetrieval",
]


def test_legacy_format_flat_layout_and_cqadupstack_mean():
    frame = quiet(DATA, benchmark="mteb-eng-classic", tasks=CLASSIC_7, as_frame=True)
    old = frame[frame["system"] == "acme/legacy-minilm"].set_index("task")
    assert old["revision"].eq("no_revision_available").all()
    assert old.loc["Banking77Classification", "score"] == 0.8012  # "accuracy" (no main_score in legacy files)
    assert old.loc["AmazonCounterfactualClassification", "score"] == 0.6415  # the 'en' subset
    assert old.loc["STS17", "score"] == 0.8759  # en-en, cos_sim spearman
    assert old.loc["STSBenchmark", ["score", "nominal_metric"]].tolist() == [0.8203, "spearman (cosine)"]
    assert old.loc["SprintDuplicateQuestions", ["score", "nominal_metric"]].tolist() == [0.9455, "ap (cosine)"]
    assert old.loc["MSMARCO", ["score", "split"]].tolist() == [0.3692, "dev"]
    cqa = old.loc["CQADupstackRetrieval"]
    assert cqa["hf_subset"] == "mean_of_12_subsets"
    assert cqa["score"] == pytest.approx(np.mean([0.30 + 0.01 * i for i in range(12)]))


def test_revisions_most_tasks_first_then_external():
    with pytest.warns(DataNoteWarning, match=pin("1 task result(s) also in other revisions, not used", "revision=")):
        frame = read_mteb(DATA, benchmark="mteb-eng-classic", tasks=CLASSIC_7, as_frame=True)
    new = frame[frame["system"] == "acme/new-e5"].set_index("task")  # name from model_meta.json
    rev1 = "1111111111111111111111111111111111111111"
    assert new.loc["Banking77Classification", ["score", "revision"]].tolist() == [0.8533, rev1]  # not rev 2's 0.8421
    assert new.loc["SprintDuplicateQuestions", "revision"] == "external"
    assert new.loc["CQADupstackRetrieval", ["score", "hf_subset"]].tolist() == [0.4201, "default"]  # combined file
    only2 = quiet(DATA, revision="2222222222222222222222222222222222222222", as_frame=True)
    assert only2[["system", "task", "score"]].values.tolist() == [["acme/new-e5", "Banking77Classification", 0.8421]]
    no_ext = quiet(DATA, benchmark="mteb-eng-classic", tasks=CLASSIC_7, external=False, as_frame=True)
    assert np.isnan(no_ext.set_index(["system", "task"]).loc[("acme/new-e5", "MSMARCO"), "score"])


def test_without_a_benchmark_every_task_and_mean_of_subsets():
    frame = quiet(DATA, as_frame=True)
    old = frame[frame["system"] == "acme/legacy-minilm"].set_index("task")
    assert "CQADupstackAndroidRetrieval" in old.index  # subtasks are tasks of their own here
    assert old.loc["AmazonCounterfactualClassification", "hf_subset"] == "mean_of_4_subsets"
    assert old.loc["MSMARCO", "split"] == "test"  # test first when no benchmark says otherwise
    en = quiet(DATA, subsets="en", split={"MSMARCO": "dev"}, as_frame=True).set_index(["system", "task"])
    assert en.loc[("acme/legacy-minilm", "AmazonCounterfactualClassification"), "score"] == 0.6415
    assert en.loc[("acme/legacy-minilm", "MSMARCO"), "score"] == 0.3692


def test_benchmark_gives_missing_cells_for_absent_tasks():
    frame = quiet(DATA, benchmark="mteb-eng-classic", as_frame=True)
    assert len(frame) == 2 * 56
    assert frame.groupby("system")["score"].count().to_dict() == {"acme/legacy-minilm": 7, "acme/new-e5": 7}
    with pytest.raises(rankagg.ScoreTableError, match=pin("have no score at all", "missing='drop_tasks'")):
        quiet(DATA, benchmark="mteb-eng-classic")
    t = quiet(DATA, benchmark="mteb-eng-classic", missing="drop_tasks")
    assert t.n_columns == 7


def test_presets():
    assert list(MTEB_BENCHMARKS) == ["mteb-eng-classic"]
    assert len(MTEB_ENG_CLASSIC_TASKS) == 56
    assert len(set(MTEB_ENG_CLASSIC_TASKS.values())) == 7


# ------------------------------------------------------------------------------------------------ errors
def test_errors_name_the_file_and_the_field(tmp_path):
    with pytest.raises(ReaderError, match=pin("benchmark='mteb-eng': unknown MTEB benchmark", "'mteb-eng-classic'")):
        read_mteb(DATA, benchmark="mteb-eng")
    with pytest.raises(ReaderError, match=pin("models: 'acme/old*' matches no model", "'acme/legacy-minilm'")):
        read_mteb(DATA, models="acme/old*")
    with pytest.raises(ReaderError, match=pin("tasks: 'STS99' matches no task of benchmark 'mteb-eng-classic'")):
        read_mteb(DATA, benchmark="mteb-eng-classic", tasks="STS99")
    with pytest.raises(ReaderError, match=pin("split: 'MSMARCOO' matches no selected task", "Did you mean 'MSMARCO'?")):
        read_mteb(DATA, split={"MSMARCOO": "dev"})
    with pytest.raises(ReaderError, match=pin("subsets: 'STS71' matches no selected task", "Did you mean 'STS17'?")):
        read_mteb(DATA, benchmark="mteb-eng-classic", subsets={"STS71": "en-en"})
    with pytest.raises(ReaderError, match=pin("revision='abc': no model has a revision folder of that name")):
        read_mteb(DATA, revision="abc")
    with pytest.raises(ReaderError, match=pin(f"{tmp_path}: no MTEB result files found", "<org>__<model>")):
        read_mteb(tmp_path)
    d = tmp_path / "org__m" / "rev"
    d.mkdir(parents=True)
    (d / "STS12.json").write_text(json.dumps({"scores": {"test": {"hf_subset": "default"}}}))
    with pytest.raises(ReaderError, match=pin(f"{d / 'STS12.json'}: field scores['test'] is a dict", "a list of")):
        read_mteb(tmp_path)
    (d / "STS12.json").write_text(json.dumps({"mteb_version": "1.0"}))
    with pytest.raises(ReaderError, match=pin("STS12.json: neither a 'scores' field", "is this an MTEB result file?")):
        read_mteb(tmp_path)
    (d / "STS12.json").write_text("[1,")
    with pytest.raises(ReaderError, match=pin("STS12.json: not valid JSON")):
        read_mteb(tmp_path)
    with pytest.raises(ReaderError, match=pin("give the results folder", "not a file")):
        read_mteb(d / "STS12.json")


def test_unusable_files_are_reported(tmp_path):
    d = tmp_path / "org__m" / "rev"
    d.mkdir(parents=True)
    (d / "STS12.json").write_text(json.dumps({"scores": {"validation": [{"hf_subset": "default", "main_score": 0.5}]}}))
    (d / "STS13.json").write_text(json.dumps({"scores": {"test": [{"hf_subset": "default", "main_score": 0.7}]}}))
    with pytest.warns(DataNoteWarning, match=pin("1 result file(s) without a usable score", "not the chosen split")):
        frame = read_mteb(tmp_path, split="test", as_frame=True)
    assert frame["task"].tolist() == ["STS13"]
