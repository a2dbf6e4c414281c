"""Command-line sources other than a plain score file: benchmark outputs, wide leaderboards, the registry.

Used by :mod:`rankagg.cli`: ``--from {auto,table,lm-eval,mteb,helm,open-llm,alpaca-eval,battles}``,
``--dataset NAME``, ``--benchmark``, ``--split-compound``, ``--aggregate-columns``,
``--keep-aggregate-columns``, ``--helm-table``, ``--cache-dir``, ``--mirror``, and the
``rankagg datasets`` command. Whatever a reader leaves out is printed as
``rankagg: note: ...`` lines on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rankagg._errors import DataNoteWarning, RankaggError, did_you_mean
from rankagg._format import render_frame
from rankagg.data.table import ScoreTable
from rankagg.io import LONG_COLUMNS

__all__ = [
    "SOURCES",
    "add_datasets_command",
    "add_source_args",
    "battle_studies",
    "load_battles",
    "load_instances",
    "load_source",
    "notes_to_stderr",
    "source_kind",
    "source_label",
    "wide_options",
]

SOURCES = ("auto", "table", "lm-eval", "mteb", "helm", "open-llm", "alpaca-eval", "battles")
# columns that make a file a battle log (raw Chatbot-Arena style, or as written by rankagg.io.read_battles)
_BATTLE_COLUMNS = ({"model_a", "model_b", "winner"}, {"system_a", "system_b", "winner"})


class SourceError(RankaggError):
    """The command line names no source, two sources, or options that do not fit the source."""


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def add_source_args(p: argparse.ArgumentParser) -> None:
    """Options for the sources other than a plain score file."""
    g = p.add_argument_group("other sources: benchmark outputs, published leaderboards, the dataset registry")
    g.add_argument(
        "--from",
        dest="source",
        choices=SOURCES,
        default="auto",
        help="what FILE is: a score table, lm-evaluation-harness results (file or directory), an MTEB results "
        "folder, a HELM group JSON, an Open LLM Leaderboard snapshot, an AlpacaEval leaderboard CSV, a battle log "
        "(model_a, model_b, winner) (default: auto, detected from the file's content)",
    )
    g.add_argument("--dataset", metavar="NAME", help="a registry dataset instead of FILE (see `rankagg datasets`)")
    g.add_argument("--benchmark", metavar="NAME", help="MTEB: a benchmark preset, e.g. mteb-eng-classic")
    g.add_argument(
        "--split-compound",
        action="append",
        nargs="?",
        const="*",
        metavar="COLUMN=M1/M2",
        help="wide tables: split cells such as 93.9/91.8 into metrics, e.g. MRPC=f1/accuracy (repeatable); "
        "alone, name the parts part1, part2",
    )
    g.add_argument(
        "--aggregate-columns",
        action="append",
        metavar="COLUMNS",
        help="wide tables: the official aggregate columns (Score, Average...), left out of the ranking "
        "(default: detected by name)",
    )
    g.add_argument(
        "--keep-aggregate-columns",
        action="store_true",
        help="rank the aggregate columns (Score, Average, Mean win rate...) as tasks too",
    )
    g.add_argument("--helm-table", metavar="NAME", help="HELM: which table of the group file (name or title)")
    g.add_argument("--cache-dir", metavar="DIR", help="--dataset: cache folder (default: $RANKAGG_DATA_DIR)")
    g.add_argument("--mirror", metavar="URL", help="--dataset: base URL replacing https://raw.githubusercontent.com")


def source_label(args: argparse.Namespace) -> str:
    """How the output header names the input."""
    if getattr(args, "dataset", None):
        return f"dataset {args.dataset}"
    return getattr(args, "label", None) or str(args.file)


def _sniff(path: Path, fmt: str | None = None) -> str:
    if path.is_dir():
        if next(path.rglob("results*.json"), None) is not None:
            return "lm-eval"
        if (path / "results").is_dir() or next(path.glob("*/*.json"), None) or next(path.glob("*/*/*.json"), None):
            return "mteb"
        raise SourceError(
            f"{path}: a directory, but neither lm-evaluation-harness results (results_*.json) nor an MTEB results "
            "folder (<org>__<model>/<revision>/<Task>.json); pass --from lm-eval or --from mteb."
        )
    from rankagg.io.files import compression_of
    from rankagg.io.pairwise import content_format

    fmt = fmt or content_format(path)  # by extension, else by content; compressed files by their first bytes
    comp = compression_of(path)
    if fmt == "json":
        try:
            with pd.io.common.get_handle(path, "r", compression=comp) as h:
                obj = json.load(h.handle)
        except (OSError, ValueError, EOFError):
            return "table"  # read_table gives the precise error
        if isinstance(obj, list) and obj:
            first = obj[0]
            if isinstance(first, list) and len(first) == 6 and isinstance(first[0], str):
                return "open-llm"
            if isinstance(first, Mapping) and "header" in first and "rows" in first:
                return "helm"
        if isinstance(obj, Mapping) and isinstance(obj.get("results"), Mapping):
            return "lm-eval"
        keys = set(map(str, obj[0])) if isinstance(obj, list) and obj and isinstance(obj[0], Mapping) else set()
        return "battles" if any(cols <= keys for cols in _BATTLE_COLUMNS) else "table"
    cols = _columns_of(path, fmt) if fmt in ("csv", "tsv", "jsonl", "parquet") else []
    if fmt in ("csv", "tsv") and cols and (cols[0] == "" or cols[0].startswith("Unnamed")) and "win_rate" in cols:
        return "alpaca-eval"
    return "battles" if any(c <= set(cols) for c in _BATTLE_COLUMNS) else "table"


def many_files(source: str) -> bool:
    """Whether FILE names several files: a directory or a glob (``--backend dask`` reads them where they lie)."""
    import os

    return os.path.isdir(source) or (any(ch in source for ch in "*?[") and not os.path.isfile(source))


def distributed_kind(source: str, fmt: str | None) -> str:
    """``--backend dask``: whether FILE (a file, directory or glob) holds battles or instance-level scores."""
    import glob
    import os

    if os.path.isdir(source):
        files = sorted(
            str(p) for p in Path(source).rglob("*") if p.suffix.lower() in (".parquet", ".pq", ".csv", ".tsv")
        )
    else:
        files = sorted(glob.glob(source)) if any(ch in source for ch in "*?[") else [source]
    files = [f for f in files if os.path.isfile(f)]
    if not files:
        raise SourceError(
            f"{source}: no file matches; give a file, a directory of Parquet/CSV files or a glob such as "
            "'results/*.parquet' (quoted, so that rankagg expands it)."
        )
    name = files[0].lower()
    guess = fmt or ("parquet" if name.endswith((".parquet", ".pq")) else "tsv" if ".tsv" in name else "csv")
    cols = set(_columns_of(Path(files[0]), guess))
    return "battles" if any(c <= cols for c in _BATTLE_COLUMNS) and "score" not in cols else "instances"


def wide_options(args: argparse.Namespace) -> bool:
    return bool(args.split_compound or args.aggregate_columns or args.keep_aggregate_columns)


def source_kind(args: argparse.Namespace) -> str:
    """Check that exactly one source is given and say which reader reads it."""
    if args.dataset and args.file:
        raise SourceError(f"give a score file or --dataset {args.dataset}, not both (got FILE {args.file!r}).")
    if not args.dataset and not args.file:
        raise SourceError("give a score file (FILE) or --dataset NAME (the registry: `rankagg datasets`).")
    if args.dataset:
        if args.source not in ("auto",):
            raise SourceError(f"--from {args.source} reads FILE; --dataset {args.dataset} is read by the registry.")
        kind = "dataset"
    else:
        path = Path(args.file)
        if args.source == "auto":
            kind = _sniff(path, args.input_format) if path.exists() else "table"  # read_table reports a missing file
        else:
            kind = args.source
    if args.benchmark and kind != "mteb":
        raise SourceError(f"--benchmark is for MTEB results folders (--from mteb), not for a {kind} source.")
    if args.helm_table and kind != "helm":
        raise SourceError(f"--helm-table is for HELM group files (--from helm), not for a {kind} source.")
    if kind not in ("table", "helm") and wide_options(args):
        raise SourceError(
            f"--split-compound / --aggregate-columns / --keep-aggregate-columns are for wide tables, not for a "
            f"{kind} source."
        )
    return kind


def _split_compound(values: list[str] | None) -> dict[str, tuple[str, ...]] | bool | None:
    if not values:
        return None
    if values == ["*"]:
        return True
    out: dict[str, tuple[str, ...]] = {}
    for v in values:
        for item in _split([v]):
            if item == "*":
                raise SourceError("--split-compound: use it alone, or as COLUMN=M1/M2 for every compound column.")
            if "=" not in item or "/" not in item.split("=", 1)[1]:
                raise SourceError(f"--split-compound: expected COLUMN=METRIC1/METRIC2, got {item!r}.")
            col, names = item.split("=", 1)
            out[col.strip()] = tuple(n.strip() for n in names.split("/"))
    return out


def _select_tasks(frame: pd.DataFrame, tasks: list[str] | None, where: str) -> pd.DataFrame:
    if not tasks:
        return frame
    present = list(dict.fromkeys(frame["task"]))
    for t in tasks:
        if t not in present:
            raise SourceError(f"--tasks: no task {t!r} in {where}.{did_you_mean(t, present)}")
    return frame[frame["task"].isin(tasks)]


def load_source(
    args: argparse.Namespace,
    kind: str,
    *,
    higher_is_better: Any,
    metrics: str | dict[str, str] | None,
    tasks: list[str] | None,
    weights: dict[str, float] | None,
    missing: str,
) -> ScoreTable:
    """Read the source with its reader (as a long frame), print the reader's notes, build the table."""
    from rankagg.io import read_alpaca_eval, read_helm, read_lm_eval, read_mteb, read_open_llm, read_wide

    reader_metrics = metrics
    table_metrics: str | dict[str, str] | None = metrics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNoteWarning)
        if kind == "dataset":
            from rankagg.datasets import load

            frame = load(args.dataset, cache_dir=args.cache_dir, mirror=args.mirror, as_frame=True)
        elif kind == "lm-eval":
            frame = read_lm_eval(args.file, metrics=reader_metrics, tasks=tasks, as_frame=True)
            table_metrics, tasks = None, None
        elif kind == "mteb":
            frame = read_mteb(args.file, benchmark=args.benchmark, tasks=tasks, as_frame=True)
            tasks = None
        elif kind == "helm":
            frame = read_helm(
                args.file, table=args.helm_table, keep_aggregate_columns=args.keep_aggregate_columns, as_frame=True
            )
        elif kind == "open-llm":
            frame = read_open_llm(args.file, keep_aggregate_columns=args.keep_aggregate_columns, as_frame=True)
        elif kind == "alpaca-eval":
            frame = read_alpaca_eval(args.file, as_frame=True)
        else:  # a wide table with the wide-reader options
            if args.systems_in is None:
                raise SourceError(
                    "--split-compound / --aggregate-columns / --keep-aggregate-columns read a wide table: say where "
                    "the systems are with --systems-in rows|columns."
                )
            frame = read_wide(
                args.file,
                systems_in=args.systems_in,
                system=args.index_col,
                tasks=tasks,
                split_compound=_split_compound(args.split_compound),
                aggregate_columns=_split(args.aggregate_columns) or None,
                keep_aggregate_columns=args.keep_aggregate_columns,
                format=args.input_format,
                as_frame=True,
            )
            tasks = None
    assert isinstance(frame, pd.DataFrame)
    for note in frame.attrs.get("notes", []):
        sys.stderr.write(f"rankagg: note: {' '.join(str(note).split())}\n")
    frame = _select_tasks(frame, tasks, source_label(args))
    return ScoreTable.from_long(
        frame[list(LONG_COLUMNS)],
        higher_is_better=higher_is_better,
        metrics=table_metrics,
        weights=weights,
        include=args.include,
        exclude=args.exclude,
        missing=missing,  # type: ignore[arg-type]
    )


def _columns_of(path: Path, fmt: str | None) -> list[str]:
    """The column names of a file, compressed or not (read cheaply for CSV / TSV / JSON lines)."""
    from rankagg._errors import RankaggWarning
    from rankagg.io.files import compression_of, csv_separator, format_of, read_frame

    try:
        kind = format_of(path, fmt)
    except RankaggError:
        return []
    comp = compression_of(path)
    try:
        if kind in ("csv", "tsv"):
            with warnings.catch_warnings():  # read_frame says it when it reads the file
                warnings.simplefilter("ignore", RankaggWarning)
                sep = csv_separator(path, kind, comp)
            head = pd.read_csv(path, nrows=0, sep=sep, compression=comp)
            return [str(c).strip() for c in head.columns]
        if kind == "jsonl":
            with pd.io.common.get_handle(path, "r", compression=comp) as h:
                first = json.loads(h.handle.readline())
            return [str(c) for c in first] if isinstance(first, Mapping) else []
        if kind == "parquet":
            import pyarrow.parquet as pq

            return [str(c) for c in pq.read_schema(path).names]
        return [str(c) for c in read_frame(path, format=fmt).columns]
    except (RankaggError, OSError, ValueError, EOFError, ImportError):
        return []  # the reader gives the precise error


def _where_of(args: argparse.Namespace) -> dict[str, list[str]] | None:
    """``--where COLUMN=VALUE`` options (parsed and checked by the CLI)."""
    return _where(args)


def load_instances(
    args: argparse.Namespace,
    *,
    higher_is_better: Any,
    metrics: str | dict[str, str] | None,
    tasks: list[str] | None,
    weights: dict[str, float] | None,
    missing: str,
) -> Any:
    """An :class:`~rankagg.InstanceTable` when FILE is a long file with the instance column; else None."""
    from rankagg.data.instances import InstanceTable
    from rankagg.io.files import read_frame

    col = getattr(args, "instance_col", None)
    if not col or args.layout == "wide" or args.systems_in is not None or not args.file:
        return None
    path = Path(args.file)
    if not path.is_file() or col not in _columns_of(path, args.input_format):
        return None
    frame = read_frame(path, format=args.input_format, where=_where_of(args))
    if tasks and args.task_col in frame.columns:
        present = list(dict.fromkeys(frame[args.task_col].astype(str).str.strip()))
        for t in tasks:
            if t not in present:
                raise SourceError(f"--tasks: no task {t!r} in {source_label(args)}.{did_you_mean(t, present)}")
        frame = frame[frame[args.task_col].astype(str).str.strip().isin(tasks)]
    return InstanceTable.from_long(
        frame,
        system=args.system_col,
        task=args.task_col,
        instance=col,
        score=args.score_col,
        metric=args.metric_col if args.metric_col else None,
        direction=args.direction_col if args.direction_col else None,
        higher_is_better=higher_is_better,
        metrics=metrics,
        weights=weights,
        include=args.include,
        exclude=args.exclude,
        missing=missing,  # type: ignore[arg-type]
    )


# options of score tables that mean nothing for a battle log: (attribute, default, what it is for)
_TABLE_ONLY = (
    ("layout", "auto", "--layout"),
    ("systems_in", None, "--systems-in"),
    ("index_col", None, "--index-col"),
    ("system_col", "system", "--system-col"),
    ("score_col", "score", "--score-col"),
    ("metric_col", "metric", "--metric-col"),
    ("direction_col", "higher_is_better", "--direction-col"),
    ("direction", None, "--direction"),
    ("higher_is_better", None, "--higher-is-better"),
    ("lower_is_better", None, "--lower-is-better"),
    ("metric", None, "--metric"),
    ("weights", None, "--weights"),
    ("missing", "raise", "--missing"),
    ("atol", 0.0, "--atol"),
    ("rtol", 0.0, "--rtol"),
)


def load_battles(args: argparse.Namespace) -> Any:
    """A :class:`~rankagg.data.battles.PairwiseProfile` from a battle log (``--from battles``), filters applied.

    ``--tasks`` keeps the battles of some tasks (the log's ``task`` or ``category`` column, or ``--task-col``),
    ``--include`` / ``--exclude`` the battles between the systems kept; each filter's dropped battles are
    counted on stderr. An option that only means something for a score table is an error, never ignored.
    """
    from rankagg.data.battles import pairwise_from_battles
    from rankagg.io import read_battles

    given = [flag for attr, default, flag in _TABLE_ONLY if getattr(args, attr, default) not in (default, [], "")]
    if given:
        raise SourceError(
            f"{', '.join(given)}: {'these options apply' if len(given) > 1 else 'this option applies'} to score "
            f"tables, and {source_label(args)} is a battle log (system pairs and winners, no scores); leave "
            f"{'them' if len(given) > 1 else 'it'} out. A battle log takes --tasks, --task-col, --include, --exclude."
        )
    resample = getattr(args, "resample", None)
    if resample not in (None, "battles", "battles_by_pair"):
        raise SourceError(
            f"--resample {resample}: a battle log is resampled over battles (the default: every battle drawn with "
            "replacement) or battles_by_pair (the battles of each pair among themselves)."
        )
    task_col = getattr(args, "task_col", "task")
    frame = read_battles(args.file, format=args.input_format, **({} if task_col == "task" else {"task": task_col}))
    tasks = _split(args.tasks) or None
    profile = pairwise_from_battles(frame, tasks=tasks, include=args.include, exclude=args.exclude)
    for note in (*frame.attrs.get("notes", []), *profile.notes):
        sys.stderr.write(f"rankagg: note: {' '.join(str(note).split())}\n")
    return profile


@contextlib.contextmanager
def notes_to_stderr() -> Iterator[None]:
    """Print the :class:`~rankagg.io.DataNoteWarning` raised inside as ``rankagg: note: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataNoteWarning)
        yield
    for w in caught:
        if issubclass(w.category, DataNoteWarning):
            sys.stderr.write(f"rankagg: note: {' '.join(str(w.message).split())}\n")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def battle_studies(args: argparse.Namespace) -> tuple[list[str], list[str], Callable[..., pd.DataFrame]]:
    """``rankagg robustness`` on a battle log: the rules, the studies and what runs them."""
    from rankagg.aggregation.battles import BATTLE_RULES
    from rankagg.uncertainty.battles import BATTLE_STUDIES, battle_perturbations

    def run(profile: Any, *, atol: float, rtol: float, **kwargs: Any) -> pd.DataFrame:
        return battle_perturbations(profile, **kwargs)  # atol / rtol: load_battles refused them (no scores)

    return _split(args.rules) or list(BATTLE_RULES), _split(args.studies) or list(BATTLE_STUDIES), run


# ---------------------------------------------------------------------------------------------- rankagg datasets
def _cmd_datasets(args: argparse.Namespace, emit: Callable[[str, argparse.Namespace], None]) -> int:
    from rankagg.datasets import info, list_datasets

    if args.name:
        e = info(args.name)
        record = {
            "name": e.name,
            "title": e.title,
            "level": e.level,
            "url": e.url,
            "sha256": e.sha256,
            "license": e.license,
            "citation": e.citation,
            "description": e.description,
        }
        if args.format == "json":
            emit(json.dumps(record, indent=2) + "\n", args)
        elif args.format == "csv":
            emit(render_frame(pd.DataFrame([record]), "csv"), args)
        elif args.format == "markdown":
            emit("\n".join(f"**{k}**: {v}  " for k, v in record.items()) + "\n", args)
        else:
            emit("\n".join(f"{k + ':':<13}{v}" for k, v in record.items()) + "\n", args)
        return 0
    df = list_datasets()
    if args.format == "json":
        emit(json.dumps(df.to_dict(orient="records"), indent=2) + "\n", args)
    elif args.format == "table":
        text = render_frame(df[["name", "level", "title"]], "table")
        text += (
            "\nLoad one with `rankagg rank --dataset NAME`; `rankagg datasets NAME` shows its source (a pinned "
            "URL and SHA-256), licence, citation and conversion.\n"
        )
        emit(text, args)
    else:
        emit(render_frame(df, args.format), args)
    return 0


def add_datasets_command(
    sub: Any,
    add_output_args: Callable[[argparse.ArgumentParser], None],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg datasets [NAME]``: the registry, or one entry."""
    p = sub.add_parser("datasets", help="list the dataset registry (public leaderboards, pinned and checksummed)")
    p.add_argument("name", nargs="?", help="show one dataset: source URL, SHA-256, licence, citation, conversion")
    add_output_args(p)
    p.set_defaults(func=lambda args: _cmd_datasets(args, emit))


class CLIError(RankaggError):
    """A command-line usage error."""


def _where(args: argparse.Namespace) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for item in getattr(args, "where", None) or []:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            raise CLIError(f"--where: expected COLUMN=VALUE, e.g. --where constraint=1h; got {item!r}.")
        out.setdefault(col.strip(), []).append(value.strip())
    return out or None
