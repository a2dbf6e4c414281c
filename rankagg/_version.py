"""The version of rankagg (one place; pyproject.toml holds the same string)."""

__version__ = "0.1.0.dev0"
