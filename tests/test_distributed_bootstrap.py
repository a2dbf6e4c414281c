"""The bootstrap on a Dask cluster (issue 17, part B): the same answer as the local bootstrap, whatever the workers.

One module-scoped ``LocalCluster`` of 2 worker processes (1 thread each) and one in-process cluster of a single
worker: every farmed-out result is compared with ``rankagg.bootstrap`` run here for the same seed, on both
clusters and with other chunk sizes. The streaming Poisson bootstrap is checked for its invariance (workers,
partitioning, row order), its full-data ranking (equal to ``rankagg.aggregate`` of the same data in memory) and,
on AlpacaEval, for a rank spread close to the stratified bootstrap's (a statistical check with a stated
tolerance, which weights that do not vary would fail).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg import InstanceTable, read_table

distributed = pytest.importorskip("distributed", reason="dask/distributed not installed (pip install rankagg[dask])")
dd = pytest.importorskip("dask.dataframe")

from rankagg.data.battle_counts import battle_counts  # noqa: E402
from rankagg.distributed.bootstrap import battle_counts_dask, distributed_bootstrap  # noqa: E402
from rankagg.distributed.poisson import poisson_bootstrap, poisson_weights  # noqa: E402


@pytest.fixture(scope="module")
def two():
    """2 worker processes, 1 thread each."""
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c,
        distributed.Client(c) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def one():
    """1 worker (in this process)."""
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c,
        distributed.Client(c, set_as_default=False) as client,
    ):
        yield client


def farmed(client, table, rule, **kw):
    """The distributed bootstrap on ``client``, and how many chunks of resamples ran on its workers."""
    with distributed.get_task_stream(client) as ts:
        res = distributed_bootstrap(table, rule, scheduler=client, **kw)
    return res, sum("_run_chunk" in str(t["key"]) for t in ts.data)


def same(a, b):
    assert a.systems == b.systems and a.resample == b.resample and a.seed == b.seed
    np.testing.assert_array_equal(a.full_ranks, b.full_ranks)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert a.n_distinct == b.n_distinct and dict(a.params) == dict(b.params)


def generated_table(n=12, m=9, seed=0):
    g = np.random.default_rng(seed)
    scores = np.round(g.normal(np.linspace(0, 1, n)[:, None], 0.7, (n, m)), 1)  # rounded: real ties
    return rankagg.ScoreTable(scores, systems=[f"s{i}" for i in range(n)], tasks=[f"t{j}" for j in range(m)],
                              higher_is_better=True)  # fmt: skip


# ----------------------------------------------------------------------------- task bootstrap
@pytest.mark.parametrize("rule", ["borda", "kemeny"])
def test_task_bootstrap_on_the_cluster_is_the_local_one_on_a_generated_table(two, one, rule):
    t = generated_table()
    local = rankagg.bootstrap(t, rule, n_resamples=300, rng=11)
    on_two, k2 = farmed(two, t, rule, n_resamples=300, rng=11)
    on_one, k1 = farmed(one, t, rule, n_resamples=300, rng=11, chunk_size=7)
    same(on_two, local)
    same(on_one, local)
    assert k2 >= 1 and k1 >= 1  # the resamples really ran on the workers
    assert (local.ranks != local.full_ranks).any()  # the resamples vary: the equality is not between constants


@pytest.mark.parametrize("rule", ["partial_borda", "kemeny"])
def test_task_bootstrap_on_the_cluster_is_the_local_one_on_glue(datasets_dir, two, one, rule):
    # GLUE keeps its 3 missing cells: partial resamples that fall apart are redrawn, the same way on both sides
    t = read_table(datasets_dir / "glue_superglue_value" / "glue.csv", missing="partial")
    local = rankagg.bootstrap(t, rule, n_resamples=120, rng=5)
    same(farmed(two, t, rule, n_resamples=120, rng=5)[0], local)
    same(farmed(one, t, rule, n_resamples=120, rng=5, chunk_size=50)[0], local)


def test_kemeny_with_a_seeded_heuristic_gets_the_local_seeds(two):
    # Kemeny takes rng (randomised for large blocks): each distinct resample gets the local run's spawned seed
    t = generated_table(n=16, m=7, seed=3)
    local = rankagg.bootstrap(t, "kemeny", n_resamples=80, rng=2, fast=False)
    same(farmed(two, t, "kemeny", n_resamples=80, rng=2, fast=False)[0], local)


# ----------------------------------------------------------------------------- instance bootstrap in memory
def generated_instances(n=8, sizes=(40, 25, 60, 30, 45), seed=1):
    g = np.random.default_rng(seed)
    data = {f"t{j}": np.round(g.normal(np.linspace(0, 0.8, n)[:, None], 1, (n, s)), 1) for j, s in enumerate(sizes)}
    return InstanceTable.from_arrays(data, systems=[f"s{i}" for i in range(n)], higher_is_better=True)


@pytest.mark.parametrize(
    ("rule", "kw"),
    [
        ("borda", {"resample": "instances"}),  # vectorised: blocks redrawn on the worker from the generator state
        ("kemeny", {"resample": "both"}),
        ("borda", {"resample": "both", "level": "two", "inner": "borda", "outer": "kemeny"}),
        ("borda", {"resample": "instances", "fast": False}),  # one job per resample, its draws shipped
        ("median", {"resample": "both"}),  # no counted form: a rebuilt table per resample
    ],
)
def test_instance_bootstrap_on_the_cluster_is_the_local_one(two, one, rule, kw):
    t = generated_instances()
    local = rankagg.bootstrap(t, rule, n_resamples=60, rng=4, **kw)
    same(farmed(two, t, rule, n_resamples=60, rng=4, **kw)[0], local)
    same(farmed(one, t, rule, n_resamples=60, rng=4, chunk_size=1, **kw)[0], local)
    assert (local.ranks != local.full_ranks).any()


# ----------------------------------------------------------------------------- battles
def battle_log(n_battles=3000, seed=0):
    g = np.random.default_rng(seed)
    names = np.array([f"m{i}" for i in range(7)])
    a = g.integers(0, 7, n_battles)
    b = (a + g.integers(1, 7, n_battles)) % 7
    p = 1 / (1 + np.exp(-(a - b) * 0.3))
    u = g.random(n_battles)
    winner = np.where(u < 0.1, "tie", np.where(u < 0.1 + 0.9 * p, "model_a", "model_b"))
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": winner})


def test_battle_counts_of_a_dask_frame_are_those_of_the_whole_log(two):
    log = battle_log()
    whole = battle_counts(log)
    parts = battle_counts_dask(dd.from_pandas(log, npartitions=5, sort=False), scheduler=two)
    assert parts.systems == whole.systems and parts.n_battles == whole.n_battles == len(log)
    for name in ("a", "b", "outcome", "count"):
        np.testing.assert_array_equal(getattr(parts, name), getattr(whole, name))


@pytest.mark.parametrize(("rule", "resample"), [("bradley_terry", "battles"), ("kemeny", "battles_by_pair")])
def test_battle_bootstrap_on_the_cluster_is_the_local_one(two, one, rule, resample):
    log = battle_log(seed=1)
    local = rankagg.bootstrap(battle_counts(log).to_profile(), rule, resample=resample, n_resamples=100, rng=9)
    ddf = dd.from_pandas(log, npartitions=4, sort=False)
    same(farmed(two, ddf, rule, resample=resample, n_resamples=100, rng=9)[0], local)
    same(farmed(one, battle_counts(log), rule, resample=resample, n_resamples=100, rng=9, chunk_size=2)[0], local)
    assert (local.ranks != local.full_ranks).any()


def test_n_jobs_is_refused_with_the_fix(two):
    with pytest.raises(rankagg.RankaggError, match="n_jobs: the distributed bootstrap runs on the cluster"):
        distributed_bootstrap(generated_table(), "borda", n_jobs=2, scheduler=two)


# ----------------------------------------------------------------------------- streaming Poisson bootstrap
def test_poisson_weights_follow_poisson_1_and_depend_on_the_key_only():
    keys = np.arange(400_000, dtype=np.uint64) * np.uint64(7919)
    w = poisson_weights(keys, 3, [0, 1])
    pmf = np.exp(-1.0) / np.array([1, 1, 2, 6, 24, 120])
    freq = np.bincount(w[0], minlength=6)[:6] / w.shape[1]
    # each frequency within 5 standard errors of the Poisson(1) probability
    assert np.all(np.abs(freq - pmf) < 5 * np.sqrt(pmf * (1 - pmf) / w.shape[1]))
    assert abs(np.corrcoef(w[0], w[1])[0, 1]) < 0.01  # resamples independent
    perm = np.random.default_rng(0).permutation(keys.size)[:1000]
    np.testing.assert_array_equal(poisson_weights(keys[perm], 3, [1])[0], w[1, perm])  # order and company: irrelevant
    assert not np.array_equal(poisson_weights(keys, 4, [0])[0], w[0])  # the seed matters


def wide(table: InstanceTable) -> pd.DataFrame:
    """The wide layout of an instance table: task, instance and one column per system."""
    rows = []
    for j, lab in enumerate(table.labels):
        a, b = int(table.offsets[j]), int(table.offsets[j + 1])
        part = pd.DataFrame(table.scores[:, a:b].T, columns=list(table.systems))
        part.insert(0, "instance", list(table.instances(lab)))
        part.insert(0, "task", lab)
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(
    ("rule", "kw", "local_kw"),
    [
        ("borda", {}, {}),
        ("kemeny", {}, {}),
        ("mean", {}, {}),
        ("borda", {"level": "two", "outer": "kemeny"}, {"level": "two", "inner": "borda", "outer": "kemeny"}),
    ],
)
def test_poisson_bootstrap_is_the_same_whatever_the_workers_and_partitions(two, one, rule, kw, local_kw):
    t = generated_instances(n=7, sizes=(80, 50, 120))
    frame = wide(t)
    a = poisson_bootstrap(dd.from_pandas(frame, npartitions=3), rule, higher_is_better=True, n_resamples=40, rng=8,
                          scheduler=two, **kw)  # fmt: skip
    shuffled = frame.sample(frac=1.0, random_state=1)  # other rows in each partition, in blocks of 9 resamples
    b = poisson_bootstrap(dd.from_pandas(shuffled, npartitions=7, sort=False), rule, higher_is_better=True,
                          n_resamples=40, rng=8, scheduler=one, block_memory=15_000, **kw)  # fmt: skip
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.counts, b.counts)
    # the full-data ranking is the in-memory aggregation's
    outer = kw.get("outer", rule)
    np.testing.assert_array_equal(a.full_ranks, rankagg.aggregate(t, rule=outer, **local_kw).ranks)
    assert (a.ranks != a.full_ranks).any() and a.resample == "instances (Poisson)"
    assert (a.counts.sum(axis=1) != t.n_instances_total).any()  # Poisson sizes vary (multinomial ones would not)


def test_poisson_spread_is_close_to_the_stratified_bootstrap_on_alpaca_eval(datasets_dir, two):
    long = pd.read_csv(
        datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz", dtype={"instance": str}
    )
    t = InstanceTable.from_long(long, missing="drop_systems")  # 52 complete systems x 805 prompts in 5 subsets
    strat = rankagg.bootstrap(t, "borda", resample="instances", n_resamples=300, rng=0)
    pois = poisson_bootstrap(dd.from_pandas(wide(t), npartitions=4), "borda", higher_is_better=True,
                             n_resamples=300, rng=0, scheduler=two)  # fmt: skip
    np.testing.assert_array_equal(pois.full_ranks, strat.full_ranks)
    s_sd, p_sd = strat.ranks.std(axis=0), pois.ranks.std(axis=0)
    # measured with seeds 0, 1, 2: spread ratio 0.99-1.01, correlation 0.99, widths 0.15-0.23 ranks apart (of 3.3)
    # same spread overall (within 10%; weights stuck at 1 would give 0) and system by system (correlation)
    assert 0.9 < p_sd.mean() / s_sd.mean() < 1.1
    assert np.corrcoef(s_sd, p_sd)[0, 1] > 0.9
    lo_s, hi_s = strat.rank_interval()
    lo_p, hi_p = pois.rank_interval()
    assert np.mean(np.abs((hi_p - lo_p) - (hi_s - lo_s))) < 0.75  # interval widths within 0.75 rank on average


def test_poisson_bootstrap_names_a_missing_score(two):
    frame = wide(generated_instances(n=4, sizes=(20, 20)))
    frame.loc[23, "s2"] = np.nan
    with pytest.raises(rankagg.RankaggError, match=r"missing score of system 's2' on task 't1', instance '3'"):
        poisson_bootstrap(dd.from_pandas(frame, npartitions=2), "borda", higher_is_better=True, scheduler=two)


def test_poisson_bootstrap_refuses_a_rule_without_counted_form_and_an_unknown_direction(two):
    ddf = dd.from_pandas(wide(generated_instances(n=4, sizes=(20, 20))), npartitions=2)
    with pytest.raises(rankagg.RankaggError, match="rule='median'"):
        poisson_bootstrap(ddf, "median", higher_is_better=True, scheduler=two)
    with pytest.raises(rankagg.RankaggError, match=r"higher_is_better: no direction for task\(s\) 't1'"):
        poisson_bootstrap(ddf, "borda", higher_is_better={"t0": True}, scheduler=two)


def test_several_poisson_rankings_from_one_pass_are_the_single_ones(two):
    ddf = dd.from_pandas(wide(generated_instances(n=6, sizes=(60, 40))), npartitions=3)
    kw = {"higher_is_better": True, "n_resamples": 30, "rng": 4, "scheduler": two}
    both = poisson_bootstrap(ddf, rankings=["kemeny", {"rule": "borda", "level": "two", "outer": "kemeny"}], **kw)
    assert list(both) == ["kemeny", "borda -> kemeny"]
    np.testing.assert_array_equal(both["kemeny"].ranks, poisson_bootstrap(ddf, "kemeny", **kw).ranks)
    two_level = poisson_bootstrap(ddf, "borda", level="two", outer="kemeny", **kw)
    np.testing.assert_array_equal(both["borda -> kemeny"].ranks, two_level.ranks)


def test_given_counts_are_all_farmed_out(two):
    # several rules on the same resamples (counts=): every row is ranked, in blocks of 2,048 on the workers
    t = generated_table(n=6, m=8)
    first = rankagg.bootstrap(t, "borda", n_resamples=5000, rng=1)
    res = distributed_bootstrap(t, "copeland", counts=first.counts, scheduler=two)
    np.testing.assert_array_equal(res.ranks, rankagg.bootstrap(t, "copeland", counts=first.counts).ranks)
    assert res.ranks.shape == (5000, 6)


def test_poisson_bootstrap_of_a_read_instances_collection_is_that_of_the_frame(two):
    # helper A's validated collection (wide files read on the cluster): same blocks, same keys, same weights
    from rankagg.distributed import read_instances

    t = generated_instances(n=6, sizes=(70, 50))
    frame = wide(t)
    kw = {"n_resamples": 30, "rng": 6, "scheduler": two}
    direct = poisson_bootstrap(dd.from_pandas(frame, npartitions=3), "kemeny", higher_is_better=True, **kw)
    data = read_instances(dd.from_pandas(frame, npartitions=4), layout="wide", higher_is_better=True, scheduler=two)
    np.testing.assert_array_equal(poisson_bootstrap(data, "kemeny", **kw).ranks, direct.ranks)
    with pytest.raises(rankagg.RankaggError, match="higher_is_better: the collection already holds"):
        poisson_bootstrap(data, "kemeny", higher_is_better=True, **kw)


@pytest.mark.parametrize(
    ("rule", "kw", "local_kw"),
    [("borda", {}, {}), ("kemeny", {}, {}), ("borda", {"level": "two", "outer": "kemeny"},
                                            {"level": "two", "inner": "borda", "outer": "kemeny"})],
)  # fmt: skip
def test_poisson_full_ranks_of_weighted_tasks_are_the_local_ones(two, rule, kw, local_kw):
    from rankagg.distributed import read_instances

    g = np.random.default_rng(2)
    data = {"t0": np.round(g.normal(np.linspace(0, 1, 6)[:, None], 1, (6, 60)), 1),
            "t1": np.round(g.normal(np.linspace(1, 0, 6)[:, None], 1, (6, 40)), 1)}  # fmt: skip
    weights = {"t0": 1.0, "t1": 3.0}  # t1 reverses the order: its weight decides
    t = InstanceTable.from_arrays(data, systems=[f"s{i}" for i in range(6)], higher_is_better=True, weights=weights)
    frame = wide(t)
    frame["weight"] = frame["task"].map(weights)
    coll = read_instances(dd.from_pandas(frame, npartitions=3), layout="wide", higher_is_better=True, scheduler=two)
    res = poisson_bootstrap(coll, rule, n_resamples=5, rng=0, scheduler=two, **kw)
    np.testing.assert_array_equal(res.full_ranks, rankagg.aggregate(t, rule=kw.get("outer", rule), **local_kw).ranks)


def _cli(capsys, *argv):
    from rankagg.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_bootstrap_with_a_scheduler(two, capsys, tmp_path):
    """`rankagg bootstrap --scheduler`: one file gives the local bootstrap's output exactly (resamples solved on the
    workers); a glob of instance-level files is bootstrapped where it lies (Poisson, said on stderr), with the
    full-data ranking of the local aggregation; what the Poisson bootstrap cannot do is a one-line error."""
    rng = np.random.default_rng(3)
    rows = [
        (f"S{s}", task, f"i{k}", float(np.round(s * 0.3 + rng.normal(), 0)))
        for task, size in (("qa", 40), ("mt", 30))
        for k in range(size)
        for s in range(6)
    ]
    df = pd.DataFrame(rows, columns=["system", "task", "instance", "score"])
    df.to_csv(tmp_path / "all.csv", index=False)
    for k in range(3):
        df.iloc[k::3].to_parquet(tmp_path / f"part-{k}.parquet")
    address = two.scheduler.address
    base = ["--direction", "higher", "-B", "60", "--seed", "4", "--format", "csv"]
    code, local, err = _cli(capsys, "bootstrap", str(tmp_path / "all.csv"), "--rule", "kemeny", *base)
    assert code == 0, err
    code, out, err = _cli(
        capsys, "bootstrap", str(tmp_path / "all.csv"), "--rule", "kemeny", "--scheduler", address, *base
    )
    assert code == 0, err
    assert out == local
    glob = str(tmp_path / "part-*.parquet")
    code, out, err = _cli(capsys, "bootstrap", glob, "--rule", "borda", "--scheduler", address, *base)
    assert code == 0 and "Poisson bootstrap" in err, err
    got = pd.read_csv(__import__("io").StringIO(out)).set_index("system")["rank"]
    t = InstanceTable.from_long(df, higher_is_better=True)
    full = rankagg.aggregate(t, "borda")
    assert got.to_dict() == dict(zip(full.systems, full.ranks.tolist(), strict=True))
    code, out, err = _cli(capsys, "bootstrap", glob, "--resample", "tasks", "--scheduler", address, *base)
    assert code == 2 and err.count("\n") == 1 and "--resample tasks" in err and "--resample instances" in err
    code, out, err = _cli(capsys, "bootstrap", glob, "--jobs", "2", "--scheduler", address, *base)
    assert code == 2 and err.count("\n") == 1 and "--jobs" in err
