"""The package's layout: imports go one way through the pipeline's stages (issue: one way through the code).

The stages, in order, and what each may import (its own modules and the stages before it):

    rankings <- data <- rules <- aggregation <- uncertainty <- distributed (Dask) <- probes (training-data studies)
        <- faces (plot <- report <- cli)
    io (readers, the dataset registry) feeds data: it may import data and rankings; only the faces import it.

``rankagg._errors``, ``rankagg._threads``, ``rankagg._version`` and ``rankagg._format`` (plain-text tables) are
shared by every stage and import no stage;
the top-level ``rankagg/__init__.py`` is the public facade and nothing inside the package imports it.
Every import counts, including the ones inside functions (a lazy import is still a dependency) and under
``TYPE_CHECKING``. Within a stage a module may use its siblings' private names; across stages only public names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rankagg"
ORDER = ("rankings", "data", "rules", "aggregation", "uncertainty", "distributed", "probes", "plot", "report", "cli")
IO = ("io", "datasets")
SHARED = ("_errors", "_threads", "_version", "_format")
MAX_LINES = 600
FACES = ("plot", "report", "cli")


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "facade"
    top = parts[1]
    if top in IO:
        return "io"
    if top in SHARED or top == "__main__":
        return "shared" if top in SHARED else "cli"
    return top


def allowed(src: str, dst: str) -> bool:
    if dst == "shared" or src == dst:
        return True
    if src == "facade":
        return True
    if dst == "facade":
        return False
    if src == "io":
        return dst in ("data", "rankings")
    if dst == "io":
        return src in FACES
    if src == "shared":
        return False
    return src in ORDER and dst in ORDER and ORDER.index(dst) < ORDER.index(src)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) for every import of a rankagg module in ``path``, wherever it sits."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == "rankagg"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "rankagg":
                out += [(node.lineno, target, a.name) for a in node.names]
    return out


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolved(module: str, name: str | None) -> str:
    """The module an import reaches: ``from rankagg.x import y`` reaches ``rankagg.x.y`` when that is a module."""
    return f"{module}.{name}" if name and f"{module}.{name}" in MODULES else module


def edges() -> list[tuple[str, int, str, str | None]]:
    return [(me, line, resolved(mod, name), name) for me, p in MODULES.items() for line, mod, name in imports(p)]


def test_the_stages_cover_every_module():
    # a new top-level module or subpackage must be given a stage here (and in CONTRIBUTING.md) before it lands
    known = {*ORDER, "facade", "io", "shared"}
    assert {m: stage_of(m) for m in MODULES if stage_of(m) not in known} == {}


def test_imports_go_one_way_through_the_stages():
    wrong = [
        f"{me}:{line} imports {target} ({stage_of(me)} -> {stage_of(target)})"
        for me, line, target, _ in edges()
        if not allowed(stage_of(me), stage_of(target))
    ]
    assert wrong == []


def test_no_private_name_crosses_a_stage():
    wrong = [
        f"{me}:{line} imports {name} from {target}"
        for me, line, target, name in edges()
        if name
        and name.startswith("_")
        and not name.startswith("__")
        and stage_of(me) != stage_of(target)
        and stage_of(target) != "shared"
        and f"{target}" != f"{target.rsplit('.', 1)[0]}.{name}"  # a private module imported by name is still private
    ]
    wrong += [
        f"{me}:{line} imports the private module {target}"
        for me, line, target, _ in edges()
        if stage_of(me) != stage_of(target)
        and any(p.startswith("_") and p != "__init__" for p in target.split(".")[2:])
    ]
    assert wrong == []


def test_the_module_graph_has_no_loop():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for me, _, target, _ in edges():
        if target in graph and target != me and stage_of(me) != "facade":
            graph[me].add(target)
    # a package's __init__ re-exporting its own modules is not a loop: drop edges from a package to its children
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if seen.get(t) == 1:
                loops.append([*stack[stack.index(t) :], t])
            elif t not in seen:
                visit(t)
        stack.pop()
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m)
    assert loops == []


def test_long_modules_say_why_at_their_top():
    long = []
    for name, p in MODULES.items():
        text = p.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Why this module is long" not in doc:
                long.append(f"{name} ({text.count(chr(10))} lines)")
    assert long == []


@pytest.mark.parametrize("src, dst, ok", [("cli", "io", True), ("data", "io", False), ("rules", "aggregation", False)])
def test_the_checker_itself_refuses_a_wrong_direction(src, dst, ok):
    # the rule table, checked on the cases the layout exists for (a check that accepted everything would pass above)
    assert allowed(src, dst) is ok


def test_every_public_name_resolves_through_the_lazy_facade():
    # rankagg/__init__.py imports each public name on first use: a name in __all__ that _PUBLIC does not map (or a
    # mapping to the wrong module) would only fail when a user reaches for it
    import rankagg

    eager = {"__version__", "BootstrapWarning", "PartialResultWarning", "RankaggError", "RankaggWarning"}
    eager |= {"RuleError", "ScoreTableError"}
    assert set(rankagg.__all__) == set(rankagg._PUBLIC) | eager
    missing = [name for name in rankagg.__all__ if getattr(rankagg, name, None) is None]
    assert missing == []
