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

import dataclasses
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import BootstrapWarning, RankaggError, ScoreTableError, did_you_mean, preview
from rankagg._threads import one_blas_thread
from rankagg.aggregate import aggregate
from rankagg.ranking import competition_ranks, levels_from_scores, rank_table
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.table import ScoreTable, as_table, comparison_groups

__all__ = ["DEFAULT_MAX_MEMORY", "MIN_UNITS", "BootstrapResult", "bootstrap", "check_rng", "resample_counts"]

#: Fewer resampling units than this (tasks, or instances per task) and the bootstrap warns (BootstrapWarning).
MIN_UNITS = 5
#: Default bound, in bytes, on the memory a bootstrap may allocate (estimated before drawing): 4 GiB.
DEFAULT_MAX_MEMORY = 4 * 2**30

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
    for attempt in range(1000):
        idx = rng.integers(0, n_tasks, size=(todo.size, n_tasks))
        flat = (idx + (np.arange(todo.size, dtype=np.int64) * n_tasks)[:, None]).ravel()
        c = np.bincount(flat, minlength=todo.size * n_tasks).reshape(todo.size, n_tasks).astype(np.int64)
        counts[todo] = c
        if valid is None:
            return counts
        ok = valid(c)
        if attempt == 0 and not ok.all():
            _redrawn(int((~ok).sum()), n_resamples, getattr(valid, "sparsest", ""))
        todo = todo[~ok]
        if todo.size == 0:
            return counts
    raise RankaggError(
        "bootstrap: could not draw task resamples in which every system is compared with another; "
        "the table is too sparse for a task bootstrap (use missing='drop_systems' or 'drop_tasks')."
    )


MAX_REDRAWN = 0.05  # largest share of task resamples drawn again because their systems fell apart


def _redrawn(k: int, b: int, sparsest: str = "") -> None:
    """Say how many resamples were drawn again; refuse when they are so many that redrawing would bias the rest."""
    if k > MAX_REDRAWN * b:
        raise RankaggError(
            f"bootstrap: {k} of {b} task resamples ({100 * k / b:.0f}%) leave the systems in groups that share no "
            "drawn task (or a system compared with no one), so they cannot be ranked as one list; drawing them "
            f"again would bias the intervals (more than {100 * MAX_REDRAWN:g}% of the draws). The table is too "
            f"sparse for a task bootstrap{sparsest}: leave out the systems scored on few tasks (exclude=...; CLI: "
            "--exclude), or use missing='drop_systems' or 'drop_tasks' (CLI: --missing)."
        )
    warnings.warn(
        f"bootstrap: {k} of {b} task resamples left the systems in groups that share no drawn task and were drawn "
        f"again; a reported probability moves by at most {k / b:.3f} for it.",
        BootstrapWarning,
        stacklevel=4,
    )


def _valid_partial(present: np.ndarray, systems: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
    """Resample validity for partial tables: the systems form one group compared through the drawn tasks.

    A resample that drops the tasks linking two groups of systems would rank systems that never met as one
    list (every pair across the groups a tie): such resamples are drawn again (see :func:`resample_counts`).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n, m = present.shape
    rows, cols = np.nonzero(present)  # system i -- task column j (bipartite: systems 0..n-1, columns n..n+m-1)
    n_scored = present.sum(axis=1)

    def ok(c: np.ndarray) -> np.ndarray:
        out = np.empty(c.shape[0], dtype=bool)
        for r in range(c.shape[0]):
            keep = c[r, cols] > 0
            graph = csr_matrix(
                (np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], n + cols[keep])), shape=(n + m, n + m)
            )
            _, labels = connected_components(graph, directed=False)
            out[r] = np.unique(labels[:n]).size == 1
        return out

    few = np.argsort(n_scored, kind="stable")[:5]
    ok.sparsest = "; fewest tasks: " + ", ".join(f"{systems[i]} ({int(n_scored[i])})" for i in few)  # type: ignore[attr-defined]
    return ok


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


# ----------------------------------------------------------------------------- generic path
# what every resample shares; set once per worker process (initializer) rather than pickled with each job
_WORKER: dict[str, Any] = {}


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread (returned object restores it): resamples are many small products, and
    worker processes already use every core; threads of the BLAS on top only compete and spin."""
    return one_blas_thread()


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
    full = p.pop(_WARM_START, None)
    task_wins = p.pop(_TASK_WINS, None)
    if full is not None and task_wins is not None:  # the resample's pairwise counts as one matrix-vector product
        n = inp.table.n_systems
        return info.warm((task_wins @ (inp.table.weights * counts)).reshape(n, n), full, **p)
    cols = np.nonzero(counts)[0]
    sub = inp.subset(cols, inp.table.weights[cols] * counts[cols])
    if full is not None:
        return info.warm(sub.pairwise[0], full, **p)
    out = info.func(sub, **p)
    if out.levels is not None:
        return np.asarray(out.levels, dtype=np.int64)
    return levels_from_scores(np.asarray(out.scores, dtype=np.float64), higher_is_better=out.higher_is_better)


_WARM_START = "__warm_start__"  # internal run parameter: the rule's full-data result, for RuleInfo.warm
_TASK_WINS = "__task_wins__"  # internal run parameter: per-task strict preferences, see _task_wins
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


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class _Progress:
    """A progress line on stderr: ``label [####    ] done/total, elapsed, estimated time left``.

    ``enabled=None``: shown only on an interactive terminal, once the run has
    lasted two seconds; ``True``: always (e.g. to a log file); ``False``: never.
    Redrawn at most five times a second.
    """

    def __init__(self, total: int, enabled: bool | None, label: str) -> None:
        self.total = total
        self.enabled = enabled
        self.label = label
        self.start = time.perf_counter()
        self.last = -1.0
        self.shown = False

    def update(self, done: int) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        on = self.enabled
        if on is None:  # automatic: only on an interactive terminal, only for long runs
            on = sys.stderr.isatty() and elapsed > 2.0
        if not on or (done < self.total and now - self.last < 0.2):
            return
        self.last = now
        frac = done / max(self.total, 1)
        bar = "#" * int(30 * frac)
        eta = f", ~{_duration(elapsed / done * (self.total - done))} left" if 0 < done < self.total else ""
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {done}/{self.total} {_duration(elapsed)} elapsed{eta}  ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


# ----------------------------------------------------------------------------- checks shared by every entry point
def check_rng(rng: Any, name: str = "rng") -> tuple[np.random.Generator, Any]:
    """The generator for ``rng``, and what to record so that the run can be repeated.

    ``None`` draws a fresh seed from the operating system and records it (an
    int: pass it back as ``rng`` to repeat the run); an int is recorded as is;
    a Generator or SeedSequence by its type name (it cannot be replayed from
    the record). Anything else raises a :class:`RankaggError` naming ``name``.
    """
    if rng is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
        return np.random.default_rng(seed), seed
    if not isinstance(rng, bool):
        try:
            gen = np.random.default_rng(rng)
        except (TypeError, ValueError):
            pass
        else:
            return gen, int(rng) if isinstance(rng, (int, np.integer)) else type(rng).__name__
    raise RankaggError(
        f"{name}={rng!r}: not a source of randomness; give an integer seed >= 0 (e.g. {name}=0), a "
        f"numpy.random.Generator, or None (a fresh seed, recorded in the result so the run can be repeated)."
    )


def _check_run(n_resamples: Any, confidence: Any, n_jobs: Any) -> tuple[int, float, int]:
    b = _check_k(n_resamples, "n_resamples")
    c = _check_confidence(confidence)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise RankaggError(f"n_jobs={n_jobs!r}: use a positive number of processes, or -1 for all cores.")
    return b, c, int(n_jobs)


def _check_memory(n_resamples: int, per_resample: float, max_memory: Any, what: str) -> None:
    """Refuse, before drawing anything, a run whose arrays would not fit in ``max_memory`` bytes."""
    try:
        limit = float(max_memory)
    except (TypeError, ValueError):
        limit = float("nan")
    if not limit > 0:
        raise RankaggError(f"max_memory={max_memory!r}: give a positive number of bytes, e.g. max_memory=2**32.")
    need = n_resamples * per_resample
    if need > limit:
        fits = max(1, int(limit // per_resample))
        raise RankaggError(
            f"n_resamples={n_resamples:,}: this bootstrap would need about {need / 2**30:,.1f} GiB of memory "
            f"({what}, about {per_resample:,.0f} bytes per resample), more than max_memory={limit / 2**30:,.1f} GiB; "
            f"use fewer resamples (n_resamples={min(fits, 100_000):,} fits, CLI: -B {min(fits, 100_000)}; 1,000 to "
            "10,000 is plenty for 95% intervals), or raise max_memory= if the machine has the memory."
        )


def _n_distinct_resamples(k: int) -> int:
    """Distinct multisets of ``k`` units drawn with replacement from ``k``: C(2k - 1, k)."""
    return math.comb(2 * k - 1, k)


def _units(
    resample: str, n_tasks: int, sizes: np.ndarray | None, labels: tuple[str, ...], *, stacklevel: int = 3
) -> tuple[int, str]:
    """``(n_units, note)`` for a resampling scheme; refuses a scheme whose unit has one level, warns on few.

    ``sizes``: instances per task column (instance tables), else None.
    """
    big = int(sizes.max()) if sizes is not None else 0
    if resample == "tasks":
        if n_tasks == 1:
            alt = (
                f"use resample='instances' (its {big:,} instances vary; CLI: --resample instances, or leave "
                "--resample out)"
                if big > 1
                else "resample instances of that task (an InstanceTable with resample='instances') if you have them"
            )
            raise RankaggError(
                f"resample='tasks' cannot vary: there is only 1 task column ({labels[0]!r}), so every resample is the "
                "full data and every rank interval would be a single point, a certainty the data does not have; "
                f"{alt}."
            )
        n = n_tasks
        unit = f"{n_tasks} task columns"
    elif resample in ("instances", "seeds"):
        if big <= 1:
            raise RankaggError(
                f"resample={resample!r} cannot vary: every task column has a single instance, so every resample is "
                "the full data and every rank interval would be a single point; "
                + (f"use resample='tasks' (its {n_tasks} task columns vary; CLI: --resample tasks)." if n_tasks > 1
                   else "there is nothing "
                   "to resample: a bootstrap needs several tasks or several instances per task.")
            )  # fmt: skip
        n = big
        unit = f"{big} instances in the largest task column" if n_tasks > 1 else f"{big} instances"
    else:  # both
        if n_tasks == 1 and big <= 1:
            raise RankaggError(
                "resample='both' cannot vary: one task column with a single instance; a bootstrap needs several "
                "tasks or several instances per task."
            )
        n = n_tasks
        if n_tasks >= MIN_UNITS or big >= MIN_UNITS:
            return n, ""
        unit = f"{n_tasks} task columns and at most {big} instances per task column"
    if n >= MIN_UNITS:
        return n, ""
    note = (
        f"only {unit} to resample (resample={resample!r}): at most {_n_distinct_resamples(n)} distinct resamples, "
        "too few for the bootstrap to estimate the uncertainty; the intervals understate it"
    )
    if resample == "tasks" and big >= MIN_UNITS:
        note += "; resample='instances' varies more units"
    warnings.warn(f"bootstrap: {note}.", BootstrapWarning, stacklevel=stacklevel)
    return n, note


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

    def rank_interval(self, confidence: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of each system's rank (lower, upper), at ``confidence``."""
        c = self.confidence if confidence is None else _check_confidence(confidence)
        lo = np.quantile(self.ranks, (1.0 - c) / 2.0, axis=0, method="lower")
        hi = np.quantile(self.ranks, 1.0 - (1.0 - c) / 2.0, axis=0, method="higher")
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
        >>> from rankagg.robustness import BootstrapResult
        >>> r = np.array([[1, 1, 3], [1, 2, 3]])  # resample 0 ties A and B at the top
        >>> res = BootstrapResult("borda", {}, "tasks", ("A", "B", "C"), np.array([1, 2, 3]), r,
        ...                       np.ones((2, 3), int), 0.95, "raise")
        >>> res.p_top(1).tolist(), res.p_top(1, ties="share").tolist()
        ([1.0, 0.5, 0.0], [0.75, 0.25, 0.0])
        """
        _check_k(k, "k")
        if ties == "count":
            return (self.ranks <= k).mean(axis=0)
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
                "mean_rank": self.ranks.mean(axis=0),
            }
        )
        return df.sort_values(["rank", "mean_rank"], kind="stable").reset_index(drop=True)


def _check_full(full: Any, rule: str, systems: tuple[str, ...], atol: float, rtol: float) -> None:
    """``bootstrap(full=...)``: the result must be the rule's, on the same systems, with the same tolerances."""
    got = (getattr(full, "rule", None), tuple(getattr(full, "systems", ())), getattr(full, "atol", None))
    if got[0] != rule:
        raise RankaggError(
            f"full: the result of rule {got[0]!r} was given for a bootstrap of {rule!r}; pass the "
            f"{rule!r} result of the same table, or leave full out."
        )
    if got[1] != tuple(systems):
        raise RankaggError(
            "full: the result ranks other systems than the table (or in another order); pass the "
            "result of aggregate() on this very table, or leave full out."
        )
    if (full.atol, full.rtol) != (atol, rtol):
        raise RankaggError(
            f"full: the result was ranked with atol={full.atol}, rtol={full.rtol}, the bootstrap "
            f"with atol={atol}, rtol={rtol}; give the same tolerances, or leave full out."
        )


# ----------------------------------------------------------------------------- entry point
def bootstrap(
    table: ScoreTable,
    rule: str = "borda",
    *,
    resample: str | None = None,
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
    max_memory: float = DEFAULT_MAX_MEMORY,
    full: Any = None,
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
    resample : {"tasks", "instances", "both", "seeds"}, optional
        What to resample with replacement. ``"tasks"`` asks how much the
        ranking depends on which tasks the benchmark happens to contain;
        ``"instances"`` (instance-level tables) how much it depends on which
        test instances each task happens to contain (stratified: each task's
        instances are resampled among themselves, keeping its size);
        ``"both"`` draws the tasks, then the instances of the drawn tasks (a
        task drawn several times weighs that many times, with one draw of its
        instances); ``"seeds"`` is ``"instances"`` for tables whose instances
        are seeds or folds of repeated runs. Default: ``"tasks"`` for a
        ScoreTable; for an InstanceTable ``"both"`` when it has at least
        :data:`MIN_UNITS` (5) task columns, else ``"instances"`` (with fewer
        tasks, resampling them says little). The result records it.

        A unit with one level (one task column for ``"tasks"``; a single
        instance per task for ``"instances"``) cannot vary: every resample
        would be the full data and every interval a point, so the bootstrap
        refuses and names the unit that varies. With fewer than
        :data:`MIN_UNITS` units it runs, issues a
        :class:`rankagg.BootstrapWarning` and records why in ``result.note``.
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
    max_memory : float, default 4 GiB
        Bound, in bytes, on the memory the run may allocate. It is estimated
        before anything is drawn, and a larger run is refused with the
        estimate and a number of resamples that fits.
    counts : array_like of int, shape (n_resamples, n_task_columns), optional
        Use these resamples instead of drawing them: how many times each task
        column is drawn in each resample (``result.counts`` of another run:
        several rules on the same resamples, for paired comparisons).
    full : RankingResult, optional
        Score tables only: the rule's result on this same table, with the same
        tolerances and parameters, when the caller already has it (e.g.
        ``compare(table, [..., "kemeny"]).results["kemeny"]``). It is the
        full-data ranking of the run instead of solving the rule again, so the
        intervals refer to the ranking shown next to them and a slow rule is
        solved once.
    rng : int or numpy.random.Generator, optional
        Source of randomness, for the resamples and for randomised rules
        (each resample gets its own spawned seed, so runs are reproducible
        whatever ``n_jobs``). None draws a fresh seed and records it in
        ``result.seed``: ``rng=result.seed`` repeats the run.
    level, inner, outer, instance_weighting, inner_params
        Instance-level tables only: how to aggregate each resample, as in
        :func:`rankagg.aggregate`.
    **params
        Rule parameters.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    RankaggError
        A resampling unit with one level, a run that would not fit in
        ``max_memory``, an ``rng`` that is not a seed or a Generator, and the
        rule's own errors.

    Warns
    -----
    BootstrapWarning
        Fewer than :data:`MIN_UNITS` units to resample.

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

    if full is not None and (isinstance(table, (PairwiseProfile, InstanceTable)) or is_battle_frame(table)):
        raise RankaggError("full: a precomputed full-data result is taken for score tables only; leave it out.")
    if isinstance(table, PairwiseProfile) or is_battle_frame(table):  # battles: resample them (rankagg.battles)
        if atol or rtol or level or inner or outer or instance_weighting or inner_params:
            raise RankaggError(
                "atol, rtol, level, inner, outer, instance_weighting, inner_params: options of score "
                "tables; a battle log has no scores or instances to apply them to, leave them out."
            )
        if resample in (None, "battles", "battles_by_pair"):
            kw = {"n_resamples": n_resamples, "confidence": confidence, "n_jobs": n_jobs, "progress": progress}
            return bootstrap_battles(
                table, rule, resample=resample or "battles", counts=counts, rng=rng, **kw, **params
            )
        raise RankaggError(
            f"resample={resample!r}: a battle log is resampled over its battles: use resample='battles' (drawn with "
            "replacement, Chatbot Arena's bootstrap) or 'battles_by_pair' (within each pair)."
        )
    if isinstance(table, InstanceTable):
        return _bootstrap_instances(
            table,
            rule,
            resample=resample,
            n_resamples=n_resamples,
            confidence=confidence,
            atol=atol,
            rtol=rtol,
            fast=fast,
            n_jobs=n_jobs,
            progress=progress,
            rng=rng,
            level=level,
            inner=inner,
            outer=outer,
            instance_weighting=instance_weighting,
            inner_params=inner_params,
            max_memory=max_memory,
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
    from rankagg.aggregate import _check_partial
    from rankagg.table import check_comparison_design

    _check_partial(table, info)  # the rule's own refusal and the design's come before any resample is drawn
    check_comparison_design(table)
    resample = "tasks" if resample is None else resample
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
    b, confidence, n_jobs = _check_run(n_resamples if counts is None else 1, confidence, n_jobs)
    gen, seed_record = check_rng(rng)
    n, m = table.n_systems, table.n_columns
    if counts is None:
        # counts and the draw's temporaries (6 arrays of m), scores, ranks and their sort (7 of n), 8-byte numbers
        # (measured: 418 MiB for 2,000,000 Borda resamples of 3 systems x 2 tasks, estimated 503 MiB)
        _check_memory(b, 8.0 * (6 * m + 7 * n), max_memory, f"{m} task columns and {n} systems")
    n_units, note = _units(resample, m, None, table.labels)

    info.check_params(params)
    valid = _valid_partial(~np.isnan(table.scores), table.systems) if table.has_missing else None
    if counts is None:
        counts = resample_counts(m, b, rng=gen, valid=valid)
    else:
        counts = _check_counts(counts, m, valid)
    uses_rng = "rng" in info.params
    # randomised rules: one spawned seed for the full data and one per distinct resample
    rule_seeds = np.random.SeedSequence(int(gen.integers(0, 2**63 - 1))) if uses_rng else None
    full_seed = {"rng": int(rule_seeds.spawn(1)[0].generate_state(1)[0])} if rule_seeds is not None else {}
    if full is None:
        full = aggregate(table, rule=info.name, atol=atol, rtol=rtol, **params, **full_seed)
    else:
        _check_full(full, info.name, table.systems, atol, rtol)
    full_params = dict(full.params)
    inp = RuleInput(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))
    base_params = {k: v for k, v in full_params.items() if k != "rng"}
    run_params = dict(params)
    run_params.pop("rng", None)
    if info.warm is not None and fast:  # the rule's warm start from its full-data result (RuleInfo.warm)
        run_params[_WARM_START] = full
        if full.diagnostics.get("tiers_exact") is False:  # say where a resample's strict order is a choice
            note = "; ".join(
                x
                for x in (
                    note,
                    "resamples keep the order found between neighbours of blocks of more than 12 systems (ties "
                    "proven only within smaller blocks, for interchangeable systems and zero-margin neighbours)",
                )
                if x
            )
        task_wins = _task_wins(inp.rankings.ranks)
        if task_wins is not None:
            run_params[_TASK_WINS] = task_wins

    if fast and info.batch is not None and not (table.has_missing and not info.partial_ok):
        w = counts * table.weights[None, :]
        kw = {k: v for k, v in run_params.items()}
        scores, hib = info.batch(inp, w, **kw)
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
                    bar.update(k + 1)
        else:
            with ProcessPoolExecutor(
                max_workers=int(n_jobs), initializer=_init_worker, initargs=(inp, info, run_params)
            ) as ex:
                # small chunks: the last one, which one worker finishes while the others wait, stays short
                chunk = max(1, n_distinct // (32 * int(n_jobs)))
                for k, lev in enumerate(ex.map(_solve_job, jobs, chunksize=chunk)):
                    levels_u[k] = lev
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
        n_units=n_units,
        note=note,
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
    try:
        sub = _resampled_instances(st["table"], task_counts, picks)
    except ScoreTableError:  # a system with no drawn score: unrankable (see _drop_unrankable)
        return np.zeros(st["table"].n_systems, dtype=np.int64)
    params = dict(st["params"])
    if seed is not None:
        params["rng"] = seed
    if sub.has_missing and len(comparison_groups(sub)) > 1:
        return np.zeros(sub.n_systems, dtype=np.int64)  # unrankable: see _drop_unrankable
    try:
        res = aggregate(sub, rule=st["rule"], **st["kw"], **params)
    except ScoreTableError:  # a system with no drawn score, or compared with no one: unrankable
        return np.zeros(sub.n_systems, dtype=np.int64)
    return np.asarray(res.ranks, dtype=np.int64)


def _init_instance_process(state: dict[str, Any]) -> None:
    _one_blas_thread()
    _init_instance_worker(state)


def _init_instance_worker(state: dict[str, Any]) -> None:
    _INSTANCE_STATE.clear()
    _INSTANCE_STATE.update(state)


class _DrawnPass:
    """Stand-in for ``rankagg._levels._Pass`` holding the column statistics of one resample, counted in bulk."""

    def __init__(self, table: Any, stats: dict[int, Any], atol: float, rtol: float) -> None:
        self.table = table
        self._stats = stats
        self.atol = atol
        self.rtol = rtol

    def stats(self, j: int, *, expected: bool = False) -> Any:
        return self._stats[j]


def _light_table(table: Any, task_counts: np.ndarray) -> Any:
    """The resample's InstanceTable without copying scores: drawn task columns, weights times their counts.

    Only what the aggregation reads from counted statistics is set (systems, columns, sizes, policy); its
    scores are the full table's and must not be read.
    """
    cols = np.nonzero(task_counts)[0]
    sizes = np.diff(table.offsets)[cols]
    obj = type(table).__new__(type(table))
    obj._systems = table.systems
    obj._columns = tuple(
        dataclasses.replace(table.columns[j], weight=table.columns[j].weight * float(task_counts[j])) for j in cols
    )
    obj._scores = table.scores
    obj._has_missing = table.has_missing
    obj._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    obj._ids = tuple(table._ids[j] for j in cols)
    obj._missing = table.missing_policy
    obj._dropped_systems = table.dropped_systems
    obj._dropped_instances = ()
    return obj


class _ColumnParts:
    """Per-instance contributions of one task column, so that any instance multiplicities sum them in bulk."""

    def __init__(self, table: Any, j: int, atol: float, rtol: float) -> None:
        from rankagg._instance_kernels import code_dtype, rank_codes

        n = table.n_systems
        a, b = int(table.offsets[j]), int(table.offsets[j + 1])
        block = table.scores[:, a:b]
        sign = 1.0 if table.columns[j].higher_is_better else -1.0
        self.codes = rank_codes(block, sign, atol=atol, rtol=rtol, dtype=code_dtype(n))
        present = self.codes > 0
        self.present = present
        ranks = np.where(present, (2 * n + 2 - self.codes.astype(np.float64)) / 2.0, 0.0)
        k = present.sum(axis=0).astype(np.float64)
        # (n, s) sums, stacked: rank, raw score, scored, rank / (k + 1)
        self.sums = np.stack([ranks, np.where(present, block, 0.0), present.astype(np.float64), ranks / (k + 1.0)])
        self.size = b - a
        self.n = n

    def pair_counts(self, c: np.ndarray, missing: bool) -> tuple[np.ndarray, np.ndarray]:
        """``wins``, ``both`` of shape (B, n, n) (int64) for instance multiplicities ``c`` of shape (B, s)."""
        n, s = self.n, self.size
        wins = np.zeros((c.shape[0], n * n))
        both = np.zeros((c.shape[0], n * n)) if missing else None
        cf = c.astype(np.float32)
        step = max(1, (32 * 2**20) // (4 * n * n))  # instances per chunk: the (n * n, chunk) indicators stay ~32 MiB
        for a in range(0, s, step):
            g = self.codes[:, a : a + step]
            p = self.present[:, a : a + step]
            w = (g[:, None, :] > g[None, :, :]) & p[None, :, :]  # i above j, j scored (a missing i has code 0)
            # exact in float32: counts are integers far below 2**24
            wins += cf[:, a : a + step] @ w.reshape(n * n, -1).T.astype(np.float32)
            if both is not None:
                bp = (p[:, None, :] & p[None, :, :]).reshape(n * n, -1)
                both += cf[:, a : a + step] @ bp.T.astype(np.float32)
        wins_i = np.rint(wins).astype(np.int64).reshape(-1, n, n)
        if both is None:
            both_i = np.broadcast_to(c.sum(axis=1)[:, None, None], wins_i.shape)
        else:
            both_i = np.rint(both).astype(np.int64).reshape(-1, n, n)
        return wins_i, both_i


def _instance_fast_ok(info: RuleInfo, level: str | None, inner: str | None) -> bool:
    """Rules whose instance-level aggregation reads only counted statistics (pairwise counts, rank and score sums)."""
    from rankagg._levels import _FAST

    if level in (None, "one"):
        return bool(info.pairwise_ok or info.name in _FAST)
    inner_info = get_rule("mean" if inner is None else inner)
    return bool(inner_info.pairwise_ok or inner_info.name in _FAST)


def _ranks_of_drawn(
    table: Any, stats: dict[int, Any], task_counts: np.ndarray, info: RuleInfo, kw: dict[str, Any], params: dict
) -> np.ndarray:
    """The consensus ranks of one resample from its counted statistics (what ``aggregate`` computes on it)."""
    from rankagg._levels import _inner_table, _one_level, _outer_name
    from rankagg.instances import check_weighting

    light = _light_table(table, task_counts)
    cols = np.nonzero(task_counts)[0]
    run = _DrawnPass(light, {k: stats[j] for k, j in enumerate(cols)}, kw["atol"], kw["rtol"])
    if light.has_missing:  # what rebuilding the resample's table checks: the systems form one compared group
        both = sum(st.both for st in run._stats.values())
        if not _connected(both > 0):
            return np.zeros(table.n_systems, dtype=np.int64)  # unrankable: see _drop_unrankable
    try:
        if kw.get("level", "one") == "one":
            weighting = check_weighting(kw.get("instance_weighting", "per_task"))
            res = _one_level(run, info, params, weighting=weighting, pairwise="observed", voter=None)
        else:
            inner_info = get_rule(kw.get("inner", "mean"))
            outer_table, _ = _inner_table(run, inner_info, dict(kw.get("inner_params") or {}), pairwise="observed")
            res = aggregate(outer_table, rule=_outer_name(info.name, kw.get("outer")), **params)
    except ScoreTableError:
        return np.zeros(table.n_systems, dtype=np.int64)
    return np.asarray(res.ranks, dtype=np.int64)


def _connected(linked: np.ndarray) -> bool:
    """Whether the systems of an (n, n) boolean "compared" matrix form one group."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    return connected_components(csr_matrix(linked), directed=False)[0] == 1


def _drop_unrankable(table: Any, ranks: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave out the resamples whose systems fell into groups that share no drawn instance (ranks 0).

    At most ``MAX_REDRAWN`` of the draws, said with a :class:`BootstrapWarning` (leaving them out conditions
    the rest, moving no reported probability by more than their share); more, and the bootstrap refuses.
    """
    bad = (ranks == 0).any(axis=1)
    k, b = int(bad.sum()), ranks.shape[0]
    if k == 0:
        return ranks, counts
    if k > MAX_REDRAWN * b:
        scored = (~np.isnan(table.scores)).sum(axis=1)
        few = np.argsort(scored, kind="stable")[:5]
        fewest = ", ".join(f"{table.systems[i]} ({int(scored[i])})" for i in few)
        raise RankaggError(
            f"bootstrap: {k} of {b} resamples ({100 * k / b:.0f}%) leave the systems in groups that share no drawn "
            "instance (or a system with no drawn score), so they cannot be ranked as one list; the design is too "
            f"sparse for this resampling (more than {100 * MAX_REDRAWN:g}% of the draws). Fewest scored instances: "
            f"{fewest}: leave out the systems scored on few instances (exclude=...; CLI: --exclude), or collect "
            "scores that link the systems."
        )
    warnings.warn(
        f"bootstrap: {k} of {b} resamples left the systems in groups that share no drawn instance and were left "
        f"out; the results come from the other {b - k} (a reported probability moves by at most {k / b:.3f}).",
        BootstrapWarning,
        stacklevel=3,
    )
    return ranks[~bad], counts[~bad]


def _draw_instances(
    gen: np.random.Generator, task_counts: np.ndarray, sizes: np.ndarray, resample: str
) -> list[np.ndarray | None]:
    """One resample's instance draws, per task column (sorted indices; None: every instance once)."""
    picks: list[np.ndarray | None] = [None] * sizes.size
    if resample != "tasks":
        for j in range(sizes.size):
            if task_counts[j]:
                picks[j] = np.sort(gen.integers(0, sizes[j], size=sizes[j]))
    return picks


def _bootstrap_instances(
    table: Any,
    rule: str,
    *,
    resample: str | None,
    n_resamples: int,
    confidence: float,
    atol: float,
    rtol: float,
    fast: bool,
    n_jobs: int,
    progress: bool | None,
    rng: Any,
    level: str | None,
    inner: str | None,
    outer: str | None,
    instance_weighting: str | None,
    inner_params: Mapping[str, Any] | None,
    max_memory: float,
    params: dict[str, Any],
    t0: float,
) -> BootstrapResult:
    info = get_rule(rule)
    m = table.n_columns
    sizes = np.diff(table.offsets)
    if resample is None:
        resample = "both" if m >= MIN_UNITS else "instances"
    if resample not in INSTANCE_RESAMPLE_KINDS:
        raise RankaggError(
            f"resample={resample!r}: unknown; an InstanceTable can be resampled over "
            f"{', '.join(map(repr, INSTANCE_RESAMPLE_KINDS))}.{did_you_mean(str(resample), INSTANCE_RESAMPLE_KINDS)}"
        )
    b, confidence, n_jobs = _check_run(n_resamples, confidence, n_jobs)
    info.check_params({k: v for k, v in params.items()})
    gen, seed_record = check_rng(rng)
    n = table.n_systems
    vectorised = fast and _instance_fast_ok(info, level, inner)
    # task counts and ranks (8-byte numbers); the per-resample loop also holds each resample's instance draws
    per = 8.0 * (5 * m + 2 * n) + (0.0 if vectorised or resample == "tasks" else 8.0 * float(sizes.sum()))
    _check_memory(b, per, max_memory, f"{m} task columns, {int(sizes.sum()):,} instances and {n} systems")
    n_units, note = _units(resample, m, sizes, table.labels, stacklevel=4)
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

    if resample in ("tasks", "both"):
        task_counts = resample_counts(m, b, rng=gen)
    else:
        task_counts = np.ones((b, m), dtype=np.int64)
    seeds = [int(c.generate_state(1)[0]) for c in rule_seeds.spawn(b)] if rule_seeds is not None else [None] * b
    bar = _Progress(b, progress, f"bootstrap {info.name}")
    ranks = np.empty((b, n), dtype=np.int64)
    if vectorised:
        with _one_blas_thread():  # many small products: BLAS threads only compete (with other processes, too)
            _fast_instances(table, info, kw, run_params, resample, task_counts, seeds, gen, ranks, bar)
    else:
        jobs = [(task_counts[r], _draw_instances(gen, task_counts[r], sizes, resample), seeds[r]) for r in range(b)]
        state = {"table": table, "rule": info.name, "kw": kw, "params": run_params}
        if n_jobs == 1 or b < 2 * n_jobs:
            _init_instance_worker(state)
            for k, job in enumerate(jobs):
                ranks[k] = _instance_job(job)
                bar.update(k + 1)
        else:
            with ProcessPoolExecutor(max_workers=n_jobs, initializer=_init_instance_process, initargs=(state,)) as ex:
                chunk = max(1, b // (8 * n_jobs))
                for k, rk in enumerate(ex.map(_instance_job, jobs, chunksize=chunk)):
                    ranks[k] = rk
                    bar.update(k + 1)
    bar.update(b)
    bar.close()
    ranks, task_counts = _drop_unrankable(table, ranks, task_counts)
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
        n_distinct=int(ranks.shape[0]),
        time_seconds=time.perf_counter() - t0,
        n_units=n_units,
        note=note,
    )


def _fast_instances(
    table: Any,
    info: RuleInfo,
    kw: dict[str, Any],
    params: dict[str, Any],
    resample: str,
    task_counts: np.ndarray,
    seeds: list[int | None],
    gen: np.random.Generator,
    ranks: np.ndarray,
    bar: _Progress,
) -> None:
    """Instance-level bootstrap for rules that read counted statistics: count every resample in bulk.

    Per task column, each instance's pairwise win indicators and rank / score
    sums are summed with the resample's instance multiplicities: one matrix
    product per column for a block of resamples, instead of ranking and
    counting a rebuilt table per resample. The draws are the per-resample
    loop's, in the same order, so the ranks are the same.
    """
    from rankagg._levels import _ColumnStats

    b, m = task_counts.shape
    n = table.n_systems
    sizes = np.diff(table.offsets)
    parts = [_ColumnParts(table, j, kw["atol"], kw["rtol"]) for j in range(m)]
    missing = table.has_missing
    # resamples per block: the (block, n, n) counts of every column (int64, wins and both) within ~256 MiB
    step = int(max(1, min(b, (256 * 2**20) // (16 * n * n * m + 8 * int(sizes.sum())))))
    for a in range(0, b, step):
        blk = range(a, min(a + step, b))
        cnt = [np.zeros((len(blk), int(sizes[j])), dtype=np.int64) for j in range(m)]
        for k, r in enumerate(blk):
            for j, pick in enumerate(_draw_instances(gen, task_counts[r], sizes, resample)):
                cnt[j][k] = 1 if pick is None else np.bincount(pick, minlength=int(sizes[j]))
        counted = []
        for j in range(m):
            wins, both = parts[j].pair_counts(cnt[j], missing)
            sums = np.einsum("ks,qns->kqn", cnt[j].astype(np.float64), parts[j].sums)
            counted.append((wins, both, sums))
        if kw.get("level", "one") == "one":
            ranks[a : a + len(blk)] = _one_level_bulk(table, info, kw, params, task_counts[a : a + len(blk)],
                                                      seeds[a : a + len(blk)], counted)  # fmt: skip
            bar.update(a + len(blk))
            continue
        if not missing and get_rule(kw.get("inner", "mean")).name in ("mean", "borda", "partial_borda"):
            _two_level_bulk(table, info, kw, params, task_counts, seeds, counted, blk, ranks, bar)
            continue
        for k, r in enumerate(blk):
            stats = {}
            for j in range(m):
                if task_counts[r, j]:
                    wins, both, sums = counted[j]
                    stats[j] = _ColumnStats(
                        wins[k], both[k], sums[k, 0], sums[k, 1], np.rint(sums[k, 2]).astype(np.int64), sums[k, 3],
                        None, None, int(sizes[j]),
                    )  # fmt: skip
            p = params if seeds[r] is None else {**params, "rng": seeds[r]}
            ranks[r] = _ranks_of_drawn(table, stats, task_counts[r], info, kw, p)
            bar.update(r + 1)


def _two_level_bulk(
    table: Any,
    info: RuleInfo,
    kw: dict[str, Any],
    params: dict[str, Any],
    task_counts: np.ndarray,
    seeds: list[int | None],
    counted: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    blk: range,
    ranks: np.ndarray,
    bar: _Progress,
) -> None:
    """Two levels on a complete table, inner rule from the mean family or Borda: each task column's consensus
    scores for a block of resamples at once (as ``_levels._inner_table`` computes them for one), then the
    outer rule on each resample's table of task scores."""
    from rankagg._levels import _outer_name

    inner = get_rule(kw.get("inner", "mean")).name
    n = table.n_systems
    sizes = np.diff(table.offsets).astype(np.float64)
    b = len(blk)
    inner_scores = np.empty((b, n, len(counted)))
    directions = []
    for j, (_, _, sums) in enumerate(counted):
        if inner == "mean":
            sc, hib = sums[:, 1] / sizes[j], bool(table.columns[j].higher_is_better)
        elif inner == "borda":
            sc, hib = sums[:, 0] / sizes[j], False
        else:  # partial_borda on a complete column: (n + 1) * sum of rank / (n + 1), over the size
            sc, hib = (n + 1.0) * sums[:, 3] / sizes[j], False
        # merge scores that differ only by float noise into their tier's mean, row by row (one bincount)
        lev = levels_from_scores(sc, higher_is_better=hib)
        flat = (lev + (np.arange(b) * n)[:, None]).ravel()
        means = np.bincount(flat, weights=sc.ravel(), minlength=b * n) / np.maximum(
            np.bincount(flat, minlength=b * n), 1
        )
        inner_scores[:, :, j] = means[flat].reshape(b, n)
        directions.append(hib)
    outer = _outer_name(info.name, kw.get("outer"))
    for k, r in enumerate(blk):
        cols = np.nonzero(task_counts[r])[0]
        outer_table = ScoreTable._from_parts(
            inner_scores[k][:, cols],
            systems=table.systems,
            tasks=[table.columns[j].task for j in cols],
            metrics=[table.columns[j].metric for j in cols],
            higher_is_better=None,
            data_directions=[directions[j] for j in cols],
            weights=[table.columns[j].weight * float(task_counts[r, j]) for j in cols],
            missing="raise",
            dropped_systems=table.dropped_systems,
        )
        p = params if seeds[r] is None else {**params, "rng": seeds[r]}
        ranks[r] = aggregate(outer_table, rule=outer, **p).ranks
        bar.update(r + 1)


def _one_level_bulk(
    table: Any,
    info: RuleInfo,
    kw: dict[str, Any],
    params: dict[str, Any],
    task_counts: np.ndarray,
    seeds: list[int | None],
    counted: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> np.ndarray:
    """One-level aggregation of a block of resamples from their counted statistics, as ``_levels._one_level``.

    The pooled pairwise counts (and the rank / score sums of the mean family and Borda) are accumulated over
    the task columns for every resample at once, in the same order and with the same weights as the
    per-resample code; only the pairwise rule itself runs once per resample.
    """
    from rankagg.instances import check_weighting
    from rankagg.rules.base import RuleOutput

    b = task_counts.shape[0]
    n = table.n_systems
    sizes = np.diff(table.offsets).astype(np.float64)
    weighting = check_weighting(kw.get("instance_weighting", "per_task"))
    # per-instance weight of each column in each resample: its task weight times its count (over its size)
    per = np.array([c.weight for c in table.columns])[None, :] * task_counts.astype(np.float64)
    if weighting == "per_task":
        per = per / sizes[None, :]
    name = info.name
    pair = info.pairwise_ok
    wins = np.zeros((b, n, n))
    ties = np.zeros((b, n, n))
    acc = np.zeros((b, n))
    seen = np.zeros((b, n, n), dtype=bool)
    for j, (w_j, both_j, sums_j) in enumerate(counted):
        pj = per[:, j][:, None, None]
        if pair:
            wins += pj * w_j
            t = (both_j - w_j - w_j.transpose(0, 2, 1)).astype(np.float64)
            t[:, np.arange(n), np.arange(n)] = 0.0
            ties += pj * t
        if table.has_missing:
            seen |= (both_j > 0) & (task_counts[:, j] > 0)[:, None, None]
        if name == "mean":
            acc += per[:, j][:, None] * sums_j[:, 1]
        elif name == "borda":
            acc += per[:, j][:, None] * sums_j[:, 0]
        elif name == "partial_borda":
            unscored = sizes[j] - np.rint(sums_j[:, 2])
            acc += per[:, j][:, None] * ((n + 1.0) * (sums_j[:, 3] + unscored / 2.0))
    unrankable = np.zeros(b, dtype=bool)
    if table.has_missing:  # what rebuilding each resample's table checks: the systems form one compared group
        seen[:, np.arange(n), np.arange(n)] = False
        unrankable = np.array([not _connected(seen[r]) for r in range(b)], dtype=bool)
    totals = np.empty(b)
    for r in range(b):
        cols = np.nonzero(task_counts[r])[0]
        totals[r] = float((per[r, cols] * sizes[cols]).sum())
    if not pair:
        hib = bool(table.higher_is_better.all()) if name == "mean" else False
        ranks = competition_ranks(levels_from_scores(acc / totals[:, None], higher_is_better=hib))
        ranks[unrankable] = 0  # see _drop_unrankable
        return ranks
    from rankagg.battles import PairwiseProfile

    out = np.zeros((b, n), dtype=np.int64)
    for r in range(b):
        if unrankable[r]:
            continue  # ranks 0: see _drop_unrankable
        p = params if seeds[r] is None else {**params, "rng": seeds[r]}
        res: RuleOutput = info.func(PairwiseProfile(table.systems, wins[r], ties[r], total_weight=totals[r]), **p)
        lev = res.levels
        if lev is None:
            lev = levels_from_scores(np.asarray(res.scores, dtype=np.float64), higher_is_better=res.higher_is_better)
        out[r] = competition_ranks(np.asarray(lev))
    return out
