"""Bootstrap over instances, tasks and both, on instance-level tables."""

from __future__ import annotations

import numpy as np
import pytest

import rankagg
from rankagg import InstanceTable, bootstrap


def _table(seed=0, n=5, sizes=(30, 20, 25)):
    rng = np.random.default_rng(seed)
    skill = np.linspace(1.0, 0.0, n)
    data = {f"t{j}": skill[:, None] + rng.normal(scale=0.8, size=(n, k)) for j, k in enumerate(sizes)}
    return InstanceTable.from_arrays(data, systems=[f"s{i}" for i in range(n)], higher_is_better=True)


@pytest.mark.parametrize("resample", ["instances", "tasks", "both", "seeds"])
def test_instance_bootstrap_is_deterministic_and_records_what_it_resampled(resample):
    t = _table()
    a = bootstrap(t, "borda", resample=resample, n_resamples=40, rng=3, level="two", inner="mean")
    b = bootstrap(t, "borda", resample=resample, n_resamples=40, rng=3, level="two", inner="mean")
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert a.resample == resample and a.params["level"] == "two" and a.params["inner"] == "mean"
    full = rankagg.aggregate(t, rule="borda", level="two", inner="mean")
    np.testing.assert_array_equal(a.full_ranks, full.ranks)


def test_parallel_workers_give_the_same_resamples():
    t = _table(1)
    a = bootstrap(t, "kemeny", resample="instances", n_resamples=12, rng=0, level="two", inner="borda")
    b = bootstrap(t, "kemeny", resample="instances", n_resamples=12, rng=0, level="two", inner="borda", n_jobs=2)
    np.testing.assert_array_equal(a.ranks, b.ranks)


def test_task_resampling_of_a_one_task_table_is_refused_not_reported_as_certainty():
    # it used to return the full ranking in every resample: zero-width intervals, a certainty the data lacks
    t = _table(2, sizes=(40,))
    with pytest.raises(rankagg.RankaggError, match=r"only 1 task column.*use resample='instances' \(its 40 instances"):
        bootstrap(t, "copeland", resample="tasks", n_resamples=10, rng=0, level="one")


def test_a_system_better_on_every_instance_is_first_in_every_resample():
    t = _table(4)
    scores = {lab: t.column_scores(lab).copy() for lab in t.labels}
    for v in scores.values():
        v[0] = v.max(axis=0) + 1.0
    dom = InstanceTable.from_arrays(scores, systems=list(t.systems), higher_is_better=True)
    for rule, kw in (("borda", {"level": "two", "inner": "mean"}), ("kemeny", {"level": "one"})):
        res = bootstrap(dom, rule, resample="both", n_resamples=20, rng=0, **kw)
        assert res.p_top(1)[0] == 1.0


def test_instance_resampling_widens_intervals_when_instances_are_few():
    few = bootstrap(_table(5, sizes=(5,)), "borda", resample="instances", n_resamples=200, rng=0, level="two")
    many = bootstrap(_table(5, sizes=(400,)), "borda", resample="instances", n_resamples=200, rng=0, level="two")
    width = lambda r: np.mean(np.subtract(*r.rank_interval()[::-1]))  # noqa: E731
    assert width(few) > width(many)


def test_errors_name_the_parameter():
    t = _table()
    with pytest.raises(rankagg.RankaggError, match=r"resample='instance': unknown.*Did you mean 'instances'"):
        bootstrap(t, "borda", resample="instance")
    with pytest.raises(rankagg.RankaggError, match="level/inner/outer/instance_weighting apply to instance-level"):
        bootstrap(rankagg.load_example("toy"), "borda", level="two")


def test_cli_bootstraps_instance_level_files(tmp_path, capsys):
    from rankagg.cli import main

    path = tmp_path / "inst.csv"
    _table(6).to_long().to_csv(path, index=False)
    code = main(
        [
            "bootstrap",
            str(path),
            "--resample",
            "instances",
            "-B",
            "30",
            "--seed",
            "1",
            "--level",
            "two",
            "--inner",
            "mean",
            "--format",
            "csv",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    import io

    import pandas as pd

    df = pd.read_csv(io.StringIO(out))
    assert {"system", "rank", "rank_low", "rank_high", "p_top1"} <= set(df.columns)
    assert (df["rank_low"] <= df["rank_high"]).all() and df["p_top1"].sum() >= 1.0 - 1e-9
    assert sorted(df["system"]) == [f"s{i}" for i in range(5)]
