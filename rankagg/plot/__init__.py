"""Paper-grade figures of rankings, their uncertainty and their disagreements with the mean.

Every function takes a result rankagg returns (or a table), draws on ``ax``
(a new figure at a paper size when None), returns the matplotlib ``Axes``,
and passes ``**kwargs`` to the main artist. ``top=N`` keeps the best ``N``
systems, so a 1,000-system leaderboard stays readable.

===========================  ================================================================
:func:`critical_difference`  Demšar's CD diagram (Friedman / Nemenyi, or Wilcoxon-Holm cliques)
:func:`rank_intervals`       bootstrap rank intervals and P(top 1)
:func:`rank_probabilities`   systems x rank positions (heatmap, or challengeR's blob plot)
:func:`prob_above`           P(row system ranked above column system)
:func:`bump`                 ranks across the rules of a comparison, disagreements highlighted
:func:`bump_tasks`           ranks across the tasks, ending at the consensus
:func:`task_ranks`           systems x tasks heatmap of per-task ranks (missing scores blank)
:func:`agreement`            Kendall tau between the rules of a comparison
:func:`pairwise_margins`     the pairwise record in Kemeny order
:func:`perturbation`         perturbation studies: tau against k tasks removed; the x1000 attack
===========================  ================================================================

matplotlib is imported when the first figure is drawn, never by ``import
rankagg``; ``rankagg.plot`` is itself imported on first use of the attribute
(``import rankagg; rankagg.plot.bump(...)`` works, as does ``import rankagg.plot``).
Figures are styled for papers (7 pt text, Okabe-Ito colour-blind-safe
palette, TrueType fonts in PDF, text kept as text in SVG); one-column figures
are :data:`ONE_COLUMN` = 3.3 in wide, two-column ones :data:`TWO_COLUMN` =
6.9 in; ``with paper_style(width="two"): ...`` chooses the width. Long system
names are shortened with a middle ellipsis; the full name is the label's
``gid`` (an ``id`` in SVG output), read back with :func:`full_name`.

Examples
--------
>>> import rankagg
>>> import rankagg.plot as rp
>>> table = rankagg.load_example("toy")
>>> ax = rp.rank_intervals(rankagg.bootstrap(table, "kemeny", n_resamples=100, rng=0))
>>> with rp.paper_style():  # TrueType fonts in PDF, text kept as text in SVG, 300 dpi PNG
...     ax.figure.savefig("intervals.pdf")  # doctest: +SKIP
"""

from __future__ import annotations

from rankagg.plot._cd import critical_difference
from rankagg.plot._perturb import perturbation
from rankagg.plot._rules import agreement, bump, bump_tasks, pairwise_margins, task_ranks
from rankagg.plot._style import OKABE_ITO, ONE_COLUMN, TWO_COLUMN, full_name, paper_style, shorten
from rankagg.plot._uncertainty import prob_above, rank_intervals, rank_probabilities

#: The plot kinds of ``rankagg plot KIND`` (the CLI), each the function of the same name (dashes for underscores).
KINDS: tuple[str, ...] = (
    "critical_difference",
    "rank_intervals",
    "rank_probabilities",
    "prob_above",
    "bump",
    "bump_tasks",
    "task_ranks",
    "agreement",
    "pairwise_margins",
    "perturbation",
)

__all__ = [
    "KINDS",
    "OKABE_ITO",
    "ONE_COLUMN",
    "TWO_COLUMN",
    "agreement",
    "bump",
    "bump_tasks",
    "critical_difference",
    "full_name",
    "pairwise_margins",
    "paper_style",
    "perturbation",
    "prob_above",
    "rank_intervals",
    "rank_probabilities",
    "shorten",
    "task_ranks",
]
