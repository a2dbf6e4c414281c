"""EleutherAI lm-evaluation-harness output: ``results_<timestamp>.json`` files, one model or many."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from rankagg._errors import ReaderError, did_you_mean, short
from rankagg.data.table import Direction, MissingPolicy, ScoreTable, Weights
from rankagg.io._common import Notes, check_path, finish, load_json, long_frame, lookup, match_names, to_float

__all__ = ["read_lm_eval"]

_TS = re.compile(r"results_(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)\.json$")
_META_KEYS = {"alias", "name", "sample_len", "sample_count", "samples", "group", "version", "task"}


def _timestamp(path: Path, obj: Mapping[str, Any]) -> datetime | None:
    m = _TS.search(path.name)
    if m:
        text = m.group(1)
        fmt = "%Y-%m-%dT%H-%M-%S.%f" if "." in text else "%Y-%m-%dT%H-%M-%S"
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    date = obj.get("date")
    if isinstance(date, (int, float)) and not isinstance(date, bool):
        return datetime.fromtimestamp(float(date), tz=timezone.utc)
    return None


def _model_args(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        out = {}
        for item in value.split(","):
            if "=" in item:
                k, v = item.split("=", 1)
                out[k.strip()] = v.strip()
        return out
    return {}


def _model_name(path: Path, obj: Mapping[str, Any]) -> str:
    name = obj.get("model_name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    config = obj.get("config")
    if isinstance(config, Mapping):
        args = _model_args(config.get("model_args"))
        for key in ("pretrained", "model", "model_name", "engine", "path"):
            if args.get(key):
                return args[key]
        if isinstance(config.get("model"), str) and config["model"].strip():
            return config["model"].strip()
    if path.parent.name:
        return path.parent.name
    raise ReaderError(
        f"{path}: no model name: the file has no 'model_name' field and no 'config.model_args' with pretrained=...; "
        "put each model's results in a directory named after the model."
    )


def _split_key(key: str, old_style: bool) -> tuple[str, str] | None:
    """``"acc,none"`` -> ``("acc", "none")``; old files have bare ``"acc"``."""
    if "," in key:
        metric, filt = key.split(",", 1)
        return metric.strip(), filt.strip()
    if old_style and key not in _META_KEYS:
        return key, "none"
    return None


def _descendants(group: str, tree: Mapping[str, list[str]]) -> set[str]:
    out: set[str] = set()
    stack = list(tree.get(group, []))
    while stack:
        t = stack.pop()
        if t in out:
            continue
        out.add(t)
        stack.extend(tree.get(t, []))
    return out


def _parse_file(path: Path) -> list[dict[str, Any]]:
    """One row per (task, metric key) of one results file, with everything needed later."""
    obj = load_json(path, "lm-evaluation-harness results file")
    if not isinstance(obj, Mapping):
        raise ReaderError(f"{path}: expected a JSON object with a 'results' section, got a {type(obj).__name__}.")
    results = obj.get("results")
    if not isinstance(results, Mapping) or not results:
        raise ReaderError(
            f"{path}: field 'results' is missing or empty; an lm-evaluation-harness results file maps each task to "
            'its metrics, e.g. "results": {"arc_easy": {"acc,none": 0.61, ...}}.'
        )
    entries: dict[str, Mapping[str, Any]] = {}
    is_group: dict[str, bool] = {}
    for task, metrics in results.items():
        if not isinstance(metrics, Mapping):
            raise ReaderError(
                f"{path}: field results[{task!r}] is a {type(metrics).__name__}; it must map metric keys such as "
                "'acc,none' to numbers."
            )
        entries[str(task)] = metrics
        is_group[str(task)] = False
    old_groups = obj.get("groups")
    if isinstance(old_groups, Mapping):
        for task, metrics in old_groups.items():
            if isinstance(metrics, Mapping):
                entries.setdefault(str(task), metrics)
                is_group[str(task)] = True
    tree: dict[str, list[str]] = {}
    gs = obj.get("group_subtasks")
    if isinstance(gs, Mapping):
        for g, subs in gs.items():
            if isinstance(subs, list) and subs:
                tree[str(g)] = [str(s) for s in subs]
                if str(g) in is_group:
                    is_group[str(g)] = True
    old_style = not any("," in str(k) for m in entries.values() for k in m)
    hib = obj.get("higher_is_better") if isinstance(obj.get("higher_is_better"), Mapping) else {}
    configs = obj.get("configs") if isinstance(obj.get("configs"), Mapping) else {}
    nshot = obj.get("n-shot") if isinstance(obj.get("n-shot"), Mapping) else {}
    model = _model_name(path, obj)
    stamp = _timestamp(path, obj)
    rows: list[dict[str, Any]] = []
    for task, metrics in entries.items():
        primary: list[str] = []
        cfg = configs.get(task)
        cfg_dirs: dict[str, bool] = {}
        if isinstance(cfg, Mapping) and isinstance(cfg.get("metric_list"), list):
            for item in cfg["metric_list"]:
                if isinstance(item, Mapping) and isinstance(item.get("metric"), str):
                    primary.append(item["metric"])
                    if isinstance(item.get("higher_is_better"), bool):
                        cfg_dirs[item["metric"]] = item["higher_is_better"]
        task_hib = hib.get(task) if isinstance(hib.get(task), Mapping) else {}
        for order, (key, value) in enumerate(metrics.items()):
            parts = _split_key(str(key), old_style)
            if parts is None:
                continue
            metric, filt = parts
            if metric.endswith("_stderr"):
                continue
            x = to_float(value)
            if x is None:
                continue  # non-numeric entries (aliases, " " placeholders) are not metrics
            skey = f"{metric}_stderr,{filt}" if not old_style else f"{metric}_stderr"
            se = to_float(metrics.get(skey)) if skey in metrics else None
            direction = task_hib.get(metric)
            if not isinstance(direction, bool):
                direction = cfg_dirs.get(metric)
            rows.append(
                {
                    "system": model,
                    "task": task,
                    "metric": metric if filt == "none" else f"{metric},{filt}",
                    "score": x,
                    "higher_is_better": direction,
                    "stderr": float("nan") if se is None else se,
                    "metric_key": str(key),
                    "filter": filt,
                    "n_shot": nshot.get(task),
                    "alias": metrics.get("alias"),
                    "is_group": is_group[task],
                    "timestamp": stamp,
                    "source_file": str(path),
                    "git_hash": obj.get("git_hash"),
                    "_base": metric,
                    "_order": order,
                    "_primary": primary.index(metric) if metric in primary else None,
                    "_tree": tree,
                }
            )
    if not rows:
        raise ReaderError(f"{path}: no numeric metric in field 'results'; expected entries such as \"acc,none\": 0.61.")
    return rows


def _choose(rows: list[dict[str, Any]], spec: str | Mapping[str, str] | None) -> list[dict[str, Any]]:
    """Keep one metric per (system, task) -- the caller's or the documented default."""
    by_task: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_task.setdefault((r["system"], r["task"]), []).append(r)
    out: list[dict[str, Any]] = []
    for (system, task), rs in by_task.items():
        if spec == "all":
            out.extend(rs)
            continue
        wanted: str | None = None
        if isinstance(spec, str):
            wanted = spec
        elif isinstance(spec, Mapping):
            found, value = lookup(spec, task)
            wanted = str(value) if found else None
        if wanted is None:
            with_primary = [r for r in rs if r["_primary"] is not None]
            if with_primary:
                best = min(with_primary, key=lambda r: (r["_primary"], r["_order"]))
            else:
                best = min(rs, key=lambda r: r["_order"])
            out.append(best)
            continue
        hits = [r for r in rs if r["metric"] == wanted or r["metric_key"] == wanted]
        if not hits:
            hits = [r for r in rs if r["_base"] == wanted]
        if not hits:
            names = [r["metric"] for r in rs]
            raise ReaderError(
                f"{rs[0]['source_file']}: metrics: task {task!r} of {system!r} has no metric {wanted!r}; its metrics "
                f"are {short(names)}.{did_you_mean(wanted, names)} Give a metric per task, e.g. "
                f"metrics={{{task!r}: {names[0]!r}, '*': {wanted!r}}}."
            )
        out.append(min(hits, key=lambda r: r["_order"]))
    return out


def read_lm_eval(
    path: str | os.PathLike[str],
    *,
    metrics: str | Mapping[str, str] | None = None,
    tasks: str | Collection[str] | None = None,
    groups: Literal["leaves", "groups", "all"] | None = None,
    higher_is_better: Direction = None,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read lm-evaluation-harness results: one file, or a directory of them (one model or many).

    The harness writes ``<output_path>/<model_name_sanitized>/results_<timestamp>.json``;
    give one such file, a model's directory, or a directory of model directories
    (searched recursively for ``results*.json``).

    Parameters
    ----------
    path : path-like
        A results file or a directory.
    metrics : str or mapping of str to str, optional
        The metric of each task: a metric for every task (``"acc_norm"``), or a
        mapping ``{task or pattern: metric}`` (``{"wikitext": "word_perplexity",
        "*": "acc_norm"}``), or ``"all"`` to keep every metric as its own
        column. A metric is named as in the file without the ``,none`` filter
        (``"acc"``), or with its filter when it has one
        (``"exact_match,strict-match"``; the bare name picks the first filter).
        Default, per task: the first metric of the task's ``metric_list`` in
        the file's ``configs`` section (the task author's primary metric), and
        for tasks without a config (group aggregates, old files) the first
        metric listed in ``results``.
    tasks : str or collection of str, optional
        Keep only these tasks (names or shell globs such as ``"mmlu_*"``).
    groups : {"leaves", "groups", "all"}, optional
        Group aggregates (``mmlu`` next to its subtasks, from
        ``group_subtasks``): ``"leaves"`` keeps the subtasks and drops a group
        whose subtasks are present, ``"groups"`` keeps the groups and drops
        their subtasks, ``"all"`` keeps both (the group then counts twice).
        Default ``"leaves"``, with a :class:`DataNoteWarning` naming the
        dropped groups. Ignored for tasks named in ``tasks``.
    higher_is_better : bool or mapping, optional
        Directions for metrics the file does not give; the file's
        ``higher_is_better`` section (or its task configs) wins otherwise, and
        a contradiction is an error.
    weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        Long frame columns: ``system, task, metric, score, higher_is_better,
        stderr, metric_key, filter, n_shot, alias, is_group, timestamp,
        source_file, git_hash``. ``stderr`` is NaN where the file says ``"N/A"``.

    Raises
    ------
    ReaderError
        On a file that is not JSON or lacks a ``results`` section, a task entry
        that is not a mapping, an unknown metric or task name, or two results
        for one (model, task) whose order cannot be told.

    Notes
    -----
    *System names* come from the file's ``model_name``, else the
    ``pretrained=`` (or ``model=``) entry of ``config.model_args``, else
    ``config.model``, else the directory name.

    *Latest wins*: when several files hold the same (model, task), the one with
    the latest timestamp is used -- the timestamp in the file name
    (``results_2024-05-01T10-00-00.123456.json``), else the file's ``date``
    field. Superseded results are listed in a note (and warned about); two
    results with the same or no timestamp are an error.

    Examples
    --------
    >>> import json, os, tempfile, rankagg
    >>> from rankagg.io import read_lm_eval
    >>> root = tempfile.mkdtemp()
    >>> for model, acc, ppl in [("org/small", 0.52, 30.5), ("org/large", 0.61, 18.2)]:
    ...     d = os.path.join(root, model.replace("/", "__"))
    ...     os.makedirs(d)
    ...     res = {"results": {"arc_easy": {"alias": "arc_easy", "acc,none": acc, "acc_stderr,none": 0.01},
    ...                        "wikitext": {"alias": "wikitext", "word_perplexity,none": ppl,
    ...                                     "word_perplexity_stderr,none": "N/A"}},
    ...            "higher_is_better": {"arc_easy": {"acc": True}, "wikitext": {"word_perplexity": False}},
    ...            "model_name": model}
    ...     with open(os.path.join(d, "results_2024-05-01T10-00-00.000001.json"), "w") as fh:
    ...         json.dump(res, fh)
    >>> table = read_lm_eval(root)
    >>> [(c.label, c.higher_is_better) for c in table.columns]
    [('arc_easy', True), ('wikitext', False)]
    >>> rankagg.aggregate(table, rule="borda").ranking
    ['org/large', 'org/small']
    """
    p = check_path(path, kind="lm-evaluation-harness results file or directory")
    if p.is_dir():
        files = sorted(f for f in p.rglob("results*.json") if f.is_file())
        if not files:
            raise ReaderError(
                f"{p}: no results*.json file in this directory or below; lm-evaluation-harness writes "
                "<output_path>/<model>/results_<timestamp>.json (run it with --output_path)."
            )
    else:
        files = [p]
    if groups not in (None, "leaves", "groups", "all"):
        raise ReaderError(f"groups={groups!r}: use 'leaves', 'groups' or 'all'.")
    if isinstance(metrics, str) and not metrics.strip():
        raise ReaderError("metrics: empty metric name.")
    notes = Notes(str(p))
    rows: list[dict[str, Any]] = []
    for f in files:
        rows.extend(_parse_file(f))
    sys_order = {s: i for i, s in enumerate(dict.fromkeys(r["system"] for r in rows))}
    task_order = {t: i for i, t in enumerate(dict.fromkeys(r["task"] for r in rows))}

    # latest timestamp wins per (model, task)
    by_key: dict[tuple[str, str], dict[str, datetime | None]] = {}
    for r in rows:
        by_key.setdefault((r["system"], r["task"]), {})[r["source_file"]] = r["timestamp"]
    winner: dict[tuple[str, str], str] = {}
    superseded: list[str] = []
    for (system, task), stamps in by_key.items():
        if len(stamps) == 1:
            winner[(system, task)] = next(iter(stamps))
            continue
        known = {f: s for f, s in stamps.items() if s is not None}
        ordered = sorted(known.items(), key=lambda kv: kv[1])
        if len(known) < len(stamps) or (len(ordered) > 1 and ordered[-1][1] == ordered[-2][1]):
            raise ReaderError(
                f"{p}: task {task!r} of model {system!r} is in {len(stamps)} results files "
                f"({short(sorted(stamps), 3)}) and which is newer cannot be told (no or equal timestamps in the "
                "file names and 'date' fields); keep one file per run, or read one file at a time."
            )
        winner[(system, task)] = ordered[-1][0]
        superseded.append(f"{system}/{task} in {', '.join(Path(f).name for f, _ in ordered[:-1])}")
    if superseded:
        notes.add(
            f"used the latest results file for {len(superseded)} (model, task) pair(s) found in several files; "
            f"superseded: {short(superseded, 4)}.",
            warn=True,
        )
    rows = [r for r in rows if winner[(r["system"], r["task"])] == r["source_file"]]

    # tasks and groups
    all_tasks = list(dict.fromkeys(r["task"] for r in rows))
    if tasks is not None:
        pats = [tasks] if isinstance(tasks, str) else [str(t) for t in tasks]
        for pat in pats:
            if not match_names([pat], all_tasks):
                raise ReaderError(
                    f"{p}: tasks: {pat!r} matches no task; the tasks are {short(all_tasks, 10)}."
                    f"{did_you_mean(pat, all_tasks)}"
                )
        keep = match_names(pats, all_tasks)
        rows = [r for r in rows if r["task"] in keep]
    else:
        mode = groups or "leaves"
        dropped: set[str] = set()
        present = {(r["system"], r["task"]) for r in rows}
        drop_keys: set[tuple[str, str]] = set()
        for r in rows:
            tree = r["_tree"]
            if r["task"] not in tree:
                continue
            subs = _descendants(r["task"], tree)
            subs_here = [s for s in subs if (r["system"], s) in present]
            if not subs_here:
                continue
            if mode == "leaves":
                drop_keys.add((r["system"], r["task"]))
                dropped.add(r["task"])
            elif mode == "groups":
                drop_keys.update((r["system"], s) for s in subs_here)
                dropped.update(subs_here)
        rows = [r for r in rows if (r["system"], r["task"]) not in drop_keys]
        if dropped:
            what = "group aggregate(s)" if mode == "leaves" else "subtask(s) of groups"
            other = "groups='groups' to rank the groups instead" if mode == "leaves" else "groups='leaves'"
            notes.add(
                f"left out {len(dropped)} {what} {short(sorted(dropped))} (their parts are ranked); pass {other}, "
                "or groups='all' to keep both.",
                warn=groups is None,
            )
    if not rows:
        raise ReaderError(f"{p}: no task left after the selection.")
    if isinstance(metrics, Mapping):
        present = list(dict.fromkeys(r["task"] for r in rows))
        for key in metrics:
            if not match_names([str(key)], present):
                raise ReaderError(
                    f"{p}: metrics: {key!r} matches no task; the tasks are {short(present, 10)}."
                    f"{did_you_mean(str(key), present)}"
                )
    chosen = sorted(_choose(rows, metrics), key=lambda r: (sys_order[r["system"]], task_order[r["task"]], r["_order"]))
    if metrics is None:
        picked = sorted({f"{r['task']}={r['metric']}" for r in chosen})
        notes.add(f"metric per task (default: the task's primary metric): {short(picked, 8)}.", warn=False)
    frame = long_frame(
        [{k: v for k, v in r.items() if not k.startswith("_")} for r in chosen],
        extra=[
            "stderr",
            "metric_key",
            "filter",
            "n_shot",
            "alias",
            "is_group",
            "timestamp",
            "source_file",
            "git_hash",
        ],
    )
    frame["stderr"] = pd.to_numeric(frame["stderr"], errors="coerce")
    return finish(
        frame,
        notes,
        as_frame=as_frame,
        higher_is_better=higher_is_better,
        weights=weights,
        include=include,
        exclude=exclude,
        missing=missing,
    )
