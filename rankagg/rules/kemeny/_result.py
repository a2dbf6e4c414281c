"""The result type of :func:`rankagg.rules.kemeny.kemeny`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KemenyResult"]


@dataclass(frozen=True)
class KemenyResult:
    """Outcome of a Kemeny computation.

    Attributes
    ----------
    order : tuple of int
        Consensus order (system indices, best first).
    score : float
        Kemeny objective of ``order`` (see :func:`kemeny_score`), recomputed
        from ``wins``.
    lower_bound : float
        Certified lower bound on the optimal score (equal to ``score`` when
        ``optimal``).
    gap : float
        ``score - lower_bound`` (0.0 when proven optimal).
    relative_gap : float
        ``gap / max(score, tiny)``.
    optimal : bool
        Whether ``order`` is proven optimal.
    unique : bool or None
        Whether ``order`` is the only optimal order; ``None`` when unknown
        (not proven optimal, or the check was skipped or ran out of time).
    all_optima : tuple of tuple of int or None
        Every optimal order (only with ``all_optima=True``), in lexicographic
        order of system indices.
    method : str
        What produced ``order``: ``"exact"`` when proven optimal (LP/ILP or
        dynamic programming), else the heuristic (``"local_search"``,
        ``"iterated_local_search"``, ``"kwiksort"``, ``"lp_rounding"``,
        ``"window_ilp"``, ``"borda"``, ``"copeland"``, or ``"initial"`` for
        the warm start given as ``initial``, improved by local search).
    time_seconds : float
        Wall-clock time of the call.
    n_components : int
        Number of strongly connected components of the strict majority graph
        (each solved separately; 1 when ``decompose=False``).
    largest_component : int
        Size of the largest component.
    n_lp_solves : int
        Linear programs solved (``scipy.optimize.linprog``, HiGHS).
    n_nodes : int
        Branch-and-bound nodes explored.
    n_ilp_solves : int
        Integer programs solved with ``scipy.optimize.milp`` (0 with the
        default branch and bound).
    n_cuts : int
        Triangle (3-cycle) rows added lazily.
    n_fixed : int
        Pair variables fixed by reduced-cost arguments before integer solves.
    trivial_bound : float
        ``sum_{i<j} min(wins[i, j], wins[j, i])``, the bound every order meets.
    status : str
        Human-readable summary (what was proven, what stopped the solve).
    """

    order: tuple[int, ...]
    score: float
    lower_bound: float
    gap: float
    relative_gap: float
    optimal: bool
    unique: bool | None
    all_optima: tuple[tuple[int, ...], ...] | None
    method: str
    time_seconds: float
    n_components: int
    largest_component: int
    n_lp_solves: int
    n_nodes: int
    n_ilp_solves: int
    n_cuts: int
    n_fixed: int
    trivial_bound: float
    status: str

    def __repr__(self) -> str:
        head = ", ".join(str(i) for i in self.order[:8]) + (", ..." if len(self.order) > 8 else "")
        return (
            f"KemenyResult(order=({head}), score={self.score:g}, lower_bound={self.lower_bound:g}, "
            f"optimal={self.optimal}, unique={self.unique}, method={self.method!r}, "
            f"time_seconds={self.time_seconds:.3g})"
        )
