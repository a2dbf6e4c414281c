"""How sure a ranking of battles is: :func:`bootstrap_battles` resamples the battles (Chatbot Arena's
bootstrap, optionally within each pair), :func:`battle_perturbations` leaves systems out or keeps a fraction of
the battles.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._errors import DataNoteWarning, RuleError, did_you_mean, preview
from rankagg.aggregation.battles import BATTLE_RULES, aggregate_profile, check_connected, check_pairwise_rule
from rankagg.data.battles import (
    BattleError,
    PairwiseProfile,
    cell_maps,
    cell_matrices,
    pairwise_from_battles,
    profile_of,
)
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rules import RuleInfo, get_rule

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["BATTLE_STUDIES", "MAX_REDRAWN", "RESAMPLE_BATTLES", "battle_perturbations", "bootstrap_battles"]


BATTLE_STUDIES: tuple[str, ...] = ("remove_systems", "subsample_battles")


# ----------------------------------------------------------------------------- how sure: bootstrap and studies
RESAMPLE_BATTLES: tuple[str, ...] = ("battles", "battles_by_pair")


def _as_profile(battles: Any, what: str) -> PairwiseProfile:
    """A profile that keeps its battles (``cells``): ``battles`` itself, or built from a log."""
    if not isinstance(battles, PairwiseProfile):
        return pairwise_from_battles(battles)
    if battles.cells is None:
        raise BattleError(
            f"battles: this PairwiseProfile holds pairwise counts, not the battles behind them, so {what} has "
            "nothing to draw from; build it from the log with rankagg.data.battles.pairwise_from_battles(log)."
        )
    return battles


def _groups(pair_map: csr_matrix, counts: np.ndarray, n: int) -> np.ndarray:
    """Number of connected pieces of the comparison graph of each row of cell counts."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    out = np.empty(counts.shape[0], dtype=np.int64)
    step = max(1, (1 << 22) // (n * n))
    for s in range(0, counts.shape[0], step):
        met = np.asarray(pair_map.T @ counts[s : s + step].T.astype(np.float64)).T > 0
        for k, row in enumerate(met):
            out[s + k] = connected_components(csr_matrix(row.reshape(n, n)), directed=False)[0]
    return out


def _draw(cells: np.ndarray, size: int, gen: np.random.Generator, by_pair: bool) -> np.ndarray:
    """``size`` resamples of the battles: multinomial counts over the cells, overall or within each pair."""
    cnt = cells["count"]
    if not by_pair:
        return gen.multinomial(int(cnt.sum()), cnt / cnt.sum(), size=size)
    out = np.zeros((size, cells.size), dtype=np.int64)
    _, pair = np.unique(np.column_stack([cells["a"], cells["b"]]), axis=0, return_inverse=True)
    order = np.argsort(pair.ravel(), kind="stable")
    for idx in np.split(order, np.flatnonzero(np.diff(pair.ravel()[order])) + 1):
        out[:, idx] = gen.multinomial(int(cnt[idx].sum()), cnt[idx] / cnt[idx].sum(), size=size)
    return out


#: Largest share of draws of the battles that may leave the comparison graph in pieces and be drawn again: any
#: probability the bootstrap reports moves by at most this share (the total variation distance of the conditioning).
MAX_REDRAWN = 0.05


def _redraw_disconnected(
    profile: PairwiseProfile, counts: np.ndarray, pair_map: csr_matrix, gen: np.random.Generator
) -> None:
    """Draw again (in place) the resamples whose comparison graph is in pieces; refuse when they are not rare."""
    cells, n = profile.cells, profile.n
    assert cells is not None
    bad = _groups(pair_map, counts, n) > 1
    first = int(bad.sum())
    if first == 0:
        return
    if first > MAX_REDRAWN * len(counts):
        per = np.bincount(cells["a"], cells["count"], n) + np.bincount(cells["b"], cells["count"], n)
        few = [f"{profile.systems[i]} ({int(per[i])})" for i in np.argsort(per, kind="stable")[:4]]
        raise BattleError(
            f"battles: {first} of {len(counts)} draws of the battles ({first / len(counts):.0%}) leave the "
            f"comparison graph in pieces, more than the {MAX_REDRAWN:.0%} that can be drawn again without hiding "
            f"uncertainty: the log is too sparse to bootstrap. Fewest battles: {', '.join(few)}. Leave such systems "
            "out (exclude=...; CLI: --exclude), or draw within each pair (resample='battles_by_pair'; CLI: "
            "--resample battles_by_pair), which keeps every pair's battles but cannot vary a pair that met once."
        )
    for _ in range(100):
        counts[bad] = _draw(cells, int(bad.sum()), gen, False)  # only plain draws can fall apart
        bad[bad] = _groups(pair_map, counts[bad], n) > 1
        if not bad.any():
            break
    else:  # pragma: no cover - at most 5% of draws fall apart: 100 rounds always end
        raise BattleError("battles: draws of the battles keep leaving the comparison graph in pieces.")
    warnings.warn(
        f"bootstrap: {first} of {len(counts)} draws of the battles ({first / len(counts):.1%}) left some systems "
        "without a link to the others and were drawn again; any probability reported (P(top 1), the intervals' "
        "coverage) moves by at most that share.",
        DataNoteWarning,
        stacklevel=3,
    )


def _rank_rows(job: tuple[PairwiseProfile, RuleInfo, dict[str, Any], np.ndarray]) -> np.ndarray:
    """Competition ranks of the rule on each row of cell counts (one resample each)."""
    from rankagg.uncertainty.resampling import _one_blas_thread

    profile, info, params, rows = job
    maps = cell_maps(profile.cells, profile.n)  # type: ignore[arg-type]
    wins, ties = cell_matrices(maps, rows, profile.n)
    out = np.empty((rows.shape[0], profile.n), dtype=np.int64)
    with _one_blas_thread():  # many small solves: threads cost more than they give
        for k in range(rows.shape[0]):
            res = info.func(replace(profile, wins=wins[k], ties=ties[k], cells=None), **params)
            levels = res.levels
            if levels is None:
                scores = np.asarray(res.scores, dtype=np.float64)
                levels = levels_from_scores(scores, higher_is_better=res.higher_is_better)
            out[k] = competition_ranks(np.asarray(levels))
    return out


def _rank_rows_shared(shared: tuple[PairwiseProfile, RuleInfo, dict[str, Any]], rows: np.ndarray) -> np.ndarray:
    """:func:`_rank_rows` with the profile, rule and parameters sent once (for ``farm_resamples``)."""
    return _rank_rows((*shared, rows))


def bootstrap_battles(
    battles: PairwiseProfile | pd.DataFrame | str | os.PathLike[str],
    rule: str = "bradley_terry",
    *,
    resample: str = "battles",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    n_jobs: int = 1,
    progress: bool | None = None,
    counts: Any = None,
    rng: int | np.random.Generator | None = None,
    **params: Any,
) -> Any:
    """Bootstrap the ranking of a battle log: draw the battles with replacement, rank every resample.

    Chatbot Arena's bootstrap: each resample draws as many battles as the log
    holds, with replacement, so the counts of the distinct battles (pair,
    outcome, weight: ``profile.cells``) follow a multinomial; each resample's
    pairwise matrix is one sparse product, then the rule ranks it.
    :func:`rankagg.bootstrap` calls this for a :class:`PairwiseProfile` or a
    battle-log DataFrame (its default ``resample="tasks"`` is read as
    ``"battles"``: a battle log has no tasks to resample).

    A resample in which some systems lose every link to the others (the
    comparison graph falls apart; likely when a system has few battles)
    cannot be ranked as one list: it is drawn again, and a
    :class:`~rankagg.io.DataNoteWarning` says how many were, since the
    intervals are then conditional on the graph staying connected.
    ``resample="battles_by_pair"`` keeps each pair's number of battles and
    never disconnects the graph.

    Parameters
    ----------
    battles : PairwiseProfile, pandas.DataFrame or path-like
        A profile built by :func:`pairwise_from_battles`, or a battle log.
    rule : str, default "bradley_terry"
        A rule that reads pairwise preferences (``pairwise_ok`` in
        ``rankagg.list_rules()``): majority rules, Kemeny, Bradley-Terry.
    resample : {"battles", "battles_by_pair"}
        Draw all battles with replacement (default), or the battles of each
        pair among themselves (stratified by pair).
    n_resamples : int, default 1000
        Number of resamples (ignored when ``counts`` is given).
    confidence : float, default 0.95
        Level of the rank intervals and of the indistinguishable groups.
    n_jobs : int, default 1
        Worker processes (-1: all cores); the result does not depend on it.
    progress : bool, optional
        Progress bar on stderr (default: on a terminal, for long runs).
    counts : array_like of int, shape (n_resamples, len(profile.cells)), optional
        The resamples to use instead of drawing them (``result.counts`` of
        another run: several rules on the same resamples).
    rng : int or numpy.random.Generator, optional
        Seed of the resamples (and of randomised rules).
    **params
        Rule parameters.

    Returns
    -------
    BootstrapResult
        ``resample`` is ``"battles"`` or ``"battles_by_pair"``; ``counts`` has
        one row per resample and one column per distinct battle of
        ``profile.cells``: how many times it was drawn.

    Raises
    ------
    BattleError
        A profile without its battles, a disconnected log, an unknown
        ``resample``, or resamples that keep falling apart.
    RuleError
        A rule that needs scores.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.uncertainty.battles import bootstrap_battles
    >>> log = pd.DataFrame({"model_a": ["x"] * 30 + ["y"] * 30, "model_b": ["y"] * 30 + ["z"] * 30,
    ...                     "winner": ["model_a"] * 25 + ["model_b"] * 5 + ["model_a"] * 16 + ["model_b"] * 14})
    >>> res = bootstrap_battles(log, "bradley_terry", n_resamples=200, rng=0)
    >>> res.to_frame()[["system", "rank", "rank_low", "rank_high"]]
      system  rank  rank_low  rank_high
    0      x     1         1          1
    1      y     2         2          3
    2      z     3         2          3
    """
    import time

    from scipy.sparse import csr_matrix

    from rankagg.uncertainty.bootstrap_result import BootstrapResult
    from rankagg.uncertainty.resampling import _check_confidence, _check_k, _Progress, resample_mapper

    t0 = time.perf_counter()
    profile = _as_profile(battles, "the bootstrap")
    info = get_rule(rule)
    check_pairwise_rule(info)
    check_connected(profile)
    if resample not in RESAMPLE_BATTLES:
        raise BattleError(
            f"resample={resample!r}: a battle log is resampled over 'battles' (every battle drawn with replacement) "
            "or 'battles_by_pair' (the battles of each pair among themselves); tasks, instances and seeds are for "
            f"score tables.{did_you_mean(str(resample), RESAMPLE_BATTLES)}"
        )
    confidence = _check_confidence(confidence)
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise BattleError(f"n_jobs={n_jobs!r}: use a positive number of processes, or -1 for all cores.")
    seed_record = rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator"
    gen = np.random.default_rng(rng)
    run = {k: v for k, v in params.items() if k != "rng"}
    if "rng" in info.params:  # randomised rules: one seed drawn from rng, for the full data and every resample
        run["rng"] = int(gen.integers(0, 2**63 - 1))
    full = aggregate_profile(profile, info.name, run)
    cells, n = profile.cells, profile.n
    assert cells is not None
    pair_map = csr_matrix(
        (np.ones(cells.size), (np.arange(cells.size), cells["a"] * n + cells["b"])), (cells.size, n**2)
    )
    if counts is None:
        _check_k(n_resamples, "n_resamples")
        counts = _draw(cells, int(n_resamples), gen, resample == "battles_by_pair")
        _redraw_disconnected(profile, counts, pair_map, gen)
        if resample == "battles_by_pair":
            pairs = pd.Series(cells["count"]).groupby([cells["a"], cells["b"]]).sum()
            if (pairs == 1).any():
                warnings.warn(
                    f"bootstrap: {int((pairs == 1).sum())} of {pairs.size} pairs met in a single battle; drawing "
                    "within each pair cannot vary them, so the rank intervals leave their uncertainty out.",
                    DataNoteWarning,
                    stacklevel=2,
                )
    else:
        counts = np.array(counts, dtype=np.int64)
        if counts.ndim != 2 or counts.shape[1] != cells.size or (counts < 0).any():
            raise BattleError(
                f"counts: expected non-negative integers of shape (n_resamples, {cells.size}) (one column per "
                f"distinct battle of profile.cells), got shape {counts.shape}; pass result.counts of a bootstrap "
                "of the same battles."
            )
        bad = np.flatnonzero(_groups(pair_map, counts, n) > 1)
        if bad.size:
            raise BattleError(f"counts: in resample(s) {preview(bad.tolist())} the comparison graph is in pieces.")
    uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
    step = max(1, min(64, uniq.shape[0] // (4 * int(n_jobs)) or 1))
    jobs = [(profile, info, run, uniq[s : s + step]) for s in range(0, uniq.shape[0], step)]
    bar = _Progress(uniq.shape[0], progress, f"bootstrap {info.name}")
    done: list[np.ndarray] = []
    mapper = resample_mapper()
    if mapper is not None:  # the same jobs, solved wherever the mapper sends them (farm_resamples)
        results: Any = mapper(_rank_rows_shared, (profile, info, run), [job[3] for job in jobs])
    elif n_jobs == 1 or len(jobs) < 2:
        results = map(_rank_rows, jobs)
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=int(n_jobs))
        results = pool.map(_rank_rows, jobs)
    try:
        for r in results:
            done.append(r)
            bar.update(sum(len(d) for d in done))
    finally:
        bar.close()
        if mapper is None and n_jobs != 1 and len(jobs) >= 2:
            pool.shutdown()
    ranks = np.concatenate(done)[np.asarray(inverse).ravel()]
    ranks.setflags(write=False)
    counts.setflags(write=False)
    return BootstrapResult(
        rule=info.name,
        params=MappingProxyType({k: v for k, v in full.params.items() if k != "rng"}),
        resample=resample,
        systems=profile.systems,
        full_ranks=np.asarray(full.ranks),
        ranks=ranks,
        counts=counts,
        confidence=float(confidence),
        missing_policy="raise",
        seed=seed_record,
        n_distinct=int(uniq.shape[0]),
        time_seconds=time.perf_counter() - t0,
    )


def battle_perturbations(
    battles: PairwiseProfile | pd.DataFrame | str | os.PathLike[str],
    *,
    rules: str | Sequence[str] = BATTLE_RULES,
    studies: str | Sequence[str] = BATTLE_STUDIES,
    fractions: float | Sequence[float] = (0.5, 0.8),
    n_draws: int = 20,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Perturbation studies of a battle log: how far does each rule's ranking move?

    Two studies apply to battles (the others of
    :func:`rankagg.perturbation_studies` perturb scores or tasks):

    * ``remove_systems``: leave one system out with its battles and re-rank
      the others (independence of irrelevant alternatives: Bradley-Terry
      and the majority rules can reorder two systems because a third one
      left);
    * ``subsample_battles``: keep a fraction of the battles, drawn without
      replacement (``n_draws`` draws per fraction): how much the ranking
      rests on the battles that happen to be in the log.

    A perturbed log whose comparison graph falls apart is not ranked: its
    row has no ``kendall_tau`` and its ``note`` says why.

    Parameters
    ----------
    battles : PairwiseProfile, pandas.DataFrame or path-like
        A profile built by :func:`pairwise_from_battles`, or a battle log.
    rules : str or sequence of str, default ("bradley_terry", "copeland", "kemeny")
        Rules that read pairwise preferences.
    studies : str or sequence of str, default ("remove_systems", "subsample_battles")
        Which studies to run.
    fractions : float or sequence of float, default (0.5, 0.8)
        ``subsample_battles``: the shares of the battles kept, in (0, 1).
    n_draws : int, default 20
        ``subsample_battles``: random draws per fraction.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Seed of the draws (and of randomised rules).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`rankagg.perturbation_studies`: ``study, rule,
        parameter`` (the system left out, or the fraction kept), ``draw,
        kendall_tau, top1_changed, n_flips, n_pairs, n_systems, n_tasks``
        (NA: battles have no tasks), ``top1, note``; one row per rule,
        setting and draw, comparing with the rule's ranking of the whole log
        over the systems present in both.

    Raises
    ------
    RankaggError
        A study that does not apply to battles (the message lists the ones
        that do), a rule that needs scores, bad fractions or draws.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.uncertainty.battles import battle_perturbations
    >>> log = pd.DataFrame({"system_a": ["x", "x", "y", "y", "x"], "system_b": ["y", "z", "z", "z", "y"],
    ...                     "winner": ["a", "a", "a", "a", "a"]})
    >>> battle_perturbations(log, rules="copeland", studies="remove_systems")[["parameter", "kendall_tau", "top1"]]
      parameter  kendall_tau top1
    0         x          1.0    y
    1         y          1.0    x
    2         z          1.0    x
    """
    from rankagg.uncertainty.perturbation_base import (
        STUDIES,
        _agreement,
        _frame,
        _numbers,
        _positive_int,
        _resolve_rules,
    )
    from rankagg.uncertainty.resampling import _one_blas_thread

    items = [studies] if isinstance(studies, str) else list(studies)
    items = list(dict.fromkeys(x.strip() for v in items for x in str(v).split(",") if x.strip()))
    for s in items:
        if s not in BATTLE_STUDIES:
            why = "perturbs scores or tasks, which a battle log does not have" if s in STUDIES else "is unknown"
            raise BattleError(
                f"studies: {s!r} {why}; the studies of a battle log are {', '.join(BATTLE_STUDIES)}."
                f"{'' if s in STUDIES else did_you_mean(s, (*BATTLE_STUDIES, *STUDIES))}"
            )
    if not items:
        raise BattleError(f"studies: give at least one of {', '.join(BATTLE_STUDIES)}.")
    keep = _numbers(
        fractions, "fractions", low=0.0, low_open=True, high=1.0, hint="shares of the battles kept, in (0, 1)"
    )
    n_draws = _positive_int(n_draws, "n_draws")
    profile = _as_profile(battles, "subsample_battles") if "subsample_battles" in items else battles
    if not isinstance(profile, PairwiseProfile):
        profile = pairwise_from_battles(profile)
    infos = _resolve_rules(rules)
    gen = np.random.default_rng(rng)
    run: dict[str, dict[str, Any]] = {}
    given = {get_rule(k).name: dict(v) for k, v in dict(params or {}).items()}
    for name in given:
        if name not in [i.name for i in infos]:
            raise RuleError(f"params: rule {name!r} is not among the rules studied; add it to rules, or drop them.")
    for info in infos:
        check_pairwise_rule(info)
        p = given.get(info.name, {})
        info.check_params(p)
        run[info.name] = {**p, "rng": int(gen.integers(0, 2**63 - 1))} if "rng" in info.params and "rng" not in p else p
    check_connected(profile)

    def ranks(prof: PairwiseProfile) -> dict[str, np.ndarray]:
        with _one_blas_thread():  # many small solves: threads cost more than they give
            return {i.name: aggregate_profile(prof, i.name, run[i.name]).ranks.astype(np.float64) for i in infos}

    full = ranks(profile)
    rows: list[dict[str, Any]] = []

    def add(study: str, parameter: Any, draw: int, prof: PairwiseProfile, common: np.ndarray) -> None:
        try:
            after: dict[str, np.ndarray] | None = ranks(prof)
            note = ""
        except BattleError as exc:  # the comparison graph fell apart
            after, note = None, str(exc).split(": ", 1)[-1].split(". ", 1)[0] + "; not ranked."
        for info in infos:
            row: dict[str, Any] = {"study": study, "rule": info.name, "parameter": parameter, "draw": draw}
            row.update(n_systems=len(common), n_tasks=pd.NA, note=note)
            if after is None:
                row.update(kendall_tau=np.nan, top1_changed=pd.NA, n_flips=pd.NA, n_pairs=pd.NA, top1="")
            else:
                a = after[info.name]
                tau, flips, pairs, changed = _agreement(full[info.name][common], a)
                top1 = " = ".join(prof.systems[k] for k in np.flatnonzero(a == a.min()))
                row.update(kendall_tau=tau, top1_changed=changed, n_flips=flips, n_pairs=pairs, top1=top1)
            rows.append(row)

    if "remove_systems" in items:
        if profile.n < 3:
            raise BattleError(f"remove_systems: the log has {profile.n} systems; removing one must leave two.")
        for i, name in enumerate(profile.systems):
            others = np.delete(np.arange(profile.n), i)
            add("remove_systems", name, 0, profile._subset(others), others)
    if "subsample_battles" in items:
        cells = profile.cells
        assert cells is not None
        maps = cell_maps(cells, profile.n)
        everyone = np.arange(profile.n)
        for f in keep:
            m = max(1, round(f * int(cells["count"].sum())))
            for d in range(n_draws):
                drawn = gen.multivariate_hypergeometric(cells["count"], m)
                add("subsample_battles", f, d, profile_of(profile, drawn, maps), everyone)
    return _frame(rows)
