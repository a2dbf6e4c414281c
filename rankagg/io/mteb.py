"""MTEB results in the layout of the public results repository (embeddings-benchmark/results).

Why this module is long: The reader follows the results repository's real layout (revisions, external
results, several JSON schemas over the years) and carries the task lists of the benchmarks it names.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import ReaderError, did_you_mean, short
from rankagg.data.table import MissingPolicy, ScoreTable, Weights
from rankagg.io._common import Notes, check_path, finish, load_json, long_frame, lookup, match_names, to_float

__all__ = ["MTEB_BENCHMARKS", "MTEB_ENG_CLASSIC_TASKS", "MtebBenchmark", "read_mteb"]

#: The 56 tasks of the classic English MTEB benchmark (Muennighoff et al., 2023), with their type.
MTEB_ENG_CLASSIC_TASKS: dict[str, str] = {
    "AmazonCounterfactualClassification": "Classification",
    "AmazonPolarityClassification": "Classification",
    "AmazonReviewsClassification": "Classification",
    "Banking77Classification": "Classification",
    "EmotionClassification": "Classification",
    "ImdbClassification": "Classification",
    "MassiveIntentClassification": "Classification",
    "MassiveScenarioClassification": "Classification",
    "MTOPDomainClassification": "Classification",
    "MTOPIntentClassification": "Classification",
    "ToxicConversationsClassification": "Classification",
    "TweetSentimentExtractionClassification": "Classification",
    "ArxivClusteringP2P": "Clustering",
    "ArxivClusteringS2S": "Clustering",
    "BiorxivClusteringP2P": "Clustering",
    "BiorxivClusteringS2S": "Clustering",
    "MedrxivClusteringP2P": "Clustering",
    "MedrxivClusteringS2S": "Clustering",
    "RedditClustering": "Clustering",
    "RedditClusteringP2P": "Clustering",
    "StackExchangeClustering": "Clustering",
    "StackExchangeClusteringP2P": "Clustering",
    "TwentyNewsgroupsClustering": "Clustering",
    "SprintDuplicateQuestions": "PairClassification",
    "TwitterSemEval2015": "PairClassification",
    "TwitterURLCorpus": "PairClassification",
    "AskUbuntuDupQuestions": "Reranking",
    "MindSmallReranking": "Reranking",
    "SciDocsRR": "Reranking",
    "StackOverflowDupQuestions": "Reranking",
    "ArguAna": "Retrieval",
    "ClimateFEVER": "Retrieval",
    "CQADupstackRetrieval": "Retrieval",
    "DBPedia": "Retrieval",
    "FEVER": "Retrieval",
    "FiQA2018": "Retrieval",
    "HotpotQA": "Retrieval",
    "MSMARCO": "Retrieval",
    "NFCorpus": "Retrieval",
    "NQ": "Retrieval",
    "QuoraRetrieval": "Retrieval",
    "SCIDOCS": "Retrieval",
    "SciFact": "Retrieval",
    "Touche2020": "Retrieval",
    "TRECCOVID": "Retrieval",
    "BIOSSES": "STS",
    "SICK-R": "STS",
    "STS12": "STS",
    "STS13": "STS",
    "STS14": "STS",
    "STS15": "STS",
    "STS16": "STS",
    "STS17": "STS",
    "STS22": "STS",
    "STSBenchmark": "STS",
    "SummEval": "Summarization",
}

CQADUPSTACK_SUBTASKS: tuple[str, ...] = tuple(
    f"CQADupstack{x}Retrieval"
    for x in (
        "Android",
        "English",
        "Gaming",
        "Gis",
        "Mathematica",
        "Physics",
        "Programmers",
        "Stats",
        "Tex",
        "Unix",
        "Webmasters",
        "Wordpress",
    )
)

# main score of legacy (pre-1.11) files that lack "main_score", by task type: a path into the subset dict
_DEFAULT_MAIN: dict[str, tuple[str, ...]] = {
    "Classification": ("accuracy",),
    "MultilabelClassification": ("accuracy",),
    "Clustering": ("v_measure",),
    "PairClassification": ("cos_sim", "ap"),
    "Reranking": ("map",),
    "Retrieval": ("ndcg_at_10",),
    "STS": ("cos_sim", "spearman"),
    "Summarization": ("cos_sim", "spearman"),
}
_NOMINAL = {
    ("accuracy",): "accuracy",
    ("v_measure",): "v_measure",
    ("cos_sim", "ap"): "ap (cosine)",
    ("map",): "map",
    ("ndcg_at_10",): "ndcg_at_10",
    ("cos_sim", "spearman"): "spearman (cosine)",
}
_SIMILARITY_KEYS = {"cos_sim", "cosine", "euclidean", "manhattan", "dot", "max", "similarity"}
_LEGACY_META = {
    "dataset_revision",
    "mteb_dataset_name",
    "mteb_version",
    "evaluation_time",
    "kg_co2_emissions",
    "task_name",
    "dataset_name",
}


@dataclass(frozen=True)
class MtebBenchmark:
    """A fixed selection of MTEB results: tasks, split per task, subset per task, composite tasks."""

    name: str
    description: str
    tasks: dict[str, str]
    splits: dict[str, str] = field(default_factory=dict)
    default_split: str = "test"
    subsets: dict[str, str] = field(default_factory=dict)
    composites: dict[str, tuple[str, ...]] = field(default_factory=dict)


#: Benchmark presets for :func:`read_mteb` (``benchmark=``).
MTEB_BENCHMARKS: dict[str, MtebBenchmark] = {
    "mteb-eng-classic": MtebBenchmark(
        name="mteb-eng-classic",
        description=(
            "The classic English MTEB benchmark (56 tasks, 7 types; Muennighoff et al., EACL 2023): split 'test' "
            "('dev' for MSMARCO); English subsets 'en' for AmazonCounterfactual, AmazonReviews, MassiveIntent, "
            "MassiveScenario, MTOPDomain and MTOPIntent, 'en-en' for STS17, 'en' for STS22; CQADupstackRetrieval = "
            "its own file, else the mean of the 12 CQADupstack*Retrieval subtasks (only when all 12 exist)."
        ),
        tasks=MTEB_ENG_CLASSIC_TASKS,
        splits={"MSMARCO": "dev"},
        subsets={
            "AmazonCounterfactualClassification": "en",
            "AmazonReviewsClassification": "en",
            "MassiveIntentClassification": "en",
            "MassiveScenarioClassification": "en",
            "MTOPDomainClassification": "en",
            "MTOPIntentClassification": "en",
            "STS17": "en-en",
            "STS22": "en",
        },
        composites={"CQADupstackRetrieval": CQADUPSTACK_SUBTASKS},
    )
}


@dataclass
class _TaskFile:
    task: str
    path: Path
    version: str | None
    splits: dict[str, dict[str, dict[str, Any]]]  # split -> subset -> metrics


def _is_metric_dict(d: Mapping[str, Any]) -> bool:
    for k, v in d.items():
        if k in _SIMILARITY_KEYS and isinstance(v, Mapping):
            return True
        if k != "evaluation_time" and to_float(v) is not None and not isinstance(v, str):
            return True
    return False


def _parse(path: Path) -> _TaskFile:
    obj = load_json(path, "MTEB result file")
    if not isinstance(obj, Mapping):
        raise ReaderError(f"{path}: expected a JSON object (an MTEB result), got a {type(obj).__name__}.")
    task = obj.get("task_name") or obj.get("mteb_dataset_name") or path.stem
    version = obj.get("mteb_version")
    splits: dict[str, dict[str, dict[str, Any]]] = {}
    if "scores" in obj:
        scores = obj["scores"]
        if not isinstance(scores, Mapping):
            raise ReaderError(
                f"{path}: field 'scores' is a {type(scores).__name__}; it must map each split to a list of "
                "{'hf_subset': ..., 'main_score': ...} entries."
            )
        for split, entries in scores.items():
            if not isinstance(entries, list):
                raise ReaderError(
                    f"{path}: field scores[{split!r}] is a {type(entries).__name__}; it must be a list of "
                    "{'hf_subset': ..., 'main_score': ...} entries."
                )
            subs: dict[str, dict[str, Any]] = {}
            for i, e in enumerate(entries):
                if not isinstance(e, Mapping):
                    raise ReaderError(f"{path}: field scores[{split!r}][{i}] is not an object.")
                subs[str(e.get("hf_subset", "default"))] = dict(e)
            splits[str(split)] = subs
    else:
        for split, body in obj.items():
            if split in _LEGACY_META or not isinstance(body, Mapping):
                continue
            if _is_metric_dict(body):
                splits[str(split)] = {"default": dict(body)}
            else:
                subs = {str(k): dict(v) for k, v in body.items() if isinstance(v, Mapping)}
                if subs:
                    splits[str(split)] = subs
        if not splits:
            raise ReaderError(
                f"{path}: neither a 'scores' field (MTEB >= 1.11) nor split sections such as 'test' "
                "(older MTEB); is this an MTEB result file?"
            )
    return _TaskFile(str(task), path, None if version is None else str(version), splits)


def _main_score(metrics: Mapping[str, Any], task_type: str | None) -> tuple[float | None, str]:
    """The main score of one subset, and the name of the metric it is."""
    keys: tuple[str, ...] | None = _DEFAULT_MAIN.get(task_type or "")
    x = to_float(metrics.get("main_score")) if "main_score" in metrics else None
    if x is not None and not np.isnan(x):
        return x, _NOMINAL.get(keys, "main_score") if keys is not None else "main_score"
    if keys is None:  # infer the task type from the metrics present
        if "ndcg_at_10" in metrics:
            keys = ("ndcg_at_10",)
        elif "v_measure" in metrics:
            keys = ("v_measure",)
        elif isinstance(metrics.get("cos_sim"), Mapping) and "spearman" in metrics["cos_sim"]:
            keys = ("cos_sim", "spearman")
        elif isinstance(metrics.get("cos_sim"), Mapping) and "ap" in metrics["cos_sim"]:
            keys = ("cos_sim", "ap")
        elif "map" in metrics and "mrr" in metrics:
            keys = ("map",)
        elif "accuracy" in metrics:
            keys = ("accuracy",)
        else:
            return None, ""
    value: Any = metrics
    for k in keys:
        value = value.get(k) if isinstance(value, Mapping) else None
    x = to_float(value)
    if x is None or np.isnan(x):
        return None, ""
    return x, _NOMINAL.get(keys, ".".join(keys))


def _model_dirs(root: Path) -> list[Path]:
    if (root / "results").is_dir():  # a clone of the results repository
        root = root / "results"
    return sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))


def _revisions(model_dir: Path) -> dict[str, list[Path]]:
    revs: dict[str, list[Path]] = {}
    flat = sorted(f for f in model_dir.glob("*.json") if f.name != "model_meta.json")
    if flat:
        revs["no_revision_available"] = flat
    for d in sorted(x for x in model_dir.iterdir() if x.is_dir()):
        files = sorted(f for f in d.glob("*.json") if f.name != "model_meta.json")
        if files:
            revs[d.name] = files
    return revs


def _system_name(model_dir: Path) -> str:
    for meta in [*sorted(model_dir.glob("*/model_meta.json")), model_dir / "model_meta.json"]:
        if meta.is_file():
            obj = load_json(meta, "MTEB model_meta.json")
            if isinstance(obj, Mapping) and isinstance(obj.get("name"), str) and obj["name"].strip():
                return obj["name"].strip()
    return model_dir.name.replace("__", "/", 1)


def read_mteb(
    path: str | os.PathLike[str],
    *,
    benchmark: str | None = None,
    tasks: str | Collection[str] | None = None,
    models: str | Collection[str] | None = None,
    split: str | Mapping[str, str] | None = None,
    subsets: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    revision: str | None = None,
    external: bool = True,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read MTEB results laid out as in the public results repository.

    The layout is ``<root>/<org>__<model>/<revision>/<Task>.json`` (the
    ``results/`` folder of a clone of github.com/embeddings-benchmark/results,
    or an ``output_folder`` of ``mteb.run``), each model with one or more
    revision folders (a commit hash, ``external`` for results imported from
    papers and model cards...) and an optional ``model_meta.json``; task files
    directly in a model folder (older snapshots) count as revision
    ``no_revision_available``. Both the current result format
    (``scores[split][i].main_score`` per ``hf_subset``) and the legacy pre-1.11
    format (``{"test": {"en": {"accuracy": ...}}}``) are read.

    Parameters
    ----------
    path : path-like
        The root folder (or its parent holding ``results/``).
    benchmark : str, optional
        A preset from :data:`MTEB_BENCHMARKS`: ``"mteb-eng-classic"`` is the
        classic English benchmark (56 tasks, English subsets, ``dev`` for
        MSMARCO, CQADupstackRetrieval from its 12 subtasks when needed).
        Models without a task then get a missing score for it.
    tasks : str or collection of str, optional
        Task names or shell globs to keep (within the benchmark, if given).
        Default: the benchmark's tasks, or every task found.
    models : str or collection of str, optional
        System names (``"BAAI/bge-large-en-v1.5"``) or globs to read.
    split : str or mapping of str to str, optional
        The split per task (one for all, or ``{task: split}``). Default: the
        benchmark's; otherwise ``test``, else ``dev``, else ``validation``,
        else the first split in the file.
    subsets : str, sequence of str, or mapping, optional
        The ``hf_subset`` (language) to use for tasks that have several: one
        name or a list (averaged) for all tasks, or per task. Default: the
        benchmark's; otherwise ``default`` when present, else the mean over
        all subsets of the split (``hf_subset`` then reads ``mean_of_N_subsets``).
        A task with a single subset always uses it.
    revision : str, optional
        Use only this revision folder (a commit hash, ``"external"``...).
        Default: per model, revisions are ranked by the number of selected
        tasks they have a usable score for (ties: non-``external`` first, then
        by name), and each task takes its score from the highest-ranked
        revision that has it (the ``revision`` column says which).
    external : bool, default True
        Use results in ``external`` folders (imported from papers / model
        cards, not run by MTEB).
    weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        Long frame columns: ``system, task, metric (= "main_score"), score
        (0-1), higher_is_better (True), task_type, nominal_metric, revision,
        split, hf_subset, mteb_version, source_file``. Every MTEB main score
        (accuracy, v-measure, AP, MAP, nDCG@10, Spearman) is higher-is-better.

    Raises
    ------
    ReaderError
        On a folder without result files, a file that is not an MTEB result,
        an unknown benchmark, task or model name, or a revision no model has.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from rankagg.io import read_mteb
    >>> root = tempfile.mkdtemp()
    >>> for model, sts, clf in [("org__small", 0.71, 0.64), ("org__large", 0.83, 0.70)]:
    ...     d = os.path.join(root, model, "abc123")
    ...     os.makedirs(d)
    ...     for task, score in [("STSBenchmark", sts), ("Banking77Classification", clf)]:
    ...         res = {"task_name": task, "mteb_version": "1.12.0", "scores": {"test": [
    ...             {"hf_subset": "default", "languages": ["eng-Latn"], "main_score": score}]}}
    ...         with open(os.path.join(d, task + ".json"), "w") as fh:
    ...             json.dump(res, fh)
    >>> t = read_mteb(root)
    >>> t.systems, t.labels
    (('org/large', 'org/small'), ('Banking77Classification', 'STSBenchmark'))
    """
    root = check_path(path, kind="MTEB results folder")
    if not root.is_dir():
        raise ReaderError(
            f"{root}: give the results folder (<root>/<org>__<model>/<revision>/<Task>.json), not a file."
        )
    notes = Notes(str(root))
    bench: MtebBenchmark | None = None
    if benchmark is not None:
        if benchmark not in MTEB_BENCHMARKS:
            raise ReaderError(
                f"benchmark={benchmark!r}: unknown MTEB benchmark; the presets are "
                f"{short(MTEB_BENCHMARKS)}.{did_you_mean(benchmark, MTEB_BENCHMARKS)}"
            )
        bench = MTEB_BENCHMARKS[benchmark]

    model_dirs = [d for d in _model_dirs(root) if _revisions(d)]
    if not model_dirs:
        raise ReaderError(
            f"{root}: no MTEB result files found; expected <root>/<org>__<model>/<revision>/<Task>.json "
            "(the results/ folder of the embeddings-benchmark/results repository)."
        )
    names = {d: _system_name(d) for d in model_dirs}
    if models is not None:
        pats = [models] if isinstance(models, str) else [str(m) for m in models]
        all_names = list(names.values())
        for pat in pats:
            if not match_names([pat], all_names):
                raise ReaderError(
                    f"{root}: models: {pat!r} matches no model; the models are {short(all_names, 8)}."
                    f"{did_you_mean(pat, all_names)}"
                )
        keep = match_names(pats, all_names)
        model_dirs = [d for d in model_dirs if names[d] in keep]

    # parse every file once
    parsed: dict[Path, dict[str, dict[str, _TaskFile]]] = {}
    for d in model_dirs:
        revs = {}
        for rev, files in _revisions(d).items():
            if rev == "external" and not external:
                continue
            if revision is not None and rev != revision:
                continue
            revs[rev] = {tf.task: tf for tf in (_parse(f) for f in files)}
        parsed[d] = revs
    if revision is not None:
        lacking = [names[d] for d in model_dirs if not parsed[d]]
        if len(lacking) == len(model_dirs):
            raise ReaderError(f"{root}: revision={revision!r}: no model has a revision folder of that name.")
        if lacking:
            notes.add(f"left out model(s) without revision {revision!r}: {short(lacking)}.", warn=False)

    found_tasks = sorted({t for revs in parsed.values() for tf in revs.values() for t in tf})
    composites = dict(bench.composites) if bench is not None else {}
    if bench is not None:
        universe = list(bench.tasks)
    else:
        universe = found_tasks
    if tasks is not None:
        pats = [tasks] if isinstance(tasks, str) else [str(t) for t in tasks]
        for pat in pats:
            if not match_names([pat], universe):
                where = f"benchmark {benchmark!r}" if bench is not None else "the files"
                raise ReaderError(
                    f"{root}: tasks: {pat!r} matches no task of {where}; the tasks are {short(universe, 8)}."
                    f"{did_you_mean(pat, universe)}"
                )
        chosen = match_names(pats, universe)
        selected = [t for t in universe if t in chosen]
    else:
        selected = list(universe)
    for param, given in (("split", split), ("subsets", subsets)):
        if isinstance(given, Mapping):
            for key in given:
                if not match_names([str(key)], selected):
                    raise ReaderError(
                        f"{root}: {param}: {key!r} matches no selected task; the tasks are {short(selected, 8)}."
                        f"{did_you_mean(str(key), selected)}"
                    )
    if bench is None and "CQADupstackRetrieval" in selected:
        composites["CQADupstackRetrieval"] = CQADUPSTACK_SUBTASKS
    type_of = dict(MTEB_ENG_CLASSIC_TASKS)
    if bench is not None:
        type_of.update(bench.tasks)

    def split_for(task: str, tf: _TaskFile) -> str | None:
        if split is not None:
            if isinstance(split, Mapping):
                found, value = lookup(split, task)
                if found:
                    return str(value) if str(value) in tf.splits else None
            else:
                return split if split in tf.splits else None
        if bench is not None:
            want = bench.splits.get(task, bench.default_split)
            return want if want in tf.splits else None
        for s in ("test", "dev", "validation"):
            if s in tf.splits:
                return s
        return next(iter(tf.splits), None)

    def subsets_for(task: str) -> list[str] | None:
        if subsets is not None:
            if isinstance(subsets, Mapping):
                found, value = lookup(subsets, task)
                if found:
                    return [value] if isinstance(value, str) else [str(v) for v in value]
            elif isinstance(subsets, str):
                return [subsets]
            else:
                return [str(v) for v in subsets]
        if bench is not None and task in bench.subsets:
            return [bench.subsets[task]]
        return None

    problems: list[str] = []

    def score_of(task: str, tf: _TaskFile) -> dict[str, Any] | None:
        sp = split_for(task, tf)
        if sp is None:
            problems.append(
                f"{tf.path.parent.name}/{tf.path.name}: not the chosen split (it has {', '.join(tf.splits)})"
            )
            return None
        subs = tf.splits[sp]
        want = subsets_for(task)
        if len(subs) == 1:
            use = list(subs)
        elif want is not None:
            use = want
        elif "default" in subs:
            use = ["default"]
        else:
            use = list(subs)
        absent = [u for u in use if u not in subs]
        if absent:
            problems.append(f"{tf.path.parent.name}/{tf.path.name}: no subset {absent[0]!r} in split {sp!r}")
            return None
        values, nominal = [], ""
        for u in use:
            x, nominal = _main_score(subs[u], type_of.get(task))
            if x is None:
                problems.append(f"{tf.path.parent.name}/{tf.path.name}: no main score for subset {u!r}")
                return None
            values.append(x)
        return {
            "score": float(np.mean(values)),
            "nominal_metric": nominal,
            "split": sp,
            "hf_subset": use[0] if len(use) == 1 else f"mean_of_{len(use)}_subsets",
            "mteb_version": tf.version,
            "source_file": str(tf.path),
        }

    rows: list[dict[str, Any]] = []
    mixed: list[str] = []
    overlapping: list[str] = []
    for d in model_dirs:
        revs = parsed[d]
        if not revs:
            continue
        per_rev: dict[str, dict[str, dict[str, Any]]] = {}
        for rev, files in revs.items():
            got: dict[str, dict[str, Any]] = {}
            for task in selected:
                if task in files:
                    s = score_of(task, files[task])
                    if s is not None:
                        got[task] = s
                        continue
                parts = composites.get(task)
                if parts and all(p in files for p in parts):
                    subs = [score_of(p, files[p]) for p in parts]
                    if all(s is not None for s in subs):
                        got[task] = {
                            "score": float(np.mean([s["score"] for s in subs if s is not None])),
                            "nominal_metric": subs[0]["nominal_metric"] if subs[0] else "",
                            "split": subs[0]["split"] if subs[0] else None,
                            "hf_subset": f"mean_of_{len(parts)}_subsets",
                            "mteb_version": subs[0]["mteb_version"] if subs[0] else None,
                            "source_file": str(files[parts[0]].path.parent),
                        }
            per_rev[rev] = got
        order = sorted(per_rev, key=lambda r: (-len(per_rev[r]), r == "external", r))
        used: set[str] = set()
        system = names[d]
        for task in selected:
            having = [r for r in order if task in per_rev[r]]
            if having:
                rev = having[0]
                used.add(rev)
                if len(having) > 1:
                    overlapping.append(f"{system}:{task} ({', '.join(having[1:])})")
                s = per_rev[rev][task]
                rows.append({"system": system, "task": task, "metric": "main_score", "revision": rev, **s})
            elif bench is not None or (tasks is not None and not isinstance(tasks, str) and task in tasks):
                rows.append({"system": system, "task": task, "metric": "main_score", "score": float("nan")})
        if len(used) > 1:
            mixed.append(system)
    if problems:
        notes.add(f"{len(problems)} result file(s) without a usable score: {short(problems, 4)}.", warn=True)
    if overlapping:
        notes.add(
            f"{len(overlapping)} task result(s) also in other revisions, not used (each task comes from the "
            f"revision covering most tasks; pass revision=... to choose): {short(overlapping, 4)}.",
            warn=revision is None,
        )
    if mixed:
        notes.add(
            f"{len(mixed)} model(s) take their tasks from several revisions (see the 'revision' column): "
            f"{short(mixed, 4)}.",
            warn=False,
        )
    if not rows:
        raise ReaderError(f"{root}: no usable score for the selected tasks; check tasks=, split= and subsets=.")
    frame = long_frame(
        rows,
        extra=["task_type", "nominal_metric", "revision", "split", "hf_subset", "mteb_version", "source_file"],
    )
    frame["higher_is_better"] = True
    frame["higher_is_better"] = frame["higher_is_better"].astype(object)
    frame["task_type"] = frame["task"].map(lambda t: type_of.get(t)).astype(object)
    if bench is None:
        frame = frame.sort_values(["system", "task"], kind="stable")
    return finish(frame, notes, as_frame=as_frame, weights=weights, include=include, exclude=exclude, missing=missing)
