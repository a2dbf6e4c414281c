"""Bradley-Terry fitted on battle counts by Newton's method (:func:`fit_bt_counts`): the information matrix is
``n x n`` over the pairs that met, a line search keeps every step uphill, a tie counts as half a win; the maximum
likelihood is refused with the systems named when it does not exist (``prior=0``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rankagg._errors import preview
from rankagg._threads import one_blas_thread
from rankagg.data.battle_counts import BattleCounts
from rankagg.data.battles import BattleError

__all__ = ["check_prior", "fit_bt_counts", "mle_exists", "newton_fit", "no_mle_message", "pairs_connected"]


# ----------------------------------------------------------------------------- fitting
def _components(i: np.ndarray, j: np.ndarray, n: int, directed: bool) -> tuple[int, np.ndarray]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    g = csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    return connected_components(g, directed=directed, connection="strong")


def _reaches_all(src: np.ndarray, dst: np.ndarray, n: int) -> bool:
    """Whether every node is reachable from node 0 along the edges ``src -> dst`` (frontier sweeps in numpy:
    a few passes over the edges for the small diameters of comparison graphs, no scipy import)."""
    reach = np.zeros(n, dtype=bool)
    reach[0] = True
    count = 1
    while True:
        reach[dst[reach[src]]] = True
        new = int(reach.sum())
        if new == count:
            return count == n
        count = new


def pairs_connected(i: np.ndarray, j: np.ndarray, n: int) -> bool:
    """Whether the comparison graph (an edge per pair that met) is in one piece."""
    return _reaches_all(np.concatenate([i, j]), np.concatenate([j, i]), n)


def mle_exists(i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, n: int) -> bool:
    """Whether the 'won at least half a battle against' digraph is strongly connected (Ford 1957): everyone is
    reachable from system 0 along wins and along losses."""
    src = np.concatenate([i[wij > 0], j[wji > 0]])
    dst = np.concatenate([j[wij > 0], i[wji > 0]])
    return _reaches_all(src, dst, n) and _reaches_all(dst, src, n)


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_expit(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _loglik(theta: np.ndarray, i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, prior: float) -> float:
    d = theta[i] - theta[j]
    ll = float(wij @ _log_expit(d) + wji @ _log_expit(-d))
    if prior:
        ll += prior / 2.0 * float((_log_expit(theta) + _log_expit(-theta)).sum())
    return ll


def newton_fit(
    i: np.ndarray,
    j: np.ndarray,
    wij: np.ndarray,
    wji: np.ndarray,
    n: int,
    prior: float,
    theta0: np.ndarray | None,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, bool]:
    """Newton's method with a backtracking line search on the half-win log-likelihood over the pairs that met."""
    m = wij + wji
    theta = np.zeros(n) if theta0 is None else np.array(theta0, dtype=np.float64)
    ll = _loglik(theta, i, j, wij, wji, prior)
    scale_g = max(1.0, float(m.max()) if m.size else 1.0)
    diag_idx = np.diag_indices(n)
    for it in range(1, max_iter + 1):
        p = _expit(theta[i] - theta[j])
        g_pair = wij - m * p
        grad = np.bincount(i, g_pair, n) - np.bincount(j, g_pair, n)
        v = m * p * (1.0 - p)
        info = np.zeros((n, n))
        info[i, j] = -v
        info[j, i] = -v
        info[diag_idx] = np.bincount(i, v, n) + np.bincount(j, v, n)
        if prior:
            s0 = _expit(theta)
            grad += prior * (0.5 - s0)
            info[diag_idx] += prior * s0 * (1.0 - s0)
        else:  # singular along 1 (a common shift): fix the gauge; the gradient sums to 0, so the step does not move it
            info += float(np.mean(info[diag_idx])) / n
        if float(np.max(np.abs(grad))) < 1e-12 * scale_g:
            return theta - (0.0 if prior else theta.mean()), it, True
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        big = float(np.max(np.abs(step)))
        if big > 4.0:  # a trust region against near-singular information
            step *= 4.0 / big
        t = 1.0
        for _ in range(50):
            cand = theta + t * step
            ll_new = _loglik(cand, i, j, wij, wji, prior)
            if ll_new >= ll - 1e-13 * max(1.0, abs(ll)):
                break
            t /= 2.0
        else:
            return theta, it, float(np.max(np.abs(grad))) < 1e-7 * scale_g
        theta, ll = cand, ll_new
        if float(np.max(np.abs(t * step))) < tol:
            return theta - (0.0 if prior else theta.mean()), it, True
    return theta - (0.0 if prior else theta.mean()), max_iter, False


def fit_bt_counts(
    counts: BattleCounts,
    *,
    prior: float = 0.0,
    cell_counts: Any = None,
    theta0: Any = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> np.ndarray:
    """Bradley-Terry log-strengths fitted on battle counts (ties half a win), by Newton's method.

    Parameters
    ----------
    counts : BattleCounts
        From :func:`read_battle_counts`.
    prior : float, default 0
        Virtual games of every system against a reference of log-strength 0,
        half won (0: maximum likelihood, which must exist).
    cell_counts : array_like of shape (len(counts.count),), optional
        Counts of the distinct outcomes to fit instead of the log's (a resample).
    theta0 : array_like, optional
        Starting log-strengths (a warm start).
    tol : float, default 1e-10
        Stop when no log-strength moves by more than ``tol``.
    max_iter : int, default 100
        Newton iterations at most.

    Returns
    -------
    numpy.ndarray
        Natural log-strengths, sum-to-zero when ``prior == 0`` (only differences
        are identified), relative to the reference otherwise.

    Raises
    ------
    BattleError
        A comparison graph in pieces; with ``prior=0``, a log whose maximum
        likelihood does not exist (the message names the systems); a fit that
        did not converge.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg import battle_counts, fit_bt_counts
    >>> c = battle_counts(["x"] * 4, ["y"] * 4, ["a", "a", "a", "b"])  # x won 3 of 4
    >>> theta = fit_bt_counts(c)
    >>> round(float(theta[0] - theta[1]), 6) == round(float(np.log(3.0)), 6)
    True
    """
    alpha = check_prior(prior, "prior")
    i, j, wij, wji = counts.half_wins(None if cell_counts is None else np.asarray(cell_counts))
    n = counts.n
    met = (wij + wji) > 0
    i, j, wij, wji = i[met], j[met], wij[met], wji[met]
    if not pairs_connected(i, j, n):
        k, lab = _components(i, j, n, directed=False)
        groups = sorted(
            ([counts.systems[s] for s in np.flatnonzero(lab == c)] for c in range(k)), key=len, reverse=True
        )
        shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3]) + (f"; ... ({k} groups)" if k > 3 else "")
        raise BattleError(
            f"battles: the systems fall into {k} groups that never met, directly or through others: {shown}. No "
            "strength links the groups; rank one group at a time, or add battles between them."
        )
    if not alpha and not mle_exists(i, j, wij, wji, n):
        raise BattleError(no_mle_message(counts.systems, i, j, wij, wji, n))
    with one_blas_thread():  # many small products: BLAS threads cost more than they give
        theta, _, ok = newton_fit(
            i, j, wij, wji, n, alpha, None if theta0 is None else np.asarray(theta0), tol, max_iter
        )
    if not ok:
        raise BattleError(
            f"Bradley-Terry: Newton's method did not converge in {max_iter} iterations; pass max_iter=... larger, or "
            "prior=1."
        )
    return theta


def no_mle_message(
    systems: tuple[str, ...], i: np.ndarray, j: np.ndarray, wij: np.ndarray, wji: np.ndarray, n: int
) -> str:
    src = np.concatenate([i[wij > 0], j[wji > 0]])
    dst = np.concatenate([j[wij > 0], i[wji > 0]])
    k, lab = _components(src, dst, n, directed=True)
    cross = lab[src] != lab[dst]
    has_in = np.zeros(k, dtype=bool)
    has_in[lab[dst[cross]]] = True
    has_out = np.zeros(k, dtype=bool)
    has_out[lab[src[cross]]] = True
    top = [systems[s] for s in np.flatnonzero(~has_in[lab])]
    bottom = [systems[s] for s in np.flatnonzero(~has_out[lab])]
    return (
        f"battles: the maximum-likelihood strengths do not exist: {preview(top, 4)} never lose to the other systems "
        f"and {preview(bottom, 4)} never beat them, so their strengths run off to infinity. Pass prior=1 (each "
        "system plays one virtual game against a reference, half won; CLI: --prior 1), or leave them out."
    )


def check_prior(prior: Any, name: str) -> float:
    try:
        a = float(prior)
    except (TypeError, ValueError):
        a = float("nan")
    if not (math.isfinite(a) and a >= 0):
        raise BattleError(f"{name}={prior!r} must be a finite number >= 0 (virtual games; 0 = maximum likelihood).")
    return a
