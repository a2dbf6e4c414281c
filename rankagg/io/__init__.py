"""The io stage, readers: files in the formats users already have -> score tables, instance tables, battle logs.

It feeds the data stage (it may import :mod:`rankagg.data` and :mod:`rankagg.rankings`; only the faces, such as
the CLI, import it). The dataset registry (:mod:`rankagg.datasets`) belongs to this stage too. Battle-log paths
given to the data stage are read through the reader this package registers
(:func:`rankagg.data.battles.register_battle_reader`).
"""

from rankagg._errors import DataNoteWarning, ReaderError
from rankagg.io._common import LONG_COLUMNS
from rankagg.io.files import read_frame, read_table
from rankagg.io.helm import read_helm
from rankagg.io.leaderboards import read_alpaca_eval, read_open_llm
from rankagg.io.lm_eval import read_lm_eval
from rankagg.io.mteb import MTEB_BENCHMARKS, read_mteb
from rankagg.io.pairwise import read_alpaca_eval_annotations, read_battles
from rankagg.io.wide import read_wide

__all__ = [
    "LONG_COLUMNS",
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
