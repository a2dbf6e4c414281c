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
# # Uncertainty: which ranks on MTEB and the Open LLM Leaderboard can be told apart?
#
# A leaderboard is one sample of the tasks it could have contained. `rankagg.bootstrap` redraws the tasks with
# replacement, ranks every resample with the rule, and reports each system's rank interval, its probability of
# being first, and the groups of systems that the resamples do not separate. Data: the classic English MTEB
# board and the Open LLM Leaderboard v1 snapshot of `2023-09-04`, from `../shared/datasets`. Quick settings:
# `n_resamples=200`.
# (All notebooks together run in under three minutes on two cores with these settings.)
# Every bold number is checked by `tests/test_notebooks.py`.

# %%
import math
import warnings

from _stated import need_data, save, state

import rankagg

mteb = rankagg.read_table(need_data("mteb", "mteb_eng_classic_56.csv"), missing="drop_systems")
state("mteb_models", mteb.n_systems)
state("mteb_tasks", mteb.n_columns)
state("mteb_dropped", len(mteb.dropped_systems))

# %% [markdown]
# MTEB's classic English board has **152** models scored on all **56** tasks; `missing="drop_systems"` drops
# the **181** models with a missing task (MTEB's own `Rank (Borda)` gives them zero points on it instead; see
# `rankagg.list_rules()` for `mteb_borda`).

# %%
for rule in ("mean", "borda"):
    boot = rankagg.bootstrap(mteb, rule, n_resamples=200, rng=0)
    f = boot.to_frame()
    groups = boot.groups()
    width = (f["rank_high"] - f["rank_low"]).median()
    print(rule, len(groups), [len(g) for g in groups[:5]], width)
    print(f.head(5).to_string())
    state(f"mteb_{rule}_groups", len(groups))
    state(f"mteb_{rule}_top_group", len(groups[0]))
    state(f"mteb_{rule}_width", float(width), "{:g}")
    state(f"mteb_{rule}_point", int((f["rank_high"] == f["rank_low"]).sum()))
    state(f"mteb_{rule}_leader_p1", float(f["p_top1"].iloc[0]), "{:.2f}")

# %% [markdown]
# Under the mean, the models fall into **64** groups; the first holds **2** models, the median model's
# rank interval (`confidence=0.95`) spans **11** ranks and only **2** models have a single possible rank; the
# leader is first in a fraction **0.55** of the resamples. Under Borda: **60** groups, the first of **2**
# models, median interval width **13** ranks, **0** models with a single rank, and the leader first in
# **0.75** of the resamples. Consecutive ranks on MTEB are mostly not established by its tasks: a
# difference of a few ranks is noise.
#
# ## Open LLM Leaderboard v1: many models, four tasks

# %%
llm = rankagg.read_table(need_data("open_llm_leaderboard_v1", "snapshot_20230904.csv"), missing="drop_systems")
state("llm_models", llm.n_systems)
state("llm_tasks", llm.n_columns)
state("llm_distinct", math.comb(2 * llm.n_columns - 1, llm.n_columns))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    boot = rankagg.bootstrap(llm, "mean", n_resamples=200, rng=0)
print([str(w.message) for w in caught])
assert any("understate" in str(w.message) for w in caught)  # rankagg says the intervals are too narrow
f = boot.to_frame()
print(f.head(10).to_string())
groups = boot.groups()
state("llm_groups", len(groups))
state("llm_top_group", len(groups[0]))
state("llm_leader_high", int(f["rank_high"].iloc[0]))
state("llm_leader_p1", float(f["p_top1"].iloc[0]), "{:.2f}")

# %% [markdown]
# The snapshot ranks **1192** models on **4** tasks. With four tasks there are only **35** distinct task
# resamples, and rankagg warns that the intervals understate the uncertainty: they are a lower bound on it.
# Even so, the mean's ranking splits into **185** groups, the first of **3** models; the leader's rank
# interval reaches rank **30**, and it is first in a fraction **0.70** of the resamples.
# With four tasks, a position on this board is a statement
# about these four benchmarks, not about the models in general.

# %%
save("04_uncertainty")
