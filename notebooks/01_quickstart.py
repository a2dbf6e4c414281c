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
# # Quickstart: a leaderboard file, several rules, where they disagree with the mean, rank intervals
#
# We read the SuperGLUE leaderboard (the public snapshot in `../shared/datasets/glue_superglue_value`), rank
# its systems under the mean and three social-choice rules, look at the pairs on which the rules disagree with
# the mean and why, and ask which ranks the data can tell apart. Every number in bold below is computed by this
# notebook and checked by `tests/test_notebooks.py`; the bootstrap uses quick settings (`n_resamples=200`) so
# that all notebooks together run in under three minutes on two cores.

# %%
from _stated import need_data, save, state

import rankagg

path = need_data("glue_superglue_value", "superglue.csv")
table = rankagg.read_table(path, missing="drop_systems", exclude="*Human Baselines*")
print(table.n_systems, "systems x", table.n_columns, "task columns; dropped:", table.dropped_systems)
state("n_systems", table.n_systems)
state("n_columns", table.n_columns)
state("n_tasks", len(table.tasks))
state("n_dropped", len(table.dropped_systems))

# %% [markdown]
# The file is long (`system, task, metric, score, higher_is_better`): rankagg takes each metric's direction
# from the file and never guesses it. Without the human baselines, the snapshot ranks **21** systems on
# **14** task columns (**10** tasks; MultiRC and ReCoRD report two metrics each). `missing="drop_systems"`
# dropped the **1** system with a missing score, and said so (`table.dropped_systems`).
#
# ## Several rules side by side

# %%
cmp = rankagg.compare(table, ["mean", "borda", "copeland", "kemeny"])
print(cmp.ranks.head(8))
print(cmp.agreement.round(3))
tau_kemeny = float(cmp.agreement.loc["mean", "kemeny"])
winners = {rule: cmp.results[rule].winners for rule in ("mean", "borda", "copeland", "kemeny")}
assert len({w for w in winners.values()}) == 1  # every rule crowns the same system
state("winner", winners["kemeny"][0])
state("tau_mean_kemeny", tau_kemeny, "{:.3f}")

# %% [markdown]
# All four rules crown **ERNIE 3.0 [ERNIE Team - Baidu]**, and the rankings are close: Kendall's tau-b between
# the mean and the exact Kemeny consensus is **0.915**. Close is not equal.
#
# ## Where the rules disagree with the mean, and why

# %%
d = cmp.disagreements
per_rule = d.groupby("rule").size()
print(per_rule)
state("n_disagree_borda", int(per_rule["borda"]))
state("n_disagree_copeland", int(per_rule["copeland"]))
state("n_disagree_kemeny", int(per_rule["kemeny"]))
first = d[d["rule"] == "kemeny"].iloc[0]
print(first.to_string())
n_pairs = table.n_systems * (table.n_systems - 1) // 2
state("n_pairs", n_pairs)
state("pair_above", first["above_in_reference"])
state("pair_below", first["below_in_reference"])
state("pair_won_by_below", int(first["tasks_won_by_rule_top"]))
state("n_columns_again", table.n_columns)
state("pair_won_by_above", int(first["tasks_won_by_reference_top"]))

# %% [markdown]
# Borda reverses **8** pairs of the mean's ranking, Copeland **9** and Kemeny **6**, out of **210** pairs.
# `disagreements` says why with the head-to-head record: the mean puts
# **AILabs Team, Transformers [Anuar Sharafudinov]** above **RoBERTa-iCETS [Infosys : DAWN : AI Research]**,
# yet the second beats the first on **10** of the **14** task columns and loses on **4**: a few large margins
# outweigh many small wins in an average, while the rank-based rules count the wins.
#
# ## How sure is the ranking?

# %%
boot = rankagg.bootstrap(table, "kemeny", n_resamples=200, rng=0)
print(boot.to_frame().head(8).to_string())
groups = boot.groups()
state("n_groups", len(groups))
state("top_group", len(groups[0]))
p1 = boot.to_frame().set_index("system")["p_top1"]
state("p_top1_winner", float(p1[winners["kemeny"][0]]), "{:.2f}")

# %% [markdown]
# Resampling the task columns (`n_resamples=200`), the Kemeny ranking falls into **7** groups of systems that
# the bootstrap does not separate; the first holds **3** systems, and the leader is first in only a fraction
# **0.83** of the resamples. The ranks within a group are not established by these task columns.

# %%
save("01_quickstart")
