"""Small helpers shared by the tests."""

from __future__ import annotations

import re


def pin(*parts: str) -> str:
    """A ``pytest.raises(match=...)`` pattern: every part, literally, in this order."""
    return "(?s)" + ".*".join(re.escape(p) for p in parts)
