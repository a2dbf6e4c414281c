"""rankagg.probes: the candidates study, decision accuracy and the synthetic probe generator."""

from __future__ import annotations

import io
import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankagg
from rankagg.probes import (
    IMPLIED_ORDERS,
    TASKS,
    CandidateStudy,
    Probe,
    StudyError,
    decision_accuracy,
    generate,
    kendall_tau_b_rows,
    pairwise_agreement,
    top1_agreement,
)


@pytest.fixture(scope="module")
def two_scales() -> CandidateStudy:
    return generate(scales=("small", "large"), n_seeds=4, rng=0)


def tiny_study() -> CandidateStudy:
    """3 candidates x 2 tasks, one seed, two scales; hand-checkable."""
    small = {"A": (0.9, 0.1), "B": (0.5, 0.5), "C": (0.1, 0.2)}  # mean: B .5, A .5, C .15 ; tasks: t1 A>B>C, t2 B>C>A
    large = {"A": (0.8, 0.7), "B": (0.6, 0.6), "C": (0.7, 0.1)}  # mean: A .75 > B .6 > C .4
    rows = [
        (c, t, 0, scale, v[k], True, 0.0)
        for scale, d in (("s", small), ("l", large))
        for c, v in d.items()
        for k, t in enumerate(("t1", "t2"))
    ]
    cols = ["candidate", "task", "seed", "scale", "score", "higher_is_better", "random_baseline"]
    return CandidateStudy.from_frame(pd.DataFrame(rows, columns=cols))


# ------------------------------------------------------------------------------------ agreement measures
def test_pairwise_agreement_hand_cases():
    assert pairwise_agreement([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert pairwise_agreement([4, 3, 2, 1], [1, 2, 3, 4]) == 0.0
    # one of six pairs swapped
    assert pairwise_agreement([2, 1, 3, 4], [1, 2, 3, 4]) == pytest.approx(5 / 6)
    # a pair tied at the target is no decision: left out (5 decided pairs, all agree)
    assert pairwise_agreement([1, 2, 3, 4], [1, 1, 3, 4]) == 1.0
    # a pair the small scale ties counts a half
    assert pairwise_agreement([1, 1, 3, 4], [1, 2, 3, 4]) == pytest.approx(5.5 / 6)
    # target ties everything: undefined
    assert math.isnan(pairwise_agreement([1, 2], [1, 1]))
    assert top1_agreement([1, 2, 3], [2, 1, 3]) == 0.0


@settings(max_examples=60)
@given(st.lists(st.integers(1, 5), min_size=3, max_size=9).flatmap(lambda x: st.tuples(st.just(x), st.permutations(x))))
def test_tau_rows_equals_rankagg_kendall_tau_b_and_agreement_is_its_affine_image(xy):
    x, y = np.array(xy[0]), np.array(xy[1])
    tau = kendall_tau_b_rows(x, y)
    ref = rankagg.kendall_tau_b(x, y)
    assert (math.isnan(tau) and math.isnan(ref)) or tau == pytest.approx(ref)
    if len(set(x)) == len(x):  # without ties, decision accuracy = (1 + tau) / 2
        assert pairwise_agreement(x, y) == pytest.approx((1 + tau) / 2)


# ------------------------------------------------------------------------------------ the study
def test_study_rank_is_aggregate_of_seed_means():
    df = pd.DataFrame(
        {
            "candidate": ["A", "A", "B", "B", "A", "A", "B", "B"],
            "task": ["t1", "t2"] * 4,
            "seed": [0, 0, 0, 0, 1, 1, 1, 1],
            "score": [1.0, 3.0, 2.0, 2.0, 3.0, 3.0, 2.0, 2.0],
        }
    )
    study = CandidateStudy.from_frame(df, higher_is_better=True)
    res = study.rank(rule="mean")
    # A: t1 mean 2, t2 mean 3 -> 2.5; B: 2
    assert dict(zip(res.systems, res.scores)) == {"A": 2.5, "B": 2.0}
    inst = study.table(seeds="replicates")
    assert isinstance(inst, rankagg.InstanceTable)
    assert rankagg.aggregate(inst, "mean", level="two", inner="mean").winners == ("A",)


def test_centered_mean_is_dclm_centering():
    df = pd.DataFrame(
        {
            "candidate": ["A", "A", "B", "B"],
            "task": ["easy", "hard", "easy", "hard"],
            "score": [0.60, 0.30, 0.70, 0.26],
            "higher_is_better": True,
            "random_baseline": [0.5, 0.25, 0.5, 0.25],
        }
    )
    study = CandidateStudy.from_frame(df)
    # raw mean: A .45 < B .48; centered: A (.2 + .0667)/2 = .1333 vs B (.4 + .0133)/2 = .2067
    assert study.rank(rule="mean").winners == ("B",)
    res = study.rank(rule="centered_mean")
    assert dict(zip(res.systems, res.scores))["A"] == pytest.approx((0.2 + 0.05 / 0.75) / 2)
    with pytest.raises(StudyError, match="random baseline"):
        CandidateStudy.from_frame(df.drop(columns="random_baseline")).rank(rule="centered_mean")


def test_study_errors_name_the_row_and_the_fix():
    base = pd.DataFrame({"candidate": ["A", "B"], "task": ["t", "t"], "score": [1.0, 2.0], "higher_is_better": True})
    with pytest.raises(StudyError, match=r"no column 'model'.*candidate='<column>'"):
        CandidateStudy.from_frame(base, candidate="model")
    with pytest.raises(StudyError, match=r"row 1 \(candidate 'B', task 't'"):
        CandidateStudy.from_frame(base.assign(score=[1.0, np.nan]))
    with pytest.raises(StudyError, match=r"repeat a \(candidate, task, seed, scale\).*candidate 'A'"):
        CandidateStudy.from_frame(pd.concat([base, base.iloc[:1]]))
    with pytest.raises(StudyError, match="does not guess"):
        CandidateStudy.from_frame(base.drop(columns="higher_is_better"))
    with pytest.raises(StudyError, match="Did you mean 'large'"):
        generate(n_seeds=1, rng=0).rank("larg")


def test_matching_across_scales_says_what_was_dropped():
    study = tiny_study()
    extra = study.frame.iloc[:2].assign(candidate="D")  # D only at one scale
    s2 = CandidateStudy(frame=pd.concat([study.frame, extra], ignore_index=True))
    with pytest.warns(rankagg.RankaggWarning, match="candidate.*'D'"):
        res = decision_accuracy(s2, "s", "l", rules=("mean",), n_resamples=20, rng=0)
    assert res.candidates == ("A", "B", "C")
    assert "D" in res.dropped["candidates"][res.small] + res.dropped["candidates"][res.target]


# ------------------------------------------------------------------------------------ decision accuracy
def test_decision_accuracy_hand_computed():
    res = decision_accuracy(tiny_study(), "s", "l", rules=("mean", "borda"), n_resamples=50, rng=0)
    # mean at s: A .5 = B .5 > C .15 (A-B tied: 1/2); at l: A > B > C -> (0.5 + 1 + 1) / 3
    assert res.point.loc["mean", "decision_accuracy"] == pytest.approx(2.5 / 3)
    # borda at s: t1 A>B>C, t2 B>C>A -> B first (mean rank 1.5), A 2, C 2.5; at l: t1 A>C>B, t2 A>B>C -> A, then B=C
    # pairs decided at l: A-B (A), A-C (A); s says B>A (wrong), A>C (right) -> 1/2
    assert res.point.loc["borda", "decision_accuracy"] == pytest.approx(0.5)
    assert res.point.loc["borda", "top1"] == 0.0


def test_decision_accuracy_of_a_scale_against_itself_is_one(two_scales):
    for resample in ("tasks", "both"):
        res = decision_accuracy(
            two_scales, "small", "small", rules=("mean", "kemeny"), resample=resample, n_resamples=100, rng=1
        )
        for rule in res.rules:
            assert (res.samples[rule] == 1.0).all(), (resample, rule)
            assert list(res.point.loc[rule]) == [1.0, 1.0, 1.0]


def test_shuffled_target_gives_one_half_within_what_the_number_of_pairs_allows(two_scales):
    """With the target's candidates permuted at random, each decided pair agrees with probability 1/2.

    Without ties, decision accuracy = (1 + tau) / 2 and under a random permutation Var(tau) = 2(2n + 5) / (9n(n - 1))
    (Kendall 1938); ties at the small scale count 1/2 and only shrink the variance. The mean of R independent
    shuffles is within 4 standard errors of 1/2.
    """
    frame = two_scales.frame
    small = frame[frame["scale"] == "small"]
    cands = sorted(small["candidate"].unique())
    n, reps = len(cands), 40
    gen = np.random.default_rng(12345)
    values = []
    for _ in range(reps):
        perm = dict(zip(cands, gen.permutation(cands)))
        shuffled = small.assign(scale="shuffled", candidate=small["candidate"].map(perm))
        study = CandidateStudy(frame=pd.concat([small, shuffled], ignore_index=True))
        res = decision_accuracy(study, "small", "shuffled", rules=("borda",), n_resamples=10, rng=0)
        values.append(res.point.loc["borda", "decision_accuracy"])
    sd = math.sqrt(2 * (2 * n + 5) / (9 * n * (n - 1))) / 2
    assert abs(np.mean(values) - 0.5) < 4 * sd / math.sqrt(reps)


def test_fixed_target_compares_every_resample_with_the_full_data_target(two_scales):
    """Against itself, a resampled target agrees on every resample; a fixed one only as far as resamples move."""
    kw = {"rules": ("borda",), "n_resamples": 300, "rng": 3}
    moving = decision_accuracy(two_scales, "small", "small", target_mode="resampled", **kw)
    fixed = decision_accuracy(two_scales, "small", "small", target_mode="fixed", **kw)
    assert (moving.samples["borda"] == 1).all()
    da = fixed.samples["borda"][:, 0]
    assert da.min() < 1 and fixed.point.loc["borda", "decision_accuracy"] == 1
    # the same resamples: the fixed-target value is the agreement of each resampled ranking with the full one
    boot = two_scales.bootstrap("small", "borda", n_resamples=300, rng=0)
    full = boot.full_ranks
    assert np.all((da == 1) | (da < 1))
    assert np.quantile(pairwise_agreement(boot.ranks, full), 0.5) == pytest.approx(np.quantile(da, 0.5), abs=0.05)


def test_rules_share_the_same_resamples(two_scales):
    """Paired: a rule compared with itself under another name (alias) has identical samples."""
    res = decision_accuracy(two_scales, "small", "large", rules=("bradley_terry", "bt"), n_resamples=100, rng=5)
    np.testing.assert_array_equal(res.samples["bradley_terry"], res.samples["bt"])
    d = res.difference("bt", "bradley_terry")
    assert d["value"] == 0 and d["low"] == 0 and d["high"] == 0


# ------------------------------------------------------------------------------------ synthetic probes
def test_same_seed_same_study_byte_for_byte():
    def csv(seed: int) -> str:
        buf = io.StringIO()
        generate(scales=("small", "large"), n_seeds=3, rng=seed).to_csv(buf)
        return buf.getvalue()

    a, b = csv(7), csv(7)
    assert a == b
    assert csv(8) != a


def test_a_probe_scores_do_not_depend_on_the_other_probes():
    both = generate([Probe("clean"), Probe("noisy", noise=0.3)], n_seeds=2, rng=4).frame
    alone = generate([Probe("clean"), Probe("dup", duplication=0.5)], n_seeds=2, rng=4).frame
    pd.testing.assert_frame_equal(
        both[both.candidate == "clean"].reset_index(drop=True), alone[alone.candidate == "clean"].reset_index(drop=True)
    )


def test_rank_rules_recover_the_orders_the_construction_implies():
    """More token noise, more duplication or fewer tokens, all else equal, is worse on every diagnostic in expectation.

    Over 20 generated worlds (rng 0..19, 10 seeds each), when this test was written, each implied chain (noise
    4-chain, duplication 3-chain, size pair) was recovered exactly by Borda in 19, 20 and 20 worlds, by Kemeny in
    16, 17 and 19, and by the raw mean of the diagnostics in 3, 10 and 15; the clean probe was first for Borda and
    Kemeny in 19 worlds, for the mean in none. The test requires at least 3 in 4 for every chain and rank rule, the
    clean probe first in most worlds, and the rank rules ahead of the mean on the noise chain.
    """
    worlds = 20
    hits = {(rule, o): 0 for rule in ("mean", "borda", "kemeny") for o in IMPLIED_ORDERS}
    clean_first = 0
    for r in range(worlds):
        study = generate(rng=r)
        for rule in ("mean", "borda", "kemeny"):
            res = study.rank(rule=rule)
            rk = dict(zip(res.systems, res.ranks))
            clean_first += rule != "mean" and rk["clean"] == 1
            for o in IMPLIED_ORDERS:
                hits[rule, o] += all(rk[a] < rk[b] for a, b in itertools.pairwise(o))
    rates = {k: v / worlds for k, v in hits.items()}
    assert min(v for (rule, _), v in rates.items() if rule != "mean") >= 0.75, rates
    noise = IMPLIED_ORDERS[0]
    assert rates["mean", noise] < min(rates["borda", noise], rates["kemeny", noise]), rates
    assert clean_first / (2 * worlds) > 0.5


def test_reexpressing_one_diagnostic_moves_the_mean_never_borda_or_kemeny():
    study = generate(rng=0)
    log_ppl = study.with_scores("ood_perplexity", np.log)
    kl_x1000 = study.with_scores("kl_bits", lambda x: 1000 * x)
    winners = {
        name: {rule: s.rank(rule=rule).winners for rule in ("mean", "borda", "kemeny")}
        for name, s in (("raw", study), ("log_ppl", log_ppl), ("kl_x1000", kl_x1000))
    }
    assert winners["raw"]["mean"] != winners["log_ppl"]["mean"]
    assert winners["raw"]["mean"] != winners["kl_x1000"]["mean"]
    for rule in ("borda", "kemeny"):
        assert winners["raw"][rule] == winners["log_ppl"][rule] == winners["kl_x1000"][rule] == ("clean",)


@settings(max_examples=15, deadline=None)
@given(
    task=st.sampled_from(TASKS),
    transform=st.sampled_from(["x1000", "log", "sqrt", "affine"]),
)
def test_rank_rules_ignore_any_increasing_reexpression(task, transform):
    f = {
        "x1000": lambda x: 1000 * x,
        "log": np.log,
        "sqrt": np.sqrt,
        "affine": lambda x: 3 * x + 7,
    }[transform]
    study = _STUDY
    other = study.with_scores(task, f)
    for rule in ("borda", "kemeny", "copeland"):
        np.testing.assert_array_equal(study.rank(rule=rule).ranks, other.rank(rule=rule).ranks)


_STUDY = generate(n_seeds=3, rng=2)


def test_generator_validates_its_knobs():
    with pytest.raises(rankagg.RankaggError, match=r"noise=1\.5"):
        generate([Probe("a"), Probe("b", noise=1.5)], n_seeds=1)
    with pytest.raises(rankagg.RankaggError, match="'medium' is not a scale"):
        generate(scales=("medium",), n_seeds=1)


def test_diagnostics_are_exact_for_the_true_process():
    """A model equal to the truth has zero KL, zero calibration error and the chain's entropy as NLL."""
    from rankagg.probes.synthetic import _diagnostics, _stationary, true_processes

    chains = true_processes(rng=3)
    pis = np.stack([_stationary(c) for c in chains])
    d = _diagnostics(chains[0], chains, pis)  # the model is domain 0's chain
    h0 = float(pis[0] @ -(chains[0] * np.log(chains[0])).sum(axis=1))
    assert d["nll_d0"] == pytest.approx(h0)
    assert d["kl_bits"] > 0  # it is wrong about domains 1 and 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pis[0] @ chains[0] == pytest.approx(pis[0])
