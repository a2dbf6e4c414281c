"""Decomposition of a Kemeny instance along its majority graph.

Two graphs on the systems are used, both built from the margins
``M = wins - wins.T``:

* the *strict* majority graph, with an arc ``i -> j`` when ``M[i, j] > 0``;
* the *weak* majority graph, with an arc ``i -> j`` when ``M[i, j] >= 0``
  (a tied pair gets arcs both ways).

The weak graph is semicomplete, so its strongly connected components are
totally ordered and every pair of systems in different weak components is
separated by a strict majority: every optimal order ranks the components in
that order (all optima are preserved). The strict graph's components form a
DAG; every topological order of it can be extended to an optimal order (one
optimum is preserved, and every optimum is a merge of optimal component
orders). See the Notes of :func:`rankagg.rules.kemeny.kemeny`.
"""

from __future__ import annotations

import heapq

import numpy as np

from rankagg.rules.kemeny._core import transitive_closure

__all__ = ["strict_components", "weak_components"]


def _scc(adj: np.ndarray) -> tuple[int, np.ndarray]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = adj.shape[0]
    if n == 0:
        return 0, np.zeros(0, dtype=np.intp)
    k, labels = connected_components(csr_matrix(adj), directed=True, connection="strong")
    return int(k), labels.astype(np.intp)


def _ordered_groups(adj: np.ndarray, labels: np.ndarray, k: int, key: np.ndarray) -> list[np.ndarray]:
    """Topologically sort the condensation of ``adj``; ties broken by larger ``key`` first."""
    groups = [np.flatnonzero(labels == c) for c in range(k)]
    if k == 1:
        return groups
    # arcs between components (counts of i->j arcs with labels differing)
    ii, jj = np.nonzero(adj)
    li, lj = labels[ii], labels[jj]
    keep = li != lj
    cond = np.zeros((k, k), dtype=bool)
    cond[li[keep], lj[keep]] = True
    indeg = cond.sum(axis=0)
    gkey = np.array([key[g].mean() for g in groups])
    heap = [(-gkey[c], int(groups[c][0]), c) for c in range(k) if indeg[c] == 0]
    heapq.heapify(heap)
    out: list[np.ndarray] = []
    while heap:
        _, _, c = heapq.heappop(heap)
        out.append(groups[c])
        for d in np.flatnonzero(cond[c]):
            indeg[d] -= 1
            if indeg[d] == 0:
                heapq.heappush(heap, (-gkey[d], int(groups[d][0]), int(d)))
    return out


def _closure_components(adj: np.ndarray, key: np.ndarray) -> list[np.ndarray]:
    """Components of a small digraph from its transitive closure (vectorised; O(n^3)).

    Components are sorted by decreasing number of systems they reach, which
    is a topological order (a component reaching another reaches strictly
    more), then by decreasing mean ``key``, then by smallest index.
    """
    n = adj.shape[0]
    r = transitive_closure(adj)
    label = np.argmax(r & r.T, axis=1)  # smallest index of each system's component
    heads = np.flatnonzero(label == np.arange(n))  # increasing
    if heads.size == n:  # every system alone (a strict order): no grouping needed
        order = np.lexsort((heads, -key, -r.sum(axis=1)))
        return [order[i : i + 1] for i in range(n)]
    where = np.empty(n, dtype=np.intp)
    where[heads] = np.arange(heads.size)
    inv = where[label]
    sizes = np.bincount(inv, minlength=heads.size)
    count = r.sum(axis=1)[heads]
    means = np.bincount(inv, weights=key, minlength=heads.size) / sizes
    order = np.lexsort((heads, -means, -count))
    members = np.argsort(inv, kind="stable")  # systems grouped by component, increasing index within each
    bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
    return [members[bounds[i] : bounds[i + 1]] for i in order.tolist()]


_SMALL = 150  # below this size the closure is cheaper than scipy's sparse machinery


def strict_components(margins: np.ndarray) -> list[np.ndarray]:
    """Strongly connected components of the strict majority graph, in a topological order.

    Among components not ordered by a strict majority, the one reaching more
    systems, then the one with the larger mean net margin (Borda-like score),
    comes first. Each component's systems are listed in increasing index order.
    """
    adj = margins > 0
    key = margins.sum(axis=1)
    if adj.shape[0] <= _SMALL:
        return _closure_components(adj, key) if adj.shape[0] else []
    k, labels = _scc(adj)
    return _ordered_groups(adj, labels, k, key)


def weak_components(margins: np.ndarray) -> list[np.ndarray]:
    """Strongly connected components of the weak majority graph, in their (unique) order."""
    adj = margins >= 0
    np.fill_diagonal(adj, False)
    k, labels = _scc(adj)
    return _ordered_groups(adj, labels, k, margins.sum(axis=1))
