"""The command line's shared options and input loading: table, level and output arguments, filters,
standard input, the stderr notes on what was dropped, and the one-line error type (:class:`CLIError`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rankagg.cli import sources as _sources
from rankagg.cli.sources import CLIError, _where
from rankagg.data.instances import INSTANCE_WEIGHTINGS
from rankagg.data.table import MISSING_POLICIES
from rankagg.io import read_table
from rankagg.rules import get_rule

__all__ = ["FORMATS"]

FORMATS = ("table", "csv", "json", "markdown")
PAPER_FORMATS = (*FORMATS, "latex")  # rank, compare and bootstrap also write LaTeX (booktabs) tables for papers


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise CLIError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------------- parsing helpers
def _split_list(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _parse_scalar(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _key_values(values: Sequence[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _split_list(values):
        if "=" not in item:
            raise CLIError(f"{option}: expected KEY=VALUE, got {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _add_table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        nargs="?",
        help="score file: CSV, TSV, Parquet, JSON or JSON lines (long or wide), or a benchmark's output "
        "(see --from); omit it with --dataset",
    )
    g = p.add_argument_group("reading the file")
    g.add_argument(
        "--layout",
        choices=("auto", "long", "wide"),
        default="auto",
        help="long (system, task, score columns) or wide; auto detects a long file",
    )
    g.add_argument(
        "--systems-in",
        choices=("rows", "columns"),
        help="wide files: are systems the rows or the columns? (required for wide files)",
    )
    g.add_argument("--index-col", help="wide files: column holding the row names (default: the first)")
    g.add_argument(
        "--input-format",
        choices=("csv", "tsv", "parquet", "json", "jsonl"),
        help="file format, when the extension does not tell",
    )
    g.add_argument("--system-col", default="system", help="long files: system column (default: system)")
    g.add_argument("--task-col", default="task", help="long files: task column (default: task)")
    g.add_argument("--score-col", default="score", help="long files: score column (default: score)")
    g.add_argument("--metric-col", default="metric", help="long files: metric column, if any (default: metric)")
    g.add_argument(
        "--direction-col",
        default="higher_is_better",
        help="long files: per-row direction column, if any (default: higher_is_better)",
    )
    g = p.add_argument_group("what to rank")
    g.add_argument(
        "--direction", choices=("higher", "lower"), help="direction of every task without one (rankagg never guesses)"
    )
    g.add_argument(
        "--higher-is-better",
        action="append",
        metavar="TASKS",
        help="comma-separated tasks (or patterns) where higher is better",
    )
    g.add_argument(
        "--lower-is-better",
        action="append",
        metavar="TASKS",
        help="comma-separated tasks (or patterns) where lower is better, e.g. perplexity",
    )
    g.add_argument(
        "--metric",
        action="append",
        metavar="TASK=METRIC",
        help="keep one metric for a task (repeatable), or METRIC for every task",
    )
    g.add_argument("--tasks", action="append", metavar="TASKS", help="keep only these tasks (comma-separated)")
    g.add_argument(
        "--where",
        action="append",
        metavar="COLUMN=VALUE",
        help="keep only the rows whose COLUMN holds VALUE, for files that mix settings, e.g. --where constraint=1h "
        "(repeatable; the same column twice keeps either value)",
    )
    g.add_argument("--weights", action="append", metavar="TASK=W", help="task weights, e.g. qa=2,mt=0.5")
    g.add_argument(
        "--include", action="append", metavar="PATTERN", help="keep only systems matching (name or glob; repeatable)"
    )
    g.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="leave out systems matching (name or glob, e.g. '*Human*'; repeatable)",
    )
    g.add_argument(
        "--missing",
        choices=(*MISSING_POLICIES, "drop_instances"),
        default="raise",
        help="missing-score policy (default: raise; drop_instances: instance-level files)",
    )
    g.add_argument(
        "--group",
        type=int,
        metavar="K",
        help="--missing partial: rank only the K-th largest group of systems compared with each other (systems in "
        "different groups share no task or instance; 1 = the largest)",
    )
    g.add_argument("--atol", type=float, default=0.0, help="absolute tie tolerance within a task (default 0)")
    g.add_argument("--rtol", type=float, default=0.0, help="relative tie tolerance within a task (default 0)")
    _sources.add_source_args(p)


def _add_output_args(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    p.add_argument("--format", choices=formats, default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")


def _add_level_args(p: argparse.ArgumentParser) -> None:
    """Options for instance-level files and battle logs (``rank`` and ``compare``)."""
    g = p.add_argument_group("instance-level scores and battles")
    g.add_argument(
        "--instance-col",
        default="instance",
        help="long files: instance column; a long file with this column holds instance-level scores "
        "(default: instance; '' reads every file as task-level)",
    )
    g.add_argument(
        "--level",
        choices=("one", "two"),
        help="instance-level files: 'one' pools every instance as a voter (default), 'two' aggregates each task's "
        "instances with --inner, then the tasks with --outer",
    )
    g.add_argument("--inner", metavar="RULE", help="--level two: rule applied to each task's instances (default: mean)")
    g.add_argument("--outer", metavar="RULE", help="--level two: rule applied to the task rankings (default: --rule)")
    g.add_argument("--inner-param", action="append", metavar="KEY=VALUE", help="--level two: inner rule parameter")
    g.add_argument(
        "--instance-weighting",
        choices=INSTANCE_WEIGHTINGS,
        help="--level one: per_task (default; each task weighs its weight, shared by its instances) or uniform "
        "(each instance weighs its task's weight)",
    )
    g.add_argument(
        "--pairwise",
        choices=("observed", "expected"),
        default="observed",
        help="pairwise matrix of partial rankings: a voter counts for the pairs it ranks (observed, default) or for "
        "every pair, by the probability of each order over its compatible completions (expected; Himmi et al. 2024)",
    )
    g.add_argument(
        "--max-memory",
        type=float,
        metavar="MIB",
        help="instance-level files: working memory bound of the chunked passes in MiB (default 256)",
    )


def _add_backend_args(p: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--scheduler`` (``rank`` and ``compare``): count on a Dask cluster."""
    g = p.add_argument_group("distributed: count on a Dask cluster (pip install 'rankagg[dask]')")
    g.add_argument(
        "--backend",
        choices=("local", "dask"),
        default=None,
        help="where to count: this process (local, default) or a Dask cluster (dask): FILE may then be a glob or "
        "a directory of Parquet/CSV files, read by the workers",
    )
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --backend dask; without it: the Dask "
        "configuration, e.g. DASK_SCHEDULER_ADDRESS, else a local cluster on this machine)",
    )


def _uses_dask(args: argparse.Namespace) -> bool:
    backend = getattr(args, "backend", None)
    scheduler = getattr(args, "scheduler", None)
    if backend == "local" and scheduler is not None:
        raise CLIError("--scheduler goes with --backend dask; leave --backend local out, or the scheduler.")
    return backend == "dask" or scheduler is not None


def _level_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    inner_params = {k: _parse_scalar(v) for k, v in _key_values(args.inner_param, "--inner-param").items()}
    if args.max_memory is not None and not args.max_memory > 0:
        raise CLIError(f"--max-memory: give a positive number of MiB, got {args.max_memory:g}.")
    return {
        "level": args.level,
        "inner": args.inner,
        "inner_params": inner_params or None,
        "instance_weighting": args.instance_weighting,
        "pairwise": args.pairwise,
        "max_memory": None if args.max_memory is None else int(args.max_memory * 2**20),
        **({"backend": "dask", "scheduler": args.scheduler} if _uses_dask(args) else {}),
    }


def _directions(args: argparse.Namespace) -> bool | dict[str, bool] | None:
    up = _split_list(args.higher_is_better)
    down = _split_list(args.lower_is_better)
    clash = sorted(set(up) & set(down))
    if clash:
        raise CLIError(f"--higher-is-better and --lower-is-better both name {clash[0]!r}; give one direction.")
    if not up and not down:
        return None if args.direction is None else args.direction == "higher"
    mapping: dict[str, bool] = {t: True for t in up}
    mapping.update({t: False for t in down})
    if args.direction is not None:
        mapping["*"] = args.direction == "higher"
    return mapping


def _load(args: argparse.Namespace) -> Any:
    """The input: a ScoreTable; with ``rank`` / ``compare`` also an InstanceTable or a PairwiseProfile."""
    levels = hasattr(args, "instance_col")  # rank and compare read instance-level files and battle logs
    if args.file == "-":
        args.file = _stdin_to_file(args)
    if _uses_dask(args):
        return _load_distributed(args)
    kind = _sources.source_kind(args)
    if kind == "battles":
        return _sources.load_battles(args)
    table = _load_table(args, kind, levels)
    _note_dropped(table)
    if getattr(args, "group", None) is not None:
        table = _select_group(table, args.group)
    return table


def _select_group(table: Any, k: int) -> Any:
    """``--group K``: keep the K-th largest group of systems compared with each other (said on stderr)."""
    from rankagg.data.design import comparison_groups, select_group

    groups = comparison_groups(table)
    if not 1 <= k <= len(groups):
        raise CLIError(f"--group {k}: the systems form {len(groups)} group(s); give a number from 1 to {len(groups)}.")
    if len(groups) > 1:
        left = sum(len(g) for g in groups) - len(groups[k - 1])
        sys.stderr.write(
            f"rankagg: note: --group {k}: ranking {len(groups[k - 1])} systems compared with each other; "
            f"{left} systems of the other {len(groups) - 1} group(s) left out\n"
        )
    return select_group(table, groups[k - 1])


def _stdin_to_file(args: argparse.Namespace) -> str:
    """``FILE`` given as ``-``: standard input, kept in a temporary file (the readers look at a file more than once)."""
    import atexit
    import shutil
    import tempfile

    from rankagg.io.pairwise import content_format

    data = sys.stdin.buffer.read()
    if not data.strip():
        raise CLIError("FILE '-': standard input is empty; pipe a score file into rankagg, or give its path.")
    folder = tempfile.mkdtemp(prefix="rankagg-stdin-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "stdin"
    path.write_bytes(data)
    fmt = args.input_format or content_format(path)
    if fmt is None:
        raise CLIError("FILE '-': cannot tell the format of standard input; pass --input-format csv|tsv|json|jsonl.")
    named = path.with_name(f"stdin.{fmt}")
    path.rename(named)
    args.label = "standard input"
    args.stdin_path = str(named)
    return str(named)


def _note_dropped(table: Any) -> None:
    """Say on stderr what the missing-score policy dropped, whatever the output format."""
    policy = getattr(table, "missing_policy", None)
    for what, names in (
        ("systems", getattr(table, "dropped_systems", ())),
        ("tasks", getattr(table, "dropped_tasks", ())),
    ):
        if names:
            names = list(names)
            more = len(names) - _DROPPED_SHOWN
            shown = ", ".join(names[:_DROPPED_SHOWN]) + (
                f", ... and {more} more (--format json lists them all)" if more > 0 else ""
            )
            noun = what if len(names) > 1 else what[:-1]
            text = f"--missing {policy} dropped {len(names)} {noun} with missing scores: {shown}"
            sys.stderr.write(f"rankagg: note: {text}\n")
    inst = getattr(table, "dropped_instances", ())
    if inst:
        sys.stderr.write(
            f"rankagg: note: --missing {policy} dropped {len(inst)} instances that some system has no score on "
            "(--format json lists them)\n"
        )


def _load_distributed(args: argparse.Namespace) -> Any:
    """``--backend dask``: instance-level scores read by the workers, or a battle log counted by them."""
    from rankagg.distributed.battles import read_battles
    from rankagg.distributed.instances import read_instances

    refused = [
        flag
        for flag, given in (
            ("--dataset", bool(args.dataset)),
            ("--tasks", bool(_split_list(args.tasks))),
            ("--where", bool(_where(args))),
            ("--group", getattr(args, "group", None) is not None),
            ("--from " + str(args.source), args.source not in ("auto", "table", "battles")),
            ("--split-compound / --aggregate-columns", _sources.wide_options(args)),
        )
        if given
    ]
    if refused:
        raise CLIError(
            f"{', '.join(refused)}: not available with --backend dask, which reads instance-level files or battle "
            "logs (a file, a directory or a glob of Parquet/CSV files); select systems with --include / --exclude, "
            "or leave --backend dask out."
        )
    kind = args.source if args.source != "auto" else _sources.distributed_kind(args.file, args.input_format)
    fmt = args.input_format if args.input_format in ("parquet", "csv", "tsv") else None
    if kind == "battles":
        if args.include or args.exclude:
            raise CLIError(
                "--include / --exclude: a battle log counted with --backend dask keeps every battle; filter the log "
                "first, or leave --backend dask out."
            )
        counts = read_battles(args.file, format=fmt, scheduler=args.scheduler).counts()
        return counts.to_profile()
    metrics, weights = _metrics_weights(args)
    data = read_instances(
        args.file,
        layout="wide" if args.layout == "wide" else "long",
        system=args.system_col,
        task=args.task_col,
        instance=args.instance_col or "instance",
        score=args.score_col,
        metric=args.metric_col if args.metric_col else None,
        direction=args.direction_col if args.direction_col else None,
        higher_is_better=_directions(args),
        metrics=metrics,
        weights=weights,
        include=args.include,
        exclude=args.exclude,
        missing=args.missing,
        format=fmt,
        scheduler=args.scheduler,
    )
    for note in data.notes:
        sys.stderr.write(f"rankagg: note: {note}\n")
    return data


def _metrics_weights(args: argparse.Namespace) -> tuple[str | dict[str, str] | None, dict[str, float] | None]:
    metric_items = _split_list(args.metric)
    metrics: str | dict[str, str] | None
    if not metric_items:
        metrics = None
    elif len(metric_items) == 1 and "=" not in metric_items[0]:
        metrics = metric_items[0]
    else:
        metrics = _key_values(args.metric, "--metric")
    weights_kv = _key_values(args.weights, "--weights")
    weights: dict[str, float] | None = None
    if weights_kv:
        weights = {}
        for k, v in weights_kv.items():
            try:
                weights[k] = float(v)
            except ValueError:
                raise CLIError(f"--weights: the weight of {k!r} is {v!r}, not a number.") from None
    return metrics, weights


def _load_table(args: argparse.Namespace, kind: str, levels: bool) -> Any:
    metrics, weights = _metrics_weights(args)
    tasks = _split_list(args.tasks) or None
    where = _where(args)
    if where and kind not in ("table", "battles"):
        raise CLIError(
            f"--where selects rows of a table file (CSV, TSV, Parquet, JSON); this source is read as {kind}: "
            "select with --tasks, --include or --exclude."
        )
    if levels and kind == "table" and not _sources.wide_options(args):
        inst = _sources.load_instances(
            args,
            higher_is_better=_directions(args),
            metrics=metrics,
            tasks=tasks,
            weights=weights,
            missing=args.missing,
        )
        if inst is not None:
            return inst
    if args.missing == "drop_instances":
        raise CLIError(
            "--missing drop_instances is for instance-level files (a long file with an instance column, "
            "--instance-col); this file is task-level: use drop_systems, drop_tasks or partial."
        )
    if kind != "table" or _sources.wide_options(args):
        return _sources.load_source(
            args,
            kind,
            higher_is_better=_directions(args),
            metrics=metrics,
            tasks=tasks,
            weights=weights,
            missing=args.missing,
        )
    return read_table(
        args.file,
        layout=args.layout,
        format=args.input_format,
        systems_in=args.systems_in,
        index_col=args.index_col,
        system=args.system_col,
        task=args.task_col,
        score=args.score_col,
        metric=args.metric_col if args.metric_col else None,
        direction=args.direction_col if args.direction_col else None,
        higher_is_better=_directions(args),
        metrics=metrics,
        tasks=tasks,
        weights=weights,
        include=args.include,
        exclude=args.exclude,
        missing=args.missing,
        where=where,
    )


def _rule_params(args: argparse.Namespace, rule: str) -> dict[str, Any]:
    info = get_rule(rule)
    params = {k: _parse_scalar(v) for k, v in _key_values(args.param, "--param").items()}
    if getattr(args, "seed", None) is not None and "rng" in info.params:
        params["rng"] = args.seed
    return params


def _emit(text: str, args: argparse.Namespace) -> None:
    if getattr(args, "output", None):
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CLIError(
                f"--output: cannot write {str(args.output)!r} ({exc.strerror or exc}); give a path in an existing, "
                "writable folder."
            ) from None
    else:
        sys.stdout.write(text)


_DROPPED_SHOWN = 12  # names listed in the text header; --format json lists them all
