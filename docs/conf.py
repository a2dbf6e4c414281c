"""Sphinx configuration of rankagg's documentation (``sphinx-build -W -b html docs docs/_build/html``).

Pages that must not drift from the code are generated here at every build, into ``docs/generated/`` (gitignored):
the CLI reference (from ``rankagg.cli.build_parser()``), the API reference (``rankagg.__all__``), the rule registry
table and one page per rule (from ``rankagg.RULES``), and the notebooks (``notebooks/*.py`` as MyST pages, not
executed). The build also checks, as warnings (errors under ``-W``), that every public name has a docstring and
that the README's table of rules lists exactly the registered rules under their families.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _generate  # noqa: E402

import rankagg  # noqa: E402

project = "rankagg"
author = "rankagg developers"
release = rankagg.__version__
extensions = ["sphinx.ext.autodoc", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"
html_theme = "alabaster"
html_static_path: list[str] = []
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]
smartquotes = False  # rule names, quotes and apostrophes stay as the code writes them


def setup(app):
    app.connect("builder-inited", _generate.generate)
