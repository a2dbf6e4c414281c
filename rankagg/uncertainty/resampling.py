"""Machinery shared by every bootstrap: resample counts, the units a resample draws (and the refusal of units
that cannot vary), memory checks, worker processes with one BLAS thread each, seeds and the progress line.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import BootstrapWarning, RankaggError, preview
from rankagg._threads import one_blas_thread
from rankagg.rankings.orders import levels_from_scores
from rankagg.rules import RuleInfo, RuleInput
from rankagg.uncertainty.row_ranks import (  # noqa: F401  (the bootstraps and tests read them here)
    _n_distinct_rows,
    _ranks_from_scores,
    _ranks_from_scores_argsort,
)

__all__ = [
    "DEFAULT_MAX_MEMORY",
    "INSTANCE_RESAMPLE_KINDS",
    "MAX_REDRAWN",
    "MIN_UNITS",
    "PLANNED_RESAMPLE_KINDS",
    "RESAMPLE_KINDS",
    "ResampleMapper",
    "check_rng",
    "farm_resamples",
    "resample_counts",
    "resample_mapper",
]

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


# ----------------------------------------------------------------------------- where the resamples are solved
#: ``mapper(func, shared, jobs)``: ``[func(shared, job) for job in jobs]``, in the order of ``jobs``, wherever it
#: likes (``func`` is a module-level function, ``shared`` what every job reads, sent once).
ResampleMapper = Callable[[Callable[[Any, Any], Any], Any, Sequence[Any]], Iterable[Any]]

_MAPPER: contextvars.ContextVar[ResampleMapper | None] = contextvars.ContextVar("rankagg_resample_mapper", default=None)


@contextlib.contextmanager
def farm_resamples(mapper: ResampleMapper) -> Iterator[None]:
    """Solve the bootstraps' resamples through ``mapper`` (e.g. on a Dask cluster) within the ``with`` block.

    The bootstraps (:func:`rankagg.bootstrap` of score tables, instance tables and battle logs) draw their
    resamples and spawn their seeds in this process exactly as without it, cut the work into the same jobs,
    and hand the jobs to ``mapper`` instead of running them here or in ``n_jobs`` processes: the result is the
    same for the same seed whatever the mapper does with them (``rankagg.distributed.bootstrap`` passes one
    that farms chunks of jobs out to a cluster's workers).

    Parameters
    ----------
    mapper : callable
        ``mapper(func, shared, jobs)`` returns ``[func(shared, job) for job in jobs]`` in order.

    Examples
    --------
    >>> import rankagg
    >>> from rankagg.uncertainty.resampling import farm_resamples
    >>> calls = []
    >>> def mapper(func, shared, jobs):
    ...     calls.append(len(jobs))
    ...     return [func(shared, job) for job in jobs]
    >>> table = rankagg.load_example("toy")
    >>> with farm_resamples(mapper):
    ...     farmed = rankagg.bootstrap(table, "kemeny", n_resamples=50, rng=0)
    >>> bool((farmed.ranks == rankagg.bootstrap(table, "kemeny", n_resamples=50, rng=0).ranks).all()), calls
    (True, [35])
    """
    token = _MAPPER.set(mapper)
    try:
        yield
    finally:
        _MAPPER.reset(token)


def resample_mapper() -> ResampleMapper | None:
    """The mapper set by :func:`farm_resamples` around this call, or None (solve here)."""
    return _MAPPER.get()


# ----------------------------------------------------------------------------- resampling
def resample_counts(
    n_tasks: int, n_resamples: int, *, rng: np.random.Generator, valid: Callable[[np.ndarray], np.ndarray] | None = None
) -> np.ndarray:
    """Multiplicity of each task in each resample: an ``(n_resamples, n_tasks)`` integer array.

    Each row is a draw of ``n_tasks`` tasks with replacement. ``valid`` (rows ->
    boolean mask) rejects resamples that cannot be ranked; they are redrawn.
    """
    counts: np.ndarray | None = None
    todo = np.arange(n_resamples)
    for attempt in range(1000):
        idx = rng.integers(0, n_tasks, size=(todo.size, n_tasks))
        idx += (np.arange(todo.size, dtype=np.int64) * n_tasks)[:, None]  # in place: one flat bin per cell
        c = np.bincount(idx.ravel(), minlength=todo.size * n_tasks).reshape(todo.size, n_tasks)
        if counts is None:
            counts = c  # the first draw fills every row (bincount counts in int64)
        else:
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
