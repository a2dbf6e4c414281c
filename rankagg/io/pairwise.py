"""Instance-level and pairwise data: AlpacaEval annotations, Chatbot-Arena-style battle logs.

Their table type comes with a later release; until then the readers return a
validated long DataFrame with documented columns.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.io._common import Notes, ReaderError, check_path, load_json, row_label, short, to_float, where_rows
from rankagg.io.files import read_frame

__all__ = ["BATTLE_WINNERS", "read_alpaca_eval_annotations", "read_battles"]

#: Winner values of battle logs and what they become (``a``, ``b`` or ``tie``).
BATTLE_WINNERS: dict[str, str] = {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "tie"}


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


def _column(df: pd.DataFrame, given: str | None, default: str, param: str, where: str) -> str | None:
    if given is None:
        return None
    if given in df.columns:
        return given
    if given == default:
        return None
    raise ReaderError(
        f"{where}: {param}: no column {given!r}; the columns are {short(df.columns, 10)}. Pass {param}=None to go "
        "without."
    )


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
    """Read a pairwise battle log (Chatbot Arena / MT-Bench human judgments style).

    Each record is one comparison: ``model_a``, ``model_b``, ``winner`` in
    ``{"model_a", "model_b", "tie", "tie (bothbad)"}``, and optionally the
    question, the judge and the turn.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        JSON (a list of records), JSON lines, CSV or Parquet, or a DataFrame.
    format : str, optional
        File format when the extension does not tell.
    model_a, model_b, winner : str
        Column names of the two models and of the outcome.
    task, instance, judge, turn : str or None
        Optional columns copied as ``task``, ``instance``, ``judge`` and
        ``turn`` (defaults ``category``, ``question_id``, ``judge``, ``turn``:
        used when present). ``None`` leaves one out.

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
        On a missing column, an empty model name, a battle of a model with
        itself, or a winner value outside the four above.

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
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        where = "data"
        source_file = None
    else:
        p = check_path(source, kind="battle log (JSON, JSON lines, CSV or Parquet)")
        try:
            df = read_frame(p, format=format)
        except RankaggError as exc:
            raise ReaderError(str(exc)) from None
        where = str(p)
        source_file = str(p)
    df.columns = [str(c) for c in df.columns]
    for param, col in (("model_a", model_a), ("model_b", model_b), ("winner", winner)):
        if col not in df.columns:
            raise ReaderError(
                f"{where}: no column {col!r} ({param}); a battle log has model_a, model_b and winner columns, this "
                f"one has {short(df.columns, 10)}. Name the columns with {param}='...'."
            )
    if len(df) == 0:
        raise ReaderError(f"{where}: the battle log has no records.")
    optional = {
        "task": _column(df, task, "category", "task", where),
        "instance": _column(df, instance, "question_id", "instance", where),
        "judge": _column(df, judge, "judge", "judge", where),
        "turn": _column(df, turn, "turn", "turn", where),
    }
    a = df[model_a].astype("string").str.strip()
    b = df[model_b].astype("string").str.strip()
    for side, names, col in (("model_a", a, model_a), ("model_b", b, model_b)):
        empty = (names.isna() | (names == "")).to_numpy()
        if empty.any():
            raise ReaderError(
                f"{where}: empty {side} ({col!r}) at {where_rows(df, np.nonzero(empty)[0])}; every battle names "
                "both models."
            )
    same = (a == b).fillna(False).to_numpy(dtype=bool)
    if same.any():
        raise ReaderError(
            f"{where}: {where_rows(df, np.nonzero(same)[0])} pit a model against itself ({a[same].iloc[0]!r}); "
            "remove them."
        )
    raw = df[winner].astype("string").str.strip()
    mapped = raw.str.lower().map(BATTLE_WINNERS)
    bad = mapped.isna().to_numpy()
    if bad.any():
        examples = [f"{row_label(df, k)} ({raw.iloc[k]!r})" for k in np.nonzero(bad)[0]]
        raise ReaderError(
            f"{where}: column {winner!r} has values other than 'model_a', 'model_b', 'tie' and 'tie (bothbad)' at "
            f"{short(examples, 4)}; map them to these four first."
        )
    out = pd.DataFrame(
        {
            "system_a": a.to_numpy(dtype=object),
            "system_b": b.to_numpy(dtype=object),
            "winner": mapped.to_numpy(dtype=object),
            "winner_raw": raw.to_numpy(dtype=object),
        }
    )
    for name, col in optional.items():
        if col is not None:
            out[name] = df[col].to_numpy(dtype=object)
    out["source_file"] = source_file
    out["row"] = np.arange(len(df))
    out.attrs["notes"] = []
    out.attrs["source"] = where
    return out
