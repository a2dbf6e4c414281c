"""Battle logs as counts of their distinct outcomes: :class:`BattleCounts` (a pair, and who won or a tie, with how
many battles had it), counted from frames chunk by chunk by :class:`BattleCounter`. The io stage reads files into
these counts (:func:`rankagg.io.battle_counts.read_battle_counts`); Bradley-Terry is fitted on them in
:mod:`rankagg.rules.bt_counts` and bootstrapped in :mod:`rankagg.uncertainty.arena`, which says how it all fits.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import did_you_mean, preview
from rankagg.data.battles import BATTLE_WINNERS, CELL_DTYPE, BattleError, PairwiseProfile

# Files are read by the io stage (rankagg.io.battle_counts registers read_battle_counts here when rankagg is imported).
_READER: Callable[[Any], BattleCounts] | None = None


def register_counts_reader(reader: Callable[[Any], BattleCounts]) -> None:
    """Set the function that reads a battle-log path into counts (``rankagg.io.battle_counts.read_battle_counts``)."""
    global _READER
    _READER = reader


__all__ = ["LAYOUTS", "BattleCounter", "BattleCounts", "battle_columns", "battle_counts", "register_counts_reader"]

#: Column layouts recognised when the column names are not given: (system a, system b, winner).
LAYOUTS: tuple[tuple[str, str, str], ...] = (("model_a", "model_b", "winner"), ("system_a", "system_b", "winner"))


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
    >>> from rankagg.data.battle_counts import battle_counts
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
        """The :class:`~rankagg.data.battles.PairwiseProfile` of these battles (for any pairwise rule and
        :func:`rankagg.uncertainty.battles.bootstrap_battles`)."""
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
def battle_columns(
    cols: list[str], model_a: str | None, model_b: str | None, winner: str | None
) -> tuple[str, str, str]:
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


class BattleCounter:
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
    >>> from rankagg.data.battle_counts import battle_counts
    >>> battle_counts(["x", "x", "y"], ["y", "z", "z"], ["a", "b", "tie"]).to_frame()
      system_a system_b  wins_a  wins_b  ties
    0        x        y       1       0     0
    1        x        z       0       1     0
    2        y        z       0       0     1
    """
    if isinstance(a, (str, os.PathLike)):
        if _READER is None:  # pragma: no cover - rankagg.io registers it when rankagg is imported
            raise BattleError("battle_counts: give a DataFrame, or import rankagg.io to read a battle-log file.")
        return _READER(a)
    if isinstance(a, pd.DataFrame):
        ca, cb, cw = battle_columns([str(c) for c in a.columns], None, None, None)
        counter = BattleCounter()
        counter.add(a[ca], a[cb], a[cw])
        return counter.finish("data")
    if b is None or winner is None:
        raise BattleError("battle_counts: pass a battle log (DataFrame), or the three sequences a, b and winner.")
    if not (len(a) == len(b) == len(winner)):
        raise BattleError(
            f"battle_counts: a, b and winner must have one entry per battle; got {len(a)}, {len(b)}, {len(winner)}."
        )
    counter = BattleCounter()
    counter.add(pd.Series(a), pd.Series(b), pd.Series(winner))
    return counter.finish("data")
