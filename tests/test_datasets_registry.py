"""The dataset registry: pinned files, checksums, cache, mirror, offline use -- through the real pooch code path.

A local HTTP server on 127.0.0.1 serves ``../shared/datasets/raw/github`` (the upstream bytes) in place of
raw.githubusercontent.com; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rankagg
import rankagg.datasets as D
from rankagg.cli import main
from tests.helpers import pin
from tests.http_mirror import CutBodyHandler, TruncatingHandler, serve

GLUE = "PragmaticsLab/vote_and_rank/6d9cbe37600ada4ff2e448a6cac87098a46f32a6/tables/leaderboards - GLUE.csv"


@pytest.fixture(scope="module")
def raw_dir(datasets_dir: Path) -> Path:
    return datasets_dir / "raw" / "github"


@pytest.fixture(scope="module")
def mirror(raw_dir: Path):
    with serve(raw_dir) as url:
        yield url


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rankagg-cache")


def cached_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


# ------------------------------------------------------------------------------------------------ the entries
def test_registry_lists_the_entries_with_provenance():
    df = D.list()
    assert list(df["name"]) == [
        "glue",
        "superglue",
        "value",
        "open-llm-leaderboard-v1",
        "alpaca-eval-2",
        "amlb2019",
        "dclm",
    ]
    assert {"name", "title", "level", "license", "url", "sha256", "description", "citation"} <= set(df.columns)
    for row in df.itertuples():
        assert row.url.startswith("https://raw.githubusercontent.com/")
        commit = row.url.split("/")[5]
        assert len(commit) == 40 and all(c in "0123456789abcdef" for c in commit), row.url
        assert len(row.sha256) == 64
        assert row.license and row.citation and row.description
    assert D.list_datasets is D.list


def test_pinned_checksums_are_those_of_the_upstream_files(raw_dir):
    for entry in D.DATASETS.values():
        local = raw_dir / entry.owner / entry.repo / entry.commit / entry.path
        if entry.files:  # a folder of pinned files (dclm): each file's checksum (tests/test_probes_dclm.py)
            continue
        assert local.is_file(), local
        assert hashlib.sha256(local.read_bytes()).hexdigest() == entry.sha256, entry.name


def test_unknown_dataset_and_option_errors():
    with pytest.raises(D.DatasetError, match=pin("no dataset 'gleu' in the registry", "Did you mean 'glue'?")):
        D.load("gleu")
    with pytest.raises(D.DatasetError, match=pin("load: unknown option 'missng'", "Did you mean 'missing'?")):
        D.load("glue", missng="partial")
    with pytest.raises(
        D.DatasetError, match=pin("mirror: 'ftp://x' is not an http(s) base URL", "RANKAGG_DATA_MIRROR")
    ):
        D.fetch("glue", mirror="ftp://x")


# ------------------------------------------------------------------------------------------------ loading = tidy data
def compare_to_tidy(frame: pd.DataFrame, tidy: pd.DataFrame) -> pd.DataFrame:
    m = tidy.merge(frame, on=["system", "task", "metric"], how="outer", suffixes=("_tidy", "_reg"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][["system", "task", "metric", "_merge"]].head()
    a, b = m["score_tidy"].to_numpy(float), m["score_reg"].to_numpy(float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=1e-12)
    return m


@pytest.mark.parametrize(
    ("name", "tidy_file", "n_systems", "n_cols", "n_missing"),
    [("glue", "glue.csv", 100, 14, 3), ("superglue", "superglue.csv", 23, 14, 5), ("value", "value.csv", 7, 11, 5)],
)
def test_glue_superglue_value_equal_the_tidy_files(
    datasets_dir, mirror, shared_cache, name, tidy_file, n_systems, n_cols, n_missing
):
    frame = D.load(name, cache_dir=shared_cache, mirror=mirror, as_frame=True)
    tidy = pd.read_csv(datasets_dir / "glue_superglue_value" / tidy_file)
    m = compare_to_tidy(frame, tidy)
    assert frame["system"].nunique() == n_systems
    assert int(frame["score"].isna().sum()) == n_missing
    assert (m["leaderboard_score_tidy"].astype(str) == m["leaderboard_score_reg"].astype(str)).all()
    assert frame["source_file"].iloc[0] == D.info(name).url
    table = D.load(name, cache_dir=shared_cache, mirror=mirror, missing="partial")
    assert (table.n_systems, table.n_columns) == (n_systems, n_cols)
    assert table.higher_is_better.all()


def test_glue_flags_only_the_human_baseline(mirror, shared_cache):
    frame = D.load("glue", cache_dir=shared_cache, mirror=mirror, as_frame=True)
    assert sorted(frame.loc[frame["is_human_baseline"], "system"].unique()) == [
        "GLUE Human Baselines [GLUE Human Baselines]"
    ]
    assert {"RefBERT [Haiqin YANG]", "RefBERT [Haiqin Yang] (rank 61)", "RefBERT [Haiqin Yang] (rank 63)"} <= set(
        frame["system"]
    )


def test_open_llm_and_alpaca_eval_equal_the_tidy_files(datasets_dir, mirror, shared_cache):
    frame = D.load("open-llm-leaderboard-v1", cache_dir=shared_cache, mirror=mirror, as_frame=True)
    tidy = pd.read_csv(datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv")
    compare_to_tidy(frame, tidy)
    assert frame["system"].nunique() == 1192
    assert any("99 repeated row(s) of 81 model(s)" in n for n in frame.attrs["notes"])
    ae = D.load("alpaca-eval-2", cache_dir=shared_cache, mirror=mirror, as_frame=True)
    lt = pd.read_csv(datasets_dir / "alpaca_eval" / "leaderboards_task_level.csv")
    compare_to_tidy(ae, lt[lt["task"] == "AlpacaEval2.0"])
    t = D.load("alpaca-eval-2", cache_dir=shared_cache, mirror=mirror, metrics="length_controlled_winrate")
    assert (t.n_systems, t.labels) == (223, ("AlpacaEval2.0",))


def test_amlb_mixed_directions_and_fold_means(datasets_dir, mirror, shared_cache):
    frame = D.load("amlb2019", cache_dir=shared_cache, mirror=mirror, as_frame=True)
    assert frame["system"].nunique() == 7 and frame["task"].nunique() == 35
    assert set(zip(frame["metric"], frame["higher_is_better"], strict=True)) == {("auc", True), ("logloss", False)}
    folds = pd.read_csv(datasets_dir / "amlb2019" / "amlb2019_fold_level.csv")
    folds = folds[folds["constraint"] == "1h"]
    expect = folds.groupby(["system", "task"])["score"].agg(lambda s: s.mean() if s.notna().all() else np.nan)
    both = frame.merge(expect.rename("expect").reset_index(), on=["system", "task"], how="outer")
    assert len(both) == 245
    assert np.allclose(both["score"], both["expect"], equal_nan=True, rtol=0, atol=1e-12)
    assert int(frame["score"].isna().sum()) == 7
    table = D.load("amlb2019", cache_dir=shared_cache, mirror=mirror, missing="drop_systems")
    assert table.n_systems == 3 and not table.higher_is_better.all()


# ------------------------------------------------------------------------------------------------ download safety
def test_checksum_mismatch_is_an_error_and_nothing_is_cached(raw_dir, tmp_path):
    served = tmp_path / "served"
    bad = served / GLUE
    bad.parent.mkdir(parents=True)
    data = bytearray((raw_dir / GLUE).read_bytes())
    data[100] = ord("9") if data[100] != ord("9") else ord("8")  # one changed digit
    bad.write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with (
        serve(served) as url,
        pytest.raises(
            D.ChecksumError,
            match=pin(
                "dataset 'glue': the file downloaded from",
                f"has sha256 {hashlib.sha256(bytes(data)).hexdigest()} but the registry pins e52c3b4d",
                "it was not cached",
                "RANKAGG_DATA_MIRROR",
            ),
        ),
    ):
        D.load("glue", cache_dir=cache, mirror=url)
    assert cached_files(cache) == []


def test_http_404_names_the_url_and_the_mirror_variable(tmp_path):
    cache = tmp_path / "cache"
    empty = tmp_path / "empty"
    empty.mkdir()
    with (
        serve(empty) as url,
        pytest.raises(
            D.DownloadError,
            match=pin(
                f"dataset 'glue': downloading {url}/PragmaticsLab/vote_and_rank/",
                "leaderboards%20-%20GLUE.csv failed with HTTP 404",
                "nothing was cached",
                "set RANKAGG_DATA_MIRROR (or mirror=)",
            ),
        ),
    ):
        D.fetch("glue", cache_dir=cache, mirror=url)
    assert cached_files(cache) == []


def test_truncated_transfer_is_an_error_and_nothing_is_cached(raw_dir, tmp_path):
    cache = tmp_path / "cache"
    expected = pin("failed: the transfer was cut off", "nothing was cached")
    with serve(raw_dir, TruncatingHandler) as url, pytest.raises(D.DownloadError, match=expected):
        D.load("superglue", cache_dir=cache, mirror=url)
    assert cached_files(cache) == []


def test_body_cut_without_length_fails_the_checksum_and_nothing_is_cached(raw_dir, tmp_path):
    cache = tmp_path / "cache"
    with (
        serve(raw_dir, CutBodyHandler) as url,
        pytest.raises(D.ChecksumError, match=pin("dataset 'value'", "not cached")),
    ):
        D.load("value", cache_dir=cache, mirror=url)
    assert cached_files(cache) == []


def test_no_server_is_a_clear_error(tmp_path):
    with serve(tmp_path) as url:
        pass  # the port is closed again
    with pytest.raises(D.DownloadError, match=pin("dataset 'glue': downloading", "could not connect to the server")):
        D.fetch("glue", cache_dir=tmp_path / "cache", mirror=url)


def test_second_load_works_offline_from_the_cache(raw_dir, tmp_path):
    cache = tmp_path / "cache"
    with serve(raw_dir) as url:
        first = D.load("value", cache_dir=cache, mirror=url, missing="partial")
    assert [p.name for p in cached_files(cache)] == ["leaderboards_-_VALUE.csv"]
    # the server is gone: the cached, verified copy is used without any request
    again = D.load("value", cache_dir=cache, mirror=url, missing="partial")
    assert again == first


def test_a_corrupted_cache_file_is_downloaded_again(raw_dir, tmp_path):
    cache = tmp_path / "cache"
    with serve(raw_dir) as url:
        path = D.fetch("value", cache_dir=cache, mirror=url)
        path.write_text("garbage")
        path2 = D.fetch("value", cache_dir=cache, mirror=url)
    assert path2 == path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == D.info("value").sha256


def test_environment_variables_set_the_cache_and_the_mirror(raw_dir, tmp_path, monkeypatch):
    cache = tmp_path / "env-cache"
    with serve(raw_dir) as url:
        monkeypatch.setenv("RANKAGG_DATA_DIR", str(cache))
        monkeypatch.setenv("RANKAGG_DATA_MIRROR", url)
        assert D.data_dir() == cache
        path = D.fetch("superglue")
    assert path.parent == cache / "superglue"
    monkeypatch.delenv("RANKAGG_DATA_DIR")
    import pooch

    assert D.data_dir() == Path(pooch.os_cache("rankagg"))
    assert D.data_dir(tmp_path / "x") == tmp_path / "x"


# ------------------------------------------------------------------------------------------------ the command line
def test_cli_rank_and_compare_a_dataset(mirror, shared_cache, capsys):
    argv = ["--dataset", "glue", "--mirror", mirror, "--cache-dir", str(shared_cache)]
    assert main(["rank", *argv, "--missing", "drop_systems", "--exclude", "*Human*", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "system,rank,score" and len(out) == 1 + 96
    assert main(["compare", *argv, "--missing", "drop_tasks", "--rules", "mean,borda"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Table: dataset glue: 100 systems x 12 task columns; missing='drop_tasks'")
    assert "Dropped tasks (missing scores): 2: STS-B:pearson, QNLI" in captured.out


def test_cli_datasets_command(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["name", "level", "title"]
    assert "open-llm-leaderboard-v1" in out and "rankagg datasets NAME" in out
    assert main(["datasets", "--format", "json"]) == 0
    import json

    records = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in records][:2] == ["glue", "superglue"] and "sha256" in records[0]
    assert main(["datasets", "amlb2019"]) == 0
    out = capsys.readouterr().out
    assert "sha256:      095d3030" in out and "log-loss (lower is better)" in out
    assert main(["datasets", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("name,title,level,license,url,sha256,description,citation\n")


def test_cli_download_error_is_one_line_exit_2(tmp_path, capsys):
    with serve(tmp_path) as url:
        code = main(["rank", "--dataset", "glue", "--mirror", url, "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1  # pooch's own log lines are kept off stderr
    assert err[0].startswith("rankagg: error: dataset 'glue': downloading ") and "HTTP 404" in err[0]


def test_the_registry_table_ranks(mirror, shared_cache):
    table = D.load("superglue", cache_dir=shared_cache, mirror=mirror, missing="drop_systems", exclude="*Human*")
    res = rankagg.aggregate(table, rule="borda")
    assert res.ranking[0] == "ERNIE 3.0 [ERNIE Team - Baidu]"


def test_shared_files_are_not_copied_into_the_project():
    root = Path(__file__).resolve().parents[1]
    big = [p for p in (root / "tests" / "data").rglob("*") if p.is_file() and p.stat().st_size > 20_000]
    assert big == [], "tests/data holds only small hand-written fixtures"
