"""Decision accuracy: does a ranking of training data at a small scale predict the ranking at a target scale?

DataDecide (Magnusson et al., 2025) measures how well cheap, small-scale
experiments choose training data with **decision accuracy**: the share of
candidate pairs that the small scale orders the same way as the target
(large) scale. Here it is computed per aggregation rule, with Kendall's tau-b
and top-1 agreement, each with a percentile bootstrap interval; the
bootstrap is :func:`rankagg.bootstrap`, run once per rule and scale on the
same resamples.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggWarning, preview
from rankagg.probes.study import RESAMPLE, CandidateStudy, StudyError
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import check_rng

__all__ = [
    "DEFAULT_RULES",
    "MEASURES",
    "DecisionAccuracy",
    "decision_accuracy",
    "kendall_tau_b_rows",
    "pairwise_agreement",
    "top1_agreement",
]

#: The rules compared by default: the mean, Borda, Kemeny and Bradley-Terry over task wins.
DEFAULT_RULES = ("mean", "borda", "kemeny", "bradley_terry")
#: The agreement measures, in the columns of :meth:`DecisionAccuracy.to_frame`.
MEASURES = ("decision_accuracy", "kendall_tau", "top1")
TARGETS = ("resampled", "fixed")


def _signs(ranks: np.ndarray) -> np.ndarray:
    """Pairwise order signs of rank rows, shape (..., n_pairs): +1 when i ranks above j (smaller rank)."""
    r = np.asarray(ranks, dtype=np.float64)
    n = r.shape[-1]
    i, j = np.triu_indices(n, k=1)
    return np.sign(r[..., j] - r[..., i])


def pairwise_agreement(small: Any, target: Any) -> np.ndarray | float:
    """DataDecide's decision accuracy: the share of candidate pairs the small scale orders as the target does.

    Ties: a pair tied at the target has no decision to predict and is left
    out of the denominator; a pair the target orders but the small scale ties
    counts one half (a coin flip between the two). So a ranking against itself
    scores 1, and against an unrelated random order 1/2 in expectation.

    Parameters
    ----------
    small, target : array_like of shape (n,) or (B, n)
        Ranks (1 = best) of the same candidates, in the same order; rows are
        resamples.

    Returns
    -------
    float or numpy.ndarray of shape (B,)
        NaN where the target ties every pair.

    Examples
    --------
    >>> pairwise_agreement([1, 2, 3], [1, 2, 3])
    1.0
    >>> pairwise_agreement([1, 2, 3], [3, 2, 1])
    0.0
    >>> pairwise_agreement([1, 1, 3], [1, 2, 3])  # A-B tied at the small scale: half; A-C and B-C agree
    0.8333333333333334
    """
    s, t = _signs(np.asarray(small)), _signs(np.asarray(target))
    s, t = np.broadcast_arrays(s, t)
    decided = t != 0
    score = np.where(s == t, 1.0, np.where(s == 0, 0.5, 0.0))
    n = decided.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, (score * decided).sum(axis=-1) / np.maximum(n, 1), np.nan)
    return float(out) if out.ndim == 0 else out


def kendall_tau_b_rows(x: Any, y: Any) -> np.ndarray | float:
    """Kendall's tau-b between rank vectors, row by row (the same as :func:`rankagg.kendall_tau_b` per row).

    Examples
    --------
    >>> kendall_tau_b_rows([1, 2, 3, 4], [1, 3, 2, 4])
    0.6666666666666666
    """
    sx, sy = _signs(np.asarray(x)), _signs(np.asarray(y))
    sx, sy = np.broadcast_arrays(sx, sy)
    num = (sx * sy).sum(axis=-1)
    den = np.sqrt(np.abs(sx).sum(axis=-1) * np.abs(sy).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def top1_agreement(small: Any, target: Any) -> np.ndarray | float:
    """Share of the small scale's first-ranked candidates that are first at the target (1 or 0 without ties).

    Examples
    --------
    >>> top1_agreement([1, 2, 3], [1, 3, 2])
    1.0
    >>> top1_agreement([1, 1, 3], [2, 1, 3])  # two tied first at the small scale, one of them first at the target
    0.5
    """
    s, t = np.asarray(small), np.asarray(target)
    s, t = np.broadcast_arrays(s, t)
    first = s == s.min(axis=-1, keepdims=True)
    hit = first & (t == t.min(axis=-1, keepdims=True))
    out = hit.sum(axis=-1) / first.sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class DecisionAccuracy:
    """How well each rule's small-scale ranking predicts the target-scale ranking, with bootstrap intervals.

    Attributes
    ----------
    small, target : str
        The two scales.
    rules : tuple of str
    candidates : tuple of str
        The candidates matched across the two scales (ranked at both).
    tasks : tuple of str
        The tasks shared by every matched candidate at both scales.
    dropped : Mapping
        ``{"candidates": {scale: names}, "tasks": {scale: names}}``: what was
        left out because it was not evaluated at both scales.
    resample : str
        ``"tasks"``, ``"seeds"`` or ``"both"``.
    target_mode : str
        ``"resampled"``: the target ranking is recomputed on every resample
        (same task draws as the small scale); ``"fixed"``: the target is its
        full-data ranking.
    point : pandas.DataFrame
        Full-data values: index rules, columns :data:`MEASURES`.
    samples : Mapping[str, numpy.ndarray]
        Per rule, the bootstrap values, shape (B, 3), columns :data:`MEASURES`
        (the same resamples for every rule: paired).
    small_ranks, target_ranks : pandas.DataFrame
        Full-data ranks of the candidates under each rule at each scale.
    confidence : float
    seed : object
        The bootstrap's seed (``rng=seed`` repeats the run).
    bootstraps : Mapping[tuple[str, str], BootstrapResult]
        The bootstrap of each (rule, scale), on the matched candidates and
        tasks: rank intervals and P(top 1) at each scale without a second run.
    """

    small: str
    target: str
    rules: tuple[str, ...]
    candidates: tuple[str, ...]
    tasks: tuple[str, ...]
    dropped: Mapping[str, Any] = field(repr=False)
    resample: str
    target_mode: str
    point: pd.DataFrame = field(repr=False)
    samples: Mapping[str, np.ndarray] = field(repr=False)
    small_ranks: pd.DataFrame = field(repr=False)
    target_ranks: pd.DataFrame = field(repr=False)
    confidence: float = 0.95
    seed: Any = None
    time_seconds: float = 0.0
    bootstraps: Mapping[tuple[str, str], BootstrapResult] = field(default_factory=dict, repr=False)

    @property
    def n_resamples(self) -> int:
        """Number of bootstrap resamples."""
        return int(next(iter(self.samples.values())).shape[0]) if self.samples else 0

    def _interval(self, x: np.ndarray) -> tuple[float, float]:
        a = (1.0 - self.confidence) / 2.0
        x = x[np.isfinite(x)]
        if x.size == 0:
            return float("nan"), float("nan")
        return float(np.quantile(x, a)), float(np.quantile(x, 1.0 - a))

    def to_frame(self) -> pd.DataFrame:
        """One row per rule and measure: ``rule, measure, value, low, high`` (percentile interval).

        ``value`` is the full-data figure; ``low, high`` the bootstrap interval.
        """
        rows = []
        for rule in self.rules:
            for k, m in enumerate(MEASURES):
                lo, hi = self._interval(self.samples[rule][:, k])
                rows.append(
                    {"rule": rule, "measure": m, "value": float(self.point.loc[rule, m]), "low": lo, "high": hi}
                )
        return pd.DataFrame(rows)

    def difference(self, rule: str, reference: str = "mean", measure: str = "decision_accuracy") -> dict[str, float]:
        """Paired bootstrap difference ``rule - reference`` of one measure: value, interval, P(difference > 0).

        A rule beats the reference beyond the bootstrap's uncertainty when the
        interval's lower bound is above 0.
        """
        for r in (rule, reference):
            if r not in self.samples:
                raise StudyError(f"rule: {r!r} is not among this result's rules ({preview(self.rules)}).")
        if measure not in MEASURES:
            raise StudyError(f"measure: {measure!r}; use one of {', '.join(MEASURES)}.")
        k = MEASURES.index(measure)
        d = self.samples[rule][:, k] - self.samples[reference][:, k]
        lo, hi = self._interval(d)
        value = float(self.point.loc[rule, measure] - self.point.loc[reference, measure])
        return {"value": value, "low": lo, "high": hi, "p_better": float(np.mean(d[np.isfinite(d)] > 0))}

    def differences(self, reference: str = "mean", measure: str = "decision_accuracy") -> pd.DataFrame:
        """:meth:`difference` for every other rule, one row each."""
        rows = [
            {"rule": r, "reference": reference, "measure": measure, **self.difference(r, reference, measure)}
            for r in self.rules
            if r != reference
        ]
        return pd.DataFrame(rows)


def decision_accuracy(
    study: CandidateStudy,
    small: str,
    target: str,
    *,
    rules: Sequence[str] = DEFAULT_RULES,
    resample: str = "tasks",
    target_mode: str = "resampled",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    n_jobs: int = 1,
    rng: int | np.random.Generator | None = None,
) -> DecisionAccuracy:
    """Decision accuracy, Kendall tau-b and top-1 agreement of each rule's ranking at ``small`` against ``target``.

    Candidates are matched across the two scales by name: those evaluated at
    only one scale, and the tasks not evaluated for every matched candidate at
    both, are left out (a :class:`~rankagg.RankaggWarning` says which; the
    result's ``dropped`` lists them).

    For each rule, the candidates are ranked at each scale from their seed
    means per task (:meth:`CandidateStudy.rank`). The bootstrap
    (:func:`rankagg.bootstrap`) draws the tasks with replacement, and the same
    task draws are applied at both scales and for every rule: the tasks are
    the units the two scales share. Seeds (``resample="seeds"`` or
    ``"both"``) are different training runs at each scale, so they are not
    paired across scales; each scale's seeds are drawn from the same random
    stream, i.e. with the same indices when both scales have as many seeds.

    Parameters
    ----------
    study : CandidateStudy
    small, target : str
        The scale whose ranking predicts, and the scale it should predict.
    rules : sequence of str
        Registered rules, or :data:`~rankagg.probes.CENTERED_MEAN`.
    resample : {"tasks", "seeds", "both"}, default "tasks"
    target_mode : {"resampled", "fixed"}, default "resampled"
        ``"resampled"``: on each resample the target ranking is recomputed on
        the same drawn tasks, so the interval covers how much both rankings
        depend on which tasks the suite contains. ``"fixed"``: each resample's
        small-scale ranking is compared with the target's full-data ranking
        (the target taken as the truth).
    n_resamples : int, default 1000
    confidence : float, default 0.95
    n_jobs : int, default 1
        Worker processes for rules solved per resample (Kemeny...).
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap; None draws one (recorded in ``result.seed``).

    Returns
    -------
    DecisionAccuracy

    Examples
    --------
    >>> from rankagg.probes import generate, decision_accuracy
    >>> study = generate(scales=("small", "large"), n_seeds=2, rng=0)
    >>> res = decision_accuracy(study, "small", "large", rules=("mean", "borda"), n_resamples=200, rng=0)
    >>> sorted(res.to_frame().columns)
    ['high', 'low', 'measure', 'rule', 'value']
    >>> same = decision_accuracy(study, "large", "large", rules=("borda",), n_resamples=50, rng=0)
    >>> float(same.point.loc["borda", "decision_accuracy"])
    1.0
    """
    import time

    t0 = time.perf_counter()
    if resample not in RESAMPLE:
        raise StudyError(f"resample={resample!r}: use one of {', '.join(map(repr, RESAMPLE))}.")
    if target_mode not in TARGETS:
        raise StudyError(f"target_mode={target_mode!r}: use 'resampled' (recomputed per resample) or 'fixed'.")
    rules = tuple(dict.fromkeys(rules))
    if not rules:
        raise StudyError("rules: give at least one rule, e.g. rules=('mean', 'borda').")
    small, target = str(small), str(target)
    if small == target:
        one = study.subset(candidates=study.candidates(small), tasks=study.tasks(small))
        matched = CandidateStudy(frame=one.frame[one.frame["scale"] == small], name=study.name)
        dropped: dict[str, Any] = {"candidates": {small: ()}, "tasks": {small: ()}}
    else:
        matched, dropped = study.matched(small, target)
    gen, seed_record = check_rng(rng)
    boot_seed = int(gen.integers(0, 2**63 - 1))
    cands = matched.candidates(small)
    counts = None
    if resample == "tasks":
        from rankagg.uncertainty.resampling import resample_counts

        counts = resample_counts(len(matched.tasks(small)), int(n_resamples), rng=np.random.default_rng(boot_seed))
    point, samples, s_ranks, t_ranks, boots = {}, {}, {}, {}, {}
    for rule in rules:
        kw: dict[str, Any] = {"n_resamples": int(n_resamples), "confidence": confidence, "n_jobs": n_jobs}
        per_scale = {}
        for sc in dict.fromkeys((small, target)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RankaggWarning)
                res = matched.bootstrap(sc, rule, resample=resample, rng=boot_seed, counts=counts, **kw)
            if tuple(res.systems) != cands:
                raise StudyError(f"internal: candidates out of order at scale {sc!r}")
            per_scale[sc] = res
            boots[rule, sc] = res
        bs, bt = per_scale[small], per_scale[target]
        if not np.array_equal(bs.counts, bt.counts):
            raise StudyError(
                f"rule {rule!r}: the bootstrap drew different tasks at scales {small!r} and {target!r}; decision "
                "accuracy needs paired resamples (the same task columns at both scales)."
            )
        full_s, full_t = np.asarray(bs.full_ranks), np.asarray(bt.full_ranks)
        tgt = bt.ranks if target_mode == "resampled" else full_t[None, :]
        samples[rule] = np.column_stack(
            [
                np.atleast_1d(pairwise_agreement(bs.ranks, tgt)),
                np.atleast_1d(kendall_tau_b_rows(bs.ranks, tgt)),
                np.atleast_1d(top1_agreement(bs.ranks, np.broadcast_to(tgt, bs.ranks.shape))),
            ]
        )
        samples[rule].setflags(write=False)
        point[rule] = (
            pairwise_agreement(full_s, full_t),
            kendall_tau_b_rows(full_s, full_t),
            top1_agreement(full_s, full_t),
        )
        s_ranks[rule], t_ranks[rule] = full_s, full_t
    return DecisionAccuracy(
        small=small,
        target=target,
        rules=rules,
        candidates=cands,
        tasks=matched.tasks(small),
        dropped=dropped,
        resample=resample,
        target_mode=target_mode,
        point=pd.DataFrame.from_dict(point, orient="index", columns=list(MEASURES)),
        samples=samples,
        small_ranks=pd.DataFrame(s_ranks, index=list(cands)),
        target_ranks=pd.DataFrame(t_ranks, index=list(cands)),
        confidence=float(confidence),
        seed=seed_record,
        time_seconds=time.perf_counter() - t0,
        bootstraps=boots,
    )
