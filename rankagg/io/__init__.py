"""Readers: files in the formats users already have -> :class:`~rankagg.ScoreTable`."""

from rankagg.io._common import DataNoteWarning, ReaderError
from rankagg.io.files import read_frame, read_table
from rankagg.io.helm import read_helm
from rankagg.io.leaderboards import read_alpaca_eval, read_open_llm
from rankagg.io.lm_eval import read_lm_eval
from rankagg.io.mteb import MTEB_BENCHMARKS, read_mteb
from rankagg.io.pairwise import read_alpaca_eval_annotations, read_battles
from rankagg.io.wide import read_wide

__all__ = [
    "MTEB_BENCHMARKS",
    "DataNoteWarning",
    "ReaderError",
    "read_alpaca_eval",
    "read_alpaca_eval_annotations",
    "read_battles",
    "read_frame",
    "read_helm",
    "read_lm_eval",
    "read_mteb",
    "read_open_llm",
    "read_table",
    "read_wide",
]
