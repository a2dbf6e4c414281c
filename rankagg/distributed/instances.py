"""Reading instance-level scores into a :class:`~rankagg.distributed.frames.DistributedInstances`.

Rows are validated in the partition where they are (errors name the partition, its file and the row, and the fix),
the task columns and systems are resolved with the local reader's rules (directions, weights, metric selection,
include / exclude), long data are grouped by (task column, instance) with a Dask shuffle, and the missing policy is
applied to the whole collection as :meth:`rankagg.InstanceTable.from_long` applies it.

Why this module is long: one reading path, in the order the data go through it (files or frames to partitions,
row validation per partition, column resolution, grouping into blocks, the missing policy); each step's messages
name the partition and row its own way, and splitting them would scatter one validation path over files.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import ScoreTableError, did_you_mean, preview
from rankagg.data.columns import parse_bool, strip_names
from rankagg.data.instances import INSTANCE_MISSING_POLICIES, InstanceTable
from rankagg.data.table import Column
from rankagg.distributed.cluster import require_dask, using_client
from rankagg.distributed.frames import DistributedInstances, PartitionBlocks, tree_reduce

__all__ = ["LAYOUTS", "partitions_of", "read_instances"]

LAYOUTS: tuple[str, ...] = ("long", "wide")
_MISSING_TEXT = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})
_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "tsv"}


@dataclass(frozen=True)
class _Spec:
    """The column names and layout a partition is read with (shipped to the workers)."""

    layout: str
    system: str
    task: str
    instance: str
    score: str
    metric: str | None
    direction: str | None
    weight: str | None
    system_columns: tuple[str, ...] = ()


def _where(k: int, files: Sequence[str] | None) -> str:
    return f"partition {k}" + (f" (file {files[k]})" if files is not None and k < len(files) else "")


def _rows(labels: Any) -> str:
    return preview([str(x) for x in labels])


def partitions_of(source: Any, *, format: str | None, npartitions: int | None) -> tuple[list[Any], list[str] | None]:
    """The input as one ``dask.delayed`` pandas frame per partition, and the file of each (files only)."""
    import dask
    import dask.dataframe as dd

    if isinstance(source, dd.DataFrame):
        return list(source.to_delayed()), None
    if isinstance(source, pd.DataFrame):
        if len(source) == 0:
            raise ScoreTableError("data: the table is empty (no rows); give at least two systems and one instance.")
        n = npartitions or max(1, -(-len(source) // 1_000_000))
        ddf = dd.from_pandas(source, npartitions=n, sort=False)
        return list(ddf.to_delayed()), None
    if isinstance(source, (list, tuple)) and source and all(isinstance(x, (str, os.PathLike)) for x in source):
        files = [os.fspath(x) for x in source]  # a list of files, read in the order given
        absent = [f for f in files if not os.path.isfile(f)]
        if absent:
            raise ScoreTableError(f"source: no such file(s) {preview(absent)}; give existing Parquet/CSV files.")
        fmts = {f: _fmt(f, format) for f in files}
        return [dask.delayed(_read_file, pure=True)(f, fmts[f]) for f in files], files
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if os.path.isdir(text):
            files = sorted(
                str(p) for p in Path(text).rglob("*") if p.is_file() and _fmt(str(p), None, strict=False) is not None
            )
        else:
            files = sorted(glob.glob(text)) if any(ch in text for ch in "*?[") else [text]
        files = [f for f in files if os.path.isfile(f)]
        if not files:
            raise ScoreTableError(
                f"source: no file matches {text!r}; give a file, a directory of Parquet/CSV files or a glob such as "
                "'results/*.parquet'."
            )
        fmts = {f: _fmt(f, format) for f in files}
        return [dask.delayed(_read_file, pure=True)(f, fmts[f]) for f in files], files
    raise ScoreTableError(
        f"source: expected a Dask or pandas DataFrame, a path or glob of Parquet/CSV files, or a list of paths, got "
        f"{type(source).__name__}."
    )


def _fmt(path: str, format: str | None, *, strict: bool = True) -> str | None:
    if format is not None:
        if format not in ("parquet", "csv", "tsv"):
            raise ScoreTableError(f"format={format!r}: use 'parquet', 'csv' or 'tsv'.")
        return format
    name = path.lower()
    for comp in (".gz", ".bz2", ".zst", ".xz"):
        if name.endswith(comp):
            name = name[: -len(comp)]
    fmt = _FORMATS.get(os.path.splitext(name)[1])
    if fmt is None and strict:
        raise ScoreTableError(
            f"{path}: cannot tell the format from the extension; name it .parquet or .csv, or pass format='parquet' "
            "(CLI: --format)."
        )
    return fmt


def _read_file(path: str, fmt: str) -> pd.DataFrame:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()
    return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",")


def _check_columns(cols: Sequence[str], spec: _Spec, where: str) -> None:
    need = [("task", spec.task), ("instance", spec.instance)]
    if spec.layout == "long":
        need = [("system", spec.system), *need, ("score", spec.score)]
    for param, name in need:
        if name not in cols:
            raise ScoreTableError(
                f"{param}: no column {name!r} in {where}; its columns are {preview(list(cols), 10)}."
                f"{did_you_mean(name, list(cols))} Pass {param}='<column name>' (CLI: --{param}-col)."
            )
    if spec.layout == "wide":
        absent = [s for s in spec.system_columns if s not in cols]
        if absent:
            raise ScoreTableError(
                f"systems: {where} has no column for system(s) {preview(absent)}; its columns are "
                f"{preview(list(cols), 10)}. With layout='wide' every partition has one score column per system."
            )


def _names(df: pd.DataFrame, col: str, param: str, where: str) -> np.ndarray:
    null = df[col].isna().to_numpy()
    if null.any():
        raise ScoreTableError(
            f"{param}: empty {col!r} in {where}, row(s) {_rows(df.index[null])}; every row needs a {param}."
        )
    return strip_names(df[col], param).to_numpy(dtype=object)


def _numbers(raw: pd.Series, name: str, where: str) -> np.ndarray:
    numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(numeric).any():
        texty = raw.astype("string").str.strip().str.lower()
        blank = (raw.isna() | texty.isin(_MISSING_TEXT).fillna(True)).to_numpy()
        bad = np.isnan(numeric) & ~blank
        if bad.any():
            shown = [f"(row {r}: {v!r})" for r, v in zip(raw.index[bad][:5], raw.to_numpy()[bad][:5], strict=True)]
            raise ScoreTableError(
                f"score: non-numeric values in column {name!r} in {where} at {preview(shown)}"
                f"{f' ({int(bad.sum())} rows)' if bad.sum() > 5 else ''}; scores must be numbers (leave the cell "
                "empty, or write NA, for a missing score)."
            )
    inf = np.isinf(numeric)
    if inf.any():
        shown = [f"(row {r}: {v})" for r, v in zip(raw.index[inf][:5], numeric[inf][:5], strict=True)]
        raise ScoreTableError(
            f"score: infinite values in column {name!r} in {where} at {preview(shown)}; replace them with finite "
            "numbers or leave the cell empty (missing)."
        )
    return numeric


def _parsed(df: pd.DataFrame, spec: _Spec, k: int, files: Sequence[str] | None) -> dict[str, Any]:
    """Validate one raw partition's rows; return its columns as arrays (names stripped, scores as float64)."""
    where = _where(k, files)
    cols = [str(c) for c in df.columns]
    df = df.copy(deep=False)
    df.columns = cols
    _check_columns(cols, spec, where)
    out: dict[str, Any] = {"rows": np.asarray(df.index, dtype=object).astype(str)}
    out["task"] = _names(df, spec.task, "task", where)
    out["instance"] = _names(df, spec.instance, "instance", where)
    if spec.metric is not None and spec.metric in cols:
        raw = df[spec.metric]
        blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
        out["metric"] = np.where(blank, None, raw.astype(str).str.strip().to_numpy(dtype=object)).astype(object)
    else:
        out["metric"] = np.full(len(df), None, dtype=object)
    if spec.layout == "long":
        out["system"] = _names(df, spec.system, "system", where)
        out["score"] = _numbers(df[spec.score], spec.score, where)
    else:
        out["scores"] = np.column_stack(
            [_numbers(df[s], s, where) for s in spec.system_columns] or [np.empty((len(df), 0))]
        )
    direction = np.full(len(df), -1, dtype=np.int8)
    if spec.direction is not None and spec.direction in cols:
        codes, uniques = pd.factorize(df[spec.direction], use_na_sentinel=True)
        parsed = np.empty(len(uniques), dtype=np.int8)
        for u, value in enumerate(uniques):
            try:
                b = parse_bool(value)
            except ValueError:
                bad = codes == u
                raise ScoreTableError(
                    f"direction: value {value!r} in column {spec.direction!r} in {where}, row(s) "
                    f"{_rows(df.index[bad])} is not a direction; use True/False (or 'higher'/'lower')."
                ) from None
            parsed[u] = -1 if b is None else int(b)
        direction = np.where(codes >= 0, parsed[np.maximum(codes, 0)], -1).astype(np.int8)
    out["direction"] = direction
    if spec.weight is not None and spec.weight in cols:
        num = pd.to_numeric(df[spec.weight], errors="coerce").to_numpy(dtype=np.float64)
        blank = df[spec.weight].isna().to_numpy() | (df[spec.weight].astype(str).str.strip() == "").to_numpy()
        bad = np.isnan(num) & ~blank
        if bad.any():
            raise ScoreTableError(
                f"weight: non-numeric values in column {spec.weight!r} in {where}, row(s) {_rows(df.index[bad])}; "
                "weights must be positive numbers (or pass weight=None to ignore the column)."
            )
        out["weight"] = num
    else:
        out["weight"] = np.full(len(df), np.nan)
    return out


def _scan(df: pd.DataFrame, spec: _Spec, k: int, files: Sequence[str] | None) -> dict[str, Any]:
    """Pass 1 on a raw partition: validate its rows; return its systems, task columns, directions and weights."""
    p = _parsed(df, spec, k, files)
    where = _where(k, files)
    key = pd.Series(list(zip(p["task"], p["metric"], strict=True)), dtype=object)
    col_keys = list(pd.unique(key))
    if spec.layout == "long":
        pairs = list(pd.unique(pd.Series(list(zip(p["system"], key, strict=True)), dtype=object)))
    else:
        pairs = [(s, c) for c in col_keys for s in spec.system_columns]
    directions: dict[Any, dict[int, str]] = {}
    weights: dict[Any, set[float]] = {}
    codes = pd.factorize(key)[0]
    for c_i, ck in enumerate(col_keys):
        sel = codes == c_i
        d = p["direction"][sel]
        for val in (0, 1):
            hit = np.nonzero(d == val)[0]
            if hit.size:
                directions.setdefault(ck, {})[val] = f"{where} row {p['rows'][sel][hit[0]]}"
        w = p["weight"][sel]
        w = w[~np.isnan(w)]
        if w.size:
            weights[ck] = set(np.unique(w).tolist())
    return {"pairs": pairs, "columns": col_keys, "directions": directions, "weights": weights, "rows": len(df)}


def _encode(
    df: pd.DataFrame,
    spec: _Spec,
    k: int,
    files: Sequence[str] | None,
    systems: Mapping[str, int],
    cols: Mapping[Any, int],
) -> pd.DataFrame:
    """Long layout, before the shuffle: the rows of the kept systems and columns as codes, with where they came from."""
    p = _parsed(df, spec, k, files)
    key = list(zip(p["task"], p["metric"], strict=True))
    s = np.fromiter((systems.get(x, -1) for x in p["system"]), dtype=np.int32, count=len(df))
    c = np.fromiter((cols.get(x, -1) for x in key), dtype=np.int32, count=len(df))
    keep = (s >= 0) & (c >= 0)
    return pd.DataFrame(
        {
            "s": s[keep],
            "c": c[keep],
            "inst": pd.Series(p["instance"][keep], dtype=object),
            "score": p["score"][keep],
            "part": np.full(int(keep.sum()), k, dtype=np.int32),
            "row": pd.Series(p["rows"][keep], dtype=object),
        }
    )


_ENCODED_META = pd.DataFrame(
    {
        "s": pd.Series([], dtype=np.int32),
        "c": pd.Series([], dtype=np.int32),
        "inst": pd.Series([], dtype=object),
        "score": pd.Series([], dtype=np.float64),
        "part": pd.Series([], dtype=np.int32),
        "row": pd.Series([], dtype=object),
    }
)


def _blocks_long(
    df: pd.DataFrame,
    index: int,
    n_sys: int,
    files: Sequence[str] | None,
    labels: Sequence[tuple[str, str | None]],
    system_names: Sequence[str],
) -> PartitionBlocks:
    """Long layout, after the shuffle: every instance of this partition as a column of its task column's block."""
    blocks: dict[int, np.ndarray] = {}
    ids: dict[int, np.ndarray] = {}
    if len(df):
        df = df.sort_values(["c", "inst", "s"], kind="stable")
        cc = df["c"].to_numpy()
        ss = df["s"].to_numpy().astype(np.int64)
        inst = df["inst"].to_numpy(dtype=object)
        sc = df["score"].to_numpy()
        for j in np.unique(cc):
            sel = cc == j
            codes, uniq = pd.factorize(inst[sel], sort=True)
            cell = codes.astype(np.int64) * n_sys + ss[sel]
            order = np.argsort(cell, kind="stable")
            dup = np.nonzero(cell[order][1:] == cell[order][:-1])[0]
            if dup.size:
                first = cell[order][dup[0]]
                where = np.nonzero(cell == first)[0]
                parts = df["part"].to_numpy()[sel][where]
                rows = df["row"].to_numpy()[sel][where]
                task, metric = labels[int(j)]
                what = f"({system_names[int(first % n_sys)]!r}, {task!r}" + (
                    f", {metric!r}" if metric is not None else ""
                )
                shown = [f"{_where(int(pp), files)} row {r}" for pp, r in zip(parts, rows, strict=True)]
                raise ScoreTableError(
                    f"data: duplicate entries for {what}, instance {str(uniq[codes[where[0]]])!r}) at {preview(shown)}"
                    "; keep one row per (system, task, metric, instance), e.g. by averaging or dropping repeats first."
                )
            block = np.full((n_sys, len(uniq)), np.nan)
            block[ss[sel], codes] = sc[sel]
            blocks[int(j)] = block
            ids[int(j)] = np.asarray(uniq, dtype=object).astype(str)
    return PartitionBlocks(index, blocks, ids)


def _blocks_wide(
    df: pd.DataFrame, spec: _Spec, k: int, files: Sequence[str] | None, cols: Mapping[Any, int]
) -> PartitionBlocks:
    """Wide layout: this partition's rows (instances) as columns of their task column's block."""
    p = _parsed(df, spec, k, files)
    key = list(zip(p["task"], p["metric"], strict=True))
    c = np.fromiter((cols.get(x, -1) for x in key), dtype=np.int64, count=len(df))
    blocks: dict[int, np.ndarray] = {}
    ids: dict[int, np.ndarray] = {}
    scores = p["scores"]
    for j in np.unique(c[c >= 0]):
        sel = np.nonzero(c == j)[0]
        inst = p["instance"][sel].astype(str)
        order = np.argsort(inst, kind="stable")
        sorted_ids = inst[order]
        dup = np.nonzero(sorted_ids[1:] == sorted_ids[:-1])[0]
        if dup.size:
            bad = sel[inst == sorted_ids[dup[0]]]
            raise ScoreTableError(
                f"data: duplicate rows for task column {key[sel[0]]!r}, instance {sorted_ids[dup[0]]!r} in "
                f"{_where(k, files)}, rows {_rows(p['rows'][bad])}; keep one row per (task, metric, instance)."
            )
        blocks[int(j)] = np.ascontiguousarray(scores[sel[order]].T)
        ids[int(j)] = sorted_ids.astype(object).astype(str)
    return PartitionBlocks(k, blocks, ids)


def _restrict(part: PartitionBlocks, rows: np.ndarray | None, drop_incomplete: bool) -> PartitionBlocks:
    """A partition after the missing policy: the kept systems (``rows``), without incomplete instances if asked."""
    blocks: dict[int, np.ndarray] = {}
    ids: dict[int, np.ndarray] = {}
    for j, b in part.blocks.items():
        b2 = b if rows is None else b[rows]
        inst = part.instances[j]
        if drop_incomplete:
            full = ~np.isnan(b2).any(axis=0)
            b2, inst = b2[:, full], inst[full]
            if b2.shape[1] == 0:
                continue
        blocks[j] = np.ascontiguousarray(b2)
        ids[j] = inst
    return PartitionBlocks(part.index, blocks, ids)


def _key_hashes(j: int, instances: Any) -> np.ndarray:
    """64-bit hashes of (task column, instance) keys: what finds an instance given twice in wide data."""
    keys = np.array([f"{j}\x1f{i}" for i in instances], dtype=object)
    return pd.util.hash_array(keys) if keys.size else np.empty(0, dtype=np.uint64)


def _summary(part: PartitionBlocks, n_sys: int, n_cols: int, limit: int, keys: bool = False) -> dict[str, Any]:
    """What the missing policy needs from a partition (sums and a few examples); with ``keys``, its keys' hashes."""
    scored = np.zeros((n_sys, n_cols), dtype=np.int64)
    sizes = np.zeros(n_cols, dtype=np.int64)
    complete = np.zeros(n_cols, dtype=np.int64)
    shared = np.zeros(n_sys, dtype=np.int64)
    unscored: list[tuple[int, str]] = []
    n_unscored = 0
    missing_cells: list[tuple[int, int, str]] = []
    incomplete: list[tuple[int, str]] = []
    for j, b in part.blocks.items():
        present = ~np.isnan(b)
        scored[:, j] = present.sum(axis=1)
        sizes[j] = b.shape[1]
        full = present.all(axis=0)
        complete[j] = int(full.sum())
        k = present.sum(axis=0)
        shared += (present & (k >= 2)[None, :]).sum(axis=1)
        none = np.nonzero(k == 0)[0]
        n_unscored += none.size
        unscored += [(j, str(part.instances[j][x])) for x in none[: max(0, 5 - len(unscored))]]
        if len(missing_cells) < 5 and not full.all():
            i, x = np.nonzero(~present)
            missing_cells += [(int(a), j, str(part.instances[j][c])) for a, c in zip(i[:5], x[:5], strict=True)]
        if not full.all() and len(incomplete) < limit:
            incomplete += [(j, str(part.instances[j][x])) for x in np.nonzero(~full)[0][: limit - len(incomplete)]]
    return {
        "scored": scored,
        "sizes": sizes,
        "complete": complete,
        "shared": shared,
        "unscored": unscored,
        "n_unscored": n_unscored,
        "missing_cells": missing_cells[:5],
        "incomplete": incomplete,
        "keys": np.concatenate([_key_hashes(j, part.instances[j]) for j in part.blocks] or [np.empty(0, np.uint64)])
        if keys
        else None,
    }


def _merge_summaries(items: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(items[0])
    for it in items[1:]:
        for name in ("scored", "sizes", "complete", "shared"):
            out[name] = out[name] + it[name]
        out["n_unscored"] = out["n_unscored"] + it["n_unscored"]
        out["unscored"] = (out["unscored"] + it["unscored"])[:5]
        out["missing_cells"] = (out["missing_cells"] + it["missing_cells"])[:5]
        out["incomplete"] = out["incomplete"] + it["incomplete"]
        if out["keys"] is not None:
            out["keys"] = np.concatenate([out["keys"], it["keys"]])
    return out


def _rows_with_keys(
    df: pd.DataFrame, spec: _Spec, k: int, files: Sequence[str] | None, cols: Mapping[Any, int], wanted: np.ndarray
) -> list[tuple[int, str, str, str]]:
    """Wide data: the rows of a raw partition whose (task column, instance) hash is in ``wanted``."""
    p = _parsed(df, spec, k, files)
    key = list(zip(p["task"], p["metric"], strict=True))
    c = [cols.get(x, -1) for x in key]
    out = []
    for r, (j, inst) in enumerate(zip(c, p["instance"], strict=True)):
        if j >= 0 and _key_hashes(j, [str(inst)])[0] in wanted:
            out.append((j, str(inst), _where(k, files), str(p["rows"][r])))
    return out


def _check_wide_duplicates(
    hashes: np.ndarray, raw: Sequence[Any], spec: _Spec, files: Sequence[str] | None, cols: Mapping[Any, int],
    labels: Sequence[str], client: Any,
) -> None:  # fmt: skip
    """An instance given in two rows of wide data (in one partition or two) is an error naming the rows."""
    import dask

    s = np.sort(hashes)
    dup = np.unique(s[1:][s[1:] == s[:-1]])
    if dup.size == 0:
        return
    wanted = dup[:20]
    found = client.compute(
        [dask.delayed(_rows_with_keys, pure=True)(d, spec, k, files, cols, wanted) for k, d in enumerate(raw)],
        sync=True,
    )
    seen: dict[tuple[int, str], list[str]] = {}
    for part in found:
        for j, inst, where, row in part:
            seen.setdefault((j, inst), []).append(f"{where} row {row}")
    for (j, inst), where in seen.items():
        if len(where) > 1:  # (a hash shared by two different keys is no duplicate)
            raise ScoreTableError(
                f"data: duplicate rows for task column {labels[j]!r}, instance {inst!r} at {preview(where)}"
                f"{f' ({dup.size} duplicated instances)' if dup.size > 1 else ''}; keep one row per (task, metric, "
                "instance)."
            )


def read_instances(
    source: Any,
    *,
    layout: str = "long",
    system: str = "system",
    task: str = "task",
    instance: str = "instance",
    score: str = "score",
    metric: str | None = "metric",
    direction: str | None = "higher_is_better",
    weight: str | None = "weight",
    systems: Sequence[str] | None = None,
    higher_is_better: bool | Mapping[str, bool] | None = None,
    metrics: str | Mapping[str, str] | None = None,
    weights: Any = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: str = "raise",
    format: str | None = None,
    npartitions: int | None = None,
    scheduler: Any = None,
    max_listed: int = 100_000,
    persist: bool = False,
) -> DistributedInstances:
    """Read instance-level scores lazily as a validated Dask collection (the scores stay on the cluster).

    Parameters
    ----------
    source : dask.dataframe.DataFrame, pandas.DataFrame, str, path-like or list of them
        The scores: a Dask DataFrame, a pandas DataFrame (split into ``npartitions``), or a Parquet / CSV / TSV
        file, a directory of them, a glob such as ``"details/*.parquet"`` or a list of files (one partition per
        file, read on the workers; pyarrow reads Parquet).
    layout : {"long", "wide"}, default "long"
        ``"long"``: one row per system, task, instance and score (the columns of
        :meth:`rankagg.InstanceTable.from_long`). ``"wide"``: one row per task and instance, one score column per
        system (``systems``; default every column but the task, instance, metric, direction and weight ones).
    system, task, instance, score, metric, direction, weight : str or None
        Column names, as in :meth:`rankagg.InstanceTable.from_long` (``metric``, ``direction`` and ``weight`` are
        optional columns, used when present).
    systems : sequence of str, optional
        ``layout="wide"``: the system columns.
    higher_is_better, metrics, weights, include, exclude, missing
        As in :meth:`rankagg.InstanceTable.from_long`; ``missing`` is applied to the whole collection, exactly as
        the local reader does (instances with no score at all, systems or instances dropped, partial rankings).
    format : {"parquet", "csv", "tsv"}, optional
        File format when the extension does not tell.
    npartitions : int, optional
        Partitions of a pandas DataFrame (default one per million rows).
    scheduler : str, distributed.Client or None
        Where to compute (see :func:`rankagg.distributed.cluster.using_client`); kept for later computations.
    max_listed : int, default 100000
        ``missing="drop_instances"``: at most this many dropped instances are listed in ``dropped_instances``
        (their number is always in ``notes``).
    persist : bool, default False
        Keep the validated blocks in the cluster's memory (``Client.persist``), so that later computations do not
        read and group the data again; needs a client that outlives this call (``scheduler=`` a
        ``distributed.Client``, or the current client), and cluster memory for every score.

    Returns
    -------
    DistributedInstances

    Raises
    ------
    ScoreTableError
        As the local reader, with the partition (and its file) and the row of every offending row: missing
        columns, empty names, non-numeric or infinite scores, duplicate rows, unknown or conflicting directions,
        missing scores under ``missing="raise"``.

    Examples
    --------
    >>> import pandas as pd, rankagg
    >>> from distributed import Client
    >>> from rankagg.distributed import read_instances
    >>> client = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None)
    >>> df = pd.DataFrame({"system": ["A", "B", "A", "B"], "task": "qa", "instance": [1, 1, 2, 2],
    ...                    "score": [1.0, 0.0, 1.0, 1.0]})
    >>> data = read_instances(df, higher_is_better=True, npartitions=2, scheduler=client)
    >>> data.systems, dict(data.n_instances)
    (('A', 'B'), {'qa': 2})
    >>> rankagg.aggregate(data, "borda").ranking
    ['A', 'B']
    >>> client.close()
    """
    require_dask("read_instances")
    import dask
    import dask.dataframe as dd

    if layout not in LAYOUTS:
        raise ScoreTableError(
            f"layout={layout!r}: use 'long' (one row per system, task, instance and score) or 'wide' (one row per "
            f"task and instance, one score column per system).{did_you_mean(str(layout), LAYOUTS)}"
        )
    if missing not in INSTANCE_MISSING_POLICIES:
        raise ScoreTableError(
            f"missing={missing!r} is not a missing-value policy for instance-level scores; use one of "
            f"{', '.join(repr(p) for p in INSTANCE_MISSING_POLICIES)}."
            f"{did_you_mean(str(missing), INSTANCE_MISSING_POLICIES)}"
        )
    raw, files = partitions_of(source, format=format, npartitions=npartitions)
    source_name = "data" if files is None else (files[0] if len(files) == 1 else f"{len(files)} files")
    spec = _Spec("long", system, task, instance, score, metric, direction, weight)
    if persist and not _held_client(scheduler):  # persisted blocks live as long as the client holding them
        raise ScoreTableError(
            "persist=True keeps the blocks in the memory of a cluster that outlives this call: pass "
            "scheduler=distributed.Client(...) (or make one current), or leave persist out."
        )
    with using_client(scheduler) as client:
        if layout == "wide":
            (head,) = client.compute([raw[0]], sync=True)
            cols = [str(c) for c in head.columns]
            _check_columns(
                cols, _Spec("wide", system, task, instance, score, metric, direction, weight), _where(0, files)
            )
            if systems is None:
                skip = {task, instance, metric, direction, weight}
                systems = [c for c in cols if c not in skip]
            if len(systems) < 2:
                raise ScoreTableError(
                    f"systems: layout='wide' needs a score column per system, found {preview(list(systems))}; pass "
                    "systems=[...] (CLI: --systems)."
                )
            spec = _Spec(
                "wide", system, task, instance, score, metric, direction, weight, tuple(str(s) for s in systems)
            )
        scans = client.compute(
            [dask.delayed(_scan, pure=True)(d, spec, k, files) for k, d in enumerate(raw)], sync=True
        )
        col_order, meta = _merge_scans(scans)
        skeleton = _skeleton(col_order, meta, higher_is_better, metrics, weights, include, exclude)
        sys_index = {s: i for i, s in enumerate(skeleton.systems)}
        col_keys = [(c.task, c.metric) for c in skeleton.columns]
        col_index = {ck: j for j, ck in enumerate(col_keys)}
        n_sys, n_cols = len(sys_index), len(col_keys)
        if layout == "long":
            enc = [dask.delayed(_encode, pure=True)(d, spec, k, files, sys_index, col_index) for k, d in enumerate(raw)]
            shuffled = dd.from_delayed(enc, meta=_ENCODED_META, verify_meta=False).shuffle(
                on=["c", "inst"], npartitions=len(raw), shuffle_method="tasks"
            )
            full = [
                dask.delayed(_blocks_long, pure=True)(d, k, n_sys, files, col_keys, skeleton.systems)
                for k, d in enumerate(shuffled.to_delayed())
            ]
        else:
            keep = np.array([sys_index.get(s, -1) for s in spec.system_columns])
            order = np.argsort(keep)[np.sort(keep) >= 0]
            spec = _Spec("wide", system, task, instance, score, metric, direction, weight,
                         tuple(spec.system_columns[i] for i in order))  # fmt: skip
            full = [dask.delayed(_blocks_wide, pure=True)(d, spec, k, files, col_index) for k, d in enumerate(raw)]
        if persist:
            full = client.persist(full)
        summary = client.compute(
            tree_reduce(
                [dask.delayed(_summary, pure=True)(p, n_sys, n_cols, max_listed, layout == "wide") for p in full],
                _merge_summaries,
            ),
            sync=True,
        )
        if layout == "wide":  # long data met every row of an instance in one block, where duplicates were refused
            labels = [c.label for c in skeleton.columns]
            _check_wide_duplicates(summary["keys"], raw, spec, files, col_index, labels, client)
    rows, drop, sizes, dropped_systems, dropped_inst, notes, has_missing = _apply_policy(
        summary, skeleton.systems, skeleton.columns, missing, max_listed
    )
    parts = tuple(p if rows is None and not drop else dask.delayed(_restrict, pure=True)(p, rows, drop) for p in full)
    kept = skeleton.systems if rows is None else tuple(skeleton.systems[i] for i in rows)
    return DistributedInstances(
        systems=kept,
        columns=skeleton.columns,
        sizes=tuple(int(s) for s in sizes),
        missing=missing,
        has_missing=has_missing,
        npartitions=len(parts),
        layout=layout,
        source=source_name,
        dropped_systems=dropped_systems,
        dropped_instances=dropped_inst,
        notes=notes,
        scheduler=scheduler,
        parts=parts,
    )


def _held_client(scheduler: Any) -> bool:
    """Whether ``scheduler`` names a client the caller holds (given, or current), rather than one made for a call."""
    import distributed

    if isinstance(scheduler, distributed.Client):
        return True
    if scheduler is not None:
        return False
    try:
        distributed.get_client()
    except ValueError:
        return False
    return True


def _merge_scans(scans: list[dict[str, Any]]) -> tuple[list[Any], dict[str, Any]]:
    """The partitions' scans in partition order: task columns and (system, column) pairs by first appearance."""
    pairs = list(dict.fromkeys(pr for s in scans for pr in s["pairs"]))
    cols = list(dict.fromkeys(c for s in scans for c in s["columns"]))
    directions: dict[Any, dict[int, str]] = {}
    weights: dict[Any, set[float]] = {}
    for s in scans:
        for ck, d in s["directions"].items():
            for val, where in d.items():
                directions.setdefault(ck, {}).setdefault(val, where)
        for ck, w in s["weights"].items():
            weights.setdefault(ck, set()).update(w)
    for ck, d in directions.items():
        if len(d) == 2:
            name = ck[0] if ck[1] is None else f"{ck[0]}:{ck[1]}"
            raise ScoreTableError(
                f"direction: conflicting directions for task {name!r}: higher_is_better is True in {d[1]} and False "
                f"in {d[0]}; a metric has one direction."
            )
    for ck, w in weights.items():
        if len(w) > 1:
            name = ck[0] if ck[1] is None else f"{ck[0]}:{ck[1]}"
            raise ScoreTableError(
                f"weight: task {name!r} has several weights ({preview(sorted(w))}); a task column has one weight."
            )
    return cols, {"pairs": pairs, "directions": directions, "weights": weights}


def _skeleton(
    cols: list[Any],
    meta: dict[str, Any],
    higher_is_better: Any,
    metrics: Any,
    weights: Any,
    include: Any,
    exclude: Any,
) -> InstanceTable:
    """The task columns and systems, resolved by the local reader on one placeholder score per (system, column).

    Directions, weights, metric selection and ``include`` / ``exclude`` then follow the local rules and messages.
    """
    if not cols:
        raise ScoreTableError("data: the table is empty (no rows); give at least two systems and one instance.")
    rows = []
    for s, ck in meta["pairs"]:
        d = meta["directions"].get(ck, {})
        w = meta["weights"].get(ck)
        rows.append(
            {
                "system": s,
                "task": ck[0],
                "metric": ck[1],
                "instance": "0",
                "score": 0.0,
                "higher_is_better": True if 1 in d else (False if 0 in d else None),
                "weight": next(iter(w)) if w else np.nan,
            }
        )
    frame = pd.DataFrame(rows)
    has_metric = frame["metric"].notna().any()
    return InstanceTable.from_long(
        frame,
        metric="metric" if has_metric else None,
        direction="higher_is_better" if frame["higher_is_better"].notna().any() else None,
        weight="weight" if frame["weight"].notna().any() else None,
        higher_is_better=higher_is_better,
        metrics=metrics,
        weights=weights,
        include=include,
        exclude=exclude,
        missing="partial",
    )


def _apply_policy(
    summary: dict[str, Any], systems: Sequence[str], columns: Sequence[Column], missing: str, max_listed: int
) -> tuple[np.ndarray | None, bool, np.ndarray, tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...], bool]:
    """The local missing policy on the whole collection: (kept rows, drop incomplete instances?, sizes, ...)."""
    scored, sizes = summary["scored"], summary["sizes"]
    labels = [c.label for c in columns]
    empty = [labels[j] for j in np.nonzero(sizes == 0)[0]]
    if empty:
        raise ScoreTableError(f"scores: task column(s) {preview(empty)} have no instance; remove them.")
    n_missing = int((sizes[None, :] - scored).sum())
    if summary["n_unscored"] and missing != "drop_instances":
        where = [f"({labels[j]!r}, instance {i!r})" for j, i in summary["unscored"]]
        raise ScoreTableError(
            f"scores: {summary['n_unscored']} instance(s) have no score at all, e.g. {preview(where)}; remove them, "
            "or pass missing='drop_instances'."
        )
    if n_missing == 0:
        return None, False, sizes, (), (), (), False
    if missing == "raise":
        cells = [f"({systems[i]!r}, {labels[j]!r}, instance {x!r})" for i, j, x in summary["missing_cells"]]
        raise ScoreTableError(
            f"missing: {n_missing} missing score(s), e.g. at {preview(cells)}; choose a policy: "
            "missing='drop_systems' (drop the systems with a missing score), 'drop_instances' (drop the instances "
            "some system lacks) or 'partial' (each instance ranks the systems it scores)."
        )
    if missing == "drop_systems":
        keep = (scored == sizes[None, :]).all(axis=1)
        if keep.sum() < 2:
            raise ScoreTableError(
                f"missing='drop_systems' would leave {int(keep.sum())} system(s) with every score (it drops "
                f"{preview([s for s, k in zip(systems, keep, strict=True) if not k])}); use missing='drop_instances' "
                "or 'partial'."
            )
        gone = tuple(s for s, k in zip(systems, keep, strict=True) if not k)
        note = f"missing='drop_systems': dropped {len(gone)} system(s) with a missing score: {preview(list(gone))}."
        return np.nonzero(keep)[0], False, sizes, gone, (), (note,), False
    if missing == "drop_instances":
        lost = [labels[j] for j in np.nonzero(summary["complete"] == 0)[0]]
        if lost:
            raise ScoreTableError(
                f"missing='drop_instances' would drop every instance of task column(s) {preview(lost)} (each lacks "
                "some system's score); use missing='drop_systems' or 'partial'."
            )
        n_drop = int((sizes - summary["complete"]).sum())
        listed = tuple((labels[j], i) for j, i in summary["incomplete"][:max_listed])
        note = f"missing='drop_instances': dropped {n_drop} instance(s) some system lacks" + (
            f" ({len(listed)} listed)" if len(listed) < n_drop else ""
        )
        return None, True, summary["complete"], (), listed, (note + ".",), False
    none = np.nonzero(scored.sum(axis=1) == 0)[0]
    if none.size:
        raise ScoreTableError(
            f"scores: system(s) {preview([systems[i] for i in none])} have no score on any instance; exclude them "
            "(exclude=...) or pass missing='drop_systems'."
        )
    alone = np.nonzero(summary["shared"] == 0)[0]
    if alone.size:
        raise ScoreTableError(
            f"scores: system(s) {preview([systems[i] for i in alone])} share no instance with any other system, so "
            "nothing compares them; exclude them (exclude=...) or pass missing='drop_systems'."
        )
    return None, False, sizes, (), (), (), True
