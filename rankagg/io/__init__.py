"""Readers: files in the formats users already have -> :class:`~rankagg.ScoreTable`."""

from rankagg.io.files import read_frame, read_table

__all__ = ["read_frame", "read_table"]
