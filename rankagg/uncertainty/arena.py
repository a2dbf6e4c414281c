"""Battles at Arena scale: millions of battles read once into pair counts, Bradley-Terry fitted on the counts.

A battle log of ``N`` battles among ``n`` systems has at most ``3 n (n - 1) / 2``
distinct outcomes (a pair, and who won or a tie), whatever ``N``:
:func:`read_battle_counts` reads the log (CSV, TSV, JSON lines, a JSON list or
Parquet, in chunks, only the three columns it needs) and counts them with
``pandas.factorize`` and ``numpy.bincount``; every later step works on those
counts.

:func:`fit_bt_counts` fits Bradley-Terry by Newton's method on the pairs that
met (the information matrix is ``n x n``; a line search keeps every step uphill),
a tie counting as half a win for each side (Chatbot Arena's and rankagg's
``bradley_terry`` convention). :func:`bootstrap_bt_counts` resamples the
battles with replacement as Chatbot Arena does, by drawing the counts of the
distinct outcomes from a multinomial (one draw per resample, no re-reading),
and refits each resample from the full data's strengths (warm start), so a
bootstrap costs fits, not reads. :func:`arena_leaderboard` puts it together:
Arena Elo ratings, percentile intervals and ``Rank (UB)``.

**When the maximum likelihood does not exist.** Bradley-Terry strengths are
finite only when no group of systems never loses (or never wins) against the
others. On the full data, ``prior=0`` (the default, Chatbot Arena's plain
maximum likelihood) refuses such a log with the systems named; ``prior > 0``
adds that many virtual games of every system against a reference of average
strength, half won, which keeps every strength finite. A *resample* can lose
the last win of a system that rarely wins (a degenerate resample): it is
fitted with ``degenerate_prior`` virtual games (default 1) instead of running
off to an infinite strength, counted in ``n_degenerate`` and announced with a
:class:`~rankagg.io.DataNoteWarning`; ``degenerate_prior=0`` makes it an
error. (Upstream, FastChat's L-BFGS stops after 100 iterations at some large,
finite rating and says nothing.) A resample whose comparison graph falls apart
(some systems without any battle linking them to the others) is drawn again,
at most for :data:`rankagg.uncertainty.battles.MAX_REDRAWN` of the resamples, as in
:func:`rankagg.bootstrap_battles`; a log whose own graph is in pieces
is refused.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import DataNoteWarning, RankaggError
from rankagg._threads import one_blas_thread
from rankagg.data.battle_counts import BattleCounts, battle_counts
from rankagg.data.battles import BattleError
from rankagg.rules.bt_counts import (
    check_prior,
    fit_bt_counts,
    mle_exists,
    newton_fit,
    no_mle_message,
    pairs_connected,
)
from rankagg.rules.compat import anchor_offset, check_elo_scale, elo_from_log_strengths
from rankagg.uncertainty.battles import MAX_REDRAWN

__all__ = ["ArenaLeaderboard", "arena_leaderboard", "bootstrap_bt_counts", "rank_upper_bound"]


def bootstrap_bt_counts(
    counts: BattleCounts,
    *,
    n_resamples: int = 100,
    prior: float = 0.0,
    degenerate_prior: float = 1.0,
    rng: int | np.random.Generator | None = None,
    theta0: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Bradley-Terry log-strengths of ``n_resamples`` bootstrap resamples of the battles (multinomial counts).

    Each resample draws as many battles as the log holds, with replacement:
    the counts of the distinct outcomes follow a multinomial with the log's
    shares. Each is fitted by Newton's method from ``theta0`` (default: the
    fit of the log). Degenerate resamples (``prior == 0`` and some system
    without a win or without a loss: no finite maximum likelihood) are fitted
    with ``degenerate_prior`` virtual games instead (0: raise an error).
    Resamples whose comparison graph falls apart are drawn again (at most
    :data:`rankagg.data.battles.MAX_REDRAWN` of them, else an error).

    Returns
    -------
    theta : numpy.ndarray of shape (n_resamples, n)
        Log-strengths of each resample (sum-to-zero).
    cell_counts : numpy.ndarray of shape (n_resamples, len(counts.count))
        The resamples.
    degenerate : numpy.ndarray of bool, shape (n_resamples,)
        Which resamples were fitted with ``degenerate_prior``.
    n_redrawn : int
        Resamples drawn again because their comparison graph fell apart.

    Examples
    --------
    >>> from rankagg import battle_counts, bootstrap_bt_counts
    >>> wins = ["a"] * 30 + ["b"] * 10 + ["a"] * 25 + ["b"] * 15
    >>> c = battle_counts(["x"] * 40 + ["y"] * 40, ["y"] * 40 + ["z"] * 40, wins)
    >>> theta, draws, degenerate, redrawn = bootstrap_bt_counts(c, n_resamples=50, rng=0)
    >>> theta.shape, draws.sum(axis=1).tolist() == [80] * 50, int(degenerate.sum()), redrawn
    ((50, 3), True, 0, 0)
    """
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise BattleError(f"n_resamples={n_resamples!r}: use a positive number of resamples, e.g. 1000.")
    alpha = check_prior(prior, "prior")
    fallback = check_prior(degenerate_prior, "degenerate_prior")
    gen = np.random.default_rng(rng)
    if theta0 is None:
        theta0 = fit_bt_counts(counts, prior=alpha)
    start = np.asarray(theta0, dtype=np.float64)
    total = int(counts.count.sum())
    shares = counts.count / total
    draws = gen.multinomial(total, shares, size=int(n_resamples)).astype(np.int64)
    n = counts.n
    out = np.empty((int(n_resamples), n))
    degenerate = np.zeros(int(n_resamples), dtype=bool)
    redrawn = 0
    limit = MAX_REDRAWN * int(n_resamples)
    with one_blas_thread():  # many small products: BLAS threads cost more than they give
        for r in range(int(n_resamples)):
            while True:
                i, j, wij, wji = counts.half_wins(draws[r])
                met = (wij + wji) > 0
                i, j, wij, wji = i[met], j[met], wij[met], wji[met]
                if pairs_connected(i, j, n):
                    break
                redrawn += 1
                if redrawn > limit:
                    per = counts.battles_per_system()
                    few = [f"{counts.systems[s]} ({int(per[s])})" for s in np.argsort(per, kind="stable")[:4]]
                    raise BattleError(
                        f"bootstrap: more than {MAX_REDRAWN:.0%} of the resamples leave the comparison graph in "
                        f"pieces: the log is too sparse to bootstrap. Fewest battles: {', '.join(few)}; leave such "
                        "systems out."
                    )
                draws[r] = gen.multinomial(total, shares)
            a = alpha
            if not alpha and not mle_exists(i, j, wij, wji, n):
                if not fallback:
                    raise BattleError(
                        f"bootstrap: in resample {r} "
                        + no_mle_message(counts.systems, i, j, wij, wji, n).split(": ", 1)[1]
                        + " (degenerate_prior=0 refuses such resamples; the default fits them with one virtual game.)"
                    )
                a = fallback
                degenerate[r] = True
            theta, _, ok = newton_fit(i, j, wij, wji, n, a, start if a == alpha else None, 1e-10, 100)
            if not ok:
                raise BattleError(f"bootstrap: Newton's method did not converge on resample {r}.")
            out[r] = theta - theta.mean()
    return out, draws, degenerate, redrawn


# ----------------------------------------------------------------------------- Chatbot Arena's leaderboard
def rank_upper_bound(lower: Any, upper: Any) -> np.ndarray:
    """Chatbot Arena's ``Rank (UB)``: 1 + the number of systems whose lower bound exceeds this one's upper bound.

    Upstream: ``lm-sys/FastChat``, ``fastchat/serve/monitor/monitor.py``,
    ``recompute_final_ranking`` (``rating_q025`` of another model ``>``
    this model's ``rating_q975``; strictly greater, so touching intervals do
    not separate).

    Examples
    --------
    >>> from rankagg.uncertainty.arena import rank_upper_bound
    >>> rank_upper_bound([1200, 1150, 1000], [1260, 1210, 1100]).tolist()
    [1, 1, 3]
    """
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    return 1 + (lo[None, :] > hi[:, None]).sum(axis=1)


@dataclass(frozen=True, eq=False)
class ArenaLeaderboard:
    """Chatbot Arena's leaderboard of a battle log: Elo ratings, bootstrap intervals and ``Rank (UB)``.

    Attributes
    ----------
    systems : tuple of str
    rating : numpy.ndarray
        Elo rating of the fit of the whole log.
    lower, upper : numpy.ndarray
        Percentile interval of the bootstrap ratings at ``confidence``
        (upstream: the 2.5 % and 97.5 % quantiles, linear interpolation).
    rank_ub : numpy.ndarray of int
        ``Rank (UB)`` (:func:`rank_upper_bound`).
    battles : numpy.ndarray of int
        Battles each system played.
    bootstrap_ratings : numpy.ndarray of shape (n_resamples, n)
        The rating of every system in every resample.
    confidence : float
    scale, base, initial : float
        The Elo scale.
    anchor : tuple or None
        ``(system, rating)`` fixed, if any.
    prior : float
        Virtual games of the fit (0: maximum likelihood).
    degenerate_prior : float
        Virtual games of the degenerate resamples.
    n_battles, n_resamples, n_degenerate, n_redrawn : int
        Battles read; resamples; resamples fitted with ``degenerate_prior``;
        resamples drawn again because their comparison graph fell apart.
    seed : int or None or str
    time_seconds : float
        Wall time of the fits (reading excluded).
    """

    systems: tuple[str, ...]
    rating: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    rank_ub: np.ndarray = field(repr=False)
    battles: np.ndarray = field(repr=False)
    bootstrap_ratings: np.ndarray = field(repr=False)
    confidence: float
    scale: float
    base: float
    initial: float
    anchor: tuple[str, float] | None
    prior: float
    degenerate_prior: float
    n_battles: int
    n_resamples: int
    n_degenerate: int
    n_redrawn: int
    seed: Any = None
    time_seconds: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per system, best rating first: ``system, rating, lower, upper, rank_ub, battles``."""
        df = pd.DataFrame(
            {
                "system": list(self.systems),
                "rating": self.rating,
                "lower": self.lower,
                "upper": self.upper,
                "rank_ub": self.rank_ub,
                "battles": self.battles,
            }
        )
        return df.sort_values(["rank_ub", "rating"], ascending=[True, False], kind="stable").reset_index(drop=True)


def arena_leaderboard(
    battles: BattleCounts | pd.DataFrame | str | os.PathLike[str],
    *,
    n_resamples: int = 100,
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    initial: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    prior: float = 0.0,
    degenerate_prior: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> ArenaLeaderboard:
    """Chatbot Arena's leaderboard: Bradley-Terry on the Elo scale, bootstrap intervals, ``Rank (UB)``.

    Follows ``lm-sys/FastChat``, ``fastchat/serve/monitor/rating_systems.py``
    (``compute_bt``, ``compute_bootstrap_bt``: multinomial resampling of the
    distinct outcomes, ``scale_and_offset``) and
    ``fastchat/serve/monitor/monitor.py`` (``recompute_final_ranking``). The
    ratings are those of the rule ``arena_elo`` (sum-to-zero log-strengths,
    mean rating ``initial``, unless ``anchor`` fixes one system's rating).
    Upstream draws its resamples with ``numpy.random.default_rng(seed=0)``;
    pass ``rng`` for reproducible intervals.

    Parameters
    ----------
    battles : BattleCounts, pandas.DataFrame or path-like
        Counts from :func:`read_battle_counts`, or a battle log to read.
    n_resamples : int, default 100
        Bootstrap resamples (upstream's default ``num_round``: 100).
    confidence : float, default 0.95
        Level of the percentile intervals.
    scale, base, initial : float
        The Elo scale (400, 10, 1000 as on Chatbot Arena).
    anchor : (str, float), optional
        Give this system this rating (Arena: ``("mixtral-8x7b-instruct-v0.1", 1114)``).
    prior : float, default 0
        Virtual games against an average reference (0: maximum likelihood,
        Arena's choice; an error names the systems when it does not exist).
    degenerate_prior : float, default 1
        Virtual games of a resample without a finite maximum likelihood (0: an error).
    rng : int or numpy.random.Generator, optional
        Seed of the resamples.

    Returns
    -------
    ArenaLeaderboard

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg import arena_leaderboard
    >>> log = pd.DataFrame({"model_a": ["x"] * 60 + ["y"] * 60, "model_b": ["y"] * 60 + ["z"] * 60,
    ...                     "winner": ["model_a"] * 45 + ["model_b"] * 15 + ["model_a"] * 35 + ["tie"] * 25})
    >>> board = arena_leaderboard(log, n_resamples=200, rng=0)
    >>> board.to_frame()[["system", "rank_ub"]].to_dict("list")
    {'system': ['x', 'y', 'z'], 'rank_ub': [1, 2, 3]}
    >>> round(float(board.rating.mean()), 6)
    1000.0
    """
    s, b, r0 = check_elo_scale(scale, base, initial)
    try:
        conf = float(confidence)
    except (TypeError, ValueError):
        conf = float("nan")
    if not 0.0 < conf < 1.0:
        raise RankaggError(f"confidence={confidence!r} must be in (0, 1), e.g. 0.95.")
    counts = battles if isinstance(battles, BattleCounts) else battle_counts(battles)
    t0 = time.perf_counter()
    alpha = check_prior(prior, "prior")
    theta = fit_bt_counts(counts, prior=alpha)
    if alpha:
        theta = theta - theta.mean()
    boot, _, degenerate, redrawn = bootstrap_bt_counts(
        counts, n_resamples=n_resamples, prior=alpha, degenerate_prior=degenerate_prior, rng=rng, theta0=theta
    )
    rating = elo_from_log_strengths(theta, scale=s, base=b, initial=r0)
    boot_rating = elo_from_log_strengths(boot, scale=s, base=b, initial=r0)
    rating = rating + anchor_offset(counts.systems, rating, anchor)
    if anchor is not None:
        boot_rating = boot_rating + anchor_offset(counts.systems, boot_rating, anchor)[:, None]
    lo = np.quantile(boot_rating, (1.0 - conf) / 2.0, axis=0)
    hi = np.quantile(boot_rating, 1.0 - (1.0 - conf) / 2.0, axis=0)
    n_deg = int(degenerate.sum())
    if n_deg:
        warnings.warn(
            f"bootstrap: in {n_deg} of {n_resamples} resamples some system had no win or no loss (no finite maximum "
            f"likelihood); they were fitted with degenerate_prior={degenerate_prior} virtual game(s) against an "
            "average reference instead of an infinite rating.",
            DataNoteWarning,
            stacklevel=2,
        )
    if redrawn:
        warnings.warn(
            f"bootstrap: {redrawn} resample(s) left some systems without a battle linking them to the others and were "
            "drawn again; the intervals are conditional on the comparison graph staying connected.",
            DataNoteWarning,
            stacklevel=2,
        )
    for arr in (rating, lo, hi, boot_rating):
        arr.setflags(write=False)
    ub = rank_upper_bound(lo, hi)
    ub.setflags(write=False)
    per = counts.battles_per_system()
    per.setflags(write=False)
    return ArenaLeaderboard(
        systems=counts.systems,
        rating=rating,
        lower=lo,
        upper=hi,
        rank_ub=ub,
        battles=per,
        bootstrap_ratings=boot_rating,
        confidence=conf,
        scale=s,
        base=b,
        initial=r0,
        anchor=anchor,
        prior=alpha,
        degenerate_prior=float(degenerate_prior),
        n_battles=counts.n_battles,
        n_resamples=int(n_resamples),
        n_degenerate=n_deg,
        n_redrawn=int(redrawn),
        seed=rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator",
        time_seconds=time.perf_counter() - t0,
    )
