"""Majority (pairwise) rules: Copeland, minimax, Schulze and ranked pairs.

All of them read the weighted pairwise matrix ``wins[i, j]`` (total weight of
tasks ranking ``i`` strictly above ``j``; tasks that tie the pair or do not
rank both systems count for neither), so they accept partial rankings. A pair
that no task compares has margin 0, like a pair tied by the majority.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from rankagg._errors import RuleError, did_you_mean
from rankagg.rules.base import RuleInput, RuleOutput, register

__all__: list[str] = []

_STRENGTHS = ("margins", "winning_votes")


def margins(inp: RuleInput) -> np.ndarray:
    """Pairwise margins ``wins - wins.T``; float noise below ``1e-9 * total weight`` is set to 0."""
    wins, _ = inp.pairwise
    m = wins - wins.T
    scale = inp.total_weight
    m[np.abs(m) <= 1e-9 * max(scale, 1.0)] = 0.0
    return m


def _check_strength(strength: str, rule: str) -> None:
    if strength not in _STRENGTHS:
        raise RuleError(
            f"rule {rule!r}: strength={strength!r} is not supported; use 'margins' or 'winning_votes'."
            f"{did_you_mean(strength, _STRENGTHS)}"
        )


def condorcet_winner(margin: np.ndarray) -> int | None:
    """Index of the system beating every other by a strict majority, or ``None``."""
    n = margin.shape[0]
    off = ~np.eye(n, dtype=bool)
    beats_all = ((margin > 0) | ~off).all(axis=1)
    idx = np.nonzero(beats_all)[0]
    return int(idx[0]) if idx.size == 1 else None


def condorcet_loser(margin: np.ndarray) -> int | None:
    """Index of the system beaten by every other by a strict majority, or ``None``."""
    return condorcet_winner(-margin)


@register(
    "copeland",
    family="majority",
    summary="Copeland: pairwise majority wins, plus tie_score for each pairwise tie.",
    score_name="pairwise wins",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    reference="Copeland (1951); Saari & Merlin (1996).",
    pairwise_ok=True,
)
def copeland(inp: RuleInput, *, tie_score: float = 0.5) -> RuleOutput:
    """Score = #{j: margin(i, j) > 0} + tie_score * #{j != i: margin(i, j) = 0}."""
    if not 0.0 <= float(tie_score) <= 1.0:
        raise RuleError(f"rule 'copeland': tie_score={tie_score!r} must lie in [0, 1] (0.5 is standard).")
    m = margins(inp)
    n = m.shape[0]
    ties = (m == 0).sum(axis=1) - 1  # minus the diagonal
    score = (m > 0).sum(axis=1) + float(tie_score) * ties
    return RuleOutput(score.astype(np.float64), higher_is_better=True, diagnostics={"n": n})


@register(
    "minimax",
    family="majority",
    summary="Minimax (Simpson-Kramer): rank by the largest pairwise defeat, smaller is better.",
    score_name="worst pairwise defeat",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    pareto="weak",
    aliases=("simpson_kramer", "simpson"),
    reference="Simpson (1969); Kramer (1977).",
    pairwise_ok=True,
)
def minimax(inp: RuleInput, *, strength: str = "margins") -> RuleOutput:
    """Score = max over j of the defeat of i by j: its margin, or its winning votes (0 if not a defeat)."""
    _check_strength(strength, "minimax")
    wins, _ = inp.pairwise
    m = margins(inp)
    if strength == "margins":
        defeat = m.T.copy()  # defeat[i, j] = margin of j over i
    else:
        defeat = np.where(m.T > 0, wins.T, 0.0)
    np.fill_diagonal(defeat, -np.inf)
    return RuleOutput(defeat.max(axis=1), higher_is_better=False)


def _components(adj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Strongly connected components of a boolean adjacency matrix and their reachability.

    Returns ``(label, reach)``: ``label[i]`` is the component of ``i`` and
    ``reach[c, d]`` says whether component ``d`` is reachable from ``c != d``.
    """
    k, lab = connected_components(csr_matrix(adj), directed=True, connection="strong")
    cond = np.zeros((k, k), dtype=bool)
    src, dst = np.nonzero(adj)
    cross = lab[src] != lab[dst]
    cond[lab[src[cross]], lab[dst[cross]]] = True
    return lab, _close(cond)


@register(
    "schulze",
    family="majority",
    summary="Schulze (beatpath): rank by strongest-path dominance in the pairwise majority graph.",
    score_name="systems beaten by beatpath",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    aliases=("beatpath",),
    reference="Schulze (2011), 'A new monotonic, clone-independent, reversal symmetric, and "
    "Condorcet-consistent single-winner election method'.",
    pairwise_ok=True,
)
def schulze(inp: RuleInput, *, strength: str = "margins") -> RuleOutput:
    """Widest-path strengths ``p`` (Floyd-Warshall); ``i`` beats ``j`` when ``p[i, j] > p[j, i]``.

    The beatpath relation is a strict partial order (Schulze 2011); the score
    is the number of systems a system beats, which orders the systems as a weak
    order extending it. Strongly connected components of the majority graph are
    solved separately: between components, ``i`` beats ``j`` exactly when ``j``
    is reachable from ``i`` (no path can lead back).
    """
    _check_strength(strength, "schulze")
    wins, _ = inp.pairwise
    m = margins(inp)
    d = np.where(m > 0, m if strength == "margins" else wins, 0.0)
    n = d.shape[0]
    label, reach = _components(d > 0)
    sizes = np.bincount(label)
    below = reach.astype(np.float64) @ sizes  # systems in components reachable from each component
    score = np.zeros(n)
    for c in np.unique(label):
        idx = np.nonzero(label == c)[0]
        later = below[c]
        if idx.size == 1:
            score[idx] = later
            continue
        p = d[np.ix_(idx, idx)].copy()
        for k in range(idx.size):
            np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]), out=p)
        beat = p > p.T
        np.fill_diagonal(beat, False)
        score[idx] = later + beat.sum(axis=1)
    return RuleOutput(score, higher_is_better=True)


def _close(reach: np.ndarray) -> np.ndarray:
    """Transitive closure of a boolean relation (repeated squaring)."""
    n = reach.shape[0]
    r = reach.copy()
    eye = np.eye(n, dtype=np.float32)
    while True:
        rf = r.astype(np.float32) + eye
        nxt = (rf @ rf) > 0
        np.fill_diagonal(nxt, False)
        nxt |= r
        if np.array_equal(nxt, r):
            return r
        r = nxt


@register(
    "ranked_pairs",
    family="majority",
    summary="Ranked pairs (Tideman): lock pairwise victories from the largest margin down, skipping cycles.",
    score_name="systems ranked below",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    aliases=("tideman",),
    reference="Tideman (1987), 'Independence of clones as a criterion for voting rules'.",
    pairwise_ok=True,
)
def ranked_pairs(inp: RuleInput, *, strength: str = "margins") -> RuleOutput:
    """Lock majorities by decreasing strength unless they close a cycle with what is already locked.

    Pairs of equal strength are handled together and neutrally (no
    tie-breaking by name or input order): each is locked unless it closes a
    cycle with the pairs already locked, or with other pairs of the same
    strength; those that would close a cycle only together are all skipped
    (reported in ``diagnostics["skipped_equal_strength"]``). Without equal
    strengths this is Tideman's rule. The score is the number of systems
    below a system in the locked order, a weak order extending it.
    """
    _check_strength(strength, "ranked_pairs")
    wins, _ = inp.pairwise
    m = margins(inp)
    strength_m = np.where(m > 0, m if strength == "margins" else wins, 0.0)
    scale = max(inp.total_weight, 1.0)
    key = np.round(strength_m / scale, 9)
    n = m.shape[0]
    locked = np.zeros((n, n), dtype=bool)  # transitively closed: locked[a, b] = a above b
    skipped = 0
    contradicted = 0
    for v in np.unique(key[key > 0])[::-1]:
        a, b = np.nonzero(key == v)
        free = ~locked[b, a] & ~locked[a, b]
        contradicted += int((locked[b, a]).sum())
        a, b = a[free], b[free]
        if a.size == 0:
            continue
        graph = locked.copy()
        graph[a, b] = True
        _, lab = connected_components(csr_matrix(graph), directed=True, connection="strong")
        ok = lab[a] != lab[b]
        skipped += int((~ok).sum())
        if ok.any():
            locked[a[ok], b[ok]] = True
            locked = _close(locked)
    return RuleOutput(
        locked.sum(axis=1).astype(np.float64),
        higher_is_better=True,
        diagnostics={"skipped_cycle": contradicted, "skipped_equal_strength": skipped},
    )
