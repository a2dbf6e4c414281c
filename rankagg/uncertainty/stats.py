"""Statistical tests over tasks: Friedman + Nemenyi critical difference, pairwise Wilcoxon-Holm.

Both treat tasks as independent blocks (Demšar, 2006): the Friedman test asks
whether the systems' mean ranks differ at all; the Nemenyi critical
difference (CD) says which pairs of mean ranks are too close to tell apart;
pairwise Wilcoxon signed-rank tests with Holm's correction do the same from
the score differences. Their outputs are the inputs of a critical difference
diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean, preview
from rankagg.data.table import ScoreTable, as_table, rank_table

__all__ = ["FriedmanResult", "WilcoxonResult", "friedman_nemenyi", "nemenyi_critical_value", "wilcoxon_holm"]

_ZERO_METHODS = ("wilcox", "pratt", "zsplit")
# the exact signed-rank distribution (ties and zeros included) up to this many tasks, the normal approximation beyond
_EXACT_MAX_TASKS = 50


def _check_alpha(alpha: float) -> float:
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        a = float("nan")
    if not 0.0 < a < 1.0:
        raise RankaggError(f"alpha={alpha!r}: the significance level must lie strictly between 0 and 1.")
    return a


def nemenyi_critical_value(k: int, *, alpha: float = 0.05) -> float:
    """Critical value :math:`q_\\alpha` of the Nemenyi test for ``k`` systems.

    The studentized range quantile with infinite degrees of freedom divided by
    :math:`\\sqrt 2` (Demšar 2006, Table 5a).

    Examples
    --------
    >>> from rankagg.uncertainty.stats import nemenyi_critical_value
    >>> round(nemenyi_critical_value(2), 3), round(nemenyi_critical_value(10, alpha=0.10), 3)
    (1.96, 2.92)
    """
    from scipy import stats

    alpha = _check_alpha(alpha)
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise RankaggError(f"k={k!r}: the Nemenyi test needs at least two systems.")
    return float(stats.studentized_range.ppf(1.0 - alpha, int(k), np.inf) / np.sqrt(2.0))


def _groups(order: list[int], same: np.ndarray) -> list[tuple[int, ...]]:
    """Maximal runs of consecutive systems (in ``order``) that are pairwise not different."""
    runs: list[tuple[int, ...]] = []
    n = len(order)
    for start in range(n):
        end = start
        while end + 1 < n and all(same[order[a], order[end + 1]] for a in range(start, end + 1)):
            end += 1
        run = tuple(order[start : end + 1])
        if len(run) > 1 and not any(set(run) <= set(r) for r in runs):
            runs.append(run)
    return runs


def _threshold_groups(values: np.ndarray, cd: float) -> list[tuple[int, ...]]:
    """:func:`_groups` when ``order`` sorts ``values`` and two systems are "not different" when their values
    differ by at most ``cd``: a run is pairwise not different when its two ends are, so one pass finds every
    maximal run (O(n) instead of O(n^3): 1,192 systems in milliseconds instead of a minute and a half)."""
    order = np.argsort(values, kind="stable")
    v = values[order]
    n = v.size
    runs: list[tuple[int, ...]] = []
    end, last = 0, -1
    for start in range(n):
        end = max(end, start)
        while end + 1 < n and v[end + 1] - v[start] <= cd:
            end += 1
        if end > start and end > last:  # a run inside the previous one is not maximal
            runs.append(tuple(int(i) for i in order[start : end + 1]))
            last = end
    return runs


def _complete(table: ScoreTable, who: str) -> None:
    if table.has_missing:
        holes = np.isnan(table.scores)
        sys_ = [s for s, h in zip(table.systems, holes.any(axis=1), strict=True) if h]
        tasks = [t for t, h in zip(table.tasks, holes.any(axis=0), strict=True) if h]
        raise RankaggError(
            f"{who} needs a score for every system on every task; {preview(sys_, 4)} lack scores on "
            f"{preview(tasks, 4)}. Build the table with missing='drop_systems' or 'drop_tasks' (CLI: --missing "
            "drop_systems)."
        )


@dataclass(frozen=True, eq=False)
class FriedmanResult:
    """Friedman test and Nemenyi critical difference.

    Attributes
    ----------
    statistic : float
        Friedman's chi-square (with the correction for ties).
    pvalue : float
        Its p-value (chi-square with ``k - 1`` degrees of freedom).
    iman_davenport : float
        Iman-Davenport's F statistic (less conservative), and ``pvalue_iman_davenport``.
    mean_ranks : pandas.Series
        Mean rank of each system over tasks (1 = best), sorted.
    critical_difference : float
        Nemenyi CD: two systems whose mean ranks differ by more are significantly different.
    alpha : float
    n_tasks, n_systems : int
    groups : tuple of tuple of str
        Maximal groups of systems, consecutive in mean rank, whose mean ranks
        are all within CD of each other (the bars of a CD diagram).
    """

    statistic: float
    pvalue: float
    iman_davenport: float
    pvalue_iman_davenport: float
    mean_ranks: pd.Series = field(repr=False)
    critical_difference: float
    alpha: float
    n_tasks: int
    n_systems: int
    groups: tuple[tuple[str, ...], ...] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """``system, mean_rank`` sorted by mean rank, plus the group indices each system belongs to."""
        df = self.mean_ranks.rename("mean_rank").reset_index()
        df.columns = ["system", "mean_rank"]
        df["groups"] = [",".join(str(g) for g, grp in enumerate(self.groups) if s in grp) for s in df["system"]]
        return df

    def different(self) -> pd.DataFrame:
        """Systems x systems: whether two mean ranks differ by more than the critical difference.

        With :attr:`mean_ranks`, the input of a critical difference diagram
        (e.g. ``scikit_posthocs.critical_difference_diagram(ranks, ~different)``).
        """
        r = self.mean_ranks
        d = np.abs(r.to_numpy()[:, None] - r.to_numpy()[None, :]) > self.critical_difference
        return pd.DataFrame(d, index=r.index, columns=r.index)

    def groups_frame(self) -> pd.DataFrame:
        """The bars of a critical difference diagram, one row per group of two or more systems.

        Columns: ``group`` (index in :attr:`groups`), ``first`` and ``last``
        (best and worst system of the group), ``low`` and ``high`` (their mean
        ranks: where the bar starts and ends), ``n_systems``.

        Examples
        --------
        >>> import rankagg
        >>> from rankagg.uncertainty.stats import friedman_nemenyi
        >>> friedman_nemenyi(rankagg.load_example("toy")).groups_frame()
           group   first    last  low  high  n_systems
        0      0  Osprey    Wren  1.4   4.2          5
        1      1  Kestrel  Plover  3.3   6.0          4
        """
        r = self.mean_ranks
        rows = [
            {
                "group": g,
                "first": grp[0],
                "last": grp[-1],
                "low": float(r[grp[0]]),
                "high": float(r[grp[-1]]),
                "n_systems": len(grp),
            }
            for g, grp in enumerate(self.groups)
        ]
        return pd.DataFrame(rows, columns=["group", "first", "last", "low", "high", "n_systems"])


def friedman_nemenyi(table: ScoreTable, *, alpha: float = 0.05, atol: float = 0.0, rtol: float = 0.0) -> FriedmanResult:
    """Friedman test over tasks with the Nemenyi critical difference (Demšar 2006).

    Parameters
    ----------
    table : ScoreTable
        Complete table (no missing scores); tasks are the blocks.
    alpha : float, default 0.05
        Significance level.
    atol, rtol : float
        Tie tolerances for ranking each task.

    Notes
    -----
    With :math:`R_j` the mean rank of system :math:`j` over :math:`N` tasks and
    :math:`k` systems,

    .. math:: \\chi^2_F = \\frac{12N}{k(k+1)}\\Big[\\sum_j R_j^2 - \\frac{k(k+1)^2}{4}\\Big] / C,
              \\qquad F_F = \\frac{(N-1)\\chi^2_F}{N(k-1) - \\chi^2_F},

    where :math:`C = 1 - \\sum (t^3 - t) / (N (k^3 - k))` corrects for ties of
    size :math:`t`; :math:`CD = q_\\alpha \\sqrt{k(k+1)/(6N)}`. Task weights are
    not used (the test counts tasks).

    Examples
    --------
    >>> import rankagg
    >>> from rankagg.uncertainty.stats import friedman_nemenyi
    >>> res = friedman_nemenyi(rankagg.load_example("toy"))
    >>> round(res.critical_difference, 3), res.mean_ranks.index[0]
    (3.372, 'Osprey')
    """
    from scipy import stats

    table = as_table(table)
    alpha = _check_alpha(alpha)
    _complete(table, "friedman_nemenyi")
    r = rank_table(table, atol=atol, rtol=rtol).ranks  # (k systems, N tasks)
    k, n = r.shape
    if n < 2:
        raise RankaggError("friedman_nemenyi needs at least two tasks.")
    mean_r = r.mean(axis=1)
    chi = 12.0 * n / (k * (k + 1)) * (np.sum(mean_r**2) - k * (k + 1) ** 2 / 4.0)
    ties = 0.0
    for j in range(n):
        _, counts = np.unique(r[:, j], return_counts=True)
        ties += float(np.sum(counts**3 - counts))
    c = 1.0 - ties / (n * (k**3 - k))
    chi = chi / c if c > 0 else 0.0
    p = float(stats.chi2.sf(chi, k - 1))
    denom = n * (k - 1) - chi
    ff = (n - 1) * chi / denom if denom > 0 else float("inf")
    pf = float(stats.f.sf(ff, k - 1, (k - 1) * (n - 1))) if np.isfinite(ff) else 0.0
    cd = nemenyi_critical_value(k, alpha=alpha) * np.sqrt(k * (k + 1) / (6.0 * n))
    order = list(np.argsort(mean_r, kind="stable"))
    groups = tuple(tuple(table.systems[i] for i in g) for g in _threshold_groups(mean_r, cd))
    mr = pd.Series(mean_r, index=pd.Index(table.systems, name="system")).iloc[order]
    return FriedmanResult(
        statistic=float(chi),
        pvalue=p,
        iman_davenport=float(ff),
        pvalue_iman_davenport=pf,
        mean_ranks=mr,
        critical_difference=float(cd),
        alpha=alpha,
        n_tasks=n,
        n_systems=k,
        groups=groups,
    )


@dataclass(frozen=True, eq=False)
class WilcoxonResult:
    """Pairwise Wilcoxon signed-rank tests with Holm's correction.

    Attributes
    ----------
    pairs : pandas.DataFrame
        One row per pair: ``system_a, system_b, statistic, pvalue, method,
        pvalue_holm, significant``; ``method`` is how that p-value was
        computed: ``"exact"`` (the exact null distribution of the signed-rank
        statistic) or ``"asymptotic"`` (the normal approximation with the
        tie correction of its variance).
    alpha : float
    groups : tuple of tuple of str
        Maximal groups of systems, consecutive in mean rank, with no
        significant difference between any two members.
    """

    pairs: pd.DataFrame = field(repr=False)
    alpha: float
    groups: tuple[tuple[str, ...], ...] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The pairs table."""
        return self.pairs.copy()


def _signed_rank_exact(d: np.ndarray, zero_method: str) -> tuple[float, float]:
    """Two-sided exact signed-rank test of the differences ``d`` (ties and zeros allowed): statistic, p-value.

    The statistic is scipy's: the smaller of the positive and negative rank
    sums (zeros ranked but unsigned under ``"pratt"``, their ranks split
    between the two under ``"zsplit"``, dropped under ``"wilcox"``).
    """
    from scipy.stats import rankdata

    if zero_method == "wilcox":
        d = d[d != 0]
    r2 = np.rint(2.0 * rankdata(np.abs(d))).astype(np.int64)  # doubled midranks: integers
    nz = d != 0
    dist = np.zeros(int(r2[nz].sum()) + 1)  # distribution of the doubled positive rank sum under sign flips
    dist[0] = 1.0
    for v in r2[nz]:
        nxt = dist.copy()
        nxt[v:] += dist[: dist.size - v]
        dist = nxt / 2.0
    pos, neg = int(r2[d > 0].sum()), int(r2[d < 0].sum())
    p = min(1.0, 2.0 * min(float(dist[: pos + 1].sum()), float(dist[pos:].sum())))
    split = float(r2[~nz].sum()) / 2.0 if zero_method == "zsplit" else 0.0
    return (min(pos, neg) + split) / 2.0, p


def wilcoxon_holm(table: ScoreTable, *, alpha: float = 0.05, zero_method: str = "wilcox") -> WilcoxonResult:
    """Wilcoxon signed-rank test for every pair of systems over tasks, Holm-corrected.

    Scores are oriented (lower-is-better tasks negated) before differencing.
    The test compares raw score differences, so it is not invariant to
    rescaling a task; the Friedman/Nemenyi route is.

    Parameters
    ----------
    table : ScoreTable
        Complete table (no missing scores); tasks are the paired observations.
    alpha : float, default 0.05
        Family-wise significance level (Holm).
    zero_method : {"wilcox", "pratt", "zsplit"}
        What a task on which two systems tie does (scipy's ``zero_method``):
        dropped, ranked but not signed, or split between the two signs.

    Notes
    -----
    The p-value of each pair is computed one of two ways, recorded in the
    column ``method``. Up to ``50`` tasks, ``"exact"``: the exact null
    distribution of the signed-rank sum given the ranks of the absolute
    differences (each nonzero difference positive or negative with
    probability 1/2), counted by dynamic programming over the doubled
    midranks, so it stays exact with ties and zeros; without ties and zeros it
    is the classical exact test (scipy's ``method="exact"``), with them the
    exhaustive permutation test (scipy's ``method="auto"`` for up to 13 tasks,
    which enumerates ``2**n`` sign flips per pair: over a minute for 10
    systems x 13 tasks). Above 50 tasks, ``"asymptotic"``: the normal
    approximation with the tie-corrected variance, no continuity correction
    (scipy's ``method="asymptotic"``). The normal approximation is not used
    on few tasks because it is anti-conservative there with ties: for eight
    equal differences it gives 0.0047 where the exact p-value is
    ``2 / 2**8 = 0.0078``.

    Examples
    --------
    >>> import rankagg
    >>> from rankagg.uncertainty.stats import wilcoxon_holm
    >>> res = wilcoxon_holm(rankagg.load_example("toy"))
    >>> res.pairs.columns.tolist()
    ['system_a', 'system_b', 'statistic', 'pvalue', 'method', 'pvalue_holm', 'significant']
    """
    from scipy import stats

    table = as_table(table)
    alpha = _check_alpha(alpha)
    if zero_method not in _ZERO_METHODS:
        raise RankaggError(
            f"zero_method={zero_method!r} is not a way of handling tasks on which two systems tie; use one of "
            f"{', '.join(map(repr, _ZERO_METHODS))}.{did_you_mean(str(zero_method), _ZERO_METHODS)}"
        )
    _complete(table, "wilcoxon_holm")
    x = table.oriented_scores()
    k, n = x.shape
    if n < 2:
        raise RankaggError("wilcoxon_holm needs at least two tasks.")
    rows = []
    for i, j in combinations(range(k), 2):
        d = x[i] - x[j]
        if np.all(d == 0):
            stat, p, how = 0.0, 1.0, "none: identical scores"
        else:
            how = "exact" if n <= _EXACT_MAX_TASKS else "asymptotic"
            if how == "exact":
                stat, p = _signed_rank_exact(d, zero_method)
            else:
                res = stats.wilcoxon(x[i], x[j], zero_method=zero_method, method=how)
                stat, p = float(res.statistic), float(res.pvalue)
        rows.append((table.systems[i], table.systems[j], stat, p, how))
    df = pd.DataFrame(rows, columns=["system_a", "system_b", "statistic", "pvalue", "method"])
    # Holm: step-down on sorted p-values, made monotone
    m = len(df)
    order = np.argsort(df["pvalue"].to_numpy(), kind="stable")
    adj = np.empty(m)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, (m - rank) * df["pvalue"].iloc[idx])
        adj[idx] = min(1.0, running)
    df["pvalue_holm"] = adj
    df["significant"] = adj < alpha
    mean_r = rank_table(table).ranks.mean(axis=1)
    same = np.ones((k, k), dtype=bool)
    for (i, j), sig in zip(combinations(range(k), 2), df["significant"], strict=True):
        same[i, j] = same[j, i] = not sig
    order_sys = list(np.argsort(mean_r, kind="stable"))
    groups = tuple(tuple(table.systems[i] for i in g) for g in _groups(order_sys, same))
    return WilcoxonResult(pairs=df, alpha=alpha, groups=groups)
