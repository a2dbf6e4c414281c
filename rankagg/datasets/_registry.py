"""The dataset registry: public leaderboards pinned to immutable upstream files, downloaded with pooch.

Every entry is one file at ``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``
(a commit, so the bytes never change) with its SHA-256. :func:`fetch` downloads
it once with `pooch <https://www.fatiando.org/pooch>`_, which writes to a
temporary file in the cache folder, checks the checksum and only then moves
the file into place: a corrupted or truncated download is never cached. Later
calls use the cached copy and need no network.

Where the files go and come from:

* cache: ``cache_dir=``, else the ``RANKAGG_DATA_DIR`` environment variable,
  else the user cache folder (``pooch.os_cache("rankagg")``, e.g.
  ``~/.cache/rankagg``), one sub-folder per dataset;
* source: ``mirror=``, else ``RANKAGG_DATA_MIRROR``, else
  ``https://raw.githubusercontent.com``. A mirror is a base URL serving the same
  ``<owner>/<repo>/<commit>/<path>`` tree (``http://127.0.0.1:8000`` in front
  of a local copy works).

Why this module is long: Most of it is data: the pinned entries (URL, commit, SHA-256, how to read)
of every dataset, one per leaderboard, with their licences.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean
from rankagg.data.table import ScoreTable
from rankagg.datasets._dclm import convert_dclm, manifest_sha256
from rankagg.datasets._dclm_files import DCLM_FILES
from rankagg.io._common import Notes, finish, long_frame
from rankagg.io.files import read_frame
from rankagg.io.leaderboards import read_alpaca_eval, read_open_llm
from rankagg.io.wide import read_wide

__all__ = [
    "DATASETS",
    "DEFAULT_MIRROR",
    "ChecksumError",
    "DatasetEntry",
    "DatasetError",
    "DownloadError",
    "data_dir",
    "fetch",
    "info",
    "list_datasets",
    "load",
]

DEFAULT_MIRROR = "https://raw.githubusercontent.com"
ENV_DIR = "RANKAGG_DATA_DIR"
ENV_MIRROR = "RANKAGG_DATA_MIRROR"
_LOAD_KWARGS = ("higher_is_better", "metrics", "weights", "include", "exclude", "missing")


class DatasetError(RankaggError):
    """A registry dataset could not be found or loaded."""


class DownloadError(DatasetError):
    """A registry file could not be downloaded (HTTP error, no connection, interrupted transfer)."""


class ChecksumError(DownloadError):
    """A downloaded file does not match its pinned SHA-256 (it was not cached)."""


@dataclass(frozen=True)
class DatasetEntry:
    """One registry dataset: a pinned upstream file and how it is converted.

    Attributes
    ----------
    name : str
        Registry name (``rankagg.datasets.load(name)``).
    title : str
        One-line title.
    level : str
        What a row of the table is: ``"task"`` (one score per system and task).
    owner, repo, commit, path : str
        The upstream file: ``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``.
    sha256 : str
        SHA-256 of the upstream file.
    license : str
        Licence of the file (and of the scores, where stated).
    citation : str
        What to cite when using the data.
    description : str
        What the table holds and how it was converted from the file.
    files : tuple of (str, str)
        Several files of one folder instead of one: ``(file name, sha256)``
        each, ``path`` being their folder and ``sha256`` that of the manifest
        (``rankagg.datasets._dclm.manifest_sha256``). Every file is verified.
    """

    name: str
    title: str
    level: str
    owner: str
    repo: str
    commit: str
    path: str
    sha256: str
    license: str
    citation: str
    description: str
    convert: Callable[[Path, DatasetEntry], pd.DataFrame]
    files: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        """The pinned upstream URL."""
        return self.url_at(DEFAULT_MIRROR)

    def url_at(self, mirror: str) -> str:
        """The file's URL under a mirror base URL."""
        return f"{mirror.rstrip('/')}/{self.owner}/{self.repo}/{self.commit}/{quote(self.path)}"

    @property
    def file_name(self) -> str:
        """Name of the cached file."""
        return Path(self.path).name.replace(" ", "_")


# ---------------------------------------------------------------------------------------------- converters
def _team_model_names(df: pd.DataFrame) -> pd.Series:
    """``"Model [Team]"`` (``Model`` alone without a team); repeated names get ``" (rank N)"``."""
    team = df["Name"].fillna("").astype(str).str.strip()
    model = df["Model"].fillna("").astype(str).str.strip()
    names = pd.Series([f"{m} [{t}]" if t else m for m, t in zip(model, team, strict=True)], index=df.index)
    dup = names.duplicated(keep=False)
    names[dup] = [f"{n} (rank {str(r).strip()})" for n, r in zip(names[dup], df.loc[dup, "Rank"], strict=True)]
    return names


def _glue_like(
    path: Path,
    entry: DatasetEntry,
    *,
    compound: dict[str, tuple[str, ...]],
    single: dict[str, str],
    drop_rows: tuple[str, ...] = (),
) -> pd.DataFrame:
    df = read_frame(path, format="csv")
    notes: list[str] = []
    if drop_rows:
        gone = df["Model"].astype(str).str.strip().isin(drop_rows)
        if gone.any():
            notes.append(f"left out row(s) {', '.join(repr(x) for x in drop_rows)} (not a system).")
        df = df[~gone.to_numpy()].reset_index(drop=True)
    df.insert(0, "system", _team_model_names(df))
    frame = read_wide(
        df,
        systems_in="rows",
        system="system",
        tasks=list(single) + list(compound),
        split_compound=compound,
        metric_names=single,
        aggregate_columns=["Rank", "Score"],
        label_columns=["Name", "Model", "URL"],
        higher_is_better=True,
        as_frame=True,
    )
    assert isinstance(frame, pd.DataFrame)  # its notes are the choices above, documented in the entry
    order = {t: i for i, t in enumerate(c for c in df.columns if c in single or c in compound)}
    frame = frame.assign(
        _o=frame["task"].map(order), _s=frame["system"].map({s: i for i, s in enumerate(df["system"])})
    )
    frame = frame.sort_values(["_s", "_o"], kind="stable").drop(columns=["_o", "_s"])
    out = frame.rename(
        columns={"Rank": "leaderboard_rank", "Score": "leaderboard_score", "Name": "team", "Model": "model"}
    )
    out = out.drop(columns=["URL", "column"], errors="ignore")
    out["benchmark"] = entry.title.split(" ")[0]
    out["is_human_baseline"] = out["system"].str.contains(r"\bHuman\b", regex=True)
    out["source_file"] = entry.url
    out.attrs["notes"] = notes
    return out


def _glue(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    return _glue_like(
        path,
        entry,
        compound={"MRPC": ("f1", "accuracy"), "STS-B": ("pearson", "spearman"), "QQP": ("f1", "accuracy")},
        single={
            "CoLA": "matthews_corr",
            "SST-2": "accuracy",
            "MNLI-m": "accuracy",
            "MNLI-mm": "accuracy",
            "QNLI": "accuracy",
            "RTE": "accuracy",
            "WNLI": "accuracy",
            "AX": "matthews_corr",
        },
    )


def _superglue(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    return _glue_like(
        path,
        entry,
        compound={
            "CB": ("f1", "accuracy"),
            "MultiRC": ("f1a", "exact_match"),
            "ReCoRD": ("f1", "exact_match"),
            "AX-g": ("gender_parity", "accuracy"),
        },
        single={
            "BoolQ": "accuracy",
            "COPA": "accuracy",
            "RTE": "accuracy",
            "WiC": "accuracy",
            "WSC": "accuracy",
            "AX-b": "matthews_corr",
        },
        drop_rows=("Outside Best",),
    )


_VALUE_METRICS = {
    "TVR": "AveR",
    "How2R": "AveR",
    "YC2R": "AveR",
    "VATEX-EN-R": "AveR",
    "TVQA": "accuracy",
    "How2QA": "accuracy",
    "VIOLIN": "accuracy",
    "VLEP": "accuracy",
    "TVC": "CIDEr-D",
    "YC2C": "CIDEr-D",
    "VATEX-EN-C": "CIDEr-D",
}


def _value(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    df = read_frame(path, format="csv")
    clean = df["Model"].astype(str).map(lambda s: " ".join(re.sub(r"<!--.*?-->", " ", s, flags=re.S).split()))
    df = df.drop(columns=["Model"])
    df.insert(0, "system", clean)
    frame = read_wide(
        df,
        systems_in="rows",
        system="system",
        tasks=list(_VALUE_METRICS),
        metric_names=_VALUE_METRICS,
        aggregate_columns=["Mean-Rank", "Meta-Ave"],
        higher_is_better=True,
        as_frame=True,
    )
    assert isinstance(frame, pd.DataFrame)
    out = frame.rename(columns={"Mean-Rank": "leaderboard_rank", "Meta-Ave": "leaderboard_score"})
    out = out.drop(columns=["column"], errors="ignore")
    out["benchmark"] = "VALUE"
    out["is_human_baseline"] = out["system"].str.contains(r"\bHuman\b", regex=True)
    out["source_file"] = entry.url
    return out


def _open_llm(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    frame = read_open_llm(path, duplicates="first", as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    frame["source_file"] = entry.url
    return frame


def _alpaca_eval_2(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    frame = read_alpaca_eval(path, task="AlpacaEval2.0", as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    frame["source_file"] = entry.url
    return frame


def _amlb(path: Path, entry: DatasetEntry) -> pd.DataFrame:
    df = read_frame(path, format="csv")
    need = ["framework", "task", "fold", "type", "result", "imp_result"]
    absent = [c for c in need if c not in df.columns]
    if absent:
        raise DatasetError(f"{entry.name}: the file has no column(s) {', '.join(absent)}; is it the pinned file?")
    for c in ("result", "imp_result"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for (fw, task), g in df.groupby(["framework", "task"], sort=False):
        kind = str(g["type"].iloc[0])
        metric, hib = ("auc", True) if kind == "binary" else ("logloss", False)
        n_failed = int(g["result"].isna().sum())
        if n_failed:
            failed.append(f"{fw}/{task} ({n_failed})")
        rows.append(
            {
                "system": fw,
                "task": task,
                "metric": metric,
                "score": float(g["result"].mean()) if n_failed == 0 else np.nan,
                "higher_is_better": hib,
                "problem_type": kind,
                "n_folds": len(g),
                "n_failed_folds": n_failed,
                "score_imputed": float(g["imp_result"].mean()),
                "source_file": entry.url,
            }
        )
    frame = long_frame(rows, extra=["problem_type", "n_folds", "n_failed_folds", "score_imputed", "source_file"])
    frame.attrs["notes"] = [
        f"{len(failed)} (framework, task) cell(s) with failed folds are missing (their fold mean would hide the "
        f"failure; 'score_imputed' has AMLB's imputed mean): {', '.join(failed[:6])}"
        + (f" ... and {len(failed) - 6} more." if len(failed) > 6 else ".")
    ]
    return frame


_VOTE_AND_RANK = (
    "Rofin, Mikhailov, Florinsky, Kravchenko, Shavrina, Tutubalina, Karpov, Zhou, Artemova, Piontkovskaya (2023). "
    "Vote'n'Rank: Revision of Benchmarking with Social Choice Theory. EACL 2023 (tables scraped from the official "
    "leaderboard by the authors)."
)

DATASETS: dict[str, DatasetEntry] = {
    e.name: e
    for e in [
        DatasetEntry(
            name="glue",
            title="GLUE leaderboard (snapshot ~2022)",
            level="task",
            owner="PragmaticsLab",
            repo="vote_and_rank",
            commit="6d9cbe37600ada4ff2e448a6cac87098a46f32a6",
            path="tables/leaderboards - GLUE.csv",
            sha256="e52c3b4d20907a8e796f2d9a25f315bb2ef2da6db7efe647350300fbc685432b",
            license="Apache-2.0 (vote_and_rank repository); scores are facts from gluebenchmark.com, whose copyright "
            "stays with the benchmark holders.",
            citation="Wang, Singh, Michael, Hill, Levy, Bowman (2019). GLUE: A Multi-Task Benchmark and Analysis "
            "Platform for Natural Language Understanding. ICLR 2019. " + _VOTE_AND_RANK,
            description=(
                "100 systems x 11 tasks (14 task-metric columns), scores 0-100, all higher-is-better. Systems are "
                "'Model [Team]' (Model alone for the GLUE-paper baselines without a team); three identical "
                "'RefBERT [Haiqin Yang]' rows are told apart with ' (rank N)'. Compound cells are split in the "
                "official metric order: MRPC and QQP = F1/accuracy, STS-B = Pearson/Spearman; CoLA and AX are "
                "Matthews correlation, the rest accuracy. '-' and 'NaN' cells are missing (3 cells). The official "
                "'Score' (average) and 'Rank' columns are not tasks: they are kept as leaderboard_score and "
                "leaderboard_rank. Human baselines are kept (is_human_baseline); exclude them with "
                "exclude='*Human*'."
            ),
            convert=_glue,
        ),
        DatasetEntry(
            name="superglue",
            title="SuperGLUE leaderboard (snapshot ~2022)",
            level="task",
            owner="PragmaticsLab",
            repo="vote_and_rank",
            commit="6d9cbe37600ada4ff2e448a6cac87098a46f32a6",
            path="tables/leaderboards - SuperGLUE.csv",
            sha256="37dc4386a13434cb09230842750db3e2a40c9d57524a2d23a8b72bd8177c9080",
            license="Apache-2.0 (vote_and_rank repository); scores are facts from super.gluebenchmark.com, whose "
            "copyright stays with the benchmark holders.",
            citation="Wang, Pruksachatkun, Nangia, Singh, Michael, Hill, Levy, Bowman (2019). SuperGLUE: A Stickier "
            "Benchmark for General-Purpose Language Understanding Systems. NeurIPS 2019. " + _VOTE_AND_RANK,
            description=(
                "23 systems x 10 tasks (14 task-metric columns), scores 0-100, all higher-is-better. Systems are "
                "'Model [Team]'. Compound cells are split in the official order: CB = F1/accuracy, MultiRC = "
                "F1a/exact match, ReCoRD = F1/exact match, AX-g = gender parity/accuracy; AX-b is Matthews "
                "correlation, the rest accuracy. The 'Outside Best' row (best published score per task, not a "
                "system) is left out. '-' cells are missing (5 cells, all Snorkel's). 'Score' and 'Rank' are kept "
                "as leaderboard_score and leaderboard_rank, not ranked. Human baselines are kept (is_human_baseline)."
            ),
            convert=_superglue,
        ),
        DatasetEntry(
            name="value",
            title="VALUE video-and-language leaderboard (snapshot ~2022)",
            level="task",
            owner="PragmaticsLab",
            repo="vote_and_rank",
            commit="6d9cbe37600ada4ff2e448a6cac87098a46f32a6",
            path="tables/leaderboards - VALUE.csv",
            sha256="1c662d17db6f5f6ef3e5c20a6fca6d07186626668c2196c12240071606d23f09",
            license="Apache-2.0 (vote_and_rank repository); scores are facts from value-benchmark.github.io.",
            citation="Li, Lei, Zhou, Gan, Chen, Wang, Zhu, Liu, Berg, Bansal (2021). VALUE: A Multi-Task Benchmark "
            "for Video-and-Language Understanding Evaluation. NeurIPS 2021 Datasets and Benchmarks. " + _VOTE_AND_RANK,
            description=(
                "7 systems x 11 tasks, all higher-is-better: retrieval tasks (TVR, How2R, YC2R, VATEX-EN-R) in "
                "AveR, QA tasks (TVQA, How2QA, VIOLIN, VLEP) in accuracy, captioning (TVC, YC2C, VATEX-EN-C) in "
                "CIDEr-D -- different scales. System names are the 'Model' cell with line breaks collapsed and the "
                "HTML comment removed. 'Mean-Rank' and 'Meta-Ave' are kept as leaderboard_rank and "
                "leaderboard_score, not ranked. The human baseline has 5 missing cells."
            ),
            convert=_value,
        ),
        DatasetEntry(
            name="open-llm-leaderboard-v1",
            title="Open LLM Leaderboard v1, snapshot of 2023-09-04",
            level="task",
            owner="dsdanielpark",
            repo="open-llm-leaderboard-report",
            commit="42a5fcd5bbde9bed98f434c495bd63ee8d95a878",
            path="data/20230904.json",
            sha256="bd3b9dde97beb930388ff8a8333729ecc02b84d9b80fe970e2dfd8d3e08aea1e",
            license="MIT (open-llm-leaderboard-report, (c) 2023 Daniel Park); scores from the Hugging Face Open "
            "LLM Leaderboard.",
            citation="Beeching, Fourrier, Habib, Han, Lambert, Rajani, Sanseviero, Tunstall, Wolf (2023). Open LLM "
            "Leaderboard. Hugging Face. Snapshot collected by Daniel Park, "
            "github.com/dsdanielpark/open-llm-leaderboard-report.",
            description=(
                "1,192 models x 4 tasks, scores 0-100, higher-is-better: ARC (25-shot acc_norm), HellaSwag "
                "(10-shot acc_norm), MMLU (5-shot acc), TruthfulQA (0-shot mc2). The 'Average' column is the "
                "leaderboard's mean, kept as leaderboard_average, not ranked. 81 models listed more than once "
                "(99 extra rows: other precisions or revisions) are kept once, their first, higher-ranked row."
            ),
            convert=_open_llm,
        ),
        DatasetEntry(
            name="alpaca-eval-2",
            title="AlpacaEval 2.0 leaderboard (weighted GPT-4-turbo judge)",
            level="task",
            owner="tatsu-lab",
            repo="alpaca_eval",
            commit="cd543a149df89434d8a54582c0151c0b945c3d20",
            path="src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv",
            sha256="fe32bf85c2f7429038faa4c9a884d1d131726454ff84a4b810a91c1c7a2aa0e9",
            license="Apache-2.0 (alpaca_eval repository).",
            citation="Li, Zhang, Dubois, Taori, Gulrajani, Guestrin, Liang, Hashimoto (2023). AlpacaEval: An "
            "Automatic Evaluator of Instruction-following Models. Dubois, Galambosi, Liang, Hashimoto (2024). "
            "Length-Controlled AlpacaEval: A Simple Way to Debias Automatic Evaluators.",
            description=(
                "223 models x 1 task ('AlpacaEval2.0') with 3 metric columns, percentages against the fixed "
                "baseline gpt4_1106_preview, higher-is-better: length_controlled_winrate, win_rate, "
                "discrete_win_rate (pick one with metrics='length_controlled_winrate'). Standard errors, the "
                "mode (verified / community / minimal / dev), counts and average length are kept in the frame. "
                "'NullModel' is a deliberately adversarial community entry."
            ),
            convert=_alpaca_eval_2,
        ),
        DatasetEntry(
            name="amlb2019",
            title="OpenML AutoML Benchmark 2019, 1-hour runs",
            level="task",
            owner="openml",
            repo="automlbenchmark",
            commit="dfe8d21871e2dec2b7cab6c9fbfe3575ce4dadc6",
            path="reports/old/tables/1h/all_results.csv",
            sha256="095d303071f5274a6e1ee6111277786481c3fda0f54f16aced4d82473bbf70a5",
            license="MIT ((c) 2018 OpenML).",
            citation="Gijsbers, LeDell, Thomas, Poirier, Bischl, Vanschoren (2019). An Open Source AutoML "
            "Benchmark. ICML 2019 AutoML Workshop.",
            description=(
                "7 AutoML frameworks x 35 datasets, 1-hour budget, mixed directions: binary tasks in AUC "
                "(higher is better), multiclass tasks in log-loss (lower is better). The score is the mean of the "
                "10 folds' 'result'; a (framework, task) with a failed fold is missing (the frame keeps "
                "n_failed_folds and AMLB's imputed mean, score_imputed)."
            ),
            convert=_amlb,
        ),
        DatasetEntry(
            name="dclm",
            title="DataComp-LM: models trained on different training datasets (400M / 1B / 7B), 57 ICL tasks",
            level="task",
            owner="mlfoundations",
            repo="dclm",
            commit="361714bdd60bb9b7f4b2d8354cebbf0dec0c329e",
            path="exp_data/evals",
            sha256=manifest_sha256(DCLM_FILES),
            license="MIT (dclm repository).",
            citation="Li, Fang, Smyrnis, Ivgi, Jordan, Gadre, Bansal, Guha, Keh, Arora et al. (2024). DataComp-LM: "
            "In search of the next generation of training sets for language models. NeurIPS 2024 Datasets and "
            "Benchmarks.",
            description=(
                "155 evaluation files (one per trained model; each pinned with its own SHA-256, 'sha256' is that of "
                "the manifest) x 51-56 of 57 in-context-learning tasks, accuracies in [0, 1], higher-is-better. "
                "'dataset' (training dataset) and 'arch' (d=1024_l=24_h=8 ~400M, open_lm_1b[_swiglutorch], "
                "open_lm_7b[_swiglutorch]) are parsed from the file name; public models have no dataset. 'core' is "
                "the file's own Core aggregate. Missing cells are real (the suite grew): use missing='drop_tasks' "
                "or rankagg.probes.dclm_study for training datasets ranked per scale."
            ),
            convert=convert_dclm,
            files=DCLM_FILES,
        ),
    ]
}


# ---------------------------------------------------------------------------------------------- API
def info(name: str) -> DatasetEntry:
    """The registry entry of a dataset.

    Examples
    --------
    >>> from rankagg.datasets import info
    >>> info("glue").url
    'https://raw.githubusercontent.com/PragmaticsLab/vote_and_rank/6d9cbe37600ada4ff2e448a6cac87098a46f32a6/tables/leaderboards%20-%20GLUE.csv'
    """
    if name not in DATASETS:
        raise DatasetError(
            f"name: no dataset {name!r} in the registry.{did_you_mean(name, DATASETS)} The datasets are: "
            f"{', '.join(DATASETS)} (rankagg.datasets.list(), CLI: rankagg datasets)."
        )
    return DATASETS[name]


def list_datasets() -> pd.DataFrame:
    """The registry as a DataFrame: one row per dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, title, level, license, url, sha256, description,
        citation``.

    Examples
    --------
    >>> import rankagg.datasets
    >>> rankagg.datasets.list()["name"].tolist()
    ['glue', 'superglue', 'value', 'open-llm-leaderboard-v1', 'alpaca-eval-2', 'amlb2019', 'dclm']
    """
    return pd.DataFrame(
        [
            {
                "name": e.name,
                "title": e.title,
                "level": e.level,
                "license": e.license,
                "url": e.url,
                "sha256": e.sha256,
                "description": e.description,
                "citation": e.citation,
            }
            for e in DATASETS.values()
        ]
    )


def data_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$RANKAGG_DATA_DIR``, else ``pooch.os_cache("rankagg")``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("rankagg"))


def _mirror(mirror: str | None) -> str:
    base = mirror if mirror is not None else (os.environ.get(ENV_MIRROR, "").strip() or DEFAULT_MIRROR)
    if not re.match(r"^https?://", base):
        raise DatasetError(
            f"mirror: {base!r} is not an http(s) base URL; give e.g. 'http://127.0.0.1:8000' (a server of the "
            f"<owner>/<repo>/<commit>/<path> tree) via mirror= or {ENV_MIRROR}."
        )
    return base


def fetch(
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    mirror: str | None = None,
) -> Path:
    """Download a registry file (once) and return its path in the cache.

    Parameters
    ----------
    name : str
        Registry name (see :func:`list_datasets`).
    cache_dir : path-like, optional
        Cache folder (default ``$RANKAGG_DATA_DIR``, else ``pooch.os_cache("rankagg")``).
    mirror : str, optional
        Base URL replacing ``https://raw.githubusercontent.com`` (default
        ``$RANKAGG_DATA_MIRROR``).

    Returns
    -------
    pathlib.Path
        The verified local file.

    Raises
    ------
    DownloadError
        On an HTTP error or a failed or interrupted transfer; nothing is cached.
    ChecksumError
        When the downloaded bytes do not match the pinned SHA-256; nothing is cached.

    Examples
    --------
    >>> import rankagg.datasets
    >>> path = rankagg.datasets.fetch("glue")  # doctest: +SKIP
    """
    entry = info(name)
    base = _mirror(mirror)
    folder = data_dir(cache_dir) / entry.name
    if entry.files:  # several files of one folder: each pinned and verified, the folder returned
        for file_name, sha in entry.files:
            _retrieve(name, f"{entry.url_at(base)}/{quote(file_name)}", sha, file_name, folder, base)
        return folder
    return _retrieve(name, entry.url_at(base), entry.sha256, entry.file_name, folder, base)


def _retrieve(name: str, url: str, sha256: str, file_name: str, folder: Path, base: str) -> Path:
    """Download one pinned file with pooch into ``folder`` (once), verified against ``sha256``."""
    import pooch
    import requests

    where = f"set {ENV_MIRROR} (or mirror=) to a mirror of raw.githubusercontent.com, or retry when online"
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch logs every download at INFO level on stderr
    try:
        local = pooch.retrieve(
            url,
            known_hash=f"sha256:{sha256}",
            fname=file_name,
            path=folder,
            progressbar=False,
        )
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        reason = exc.response.reason if exc.response is not None else str(exc)
        raise DownloadError(
            f"dataset {name!r}: downloading {url} failed with HTTP {status} ({reason}); nothing was cached. "
            f"The file is pinned to that URL: {where}."
        ) from None
    except requests.exceptions.RequestException as exc:
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            why = "the transfer was cut off before the end of the file"
        elif isinstance(exc, requests.exceptions.Timeout):
            why = "the server did not answer in time"
        elif isinstance(exc, requests.exceptions.ConnectionError):
            why = "could not connect to the server"
        else:
            why = type(exc).__name__
        raise DownloadError(
            f"dataset {name!r}: downloading {url} failed: {why}; nothing was cached; {where}."
        ) from None
    except ValueError as exc:
        if "hash" not in str(exc):
            raise DownloadError(f"dataset {name!r}: downloading {url} failed ({exc}); nothing was cached.") from None
        got = re.search(r"but got ([0-9a-fA-F]{64})", str(exc))
        raise ChecksumError(
            f"dataset {name!r}: the file downloaded from {url} has sha256 {got.group(1) if got else '(other)'} but "
            f"the registry pins {sha256}; it was not cached. The download was corrupted or truncated, or the "
            f"mirror serves another file ({ENV_MIRROR}={base})."
        ) from None
    except OSError as exc:
        raise DownloadError(
            f"dataset {name!r}: could not write to the cache {folder} ({exc}); set {ENV_DIR}."
        ) from None
    finally:
        logger.setLevel(level)
    return Path(local)


def load(
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    mirror: str | None = None,
    as_frame: bool = False,
    **kwargs: Any,
) -> ScoreTable | pd.DataFrame:
    """Load a registry dataset as a :class:`~rankagg.ScoreTable` (or its long frame).

    The file is downloaded on first use (see :func:`fetch`) and read from the
    cache afterwards, offline.

    Parameters
    ----------
    name : str
        Registry name: ``glue``, ``superglue``, ``value``,
        ``open-llm-leaderboard-v1``, ``alpaca-eval-2``, ``amlb2019``, ``dclm`` (see
        :func:`list_datasets` for what each holds).
    cache_dir, mirror
        As in :func:`fetch`.
    as_frame : bool, default False
        Return the long frame (``system, task, metric, score,
        higher_is_better`` and the dataset's provenance columns, with
        ``source_file`` = the pinned URL) instead of a table.
    **kwargs
        ``metrics``, ``weights``, ``include``, ``exclude``, ``missing``,
        ``higher_is_better``: passed to :meth:`ScoreTable.from_long`.

    Returns
    -------
    ScoreTable or pandas.DataFrame

    Examples
    --------
    >>> import rankagg
    >>> glue = rankagg.datasets.load("glue", missing="drop_systems", exclude="*Human*")  # doctest: +SKIP
    >>> rankagg.aggregate(glue, rule="kemeny").winners  # doctest: +SKIP
    """
    entry = info(name)
    unknown = [k for k in kwargs if k not in _LOAD_KWARGS]
    if unknown:
        raise DatasetError(
            f"load: unknown option {unknown[0]!r}.{did_you_mean(unknown[0], _LOAD_KWARGS)} The options are "
            f"{', '.join(_LOAD_KWARGS)}, cache_dir, mirror and as_frame."
        )
    path = fetch(name, cache_dir=cache_dir, mirror=mirror)
    frame = entry.convert(path, entry)
    notes = Notes(f"dataset {name!r}")
    for n in frame.attrs.get("notes", []):
        notes.add(n, warn=False)
    return finish(frame, notes, as_frame=as_frame, **kwargs)
