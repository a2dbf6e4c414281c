"""The streaming Poisson bootstrap of instance-level scores that do not fit in memory, on Dask.

The stratified bootstrap of :func:`rankagg.bootstrap` draws, for each task, as many instances as the task has,
with replacement: a multinomial, which needs every instance of a task in one place. The Poisson bootstrap
(Hanley & MacGibbon 2006; Chamandy et al. 2012, "Estimating uncertainty for massive data streams") gives each
instance an independent Poisson(1) weight instead, so each partition can weight its own rows without seeing the
others. A task's resample then holds a random number of instances (mean: its size) rather than exactly its size;
the two bootstraps' variances agree as the number of instances grows (the multinomial counts are Poisson counts
conditioned on their sum), and with a few hundred instances per task they are close (see
``tests/test_distributed_bootstrap.py``, which checks it on AlpacaEval).

How the weights are drawn (the same result whatever the number of workers, the partitioning, or the order of the
rows): the weight of an instance in resample ``b`` is a function of the seed, ``b`` and the instance's key, a
64-bit hash of its ``(task, instance id)`` strings (pandas' stable hash). A 64-bit counter-based mix (SplitMix64's
finaliser) of that key and a word spawned for resample ``b`` from ``numpy.random.SeedSequence(seed)`` gives a
uniform number, turned into a Poisson(1) weight by its inverse CDF. Repartitioning the data, or reading it from
other files, does not change any weight.

What each partition computes: every instance ranked once (:func:`rankagg.rankings.kernels.rank_codes`), then for
a block of resamples at once, per task: the weighted pairwise win counts (``sum of weights where i ranks above
j``: exact integers, from :func:`~rankagg.rankings.kernels.count_codes` on the instances repeated as often as
they are drawn, or for many resamples at once from float32 products in chunks whose sums stay far below 2**24),
the weighted sums of doubled ranks (integers) and of scores, and the weighted size. These are summed over
partitions by a tree reduction; the rule then runs on each resample's sums, as the one- and two-level aggregation
of an in-memory InstanceTable does.
Memory per worker: one partition's scores and ranks plus one ``(resamples in a block, tasks, n, n)`` block of
counts (``block_memory``, 64 MiB by default).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import RankaggError, did_you_mean, preview
from rankagg.distributed.cluster import require_dask, using_client

__all__ = ["POISSON_RULES", "poisson_bootstrap", "poisson_weights"]

#: Rules the Poisson bootstrap ranks from counted sums (one level): the pairwise rules and these.
POISSON_RULES = ("mean", "borda")

# P(X <= k) for X ~ Poisson(1), k = 0..29 (the rest, below 1e-32, is folded into the last value)
_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(30)])
_CDF[-1] = 1.0
_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (a bijection of 64-bit words with good avalanche), vectorised."""
    x = x.copy()
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def poisson_weights(keys: np.ndarray, seed: int, resamples: Sequence[int] | np.ndarray) -> np.ndarray:
    """Poisson(1) weights of instances (by key) in the given resamples: an ``(len(resamples), len(keys))`` array.

    Each weight is a function of ``(seed, resample, key)`` only: the same instance gets the same weight whatever
    partition or position it is read in.

    Parameters
    ----------
    keys : numpy.ndarray of uint64
        One key per instance (the Poisson bootstrap uses a hash of ``(task, instance id)``).
    seed : int
        The run's seed (``numpy.random.SeedSequence(seed)``).
    resamples : sequence of int
        Resample numbers, from 0.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> w = poisson_weights(np.arange(200_000, dtype=np.uint64), seed=0, resamples=[0, 1])
    >>> w.shape, round(float(w.mean()), 2), round(float(w.var()), 2)
    ((2, 200000), 1.0, 1.0)
    >>> bool((poisson_weights(np.arange(5, dtype=np.uint64)[::-1], 0, [1])[0, ::-1] == w[1, :5]).all())
    True
    """
    keys = np.asarray(keys, dtype=np.uint64)
    out = np.empty((len(resamples), keys.size), dtype=np.int64)
    ss = np.random.SeedSequence(seed)
    with np.errstate(over="ignore"):
        for k, b in enumerate(resamples):
            word = np.random.SeedSequence(ss.entropy, spawn_key=(int(b),)).generate_state(1, np.uint64)[0]
            x = _mix(_mix(keys ^ word) + _GOLDEN)
            u = (x >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)
            out[k] = np.searchsorted(_CDF, u, side="right")
    return out


def instance_keys(task: Any, instance: Any) -> np.ndarray:
    """64-bit keys of ``(task, instance id)`` pairs (read as strings), stable across runs and machines."""
    import pandas as pd

    frame = pd.DataFrame({"t": np.asarray(task).astype(str), "i": np.asarray(instance).astype(str)})
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


@dataclass
class _Sums:
    """Weighted sums of a block of resamples (index 0 of the first block: the data itself, every weight 1)."""

    wins: np.ndarray  # (B, m, n, n) int64: weight of instances where i ranks strictly above j
    rank2: np.ndarray  # (B, m, n) int64: weighted sum of doubled ranks (2 * rank, an integer)
    score: np.ndarray  # (B, m, n) float64: weighted sum of scores
    size: np.ndarray  # (B, m) int64: total weight (the resample's number of instances)

    def __add__(self, other: _Sums) -> _Sums:
        return _Sums(self.wins + other.wins, self.rank2 + other.rank2, self.score + other.score,
                     self.size + other.size)  # fmt: skip


@dataclass(frozen=True)
class _Spec:
    systems: tuple[str, ...]
    tasks: tuple[str, ...]
    directions: tuple[bool, ...]
    task: str
    instance: str
    seed: int
    atol: float
    rtol: float
    weights: tuple[float, ...] = ()

    def weight(self, j: np.ndarray) -> np.ndarray:
        return np.asarray(self.weights, dtype=np.float64)[j] if self.weights else np.ones(len(j))


_CHUNK = 1 << 16  # instances per float32 product: weights sum far below 2**24, so the counts are exact


def _empty(spec: _Spec, nb: int) -> _Sums:
    n, m = len(spec.systems), len(spec.tasks)
    return _Sums(np.zeros((nb, m, n, n), np.int64), np.zeros((nb, m, n), np.int64), np.zeros((nb, m, n)),
                 np.zeros((nb, m), np.int64))  # fmt: skip


def _partition_sums(part: Any, p: int, spec: _Spec, resamples: np.ndarray) -> _Sums:
    """The weighted sums of one wide pandas partition for the given resamples (-1: the data itself, weights 1)."""
    if len(part) == 0:
        return _empty(spec, resamples.size)
    # (n, rows), C order: ranking and the products read rows (3x faster than the transposed view)
    scores = np.ascontiguousarray(part[list(spec.systems)].to_numpy(dtype=np.float64).T)
    tasks = part[spec.task].astype(str).to_numpy()
    inst = part[spec.instance].astype(str).to_numpy()
    pos = {t: j for j, t in enumerate(spec.tasks)}
    codes_t = [str(t) for t in np.unique(tasks)]
    unknown = [t for t in codes_t if t not in pos]
    if unknown:
        raise RankaggError(f"task: partition {p} holds task(s) {preview(unknown)} not in tasks={spec.tasks!r}.")
    blocks = {}
    for t in codes_t:
        idx = np.flatnonzero(tasks == t)
        block = scores[:, idx[0] : idx[-1] + 1] if idx[-1] - idx[0] + 1 == idx.size else scores[:, idx]
        blocks[pos[t]] = (block, inst[idx])
    return _block_sums(blocks, p, spec, resamples)


def _collection_sums(part: Any, spec: _Spec, resamples: np.ndarray) -> _Sums:
    """The same for a partition of a :class:`~rankagg.distributed.frames.DistributedInstances` (its blocks)."""
    blocks = {j: (np.ascontiguousarray(b), np.asarray(part.instances[j]).astype(str)) for j, b in part.blocks.items()}
    return _block_sums(blocks, part.index, spec, resamples)


def _block_sums(blocks: Mapping[int, tuple[np.ndarray, np.ndarray]], p: int, spec: _Spec, resamples: Any) -> _Sums:
    """Weighted sums of per-task-column blocks ``{j: ((n, k) scores, k instance ids)}`` of partition ``p``."""
    from rankagg.rankings.kernels import code_dtype, rank_codes

    n, nb = len(spec.systems), resamples.size
    sums = _empty(spec, nb)
    dtype = code_dtype(n)
    for j, (block, ids) in blocks.items():
        if block.shape[1] == 0:
            continue
        if np.isnan(block).any():
            i, r = np.argwhere(np.isnan(block))[0]
            raise RankaggError(
                f"scores: missing score of system {spec.systems[i]!r} on task {spec.tasks[j]!r}, instance {ids[r]!r} "
                f"(partition {p}, {int(np.isnan(block).sum())} missing in that task there); the Poisson bootstrap "
                "needs complete instances: drop them first (e.g. ddf.dropna(subset=systems), or read_instances(..., "
                "missing='drop_instances')), and say so when you report."
            )
        keys = instance_keys(np.full(ids.size, spec.tasks[j]), ids)
        codes = rank_codes(block, 1.0 if spec.directions[j] else -1.0, atol=spec.atol, rtol=spec.rtol, dtype=dtype)
        w = np.ones((nb, ids.size), dtype=np.int64)
        drawn = resamples >= 0
        if drawn.any():
            w[drawn] = poisson_weights(keys, spec.seed, resamples[drawn])
        sums.size[:, j] += w.sum(axis=1)
        wf = w.astype(np.float64)  # exact: the sums stay far below 2**53
        sums.rank2[:, j] += np.rint(wf @ ((2 * n + 2) - codes.astype(np.float64)).T).astype(np.int64)  # doubled ranks
        sums.score[:, j] += wf @ block.T
        _count_weighted(codes, w, resamples, sums.wins[:, j])
    return sums


def _directions(higher_is_better: Any, tasks: tuple[str, ...]) -> tuple[bool, ...]:
    if isinstance(higher_is_better, bool):
        return (higher_is_better,) * len(tasks)
    if isinstance(higher_is_better, Mapping):
        lacking = [t for t in tasks if t not in higher_is_better]
        if lacking:
            raise RankaggError(
                f"higher_is_better: no direction for task(s) {preview(lacking)}; give one per task (or one bool)."
            )
        return tuple(bool(higher_is_better[t]) for t in tasks)
    raise RankaggError(
        f"higher_is_better={higher_is_better!r}: give True, False, or a mapping of task to True/False; "
        "rankagg never guesses a metric's direction."
    )


def _tasks_of(column: Any) -> set[str]:
    return {str(t) for t in column.astype(str).unique()}


def _add(a: _Sums, b: _Sums) -> _Sums:
    return a + b


def _count_weighted(codes: np.ndarray, w: np.ndarray, resamples: np.ndarray, out: np.ndarray) -> None:
    """Add to ``out[k]`` (n, n) the weight of the instances where i ranks above j, for each row ``k`` of ``w``.

    The data itself (resample -1, every weight 1): the pairwise kernel once. A few resamples: each instance
    repeated as often as it is drawn, then the same kernel (exact integers). Many: per system, a float32 product
    of its "above" indicators with the block of weights, in chunks whose sums stay far below 2**24 (exact).
    """
    from rankagg.rankings.kernels import count_codes

    n = codes.shape[0]
    both = np.zeros((n, n), np.int64)
    full = np.flatnonzero(resamples < 0)
    if full.size:
        once = np.zeros((n, n), np.int64)
        count_codes(codes, once, both)
        out[full] += once
    drawn = np.flatnonzero(resamples >= 0)
    if drawn.size < _GEMM_FROM:
        for k in drawn:
            count_codes(np.repeat(codes, w[k], axis=1), out[k], both)
        return
    acc = np.zeros((n, n, drawn.size), np.int64)
    for a in range(0, codes.shape[1], _CHUNK):
        g = codes[:, a : a + _CHUNK]
        wt = w[drawn, a : a + _CHUNK].astype(np.float32).T  # (c, resamples)
        for i in range(n):
            acc[i] += np.rint((g[i][None, :] > g).astype(np.float32) @ wt).astype(np.int64)
    out[drawn] += acc.transpose(2, 0, 1)


_GEMM_FROM = 16  # resamples per block from which the product beats repeating and counting (measured: 0.45 s per
# resample for 200 systems x 50,000 instances repeated and counted, against 3.5 s + 0.06 s per resample)


def _sum_all(items: list[_Sums]) -> _Sums:
    out = items[0]
    for x in items[1:]:
        out = _add(out, x)
    return out


def _tree_sum(items: list[Any]) -> Any:
    """The sum of the partitions' delayed sums (the stage's tree reduction)."""
    from rankagg.distributed.frames import tree_reduce

    return tree_reduce(items, _sum_all, split_every=2)


def _ranks_from_sums(sums: _Sums, r: int, spec: _Spec, info: Any, level: str, outer: Any, params: dict) -> np.ndarray:
    """Competition ranks of one resample from its sums (one level with per-task weighting, or two levels)."""
    from rankagg.aggregation.aggregate import aggregate
    from rankagg.data.battles import PairwiseProfile
    from rankagg.data.table import ScoreTable
    from rankagg.rankings.orders import competition_ranks, levels_from_scores

    n, m = len(spec.systems), len(spec.tasks)
    size = sums.size[r].astype(np.float64)
    if (size == 0).any():  # every instance of a task drawn 0 times: drop the task from this resample
        keep = np.flatnonzero(size > 0)
    else:
        keep = np.arange(m)
    if level == "two":
        if info.name == "mean":
            sc, hib = sums.score[r][keep] / size[keep, None], [spec.directions[j] for j in keep]
        else:  # borda
            sc, hib = sums.rank2[r][keep] / (2.0 * size[keep, None]), [False] * keep.size
        names = [spec.tasks[j] for j in keep]
        table = ScoreTable(sc.T, systems=spec.systems, tasks=names, higher_is_better=dict(zip(names, hib, strict=True)),
                           weights=dict(zip(names, spec.weight(keep).tolist(), strict=True)))  # fmt: skip
        return np.asarray(aggregate(table, rule=outer, **params).ranks, dtype=np.int64)
    # per-task weighting: each task weighs its weight, its instances weight / (its resample's size)
    per = spec.weight(keep) / size[keep]
    total = float(spec.weight(keep).sum())
    if info.name == "borda":
        lev = levels_from_scores((per[:, None] * sums.rank2[r][keep]).sum(axis=0) / (2.0 * total),
                                 higher_is_better=False)  # fmt: skip
        return competition_ranks(lev)
    if info.name == "mean":
        lev = levels_from_scores((per[:, None] * sums.score[r][keep]).sum(axis=0) / total,
                                 higher_is_better=bool(spec.directions[0]))  # fmt: skip
        return competition_ranks(lev)
    wins = np.einsum("k,kij->ij", per, sums.wins[r][keep].astype(np.float64))
    ties = np.zeros((n, n))
    for k, j in enumerate(keep):  # complete data: both scored on every instance, so ties = size - wins - wins.T
        w = sums.wins[r][j].astype(np.float64)
        ties += per[k] * (sums.size[r][j] - w - w.T)
    np.fill_diagonal(ties, 0.0)
    out = info.func(PairwiseProfile(spec.systems, wins, ties, total_weight=total), **params)
    lev = out.levels
    if lev is None:
        lev = levels_from_scores(np.asarray(out.scores, dtype=np.float64), higher_is_better=out.higher_is_better)
    return competition_ranks(np.asarray(lev))


def _rank_block(shared: tuple[Any, ...], rows: tuple[_Sums, np.ndarray]) -> np.ndarray:
    spec, info, level, outer, params = shared
    sums, idx = rows
    return np.stack([_ranks_from_sums(sums, int(r), spec, info, level, outer, params) for r in idx])


def poisson_bootstrap(
    data: Any,
    rule: str = "borda",
    *,
    systems: Sequence[str] | None = None,
    higher_is_better: bool | Mapping[str, bool] | None = None,
    n_resamples: int = 200,
    rng: int | None = None,
    task: str = "task",
    instance: str = "instance",
    level: str = "one",
    outer: str | None = None,
    confidence: float = 0.95,
    atol: float = 0.0,
    rtol: float = 0.0,
    block_memory: int = 64 * 2**20,
    scheduler: Any = None,
    rankings: Sequence[str | Mapping[str, Any]] | None = None,
    **params: Any,
) -> Any:
    """Bootstrap the ranking of instance-level scores that do not fit in memory: a streaming Poisson bootstrap.

    Each instance gets an independent Poisson(1) weight in each resample, keyed by a hash of ``(task, instance
    id)`` and the seed (module docstring): the result is the same for a given seed whatever the number of
    workers, the partitioning or the row order. It is a Poisson, not the multinomial (stratified) bootstrap of
    :func:`rankagg.bootstrap`: a task's resample holds a random number of instances around its size; their
    variances agree asymptotically. ``result.resample`` is ``"instances (Poisson)"`` and ``result.counts`` holds
    each resample's number of drawn instances per task (the total Poisson weight), not multiplicities of tasks.

    Parameters
    ----------
    data : dask.dataframe.DataFrame or rankagg.distributed.frames.DistributedInstances
        Wide instance-level scores: one row per (task, instance), a ``task`` and an ``instance`` column, and one
        numeric column per system; or a collection read by :func:`rankagg.distributed.read_instances` (long or
        wide files, validated; its task columns, directions and weights are used). Every score present (no NaN).
    rule : str, default "borda"
        One level: ``"mean"``, ``"borda"`` or a pairwise rule (Kemeny, Copeland, Schulze, Bradley-Terry, ...),
        on the instances of every task pooled, each task weighing 1 (``instance_weighting="per_task"``). Two
        levels: the outer rule on the table of per-task scores of the inner rule (``rule`` is the inner rule,
        ``"mean"`` or ``"borda"``, and ``outer`` the outer one).
    systems : sequence of str, optional
        The system columns (default: every column but ``task`` and ``instance``).
    higher_is_better : bool or mapping of task to bool
        Direction of the scores of a DataFrame (required: never guessed); a mapping gives one per task. A collection
        from ``read_instances`` holds its directions: leave it out.
    n_resamples : int, default 200
        Number of resamples.
    rng : int, optional
        Seed (an integer, so that workers can derive the weights); None draws one, recorded in ``result.seed``.
    task, instance : str
        Names of the task and instance-id columns.
    level : {"one", "two"}
        Pool the instances of all tasks (one), or rank within each task first (two).
    outer : str, optional
        Two levels: the rule on the per-task scores (default: ``rule``).
    confidence : float, default 0.95
        Level of rank intervals.
    atol, rtol : float
        Tie tolerances for ranking each instance.
    block_memory : int, default 64 MiB
        Bound on one block of resample counts ``(resamples, tasks, n, n)`` int64; the data is read once per
        block, so a larger block means fewer reads.
    scheduler : str, distributed.Client or None
        Where to run (see :func:`rankagg.distributed.cluster.using_client`).
    rankings : sequence of str or mapping, optional
        Several rankings from the same pass over the data and the same resamples, instead of ``rule``, ``level``
        and ``outer``: each a rule name (one level) or a mapping such as ``{"rule": "borda", "level": "two",
        "outer": "kemeny"}``. The result is then a dict ``{label: BootstrapResult}`` (label: the rule, or
        ``"inner -> outer"`` for two levels).
    **params
        Parameters of the (outer) rule.

    Returns
    -------
    BootstrapResult, or dict of them when ``rankings`` is given

    Raises
    ------
    RankaggError
        A missing score (named by system, task, instance and partition), an unknown rule or column, a direction
        not given, a rule without a counted form.

    Examples
    --------
    >>> import dask.dataframe as dd, distributed, numpy as np, pandas as pd
    >>> import rankagg
    >>> g = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"task": ["t"] * 300, "instance": np.arange(300),
    ...                       "a": g.normal(0.6, 1, 300), "b": g.normal(0.5, 1, 300), "c": g.normal(0, 1, 300)})
    >>> with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address=":0") as cluster:
    ...     with distributed.Client(cluster) as client:
    ...         res = rankagg.poisson_bootstrap(dd.from_pandas(frame, npartitions=3), "borda",
    ...                                         higher_is_better=True, n_resamples=100, rng=1, scheduler=client)
    >>> res.full_ranks.tolist(), res.resample
    ([1, 2, 3], 'instances (Poisson)')
    """
    require_dask("rankagg.poisson_bootstrap")
    import dask

    from rankagg.rules import get_rule
    from rankagg.uncertainty.bootstrap_result import BootstrapResult
    from rankagg.uncertainty.resampling import check_rng

    t0 = time.perf_counter()
    asked = [{"rule": rule, "level": level, "outer": outer}] if rankings is None else list(rankings)
    variants = [_variant(v) for v in asked]
    if not variants:
        raise RankaggError("rankings: give at least one ranking, e.g. ['borda', {'rule': 'borda', 'level': 'two'}].")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise RankaggError(f"n_resamples={n_resamples!r}: must be a positive integer.")
    if rng is not None and (isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0):
        raise RankaggError(
            f"rng={rng!r}: the Poisson bootstrap derives every weight from an integer seed; give an integer "
            ">= 0 (e.g. rng=0), or None (a fresh seed, recorded in result.seed)."
        )
    _, seed = check_rng(rng)
    if not 0.0 < float(confidence) < 1.0:
        raise RankaggError(f"confidence={confidence!r}: must lie strictly between 0 and 1 (e.g. 0.95).")
    from rankagg.distributed.frames import DistributedInstances

    collection = isinstance(data, DistributedInstances)
    if collection:  # read_instances(...): validated blocks, directions and weights known
        if data.has_missing:
            raise RankaggError(
                "data: this collection keeps missing scores (missing='partial'); the Poisson bootstrap needs complete "
                "instances: read it with missing='drop_instances' or 'drop_systems' (what is dropped is in "
                "data.dropped_instances / data.dropped_systems)."
            )
        if higher_is_better is not None:
            raise RankaggError(
                "higher_is_better: the collection already holds each task column's direction (read_instances); "
                "leave it out, or give it to read_instances."
            )
        systems, scheduler = data.systems, data.scheduler if scheduler is None else scheduler
    else:
        cols = [str(c) for c in data.columns]
        for name, col in (("task", task), ("instance", instance)):
            if col not in cols:
                raise RankaggError(
                    f"{name}={col!r}: no such column; the columns are {preview(cols)}.{did_you_mean(col, cols)}"
                )
        systems = tuple(c for c in cols if c not in (task, instance)) if systems is None else tuple(map(str, systems))
        absent = [s for s in systems if s not in cols]
        if absent or len(systems) < 2:
            raise RankaggError(
                f"systems: {preview(absent) if absent else list(systems)} "
                f"{'not among the columns' if absent else 'is fewer than two systems'}; give the system columns, "
                f"e.g. systems={cols[2:5]!r}."
            )
    with using_client(scheduler) as client:
        weights: tuple[float, ...] = ()
        if collection:
            tasks, directions = data.labels, tuple(bool(x) for x in data.higher_is_better)
            weights = tuple(float(w) for w in data.weights)
        else:
            found = dask.compute(*[dask.delayed(_tasks_of)(d) for d in data[task].to_delayed()])
            tasks = tuple(sorted(set().union(*found)))
            directions = _directions(higher_is_better, tasks)
        if any(v[1] == "one" and v[0].name == "mean" for v in variants) and len(set(directions)) > 1:
            raise RankaggError("rule='mean': the tasks' directions differ; use 'borda' or a pairwise rule.")
        spec = _Spec(systems, tasks, directions, task, instance, int(seed), float(atol), float(rtol), weights)
        n, m = len(systems), len(tasks)
        # resample -1 is the data itself (every weight 1): its ranks are the full-data ranking
        order = np.arange(-1, int(n_resamples))
        per_block = max(1, int(block_memory // (8 * m * n * (n + 2) + 8 * m)))
        parts = None if collection else data[[task, instance, *systems]].to_delayed()
        ranks = np.empty((len(variants), order.size, n), dtype=np.int64)
        sizes = np.empty((order.size, m), dtype=np.int64)
        from rankagg.distributed.bootstrap import DaskMapper

        mapper = DaskMapper(client)
        runs = []
        for info, level, outer_name in variants:
            p_info = get_rule(outer_name) if level == "two" else info
            run = {k: v for k, v in params.items() if k != "rng"}
            if "rng" in p_info.params:
                run["rng"] = int(np.random.SeedSequence(int(seed)).generate_state(1, np.uint64)[0] >> np.uint64(1))
            p_info.check_params(run)
            runs.append(run)
        for a in range(0, order.size, per_block):
            blk = order[a : a + per_block]
            if parts is None:
                total = _tree_sum(data.map_partitions(_collection_sums, spec, blk))
            else:
                total = _tree_sum([dask.delayed(_partition_sums)(d, p, spec, blk) for p, d in enumerate(parts)])
            (sums,) = dask.compute(total)
            sizes[a : a + blk.size] = sums.size
            step = max(1, blk.size // (4 * max(1, sum(client.nthreads().values()))))
            jobs = [(_slice(sums, k, k + step), np.arange(min(step, blk.size - k))) for k in range(0, blk.size, step)]
            for v, ((info, level, outer_name), run) in enumerate(zip(variants, runs, strict=True)):
                shared = (spec, info, level, outer_name, run)
                ranks[v, a : a + blk.size] = np.concatenate(mapper(_rank_block, shared, jobs))
    note = (
        "Poisson bootstrap: each instance weighted by an independent Poisson(1) draw in each resample (a task's "
        "resample holds a random number of instances around its size); counts are the drawn instances per task"
    )
    counts = sizes[1:]
    counts.setflags(write=False)
    out = {}
    for v, (info, level, outer_name) in enumerate(variants):
        res_params: dict[str, Any] = {k: val for k, val in params.items() if k != "rng"}
        res_params["level"] = level
        if level == "two":  # as the local bootstrap reports a two-level ranking: the outer rule, and its inner rule
            res_params["inner"] = info.name
        full, boot = ranks[v, 0], ranks[v, 1:]
        boot.setflags(write=False)
        label = info.name if level == "one" else f"{info.name} -> {outer_name}"
        out[label] = BootstrapResult(
            rule=info.name if level == "one" else str(outer_name),
            params=MappingProxyType(res_params),
            resample="instances (Poisson)",
            systems=systems,
            full_ranks=full,
            ranks=boot,
            counts=counts,
            confidence=float(confidence),
            missing_policy="raise",
            seed=seed,
            n_distinct=int(boot.shape[0]),
            time_seconds=time.perf_counter() - t0,
            n_units=int(sizes[0].max()),
            note=note,
        )
    return out if rankings is not None else next(iter(out.values()))


def _variant(v: Any) -> tuple[Any, str, str | None]:
    """``(rule info, level, outer rule name)`` of a ranking given as a rule name or a mapping; refuses what the
    counted sums cannot rank."""
    from rankagg.rules import get_rule

    spec = {"rule": v} if isinstance(v, str) else dict(v)
    info = get_rule(spec.get("rule", "borda"))
    level = spec.get("level", "one") or "one"
    if level not in ("one", "two"):
        raise RankaggError(f"level={level!r}: use 'one' (instances pooled) or 'two' (per task, then across tasks).")
    if level == "one" and not (info.pairwise_ok or info.name in POISSON_RULES):
        raise RankaggError(
            f"rule={info.name!r}: the Poisson bootstrap ranks from counted sums, which {info.name!r} does not read; "
            f"use {', '.join(map(repr, POISSON_RULES))} or a pairwise rule (Kemeny, Copeland, Schulze, ...), or "
            "level='two'."
        )
    if level == "two" and info.name not in POISSON_RULES:
        raise RankaggError(
            f"rule={info.name!r}: with level='two' the inner rule is 'mean' or 'borda'; give the outer one as outer=."
        )
    outer = spec.get("outer")
    return info, level, (get_rule(outer if outer is not None else info.name).name if level == "two" else None)


def _slice(s: _Sums, a: int, b: int) -> _Sums:
    return _Sums(s.wins[a:b], s.rank2[a:b], s.score[a:b], s.size[a:b])
