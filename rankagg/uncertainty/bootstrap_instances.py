"""The bootstrap of instance-level tables: tasks, instances (stratified by task) or both resampled, with
bulk per-column counts for the rules that have a chunked fast path and a per-resample table for the others.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import BootstrapWarning, RankaggError, ScoreTableError, did_you_mean
from rankagg.aggregation.aggregate import aggregate
from rankagg.data.design import comparison_groups
from rankagg.data.table import ScoreTable
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rules import RuleInfo, get_rule
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import (
    INSTANCE_RESAMPLE_KINDS,
    MAX_REDRAWN,
    MIN_UNITS,
    _check_memory,
    _check_run,
    _one_blas_thread,
    _Progress,
    _units,
    check_rng,
    resample_counts,
    resample_mapper,
)

__all__ = []

# ----------------------------------------------------------------------------- instance-level tables
_INSTANCE_STATE: dict[str, Any] = {}


def _resampled_instances(table: Any, task_counts: np.ndarray, picks: list[np.ndarray | None]) -> Any:
    """The instance table of one resample: task columns with their counts as weight multipliers."""
    from rankagg.data.instances import InstanceTable

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


def _instance_shared_job(state: dict[str, Any], job: tuple[np.ndarray, list[np.ndarray | None], int | None]) -> Any:
    """:func:`_instance_job` with its state passed along (for ``farm_resamples``)."""
    _init_instance_worker(state)
    return _instance_job(job)


def _init_instance_process(state: dict[str, Any]) -> None:
    _one_blas_thread()
    _init_instance_worker(state)


def _init_instance_worker(state: dict[str, Any]) -> None:
    _INSTANCE_STATE.clear()
    _INSTANCE_STATE.update(state)


class _DrawnPass:
    """Stand-in for :class:`rankagg.data.instance_counts.InstancePass`: the column statistics of one resample."""

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
        from rankagg.rankings.kernels import code_dtype, rank_codes

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
    from rankagg.aggregation.levels import FAST_RULES

    if level in (None, "one"):
        return bool(info.pairwise_ok or info.name in FAST_RULES)
    inner_info = get_rule("mean" if inner is None else inner)
    return bool(inner_info.pairwise_ok or inner_info.name in FAST_RULES)


def _ranks_of_drawn(
    table: Any, stats: dict[int, Any], task_counts: np.ndarray, info: RuleInfo, kw: dict[str, Any], params: dict
) -> np.ndarray:
    """The consensus ranks of one resample from its counted statistics (what ``aggregate`` computes on it)."""
    from rankagg.aggregation.levels import inner_table, one_level, outer_name
    from rankagg.data.instances import check_weighting

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
            res = one_level(run, info, params, weighting=weighting, pairwise="observed", voter=None)
        else:
            inner_info = get_rule(kw.get("inner", "mean"))
            outer_table, _ = inner_table(run, inner_info, dict(kw.get("inner_params") or {}), pairwise="observed")
            res = aggregate(outer_table, rule=outer_name(info.name, kw.get("outer")), **params)
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
        mapper = resample_mapper()
        if mapper is not None:  # the same jobs, solved wherever the mapper sends them (farm_resamples)
            for k, rk in enumerate(mapper(_instance_shared_job, state, jobs)):
                ranks[k] = rk
                bar.update(k + 1)
        elif n_jobs == 1 or b < 2 * n_jobs:
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

    Under ``farm_resamples`` each block is one job: it carries the generator's state at the block's first
    resample and redraws the block's instances from it where it runs, while this process only advances the
    generator past them, so the draws (and the ranks) are the same wherever the blocks are solved.
    """
    b, m = task_counts.shape
    n = table.n_systems
    sizes = np.diff(table.offsets)
    parts = [_ColumnParts(table, j, kw["atol"], kw["rtol"]) for j in range(m)]
    # resamples per block: the (block, n, n) counts of every column (int64, wins and both) within ~256 MiB
    step = int(max(1, min(b, (256 * 2**20) // (16 * n * n * m + 8 * int(sizes.sum())))))
    shared = (table, info, kw, params, resample, parts)
    mapper, jobs = resample_mapper(), []
    for a in range(0, b, step):
        e = min(a + step, b)
        if mapper is None:
            ranks[a:e] = _fast_block(shared, (task_counts[a:e], seeds[a:e], gen))
            bar.update(e)
            continue
        jobs.append((task_counts[a:e], seeds[a:e], gen.bit_generator.state))
        for r in range(a, e) if resample != "tasks" else ():  # the draws of _draw_instances, not sorted
            for j in np.nonzero(task_counts[r])[0]:
                gen.integers(0, sizes[j], size=sizes[j])
    for a, blk in zip(range(0, b, step), mapper(_fast_block, shared, jobs), strict=True) if jobs else ():
        ranks[a : a + len(blk)] = blk
        bar.update(a + len(blk))


def _fast_block(shared: tuple[Any, ...], job: tuple[np.ndarray, list[int | None], Any]) -> np.ndarray:
    """Ranks of a block of resamples (rows of ``task_counts``), their instances drawn from ``gen`` (or its state)."""
    from rankagg.data.instance_counts import ColumnStats

    table, info, kw, params, resample, parts = shared
    task_counts, seeds, gen = job
    if not isinstance(gen, np.random.Generator):  # a bit generator's state: the block's draws start there
        bits = getattr(np.random, gen["bit_generator"])()
        bits.state = gen
        gen = np.random.Generator(bits)
    nb, m = task_counts.shape
    sizes = np.diff(table.offsets)
    missing = table.has_missing
    cnt = [np.zeros((nb, int(sizes[j])), dtype=np.int64) for j in range(m)]
    for k in range(nb):
        for j, pick in enumerate(_draw_instances(gen, task_counts[k], sizes, resample)):
            cnt[j][k] = 1 if pick is None else np.bincount(pick, minlength=int(sizes[j]))
    counted = []
    for j in range(m):
        wins, both = parts[j].pair_counts(cnt[j], missing)
        sums = np.einsum("ks,qns->kqn", cnt[j].astype(np.float64), parts[j].sums)
        counted.append((wins, both, sums))
    if kw.get("level", "one") == "one":
        return _one_level_bulk(table, info, kw, params, task_counts, seeds, counted)
    if not missing and get_rule(kw.get("inner", "mean")).name in ("mean", "borda", "partial_borda"):
        return _two_level_bulk(table, info, kw, params, task_counts, seeds, counted)
    ranks = np.empty((nb, table.n_systems), dtype=np.int64)
    for k in range(nb):
        stats = {}
        for j in range(m):
            if task_counts[k, j]:
                wins, both, sums = counted[j]
                stats[j] = ColumnStats(
                    wins[k], both[k], sums[k, 0], sums[k, 1], np.rint(sums[k, 2]).astype(np.int64), sums[k, 3],
                    None, None, int(sizes[j]),
                )  # fmt: skip
        p = params if seeds[k] is None else {**params, "rng": seeds[k]}
        ranks[k] = _ranks_of_drawn(table, stats, task_counts[k], info, kw, p)
    return ranks


def _two_level_bulk(
    table: Any,
    info: RuleInfo,
    kw: dict[str, Any],
    params: dict[str, Any],
    task_counts: np.ndarray,
    seeds: list[int | None],
    counted: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Two levels on a complete table, inner rule from the mean family or Borda: each task column's consensus
    scores for a block of resamples at once (as ``_levels._inner_table`` computes them for one), then the
    outer rule on each resample's table of task scores."""
    from rankagg.aggregation.levels import outer_name

    inner = get_rule(kw.get("inner", "mean")).name
    n = table.n_systems
    sizes = np.diff(table.offsets).astype(np.float64)
    b = task_counts.shape[0]
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
    outer = outer_name(info.name, kw.get("outer"))
    ranks = np.empty((b, n), dtype=np.int64)
    for k in range(b):
        cols = np.nonzero(task_counts[k])[0]
        outer_table = ScoreTable._from_parts(
            inner_scores[k][:, cols],
            systems=table.systems,
            tasks=[table.columns[j].task for j in cols],
            metrics=[table.columns[j].metric for j in cols],
            higher_is_better=None,
            data_directions=[directions[j] for j in cols],
            weights=[table.columns[j].weight * float(task_counts[k, j]) for j in cols],
            missing="raise",
            dropped_systems=table.dropped_systems,
        )
        p = params if seeds[k] is None else {**params, "rng": seeds[k]}
        ranks[k] = aggregate(outer_table, rule=outer, **p).ranks
    return ranks


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
    from rankagg.data.instances import check_weighting
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
    from rankagg.data.battles import PairwiseProfile

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
