"""Generate the documentation pages that come from the code, and check what the code and the docs both state.

Called by ``conf.py`` at ``builder-inited``; writes into ``docs/generated/`` (gitignored). Problems are Sphinx
warnings, so ``sphinx-build -W`` fails on them:

* a name in ``rankagg.__all__`` (function or class) without its own docstring;
* the README's table of rules (section "Rules") not listing exactly the registered rules under their families.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
from pathlib import Path

from sphinx.util import logging

import rankagg
from rankagg.cli import build_parser

logger = logging.getLogger("rankagg.docs")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOKS = ROOT / "notebooks"
YES = {True: "yes", False: "no"}


# ------------------------------------------------------------------------------------------------ checks
def undocumented_public_names() -> list[str]:
    """Names of ``rankagg.__all__`` that are functions or classes without a docstring of their own."""
    missing = []
    plot = _plot_module()
    names = [(n, getattr(rankagg, n)) for n in rankagg.__all__]
    names += [(f"plot.{n}", getattr(plot, n)) for n in (plot.__all__ if plot is not None else ())]
    for name, obj in names:
        if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj)):
            continue
        doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
        # a dataclass without a docstring gets its signature as __doc__: that is not documentation
        if not doc or not doc.strip() or (inspect.isclass(obj) and doc.startswith(f"{obj.__name__}(")):
            missing.append(name)
    return missing


def readme_rule_table(readme: str) -> dict[str, set[str]]:
    """The README's "Rules" table as {family (lower case): set of rule names} (the first backticked name of each
    comma-separated item)."""
    section = readme.split("\n## Rules", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("family", "") or set(cells[0]) <= {"-"}:
            continue
        table[cells[0].lower()] = set(re.findall(r"(?:^|,\s*)`([A-Za-z0-9_]+)`", cells[1]))
    return table


def registry_rule_table() -> dict[str, set[str]]:
    """The registry as {family: set of rule names}."""
    table: dict[str, set[str]] = {}
    for name, info in rankagg.RULES.items():
        table.setdefault(info.family.lower(), set()).add(name)
    return table


def rule_table_disagreements(readme: str) -> list[str]:
    """How the README's table of rules differs from the registry (empty when they agree)."""
    doc, code = readme_rule_table(readme), registry_rule_table()
    out = []
    for family in sorted(set(doc) | set(code)):
        listed, registered = doc.get(family, set()), code.get(family, set())
        extra, absent = listed - registered, registered - listed
        if absent:
            out.append(f"family {family!r}: registered but not in the README's table: {sorted(absent)}")
        if extra:
            out.append(f"family {family!r}: in the README's table but not registered in that family: {sorted(extra)}")
    return out


# ------------------------------------------------------------------------------------------------ pages
def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:  # unchanged files keep Sphinx's cache valid
        path.write_text(text)


def cli_page() -> str:
    """Every subcommand's ``--help``, from the argument parser itself."""
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width: make the page reproducible
    parser = build_parser()
    parts = ["# Command-line reference", "", "Generated from `rankagg.cli.build_parser()` at every docs build.", ""]
    parts += ["```text", parser.format_help().rstrip(), "```", ""]
    for prog, p, depth in _subcommands(parser, "rankagg", 2):
        parts += [f"{'#' * depth} `{prog}`", "", "```text", p.format_help().rstrip(), "```", ""]
    return "\n".join(parts)


def _subcommands(parser: argparse.ArgumentParser, prog: str, depth: int):
    """(command line, parser, heading depth) of every subcommand, nested ones (``rankagg probes rank``) included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, p in action.choices.items():
                yield f"{prog} {name}", p, depth
                yield from _subcommands(p, f"{prog} {name}", depth + 1)


def api_page() -> str:
    """autodoc of every name in ``rankagg.__all__``, grouped by kind."""
    funcs, classes, data = [], [], []
    for name in sorted(rankagg.__all__, key=str.lower):
        obj = getattr(rankagg, name)
        if inspect.isclass(obj):
            classes.append(name)
        elif callable(obj):
            funcs.append(name)
        else:
            data.append(name)
    lines = ["API reference", "=============", "", "The public facade: every name in ``rankagg.__all__``.", ""]
    lines += [".. currentmodule:: rankagg", "", "Functions", "---------", ""]
    for name in funcs:
        lines += [f".. autofunction:: {name}", ""]
    lines += ["Classes", "-------", ""]
    for name in classes:
        lines += [f".. autoclass:: {name}", "   :members:", ""]
    lines += ["Data", "----", ""]
    for name in data:
        value = getattr(rankagg, name)
        desc = f"``{value!r}``" if isinstance(value, (str, tuple)) else "the rule registry (name -> :class:`RuleInfo`)"
        lines += [f".. py:data:: {name}", "", f"   {desc}", ""]
    plot = _plot_module()
    if plot is not None:
        lines += ["Figures: ``rankagg.plot``", "-------------------------", "", ".. automodule:: rankagg.plot", ""]
        lines += ["   :no-members:", "", ".. currentmodule:: rankagg.plot", ""]
        for name in sorted(plot.__all__, key=str.lower):
            if callable(getattr(plot, name)):
                lines += [f".. autofunction:: {name}", ""]
    return "\n".join(lines)


def _plot_module():
    """``rankagg.plot`` when this tree has it (it imports matplotlib only when a figure is drawn), else None."""
    import importlib.util

    if importlib.util.find_spec("rankagg.plot") is None:
        return None
    import rankagg.plot

    return rankagg.plot


def rules_page() -> str:
    """The registry table (generated from ``rankagg.list_rules()``) and a table of contents of the rule pages."""
    df = rankagg.list_rules()
    head = "| rule | family | score | partial rankings | Condorcet consistent | ranks only | Pareto | aliases |"
    lines = [
        "# Rules",
        "",
        "Generated from `rankagg.list_rules()` (the registry, `rankagg.RULES`) at every docs build, so it cannot drift",
        "from the code; `rankagg rules` prints the same table. *Ranks only*: invariant to monotone transforms of a",
        "task's scores. The common suite (`tests/test_rules_common.py`) checks each rule against what it claims here.",
        "",
        head,
        "|---|---|---|---|---|---|---|---|",
    ]
    for rule, row in df.iterrows():
        lines.append(
            f"| {{doc}}`{rule} <rule_{rule}>` | {row['family']} | {row['score']} | {YES[bool(row['partial_ok'])]} | "
            f"{YES[bool(row['condorcet_consistent'])]} | {YES[bool(row['rank_only'])]} | {row['pareto']} | "
            f"{row['aliases'] or ''} |"
        )
    lines += ["", "```{toctree}", ":maxdepth: 1", ""] + [f"rule_{r}" for r in df.index] + ["```", ""]
    return "\n".join(lines)


def rule_page(name: str) -> str:
    """One rule: its registry metadata (the axioms it satisfies), its reference and its definition (docstring)."""
    info = rankagg.RULES[name]
    func = info.func
    title = f"`{name}`"
    axioms = [
        ("family", info.family),
        ("score", info.score_name),
        ("accepts partial rankings (missing scores)", YES[info.partial_ok]),
        ("accepts pairwise profiles (battles)", YES[info.pairwise_ok]),
        ("Condorcet consistent", YES[info.condorcet_consistent]),
        ("invariant to monotone transforms of a task's scores (ranks only)", YES[info.rank_only]),
        ("Pareto efficient", info.pareto),
        ("aliases", ", ".join(f"``{a}``" for a in info.aliases) or "none"),
        ("fast path for the bootstrap", "yes" if info.batch is not None else "no"),
    ]
    lines = [title, "=" * len(title), "", info.summary, ""]
    lines += [".. list-table:: Registry metadata and axioms", "   :widths: 50 50", ""]
    for key, value in axioms:
        lines += [f"   * - {key}", f"     - {value}"]
    lines += ["", "**Reference.** " + (info.reference or "none given in the registry."), ""]
    lines += ["Definition", "----------", "", f"``rankagg.aggregate(table, rule={name!r})`` runs", ""]
    lines += [f".. autofunction:: {func.__module__}.{func.__qualname__}", "   :no-index:", ""]
    return "\n".join(lines)


def notebook_page(path: Path) -> str:
    """A percent-format notebook as a MyST page: markdown cells as text, code cells as Python blocks (not run)."""
    cells: list[tuple[str, list[str]]] = []
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, body in cells:
        if kind == "markdown":
            out.append("\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body).strip())
        else:
            code = "\n".join(body).strip()
            if code:
                out.append(f"```python\n{code}\n```")
    src = f"Source: `notebooks/{path.name}`. Run it with `python notebooks/{path.name}`, or pair it with Jupyter."
    return "\n\n".join([*out[:1], src, *out[1:]]) + "\n"


def generate(app) -> None:
    """``builder-inited``: check, then write every generated page."""
    for name in undocumented_public_names():
        logger.warning(f"rankagg.{name} is public (in __all__) and has no docstring")
    for problem in rule_table_disagreements((ROOT / "README.md").read_text()):
        logger.warning(f"README.md, section 'Rules': {problem}")
    gen = HERE / "generated"
    _write(gen / "cli.md", cli_page())
    _write(gen / "api.rst", api_page())
    _write(gen / "rules.md", rules_page())
    for name in rankagg.RULES:
        _write(gen / f"rule_{name}.rst", rule_page(name))
    pages = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    for p in pages:
        _write(gen / "notebooks" / f"{p.stem}.md", notebook_page(p))
    toc = ["# Notebooks", "", "Worked analyses on real data (`notebooks/`), shown here without running them.", ""]
    toc += ["```{toctree}", ":maxdepth: 1", ""] + [f"{p.stem}" for p in pages] + ["```", ""]
    _write(gen / "notebooks" / "index.md", "\n".join(toc))
    stale = {f"rule_{n}.rst" for n in rankagg.RULES}
    for old in gen.glob("rule_*.rst"):
        if old.name not in stale:
            old.unlink()
