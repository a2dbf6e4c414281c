"""Probabilistic rules: Bradley-Terry (pairwise) and Plackett-Luce (rankings), fitted by maximum likelihood.

Both give every system a *strength* :math:`\\gamma_i = e^{\\theta_i}`; the score
of a system is its log-strength :math:`\\theta_i` (higher is better), and the
strengths, log-strengths (and, for Bradley-Terry, their standard errors) are in
``diagnostics``.

Bradley-Terry reads only the pairwise matrix, so it also ranks battle logs
(:func:`rankagg.data.battles.pairwise_from_battles`):
:math:`P(i \\text{ beats } j) = \\gamma_i / (\\gamma_i + \\gamma_j)`. A tie
counts as half a win for each side (``ties="half"``, the default), or is
modelled explicitly (``ties="davidson"``: Davidson 1970,
:math:`P(\\text{tie}) = \\nu \\sqrt{\\gamma_i \\gamma_j} / (\\gamma_i + \\gamma_j +
\\nu \\sqrt{\\gamma_i \\gamma_j})`, with :math:`\\nu` fitted too).

Plackett-Luce reads each task's ranking: the best system is chosen from all
ranked systems with probability proportional to its strength, the next from
the rest, and so on. Partial rankings (systems without a score) are rankings of
the scored subset, which the model handles exactly. Tied systems are chosen
together from the same remaining set (each with the probability
:math:`\\gamma_i / \\sum_{k \\in R} \\gamma_k`, Breslow's approximation); the
last group of a ranking carries no information and is skipped, so a tie says
nothing about the order of the tied systems.

**Existence, and the prior.** The maximum-likelihood strengths are finite only
when the comparisons are strongly connected: no group of systems that never
loses (or never wins) against the others (Zermelo 1929; Ford 1957; Hunter
2004). With ``prior > 0`` (the default, 1) every system also plays ``prior``
virtual games against a reference system of strength 1, winning half: a
maximum a posteriori estimate that is always finite and shrinks little once a
system has more than a handful of comparisons. ``prior=0`` gives the plain
maximum-likelihood estimate and raises an error naming the systems when it does
not exist. Systems that were never compared, directly or through others
(a comparison graph in several pieces), get an error with either setting:
their strengths could not be compared.

**Uncertainty.** Only differences of log-strengths are identified by the
comparisons (a common shift changes no probability), so the log-strengths
are reported centred (sum-to-zero) and ``diagnostics["standard_errors"]``
and ``diagnostics["covariance"]`` refer to them (``se_parametrization``):
the covariance is :math:`C I^{-1} C`, with :math:`I` the observed
information (minus the Hessian) of the fitted objective at the optimum and
:math:`C = \\mathbf{I} - \\mathbf{1}\\mathbf{1}^T / n` the centring matrix
(a Laplace approximation; ``se_method``). The prior's virtual games are
included: they are part of the objective that produced the estimate and add
at most ``prior / 4`` to each system's information, which stops mattering
once a system has played tens of real games; with ``prior=0`` these are the
usual maximum-likelihood standard errors. A per-system standard error is the
uncertainty of a system relative to the average system; whether two
systems differ is answered by the standard error of their difference,
:math:`\\sqrt{\\Sigma_{ii} + \\Sigma_{jj} - 2\\Sigma_{ij}}`
(:func:`strength_differences`). Weights are read as counts of independent
comparisons (battles, or task rankings for Plackett-Luce), so these rest on
the model; :func:`rankagg.bootstrap` resamples the tasks of a score table
(battle logs are not resampled yet). Davidson's information is taken by
central differences of the exact gradient, its tie parameter marginalised
out. Before this, the
log-strengths were reported relative to the prior's reference system, and
their standard errors measured mostly how well the prior pins that
reference: about 0.3 for every system of the AlpacaEval 1.0 battle log
(42,604 battles) instead of 0.016 to 0.23.

Both log-likelihoods are concave in :math:`\\theta`; rankagg maximises them with
Newton's method and a backtracking line search (the gradients are the
minorize-maximize quantities of Hunter 2004), falling back to L-BFGS for very
large Plackett-Luce profiles; Davidson's model is fitted with L-BFGS, started
from the Bradley-Terry solution.

Why this module is long: Two rules that share one fitting engine (Newton on the sum-to-zero
parametrisation, with an MM fallback) and its standard errors; apart, each would carry a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RuleError, did_you_mean, preview
from rankagg.rules.base import RuleInput, RuleOutput, register

__all__ = ["StrengthDifferences", "fit_bradley_terry", "fit_plackett_luce", "strength_differences"]

#: What ``diagnostics["standard_errors"]`` and ``diagnostics["covariance"]`` refer to.
SE_PARAMETRIZATION = "sum-to-zero log-strength"
_SE_LAPLACE = (
    "inverse observed information of the fitted objective (log-likelihood plus the prior's virtual games, if any), "
    "projected on the sum-to-zero log-strengths"
)

_TIES = ("half", "davidson")
# Newton steps longer than this (in log-strength) are shortened: a trust region against near-singular information
_MAX_STEP = 4.0
# Plackett-Luce: Newton's method while the information matrix costs less than this (sum of squared ranking
# lengths); L-BFGS beyond
_NEWTON_MAX_WORK = 5e8


# ----------------------------------------------------------------------------- checks shared by both models
def _check_prior(prior: Any, rule: str) -> float:
    try:
        a = float(prior)
    except (TypeError, ValueError):
        a = float("nan")
    if not (np.isfinite(a) and a >= 0):
        raise RuleError(
            f"rule {rule!r}: prior={prior!r} must be a finite number >= 0 (virtual games against a reference "
            "system; 0 = plain maximum likelihood)."
        )
    return a


def _check_connected(games: np.ndarray, systems: tuple[str, ...], rule: str) -> None:
    """Error when the comparison graph (an edge where two systems were compared) is in several pieces."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    k, lab = connected_components(csr_matrix(games > 0), directed=False)
    if k <= 1:
        return
    groups = [[systems[i] for i in np.nonzero(lab == c)[0]] for c in range(k)]
    groups.sort(key=len, reverse=True)
    shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3]) + (f"; ... ({k} groups)" if k > 3 else "")
    raise RuleError(
        f"rule {rule!r}: the comparison graph is not connected: no comparison links the groups {shown}, so "
        "their strengths cannot be compared. Rank each group separately (include=... / exclude=...; CLI: "
        "--include, --exclude), or add comparisons between them."
    )


def _check_mle_exists(beats: np.ndarray, systems: tuple[str, ...], rule: str) -> None:
    """With prior=0: error unless the 'ranked above at least once' digraph is strongly connected."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    k, lab = connected_components(csr_matrix(beats), directed=True, connection="strong")
    if k <= 1:
        return
    src, dst = np.nonzero(beats)
    cross = lab[src] != lab[dst]
    has_in = np.zeros(k, dtype=bool)
    has_in[lab[dst[cross]]] = True
    has_out = np.zeros(k, dtype=bool)
    has_out[lab[src[cross]]] = True
    top = [systems[i] for i in np.nonzero(~has_in[lab])[0]]
    bottom = [systems[i] for i in np.nonzero(~has_out[lab])[0]]
    raise RuleError(
        f"rule {rule!r}: with prior=0 the maximum-likelihood strengths do not exist: {preview(top, 4)} never "
        f"lose to the other systems and {preview(bottom, 4)} never beat them, so their strengths run off to "
        "infinity. Pass prior=1 (each system plays one virtual game against a reference, which keeps every "
        "strength finite; CLI: --param prior=1), or rank with a rule that needs no model (copeland, kemeny)."
    )


def _snap(theta: np.ndarray, tol: float) -> np.ndarray:
    """Merge values closer than ``tol`` (consecutive in sorted order) into their mean: solver noise, not ties."""
    order = np.argsort(theta, kind="stable")
    sv = theta[order]
    group = np.concatenate([[0], np.cumsum(np.diff(sv) > tol)])
    means = np.bincount(group, weights=sv) / np.bincount(group)
    out = np.empty_like(theta)
    out[order] = means[group]
    return out


def _strength_diagnostics(
    systems: tuple[str, ...], theta: np.ndarray, cov: np.ndarray | None, method: str
) -> dict[str, Any]:
    """Strengths, sum-to-zero log-strengths and (when ``cov`` is known) their standard errors and covariance."""
    out: dict[str, Any] = {
        "strengths": {s: float(np.exp(t)) for s, t in zip(systems, theta, strict=True)},
        "log_strengths": {s: float(t) for s, t in zip(systems, theta, strict=True)},
        "standard_errors": None,
        "covariance": None,
        "se_parametrization": SE_PARAMETRIZATION,
        "se_method": method,
    }
    if cov is not None:
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        out["standard_errors"] = {s: float(x) for s, x in zip(systems, se, strict=True)}
        out["covariance"] = tuple(tuple(row) for row in cov.tolist())
    return out


def _centred_covariance(info: np.ndarray, prior: float) -> np.ndarray:
    """Covariance of the sum-to-zero log-strengths: ``C inv(info) C``, ``C = I - 11'/n`` the centring matrix.

    ``info`` is minus the Hessian of the fitted objective at the optimum. With
    ``prior == 0`` it is singular along ``1`` (a common shift changes no
    probability); a multiple of ``11'`` is added first, which the centring
    removes again, so the result is the Moore-Penrose inverse of ``info``.
    """
    n = info.shape[0]
    m = info if prior else info + float(np.mean(np.diag(info))) / max(n, 1)
    try:
        cov = np.linalg.inv(m)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(m, hermitian=True)
    return _centre_cov(cov)


def _centre_cov(cov: np.ndarray) -> np.ndarray:
    """``C cov C`` (``C`` the centring matrix), symmetrised: the covariance of ``theta - mean(theta)``."""
    cov = cov - cov.mean(axis=0, keepdims=True)
    cov = cov - cov.mean(axis=1, keepdims=True)
    return (cov + cov.T) / 2.0


def _centre(theta: np.ndarray) -> np.ndarray:
    return theta - theta.mean()


@dataclass(frozen=True, eq=False)
class StrengthDifferences:
    """Differences of log-strengths between every two systems, with standard errors.

    Built by :func:`strength_differences` from a Bradley-Terry or
    Plackett-Luce result: ``difference = theta_a - theta_b`` (log of the odds
    that ``a`` is preferred to ``b``) and its standard error
    ``sqrt(cov[a, a] + cov[b, b] - 2 cov[a, b])``. A difference does not
    depend on how the log-strengths are anchored, so this answers "do these
    two differ?" directly.

    Attributes
    ----------
    systems : tuple of str
        Systems, in the result's order.
    log_strengths : numpy.ndarray
        Sum-to-zero log-strengths.
    covariance : numpy.ndarray
        Their covariance (``se_method`` says how it was obtained).
    se_method : str
        How the covariance was obtained (``diagnostics["se_method"]``).
    """

    systems: tuple[str, ...]
    log_strengths: np.ndarray = field(repr=False)
    covariance: np.ndarray = field(repr=False)
    se_method: str

    def _index(self, name: str, param: str) -> int:
        try:
            return self.systems.index(name)
        except ValueError:
            raise RuleError(
                f"strength_differences: {param}={name!r} is not a system of this result; systems: "
                f"{preview(self.systems, 6)}.{did_you_mean(str(name), self.systems)}"
            ) from None

    def se(self, a: str, b: str) -> float:
        """Standard error of ``theta_a - theta_b``."""
        i, j = self._index(a, "a"), self._index(b, "b")
        c = self.covariance
        return float(np.sqrt(max(c[i, i] + c[j, j] - 2.0 * c[i, j], 0.0)))

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """One row per pair ``a`` before ``b`` in ``systems`` order.

        Columns ``system_a, system_b, difference, se, low, high, z, p_value``:
        a normal (Wald) interval at ``level`` and the two-sided p-value of
        ``difference == 0``.
        """
        lv = float(level)
        if not 0.0 < lv < 1.0:
            raise RuleError(f"strength_differences: level={level!r} must be in (0, 1), e.g. level=0.95.")
        from scipy.special import ndtr, ndtri

        n = len(self.systems)
        i, j = np.triu_indices(n, 1)
        c, t = self.covariance, self.log_strengths
        diff = t[i] - t[j]
        se = np.sqrt(np.clip(c[i, i] + c[j, j] - 2.0 * c[i, j], 0.0, None))
        half = float(ndtri(0.5 + lv / 2.0)) * se
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.nan)
        names = np.asarray(self.systems, dtype=object)
        return pd.DataFrame(
            {
                "system_a": names[i],
                "system_b": names[j],
                "difference": diff,
                "se": se,
                "low": diff - half,
                "high": diff + half,
                "z": z,
                "p_value": 2.0 * ndtr(-np.abs(z)),
            }
        )


def strength_differences(result: Any) -> StrengthDifferences:
    """Log-strength differences and their standard errors from a Bradley-Terry or Plackett-Luce result.

    Parameters
    ----------
    result : RankingResult
        ``aggregate(..., rule="bradley_terry")`` or ``rule="plackett_luce"``.

    Returns
    -------
    StrengthDifferences
        ``.se(a, b)`` for one pair, ``.to_frame()`` for every pair.

    Examples
    --------
    >>> import numpy as np, rankagg
    >>> from rankagg.data.battles import PairwiseProfile
    >>> from rankagg.rules.probabilistic import strength_differences
    >>> wins = np.array([[0.0, 30.0], [10.0, 0.0]])  # A beat B 30 times, lost 10 times
    >>> res = rankagg.aggregate(PairwiseProfile(("A", "B"), wins, np.zeros((2, 2)), total_weight=40.0),
    ...                         rule="bradley_terry", prior=0)
    >>> d = strength_differences(res)
    >>> bool(np.isclose(d.se("A", "B"), np.sqrt(1 / 30 + 1 / 10)))  # se of the log-odds log(30/10)
    True
    >>> d.to_frame()[["system_a", "system_b", "difference", "se"]].round(4)
      system_a system_b  difference      se
    0        A        B      1.0986  0.3651
    """
    diag = getattr(result, "diagnostics", None) or {}
    cov = diag.get("covariance")
    if cov is None:
        rule = getattr(result, "rule", type(result).__name__)
        why = diag.get("se_method") or "this rule does not fit strengths"
        raise RuleError(
            f"strength_differences: result={rule!r} carries no covariance of log-strengths ({why}). Pass the "
            "result of aggregate(..., rule='bradley_terry') or rule='plackett_luce', or use "
            "rankagg.bootstrap for any rule."
        )
    systems = tuple(result.systems)
    theta = np.array([diag["log_strengths"][s] for s in systems])
    return StrengthDifferences(systems, theta, np.array(cov, dtype=np.float64), str(diag.get("se_method")))


# ----------------------------------------------------------------------------- Bradley-Terry
def _bt_information(theta: np.ndarray, games: np.ndarray, prior: float) -> np.ndarray:
    """Minus the Hessian of the Bradley-Terry log-likelihood (plus the prior) at ``theta``."""
    from scipy.special import expit

    p = expit(theta[:, None] - theta[None, :])
    v = games * p * (1.0 - p)
    info = -v
    np.fill_diagonal(info, v.sum(axis=1) - np.diag(v))
    if prior:
        s0 = expit(theta)
        info[np.diag_indices(theta.size)] += prior * s0 * (1.0 - s0)
    return info


def _fit_bt(a: np.ndarray, prior: float, max_iter: int, tol: float) -> tuple[np.ndarray, int, bool]:
    """Newton's method on the half-win log-likelihood ``a`` (diagonal 0); log-strengths relative to the reference.

    The pairs that met are handed to the one Bradley-Terry fitter of the package,
    :func:`rankagg.rules.bt_counts.newton_fit` (which also fits Arena battle counts).
    """
    from rankagg.rules.bt_counts import newton_fit

    games = a + a.T
    i, j = np.nonzero(np.triu(games > 0, 1))
    return newton_fit(i, j, a[i, j], a[j, i], a.shape[0], prior, None, tol, max_iter)


def _half_wins(wins: Any, ties: Any) -> np.ndarray:
    w = np.asarray(wins, dtype=np.float64)
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=np.float64)
    a = w + t / 2.0
    np.fill_diagonal(a, 0.0)
    return a


def fit_bradley_terry(
    wins: Any, ties: Any = None, *, prior: float = 1.0, max_iter: int = 200, tol: float = 1e-11
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Bradley-Terry log-strengths with ties as half wins (Newton's method on the log-likelihood).

    Parameters
    ----------
    wins, ties : array_like of shape (n, n)
        Weighted pairwise wins (``wins[i, j]``: ``i`` beat ``j``) and ties.
    prior : float, default 1
        Virtual games of each system against a reference of strength 1, half
        won (0 = maximum likelihood; the caller checks that it exists).
    max_iter : int
        Newton iterations at most.
    tol : float
        Stop when no log-strength moves by more than ``tol``.

    Returns
    -------
    theta : numpy.ndarray
        Sum-to-zero log-strengths (the fit, shifted to mean 0: only
        differences are identified by the games).
    se : numpy.ndarray
        Standard errors of ``theta``: square roots of the diagonal of
        ``C inv(I) C``, ``I`` the observed information of the fitted objective
        (the prior's virtual games included) and ``C`` the centring matrix;
        weights are read as counts of independent comparisons. Each is the
        uncertainty of a system relative to the average system; the standard
        error of a difference needs the covariance
        (:func:`strength_differences`).
    iterations : int
    converged : bool

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rules.probabilistic import fit_bradley_terry
    >>> theta, se, it, ok = fit_bradley_terry(np.array([[0.0, 3.0], [1.0, 0.0]]), prior=0.0)
    >>> float(np.exp(theta[0]) / np.exp(theta).sum())  # p = w / (w + l)
    0.75
    >>> bool(np.isclose(2 * se[0], np.sqrt(1 / 3 + 1 / 1)))  # se of the log-odds log(3/1), split in two
    True
    """
    a = _half_wins(wins, ties)
    theta, it, converged = _fit_bt(a, float(prior), int(max_iter), float(tol))
    cov = _centred_covariance(_bt_information(theta, a + a.T, float(prior)), float(prior))
    return _centre(theta), np.sqrt(np.clip(np.diag(cov), 0.0, None)), it, converged


def _fit_davidson(
    wins: np.ndarray, ties: np.ndarray, theta0: np.ndarray, prior: float, max_iter: int
) -> tuple[np.ndarray, float, np.ndarray, int, bool]:
    """Davidson's model by L-BFGS: log-strengths (relative to the reference), ``nu``, the sum-to-zero covariance."""
    from scipy.optimize import minimize

    n = wins.shape[0]
    w = wins.copy()
    np.fill_diagonal(w, 0.0)
    t = ties.copy()
    np.fill_diagonal(t, 0.0)
    games = w + w.T + t
    half_won = w.sum(axis=1) + t.sum(axis=1) / 2.0 + prior / 2.0
    tie_total = t.sum() / 2.0
    pairs_total = games.sum() / 2.0
    share = tie_total / max(pairs_total, 1e-300)
    delta0 = np.log(max(2.0 * share / max(1.0 - share, 1e-12), 1e-6))

    def negll(x: np.ndarray) -> tuple[float, np.ndarray]:
        from scipy.special import expit

        th, dl = x[:n], x[n]
        mid = dl + (th[:, None] + th[None, :]) / 2.0
        logd = np.logaddexp(np.logaddexp(th[:, None], th[None, :]), mid)
        ll = float((w * (th[:, None] - logd)).sum()) + 0.5 * float((t * (mid - logd)).sum())
        q = np.exp(th[:, None] - logd) + 0.5 * np.exp(mid - logd)  # d log D_ij / d theta_i
        tie_p = np.exp(mid - logd)
        g = half_won - (games * q).sum(axis=1)
        gd = tie_total - 0.5 * float((games * tie_p).sum())
        if prior:
            ll += prior / 2.0 * float(th.sum()) - prior * float(np.logaddexp(0.0, th).sum())
            g = g - prior * expit(th)
        return -ll, -np.concatenate([g, [gd]])

    res = minimize(
        negll,
        np.concatenate([theta0, [delta0]]),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter * 50, "gtol": 1e-10, "ftol": 1e-15},
    )
    # information: central differences of the exact gradient (n + 1 gradients of O(n^2) each)
    x = res.x
    info = np.empty((n + 1, n + 1))
    for k in range(n + 1):
        h = 1e-5 * max(1.0, abs(float(x[k])))
        e = np.zeros(n + 1)
        e[k] = h
        info[:, k] = (negll(x + e)[1] - negll(x - e)[1]) / (2.0 * h)
    info = (info + info.T) / 2.0
    if not prior:  # singular along (1, ..., 1, 0): a common shift; the centring below removes what this adds
        info[:n, :n] += float(np.mean(np.diag(info)[:n])) / n
    try:
        full = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        full = np.linalg.pinv(info, hermitian=True)
    # the theta block of the inverse marginalises over nu; then centre
    cov = _centre_cov(full[:n, :n])
    th = x[:n]
    if not prior:
        th = th - th.mean()
    return th, float(np.exp(x[n])), cov, int(res.nit), bool(res.success)


@register(
    "bradley_terry",
    family="probabilistic",
    summary="Bradley-Terry: strengths fitted to the pairwise wins (ties half a win, or Davidson's tie model); "
    "ranks by log-strength.",
    score_name="log-strength",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("bt", "btl", "bradley_terry_luce"),
    reference="Zermelo (1929); Bradley & Terry (1952); Davidson (1970); Hunter (2004), 'MM algorithms for "
    "generalized Bradley-Terry models'.",
    pairwise_ok=True,
)
def bradley_terry(
    inp: RuleInput,
    *,
    ties: str = "half",
    prior: float = 1.0,
    max_iter: int = 200,
) -> RuleOutput:
    """Bradley-Terry log-strengths, higher is better.

    ``ties="half"``: a tie is half a win for each side; ``"davidson"``: ties
    follow Davidson's model, whose tie parameter ``nu`` is fitted too (in
    ``diagnostics["tie_parameter"]``). ``prior`` virtual games against a
    reference of strength 1 (half won) keep the strengths finite; ``prior=0``
    is plain maximum likelihood (an error names the systems when it does not
    exist). ``diagnostics``: ``strengths``, ``log_strengths`` (sum-to-zero),
    ``standard_errors`` and ``covariance`` (of the sum-to-zero log-strengths,
    in the order of the result's systems; ``se_parametrization``,
    ``se_method``), ``ties``, ``tie_parameter``, ``prior``, ``iterations``,
    ``converged``, ``comparisons`` (total weight of the compared pairs).
    Standard errors of differences: :func:`strength_differences`.
    """
    if ties not in _TIES:
        raise RuleError(
            f"rule 'bradley_terry': ties={ties!r} is not a tie model; use 'half' (a tie is half a win each) or "
            f"'davidson' (Davidson 1970).{did_you_mean(str(ties), _TIES)}"
        )
    alpha = _check_prior(prior, "bradley_terry")
    wins, tie_m = inp.pairwise
    wins = np.asarray(wins, dtype=np.float64)
    tie_m = np.asarray(tie_m, dtype=np.float64)
    systems = tuple(inp.systems)
    games = wins + wins.T + tie_m
    np.fill_diagonal(games, 0.0)
    _check_connected(games, systems, "bradley_terry")
    half = _half_wins(wins, tie_m)
    if not alpha:
        _check_mle_exists(half > 0, systems, "bradley_terry")
    theta, it, ok = _fit_bt(half, alpha, int(max_iter), 1e-11)
    nu = None
    if ties == "davidson" and float(np.triu(tie_m, 1).sum()) > 0:
        theta, nu, cov, it, ok = _fit_davidson(wins, tie_m, theta, alpha, int(max_iter))
    else:
        nu = 0.0 if ties == "davidson" else None  # no tie observed: Davidson's model reduces to Bradley-Terry
        cov = _centred_covariance(_bt_information(theta, half + half.T, alpha), alpha)
    theta = _snap(_centre(theta), 1e-9 if ties == "half" else 1e-7)
    diag = _strength_diagnostics(systems, theta, cov, _SE_LAPLACE)
    diag.update(
        {
            "ties": ties,
            "tie_parameter": nu,
            "prior": alpha,
            "iterations": it,
            "converged": ok,
            "comparisons": float(np.triu(games, 1).sum()),
        }
    )
    return RuleOutput(theta, higher_is_better=True, diagnostics=diag)


# ----------------------------------------------------------------------------- Plackett-Luce
class _PLData:
    """Sorted structure of a profile of weak orders, computed once; evaluates the log-likelihood and gradient.

    Per ranking (sorted best first), the systems of every tie group but the
    last are *chosen* from the systems not yet placed (the group and all below
    it); each choice contributes ``theta_i - log(sum of the strengths left)``.
    """

    def __init__(self, ranks: np.ndarray, weights: np.ndarray) -> None:
        n = ranks.shape[0]
        r = ranks.T  # (m, n)
        keep = (~np.isnan(r)).sum(axis=1) >= 2
        r, w = r[keep], weights[keep]
        m = r.shape[0]
        order = np.argsort(r, axis=1, kind="stable")  # NaN last
        sr = np.take_along_axis(r, order, axis=1)
        present = ~np.isnan(sr)
        new = np.ones_like(present)
        new[:, 1:] = sr[:, 1:] != sr[:, :-1]
        new &= present
        gid = np.cumsum(new, axis=1) - 1  # tie group of each position
        n_groups = new.sum(axis=1)
        nonfinal = present & (gid < (n_groups - 1)[:, None])
        pos = np.arange(n)
        k = present.sum(axis=1)
        starts = np.where(new, pos, n)
        shifted = np.concatenate([starts[:, 1:], np.full((m, 1), n)], axis=1)
        next_start = np.minimum.accumulate(shifted[:, ::-1], axis=1)[:, ::-1]
        end = np.minimum(next_start, k[:, None])
        self.n = n
        self.order = order
        self.present = present
        # at the first position of each non-final group: how many systems are chosen there
        self.size = np.where(new & nonfinal, end - pos, 0).astype(np.float64)
        self.w = w
        self.chosen = np.bincount(
            order[nonfinal], weights=np.broadcast_to(w[:, None], order.shape)[nonfinal], minlength=n
        )
        self.k = k
        self.work = int((k.astype(np.int64) ** 2).sum())  # cells of the information matrix's accumulation

    def evaluate(self, theta: np.ndarray, prior: float, *, hessian: bool = False) -> tuple[float, np.ndarray, Any]:
        """Log-likelihood (plus prior), its gradient and, optionally, the information matrix (minus the Hessian)."""
        from scipy.special import expit

        c = float(theta.max())
        gam = np.exp(theta - c)
        g = gam[self.order] * self.present
        suffix = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]  # strength of the systems not yet placed
        has = self.size > 0
        safe = np.where(has, suffix, 1.0)
        ll = float(self.chosen @ theta) - float(
            (self.w[:, None] * self.size * np.where(has, np.log(safe) + c, 0.0)).sum()
        )
        cum = np.cumsum(np.where(has, self.size / safe, 0.0), axis=1) * self.present
        den = np.bincount(self.order.ravel(), weights=(cum * self.w[:, None]).ravel(), minlength=self.n)
        grad = self.chosen - gam * den
        info = None
        if hessian:
            info = np.diag(gam * den) - self._outer(safe, has) * gam[:, None] * gam[None, :]
        if prior:
            ll += prior / 2.0 * float(theta.sum()) - prior * float(np.logaddexp(0.0, theta).sum())
            s0 = expit(theta)
            grad = grad + prior / 2.0 - prior * s0
            if info is not None:
                info[np.diag_indices(self.n)] += prior * s0 * (1.0 - s0)
        return ll, grad, info

    def _outer(self, safe: np.ndarray, has: np.ndarray) -> np.ndarray:
        """``sum over stages of s / S**2 * 1_R 1_R^T`` (R the systems left at the stage, S their strength).

        In a ranking's sorted coordinates the sum over its stages is the
        matrix ``C[min(p, q)]`` (``C`` the cumulative sum of ``s / S**2`` over
        its stages), so a ranking of ``k`` systems costs ``k**2``, whatever
        the number of systems; rankings are processed by length, in chunks.
        """
        n = self.n
        cum = np.cumsum(np.where(has, self.size / safe**2, 0.0) * self.w[:, None], axis=1)
        flat = np.zeros(n * n)
        for k in np.unique(self.k):
            rows = np.nonzero(self.k == k)[0]
            lo = np.minimum.outer(np.arange(k), np.arange(k))
            step = max(1, 2**22 // int(k * k))
            for a in range(0, rows.size, step):
                r = rows[a : a + step]
                o = self.order[r, :k]
                vals = cum[r, :k][:, lo]
                idx = o[:, :, None] * n + o[:, None, :]
                flat += np.bincount(idx.ravel(), weights=vals.ravel(), minlength=n * n)
        return flat.reshape(n, n)

    def negll(self, theta: np.ndarray, prior: float) -> tuple[float, np.ndarray]:
        """Minus the log-likelihood and its gradient (for L-BFGS)."""
        ll, grad, _ = self.evaluate(theta, prior)
        return -ll, -grad


def _newton_step(info: np.ndarray, grad: np.ndarray, prior: float) -> np.ndarray:
    """A Newton step on a concave log-likelihood, kept finite and at most ``_MAX_STEP`` long in every coordinate."""
    n = info.shape[0]
    if not prior:
        info = info + np.mean(np.diag(info)) / n  # gauge: the gradient sums to 0, so the step has no part along 1
    info = info + np.eye(n) * (1e-12 * max(float(np.max(np.abs(np.diag(info)))), 1e-300))
    try:
        step = np.linalg.solve(info, grad)
    except np.linalg.LinAlgError:
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
    if not np.all(np.isfinite(step)):
        step = np.clip(np.nan_to_num(grad), -1.0, 1.0)
    big = float(np.max(np.abs(step)))
    return step * (_MAX_STEP / big) if big > _MAX_STEP else step


def _newton(data: _PLData, prior: float, max_iter: int, tol: float) -> tuple[np.ndarray, int, bool]:
    n = data.n
    theta = np.zeros(n)
    ll, grad, info = data.evaluate(theta, prior, hessian=True)
    for it in range(1, max_iter + 1):
        step = _newton_step(info, grad, prior)
        scale = 1.0
        for _ in range(40):
            cand = theta + scale * step
            ll_new, _, _ = data.evaluate(cand, prior)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * max(1.0, abs(ll)):
                break
            scale /= 2.0
        else:  # no step up the likelihood: at the optimum, up to rounding
            return theta, it, float(np.max(np.abs(grad))) < 1e-6 * max(1.0, float(np.max(np.abs(data.chosen))))
        theta = cand if prior else cand - cand.mean()
        if float(np.max(np.abs(scale * step))) < tol:
            return theta, it, True
        ll, grad, info = data.evaluate(theta, prior, hessian=True)
    return theta, max_iter, False


def _fit_pl(ranks: Any, weights: Any, prior: float, max_iter: int) -> tuple[np.ndarray, np.ndarray | None, int, bool]:
    """Plackett-Luce log-strengths (relative to the reference) and the sum-to-zero covariance (None after L-BFGS)."""
    from scipy.optimize import minimize

    r = np.asarray(ranks, dtype=np.float64)
    w = np.ones(r.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    data = _PLData(r, w)
    n = r.shape[0]
    if data.work <= _NEWTON_MAX_WORK:  # Newton: one information matrix per step
        theta, it, ok = _newton(data, prior, min(max_iter, 200), 1e-11)
        info = data.evaluate(theta, prior, hessian=True)[2]
        return theta, _centred_covariance(info, prior), it, ok
    res = minimize(
        data.negll,
        np.zeros(n),
        args=(prior,),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": 1e-10, "ftol": 1e-16, "maxcor": 30},
    )
    theta = res.x
    if not prior:
        theta = theta - theta.mean()
    return theta, None, int(res.nit), bool(res.success or np.max(np.abs(res.jac)) < 1e-8)


def fit_plackett_luce(
    ranks: Any, weights: Any = None, *, prior: float = 1.0, max_iter: int = 10_000
) -> tuple[np.ndarray, int, bool]:
    """Plackett-Luce log-strengths from a profile of (partial) weak orders.

    Parameters
    ----------
    ranks : array_like of shape (n_systems, n_voters)
        Ranks (1 = best; equal = tied; NaN = not ranked).
    weights : array_like of shape (n_voters,), optional
        Voter weights (default 1).
    prior : float, default 1
        Virtual games against a reference of strength 1, half won.
    max_iter : int
        Iterations at most (Newton's method; L-BFGS for very large profiles).

    Returns
    -------
    theta : numpy.ndarray
        Log-strengths (centred when ``prior == 0``; relative to the reference
        otherwise). The rule reports them centred, with standard errors.
    iterations : int
    converged : bool

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rules.probabilistic import fit_plackett_luce
    >>> theta, _, ok = fit_plackett_luce(np.array([[1.0, 1.0, 2.0], [2.0, 3.0, 1.0], [3.0, 2.0, 3.0]]))
    >>> [int(i) for i in np.argsort(-theta)], ok
    ([0, 1, 2], True)
    """
    theta, _, it, ok = _fit_pl(ranks, weights, float(prior), int(max_iter))
    return theta, it, ok


@register(
    "plackett_luce",
    family="probabilistic",
    summary="Plackett-Luce: strengths fitted to the task rankings (full or partial; tied systems chosen "
    "together); ranks by log-strength.",
    score_name="log-strength",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("pl", "luce", "plackett"),
    reference="Luce (1959); Plackett (1975); Hunter (2004), 'MM algorithms for generalized Bradley-Terry models'.",
)
def plackett_luce(inp: RuleInput, *, prior: float = 1.0, max_iter: int = 10_000) -> RuleOutput:
    """Plackett-Luce log-strengths from each task's ranking, higher is better.

    Each task column is a ranking of the systems it scores (a partial ranking
    when some are missing), weighted by the task's weight. Tied systems are
    chosen together from the same remaining set (Breslow); the last tie group
    of a ranking is skipped. ``prior`` virtual games against a reference of
    strength 1 keep the strengths finite (``prior=0``: maximum likelihood,
    which must exist). ``diagnostics``: ``strengths``, ``log_strengths``
    (sum-to-zero), ``standard_errors`` and ``covariance`` (of the sum-to-zero
    log-strengths, each task ranking read as one independent observation;
    None for profiles so large that the fit uses L-BFGS), ``se_parametrization``,
    ``se_method``, ``prior``, ``iterations``, ``converged``. Standard errors
    of differences: :func:`strength_differences`.
    """
    alpha = _check_prior(prior, "plackett_luce")
    systems = tuple(inp.systems)
    wins, ties = inp.pairwise
    games = np.asarray(wins) + np.asarray(wins).T + np.asarray(ties)
    np.fill_diagonal(games, 0.0)
    _check_connected(games, systems, "plackett_luce")
    if not alpha:
        beats = np.asarray(wins) > 0
        np.fill_diagonal(beats, False)
        _check_mle_exists(beats, systems, "plackett_luce")
    theta, cov, it, ok = _fit_pl(inp.rankings.ranks, inp.rankings.weights, alpha, int(max_iter))
    theta = _snap(_centre(theta), 1e-9)
    method = _SE_LAPLACE if cov is not None else "not computed: the profile is so large that the fit uses L-BFGS"
    diag: dict[str, Any] = _strength_diagnostics(systems, theta, cov, method)
    diag.update({"prior": alpha, "iterations": it, "converged": ok})
    return RuleOutput(theta, higher_is_better=True, diagnostics=diag)
