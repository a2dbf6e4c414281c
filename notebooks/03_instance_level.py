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
# # Instance level: SummEval and AlpacaEval, one level or two, bootstrap over instances
#
# Many benchmarks publish a score per test instance. rankagg can aggregate them in *one level* (every
# instance of every task is a ranking of the systems, all aggregated at once) or in *two levels* (an inner
# rule turns each task's instances into one task ranking or score, an outer rule aggregates the tasks), and it
# can bootstrap over the instances. We use SummEval (summaries of news articles scored by automatic metrics
# and by human judges) and AlpacaEval 2.0 (win probabilities against a reference model, per prompt), both from
# `../shared/datasets`. Quick settings: `n_resamples=100` resamples.
# (All notebooks together run in under three minutes on two cores with these settings.)
# Every bold number is checked by `tests/test_notebooks.py`.

# %%
import pandas as pd
from _stated import need_data, save, state

import rankagg

df = pd.read_csv(need_data("summeval_realsumm", "summeval_instances.csv"), dtype={"instance": str})
summeval = rankagg.InstanceTable.from_long(df)
state("se_systems", summeval.n_systems)
state("se_metrics", summeval.n_columns)
state("se_human", int(df.loc[df["is_human_judgment"], "metric"].nunique()))
state("se_docs", max(summeval.n_instances.values()))
rng = df.groupby("metric")["score"].agg(["min", "max"])
print(rng)
state("bleu_max", float(rng.loc["BLEU", "max"]), "{:.1f}")
state("js2_max", float(rng.loc["JS_2", "max"]), "{:.2f}")

# %% [markdown]
# SummEval scores **16** systems with **17** metrics (**4** of them human judgments) on **100** documents.
# The metrics live on very different scales: BLEU reaches **88.5** while JS-2 never rises above **-0.48**.
#
# ## Many metrics on different scales: one level or two

# %%
mean_of_means = rankagg.aggregate(summeval, level="two", inner="mean", outer="mean")
bleu = rankagg.InstanceTable.from_long(df[df["metric"] == "BLEU"])
bleu_only = rankagg.aggregate(bleu, level="two", inner="mean", outer="mean")
state("mm_winner", mean_of_means.winners[0])
state("tau_mm_bleu", rankagg.kendall_tau_b(mean_of_means.ranks, bleu_only.ranks), "{:.2f}")

human = rankagg.InstanceTable.from_long(df[df["is_human_judgment"]])
auto = rankagg.InstanceTable.from_long(df[~df["is_human_judgment"]])
by_humans = rankagg.aggregate(human, level="two", inner="mean", outer="borda")
state("human_winner", by_humans.winners[0])
ways = {
    "one level, Borda over every (metric, document)": rankagg.aggregate(auto, rule="borda"),
    "two levels, mean per metric then Borda": rankagg.aggregate(auto, level="two", inner="mean", outer="borda"),
    "two levels, mean per metric then mean": rankagg.aggregate(auto, level="two", inner="mean", outer="mean"),
}
for label, res in ways.items():
    tau = rankagg.kendall_tau_b(res.ranks, by_humans.ranks)
    print(f"{label}: winner {res.winners}, tau with the human ranking {tau:.3f}")
    state(f"winner {label}", res.winners[0])
    state(f"tau {label}", tau, "{:.2f}")
state("se_systems_again", summeval.n_systems)

# %% [markdown]
# Averaging the metric means (two levels, mean then mean) makes **M7** the best system, and that ranking is
# mostly BLEU's, the metric with the widest range (Kendall tau **0.70** with the ranking by BLEU alone). The human
# judges (mean per judgment, then Borda over the four) prefer **M11**. Ranking with the automatic metrics only:
#
# * one level (every metric and document a ranking, Borda): winner **M6**, tau **0.34** with the human ranking;
# * two levels, mean per metric then Borda: winner **M11**, tau **0.39**;
# * two levels, mean then mean: winner **M7**, tau **0.32**.
#
# The rank-based outer rule removes the scale problem; none of the automatic aggregates agrees well with the
# human judges on these **16** systems.
#
# ## Bootstrap over the documents

# %%
state("se_columns_again", summeval.n_columns)
state("se_systems_third", summeval.n_systems)
boot = rankagg.bootstrap(summeval, "borda", resample="instances", n_resamples=100, rng=0)
frame = boot.to_frame()
print(frame.head(6).to_string())
state("se_groups", len(boot.groups()))
state("se_leader", frame["system"].iloc[0])
state("se_p_top1", float(frame["p_top1"].iloc[0]), "{:.2f}")

# %% [markdown]
# Redrawing the documents of each metric (`resample="instances"`, `n_resamples=100`), one-level Borda over all
# **17** columns splits the **16** systems into **11** groups that the bootstrap does not separate; the leader,
# **M11**, is first in a fraction **0.87** of the resamples.
#
# ## AlpacaEval 2.0: the mean win rate and an adversarial entry

# %%
alpaca = pd.read_csv(
    need_data("alpaca_eval", "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz"), dtype={"instance": str}
)
at = rankagg.InstanceTable.from_long(alpaca, missing="drop_instances")
state("ae_models", at.n_systems)
state("ae_kept", at.n_instances_total)
state("ae_prompts", alpaca["instance"].nunique())
state("ae_subsets", at.n_columns)
win_rate = rankagg.aggregate(at, level="two", inner="mean", outer="mean")
per_prompt = rankagg.aggregate(at, rule="borda")
state("ae_mean_winner", win_rate.winners[0])
state("ae_borda_winner", per_prompt.winners[0])
null_rank = per_prompt.to_frame().set_index("system").loc["NullModel", "rank"]
state("ae_null_borda_rank", int(null_rank))
state("ae_tau", rankagg.kendall_tau_b(win_rate.ranks, per_prompt.ranks), "{:.2f}")

# %% [markdown]
# AlpacaEval 2.0 has **58** models; **797** of its **805** prompts have a score for every model
# (`missing="drop_instances"` drops the others and says which), in **5** subsets. The mean win probability
# (mean per subset, then mean) puts **NullModel** first, an entry built to fool the judge. Ranking the models
# on each prompt and aggregating with Borda in one level, **FuseChat-Gemma-2-9B-Instruct** leads and
# NullModel falls to rank **2**; the two rankings have tau **0.87**.

# %%
boot = rankagg.bootstrap(at, "mean", level="two", inner="mean", outer="mean", resample="instances",
                         n_resamples=100, rng=0)  # fmt: skip
frame = boot.to_frame().set_index("system")
state("ae_groups", len(boot.groups()))
state("ae_null_p1", float(frame.loc["NullModel", "p_top1"]), "{:.2f}")

# %% [markdown]
# Resampling the prompts (`n_resamples=100`), the mean win rate splits the models into **29** groups, and
# NullModel is first in a fraction **1.00** of the resamples: the bootstrap measures how sure the ranking is
# given the judge, not whether the judge can be fooled.

# %%
save("03_instance_level")
