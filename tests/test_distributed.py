"""The Dask backend against the local path: the same counts (exactly), the same rankings, the same errors.

One module-scoped ``distributed.LocalCluster`` (2 worker processes, 1 thread each) serves every test. Generated data
are spread over several partitions with the rows shuffled, so an instance's rows straddle partitions; real
instance-level data come from ../shared/datasets (skipped when absent). A worker killed in the middle of a
computation is survived (Dask retries its tasks) with the same result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("dask.dataframe", reason="the Dask backend needs the optional extra rankagg[dask]")
distributed = pytest.importorskip("distributed", reason="the Dask backend needs the optional extra rankagg[dask]")

from rankagg import InstanceTable, RankaggError, RuleError, ScoreTableError, aggregate, compare  # noqa: E402
from rankagg.data.battle_counts import battle_counts  # noqa: E402
from rankagg.data.battles import BattleError  # noqa: E402
from rankagg.data.instance_counts import InstancePass  # noqa: E402
from rankagg.distributed import instance_stats, pairwise, read_battles, read_instances  # noqa: E402
from tests.helpers import pin, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def generated(*, seed=0, systems=7, sizes=(("qa", 90), ("mt", 60), ("code", 40)), holes=0.0, shuffle=True):
    """Long instance-level scores with ties (integer scores) and, optionally, missing cells (rows left out)."""
    rng = np.random.default_rng(seed)
    names = [f"S{i}" for i in range(systems)]
    skill = rng.normal(size=systems)
    rows = []
    for task, n in sizes:
        for k in range(n):
            for s, name in enumerate(names):
                if rng.random() < holes:
                    continue
                rows.append((name, task, f"i{k}", float(np.round(skill[s] + rng.normal(), 0))))
    df = pd.DataFrame(rows, columns=["system", "task", "instance", "score"])
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True) if shuffle else df


def same_result(dist, local):
    """The same ranking: ranks exactly, scores to float rounding, systems in the same order."""
    assert dist.systems == local.systems
    assert np.array_equal(dist.ranks, local.ranks)
    np.testing.assert_allclose(np.asarray(dist.scores, float), np.asarray(local.scores, float), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------- counts
def test_column_statistics_equal_the_local_pass_exactly_with_instances_straddling_partitions(client):
    df = generated(holes=0.1)
    local = InstanceTable.from_long(df, higher_is_better=True, missing="partial")
    data = read_instances(df, higher_is_better=True, missing="partial", npartitions=6, scheduler=client)
    assert data.npartitions == 6 and data.systems == local.systems and data.labels == local.labels
    assert dict(data.n_instances) == dict(local.n_instances) and data.has_missing
    run = instance_stats(data, pairwise="expected", scheduler=client)
    ref = InstancePass(local, atol=0.0, rtol=0.0, chunk_size=None, max_memory=None)
    for j in range(local.n_columns):
        a, b = run.stats(j, expected=True), ref.stats(j, expected=True)
        for name in ("wins", "both", "scored"):  # integer counts: exactly, as int64
            assert getattr(a, name).dtype == np.int64 and np.array_equal(getattr(a, name), getattr(b, name)), name
        assert np.array_equal(a.rank_sum, b.rank_sum) and a.size == b.size  # half-integer sums: exact
        for name in ("score_sum", "exp_ratio", "exp_wins", "exp_ties"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12)
    for weighting in ("uniform", "per_task"):
        wins, ties = pairwise(run, instance_weighting=weighting, pairwise="observed")
        lw, lt = local.pairwise(instance_weighting=weighting)
        np.testing.assert_allclose(wins, lw, rtol=1e-12)
        np.testing.assert_allclose(ties, lt, rtol=1e-12)
    wins, ties = pairwise(run, instance_weighting="uniform")
    assert np.array_equal(wins, local.pairwise(instance_weighting="uniform")[0])  # whole numbers: exact


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    systems=st.integers(2, 6),
    npartitions=st.integers(1, 5),
    holes=st.sampled_from([0.0, 0.2]),
    levels=st.integers(1, 4),
)
def test_property_counts_equal_the_local_ones_whatever_the_partitions(
    client, seed, systems, npartitions, holes, levels
):
    rng = np.random.default_rng(seed)
    rows = [
        (f"S{s}", task, f"i{k}", float(rng.integers(0, levels)))
        for task, n in (("a", int(rng.integers(1, 30))), ("b", int(rng.integers(1, 30))))
        for k in range(n)
        for s in range(systems)
        if rng.random() >= holes
    ]
    df = pd.DataFrame(rows, columns=["system", "task", "instance", "score"]).sample(frac=1.0, random_state=seed)
    try:
        local = InstanceTable.from_long(df, higher_is_better=False, missing="partial")
    except ScoreTableError as exc:  # too few systems or instances left: the distributed reader refuses as well
        with pytest.raises(ScoreTableError, match=str(exc).split(" ")[0]):
            read_instances(df, higher_is_better=False, missing="partial", npartitions=npartitions, scheduler=client)
        return
    data = read_instances(df, higher_is_better=False, missing="partial", npartitions=npartitions, scheduler=client)
    assert data.systems == local.systems and dict(data.n_instances) == dict(local.n_instances)
    wins, ties = pairwise(data, instance_weighting="uniform", scheduler=client)
    lw, lt = local.pairwise(instance_weighting="uniform")
    assert np.array_equal(wins, lw) and np.array_equal(ties, lt)


def test_tolerances_reach_the_workers(client):
    df = generated(seed=3)
    df["score"] += np.random.default_rng(3).normal(scale=0.01, size=len(df))
    local = InstanceTable.from_long(df, higher_is_better=True)
    data = read_instances(df, higher_is_better=True, npartitions=3, scheduler=client)
    wins, ties = pairwise(data, instance_weighting="uniform", atol=0.05, scheduler=client)
    lw, lt = local.pairwise(instance_weighting="uniform", atol=0.05)
    assert np.array_equal(wins, lw) and np.array_equal(ties, lt) and ties.sum() > 0


# ---------------------------------------------------------------------------- rankings
def test_every_distributed_rule_ranks_as_the_local_path_at_both_levels(client):
    df = generated(seed=1)
    local = InstanceTable.from_long(df, higher_is_better=True)
    data = read_instances(df, higher_is_better=True, npartitions=5, scheduler=client)
    for rule in ("mean", "borda", "copeland", "minimax", "schulze", "ranked_pairs", "kemeny", "bradley_terry"):
        same_result(
            aggregate(data, rule, instance_weighting="uniform"), aggregate(local, rule, instance_weighting="uniform")
        )
    same_result(aggregate(data, "borda", backend="dask"), aggregate(local, "borda"))
    two = aggregate(data, "kemeny", level="two", inner="borda")
    same_result(two, aggregate(local, "kemeny", level="two", inner="borda"))
    assert two.diagnostics["backend"] == "dask" and two.level == "two" and two.outer == "kemeny"
    same_result(
        aggregate(data, "plackett_luce", level="two", inner="mean"), aggregate(local, "plackett_luce", level="two")
    )
    dist_cmp, local_cmp = compare(data, backend="dask"), compare(local)
    pd.testing.assert_frame_equal(dist_cmp.ranks, local_cmp.ranks)
    pd.testing.assert_frame_equal(dist_cmp.disagreements, local_cmp.disagreements)


@pytest.mark.parametrize("missing", ["partial", "drop_instances", "drop_systems"])
def test_missing_policies_as_the_local_reader(client, missing):
    df = generated(seed=2, systems=9)
    rng = np.random.default_rng(2)
    if missing == "drop_systems":  # three systems lack a few scores each
        gone = [i for s in ("S1", "S4", "S7") for i in rng.choice(np.flatnonzero(df["system"] == s), 3, replace=False)]
    else:
        gone = rng.choice(len(df), len(df) // 12, replace=False)
    df = df.drop(index=df.index[gone])
    local = InstanceTable.from_long(df, higher_is_better=True, missing=missing)
    data = read_instances(df, higher_is_better=True, missing=missing, npartitions=4, scheduler=client)
    assert data.systems == local.systems and data.dropped_systems == local.dropped_systems
    assert sorted(data.dropped_instances) == sorted(local.dropped_instances)
    assert dict(data.n_instances) == dict(local.n_instances)
    rules = ("partial_borda", "copeland", "kemeny") if missing == "partial" else ("borda", "mean", "copeland")
    for rule in rules:
        res, ref = aggregate(data, rule), aggregate(local, rule)
        same_result(res, ref)
        assert sorted(res.diagnostics.get("dropped_instances", [])) == sorted(
            ref.diagnostics.get("dropped_instances", [])
        )
    if missing != "partial":
        assert data.notes and f"missing={missing!r}: dropped" in data.notes[0]


def test_persisted_blocks_give_the_same_results(client):
    df = generated(seed=10, holes=0.05)
    local = InstanceTable.from_long(df, higher_is_better=True, missing="partial")
    data = read_instances(df, higher_is_better=True, missing="partial", npartitions=3, scheduler=client, persist=True)
    for rule in ("copeland", "partial_borda"):
        same_result(aggregate(data, rule), aggregate(local, rule))
    with pytest.raises(ScoreTableError, match=pin("persist=True", "scheduler=distributed.Client(...)")):
        read_instances(df, higher_is_better=True, scheduler=client.scheduler.address, persist=True)


def test_wide_partitions_and_files_give_the_same_counts(client, tmp_path):
    df = generated(seed=4, shuffle=False)
    local = InstanceTable.from_long(df, higher_is_better=True)
    wide = df.pivot_table(index=["task", "instance"], columns="system", values="score").reset_index()
    wide = wide.sample(frac=1.0, random_state=0).reset_index(drop=True)
    wide.columns.name = None
    w = read_instances(wide, layout="wide", higher_is_better=True, npartitions=4, scheduler=client)
    assert set(w.systems) == set(local.systems) and w.layout == "wide"
    order = [w.systems.index(s) for s in local.systems]
    ww, wt = pairwise(w, instance_weighting="uniform", scheduler=client)
    lw, lt = local.pairwise(instance_weighting="uniform")
    assert np.array_equal(ww[np.ix_(order, order)], lw) and np.array_equal(wt[np.ix_(order, order)], lt)
    # an instance given twice, in two partitions: named, never counted twice
    twice = pd.concat([wide, wide.iloc[[3]]], ignore_index=True)
    inst = twice.loc[3, "instance"]
    named = pin("duplicate rows for task column", f"instance {inst!r}", "partition 0 row 3", "partition 3 row")
    with pytest.raises(ScoreTableError, match=named):
        read_instances(twice, layout="wide", higher_is_better=True, npartitions=4, scheduler=client)
    # partitioned Parquet files (a glob), each file one partition, and a CSV directory
    for k in range(3):
        df.iloc[k::3].to_parquet(tmp_path / f"part-{k}.parquet")
    files = read_instances(str(tmp_path / "part-*.parquet"), higher_is_better=True, scheduler=client)
    assert files.npartitions == 3 and files.source == "3 files"
    in_file_order = InstanceTable.from_long(pd.concat([df.iloc[k::3] for k in range(3)]), higher_is_better=True)
    same_result(aggregate(files, "copeland"), aggregate(in_file_order, "copeland"))
    listed = read_instances([tmp_path / f"part-{k}.parquet" for k in range(3)], higher_is_better=True, scheduler=client)
    assert listed.npartitions == 3
    same_result(aggregate(listed, "copeland"), aggregate(in_file_order, "copeland"))
    with pytest.raises(ScoreTableError, match=pin("no such file(s)", "part-9.parquet")):
        read_instances([tmp_path / "part-0.parquet", tmp_path / "part-9.parquet"], scheduler=client)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for k in range(2):
        df.iloc[k::2].to_csv(csv_dir / f"p{k}.csv", index=False)
    from_csv = read_instances(csv_dir, higher_is_better=True, scheduler=client)
    csv_local = InstanceTable.from_long(pd.concat([df.iloc[k::2] for k in range(2)]), higher_is_better=True)
    assert from_csv.npartitions == 2 and from_csv.systems == csv_local.systems
    assert np.array_equal(
        pairwise(from_csv, instance_weighting="uniform")[0], csv_local.pairwise(instance_weighting="uniform")[0]
    )


# ---------------------------------------------------------------------------- errors
def test_a_bad_row_is_named_with_its_partition_file_and_row(client, tmp_path):
    df = generated(seed=5, shuffle=False)
    bad = df.copy()
    bad["score"] = bad["score"].astype(object)
    bad.loc[600, "score"] = "n/a?"
    with pytest.raises(ScoreTableError, match=pin("score: non-numeric", "partition 1", "(row 600: 'n/a?')")):
        read_instances(bad, higher_is_better=True, npartitions=3, scheduler=client)
    for k in range(3):
        part = df.iloc[k * 400 : (k + 1) * 400].reset_index(drop=True)
        if k == 2:
            part.loc[7, "score"] = np.inf
        part.to_parquet(tmp_path / f"p{k}.parquet")
    with pytest.raises(ScoreTableError, match=pin("infinite values", "partition 2 (file ", "p2.parquet)", "row 7")):
        read_instances(str(tmp_path / "p*.parquet"), higher_is_better=True, scheduler=client)
    # a duplicate across partitions: both rows named with their partitions
    dup = pd.concat([df, df.iloc[[5]]], ignore_index=True)
    with pytest.raises(ScoreTableError, match=pin("duplicate entries for", "partition 0 row 5", "partition 3 row")):
        read_instances(dup, higher_is_better=True, npartitions=4, scheduler=client)
    # conflicting directions in two partitions
    d = df.assign(higher_is_better=True)
    d.loc[629, "higher_is_better"] = False  # the last 'qa' row, in the second partition
    with pytest.raises(
        ScoreTableError, match=pin("task 'qa'", "True in partition 0 row 0 and False in partition 1 row 629")
    ):
        read_instances(d, npartitions=3, scheduler=client)
    with pytest.raises(ScoreTableError, match=pin("missing: ", "missing score(s)", "missing='drop_systems'")):
        read_instances(df.iloc[1:], higher_is_better=True, npartitions=2, scheduler=client)
    with pytest.raises(ScoreTableError, match=pin("score: no column 'points'", "score='<column name>'")):
        read_instances(df, score="points", higher_is_better=True, scheduler=client)


def test_rules_that_read_every_instance_are_refused_naming_those_that_run(client):
    data = read_instances(generated(seed=6), higher_is_better=True, npartitions=2, scheduler=client)
    with pytest.raises(RuleError, match=pin("rule 'plackett_luce' reads every instance's ranking", "borda", "kemeny")):
        aggregate(data, "plackett_luce")
    with pytest.raises(RankaggError, match=pin("backend='banana'", "'local'", "'dask'")):
        aggregate(data, "borda", backend="banana")
    with pytest.raises(RankaggError, match=pin("backend='local' cannot read a Dask collection")):
        import dask.dataframe as dd

        aggregate(dd.from_pandas(generated(seed=6), npartitions=2), "borda", backend="local")
    local = InstanceTable.from_long(generated(seed=6), higher_is_better=True)
    with pytest.raises(RankaggError, match=pin("scheduler: only used with backend='dask'")):
        aggregate(local, "borda", scheduler="tcp://127.0.0.1:1")
    # an in-memory instance table sent to the cluster: the same result; a score table is refused, not guessed at
    same_result(aggregate(local, "borda", backend="dask", scheduler=client), aggregate(local, "borda"))
    with pytest.raises(RuleError, match=pin("backend='dask' reads instance-level scores or battle logs", "ScoreTable")):
        aggregate(local.task_table(), "borda", backend="dask", scheduler=client)


# ---------------------------------------------------------------------------- battles
def battle_log(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.choice(list("PQRSTUVW"), n)
    b = rng.choice(list("PQRSTUVW"), n)
    keep = a != b
    w = rng.choice(["model_a", "model_b", "tie", "tie (bothbad)"], n, p=[0.45, 0.35, 0.1, 0.1])
    return pd.DataFrame({"model_a": a[keep], "model_b": b[keep], "winner": w[keep]})


def test_battle_counts_equal_the_local_counts_exactly(client, tmp_path):
    log = battle_log()
    local = battle_counts(log)
    for source in (log, None):
        if source is None:
            for k in range(4):
                log.iloc[k * 1500 : (k + 1) * 1500].to_parquet(tmp_path / f"b{k}.parquet")
            source = str(tmp_path / "b*.parquet")
        dist = read_battles(source, npartitions=5, scheduler=client).counts()
        assert dist.systems == local.systems and dist.n_battles == local.n_battles
        for name in ("a", "b", "outcome", "count"):
            assert np.array_equal(getattr(dist, name), getattr(local, name)), name
    same_result(
        aggregate(read_battles(log, npartitions=3, scheduler=client), "bradley_terry"), aggregate(log, "bradley_terry")
    )
    bad = log.copy()
    bad.loc[bad.index[4000], "winner"] = "draw?"
    with pytest.raises(BattleError, match=pin("partition 2 (rows counted from 0 within it)", "'draw?'")):
        read_battles(bad, npartitions=3, scheduler=client).counts()


# ---------------------------------------------------------------------------- real data
def real(datasets_dir, *parts, **kw):
    path = datasets_dir.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return pd.read_csv(path, dtype={"instance": str}, **kw)


@pytest.mark.parametrize("name", ["summeval", "realsumm"])
def test_real_summarisation_metrics_rank_as_locally(client, datasets_dir, name):
    df = real(datasets_dir, "summeval_realsumm", f"{name}_instances.csv")
    local = InstanceTable.from_long(df)
    data = read_instances(df, npartitions=4, scheduler=client)
    assert data.labels == local.labels and data.systems == local.systems
    run = instance_stats(data, scheduler=client)
    ref = InstancePass(local, atol=0.0, rtol=0.0, chunk_size=None, max_memory=None)
    for j in range(local.n_columns):
        assert np.array_equal(run.stats(j).wins, ref.stats(j).wins) and np.array_equal(
            run.stats(j).both, ref.stats(j).both
        )
    for rule in ("borda", "copeland", "kemeny"):
        same_result(aggregate(data, rule), aggregate(local, rule))
    same_result(
        aggregate(data, "kemeny", level="two", inner="borda"), aggregate(local, "kemeny", level="two", inner="borda")
    )


def test_real_amlb_folds_with_failed_runs_and_mixed_directions(client, datasets_dir):
    df = real(datasets_dir, "amlb2019", "amlb2019_fold_level.csv")
    df = df[df["constraint"] == "4h"][["system", "task", "instance", "metric", "score", "higher_is_better"]]
    local = InstanceTable.from_long(df, missing="partial")
    data = read_instances(df, missing="partial", npartitions=4, scheduler=client)
    assert data.has_missing and list(data.higher_is_better) == list(local.higher_is_better)
    for rule in ("partial_borda", "copeland", "kemeny"):
        same_result(aggregate(data, rule), aggregate(local, rule))
    with pytest.raises(RuleError, match=pin("rule 'borda' does not accept partial rankings")):
        aggregate(data, "borda")
    # every fold of some task has a failed run: both paths refuse to drop them all, naming the same tasks
    lost = pin("missing='drop_instances' would drop every instance of task column(s) ")
    with pytest.raises(ScoreTableError, match=lost):
        InstanceTable.from_long(df, missing="drop_instances")
    with pytest.raises(ScoreTableError, match=lost):
        read_instances(df, missing="drop_instances", npartitions=3, scheduler=client)
    kept = InstanceTable.from_long(df, missing="drop_systems")
    dist = read_instances(df, missing="drop_systems", npartitions=3, scheduler=client)
    assert dist.systems == kept.systems and dist.dropped_systems == kept.dropped_systems
    same_result(
        aggregate(dist, "borda", level="two", inner="borda"), aggregate(kept, "borda", level="two", inner="borda")
    )


def test_real_alpaca_eval_2_with_its_holes(client, datasets_dir):
    df = real(datasets_dir, "alpaca_eval", "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz")
    local = InstanceTable.from_long(df, missing="drop_instances")
    data = read_instances(df, missing="drop_instances", npartitions=4, scheduler=client)
    assert len(data.dropped_instances) == 8 and data.n_instances_total == 797 == local.n_instances_total
    same_result(
        aggregate(data, "mean", instance_weighting="uniform"), aggregate(local, "mean", instance_weighting="uniform")
    )
    same_result(aggregate(data, "borda"), aggregate(local, "borda"))


# ---------------------------------------------------------------------------- a worker dies
def test_a_worker_killed_mid_computation_is_survived_with_the_same_result(client, tmp_path):
    import dask.dataframe as dd

    df = generated(seed=7)
    local = InstanceTable.from_long(df, higher_is_better=True)
    armed = tmp_path / "armed"

    def die_once(part):  # nested: pickled by value, so the workers need not import this test module
        import os as _os
        from pathlib import Path as _Path

        try:
            _Path(str(armed)).unlink()  # the first worker to get here claims the flag (atomically) and dies
        except FileNotFoundError:
            return part
        _os._exit(1)  # the worker process dies; its nanny starts a new one and the scheduler retries the task
        return part

    ddf = dd.from_pandas(df, npartitions=4).map_partitions(die_once, meta=df.iloc[:0])
    data = read_instances(ddf, higher_is_better=True, scheduler=client)
    pids = set(client.run(os.getpid).values())
    armed.write_text("kill the next worker that reads a partition")
    res = aggregate(data, "kemeny", scheduler=client)
    assert not armed.exists(), "no worker read a partition"
    client.wait_for_workers(2, timeout=30)
    assert set(client.run(os.getpid).values()) != pids  # a worker was replaced
    same_result(res, aggregate(local, "kemeny"))


# ---------------------------------------------------------------------------- the command line
def test_cli_rank_and_compare_with_a_scheduler_address(client, capsys, tmp_path):
    df = generated(seed=8, holes=0.05)
    for k in range(3):
        df.iloc[k::3].to_parquet(tmp_path / f"scores-{k}.parquet")
    df.to_csv(tmp_path / "all.csv", index=False)
    address = client.scheduler.address
    glob = str(tmp_path / "scores-*.parquet")
    base = ["--direction", "higher", "--missing", "partial", "--format", "csv"]
    code, out, err = run_cli(capsys, "rank", glob, "--scheduler", address, "--rule", "copeland", *base)
    assert code == 0, err
    code, ref, err = run_cli(capsys, "rank", str(tmp_path / "all.csv"), "--rule", "copeland", *base)
    assert code == 0, err
    assert out == ref
    code, out, err = run_cli(capsys, "compare", glob, "--scheduler", address, "--rules", "copeland,kemeny", *base)
    assert code == 0, err
    code, ref, _ = run_cli(capsys, "compare", str(tmp_path / "all.csv"), "--rules", "copeland,kemeny", *base)
    assert out == ref
    # the default rules on partial data: win_rate cannot run there, and the note says so
    code, out, err = run_cli(capsys, "compare", glob, "--scheduler", address, *base)
    assert code == 0 and "win_rate cannot run on the Dask backend" in err and "partial_borda" in out, err
    battle_log(2000).to_parquet(tmp_path / "battles.parquet")
    code, out, err = run_cli(capsys, "rank", str(tmp_path / "battles.parquet"), "--scheduler", address)
    assert code == 0 and "bradley_terry" in out, err
    code, out, err = run_cli(capsys, "rank", glob, "--scheduler", address, "--tasks", "qa", *base)
    assert code == 2 and err.count("\n") == 1 and "--tasks: not available with --backend dask" in err


def test_cli_without_dask_says_how_to_install_it(capsys, monkeypatch, tmp_path):
    generated(seed=9).to_csv(tmp_path / "s.csv", index=False)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    code, out, err = run_cli(capsys, "rank", str(tmp_path / "s.csv"), "--backend", "dask", "--direction", "higher")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "pip install 'rankagg[dask]'" in err and "Traceback" not in err


def test_importing_rankagg_does_not_import_dask():
    code = (
        "import sys, rankagg; rankagg.aggregate; rankagg.InstanceTable; import rankagg.distributed; "
        "import rankagg.cli.app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
