"""The DCLM registry entry's converter: 155 evaluation JSON files -> one long frame.

Each upstream file (``mlfoundations/dclm``, ``exp_data/evals/*.json``) is one trained model: its in-context-learning
accuracies are ``eval_metrics.icl``. The training dataset and architecture are parsed from the file name
(``evaluation_<dataset>-<arch>-<hyper-parameters>...json``), best effort: files whose names do not follow the pattern
(public models such as Qwen2-7B, ad-hoc runs) get an empty ``dataset`` and the JSON's ``model`` field as ``arch``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from rankagg.datasets._dclm_files import DCLM_FILES

__all__ = ["convert_dclm", "manifest_sha256"]

_ARCH = re.compile(
    r"^(?:evaluation_)?(?P<dataset>.+?)-(?P<arch>d=\d+_l=\d+_h=\d+|open_lm_(?:1b|7b)(?:_swiglutorch|_arcade100k)?)(?=-|_heavy|$)"
)
_SEED = re.compile(r"-seed=(\d+)")
_TOKENS = re.compile(r"-tokens=(\d+)")


def manifest_sha256(files: tuple[tuple[str, str], ...] = DCLM_FILES) -> str:
    """SHA-256 of the manifest (one ``<sha256>  <file name>`` line per file, sorted): the entry's checksum."""
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def _parse(stem: str, model: Any) -> dict[str, Any]:
    m = _ARCH.match(stem)
    seed = _SEED.search(stem)
    tokens = _TOKENS.search(stem)
    return {
        "dataset": m.group("dataset") if m else "",
        "arch": m.group("arch") if m else str(model),
        "seed": int(seed.group(1)) if seed else None,
        "train_tokens": int(tokens.group(1)) if tokens else None,
    }


def convert_dclm(folder: Path, entry: Any) -> pd.DataFrame:
    """Read the pinned files of ``folder``: one row per file (system) and task, accuracies in [0, 1]."""
    rows = []
    for name, _sha in DCLM_FILES:
        path = Path(folder) / name
        data = json.loads(path.read_text(encoding="utf-8"))
        stem = name[: -len(".json")]
        system = stem[len("evaluation_") :] if stem.startswith("evaluation_") else stem
        meta = _parse(stem, data.get("model"))
        url = f"{entry.url}/{quote(name)}"
        for task, score in sorted(data["eval_metrics"]["icl"].items()):
            rows.append(
                {
                    "system": system,
                    "task": task,
                    "metric": "accuracy",
                    "score": float(score),
                    "higher_is_better": True,
                    **meta,
                    "core": data.get("Core"),
                    "source_file": url,
                }
            )
    frame = pd.DataFrame(rows)
    for col in ("seed", "train_tokens"):
        frame[col] = frame[col].astype("Int64")
    frame["core"] = pd.to_numeric(frame["core"], errors="coerce")
    n_no = frame.loc[frame["dataset"] == "", "system"].nunique()
    frame.attrs["notes"] = [
        f"{n_no} of {len(DCLM_FILES)} files name no training dataset (public models, ad-hoc runs): 'dataset' is empty "
        "for them; each file has 51-56 of the 57 tasks (the suite grew over time), so a table of every file has "
        "missing scores"
    ]
    return frame
