# ---
# jupyter:
#   jupytext:
#     formats: py:percent,ipynb
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---


# %% [markdown]
# # Paper figures: every kind of `rankagg.plot`, saved as PDF at paper sizes
#
# `rankagg.plot` draws each result rankagg returns as a figure for a paper: caption-sized text, a colour-blind-safe
# palette, TrueType fonts embedded in the PDF, at one-column or two-column width. Each function takes
# `ax=None` (a new figure at a paper size) and returns the matplotlib `Axes`. We draw every kind on the
# SuperGLUE leaderboard (`../shared/datasets/glue_superglue_value`, human baselines excluded) and save each as a
# PDF inside `paper_style`, which applies the output settings when the figure is saved. Quick settings:
# `n_resamples=200`, `n_draws=5`.
# (All notebooks together run in under three minutes on two cores with these settings.)
# Every bold number is checked by `tests/test_notebooks.py`.

# %%
import matplotlib.pyplot as plt
from _stated import OUT, need_data, save, state

import rankagg
import rankagg.plot as rp

table = rankagg.read_table(
    need_data("glue_superglue_value", "superglue.csv"), missing="drop_systems", exclude="*Human Baselines*"
)
figures = OUT / "figures"
figures.mkdir(parents=True, exist_ok=True)
drawn: dict[str, float] = {}


def save_pdf(kind: str, ax, width: str) -> None:
    """Save the figure of ``ax`` as ``figures/<kind>.pdf``, inside paper_style, and record its width."""
    with rp.paper_style(width=width):
        ax.figure.savefig(figures / f"{kind}.pdf")
    drawn[kind] = ax.figure.get_figwidth()
    plt.close(ax.figure)


state("n_kinds", len(rp.KINDS))
state("one_column", rp.ONE_COLUMN, "{:g}")
state("two_column", rp.TWO_COLUMN, "{:g}")

# %% [markdown]
# There are **10** kinds of figure. A one-column figure is **3.3** inches wide, a two-column figure **6.9**
# inches.
#
# ## Is there a difference at all? The critical difference diagram

# %%
fn = rankagg.friedman_nemenyi(table)
print(fn)
with rp.paper_style(width="one"):
    ax = rp.critical_difference(fn)
save_pdf("critical_difference", ax, "one")
state("friedman_p", fn.pvalue, "{:.1e}")
state("cd", fn.critical_difference, "{:.2f}")
state("cd_tasks", fn.n_tasks)

# %% [markdown]
# The Friedman test rejects that all systems rank alike (p = **1.2e-29**); two systems whose mean ranks differ
# by less than the Nemenyi critical difference, **8.37** ranks over **14** task columns, are joined by a bar.
#
# ## How sure is the ranking? Intervals, rank probabilities, P(above)

# %%
boot = rankagg.bootstrap(table, "kemeny", n_resamples=200, rng=0)
with rp.paper_style(width="one"):
    save_pdf("rank_intervals", rp.rank_intervals(boot), "one")
    save_pdf("rank_probabilities", rp.rank_probabilities(boot, style="blob"), "one")
with rp.paper_style(width="two"):
    save_pdf("prob_above", rp.prob_above(boot, top=12), "two")

# %% [markdown]
# ## Where do rules and tasks disagree? Bump charts, task ranks, agreement, pairwise margins

# %%
cmp = rankagg.compare(table, ["mean", "borda", "copeland", "kemeny"])
with rp.paper_style(width="two"):
    save_pdf("bump", rp.bump(cmp), "two")
    save_pdf("bump_tasks", rp.bump_tasks(table), "two")
    save_pdf("task_ranks", rp.task_ranks(table), "two")
    save_pdf("pairwise_margins", rp.pairwise_margins(table, top=12), "two")
with rp.paper_style(width="one"):
    save_pdf("agreement", rp.agreement(cmp), "one")

# %% [markdown]
# ## How robust is each rule? Perturbation studies

# %%
removed = rankagg.remove_tasks(table, rules=["mean", "borda", "kemeny"], n_draws=5, rng=0)
with rp.paper_style(width="one"):
    save_pdf("perturbation", rp.perturbation(removed), "one")

assert set(drawn) == set(rp.KINDS)  # every kind of figure is drawn
pdfs = sorted(figures.glob("*.pdf"))
assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
state("n_pdfs", len(pdfs))
state("n_one", sum(w == rp.ONE_COLUMN for w in drawn.values()))
state("n_two", sum(w == rp.TWO_COLUMN for w in drawn.values()))
print({k: round(w, 2) for k, w in drawn.items()})

# %% [markdown]
# The notebook wrote **10** PDF files (to `notebooks/out/figures/`, or to `$RANKAGG_NOTEBOOK_OUT/figures/`):
# **5** at one-column width and **5** at two-column width, one per kind of figure.

# %%
save("06_paper_figures")
