"""Reading battle logs of millions of battles into :class:`~rankagg.data.battle_counts.BattleCounts`: CSV, TSV,
JSON lines, a JSON list or Parquet, in chunks of ``CHUNK_ROWS`` rows, only the three columns it needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rankagg._errors import RankaggError
from rankagg.data.battle_counts import BattleCounter, BattleCounts, battle_columns, register_counts_reader
from rankagg.io.files import compression_of, format_of

__all__ = ["CHUNK_ROWS", "read_battle_counts"]


#: Rows read at a time from a file.
CHUNK_ROWS = 1 << 20


def read_battle_counts(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    format: str | None = None,
    model_a: str | None = None,
    model_b: str | None = None,
    winner: str | None = None,
) -> BattleCounts:
    """Read a battle log into the counts of its distinct outcomes, in chunks, reading only three columns.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        CSV, TSV, JSON lines, a JSON list of records, or Parquet (compressed
        or not), or a DataFrame. One row per battle. CSV, TSV, JSON lines and
        Parquet are read a million rows at a time (Parquet: only the three
        columns); a JSON list (Chatbot Arena's ``clean_battle`` file) is read
        whole, every field included, so convert a large one to JSON lines or
        Parquet first.
    format : {"csv", "tsv", "jsonl", "json", "parquet"}, optional
        By default from the extension.
    model_a, model_b, winner : str, optional
        Column names; by default ``model_a, model_b, winner`` (Chatbot Arena)
        or ``system_a, system_b, winner``. ``winner`` holds ``model_a`` /
        ``a``, ``model_b`` / ``b``, ``tie`` or ``tie (bothbad)`` (case and
        surrounding spaces ignored).

    Returns
    -------
    BattleCounts

    Raises
    ------
    BattleError
        Missing columns, empty names, a system against itself, winner values
        outside the ones above (the rows are named), an empty log.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg import read_battle_counts
    >>> log = pd.DataFrame({"system_a": ["x", "y"], "system_b": ["y", "z"], "winner": ["a", "tie (bothbad)"]})
    >>> c = read_battle_counts(log)
    >>> c.systems, c.count.tolist(), c.outcome.tolist()
    (('x', 'y', 'z'), [1, 1], [0, 2])
    """
    counter = BattleCounter()
    if isinstance(source, pd.DataFrame):
        ca, cb, cw = battle_columns([str(c) for c in source.columns], model_a, model_b, winner)
        counter.add(source[ca], source[cb], source[cw])
        return counter.finish("data")
    path = Path(source)
    if not path.is_file():
        raise RankaggError(f"{path}: no such file.")
    fmt = format_of(path, format)
    comp = compression_of(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        ca, cb, cw = battle_columns(list(pf.schema_arrow.names), model_a, model_b, winner)
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS, columns=[ca, cb, cw]):
            df = batch.to_pandas()
            counter.add(df[ca], df[cb], df[cw])
    elif fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        head = pd.read_csv(path, sep=sep, nrows=0, compression=comp)
        ca, cb, cw = battle_columns([str(c) for c in head.columns], model_a, model_b, winner)
        reader = pd.read_csv(
            path, sep=sep, usecols=[ca, cb, cw], dtype=str, keep_default_na=False, na_values=[""],
            chunksize=CHUNK_ROWS, compression=comp,
        )  # fmt: skip
        for df in reader:
            counter.add(df[ca], df[cb], df[cw])
    elif fmt == "jsonl":
        reader = pd.read_json(path, lines=True, chunksize=CHUNK_ROWS, dtype=False, compression=comp)
        first = True
        for df in reader:
            if first:
                ca, cb, cw = battle_columns([str(c) for c in df.columns], model_a, model_b, winner)
                first = False
            counter.add(df[ca], df[cb], df[cw])
    else:  # a JSON list of records (Chatbot Arena's clean_battle file): one read
        df = pd.read_json(path, dtype=False, compression=comp)
        ca, cb, cw = battle_columns([str(c) for c in df.columns], model_a, model_b, winner)
        counter.add(df[ca], df[cb], df[cw])
    return counter.finish(str(path))


register_counts_reader(read_battle_counts)  # the data stage reads battle-log paths into counts through this
