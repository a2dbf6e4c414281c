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


def _row_hash_multipliers(m: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers of the row hash of :func:`_n_distinct_rows` (never the caller's generator)."""
    return np.random.default_rng(0x5EED).integers(1, 2**63 - 1, size=m, dtype=np.int64) | 1


def _n_distinct_rows(counts: np.ndarray) -> int:
    """``np.unique(counts, axis=0).shape[0]`` without sorting the rows themselves.

    Each row gets a 64-bit hash (its dot product with fixed random odd multipliers, modulo 2**64); the hashes are
    sorted, and rows with equal hashes are compared in full, so the count is exact. Should two different rows share
    a hash, the answer comes from ``np.unique``.
    """
    c = np.ascontiguousarray(counts, dtype=np.int64)
    b, m = c.shape
    if b < 2 or m == 0:
        return int(np.unique(c, axis=0).shape[0])
    mult = _row_hash_multipliers(m)
    with np.errstate(over="ignore"):
        h = c.view(np.uint64) @ mult.view(np.uint64)  # wraps around modulo 2**64
    order = np.argsort(h)
    hs = h[order]
    same = np.flatnonzero(hs[1:] == hs[:-1])
    if same.size and not np.array_equal(c[order[same]], c[order[same + 1]]):
        return int(np.unique(c, axis=0).shape[0])  # two different rows with one hash
    return b - int(same.size)


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


_RANK_BLOCK = 32_768  # scores ranked at once: the block's temporaries (about 30 bytes a score) stay in the cache


def _ranks_from_scores(scores: np.ndarray, *, higher_is_better: bool, rtol: float = 1e-9) -> np.ndarray:
    """Row-wise ``competition_ranks(levels_from_scores(scores))`` with one sort of the scores themselves.

    Same tie rule as :func:`rankagg.rankings.orders.levels_from_scores`: consecutive sorted scores closer than
    ``rtol`` times the row's largest absolute score are one tier. A system's competition rank is one plus
    the sorted position of the first member of its tier.

    How: each score's lowest ``log2(n_systems)`` mantissa bits are replaced by the system's index (its sign
    flipped first when higher is better) and the rows are sorted as floats (``ndarray.sort``, 3-4x faster than
    ``np.argsort``); the sorted keys carry the order in those bits. Dropping the bits is monotone, so it can
    only leave scores that agree in all their other bits in an arbitrary order: neighbours found out of order
    (scores computed alike that differ in their last bits, e.g. sums of decimals) are swapped until none is left.
    A row that holds a NaN, or an infinity that the key turned into a NaN, is ranked again by
    :func:`_ranks_from_scores_argsort`. Every row is then sorted exactly by its scores, and the ranks depend only
    on the sorted scores (the order within a tier does not change them), so the result is identical to the
    argsort's. Rows are ranked in blocks of about :data:`_RANK_BLOCK` scores whose
    temporaries are reused and stay in the cache: the scores are read once and the ranks written once; a
    system's rank is its sorted position plus one, except in tiers of several systems (usually few), whose
    members are given the position of the tier's first one afterwards.
    """
    v = np.ascontiguousarray(np.atleast_2d(np.asarray(scores, dtype=np.float64)))
    b, n = v.shape
    if n < 2 or b == 0:
        return _ranks_from_scores_argsort(v, higher_is_better=higher_is_better, rtol=rtol)
    bits = max(1, (n - 1).bit_length())
    mask = np.int64((1 << bits) - 1)
    high = ~mask
    sign = np.int64(-(2**63))
    tiny = np.finfo(np.float64).tiny
    rows = max(1, min(b, _RANK_BLOCK // n))
    system = np.arange(n, dtype=np.int64)[None, :]
    offset = (np.arange(rows, dtype=np.int64) * n)[:, None]  # flat start of each row of a block
    untied = np.tile(np.arange(1, n + 1, dtype=np.int64), rows)  # rank of each sorted position without ties
    key = np.empty((rows, n), dtype=np.int64)
    sv = np.empty((rows, n), dtype=np.float64)
    gap = np.empty((rows, n), dtype=np.float64)  # gap[:, p]: from position p to p + 1; the last column unused
    new_tier = np.empty((rows, n), dtype=bool)
    new_tier[:, 0] = True
    ranks = np.empty((b, n), dtype=np.int64)
    redo: list[np.ndarray] = []
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and infinite scores: their rows are redone below
        for s in range(0, b, rows):
            k = min(rows, b - s)
            vb = v[s : s + k]
            kb, svb, gapb, tierb = key[:k], sv[:k], gap[:k], new_tier[:k]
            bits_v = vb.view(np.int64)
            if higher_is_better:  # -score: the sign bit flipped
                np.bitwise_xor(bits_v, sign, out=kb)
                np.bitwise_and(kb, high, out=kb)
            else:
                np.bitwise_and(bits_v, high, out=kb)
            np.bitwise_or(kb, system, out=kb)
            kb.view(np.float64).sort(axis=1)
            # a key is NaN only for a NaN or infinite score (all exponent bits set), and the sort puts NaN keys last
            # without keeping their bits: such rows are redone
            lost = np.isnan(kb[:, -1].view(np.float64))
            np.bitwise_and(kb, mask, out=kb)  # the system at each sorted position
            kb += offset[:k]  # as a flat index into the block
            flat = kb.ravel()
            svf = svb.ravel()
            np.take(vb.ravel(), flat, out=svf, mode="clip")  # the scores, best first
            # a NaN key or a NaN score (sorted to an end of its row): the row is ranked again by the argsort path
            ends = lost | np.isnan(svb[:, 0]) | np.isnan(svb[:, -1])
            if ends.any():
                redo.append(s + np.flatnonzero(ends))
            _gaps(svf, gapb, higher_is_better, ends)
            # two different scores whose keys were equal once their low bits were dropped may come out in either
            # order (scores computed alike that differ in their last bits, e.g. sums of decimals): any inversion,
            # infinities included, gives a negative gap. They are neighbours within a run of equal keys: swapped
            # pairwise (odd-even transposition) until none is left
            while not gapb.min() >= 0.0:
                inv = np.flatnonzero(gapb.ravel() < 0.0)
                pick = np.ones(inv.size, dtype=bool)
                np.not_equal(inv[1:], inv[:-1] + 1, out=pick[1:])  # no two overlapping swaps at once
                i = inv[pick]
                svf[i], svf[i + 1] = svf[i + 1], svf[i].copy()
                flat[i], flat[i + 1] = flat[i + 1], flat[i].copy()
                _gaps(svf, gapb, higher_is_better, ends)
            scale = np.maximum(np.abs(svb[:, 0]), np.abs(svb[:, -1]))[:, None]  # the row's largest |score|
            np.greater(gapb[:, :-1], rtol * np.maximum(scale, tiny), out=tierb[:, 1:])
            out = ranks[s : s + k].ravel()
            out[flat] = untied[: k * n]
            tied = np.flatnonzero(~tierb)  # flat positions (never a row's first) that continue a tier
            if tied.size:
                # each run of consecutive tied positions continues the tier that starts just before it
                run = np.empty(tied.size, dtype=bool)
                run[0] = True
                np.not_equal(tied[1:], tied[:-1] + 1, out=run[1:])
                tier_start = np.maximum.accumulate(np.where(run, tied - 1, 0))
                out[flat[tied]] = tier_start % n + 1
    if redo:
        rows_ = np.concatenate(redo)
        ranks[rows_] = _ranks_from_scores_argsort(v[rows_], higher_is_better=higher_is_better, rtol=rtol)
    return ranks


def _gaps(svf: np.ndarray, gap: np.ndarray, higher_is_better: bool, skip: np.ndarray) -> None:
    """``gap[r, p]``: how much worse sorted position ``p + 1`` of row ``r`` is than ``p`` (as the argsort path
    computes it), over the flat sorted scores ``svf``; 0 in the unused last column and in the ``skip`` rows."""
    g = gap.ravel()
    if higher_is_better:
        np.subtract(svf[:-1], svf[1:], out=g[:-1])
    else:
        np.subtract(svf[1:], svf[:-1], out=g[:-1])
    gap[:, -1] = 0.0
    gap[skip] = 0.0


def _ranks_from_scores_argsort(scores: np.ndarray, *, higher_is_better: bool, rtol: float = 1e-9) -> np.ndarray:
    """:func:`_ranks_from_scores` through ``np.argsort`` of the floats (the reference, and the rows it redoes)."""
    v = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    v = v if higher_is_better else -v
    b, n = v.shape
    # the order within a tier does not change the ranks (every member gets the sorted position of the tier's first
    # one), so the unstable sort does: 3.6x faster than a stable one on 10,000 x 200
    order = np.argsort(-v, axis=1)
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
