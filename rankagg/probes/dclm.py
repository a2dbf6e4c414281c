"""DataComp-LM (DCLM) as a study of training-data candidates: training datasets x tasks x runs x model scale.

DCLM (Li et al., 2024) trained language models at several scales on many
candidate training datasets and evaluated each on the same in-context-learning
suite; its evaluation files (``mlfoundations/dclm``, ``exp_data/evals/``, MIT)
are in the dataset registry as ``dclm`` (:func:`rankagg.datasets.load`).
:func:`dclm_study` turns their long frame into a
:class:`~rankagg.probes.CandidateStudy`: candidate = training dataset, scale =
model size, and the runs of one dataset at one scale (architecture variants,
hyper-parameters or seeds) kept as replicates (``seed`` = the run's name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from rankagg._errors import preview
from rankagg.probes.study import CandidateStudy, StudyError

__all__ = ["DCLM_CORE_TASKS", "DCLM_RANDOM_BASELINES", "DCLM_SCALES", "dclm_study"]

#: Model scales and the architectures (``arch`` column) of each (``d=1024_l=24_h=8`` is ~400M parameters).
DCLM_SCALES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "400M": ("d=1024_l=24_h=8",),
        "1B": ("open_lm_1b", "open_lm_1b_swiglutorch"),
        "7B": ("open_lm_7b", "open_lm_7b_swiglutorch"),
    }
)

#: DCLM's "Core" tasks (``low_variance_datasets`` of ``eval/additional_aggregation.json`` upstream).
DCLM_CORE_TASKS: tuple[str, ...] = (
    "hellaswag_zeroshot",
    "jeopardy",
    "bigbench_qa_wikidata",
    "arc_easy",
    "arc_challenge",
    "copa",
    "commonsense_qa",
    "piqa",
    "openbook_qa",
    "lambada_openai",
    "hellaswag",
    "winograd",
    "winogrande",
    "bigbench_dyck_languages",
    "agi_eval_lsat_ar",
    "bigbench_cs_algorithms",
    "bigbench_operators",
    "bigbench_repeat_copy_logic",
    "squad",
    "coqa",
    "boolq",
    "bigbench_language_identification",
)

# Chance-level accuracy of each task as DCLM's current (v2) aggregation centers it. Upstream keeps them in
# eval/eval_meta_data.csv; the values here are the ones its published aggregates imply: the files' "Core" and
# "Extended" are linear in the task accuracies, and regressing them on the accuracies (156 and 149 complete files)
# gives every coefficient 1 / (k (1 - baseline)) exactly (residual below 1e-14); tests/test_probes_dclm.py recomputes
# Core and Extended from them. Free-response tasks are 0. The four tasks outside the v2 suite (gsm8k, svamp, aqua,
# agi_eval_sat_math: the non chain-of-thought variants of older files) are free-response too: 0.
_B = {
    "agi_eval_lsat_ar": 0.25,
    "agi_eval_lsat_lr": 0.25,
    "agi_eval_lsat_rc": 0.25,
    "agi_eval_sat_en": 0.25,
    "arc_challenge": 0.25,
    "arc_easy": 0.25,
    "bbq": 0.50,
    "bigbench_conceptual_combinations": 0.33,
    "bigbench_elementary_math_qa": 0.25,
    "bigbench_language_identification": 0.25,
    "bigbench_logical_deduction": 0.25,
    "bigbench_misconceptions": 0.50,
    "bigbench_novel_concepts": 0.25,
    "bigbench_strange_stories": 0.50,
    "bigbench_strategy_qa": 0.50,
    "bigbench_understanding_fables": 0.25,
    "boolq": 0.62,
    "commonsense_qa": 0.403,
    "copa": 0.50,
    "enterprise_pii_classification": 0.50,
    "gpqa_diamond": 0.25,
    "gpqa_main": 0.25,
    "hellaswag": 0.25,
    "hellaswag_zeroshot": 0.25,
    "logi_qa": 0.25,
    "math_qa": 0.20,
    "mmlu_fewshot": 0.25,
    "mmlu_zeroshot": 0.25,
    "openbook_qa": 0.25,
    "piqa": 0.50,
    "siqa": 0.50,
    "winogender_mc_female": 0.50,
    "winogender_mc_male": 0.50,
    "winograd": 0.50,
    "winogrande": 0.50,
}
_FREE_RESPONSE = (
    "agi_eval_sat_math",
    "agi_eval_sat_math_cot",
    "aqua",
    "aqua_cot",
    "bigbench_conlang_translation",
    "bigbench_cs_algorithms",
    "bigbench_dyck_languages",
    "bigbench_operators",
    "bigbench_qa_wikidata",
    "bigbench_repeat_copy_logic",
    "coqa",
    "gsm8k",
    "gsm8k_cot",
    "jeopardy",
    "lambada_openai",
    "pubmed_qa_labeled",
    "simple_arithmetic_nospaces",
    "simple_arithmetic_withspaces",
    "squad",
    "svamp",
    "svamp_cot",
    "triviaqa_sm_sub",
)
#: Random baseline (chance-level accuracy, a fraction) of every DCLM task, for DCLM's centered accuracy.
DCLM_RANDOM_BASELINES: Mapping[str, float] = MappingProxyType({**_B, **dict.fromkeys(_FREE_RESPONSE, 0.0)})


def dclm_study(
    data: pd.DataFrame | str | Path,
    *,
    scales: Mapping[str, Sequence[str]] = DCLM_SCALES,
    tasks: Sequence[str] | None = None,
) -> CandidateStudy:
    """The DCLM evaluations as a study: training datasets ranked at each model scale.

    Parameters
    ----------
    data : pandas.DataFrame or path
        The long frame of ``rankagg.datasets.load("dclm", as_frame=True)``
        (or a CSV with its columns: ``system, task, score, dataset, arch``).
    scales : mapping of str to sequence of str, default :data:`DCLM_SCALES`
        Scale name -> the architectures (``arch``) it pools.
    tasks : sequence of str, optional
        Keep only these tasks (e.g. :data:`DCLM_CORE_TASKS`).

    Returns
    -------
    CandidateStudy
        With ``random_baseline`` (:data:`DCLM_RANDOM_BASELINES`), so the
        ``centered_mean`` rule is DCLM's Core when ``tasks`` are the Core
        tasks. Its ``notes`` say which evaluation files were left out (public
        models and runs whose file name names no training dataset, other
        architectures) and how many datasets have several runs at a scale.

    Examples
    --------
    >>> import rankagg
    >>> from rankagg.probes import dclm_study
    >>> frame = rankagg.datasets.load("dclm", as_frame=True)  # doctest: +SKIP
    >>> study = dclm_study(frame)  # doctest: +SKIP
    >>> study.summary()  # doctest: +SKIP
    """
    df = pd.read_csv(data) if isinstance(data, (str, Path)) else data
    need = {"system", "task", "score", "dataset", "arch"}
    if not need <= set(df.columns):
        raise StudyError(
            f"data: the DCLM frame needs columns {sorted(need)}; missing {sorted(need - set(df.columns))}."
            " Load it with rankagg.datasets.load('dclm', as_frame=True)."
        )
    arch_scale = {a: s for s, archs in scales.items() for a in archs}
    notes = []
    no_ds = df["dataset"].isna() | (df["dataset"].astype(str).str.strip() == "")
    if no_ds.any():
        names = sorted(df.loc[no_ds, "system"].unique())
        notes.append(f"{len(names)} evaluation file(s) name no training dataset (public models, ad-hoc runs), left out")
    other = ~no_ds & ~df["arch"].isin(list(arch_scale))
    if other.any():
        archs = sorted(df.loc[other, "arch"].astype(str).unique())
        n = df.loc[other, "system"].nunique()
        notes.append(f"{n} run(s) of other architectures ({preview(archs, 3)}) left out")
    keep = df[~no_ds & ~other].copy()
    if tasks is not None:
        unknown = sorted(set(tasks) - set(keep["task"]))
        if unknown:
            raise StudyError(f"tasks: {preview(unknown)} not in the DCLM evaluations.")
        keep = keep[keep["task"].isin(list(tasks))]
    unknown = sorted(set(keep["task"]) - set(DCLM_RANDOM_BASELINES))
    if unknown:
        raise StudyError(
            f"tasks {preview(unknown)} have no random baseline in DCLM_RANDOM_BASELINES; drop them (tasks=...)."
        )
    out = pd.DataFrame(
        {
            "candidate": keep["dataset"].astype(str).to_numpy(),
            "task": keep["task"].to_numpy(),
            "seed": keep["system"].to_numpy(),
            "scale": keep["arch"].map(arch_scale).to_numpy(),
            "score": keep["score"].to_numpy(),
            "higher_is_better": True,
            "random_baseline": keep["task"].map(DCLM_RANDOM_BASELINES).to_numpy(),
        }
    )
    out = out[out["score"].notna()]
    runs = out.groupby(["scale", "candidate"])["seed"].nunique()
    multi = runs[runs > 1]
    if len(multi):
        notes.append(
            f"{len(multi)} (scale, dataset) pair(s) have several runs (architecture variants, hyper-parameters or "
            "seeds), kept as replicates and averaged per task"
        )
    return CandidateStudy.from_frame(out, name="dclm", notes=notes)
