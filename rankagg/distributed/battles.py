"""Battle logs as a Dask collection: :func:`read_battles` and the distributed count of their outcomes.

Each partition is counted by the local :class:`~rankagg.data.battle_counts.BattleCounter` (systems numbered in
order of first appearance, one count per (pair, outcome)); partial counts are merged by a tree reduction that keeps
the left one's numbering and appends the right one's new systems, so the merged numbering is the order of first
appearance over the whole log, as the local reader's. The result is a :class:`~rankagg.data.battle_counts.BattleCounts`
equal to the local one (integer counts, exactly).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg.data.battle_counts import LAYOUTS, BattleCounter, BattleCounts, battle_columns
from rankagg.data.battles import BattleError
from rankagg.distributed.cluster import require_dask, using_client
from rankagg.distributed.frames import tree_reduce

__all__ = ["DistributedBattles", "is_battle_collection", "read_battles"]


@dataclass(frozen=True)
class _Partial:
    """Counts of some partitions: systems (first appearance), cells ``(a, b, outcome)`` (``a < b``) and counts."""

    systems: tuple[str, ...]
    cells: np.ndarray  # (k, 3) int64
    count: np.ndarray  # (k,) int64
    rows: int


@dataclass(frozen=True, eq=False)
class DistributedBattles:
    """A battle log on a Dask cluster (one battle per row), read lazily: :meth:`counts` reduces it.

    Attributes
    ----------
    npartitions : int
    source : str
    model_a, model_b, winner : str or None
        The column names (None: recognised from the data, as the local reader does).
    """

    npartitions: int
    source: str = ""
    model_a: str | None = None
    model_b: str | None = None
    winner: str | None = None
    files: tuple[str, ...] | None = field(default=None, repr=False)
    scheduler: Any = field(default=None, repr=False)
    parts: tuple[Any, ...] = field(default=(), repr=False)

    def counts(self, *, split_every: int = 8, scheduler: Any = None) -> BattleCounts:
        """The counts of the distinct outcomes, reduced on the cluster (equal to the local reader's)."""
        import dask

        mapped = [
            dask.delayed(_count_partition, pure=True)(d, k, self.files, self.model_a, self.model_b, self.winner)
            for k, d in enumerate(self.parts)
        ]
        total = tree_reduce(mapped, _merge, split_every=split_every)
        with using_client(self.scheduler if scheduler is None else scheduler) as client:
            part = client.compute(total, sync=True)
        return _finish(part, self.source)


def _where(k: int, files: Sequence[str] | None) -> str:
    return f"partition {k}" + (f" (file {files[k]})" if files is not None and k < len(files) else "")


def _count_partition(
    df: pd.DataFrame, k: int, files: Sequence[str] | None, model_a: str | None, model_b: str | None, winner: str | None
) -> _Partial:
    where = _where(k, files)
    try:
        ca, cb, cw = battle_columns([str(c) for c in df.columns], model_a, model_b, winner)
        counter = BattleCounter()
        if len(df):
            df = df.copy(deep=False)
            df.columns = [str(c) for c in df.columns]
            counter.add(df[ca].reset_index(drop=True), df[cb].reset_index(drop=True), df[cw].reset_index(drop=True))
    except BattleError as exc:
        raise BattleError(f"{where} (rows counted from 0 within it): {exc}") from None
    systems = tuple(counter.index)
    if not counter.parts:
        return _Partial(systems, np.empty((0, 3), dtype=np.int64), np.empty(0, dtype=np.int64), counter.rows)
    return _merge_cells(systems, counter.parts, counter.rows, len(systems))


def _merge_cells(systems: tuple[str, ...], parts: list[tuple[np.ndarray, np.ndarray]], rows: int, n: int) -> _Partial:
    cells = np.concatenate([p[0] for p in parts])
    cnt = np.concatenate([p[1] for p in parts])
    n = max(n, 1)
    key = (cells[:, 0] * n + cells[:, 1]) * 3 + cells[:, 2]
    uk, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv.ravel(), cnt, uk.size).astype(np.int64)
    out = np.empty((uk.size, 3), dtype=np.int64)
    out[:, 2] = uk % 3
    pair = uk // 3
    out[:, 0], out[:, 1] = pair // n, pair % n
    return _Partial(systems, out, total, rows)


def _merge(items: list[_Partial]) -> _Partial:
    """Merge partial counts in order: the first one's numbering, then each next one's new systems."""
    index = {s: i for i, s in enumerate(items[0].systems)}
    parts = [(items[0].cells, items[0].count)]
    rows = items[0].rows
    for it in items[1:]:
        for s in it.systems:
            if s not in index:
                index[s] = len(index)
        remap = np.array([index[s] for s in it.systems], dtype=np.int64)
        if it.cells.size:
            a, b, o = remap[it.cells[:, 0]], remap[it.cells[:, 1]], it.cells[:, 2]
            swap = a > b
            o = np.where(swap & (o < 2), 1 - o, o)
            cells = np.column_stack([np.minimum(a, b), np.maximum(a, b), o])
            parts.append((cells, it.count))
        rows += it.rows
    return _merge_cells(tuple(index), parts, rows, len(index))


def _finish(part: _Partial, source: str) -> BattleCounts:
    if part.rows == 0:
        raise BattleError("battles: the log has no battle.")
    if len(part.systems) < 2:
        raise BattleError(f"battles: only {len(part.systems)} system; ranking needs at least two.")
    return BattleCounts(
        systems=part.systems,
        a=part.cells[:, 0].astype(np.intp),
        b=part.cells[:, 1].astype(np.intp),
        outcome=part.cells[:, 2].astype(np.int8),
        count=part.count,
        n_battles=int(part.rows),
        source=source,
    )


def is_battle_collection(data: Any) -> bool:
    """Whether ``data`` is a :class:`DistributedBattles` or a Dask DataFrame with battle columns and no score."""
    if isinstance(data, DistributedBattles):
        return True
    cols = getattr(data, "columns", None)
    if cols is None or not hasattr(data, "__dask_graph__"):
        return False
    names = {str(c) for c in cols}
    return any(set(layout) <= names for layout in LAYOUTS) and "score" not in names


def read_battles(
    source: Any,
    *,
    model_a: str | None = None,
    model_b: str | None = None,
    winner: str | None = None,
    format: str | None = None,
    npartitions: int | None = None,
    scheduler: Any = None,
) -> DistributedBattles:
    """A battle log as a Dask collection, read lazily (nothing is computed until :meth:`DistributedBattles.counts`).

    Parameters
    ----------
    source : dask.dataframe.DataFrame, pandas.DataFrame, str or path-like
        One battle per row: a Dask DataFrame, a pandas DataFrame (split into ``npartitions``), or a Parquet / CSV /
        TSV file, directory or glob (one partition per file, read on the workers).
    model_a, model_b, winner : str, optional
        Column names; by default ``model_a, model_b, winner`` or ``system_a, system_b, winner``, as
        :func:`rankagg.read_battle_counts`. ``winner``: ``model_a`` / ``a``, ``model_b`` / ``b``, ``tie``,
        ``tie (bothbad)``.
    format, npartitions, scheduler
        As :func:`rankagg.distributed.read_instances`.

    Returns
    -------
    DistributedBattles
        Errors (missing columns, empty names, a system against itself, unknown winners) are raised when it is
        counted, naming the partition (and its file) and the rows within it.
    """
    require_dask("read_battles")
    from rankagg.distributed.instances import partitions_of

    raw, files = partitions_of(source, format=format, npartitions=npartitions)
    if files is None:
        name = "data"
    else:
        name = files[0] if len(files) == 1 else f"{len(files)} files"
    if isinstance(source, (str, os.PathLike)) and files is not None and len(files) > 1:
        name = f"{os.fspath(source)} ({len(files)} files)"
    return DistributedBattles(
        npartitions=len(raw),
        source=name,
        model_a=model_a,
        model_b=model_b,
        winner=winner,
        files=None if files is None else tuple(files),
        scheduler=scheduler,
        parts=tuple(raw),
    )
