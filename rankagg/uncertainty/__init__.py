"""Stage 5, uncertainty: how sure a ranking is, by re-running aggregation on changed data.

What it owns: the bootstrap (:mod:`~rankagg.uncertainty.bootstrap` for score tables and profiles,
:mod:`~rankagg.uncertainty.bootstrap_instances` for instance tables, :mod:`~rankagg.uncertainty.battles` for battle
logs; shared resampling machinery, progress and worker pools in :mod:`~rankagg.uncertainty.resampling`; the result
in :mod:`~rankagg.uncertainty.bootstrap_result`), perturbation studies (:mod:`~rankagg.uncertainty.perturbations`
changes scores, :mod:`~rankagg.uncertainty.membership` removes or adds tasks and systems, both on
:mod:`~rankagg.uncertainty.perturbation_base`) and the statistical tests (:mod:`~rankagg.uncertainty.stats`).

May import: every earlier stage (aggregation, rules, data, rankings) and the shared modules. A rule's fast path
comes from its registry entry (``RuleInfo.batch``, ``RuleInfo.warm``), never from its name.
"""
