"""Hypothesis strategies for score tables."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from rankagg import ScoreTable


@st.composite
def score_arrays(draw, *, min_n=2, max_n=7, min_m=1, max_m=6, levels=6, missing=False):
    """(scores, higher_is_better, weights): small integer-valued scores, so that ties happen."""
    n = draw(st.integers(min_n, max_n))
    m = draw(st.integers(min_m, max_m))
    flat = draw(st.lists(st.integers(0, levels - 1), min_size=n * m, max_size=n * m))
    scores = np.array(flat, dtype=float).reshape(n, m) + 1.0  # positive (geometric mean)
    if missing:
        mask = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
        mask &= np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
        scores[mask] = np.nan
        # every system is compared with another somewhere: the first column is complete
        scores[:, 0] = np.array(flat[:n], dtype=float) + 1.0
        for j in range(m):
            if np.isnan(scores[:, j]).all():
                scores[0, j] = 1.0
    hib = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    weights = draw(st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=m, max_size=m)))
    return scores, hib, weights


def make_table(scores, hib, weights=None, *, systems=None, missing="raise"):
    n, m = scores.shape
    systems = systems or [f"s{i}" for i in range(n)]
    tasks = [f"t{j}" for j in range(m)]
    return ScoreTable(
        scores,
        systems=systems,
        tasks=tasks,
        higher_is_better={t: bool(h) for t, h in zip(tasks, hib, strict=True)},
        weights=None if weights is None else list(map(float, weights)),
        missing=missing,
    )
