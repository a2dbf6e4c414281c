"""Small helpers shared by the tests."""

from __future__ import annotations

import re


def pin(*parts: str) -> str:
    """A ``pytest.raises(match=...)`` pattern: every part, literally, in this order."""
    return "(?s)" + ".*".join(re.escape(p) for p in parts)


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """Run the command line in-process: ``(exit code, stdout, stderr)``."""
    from rankagg.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
