"""The documentation builds with warnings as errors, and fails when the docs and the code disagree.

The build (Sphinx, numpydoc, MyST: the ``docs`` extra, also in ``test``) runs in this process, so a test can add an
undocumented public function or register a temporary rule and see the build fail. Each build takes a few seconds.
"""

from __future__ import annotations

import argparse
import html as html_lib
import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

import rankagg

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
build_main = pytest.importorskip("sphinx.cmd.build", reason="the docs tools are not installed (pip install -e .[docs])")
pytest.importorskip("numpydoc")
pytest.importorskip("myst_parser")


@pytest.fixture
def generate():
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("_generate")
    finally:
        sys.path.remove(str(DOCS))


def build(tmp_path: Path) -> int:
    args = ["-W", "-E", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    return build_main.build_main(args)


def test_docs_build_with_warnings_as_errors_and_hold_every_generated_page(tmp_path):
    assert build(tmp_path) == 0
    html = tmp_path / "html" / "generated"
    api = (html / "api.html").read_text()
    for name in rankagg.__all__:
        assert f'id="rankagg.{name}"' in api, f"rankagg.{name} is not in the API reference"
    if importlib.util.find_spec("rankagg.plot") is not None:
        import rankagg.plot as rp

        for name in rp.__all__:
            assert not callable(getattr(rp, name)) or f'id="rankagg.plot.{name}"' in api, name
    cli = (html / "cli.html").read_text()
    from rankagg.cli import build_parser

    def commands(parser, prog):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, p in action.choices.items():
                    yield f"{prog} {name}", p
                    yield from commands(p, f"{prog} {name}")

    found = list(commands(build_parser(), "rankagg"))
    assert {"rankagg rank", "rankagg probes decide"} <= {c for c, _ in found}
    for command, p in found:
        assert f'id="{command.replace(" ", "-")}"' in cli, f"{command} has no section in the CLI reference"
        # every option of the command is in its section
        for action in p._actions:
            for flag in action.option_strings:
                assert html_lib.escape(flag) in cli, f"{command} {flag}"
    rules = (html / "rules.html").read_text()
    for name, info in rankagg.RULES.items():
        assert (html / f"rule_{name}.html").is_file()
        assert f"rule_{name}.html" in rules
        page = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", (html / f"rule_{name}.html").read_text())).split())
        summary = " ".join(info.summary.replace("``", "").replace("*", "").split())
        assert summary[:30] in page, f"the page of {name} lacks its registry summary"
        assert " ".join(info.reference.split())[:20] in page
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert notebooks and all((html / "notebooks" / f"{n}.html").is_file() for n in notebooks)


def test_the_readme_table_of_rules_agrees_with_the_registry(generate):
    readme = (ROOT / "README.md").read_text()
    assert generate.rule_table_disagreements(readme) == []
    table = generate.readme_rule_table(readme)
    assert table["kemeny"] == {"kemeny"} and "mteb_borda" in table["positional"]
    moved = readme.replace("`copeland`, ", "")
    assert generate.rule_table_disagreements(moved) == [
        "family 'majority': registered but not in the README's table: ['copeland']"
    ]


def test_build_fails_when_a_public_function_has_no_docstring(tmp_path, monkeypatch, capsys):
    def undocumented_helper(x):
        return x

    monkeypatch.setattr(rankagg, "undocumented_helper", undocumented_helper, raising=False)
    monkeypatch.setattr(rankagg, "__all__", [*rankagg.__all__, "undocumented_helper"])
    assert build(tmp_path) != 0
    assert "rankagg.undocumented_helper is public (in __all__) and has no docstring" in capsys.readouterr().err


def test_build_fails_when_a_dataclass_has_only_its_generated_signature(generate, monkeypatch):
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Undocumented:
        x: int

    monkeypatch.setattr(rankagg, "Undocumented", Undocumented, raising=False)
    monkeypatch.setattr(rankagg, "__all__", [*rankagg.__all__, "Undocumented"])
    assert generate.undocumented_public_names() == ["Undocumented"]


def test_build_fails_when_the_registry_and_the_rule_table_disagree(tmp_path, capsys):
    from rankagg.rules import RuleOutput, register
    from rankagg.rules.base import _REGISTRY

    @register("toy_docs_rule", family="positional", summary="A temporary rule.", score_name="score",
              partial_ok=False, condorcet_consistent=False, rank_only=True)  # fmt: skip
    def toy(inp, **_):
        """A temporary rule that only this test registers."""
        return RuleOutput(scores=-inp.mean_rank(), higher_is_better=True)

    try:
        assert build(tmp_path) != 0
    finally:
        _REGISTRY.pop("toy_docs_rule")
    err = capsys.readouterr().err
    assert "README.md, section 'Rules': family 'positional': registered but not in the README's table" in err
    assert "toy_docs_rule" in err
