"""What :func:`rankagg.bootstrap` returns: rank intervals, P(top k), P(i above j) and the groups of systems
that cannot be told apart, with the seed and the units that were resampled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean
from rankagg.uncertainty.resampling import (
    _CHUNK,
    _check_confidence,
    _check_k,
)

__all__ = ["BootstrapResult"]


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Ranks of every system in every bootstrap resample, and what follows from them.

    Attributes
    ----------
    rule : str
        Canonical rule name; ``params`` its parameters.
    resample : str
        What was resampled: ``"tasks"``, ``"instances"``, ``"both"`` or
        ``"seeds"`` (the default chosen for the table, when not given).
    systems : tuple of str
    full_ranks : numpy.ndarray of int
        Consensus ranks on the full data (1 = best; ties share a rank).
    ranks : numpy.ndarray of shape (n_resamples, n_systems)
        Consensus rank of each system in each resample (competition ranks).
    counts : numpy.ndarray of shape (n_resamples, n_tasks)
        How many times each task was drawn in each resample.
    confidence : float
        Level of the rank intervals and of ``groups``.
    seed : object
        The seed of the run: the ``rng`` int given, or the one drawn when
        ``rng`` was None (pass it back as ``rng`` to repeat the run); the type
        name when a Generator was given.
    missing_policy : str
    n_units : int
        How many units the resampling draws from: task columns for
        ``"tasks"`` and ``"both"``, instances of the largest task column for
        ``"instances"`` / ``"seeds"``.
    note : str
        Empty, or why the intervals are weak (fewer than :data:`MIN_UNITS`
        units: the run also issued a :class:`rankagg.BootstrapWarning`).
    """

    rule: str
    params: Mapping[str, Any]
    resample: str
    systems: tuple[str, ...]
    full_ranks: np.ndarray = field(repr=False)
    ranks: np.ndarray = field(repr=False)
    counts: np.ndarray = field(repr=False)
    confidence: float
    missing_policy: str
    seed: Any = None
    n_distinct: int = 0
    time_seconds: float = 0.0
    n_units: int = 0
    note: str = ""

    @property
    def n_resamples(self) -> int:
        """Number of resamples."""
        return int(self.ranks.shape[0])

    @cached_property
    def _rank_counts(self) -> np.ndarray | None:
        """``counts[i, r - 1]``: how many resamples give system ``i`` rank ``r`` (one ``bincount`` of the ranks), or
        None when the ranks are not whole numbers between 1 and the number of systems."""
        r = self.ranks
        if r.ndim != 2 or r.size == 0 or not np.issubdtype(r.dtype, np.integer):
            return None
        n = r.shape[1]
        if int(r.min()) < 1 or int(r.max()) > n:
            return None
        idx = r.astype(np.int64) - 1
        idx += (np.arange(n, dtype=np.int64) * n)[None, :]
        return np.bincount(idx.ravel(), minlength=n * n).reshape(n, n)

    def rank_interval(self, confidence: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of each system's rank (lower, upper), at ``confidence``."""
        c = self.confidence if confidence is None else _check_confidence(confidence)
        qlo, qhi = (1.0 - c) / 2.0, 1.0 - (1.0 - c) / 2.0
        counts = self._rank_counts
        if counts is None:
            lo = np.quantile(self.ranks, qlo, axis=0, method="lower")
            hi = np.quantile(self.ranks, qhi, axis=0, method="higher")
            return lo.astype(np.int64), hi.astype(np.int64)
        # the order statistics np.quantile picks ("lower" / "higher": the sorted position numpy computes from the
        # number of resamples alone), read from the cumulative rank counts: the smallest rank whose count exceeds it
        b = self.ranks.shape[0]
        k_lo = int(np.quantile(np.arange(b), qlo, method="lower"))
        k_hi = int(np.quantile(np.arange(b), qhi, method="higher"))
        cum = np.cumsum(counts, axis=1)
        lo = np.argmax(cum > k_lo, axis=1) + 1
        hi = np.argmax(cum > k_hi, axis=1) + 1
        return lo.astype(np.int64), hi.astype(np.int64)

    def p_top(self, k: int = 1, *, ties: str = "count") -> np.ndarray:
        """Probability that each system is ranked in the top ``k``.

        Parameters
        ----------
        k : int, default 1
        ties : {"count", "share"}, default "count"
            ``"count"``: the share of resamples with rank <= k (competition
            ranks: systems tied at the top all have rank 1), so a tie counts
            fully for every tied system and the values can sum above ``k``.
            ``"share"``: a tie of ``s`` systems over positions ``r .. r+s-1``
            gives each the share of those positions that lie in the top
            ``k``, so the values sum to ``k`` exactly (a tie of two at the top
            counts 1/2 each for ``k = 1``).

        Examples
        --------
        >>> import numpy as np
        >>> from rankagg import BootstrapResult
        >>> r = np.array([[1, 1, 3], [1, 2, 3]])  # resample 0 ties A and B at the top
        >>> res = BootstrapResult("borda", {}, "tasks", ("A", "B", "C"), np.array([1, 2, 3]), r,
        ...                       np.ones((2, 3), int), 0.95, "raise")
        >>> res.p_top(1).tolist(), res.p_top(1, ties="share").tolist()
        ([1.0, 0.5, 0.0], [0.75, 0.25, 0.0])
        """
        _check_k(k, "k")
        if ties == "count":
            counts = self._rank_counts
            if counts is None:
                return (self.ranks <= k).mean(axis=0)
            return counts[:, : min(k, counts.shape[1])].sum(axis=1) / self.ranks.shape[0]
        if ties != "share":
            raise RankaggError(
                f"ties={ties!r}: 'count' (a tie at the top counts fully for each tied system) or 'share' "
                f"(a tie of s systems shares its positions){did_you_mean(str(ties), ('count', 'share'))}."
            )
        r = self.ranks
        # size of each system's tie group in each resample: how many systems share its rank
        b, n = r.shape
        flat = (np.arange(b, dtype=np.int64)[:, None] * (n + 1) + r).ravel()
        size = np.bincount(flat, minlength=b * (n + 1))[flat].reshape(b, n)
        inside = np.clip(k - r + 1, 0, size)  # positions r .. r+size-1 that are <= k
        return (inside / size).mean(axis=0)

    def rank_distribution(self) -> pd.DataFrame:
        """Systems x ranks: share of resamples giving each system each rank (rows sum to 1)."""
        b, n = self.ranks.shape
        counts = self._rank_counts
        if counts is None:
            idx = (np.arange(n, dtype=np.int64)[None, :] * n + (self.ranks - 1)).ravel()
            counts = np.bincount(idx, minlength=n * n).reshape(n, n)
        dist = counts / b
        return pd.DataFrame(dist, index=pd.Index(self.systems, name="system"), columns=range(1, n + 1))

    def prob_above(self) -> pd.DataFrame:
        """``P[i, j]``: share of resamples ranking system ``i`` strictly above ``j`` (rows and columns in table order).

        ``P[i, j] + P[j, i] + (share of resamples tying them) = 1``.
        """
        r = self.ranks
        b, n = r.shape
        counts = np.zeros((n, n), dtype=np.int64)
        step = max(1, _CHUNK // (n * n))
        for s in range(0, b, step):
            blk = r[s : s + step]
            counts += np.count_nonzero(blk[:, :, None] < blk[:, None, :], axis=0)
        return pd.DataFrame(counts / b, index=list(self.systems), columns=list(self.systems))

    def stability(self) -> np.ndarray:
        """Kendall tau-b between each resample's ranking and the full-data ranking (NaN if one is constant)."""
        full = self.full_ranks.astype(np.float64)
        r = self.ranks
        b, n = r.shape
        iu, ju = np.triu_indices(n, 1)
        sx = np.sign(full[iu] - full[ju])
        untied_x = float(np.count_nonzero(sx))
        out = np.empty(b)
        step = max(1, _CHUNK // max(1, iu.size))
        for s in range(0, b, step):
            sy = np.sign(r[s : s + step, iu] - r[s : s + step, ju]).astype(np.float64)
            den = np.sqrt(untied_x * np.count_nonzero(sy, axis=1))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[s : s + step] = np.where(den > 0, (sy @ sx) / den, np.nan)
        return out

    def groups(self, confidence: float | None = None) -> tuple[tuple[str, ...], ...]:
        """Maximal runs of systems (in full-data order) that cannot be told apart.

        Two systems are told apart when one is ranked strictly above the other
        in at least ``confidence`` of the resamples; a group is a maximal run
        of consecutive systems no two of which are told apart. A system told
        apart from both neighbours is a group of its own.
        """
        c = self.confidence if confidence is None else _check_confidence(confidence)
        p = self.prob_above().to_numpy()
        order = np.argsort(self.full_ranks, kind="stable")
        apart = (np.maximum(p, p.T) >= c)[np.ix_(order, order)]
        n = order.size
        pos = np.arange(n)
        # last[j]: the latest system before j (in order) told apart from j, -1 if none
        last = np.where(np.tril(apart, -1), pos[None, :], -1).max(axis=1)
        # a run from s extends over j as long as last[j] < s; ends are non-decreasing in s
        ends = np.empty(n, dtype=np.intp)
        for s in range(n):
            stop = np.nonzero(last[s + 1 :] >= s)[0]
            ends[s] = s + stop[0] if stop.size else n - 1
        out = []
        for s in range(n):
            if s == 0 or ends[s] > ends[s - 1]:
                out.append(tuple(self.systems[i] for i in order[s : ends[s] + 1]))
        return tuple(out)

    def _mean_rank(self) -> np.ndarray:
        counts = self._rank_counts
        if counts is None:
            return self.ranks.mean(axis=0)
        # the exact integer sum of each system's ranks over the resamples, divided once, as ranks.mean does
        return (counts @ np.arange(1, counts.shape[1] + 1, dtype=np.int64)) / self.ranks.shape[0]

    def to_frame(self, *, top_k: int = 3) -> pd.DataFrame:
        """One row per system, by full-data rank: ``system, rank, rank_low, rank_high, p_top1, p_top<k>, mean_rank``.

        ``p_top1`` and ``p_top<k>`` are :meth:`p_top` with ``ties="count"``:
        the share of resamples ranking the system at rank <= k, a system tied
        for first counting as first, so a column sums above ``k`` when
        resamples tie at the top (``p_top(k, ties="share")`` sums to ``k``).
        """
        top_k = _check_k(top_k, "top_k")
        lo, hi = self.rank_interval()
        df = pd.DataFrame(
            {
                "system": list(self.systems),
                "rank": self.full_ranks.astype(int),
                "rank_low": lo,
                "rank_high": hi,
                "p_top1": self.p_top(1),
                f"p_top{top_k}": self.p_top(top_k),
                "mean_rank": self._mean_rank(),
            }
        )
        return df.sort_values(["rank", "mean_rank"], kind="stable").reset_index(drop=True)
