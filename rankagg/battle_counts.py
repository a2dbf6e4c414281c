"""Battles at Arena scale: millions of battles read once into pair counts, Bradley-Terry fitted on the counts.

A battle log of ``N`` battles among ``n`` systems has at most ``3 n (n - 1) / 2``
distinct outcomes (a pair, and who won or a tie), whatever ``N``:
:func:`read_battle_counts` reads the log (CSV, TSV, JSON lines, a JSON list or
Parquet, in chunks, only the three columns it needs) and counts them with
``pandas.factorize`` and ``numpy.bincount``; every later step works on those
counts.

:func:`fit_bt_counts` fits Bradley-Terry by Newton's method on the pairs that
met (the information matrix is ``n x n``; a line search keeps every step uphill),
a tie counting as half a win for each side (Chatbot Arena's and rankagg's
``bradley_terry`` convention). :func:`bootstrap_bt_counts` resamples the
battles with replacement as Chatbot Arena does, by drawing the counts of the
distinct outcomes from a multinomial (one draw per resample, no re-reading),
and refits each resample from the full data's strengths (warm start), so a
bootstrap costs fits, not reads. :func:`arena_leaderboard` puts it together:
Arena Elo ratings, percentile intervals and ``Rank (UB)``.

**When the maximum likelihood does not exist.** Bradley-Terry strengths are
finite only when no group of systems never loses (or never wins) against the
others. On the full data, ``prior=0`` (the default, Chatbot Arena's plain
maximum likelihood) refuses such a log with the systems named; ``prior > 0``
adds that many virtual games of every system against a reference of average
strength, half won, which keeps every strength finite. A *resample* can lose
the last win of a system that rarely wins (a degenerate resample): it is
fitted with ``degenerate_prior`` virtual games (default 1) instead of running
off to an infinite strength, counted in ``n_degenerate`` and announced with a
:class:`~rankagg.io.DataNoteWarning`; ``degenerate_prior=0`` makes it an
error. (Upstream, FastChat's L-BFGS stops after 100 iterations at some large,
finite rating and says nothing.) A resample whose comparison graph falls apart
(some systems without any battle linking them to the others) is drawn again,
at most for :data:`rankagg.battles.MAX_REDRAWN` of the resamples, as in
:func:`rankagg.battles.bootstrap_battles`; a log whose own graph is in pieces
is refused.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean, preview
from rankagg._threads import one_blas_thread
from rankagg.battles import CELL_DTYPE, MAX_REDRAWN, BattleError, PairwiseProfile
from rankagg.io import DataNoteWarning
from rankagg.io.files import compression_of
from rankagg.io.pairwise import BATTLE_WINNERS
from rankagg.rules.compat import anchor_offset, check_elo_scale, elo_from_log_strengths

__all__ = [
    "ArenaLeaderboard",
    "BattleCounts",
    "arena_leaderboard",
    "battle_counts",
    "bootstrap_bt_counts",
    "fit_bt_counts",
    "rank_upper_bound",
    "read_battle_counts",
]

#: Column layouts recognised when the column names are not given: (system a, system b, winner).
LAYOUTS: tuple[tuple[str, str, str], ...] = (("model_a", "model_b", "winner"), ("system_a", "system_b", "winner"))
#: Rows read at a time from a file.
CHUNK_ROWS = 1 << 20
_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True, eq=False)
class BattleCounts:
    """The distinct outcomes of a battle log and how often each occurred.

    Attributes
    ----------
    systems : tuple of str
        System names, in order of first appearance.
    a, b : numpy.ndarray of int
        The two systems of each cell (indices into ``systems``, ``a < b``).
    outcome : numpy.ndarray of int8
        0: ``a`` won, 1: ``b`` won, 2: a tie.
    count : numpy.ndarray of int64
        How many battles had that outcome.
    n_battles : int
        Battles read (the sum of ``count``).
    source : str
        Where they were read from.
    notes : tuple of str
        What was left out on the way, if anything.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.battle_counts import battle_counts
    >>> log = pd.DataFrame({"model_a": ["x", "y", "x"], "model_b": ["y", "x", "y"],
    ...                     "winner": ["model_a", "model_a", "tie"]})
    >>> battle_counts(log).to_frame()
      system_a system_b  wins_a  wins_b  ties
    0        x        y       1       1     1
    """

    systems: tuple[str, ...]
    a: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    outcome: np.ndarray = field(repr=False)
    count: np.ndarray = field(repr=False)
    n_battles: int
    source: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("a", "b", "outcome", "count"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def n(self) -> int:
        """Number of systems."""
        return len(self.systems)

    def half_wins(self, count: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(i, j, w_ij, w_ji)`` over the pairs that met: wins plus half the ties, of ``count`` (default: the log's).

        ``count`` may be one row of cell counts (a resample).
        """
        cnt = self.count if count is None else np.asarray(count)
        pair, i, j = self._pairs
        won_a = np.where(self.outcome == 0, 1.0, np.where(self.outcome == 2, 0.5, 0.0))
        won_b = np.where(self.outcome == 1, 1.0, np.where(self.outcome == 2, 0.5, 0.0))
        p = i.size
        return i, j, np.bincount(pair, cnt * won_a, p), np.bincount(pair, cnt * won_b, p)

    @property
    def _pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cached = self.__dict__.get("_pair_cache")
        if cached is None:
            key = self.a.astype(np.int64) * self.n + self.b
            uniq, pair = np.unique(key, return_inverse=True)
            cached = (pair.ravel(), (uniq // self.n).astype(np.intp), (uniq % self.n).astype(np.intp))
            self.__dict__["_pair_cache"] = cached
        return cached

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """``(wins, ties)``, ``n x n``: ``wins[i, j]`` battles ``i`` won against ``j``; ``ties`` symmetric."""
        n = self.n
        c = self.count.astype(np.float64)
        wins = np.zeros((n, n))
        ties = np.zeros((n, n))
        o = self.outcome
        np.add.at(wins, (self.a[o == 0], self.b[o == 0]), c[o == 0])
        np.add.at(wins, (self.b[o == 1], self.a[o == 1]), c[o == 1])
        np.add.at(ties, (self.a[o == 2], self.b[o == 2]), c[o == 2])
        return wins, ties + ties.T

    def battles_per_system(self) -> np.ndarray:
        """How many battles each system played."""
        n = self.n
        return (np.bincount(self.a, self.count, n) + np.bincount(self.b, self.count, n)).astype(np.int64)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair that met: ``system_a, system_b, wins_a, wins_b, ties``."""
        pair, i, j = self._pairs
        p = i.size
        out = [np.bincount(pair, np.where(self.outcome == k, self.count, 0), p).astype(np.int64) for k in range(3)]
        names = np.asarray(self.systems, dtype=object)
        return pd.DataFrame({"system_a": names[i], "system_b": names[j], "wins_a": out[0], "wins_b": out[1],
                             "ties": out[2]})  # fmt: skip

    def to_profile(self) -> PairwiseProfile:
        """The :class:`~rankagg.battles.PairwiseProfile` of these battles (for any pairwise rule and
        :func:`rankagg.battles.bootstrap_battles`)."""
        cells = np.empty(self.a.size, dtype=CELL_DTYPE)
        cells["a"], cells["b"], cells["outcome"] = self.a, self.b, self.outcome
        cells["weight"], cells["count"] = 1.0, self.count
        wins, ties = self.matrices()
        return PairwiseProfile(
            systems=self.systems,
            wins=wins,
            ties=ties,
            total_weight=float(self.n_battles),
            n_battles=self.n_battles,
            source=self.source,
            cells=cells,
            notes=self.notes,
        )


# ----------------------------------------------------------------------------- reading
def _columns(cols: list[str], model_a: str | None, model_b: str | None, winner: str | None) -> tuple[str, str, str]:
    if model_a is not None or model_b is not None or winner is not None:
        want = (model_a or "model_a", model_b or "model_b", winner or "winner")
        for name, param in zip(want, ("model_a", "model_b", "winner"), strict=True):
            if name not in cols:
                raise BattleError(
                    f"{param}: no column {name!r} in the battle log; its columns are {preview(cols, 10)}."
                    f"{did_you_mean(name, cols)}"
                )
        return want
    for layout in LAYOUTS:
        if set(layout) <= set(cols):
            return layout
    raise BattleError(
        f"battles: no columns model_a, model_b, winner (or system_a, system_b, winner); the columns are "
        f"{preview(cols, 10)}. Name them: model_a='...', model_b='...', winner='...' (CLI: --model-a, --model-b, "
        "--winner)."
    )


class _Counter:
    """Accumulates the outcome counts of chunks of battles (vectorised per chunk)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # (key over a growing index, count)
        self.rows = 0

    def add(self, a: pd.Series, b: pd.Series, w: pd.Series) -> None:
        m = len(a)
        rows = np.arange(self.rows, self.rows + m)
        codes, uniq = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)
        # number the systems in order of first appearance row by row (a0, b0, a1, b1, ...), whatever the chunks
        k = len(uniq)
        if k:
            first = np.full(k, np.iinfo(np.int64).max)
            pos = np.arange(m, dtype=np.int64) * 2
            ok_a, ok_b = codes[:m] >= 0, codes[m:] >= 0
            np.minimum.at(first, codes[:m][ok_a], pos[ok_a])
            np.minimum.at(first, codes[m:][ok_b], pos[ok_b] + 1)
            order = np.argsort(first, kind="stable")
            rank = np.empty(k, dtype=np.int64)
            rank[order] = np.arange(k)
            uniq = np.asarray(uniq, dtype=object)[order]
            codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
        names = [str(s).strip() for s in uniq]
        bad = codes < 0
        empty = np.array([s == "" for s in names], dtype=bool)
        if empty.any():
            bad |= empty[np.maximum(codes, 0)] & (codes >= 0)
        if bad.any():
            where = np.flatnonzero(bad) % m
            raise BattleError(
                f"battles: empty system name in row(s) {preview(sorted(set(rows[where].tolist())))}; every battle "
                "names both systems."
            )
        for s in names:
            if s not in self.index:
                self.index[s] = len(self.index)
        glob = np.fromiter((self.index[s] for s in names), dtype=np.int64, count=len(names))
        ia, ib = glob[codes[:m]], glob[codes[m:]]
        same = ia == ib
        if same.any():
            raise BattleError(
                f"battles: row(s) {preview(rows[same].tolist())} pit a system against itself "
                f"({list(self.index)[int(ia[same][0])]!r}); remove them."
            )
        wc, wu = pd.factorize(w, use_na_sentinel=True)
        mapped = np.array(
            [{"a": 0, "b": 1, "tie": 2}.get(BATTLE_WINNERS.get(str(v).strip().lower(), ""), -1) for v in wu],
            dtype=np.int64,
        )
        win = np.where(wc >= 0, mapped[np.maximum(wc, 0)] if len(mapped) else -1, -1)
        badw = win < 0
        if badw.any():
            vals = w.to_numpy(dtype=object)[badw][:5]
            shown = [f"(row {r}: {v!r})" for r, v in zip(rows[badw][:5], vals, strict=True)]
            raise BattleError(
                f"battles: winner values at {preview(shown)} are not model_a, model_b, tie, tie (bothbad) (nor a, b); "
                "map them first, or drop those rows."
            )
        lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
        outcome = np.where(win == 2, 2, np.where((win == 0) == (ia < ib), 0, 1))
        n = len(self.index)
        key = (lo * n + hi) * 3 + outcome
        if n * n * 3 <= 1 << 26:
            cnt = np.bincount(key, minlength=n * n * 3)
            nz = np.flatnonzero(cnt)
            self.parts.append((self._decode(nz, n), cnt[nz]))
        else:
            uk, cnt = np.unique(key, return_counts=True)
            self.parts.append((self._decode(uk, n), cnt))
        self.rows += m

    @staticmethod
    def _decode(key: np.ndarray, n: int) -> np.ndarray:
        out = np.empty((key.size, 3), dtype=np.int64)
        out[:, 2] = key % 3
        pair = key // 3
        out[:, 0], out[:, 1] = pair // n, pair % n
        return out

    def finish(self, source: str) -> BattleCounts:
        if self.rows == 0:
            raise BattleError("battles: the log has no battle.")
        n = len(self.index)
        cells = np.concatenate([p[0] for p in self.parts])
        cnt = np.concatenate([p[1] for p in self.parts])
        key = (cells[:, 0] * n + cells[:, 1]) * 3 + cells[:, 2]
        uk, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv.ravel(), cnt, uk.size).astype(np.int64)
        cells = self._decode(uk, n)
        if n < 2:
            raise BattleError(f"battles: only {n} system; ranking needs at least two.")
        return BattleCounts(
            systems=tuple(self.index),
            a=cells[:, 0].astype(np.intp),
            b=cells[:, 1].astype(np.intp),
            outcome=cells[:, 2].astype(np.int8),
            count=total,
            n_battles=int(self.rows),
            source=source,
        )


def _format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in set(_FORMATS.values()):
            choices = sorted(set(_FORMATS.values()))
            raise RankaggError(f"format={fmt!r}: use one of {', '.join(choices)}.{did_you_mean(fmt, choices)}")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext not in _FORMATS:
        raise RankaggError(
            f"{path}: cannot tell the format of a battle log from its extension {ext or '(none)'!r}; pass format= "
            f"one of {', '.join(sorted(set(_FORMATS.values())))}."
        )
    return _FORMATS[ext]


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
    >>> from rankagg.battle_counts import read_battle_counts
    >>> log = pd.DataFrame({"system_a": ["x", "y"], "system_b": ["y", "z"], "winner": ["a", "tie (bothbad)"]})
    >>> c = read_battle_counts(log)
    >>> c.systems, c.count.tolist(), c.outcome.tolist()
    (('x', 'y', 'z'), [1, 1], [0, 2])
    """
    counter = _Counter()
    if isinstance(source, pd.DataFrame):
        ca, cb, cw = _columns([str(c) for c in source.columns], model_a, model_b, winner)
        counter.add(source[ca], source[cb], source[cw])
        return counter.finish("data")
    path = Path(source)
    if not path.is_file():
        raise RankaggError(f"{path}: no such file.")
    fmt = _format(path, format)
    comp = compression_of(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        ca, cb, cw = _columns(list(pf.schema_arrow.names), model_a, model_b, winner)
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS, columns=[ca, cb, cw]):
            df = batch.to_pandas()
            counter.add(df[ca], df[cb], df[cw])
    elif fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        head = pd.read_csv(path, sep=sep, nrows=0, compression=comp)
        ca, cb, cw = _columns([str(c) for c in head.columns], model_a, model_b, winner)
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
                ca, cb, cw = _columns([str(c) for c in df.columns], model_a, model_b, winner)
                first = False
            counter.add(df[ca], df[cb], df[cw])
    else:  # a JSON list of records (Chatbot Arena's clean_battle file): one read
        df = pd.read_json(path, dtype=False, compression=comp)
        ca, cb, cw = _columns([str(c) for c in df.columns], model_a, model_b, winner)
        counter.add(df[ca], df[cb], df[cw])
    return counter.finish(str(path))


def battle_counts(
    a: Any,
    b: Any = None,
    winner: Any = None,
) -> BattleCounts:
    """Count battles given as a DataFrame (see :func:`read_battle_counts`) or as three sequences.

    Parameters
    ----------
    a : pandas.DataFrame or sequence of str
        A battle log, or the first system of each battle.
    b, winner : sequence, optional
        With sequences: the second system and the winner (``model_a`` / ``a``,
        ``model_b`` / ``b``, ``tie``) of each battle.

    Examples
    --------
    >>> from rankagg.battle_counts import battle_counts
    >>> battle_counts(["x", "x", "y"], ["y", "z", "z"], ["a", "b", "tie"]).to_frame()
      system_a system_b  wins_a  wins_b  ties
    0        x        y       1       0     0
    1        x        z       0       1     0
    2        y        z       0       0     1
    """
    if isinstance(a, pd.DataFrame):
        return read_battle_counts(a)
    if b is None or winner is None:
        raise BattleError("battle_counts: pass a battle log (DataFrame), or the three sequences a, b and winner.")
    if not (len(a) == len(b) == len(winner)):
        raise BattleError(
            f"battle_counts: a, b and winner must have one entry per battle; got {len(a)}, {len(b)}, {len(winner)}."
        )
    counter = _Counter()
    counter.add(pd.Series(a), pd.Series(b), pd.Series(winner))
    return counter.finish("data")


# ----------------------------------------------------------------------------- fitting
def _components(i: np.ndarray, j: np.ndarray, n: int, directed: bool) -> tuple[int, np.ndarray]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    g = csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    return connected_components(g, directed=directed, connection="strong")


def _reaches_all(src: np.ndarray, dst: np.ndarray, n: int) -> bool:
    """Whether every node is reachable from node 0 along the edges ``src -> dst`` (frontier sweeps in numpy:
    a few passes over the edges for the small diameters of comparison graphs, no scipy import)."""
    reach = np.zeros(n, dtype=bool)
    reach[0] = True
    count = 1
    while True:
        reach[dst[reach[src]]] = True
        new = int(reach.sum())
        if new == count:
            return count == n
        count = new


def _connected(i: np.ndarray, j: np.ndarray, n: int) -> bool:
    """Whether the comparison graph (an edge per pair that met) is in one piece."""
    return _reaches_all(np.concatenate([i, j]), np.concatenate([j, i]), n)


def _mle_exists(i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, n: int) -> bool:
    """Whether the 'won at least half a battle against' digraph is strongly connected (Ford 1957): everyone is
    reachable from system 0 along wins and along losses."""
    src = np.concatenate([i[wij > 0], j[wji > 0]])
    dst = np.concatenate([j[wij > 0], i[wji > 0]])
    return _reaches_all(src, dst, n) and _reaches_all(dst, src, n)


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_expit(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _loglik(theta: np.ndarray, i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, prior: float) -> float:
    d = theta[i] - theta[j]
    ll = float(wij @ _log_expit(d) + wji @ _log_expit(-d))
    if prior:
        ll += prior / 2.0 * float((_log_expit(theta) + _log_expit(-theta)).sum())
    return ll


def _newton(
    i: np.ndarray,
    j: np.ndarray,
    wij: np.ndarray,
    wji: np.ndarray,
    n: int,
    prior: float,
    theta0: np.ndarray | None,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, bool]:
    """Newton's method with a backtracking line search on the half-win log-likelihood over the pairs that met."""
    m = wij + wji
    theta = np.zeros(n) if theta0 is None else np.array(theta0, dtype=np.float64)
    ll = _loglik(theta, i, j, wij, wji, prior)
    scale_g = max(1.0, float(m.max()) if m.size else 1.0)
    diag_idx = np.diag_indices(n)
    for it in range(1, max_iter + 1):
        p = _expit(theta[i] - theta[j])
        g_pair = wij - m * p
        grad = np.bincount(i, g_pair, n) - np.bincount(j, g_pair, n)
        v = m * p * (1.0 - p)
        info = np.zeros((n, n))
        info[i, j] = -v
        info[j, i] = -v
        info[diag_idx] = np.bincount(i, v, n) + np.bincount(j, v, n)
        if prior:
            s0 = _expit(theta)
            grad += prior * (0.5 - s0)
            info[diag_idx] += prior * s0 * (1.0 - s0)
        else:  # singular along 1 (a common shift): fix the gauge; the gradient sums to 0, so the step does not move it
            info += float(np.mean(info[diag_idx])) / n
        if float(np.max(np.abs(grad))) < 1e-12 * scale_g:
            return theta - (0.0 if prior else theta.mean()), it, True
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        big = float(np.max(np.abs(step)))
        if big > 4.0:  # a trust region against near-singular information
            step *= 4.0 / big
        t = 1.0
        for _ in range(50):
            cand = theta + t * step
            ll_new = _loglik(cand, i, j, wij, wji, prior)
            if ll_new >= ll - 1e-13 * max(1.0, abs(ll)):
                break
            t /= 2.0
        else:
            return theta, it, float(np.max(np.abs(grad))) < 1e-7 * scale_g
        theta, ll = cand, ll_new
        if float(np.max(np.abs(t * step))) < tol:
            return theta - (0.0 if prior else theta.mean()), it, True
    return theta - (0.0 if prior else theta.mean()), max_iter, False


def fit_bt_counts(
    counts: BattleCounts,
    *,
    prior: float = 0.0,
    cell_counts: Any = None,
    theta0: Any = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> np.ndarray:
    """Bradley-Terry log-strengths fitted on battle counts (ties half a win), by Newton's method.

    Parameters
    ----------
    counts : BattleCounts
        From :func:`read_battle_counts`.
    prior : float, default 0
        Virtual games of every system against a reference of log-strength 0,
        half won (0: maximum likelihood, which must exist).
    cell_counts : array_like of shape (len(counts.count),), optional
        Counts of the distinct outcomes to fit instead of the log's (a resample).
    theta0 : array_like, optional
        Starting log-strengths (a warm start).
    tol : float, default 1e-10
        Stop when no log-strength moves by more than ``tol``.
    max_iter : int, default 100
        Newton iterations at most.

    Returns
    -------
    numpy.ndarray
        Natural log-strengths, sum-to-zero when ``prior == 0`` (only differences
        are identified), relative to the reference otherwise.

    Raises
    ------
    BattleError
        A comparison graph in pieces; with ``prior=0``, a log whose maximum
        likelihood does not exist (the message names the systems); a fit that
        did not converge.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.battle_counts import battle_counts, fit_bt_counts
    >>> c = battle_counts(["x"] * 4, ["y"] * 4, ["a", "a", "a", "b"])  # x won 3 of 4
    >>> theta = fit_bt_counts(c)
    >>> round(float(theta[0] - theta[1]), 6) == round(float(np.log(3.0)), 6)
    True
    """
    alpha = _check_prior(prior, "prior")
    i, j, wij, wji = counts.half_wins(None if cell_counts is None else np.asarray(cell_counts))
    n = counts.n
    met = (wij + wji) > 0
    i, j, wij, wji = i[met], j[met], wij[met], wji[met]
    if not _connected(i, j, n):
        k, lab = _components(i, j, n, directed=False)
        groups = sorted(
            ([counts.systems[s] for s in np.flatnonzero(lab == c)] for c in range(k)), key=len, reverse=True
        )
        shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3]) + (f"; ... ({k} groups)" if k > 3 else "")
        raise BattleError(
            f"battles: the systems fall into {k} groups that never met, directly or through others: {shown}. No "
            "strength links the groups; rank one group at a time, or add battles between them."
        )
    if not alpha and not _mle_exists(i, j, wij, wji, n):
        raise BattleError(_no_mle_message(counts.systems, i, j, wij, wji, n))
    with one_blas_thread():  # many small products: BLAS threads cost more than they give
        theta, _, ok = _newton(i, j, wij, wji, n, alpha, None if theta0 is None else np.asarray(theta0), tol, max_iter)
    if not ok:
        raise BattleError(
            f"Bradley-Terry: Newton's method did not converge in {max_iter} iterations; pass max_iter=... larger, or "
            "prior=1."
        )
    return theta


def _no_mle_message(
    systems: tuple[str, ...], i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, n: int
) -> str:
    src = np.concatenate([i[wij > 0], j[wji > 0]])
    dst = np.concatenate([j[wij > 0], i[wji > 0]])
    k, lab = _components(src, dst, n, directed=True)
    cross = lab[src] != lab[dst]
    has_in = np.zeros(k, dtype=bool)
    has_in[lab[dst[cross]]] = True
    has_out = np.zeros(k, dtype=bool)
    has_out[lab[src[cross]]] = True
    top = [systems[s] for s in np.flatnonzero(~has_in[lab])]
    bottom = [systems[s] for s in np.flatnonzero(~has_out[lab])]
    return (
        f"battles: the maximum-likelihood strengths do not exist: {preview(top, 4)} never lose to the other systems "
        f"and {preview(bottom, 4)} never beat them, so their strengths run off to infinity. Pass prior=1 (each "
        "system plays one virtual game against a reference, half won; CLI: --prior 1), or leave them out."
    )


def _check_prior(prior: Any, name: str) -> float:
    try:
        a = float(prior)
    except (TypeError, ValueError):
        a = float("nan")
    if not (math.isfinite(a) and a >= 0):
        raise BattleError(f"{name}={prior!r} must be a finite number >= 0 (virtual games; 0 = maximum likelihood).")
    return a


def bootstrap_bt_counts(
    counts: BattleCounts,
    *,
    n_resamples: int = 100,
    prior: float = 0.0,
    degenerate_prior: float = 1.0,
    rng: int | np.random.Generator | None = None,
    theta0: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Bradley-Terry log-strengths of ``n_resamples`` bootstrap resamples of the battles (multinomial counts).

    Each resample draws as many battles as the log holds, with replacement:
    the counts of the distinct outcomes follow a multinomial with the log's
    shares. Each is fitted by Newton's method from ``theta0`` (default: the
    fit of the log). Degenerate resamples (``prior == 0`` and some system
    without a win or without a loss: no finite maximum likelihood) are fitted
    with ``degenerate_prior`` virtual games instead (0: raise an error).
    Resamples whose comparison graph falls apart are drawn again (at most
    :data:`rankagg.battles.MAX_REDRAWN` of them, else an error).

    Returns
    -------
    theta : numpy.ndarray of shape (n_resamples, n)
        Log-strengths of each resample (sum-to-zero).
    cell_counts : numpy.ndarray of shape (n_resamples, len(counts.count))
        The resamples.
    degenerate : numpy.ndarray of bool, shape (n_resamples,)
        Which resamples were fitted with ``degenerate_prior``.
    n_redrawn : int
        Resamples drawn again because their comparison graph fell apart.

    Examples
    --------
    >>> from rankagg.battle_counts import battle_counts, bootstrap_bt_counts
    >>> wins = ["a"] * 30 + ["b"] * 10 + ["a"] * 25 + ["b"] * 15
    >>> c = battle_counts(["x"] * 40 + ["y"] * 40, ["y"] * 40 + ["z"] * 40, wins)
    >>> theta, draws, degenerate, redrawn = bootstrap_bt_counts(c, n_resamples=50, rng=0)
    >>> theta.shape, draws.sum(axis=1).tolist() == [80] * 50, int(degenerate.sum()), redrawn
    ((50, 3), True, 0, 0)
    """
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise BattleError(f"n_resamples={n_resamples!r}: use a positive number of resamples, e.g. 1000.")
    alpha = _check_prior(prior, "prior")
    fallback = _check_prior(degenerate_prior, "degenerate_prior")
    gen = np.random.default_rng(rng)
    if theta0 is None:
        theta0 = fit_bt_counts(counts, prior=alpha)
    start = np.asarray(theta0, dtype=np.float64)
    total = int(counts.count.sum())
    shares = counts.count / total
    draws = gen.multinomial(total, shares, size=int(n_resamples)).astype(np.int64)
    n = counts.n
    out = np.empty((int(n_resamples), n))
    degenerate = np.zeros(int(n_resamples), dtype=bool)
    redrawn = 0
    limit = MAX_REDRAWN * int(n_resamples)
    with one_blas_thread():  # many small products: BLAS threads cost more than they give
        for r in range(int(n_resamples)):
            while True:
                i, j, wij, wji = counts.half_wins(draws[r])
                met = (wij + wji) > 0
                i, j, wij, wji = i[met], j[met], wij[met], wji[met]
                if _connected(i, j, n):
                    break
                redrawn += 1
                if redrawn > limit:
                    per = counts.battles_per_system()
                    few = [f"{counts.systems[s]} ({int(per[s])})" for s in np.argsort(per, kind="stable")[:4]]
                    raise BattleError(
                        f"bootstrap: more than {MAX_REDRAWN:.0%} of the resamples leave the comparison graph in "
                        f"pieces: the log is too sparse to bootstrap. Fewest battles: {', '.join(few)}; leave such "
                        "systems out."
                    )
                draws[r] = gen.multinomial(total, shares)
            a = alpha
            if not alpha and not _mle_exists(i, j, wij, wji, n):
                if not fallback:
                    raise BattleError(
                        f"bootstrap: in resample {r} "
                        + _no_mle_message(counts.systems, i, j, wij, wji, n).split(": ", 1)[1]
                        + " (degenerate_prior=0 refuses such resamples; the default fits them with one virtual game.)"
                    )
                a = fallback
                degenerate[r] = True
            theta, _, ok = _newton(i, j, wij, wji, n, a, start if a == alpha else None, 1e-10, 100)
            if not ok:
                raise BattleError(f"bootstrap: Newton's method did not converge on resample {r}.")
            out[r] = theta - theta.mean()
    return out, draws, degenerate, redrawn


# ----------------------------------------------------------------------------- Chatbot Arena's leaderboard
def rank_upper_bound(lower: Any, upper: Any) -> np.ndarray:
    """Chatbot Arena's ``Rank (UB)``: 1 + the number of systems whose lower bound exceeds this one's upper bound.

    Upstream: ``lm-sys/FastChat``, ``fastchat/serve/monitor/monitor.py``,
    ``recompute_final_ranking`` (``rating_q025`` of another model ``>``
    this model's ``rating_q975``; strictly greater, so touching intervals do
    not separate).

    Examples
    --------
    >>> from rankagg.battle_counts import rank_upper_bound
    >>> rank_upper_bound([1200, 1150, 1000], [1260, 1210, 1100]).tolist()
    [1, 1, 3]
    """
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    return 1 + (lo[None, :] > hi[:, None]).sum(axis=1)


@dataclass(frozen=True, eq=False)
class ArenaLeaderboard:
    """Chatbot Arena's leaderboard of a battle log: Elo ratings, bootstrap intervals and ``Rank (UB)``.

    Attributes
    ----------
    systems : tuple of str
    rating : numpy.ndarray
        Elo rating of the fit of the whole log.
    lower, upper : numpy.ndarray
        Percentile interval of the bootstrap ratings at ``confidence``
        (upstream: the 2.5 % and 97.5 % quantiles, linear interpolation).
    rank_ub : numpy.ndarray of int
        ``Rank (UB)`` (:func:`rank_upper_bound`).
    battles : numpy.ndarray of int
        Battles each system played.
    bootstrap_ratings : numpy.ndarray of shape (n_resamples, n)
        The rating of every system in every resample.
    confidence : float
    scale, base, initial : float
        The Elo scale.
    anchor : tuple or None
        ``(system, rating)`` fixed, if any.
    prior : float
        Virtual games of the fit (0: maximum likelihood).
    degenerate_prior : float
        Virtual games of the degenerate resamples.
    n_battles, n_resamples, n_degenerate, n_redrawn : int
        Battles read; resamples; resamples fitted with ``degenerate_prior``;
        resamples drawn again because their comparison graph fell apart.
    seed : int or None or str
    time_seconds : float
        Wall time of the fits (reading excluded).
    """

    systems: tuple[str, ...]
    rating: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    rank_ub: np.ndarray = field(repr=False)
    battles: np.ndarray = field(repr=False)
    bootstrap_ratings: np.ndarray = field(repr=False)
    confidence: float
    scale: float
    base: float
    initial: float
    anchor: tuple[str, float] | None
    prior: float
    degenerate_prior: float
    n_battles: int
    n_resamples: int
    n_degenerate: int
    n_redrawn: int
    seed: Any = None
    time_seconds: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per system, best rating first: ``system, rating, lower, upper, rank_ub, battles``."""
        df = pd.DataFrame(
            {
                "system": list(self.systems),
                "rating": self.rating,
                "lower": self.lower,
                "upper": self.upper,
                "rank_ub": self.rank_ub,
                "battles": self.battles,
            }
        )
        return df.sort_values(["rank_ub", "rating"], ascending=[True, False], kind="stable").reset_index(drop=True)


def arena_leaderboard(
    battles: BattleCounts | pd.DataFrame | str | os.PathLike[str],
    *,
    n_resamples: int = 100,
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    initial: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    prior: float = 0.0,
    degenerate_prior: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> ArenaLeaderboard:
    """Chatbot Arena's leaderboard: Bradley-Terry on the Elo scale, bootstrap intervals, ``Rank (UB)``.

    Follows ``lm-sys/FastChat``, ``fastchat/serve/monitor/rating_systems.py``
    (``compute_bt``, ``compute_bootstrap_bt``: multinomial resampling of the
    distinct outcomes, ``scale_and_offset``) and
    ``fastchat/serve/monitor/monitor.py`` (``recompute_final_ranking``). The
    ratings are those of the rule ``arena_elo`` (sum-to-zero log-strengths,
    mean rating ``initial``, unless ``anchor`` fixes one system's rating).
    Upstream draws its resamples with ``numpy.random.default_rng(seed=0)``;
    pass ``rng`` for reproducible intervals.

    Parameters
    ----------
    battles : BattleCounts, pandas.DataFrame or path-like
        Counts from :func:`read_battle_counts`, or a battle log to read.
    n_resamples : int, default 100
        Bootstrap resamples (upstream's default ``num_round``: 100).
    confidence : float, default 0.95
        Level of the percentile intervals.
    scale, base, initial : float
        The Elo scale (400, 10, 1000 as on Chatbot Arena).
    anchor : (str, float), optional
        Give this system this rating (Arena: ``("mixtral-8x7b-instruct-v0.1", 1114)``).
    prior : float, default 0
        Virtual games against an average reference (0: maximum likelihood,
        Arena's choice; an error names the systems when it does not exist).
    degenerate_prior : float, default 1
        Virtual games of a resample without a finite maximum likelihood (0: an error).
    rng : int or numpy.random.Generator, optional
        Seed of the resamples.

    Returns
    -------
    ArenaLeaderboard

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.battle_counts import arena_leaderboard
    >>> log = pd.DataFrame({"model_a": ["x"] * 60 + ["y"] * 60, "model_b": ["y"] * 60 + ["z"] * 60,
    ...                     "winner": ["model_a"] * 45 + ["model_b"] * 15 + ["model_a"] * 35 + ["tie"] * 25})
    >>> board = arena_leaderboard(log, n_resamples=200, rng=0)
    >>> board.to_frame()[["system", "rank_ub"]].to_dict("list")
    {'system': ['x', 'y', 'z'], 'rank_ub': [1, 2, 3]}
    >>> round(float(board.rating.mean()), 6)
    1000.0
    """
    s, b, r0 = check_elo_scale(scale, base, initial)
    try:
        conf = float(confidence)
    except (TypeError, ValueError):
        conf = float("nan")
    if not 0.0 < conf < 1.0:
        raise RankaggError(f"confidence={confidence!r} must be in (0, 1), e.g. 0.95.")
    counts = battles if isinstance(battles, BattleCounts) else read_battle_counts(battles)
    t0 = time.perf_counter()
    alpha = _check_prior(prior, "prior")
    theta = fit_bt_counts(counts, prior=alpha)
    if alpha:
        theta = theta - theta.mean()
    boot, _, degenerate, redrawn = bootstrap_bt_counts(
        counts, n_resamples=n_resamples, prior=alpha, degenerate_prior=degenerate_prior, rng=rng, theta0=theta
    )
    rating = elo_from_log_strengths(theta, scale=s, base=b, initial=r0)
    boot_rating = elo_from_log_strengths(boot, scale=s, base=b, initial=r0)
    rating = rating + anchor_offset(counts.systems, rating, anchor)
    if anchor is not None:
        boot_rating = boot_rating + anchor_offset(counts.systems, boot_rating, anchor)[:, None]
    lo = np.quantile(boot_rating, (1.0 - conf) / 2.0, axis=0)
    hi = np.quantile(boot_rating, 1.0 - (1.0 - conf) / 2.0, axis=0)
    n_deg = int(degenerate.sum())
    if n_deg:
        warnings.warn(
            f"bootstrap: in {n_deg} of {n_resamples} resamples some system had no win or no loss (no finite maximum "
            f"likelihood); they were fitted with degenerate_prior={degenerate_prior} virtual game(s) against an "
            "average reference instead of an infinite rating.",
            DataNoteWarning,
            stacklevel=2,
        )
    if redrawn:
        warnings.warn(
            f"bootstrap: {redrawn} resample(s) left some systems without a battle linking them to the others and were "
            "drawn again; the intervals are conditional on the comparison graph staying connected.",
            DataNoteWarning,
            stacklevel=2,
        )
    for arr in (rating, lo, hi, boot_rating):
        arr.setflags(write=False)
    ub = rank_upper_bound(lo, hi)
    ub.setflags(write=False)
    per = counts.battles_per_system()
    per.setflags(write=False)
    return ArenaLeaderboard(
        systems=counts.systems,
        rating=rating,
        lower=lo,
        upper=hi,
        rank_ub=ub,
        battles=per,
        bootstrap_ratings=boot_rating,
        confidence=conf,
        scale=s,
        base=b,
        initial=r0,
        anchor=anchor,
        prior=alpha,
        degenerate_prior=float(degenerate_prior),
        n_battles=counts.n_battles,
        n_resamples=int(n_resamples),
        n_degenerate=n_deg,
        n_redrawn=int(redrawn),
        seed=rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator",
        time_seconds=time.perf_counter() - t0,
    )
