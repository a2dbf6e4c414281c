"""Bootstrap rank uncertainty for any registered rule.

Resampling tasks with replacement is the same as re-weighting them by how
many times each was drawn (a task drawn twice weighs twice; the registry's
common suite checks that weight 2 equals a duplicated task for every rule).
So every resample is the original table with integer multipliers on the task
weights, which is what makes the fast paths possible: score-based and
positional rules become one matrix product over all resamples, and rules that
need a solver (Kemeny) solve each *distinct* resample once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rankagg._errors import RankaggError, did_you_mean, preview
from rankagg.aggregate import aggregate
from rankagg.ranking import TaskRankings, competition_ranks, levels_from_scores, rank_table
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.table import ScoreTable, as_table

__all__ = ["BootstrapResult", "bootstrap", "resample_counts"]

RESAMPLE_KINDS = ("tasks",)
# resampling schemes that need instance-level tables (an InstanceTable), and what they resample
PLANNED_RESAMPLE_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "instances": "resamples the instances of each task, stratified by task",
        "both": "resamples tasks, then the instances of each drawn task",
        "seeds": "resamples the seeds or folds of each system's runs",
    }
)
INSTANCE_RESAMPLE_KINDS = ("tasks", "instances", "both", "seeds")


# ----------------------------------------------------------------------------- resampling
def resample_counts(
    n_tasks: int, n_resamples: int, *, rng: np.random.Generator, valid: Callable[[np.ndarray], np.ndarray] | None = None
) -> np.ndarray:
    """Multiplicity of each task in each resample: an ``(n_resamples, n_tasks)`` integer array.

    Each row is a draw of ``n_tasks`` tasks with replacement. ``valid`` (rows ->
    boolean mask) rejects resamples that cannot be ranked; they are redrawn.
    """
    counts = np.zeros((n_resamples, n_tasks), dtype=np.int64)
    todo = np.arange(n_resamples)
    for _ in range(1000):
        idx = rng.integers(0, n_tasks, size=(todo.size, n_tasks))
        flat = (idx + (np.arange(todo.size, dtype=np.int64) * n_tasks)[:, None]).ravel()
        c = np.bincount(flat, minlength=todo.size * n_tasks).reshape(todo.size, n_tasks).astype(np.int64)
        counts[todo] = c
        if valid is None:
            return counts
        ok = valid(c)
        todo = todo[~ok]
        if todo.size == 0:
            return counts
    raise RankaggError(
        "bootstrap: could not draw task resamples in which every system is compared with another; "
        "the table is too sparse for a task bootstrap (use missing='drop_systems' or 'drop_tasks')."
    )


def _valid_partial(present: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Resample validity for partial tables: every system shares a drawn task with another system."""
    shared = present & (present.sum(axis=0) >= 2)[None, :]  # (n, m)

    def ok(c: np.ndarray) -> np.ndarray:
        return ((c > 0).astype(np.int64) @ shared.T.astype(np.int64) > 0).all(axis=1)

    return ok


# ----------------------------------------------------------------------------- fast paths
# Each returns (scores of shape (B, n), higher_is_better); W has shape (B, m): the task weights of each resample.
def _weighted_mean(points: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w @ points.T) / w.sum(axis=1, keepdims=True)


def _fast_mean(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    hib = inp.table.higher_is_better
    if hib.any() and not hib.all():
        get_rule("mean").func(inp)  # raises the rule's own error
    return _weighted_mean(inp.table.scores, w), bool(hib.all())


def _fast_zscore(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    x = inp.table.oriented_scores()
    sd = x.std(axis=0)
    z = np.divide(x - x.mean(axis=0), sd, out=np.zeros_like(x), where=sd > 0)
    return _weighted_mean(z, w), True


def _fast_minmax(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    x = inp.table.oriented_scores()
    lo = x.min(axis=0)
    span = x.max(axis=0) - lo
    z = np.divide(x - lo, span, out=np.full_like(x, 0.5), where=span > 0)
    return _weighted_mean(z, w), True


def _fast_geometric(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    hib = inp.table.higher_is_better
    if (hib.any() and not hib.all()) or (inp.table.scores <= 0).any():
        get_rule("geometric_mean").func(inp)  # raises the rule's own error
    return np.exp(_weighted_mean(np.log(inp.table.scores), w)), bool(hib.all())


def _fast_borda(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    return _weighted_mean(inp.rankings.ranks, w), False


def _fast_points(name: str) -> Callable[[RuleInput, np.ndarray], tuple[np.ndarray, bool]]:
    """Positional rules whose score is a weighted mean (or sum) of per-task points."""

    def run(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
        r = inp.rankings.ranks
        m = r.shape[1]
        # the per-task points are what the rule computes with unit weights on one task at a time
        pts = np.empty(r.shape)
        for j in range(m):
            sub = _subset_input(inp, np.array([j]), np.array([1.0]))
            pts[:, j] = get_rule(name).func(sub).scores
        if name == "plurality":
            return w @ pts.T, True
        return _weighted_mean(pts, w), True

    return run


def _fast_win_rate(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    r = inp.rankings.ranks
    present = ~np.isnan(r)
    n_t = present.sum(axis=0).astype(np.float64)
    usable = present & (n_t >= 2)[None, :]
    rate = np.where(usable, (n_t - np.nan_to_num(r)) / np.maximum(n_t - 1.0, 1.0), 0.0)
    return (w @ rate.T) / (w @ usable.T.astype(np.float64)), True


def _fast_copeland(inp: RuleInput, w: np.ndarray, *, tie_score: float = 0.5) -> tuple[np.ndarray, bool]:
    r = inp.rankings.ranks
    n, m = r.shape
    less = (r[:, None, :] < r[None, :, :]).reshape(n * n, m).astype(np.float64)
    out = np.empty((w.shape[0], n))
    step = max(1, int(4_000_000 // max(1, n * n)))
    for s in range(0, w.shape[0], step):
        wb = w[s : s + step]
        wins = (less @ wb.T).T.reshape(-1, n, n)
        mg = wins - wins.transpose(0, 2, 1)
        tol = 1e-9 * np.maximum(wb.sum(axis=1), 1.0)[:, None, None]
        mg[np.abs(mg) <= tol] = 0.0
        out[s : s + step] = (mg > 0).sum(axis=2) + tie_score * ((mg == 0).sum(axis=2) - 1)
    return out, True


def _ranks_from_scores(scores: np.ndarray, *, higher_is_better: bool, rtol: float = 1e-9) -> np.ndarray:
    """Row-wise ``competition_ranks(levels_from_scores(scores))`` with one sort instead of three.

    Same tie rule as :func:`rankagg.ranking.levels_from_scores`: consecutive sorted scores closer than
    ``rtol`` times the row's largest absolute score are one tier. A system's competition rank is one plus
    the sorted position of the first member of its tier.
    """
    v = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    v = v if higher_is_better else -v
    b, n = v.shape
    order = np.argsort(-v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, axis=1)
    scale = np.max(np.abs(v), axis=1, keepdims=True)
    new_tier = np.ones((b, n), dtype=bool)
    new_tier[:, 1:] = (sv[:, :-1] - sv[:, 1:]) > rtol * np.maximum(scale, np.finfo(np.float64).tiny)
    first = np.where(new_tier, np.arange(n, dtype=np.int64)[None, :], 0)
    np.maximum.accumulate(first, axis=1, out=first)
    ranks = np.empty((b, n), dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


FAST_PATHS: Mapping[str, Callable[..., tuple[np.ndarray, bool]]] = MappingProxyType(
    {
        "mean": _fast_mean,
        "zscore_mean": _fast_zscore,
        "minmax_mean": _fast_minmax,
        "geometric_mean": _fast_geometric,
        "borda": _fast_borda,
        "dowdall": _fast_points("dowdall"),
        "plurality": _fast_points("plurality"),
        "win_rate": _fast_win_rate,
        "copeland": _fast_copeland,
    }
)


# ----------------------------------------------------------------------------- generic path
def _subset_input(inp: RuleInput, cols: np.ndarray, weights: np.ndarray) -> RuleInput:
    """The rule input restricted to task columns ``cols`` with the given weights (no re-validation)."""
    table = inp.table._reweighted(cols, weights)
    rk = inp.rankings
    ranks = rk.ranks[:, cols]
    wv = np.asarray(weights, dtype=np.float64)
    rankings = TaskRankings(
        systems=rk.systems,
        labels=tuple(rk.labels[j] for j in cols),
        ranks=ranks,
        weights=wv,
        atol=rk.atol,
        rtol=rk.rtol,
    )
    return RuleInput(table=table, rankings=rankings)


# what every resample shares; set once per worker process (initializer) rather than pickled with each job
_WORKER: dict[str, Any] = {}


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread (returned object restores it): resamples are many small products, and
    worker processes already use every core; threads of the BLAS on top only compete and spin."""
    return threadpool_limits(limits=1, user_api="blas")


def _init_worker(inp: RuleInput, info: RuleInfo, params: dict[str, Any]) -> None:
    _one_blas_thread()
    _WORKER.update(inp=inp, info=info, params=params)


def _solve_job(job: tuple[np.ndarray, int | None]) -> np.ndarray:
    counts, seed = job
    return _solve_one((_WORKER["inp"], _WORKER["info"], _WORKER["params"], counts, seed))


def _solve_one(args: tuple[RuleInput, RuleInfo, dict[str, Any], np.ndarray, int | None]) -> np.ndarray:
    inp, info, params, counts, seed = args
    p = dict(params)
    if seed is not None:
        p["rng"] = seed
    warm = p.pop(_WARM_START, None)
    task_wins = p.pop(_TASK_WINS, None)
    if warm is not None and task_wins is not None:  # the resample's pairwise counts as one matrix-vector product
        n = inp.table.n_systems
        return _kemeny_levels((task_wins @ (inp.table.weights * counts)).reshape(n, n), p, warm)
    cols = np.nonzero(counts)[0]
    sub = _subset_input(inp, cols, inp.table.weights[cols] * counts[cols])
    if warm is not None:
        return _kemeny_levels(sub.pairwise[0], p, warm)
    out = info.func(sub, **p)
    if out.levels is not None:
        return np.asarray(out.levels, dtype=np.int64)
    return levels_from_scores(np.asarray(out.scores, dtype=np.float64), higher_is_better=out.higher_is_better)


_WARM_START = "__kemeny_initial__"  # internal run parameter: the full-data Kemeny order
_TASK_WINS = "__kemeny_task_wins__"  # internal run parameter: per-task strict preferences, see _task_wins
_TASK_WINS_MAX_BYTES = 256 * 2**20


def _task_wins(ranks: np.ndarray) -> np.ndarray | None:
    """``P[i * n + j, t] = 1.0`` where task ``t`` ranks ``i`` strictly above ``j`` (None if over 256 MiB).

    The pairwise wins of any reweighting ``w`` of the tasks are then
    ``(P @ w).reshape(n, n)``: the product :func:`rankagg.pairwise_counts`
    computes, once per resample instead of re-comparing every pair.
    """
    n, m = ranks.shape
    if n * n * m * 8 > _TASK_WINS_MAX_BYTES:
        return None
    less = ranks[:, None, :] < ranks[None, :, :]  # NaN compares False: unranked pairs never count
    return less.reshape(n * n, m).astype(np.float64)


def _kemeny_levels(wins: np.ndarray, params: dict[str, Any], initial: np.ndarray) -> np.ndarray:
    """The Kemeny rule on one resample's pairwise ``wins``, warm-started from the full-data order.

    Same objective and options as the registry's rule; the full-data order
    replaces the Borda / Copeland starts, and uniqueness (not needed for
    ranks) is not checked. A proven optimum is exact whatever the start.
    """
    from rankagg.rules.kemeny._solve import warm_order

    levels = np.empty(wins.shape[0], dtype=np.int64)
    levels[warm_order(wins, initial, **params)] = np.arange(wins.shape[0])
    return levels


def _check_counts(counts: Any, m: int, valid: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
    """Validate user-given resample multiplicities (a fresh, writable int64 copy)."""
    try:
        c = np.array(counts, dtype=np.float64)
    except (TypeError, ValueError):
        c = np.full((0,), np.nan)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] != m:
        raise RankaggError(
            f"counts: expected an array of shape (n_resamples, {m}) (one multiplicity per task column in each "
            f"resample), got shape {c.shape}; pass result.counts of a bootstrap on the same table."
        )
    if not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.round(c)):
        raise RankaggError("counts: multiplicities must be integers >= 0 (how many times each task was drawn).")
    if np.any(c.sum(axis=1) == 0):
        raise RankaggError(
            f"counts: resample(s) {preview(np.nonzero(c.sum(axis=1) == 0)[0].tolist())} draw no task at all; "
            "every resample needs at least one task."
        )
    out = c.astype(np.int64)
    if valid is not None and not valid(out).all():
        raise RankaggError(
            f"counts: in resample(s) {preview(np.nonzero(~valid(out))[0].tolist())} some system shares no drawn "
            "task with another system, so it cannot be ranked; draw other tasks."
        )
    return out


class _Progress:
    def __init__(self, total: int, enabled: bool | None, label: str) -> None:
        self.total = total
        self.enabled = enabled
        self.label = label
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        on = self.enabled
        if on is None:  # automatic: only on an interactive terminal, only for long runs
            on = sys.stderr.isatty() and time.perf_counter() - self.start > 2.0
        if on:
            frac = done / max(self.total, 1)
            bar = "#" * int(30 * frac)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {done}/{self.total}")
            sys.stderr.flush()
            self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


# ----------------------------------------------------------------------------- result
_CHUNK = 8_000_000  # elements materialised at once by the pairwise summaries


def _check_confidence(confidence: Any) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        c = float("nan")
    if not 0.0 < c < 1.0:
        raise RankaggError(f"confidence={confidence!r}: must lie strictly between 0 and 1 (e.g. 0.95).")
    return c


def _check_k(k: Any, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise RankaggError(f"{name}={k!r}: must be a positive integer.")
    return int(k)


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Ranks of every system in every bootstrap resample, and what follows from them.

    Attributes
    ----------
    rule : str
        Canonical rule name; ``params`` its parameters.
    resample : str
        What was resampled (``"tasks"``).
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
        The ``rng`` argument, as given (for the record).
    missing_policy : str
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

    @property
    def n_resamples(self) -> int:
        """Number of resamples."""
        return int(self.ranks.shape[0])

    def rank_interval(self, confidence: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of each system's rank (lower, upper), at ``confidence``."""
        c = self.confidence if confidence is None else _check_confidence(confidence)
        lo = np.quantile(self.ranks, (1.0 - c) / 2.0, axis=0, method="lower")
        hi = np.quantile(self.ranks, 1.0 - (1.0 - c) / 2.0, axis=0, method="higher")
        return lo.astype(np.int64), hi.astype(np.int64)

    def p_top(self, k: int = 1) -> np.ndarray:
        """Probability that each system is ranked in the top ``k`` (rank <= k; tied systems share a rank)."""
        _check_k(k, "k")
        return (self.ranks <= k).mean(axis=0)

    def rank_distribution(self) -> pd.DataFrame:
        """Systems x ranks: share of resamples giving each system each rank (rows sum to 1)."""
        b, n = self.ranks.shape
        idx = (np.arange(n, dtype=np.int64)[None, :] * n + (self.ranks - 1)).ravel()
        dist = np.bincount(idx, minlength=n * n).reshape(n, n) / b
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

    def to_frame(self, *, top_k: int = 3) -> pd.DataFrame:
        """One row per system, by full-data rank: ``system, rank, rank_low, rank_high, p_top1, p_top<k>, mean_rank``."""
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
                "mean_rank": self.ranks.mean(axis=0),
            }
        )
        return df.sort_values(["rank", "mean_rank"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- entry point
def bootstrap(
    table: ScoreTable,
    rule: str = "borda",
    *,
    resample: str = "tasks",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    atol: float = 0.0,
    rtol: float = 0.0,
    fast: bool = True,
    n_jobs: int = 1,
    progress: bool | None = None,
    counts: Any = None,
    level: str | None = None,
    inner: str | None = None,
    outer: str | None = None,
    instance_weighting: str | None = None,
    inner_params: Mapping[str, Any] | None = None,
    rng: int | np.random.Generator | None = None,
    **params: Any,
) -> BootstrapResult:
    """Bootstrap the consensus ranking of any registered rule.

    Parameters
    ----------
    table : ScoreTable or InstanceTable
        The scores: one per system and task, or per system, task and
        instance (or seed / fold).
    rule : str, default "borda"
        Registered rule name.
    resample : {"tasks", "instances", "both", "seeds"}
        What to resample with replacement. ``"tasks"`` asks how much the
        ranking depends on which tasks the benchmark happens to contain;
        ``"instances"`` (instance-level tables) how much it depends on which
        test instances each task happens to contain (stratified: each task's
        instances are resampled among themselves, keeping its size);
        ``"both"`` draws the tasks, then the instances of the drawn tasks (a
        task drawn several times weighs that many times, with one draw of its
        instances); ``"seeds"`` is ``"instances"`` for tables whose instances
        are seeds or folds of repeated runs. The result records it.
    n_resamples : int, default 1000
        Number of resamples (ignored when ``counts`` is given).
    confidence : float, default 0.95
        Level of rank intervals and of indistinguishable groups.
    atol, rtol : float
        Tie tolerances for ranking each task.
    fast : bool, default True
        Use the vectorised path for rules that have one (mean family,
        positional rules, Copeland; the results are the same), and solve
        Kemeny on each resample warm-started from the full-data order
        (proven optima are the same; when several orders are optimal, which
        one is returned may differ). ``False`` runs the registered rule on
        each distinct resample from scratch.
    n_jobs : int, default 1
        Worker processes for rules solved per resample (-1: all cores).
        Results do not depend on it.
    progress : bool, optional
        Show a progress bar on stderr; by default only on an interactive
        terminal for runs longer than two seconds.
    counts : array_like of int, shape (n_resamples, n_task_columns), optional
        Use these resamples instead of drawing them: how many times each task
        column is drawn in each resample (``result.counts`` of another run:
        several rules on the same resamples, for paired comparisons).
    rng : int or numpy.random.Generator, optional
        Source of randomness, for the resamples and for randomised rules
        (each resample gets its own spawned seed, so runs are reproducible
        whatever ``n_jobs``).
    level, inner, outer, instance_weighting, inner_params
        Instance-level tables only: how to aggregate each resample, as in
        :func:`rankagg.aggregate`.
    **params
        Rule parameters.

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import rankagg
    >>> res = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=200, rng=0)
    >>> res.to_frame()[["system", "rank", "rank_low", "rank_high"]].head(3)
        system  rank  rank_low  rank_high
    0   Osprey     1         1          2
    1    Heron     2         1          2
    2  Kestrel     3         3          4
    """
    t0 = time.perf_counter()
    from rankagg.battles import PairwiseProfile, bootstrap_battles, is_battle_frame
    from rankagg.instances import InstanceTable

    if isinstance(table, PairwiseProfile) or is_battle_frame(table):  # battles: resample them (rankagg.battles)
        if atol or rtol or level or inner or outer or instance_weighting or inner_params:
            raise RankaggError(
                "atol, rtol, level, inner, outer, instance_weighting, inner_params: options of score "
                "tables; a battle log has no scores or instances to apply them to, leave them out."
            )
        resample = "battles" if resample == "tasks" else resample  # the default, for battles
        kw = {"n_resamples": n_resamples, "confidence": confidence, "n_jobs": n_jobs, "progress": progress}
        return bootstrap_battles(table, rule, resample=resample, counts=counts, rng=rng, **kw, **params)
    if isinstance(table, InstanceTable):
        return _bootstrap_instances(
            table,
            rule,
            resample=resample,
            n_resamples=n_resamples,
            confidence=confidence,
            atol=atol,
            rtol=rtol,
            n_jobs=n_jobs,
            progress=progress,
            rng=rng,
            level=level,
            inner=inner,
            outer=outer,
            instance_weighting=instance_weighting,
            inner_params=inner_params,
            params=params,
            t0=t0,
        )
    if level is not None or inner is not None or outer is not None or instance_weighting is not None:
        raise RankaggError(
            "level/inner/outer/instance_weighting apply to instance-level tables (rankagg.InstanceTable); "
            "this table has one score per system and task."
        )
    table = as_table(table)
    info = get_rule(rule)
    if resample in PLANNED_RESAMPLE_KINDS:
        raise RankaggError(
            f"resample={resample!r} ({PLANNED_RESAMPLE_KINDS[resample]}) needs instance-level scores, one per "
            "system, task and instance or seed, and a ScoreTable holds one score per system and task; "
            "use resample='tasks'."
        )
    if resample not in RESAMPLE_KINDS:
        known = (*RESAMPLE_KINDS, *PLANNED_RESAMPLE_KINDS)
        raise RankaggError(
            f"resample={resample!r}: unknown; a ScoreTable can be resampled over "
            f"{', '.join(map(repr, RESAMPLE_KINDS))}.{did_you_mean(str(resample), known)}"
        )
    _check_k(n_resamples, "n_resamples")
    confidence = _check_confidence(confidence)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise RankaggError(f"n_jobs={n_jobs!r}: use a positive number of processes, or -1 for all cores.")
    seed_record = rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator"
    gen = np.random.default_rng(rng)

    info.check_params(params)
    m = table.n_columns
    valid = _valid_partial(~np.isnan(table.scores)) if table.has_missing else None
    if counts is None:
        counts = resample_counts(m, int(n_resamples), rng=gen, valid=valid)
    else:
        counts = _check_counts(counts, m, valid)
    uses_rng = "rng" in info.params
    # randomised rules: one spawned seed for the full data and one per distinct resample
    rule_seeds = np.random.SeedSequence(int(gen.integers(0, 2**63 - 1))) if uses_rng else None
    full_seed = {"rng": int(rule_seeds.spawn(1)[0].generate_state(1)[0])} if rule_seeds is not None else {}
    full = aggregate(table, rule=info.name, atol=atol, rtol=rtol, **params, **full_seed)
    full_params = dict(full.params)
    inp = RuleInput(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))
    base_params = {k: v for k, v in full_params.items() if k != "rng"}
    run_params = dict(params)
    run_params.pop("rng", None)
    if info.name == "kemeny" and fast:
        run_params[_WARM_START] = np.argsort(np.asarray(full.ranks), kind="stable").astype(np.intp)
        task_wins = _task_wins(inp.rankings.ranks)
        if task_wins is not None:
            run_params[_TASK_WINS] = task_wins

    if fast and info.name in FAST_PATHS and not (table.has_missing and not info.partial_ok):
        w = counts * table.weights[None, :]
        kw = {k: v for k, v in run_params.items()}
        scores, hib = FAST_PATHS[info.name](inp, w, **kw)
        ranks = _ranks_from_scores(scores, higher_is_better=hib)
        n_distinct = int(np.unique(counts, axis=0).shape[0])
    else:
        uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        n_distinct = int(uniq.shape[0])
        seeds: list[int | None]
        if rule_seeds is not None:
            seeds = [int(c.generate_state(1)[0]) for c in rule_seeds.spawn(n_distinct)]
        else:
            seeds = [None] * n_distinct
        jobs = [(uniq[k], seeds[k]) for k in range(n_distinct)]
        bar = _Progress(n_distinct, progress, f"bootstrap {info.name}")
        levels_u = np.empty((n_distinct, table.n_systems), dtype=np.int64)
        if n_jobs == 1 or n_distinct < 2 * n_jobs:
            with _one_blas_thread():
                for k, (cnt, seed) in enumerate(jobs):
                    levels_u[k] = _solve_one((inp, info, run_params, cnt, seed))
                    if k % 10 == 0:
                        bar.update(k + 1)
        else:
            with ProcessPoolExecutor(
                max_workers=int(n_jobs), initializer=_init_worker, initargs=(inp, info, run_params)
            ) as ex:
                # small chunks: the last one, which one worker finishes while the others wait, stays short
                chunk = max(1, n_distinct // (32 * int(n_jobs)))
                for k, lev in enumerate(ex.map(_solve_job, jobs, chunksize=chunk)):
                    levels_u[k] = lev
                    if k % 10 == 0:
                        bar.update(k + 1)
        bar.update(n_distinct)
        bar.close()
        ranks = competition_ranks(levels_u)[inverse]
    ranks = np.asarray(ranks, dtype=np.int64)
    ranks.setflags(write=False)
    counts.setflags(write=False)
    return BootstrapResult(
        rule=info.name,
        params=MappingProxyType(base_params),
        resample=resample,
        systems=table.systems,
        full_ranks=np.asarray(full.ranks),
        ranks=ranks,
        counts=counts,
        confidence=float(confidence),
        missing_policy=table.missing_policy,
        seed=seed_record,
        n_distinct=n_distinct,
        time_seconds=time.perf_counter() - t0,
    )


# ----------------------------------------------------------------------------- instance-level tables
_INSTANCE_STATE: dict[str, Any] = {}


def _resampled_instances(table: Any, task_counts: np.ndarray, picks: list[np.ndarray | None]) -> Any:
    """The instance table of one resample: task columns with their counts as weight multipliers."""
    from rankagg.instances import InstanceTable

    cols = np.nonzero(task_counts)[0]
    off = table.offsets
    blocks, sizes = [], []
    for j in cols:
        idx = np.arange(off[j], off[j + 1]) if picks[j] is None else off[j] + picks[j]
        blocks.append(table.scores[:, idx])
        sizes.append(idx.size)
    return InstanceTable._build(
        np.concatenate(blocks, axis=1),
        systems=table.systems,
        tasks=[table.columns[j].task for j in cols],
        metrics=[table.columns[j].metric for j in cols],
        sizes=sizes,
        ids=[None] * cols.size,
        higher_is_better=None,
        data_directions=[table.columns[j].higher_is_better for j in cols],
        weights=[table.columns[j].weight * task_counts[j] for j in cols],
        missing=table.missing_policy,
    )


def _instance_job(job: tuple[np.ndarray, list[np.ndarray | None], int | None]) -> np.ndarray:
    st = _INSTANCE_STATE
    task_counts, picks, seed = job
    sub = _resampled_instances(st["table"], task_counts, picks)
    params = dict(st["params"])
    if seed is not None:
        params["rng"] = seed
    try:
        res = aggregate(sub, rule=st["rule"], **st["kw"], **params)
    except RankaggError as exc:
        raise RankaggError(
            f"bootstrap: a resample could not be ranked ({exc}); the data is too sparse for this resampling, "
            "use missing='drop_systems' or 'drop_instances'."
        ) from None
    return np.asarray(res.ranks, dtype=np.int64)


def _init_instance_process(state: dict[str, Any]) -> None:
    _one_blas_thread()
    _init_instance_worker(state)


def _init_instance_worker(state: dict[str, Any]) -> None:
    _INSTANCE_STATE.clear()
    _INSTANCE_STATE.update(state)


def _bootstrap_instances(
    table: Any,
    rule: str,
    *,
    resample: str,
    n_resamples: int,
    confidence: float,
    atol: float,
    rtol: float,
    n_jobs: int,
    progress: bool | None,
    rng: Any,
    level: str | None,
    inner: str | None,
    outer: str | None,
    instance_weighting: str | None,
    inner_params: Mapping[str, Any] | None,
    params: dict[str, Any],
    t0: float,
) -> BootstrapResult:
    info = get_rule(rule)
    if resample not in INSTANCE_RESAMPLE_KINDS:
        raise RankaggError(
            f"resample={resample!r}: unknown; an InstanceTable can be resampled over "
            f"{', '.join(map(repr, INSTANCE_RESAMPLE_KINDS))}.{did_you_mean(str(resample), INSTANCE_RESAMPLE_KINDS)}"
        )
    _check_k(n_resamples, "n_resamples")
    confidence = _check_confidence(confidence)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise RankaggError(f"n_jobs={n_jobs!r}: use a positive number of processes, or -1 for all cores.")
    info.check_params({k: v for k, v in params.items()})
    seed_record = rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator"
    gen = np.random.default_rng(rng)
    kw: dict[str, Any] = {"atol": atol, "rtol": rtol}
    for key, value in (
        ("level", level),
        ("inner", inner),
        ("outer", outer),
        ("instance_weighting", instance_weighting),
        ("inner_params", inner_params),
    ):
        if value is not None:
            kw[key] = value
    run_params = {k: v for k, v in params.items() if k != "rng"}
    uses_rng = "rng" in info.params
    rule_seeds = np.random.SeedSequence(int(gen.integers(0, 2**63 - 1))) if uses_rng else None
    full_seed = {"rng": int(rule_seeds.spawn(1)[0].generate_state(1)[0])} if rule_seeds is not None else {}
    full = aggregate(table, rule=info.name, **kw, **run_params, **full_seed)

    m = table.n_columns
    sizes = np.diff(table.offsets)
    b = int(n_resamples)
    if resample in ("tasks", "both"):
        task_counts = resample_counts(m, b, rng=gen)
    else:
        task_counts = np.ones((b, m), dtype=np.int64)
    jobs: list[tuple[np.ndarray, list[np.ndarray | None], int | None]] = []
    seeds = [int(c.generate_state(1)[0]) for c in rule_seeds.spawn(b)] if rule_seeds is not None else [None] * b
    for r in range(b):
        picks: list[np.ndarray | None] = [None] * m
        if resample != "tasks":
            for j in range(m):
                if task_counts[r, j]:
                    picks[j] = np.sort(gen.integers(0, sizes[j], size=sizes[j]))
        jobs.append((task_counts[r], picks, seeds[r]))
    state = {"table": table, "rule": info.name, "kw": kw, "params": run_params}
    bar = _Progress(b, progress, f"bootstrap {info.name}")
    ranks = np.empty((b, table.n_systems), dtype=np.int64)
    if n_jobs == 1 or b < 2 * n_jobs:
        _init_instance_worker(state)
        for k, job in enumerate(jobs):
            ranks[k] = _instance_job(job)
            if k % 10 == 0:
                bar.update(k + 1)
    else:
        with ProcessPoolExecutor(max_workers=int(n_jobs), initializer=_init_instance_process, initargs=(state,)) as ex:
            chunk = max(1, b // (8 * int(n_jobs)))
            for k, rk in enumerate(ex.map(_instance_job, jobs, chunksize=chunk)):
                ranks[k] = rk
                if k % 10 == 0:
                    bar.update(k + 1)
    bar.update(b)
    bar.close()
    ranks.setflags(write=False)
    task_counts.setflags(write=False)
    record = dict(full.params)
    record.pop("rng", None)
    record.update({k: v for k, v in kw.items() if k not in ("atol", "rtol")})
    return BootstrapResult(
        rule=info.name,
        params=MappingProxyType(record),
        resample=resample,
        systems=table.systems,
        full_ranks=np.asarray(full.ranks),
        ranks=ranks,
        counts=task_counts,
        confidence=float(confidence),
        missing_policy=table.missing_policy,
        seed=seed_record,
        n_distinct=b,
        time_seconds=time.perf_counter() - t0,
    )
