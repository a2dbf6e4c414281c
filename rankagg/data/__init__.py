"""Stage 2, data: validated inputs, whatever file or frame they came from.

What it owns: score tables (:mod:`~rankagg.data.table`, with column parsing in :mod:`~rankagg.data.columns` and
the comparison design / missing-score advice in :mod:`~rankagg.data.design`), instance-level tables
(:mod:`~rankagg.data.instances`, their chunked per-column counts in :mod:`~rankagg.data.instance_counts`) and
battle logs as pairwise profiles (:mod:`~rankagg.data.battles`).

May import: :mod:`rankagg.rankings` and the shared :mod:`rankagg._errors`. Files are read by :mod:`rankagg.io`,
which feeds this stage and is never imported by it.
"""
