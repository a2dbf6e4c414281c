"""Stage 1, rankings: weak orders and what is computed from them, on plain arrays.

What it owns: ranks with ties (:mod:`~rankagg.rankings.orders`: ``rank_scores``, ``TaskRankings``, levels and
competition ranks), pairwise win/tie counts (:mod:`~rankagg.rankings.pairwise`, and the chunked instance kernels of
:mod:`~rankagg.rankings.kernels`), expected counts of partial rankings (:mod:`~rankagg.rankings.partial`) and
distances between rankings (:mod:`~rankagg.rankings.distances`: Kendall tau, Spearman, top-k overlap).

May import: :mod:`rankagg._errors` only. It knows nothing of score tables, so that a table can say how it is ranked
(``ScoreTable.rank()``) without a loop: the data stage builds on this one.
"""
