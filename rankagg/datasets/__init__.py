"""Datasets: small examples bundled with rankagg, and a registry of public leaderboards.

The bundled examples are tiny, synthetic tables written for this project
(not copies of public leaderboards); they exist so that ``rankagg demo`` and
the docstrings run anywhere without a download.

The registry (:func:`list`, :func:`load`, :func:`fetch`, :func:`info`) holds
public leaderboards, each pinned to an immutable upstream file (a commit on
raw.githubusercontent.com) with its SHA-256, licence, citation and a
description of the conversion; files are downloaded once with pooch, verified,
and cached (``RANKAGG_DATA_DIR``; mirror: ``RANKAGG_DATA_MIRROR``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd

from rankagg._errors import RankaggError, did_you_mean
from rankagg.data.table import ScoreTable
from rankagg.datasets._registry import (
    DATASETS,
    ChecksumError,
    DatasetEntry,
    DatasetError,
    DownloadError,
    data_dir,
    fetch,
    info,
    list_datasets,
    load,
)

# ``rankagg.datasets.list()`` is the registry listing. It is deliberately left out of __all__ so that a star
# import does not shadow the builtin; nothing in this module calls the builtin ``list``.
list = list_datasets

__all__ = [
    "DATASETS",
    "EXAMPLES",
    "ChecksumError",
    "DatasetEntry",
    "DatasetError",
    "DownloadError",
    "data_dir",
    "example_frame",
    "fetch",
    "info",
    "list_datasets",
    "load",
    "load_example",
]

EXAMPLES: dict[str, str] = {
    "toy": (
        "Six fictional systems x five tasks on different scales (accuracy in %, ROUGE-L in [0, 1], BLEU, "
        "pass@1 in %); one system is far ahead on a single high-variance task, so the mean and the "
        "rank-based rules crown different winners; Kestrel and Finch tie exactly on nli."
    ),
}


def _check(name: str) -> str:
    if name not in EXAMPLES:
        raise RankaggError(
            f"name: no bundled example {name!r}.{did_you_mean(name, EXAMPLES)} The examples are: {', '.join(EXAMPLES)}."
        )
    return name


def example_frame(name: str = "toy") -> pd.DataFrame:
    """The long DataFrame of a bundled example (``system, task, metric, score, higher_is_better``).

    Examples
    --------
    >>> from rankagg.datasets import example_frame
    >>> example_frame("toy").shape
    (30, 5)
    """
    _check(name)
    with resources.files("rankagg.datasets").joinpath("examples", f"{name}.csv").open("r") as fh:
        return pd.read_csv(fh, dtype={"system": str, "task": str, "metric": str})


def load_example(name: str = "toy", **kwargs: Any) -> ScoreTable:
    """Load a bundled example as a :class:`~rankagg.ScoreTable`.

    Parameters
    ----------
    name : str, default "toy"
        Example name (see ``rankagg.datasets.EXAMPLES``).
    **kwargs
        Passed to :meth:`ScoreTable.from_long` (e.g. ``exclude=...``).

    Examples
    --------
    >>> import rankagg
    >>> rankagg.load_example("toy")
    ScoreTable(6 systems x 5 task columns, missing='raise')
    """
    return ScoreTable.from_long(example_frame(name), **kwargs)
