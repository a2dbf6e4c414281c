"""Instance-level and pairwise data: AlpacaEval annotations, Chatbot-Arena-style battle logs.

Their table type comes with a later release; until then the readers return a
validated long DataFrame with documented columns.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, ReaderError
from rankagg.data.battles import battle_frame, register_battle_reader
from rankagg.io._common import Notes, check_path, load_json, to_float
from rankagg.io.files import compression_of, format_of, read_frame

__all__ = ["content_format", "read_alpaca_eval_annotations", "read_battles"]


def instance_id(instruction: str) -> str:
    """Stable id of an AlpacaEval prompt: ``"ae_"`` + the first 10 hex digits of SHA-1 of its text.

    Examples
    --------
    >>> instance_id("How do I make escargot?")[:3]
    'ae_'
    """
    return "ae_" + hashlib.sha1(instruction.encode("utf-8")).hexdigest()[:10]


def read_alpaca_eval_annotations(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read AlpacaEval judge annotations (``annotations.json``) into an instance-level long frame.

    Each record is one prompt judged for one model against the fixed baseline:
    ``instruction``, ``generator_1`` (the baseline), ``generator_2`` (the
    model), ``dataset`` (the prompt's source, used as the task), ``annotator``
    and ``preference`` in [1, 2] (1: the baseline's output is preferred, 2:
    the model's; fractional values are the judge's probability; 1.5 or 0 is a
    draw; null when the judge gave no answer).

    Parameters
    ----------
    path : path-like
        An ``annotations.json`` file, or a directory searched recursively for
        them (``results/<model>/<annotator>/annotations.json``).

    Returns
    -------
    pandas.DataFrame
        Columns ``system, task, instance, metric, score, higher_is_better,
        baseline, annotator, preference, source_file``: ``system`` is
        ``generator_2``, ``instance`` is :func:`instance_id` of the
        instruction, ``metric`` is ``"win_prob_vs_baseline"`` and ``score`` =
        ``preference - 1`` (the probability that the model beats the baseline;
        a draw counts 0.5; a null preference is NaN). ``frame.attrs["notes"]``
        counts the null preferences.

    Raises
    ------
    ReaderError
        On a file that is not a list of records, a record without
        ``instruction`` / ``generator_1`` / ``generator_2`` / ``preference``,
        a preference outside [1, 2] (other than the draw value 0), or a prompt
        judged twice for the same model, baseline and annotator.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from rankagg.io import read_alpaca_eval_annotations
    >>> path = os.path.join(tempfile.mkdtemp(), "annotations.json")
    >>> recs = [{"instruction": "Say hi", "generator_1": "gpt4_1106_preview", "generator_2": "my-model",
    ...          "dataset": "helpful_base", "annotator": "weighted_alpaca_eval_gpt4_turbo", "preference": 1.75}]
    >>> with open(path, "w") as fh:
    ...     json.dump(recs, fh)
    >>> read_alpaca_eval_annotations(path)[["system", "task", "score", "baseline"]]
         system          task  score           baseline
    0  my-model  helpful_base   0.75  gpt4_1106_preview
    """
    p = check_path(path, kind="AlpacaEval annotations.json file or directory")
    files = sorted(p.rglob("annotations.json")) if p.is_dir() else [p]
    if not files:
        raise ReaderError(f"{p}: no annotations.json file in this directory or below.")
    notes = Notes(str(p))
    rows: list[dict[str, Any]] = []
    n_null = 0
    for f in files:
        obj = load_json(f, "AlpacaEval annotations file")
        if not isinstance(obj, list):
            raise ReaderError(
                f"{f}: expected a JSON list of annotation records (instruction, generator_1, generator_2, "
                f"preference, ...), got a {type(obj).__name__}."
            )
        for i, rec in enumerate(obj):
            if not isinstance(rec, Mapping):
                raise ReaderError(f"{f}: record [{i}] is a {type(rec).__name__}, not an object.")
            for key in ("instruction", "generator_1", "generator_2"):
                if not isinstance(rec.get(key), str) or not rec[key].strip():
                    raise ReaderError(
                        f"{f}: record [{i}] has no {key!r} (a non-empty string); every annotation names the "
                        "instruction, the baseline (generator_1) and the model (generator_2)."
                    )
            if "preference" not in rec:
                raise ReaderError(f"{f}: record [{i}] has no 'preference' field (1 = baseline wins, 2 = model wins).")
            raw = rec["preference"]
            pref = to_float(raw)
            if pref is None:
                raise ReaderError(f"{f}: record [{i}]: 'preference' is {raw!r}, not a number in [1, 2].")
            if np.isnan(pref):
                n_null += 1
                score = float("nan")
            elif pref == 0:
                score = 0.5
            elif 1.0 <= pref <= 2.0:
                score = pref - 1.0
            else:
                raise ReaderError(
                    f"{f}: record [{i}]: 'preference' is {raw!r}; it must be in [1, 2] (1 = generator_1 preferred, "
                    "2 = generator_2 preferred, 1.5 = draw), 0 (draw) or null."
                )
            rows.append(
                {
                    "system": rec["generator_2"].strip(),
                    "task": str(rec.get("dataset") or "alpaca_eval"),
                    "instance": instance_id(rec["instruction"]),
                    "metric": "win_prob_vs_baseline",
                    "score": score,
                    "higher_is_better": True,
                    "baseline": rec["generator_1"].strip(),
                    "annotator": rec.get("annotator"),
                    "preference": pref,
                    "source_file": str(f),
                }
            )
    if not rows:
        raise ReaderError(f"{p}: no annotation records.")
    frame = pd.DataFrame.from_records(rows)
    key = ["system", "baseline", "annotator", "instance"]
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise ReaderError(
            f"{first['source_file']}: the prompt {first['instance']} is judged {int(dup.sum())} times for model "
            f"{first['system']!r} against {first['baseline']!r} by {first['annotator']!r}; keep one annotation per "
            "prompt (or read the files of different runs separately)."
        )
    if n_null:
        notes.add(f"{n_null} annotation(s) with a null preference kept as missing scores (NaN).", warn=True)
    frame.attrs["notes"] = list(notes.items)
    frame.attrs["source"] = str(p)
    notes.emit()
    return frame


def content_format(path: str | os.PathLike[str]) -> str | None:
    r"""The format of a data file, from its extension or else from its content; None when neither tells.

    The extension decides when it names a format (``.csv``, ``.jsonl.gz``...);
    otherwise the first bytes, decompressed if the file is compressed
    (:func:`rankagg.io.files.compression_of`): Parquet's magic number, a JSON
    list or object, JSON lines (one object per line), or a CSV / TSV header.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.data")
    >>> with gzip.open(path, "wt") as fh:
    ...     _ = fh.write('{"model_a": "x", "model_b": "y", "winner": "tie"}\n')
    >>> content_format(path)
    'jsonl'
    """
    p = Path(path)
    try:
        return format_of(p, None)
    except RankaggError:
        pass
    try:
        with pd.io.common.get_handle(p, "rb", compression=compression_of(p), is_text=False) as h:
            head = h.handle.read(1 << 16)
    except (OSError, ValueError, EOFError):
        return None
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        try:
            return "jsonl" if isinstance(json.loads(first), dict) else None
        except ValueError:
            return "json"  # an object over several lines
    header = text.split("\n", 1)[0]
    if "\t" in header:
        return "tsv"
    return "csv" if "," in header else None


def read_battles(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    format: str | None = None,
    model_a: str = "model_a",
    model_b: str = "model_b",
    winner: str = "winner",
    task: str | None = "category",
    instance: str | None = "question_id",
    judge: str | None = "judge",
    turn: str | None = "turn",
) -> pd.DataFrame:
    """Read a pairwise battle log (Chatbot Arena / MT-Bench human judgments style, or rankagg's own).

    Each record is one comparison: the two systems and the outcome, and
    optionally the question, the judge and the turn. Two layouts are read,
    the same ones as the command line: Chatbot Arena's ``model_a, model_b,
    winner`` and ``system_a, system_b, winner`` (what this function returns);
    ``winner`` is ``model_a`` / ``a``, ``model_b`` / ``b``, ``tie`` or
    ``tie (bothbad)`` (case and surrounding spaces ignored) in either.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        JSON (a list of records), JSON lines, CSV, TSV or Parquet, or a
        DataFrame. A compressed file (gzip, bz2, xz, zip, zstd) is recognised
        by its content, whatever its name.
    format : str, optional
        File format; by default from the extension, else from the content
        (:func:`content_format`).
    model_a, model_b, winner : str
        Column names of the two systems and of the outcome. When
        ``model_a`` / ``model_b`` are left at their defaults and the file has
        no such columns, ``system_a`` / ``system_b`` are used.
    task, instance, judge, turn : str or None
        Optional columns copied as ``task``, ``instance``, ``judge`` and
        ``turn``. Left at their defaults, the first present of ``category``
        or ``task``, ``question_id`` or ``instance``, ``judge``, ``turn`` is
        used; ``None`` leaves one out.

    Returns
    -------
    pandas.DataFrame
        Columns ``system_a, system_b, winner`` (``"a"``, ``"b"`` or ``"tie"``),
        ``winner_raw`` (the value as logged, so ``tie (bothbad)`` stays
        visible), then ``task, instance, judge, turn`` when present, then
        ``source_file`` and ``row`` (the record's position).

    Raises
    ------
    ReaderError
        On a missing column, an empty system name, a battle of a system with
        itself, or a winner value outside the ones above.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.io import read_battles
    >>> log = pd.DataFrame({"model_a": ["gpt-4", "claude-v1"], "model_b": ["vicuna-13b", "gpt-4"],
    ...                     "winner": ["model_a", "tie (bothbad)"], "question_id": [81, 82]})
    >>> read_battles(log)[["system_a", "system_b", "winner", "instance"]]
        system_a    system_b winner instance
    0      gpt-4  vicuna-13b      a       81
    1  claude-v1       gpt-4    tie       82
    >>> own = pd.DataFrame({"system_a": ["x"], "system_b": ["y"], "winner": ["b"]})
    >>> read_battles(own)[["system_a", "system_b", "winner"]]
      system_a system_b winner
    0        x        y      b
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        where = "data"
        source_file = None
    else:
        p = check_path(source, kind="battle log (JSON, JSON lines, CSV or Parquet)")
        try:
            df = read_frame(p, format=format or content_format(p))
        except RankaggError as exc:
            raise ReaderError(str(exc)) from None
        where = str(p)
        source_file = str(p)
    return battle_frame(
        df,
        where=where,
        source_file=source_file,
        model_a=model_a,
        model_b=model_b,
        winner=winner,
        task=task,
        instance=instance,
        judge=judge,
        turn=turn,
    )


register_battle_reader(read_battles)  # the data stage reads battle-log paths through this reader
