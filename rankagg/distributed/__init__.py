"""Stage 6, distributed: the same rankings and bootstraps on data that outgrows one machine, on Dask.

What it owns: lazy reading of instance-level scores and battle logs as Dask collections (a Dask DataFrame,
or a path or glob of partitioned Parquet/CSV files), validated with the local readers' column conventions;
per-partition reductions (pairwise win/tie counts, per-system sums and counts, battle pair counts) summed by
tree reduction and handed to the existing rules unchanged; the bootstrap with resamples farmed out to the
cluster's workers from spawned seed sequences; the connection to a cluster (:mod:`~rankagg.distributed.cluster`).

Dask is an optional extra (``pip install rankagg[dask]``): nothing here is imported by ``import rankagg``, and
every module imports ``dask``/``distributed`` inside the functions that use them.

May import: every earlier stage (uncertainty, aggregation, rules, data, rankings) and the shared modules.
"""
