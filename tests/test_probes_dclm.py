"""DCLM: the registry loader (pinned files, checksums, offline through a local mirror) and the real study."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

import rankagg
import rankagg.datasets as D
from rankagg.datasets._dclm import manifest_sha256
from rankagg.datasets._dclm_files import DCLM_FILES
from rankagg.probes import CandidateStudy, dclm_study, decision_accuracy
from rankagg.probes.dclm import DCLM_CORE_TASKS, DCLM_RANDOM_BASELINES
from tests.http_mirror import serve

COMMIT = "361714bdd60bb9b7f4b2d8354cebbf0dec0c329e"


@pytest.fixture(scope="module")
def evals_dir(datasets_dir: Path) -> Path:
    return datasets_dir / "raw" / "github" / "mlfoundations" / "dclm" / COMMIT / "exp_data" / "evals"


@pytest.fixture(scope="module")
def frame(datasets_dir: Path, tmp_path_factory) -> pd.DataFrame:
    with serve(datasets_dir / "raw" / "github") as url:
        return D.load("dclm", mirror=url, cache_dir=tmp_path_factory.mktemp("dclm-cache"), as_frame=True)


@pytest.fixture(scope="module")
def tidy(datasets_dir: Path) -> pd.DataFrame:
    return pd.read_csv(datasets_dir / "dclm" / "dclm_evals.csv")


@pytest.fixture(scope="module")
def study(frame) -> CandidateStudy:
    return dclm_study(frame)


def test_every_pinned_file_has_the_upstream_checksum(evals_dir):
    assert len(DCLM_FILES) == 155
    for name, sha in DCLM_FILES:
        assert hashlib.sha256((evals_dir / name).read_bytes()).hexdigest() == sha, name
    assert sorted(p.name for p in evals_dir.glob("*.json")) == sorted(n for n, _ in DCLM_FILES)
    entry = D.info("dclm")
    assert entry.sha256 == manifest_sha256() and entry.files == DCLM_FILES
    assert entry.url.endswith(f"mlfoundations/dclm/{COMMIT}/exp_data/evals")


def test_a_corrupted_file_is_refused_and_not_cached(evals_dir, tmp_path):
    mirror = tmp_path / "mirror" / "mlfoundations" / "dclm" / COMMIT / "exp_data" / "evals"
    mirror.mkdir(parents=True)
    for name, _ in DCLM_FILES:
        (mirror / name).write_bytes((evals_dir / name).read_bytes())
    bad = DCLM_FILES[7][0]
    (mirror / bad).write_bytes((evals_dir / bad).read_bytes()[:-10] + b"0000000000")
    with serve(tmp_path / "mirror") as url, pytest.raises(D.ChecksumError, match="the registry pins"):
        D.fetch("dclm", mirror=url, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "dclm" / bad).exists()


def test_loader_equals_the_tidy_file(frame, tidy):
    frame = frame.assign(fname=frame["source_file"].str.rsplit("/", n=1).str[-1].map(unquote))
    tidy = tidy.assign(fname=tidy["file"].str.rsplit("/", n=1).str[-1])
    m = tidy.merge(frame, on=["fname", "task"], how="inner", suffixes=("_t", "_r"))
    # every row of the 155 pinned files, and only the tidy file's one extra file (left out of raw/, PROVENANCE) besides
    assert len(m) == len(frame) == 8451
    assert tidy.loc[~tidy["fname"].isin(set(frame["fname"])), "system"].nunique() == 1
    np.testing.assert_array_equal(m["score_t"].to_numpy(), m["score_r"].to_numpy())
    assert (m["dataset_t"].fillna("") == m["dataset_r"]).all()
    assert (m["arch_t"] == m["arch_r"]).all()


def test_centered_mean_over_core_tasks_is_dclm_core(frame, datasets_dir):
    """The centered mean of the Core tasks reproduces every file's published Core (DCLM's v2 aggregation)."""
    official = pd.read_csv(datasets_dir / "dclm" / "dclm_official_aggregates.csv").set_index("system")["Core"]
    core = frame[frame["task"].isin(DCLM_CORE_TASKS)].copy()
    b = core["task"].map(DCLM_RANDOM_BASELINES)
    core["centered"] = (core["score"] - b) / (1 - b)
    mine = core.groupby("system")["centered"].mean()
    both = pd.concat([mine, pd.to_numeric(official, errors="coerce")], axis=1, join="inner").dropna()
    assert len(both) == 155
    np.testing.assert_allclose(both.iloc[:, 0], both.iloc[:, 1], atol=1e-12)
    # and through the study's centered_mean rule, at the 400M scale (one run per training dataset)
    study = dclm_study(frame, tasks=DCLM_CORE_TASKS)
    res = study.rank("400M", rule="centered_mean")
    runs = study.frame[study.frame["scale"] == "400M"].drop_duplicates("candidate").set_index("candidate")["seed"]
    assert len(runs) == 12
    got = dict(zip(res.systems, res.scores))
    for cand, system in runs.items():
        assert got[cand] == pytest.approx(official[system], abs=1e-12), cand


def test_study_says_what_it_left_out(study):
    notes = " ".join(study.notes)
    assert "24 evaluation file(s) name no training dataset" in notes
    assert "open_lm_1b_arcade100k" in notes
    assert dict(zip(study.summary()["scale"], study.summary()["candidates"])) == {"1B": 57, "400M": 12, "7B": 23}


def test_decision_accuracy_400m_to_7b(study):
    """Training datasets ranked at ~400M against 7B: 12 datasets are trained at both, 66 pairs, 49 shared tasks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = decision_accuracy(study, "400M", "7B", rules=("mean", "borda", "bradley_terry"), n_resamples=200, rng=0)
    said = [str(w.message) for w in caught if issubclass(w.category, rankagg.RankaggWarning)]
    assert any("11 candidate(s) of scale '7B'" in m and "left out" in m for m in said), said
    assert any("7 task(s) of scale '400M'" in m for m in said), said
    assert len(res.candidates) == 12 and len(res.tasks) == 49
    assert len(res.dropped["candidates"]["7B"]) == 11 and res.dropped["candidates"]["400M"] == ()
    # the mean's ranking at 400M orders 51 of the 66 pairs as 7B does (figure of the study, see the report)
    assert res.point.loc["mean", "decision_accuracy"] == pytest.approx(51 / 66)
    # with complete rankings, Bradley-Terry's sufficient statistic is the number of pairwise wins = Borda's score:
    # the two orders coincide, on the full data and on every resample
    np.testing.assert_array_equal(res.samples["borda"], res.samples["bradley_terry"])
    lo, hi = res.to_frame().query("rule == 'mean' and measure == 'decision_accuracy'")[["low", "high"]].iloc[0]
    assert lo < 51 / 66 < hi


def test_decision_accuracy_1b_to_7b_matches_15_datasets(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rankagg.RankaggWarning)
        res = decision_accuracy(study, "1B", "7B", rules=("mean",), n_resamples=50, rng=0)
    assert len(res.candidates) == 15
    assert len(res.dropped["candidates"]["1B"]) == 42
