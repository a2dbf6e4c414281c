"""The command line (``rankagg COMMAND ...``): a face of the library, the last stage of the pipeline.

What it owns: argument parsing and reading (:mod:`~rankagg.cli.options`, :mod:`~rankagg.cli.sources`),
rendering results as text, CSV, JSON or Markdown (:mod:`~rankagg.cli.render`, with the shared :mod:`rankagg._format`),
and one module per group of commands (:mod:`~rankagg.cli.commands`, :mod:`~rankagg.cli.stats`,
:mod:`~rankagg.cli.demo`); :mod:`~rankagg.cli.app` builds the parser and runs ``main``.
It may import every other stage; nothing imports it.
"""

from rankagg.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
