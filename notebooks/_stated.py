"""Shared by the notebooks: where the real data is, where figures go, and the figures each notebook states.

Every number a notebook's text states in bold (``**12**``) is recorded here, in the order the text states it, with
:func:`state`; when ``RANKAGG_NOTEBOOK_OUT`` is set, :func:`save` writes them to ``<out>/<notebook>.json`` and
``tests/test_notebooks.py`` checks that the text says exactly these values, so a notebook whose story stops being
true fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: ``../shared/datasets`` relative to the project root (or ``RANKAGG_DATASETS``).
DATA = Path(os.environ.get("RANKAGG_DATASETS", ROOT.parent / "shared" / "datasets"))
#: Where figures and the stated figures go: ``RANKAGG_NOTEBOOK_OUT``, else ``notebooks/out`` (gitignored).
OUT = Path(os.environ.get("RANKAGG_NOTEBOOK_OUT", Path(__file__).resolve().parent / "out"))
_STATED: list[tuple[str, str]] = []


def need_data(*parts: str) -> Path:
    """The path of a file under :data:`DATA`; exits with a clear message when the data is absent."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"real data not found at {path}: clone the shared datasets beside the project")
    return path


def state(key: str, value, fmt: str = "{}") -> str:
    """Record a figure the text states (``fmt`` as the text writes it) and return it formatted."""
    text = fmt.format(value)
    _STATED.append((key, text))
    return text


def save(name: str) -> Path:
    """Write the stated figures of notebook ``name`` to ``OUT/name.json``."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(_STATED, indent=1))
    return path
