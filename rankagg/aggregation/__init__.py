"""Stage 4, aggregation: one table (or profile) in, one ranking per rule out.

What it owns: :func:`~rankagg.aggregation.aggregate.aggregate` and ``compare`` with their checks and result types
(:mod:`~rankagg.aggregation.results`), one- and two-level aggregation of instance tables
(:mod:`~rankagg.aggregation.levels`), and rules run on battle profiles (:mod:`~rankagg.aggregation.battles`).

May import: :mod:`rankagg.rules`, :mod:`rankagg.data`, :mod:`rankagg.rankings` and the shared modules. Rule
knowledge stays in the registry (:class:`rankagg.rules.RuleInfo`), never keyed by rule name here.
"""
