"""Synthetic probe datasets: training sets with known properties, small models, diagnostics with ground truth.

The world: ``n_domains`` text domains, each a first-order Markov chain over a
small vocabulary (transition rows drawn from a Dirichlet), plus one held-out
domain never used for training. A **probe** is a training set sampled from a
known process whose knobs are interpretable:

* ``noise``: each token is replaced by a uniformly random one with this probability;
* ``duplication``: this share of the training sequences are copies of others
  (fewer unique tokens, the same size);
* ``skew``: the domain mixture puts weight proportional to ``exp(-skew * d)``
  on domain ``d`` (0: uniform, as the test mixture);
* ``temperature``: the training chains' rows are raised to ``1 / temperature``
  and renormalised (above 1: a higher entropy rate than the test domains;
  below 1: lower);
* ``size``: the share of the scale's token budget the probe gets.

On each probe and seed a smoothed bigram language model is fitted in closed
form (add-``alpha`` counts). Each diagnostic is then computed **exactly**
against the true test processes (stationary-weighted sums over the chains'
transitions, no test sample), on deliberately different scales and all
lower-is-better, as a leaderboard of error measures would list them:

=====================  ==================================================  ==========
task                   what                                                unit
=====================  ==================================================  ==========
``nll_d0..nll_d2``     cross-entropy on each training domain               nats/token
``ood_perplexity``     perplexity on the held-out domain                   exp(nats)
``error_d0``           next-token error (argmax) on domain 0               percent
``error_mix``          next-token error on the uniform test mixture        fraction
``kl_bits``            KL(true mixture process || model), per token        bits
``calibration_error``  |confidence - accuracy| of the argmax, averaged     fraction
``corrupted_nll``      cross-entropy on the test mixture with 30 % noise   nats/token
``brier``              expected Brier score of the next-token distribution  [0, 2]
=====================  ==================================================  ==========

A scale is a token budget (``"small"``: ``small_tokens``, ``"large"``:
``tokens``): the same probes, fitted on independent samples of each size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.probes.study import CandidateStudy

__all__ = ["DEFAULT_PROBES", "IMPLIED_ORDERS", "TASKS", "Probe", "generate", "true_processes"]

TASKS = (
    "nll_d0",
    "nll_d1",
    "nll_d2",
    "ood_perplexity",
    "error_d0",
    "error_mix",
    "kl_bits",
    "calibration_error",
    "corrupted_nll",
    "brier",
)
_CORRUPTION = 0.3


@dataclass(frozen=True)
class Probe:
    """One probe dataset's knobs (see :mod:`rankagg.probes.synthetic`)."""

    name: str
    noise: float = 0.0
    duplication: float = 0.0
    skew: float = 0.0
    temperature: float = 1.0
    size: float = 1.0

    def check(self) -> None:
        """Raise :class:`~rankagg.RankaggError` naming the knob out of range."""
        for knob, lo, hi in (("noise", 0.0, 1.0), ("duplication", 0.0, 0.99), ("size", 1e-3, 1.0)):
            v = getattr(self, knob)
            if not lo <= v <= hi:
                raise RankaggError(f"probe {self.name!r}: {knob}={v!r} is out of [{lo}, {hi}].")
        if not self.temperature > 0:
            raise RankaggError(f"probe {self.name!r}: temperature={self.temperature!r} must be positive.")


DEFAULT_PROBES: tuple[Probe, ...] = (
    Probe("clean"),
    Probe("noise_10", noise=0.10),
    Probe("noise_30", noise=0.30),
    Probe("noise_60", noise=0.60),
    Probe("dup_50", duplication=0.50),
    Probe("dup_90", duplication=0.90),
    Probe("skew_d0", skew=2.0),
    Probe("size_25", size=0.25),
    Probe("hot", temperature=1.6),
    Probe("cold", temperature=0.6),
)

#: Orders the construction implies among the default probes, best first: one knob moves, all else equal.
IMPLIED_ORDERS: tuple[tuple[str, ...], ...] = (
    ("clean", "noise_10", "noise_30", "noise_60"),
    ("clean", "dup_50", "dup_90"),
    ("clean", "size_25"),
)


def _stationary(p: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eig(p.T)
    k = int(np.argmin(np.abs(w - 1.0)))
    pi = np.abs(np.real(v[:, k]))
    return pi / pi.sum()


def true_processes(vocab: int = 8, n_domains: int = 3, *, concentration: float = 0.5, rng: int = 0) -> np.ndarray:
    """The world's domain chains: an array ``(n_domains + 1, vocab, vocab)`` of transition matrices.

    The last chain is the held-out (out-of-domain) one. Deterministic in ``rng``.

    Examples
    --------
    >>> p = true_processes(rng=0)
    >>> p.shape, bool(np.allclose(p.sum(axis=2), 1.0))
    ((4, 8, 8), True)
    """
    gen = np.random.default_rng([int(rng), 0xD0])
    return gen.dirichlet(np.full(vocab, concentration), size=(n_domains + 1, vocab))


def _sample_tokens(chains: np.ndarray, domains: np.ndarray, seq_len: int, gen: np.random.Generator) -> np.ndarray:
    """Sequences (n, seq_len) of token ids, sequence i from chain ``domains[i]``, vectorised over sequences."""
    n, v = domains.size, chains.shape[1]
    cum = np.cumsum(chains, axis=2)
    cum[..., -1] = 1.0
    out = np.empty((n, seq_len), dtype=np.int64)
    out[:, 0] = gen.integers(0, v, size=n)
    u = gen.random((n, seq_len))
    for t in range(1, seq_len):
        rows = cum[domains, out[:, t - 1]]  # (n, v)
        out[:, t] = (u[:, t, None] > rows).sum(axis=1)
    return out


def _fit(tokens: np.ndarray, vocab: int, alpha: float) -> np.ndarray:
    a, b = tokens[:, :-1].ravel(), tokens[:, 1:].ravel()
    c = np.bincount(a * vocab + b, minlength=vocab * vocab).reshape(vocab, vocab).astype(np.float64) + alpha
    return c / c.sum(axis=1, keepdims=True)


def _diagnostics(q: np.ndarray, chains: np.ndarray, pis: np.ndarray) -> dict[str, float]:
    """Exact diagnostics of bigram model ``q`` against the true chains (the last one held out)."""
    n_dom = chains.shape[0] - 1
    logq = np.log(q)
    ce = np.array([float(pis[d] @ (chains[d] * -logq).sum(axis=1)) for d in range(n_dom + 1)])
    ent = np.array([float(pis[d] @ (-(chains[d] * np.log(chains[d])).sum(axis=1))) for d in range(n_dom)])
    top = np.argmax(q, axis=1)
    v = q.shape[0]
    acc = np.array([float(pis[d] @ chains[d][np.arange(v), top]) for d in range(n_dom)])
    conf = q[np.arange(v), top]
    cal = np.mean([float(pis[d] @ np.abs(conf - chains[d][np.arange(v), top])) for d in range(n_dom)])
    corrupted = [(1 - _CORRUPTION) * chains[d] + _CORRUPTION / v for d in range(n_dom)]
    c_nll = np.mean([float(pis[d] @ (corrupted[d] * -logq).sum(axis=1)) for d in range(n_dom)])
    q2 = (q**2).sum(axis=1)
    brier = np.mean([float(pis[d] @ (q2 - 2 * (chains[d] * q).sum(axis=1) + 1.0)) for d in range(n_dom)])
    out = {f"nll_d{d}": ce[d] for d in range(min(n_dom, 3))}
    out.update(
        {
            "ood_perplexity": float(np.exp(ce[n_dom])),
            "error_d0": float(100.0 * (1.0 - acc[0])),
            "error_mix": float(1.0 - acc.mean()),
            "kl_bits": float((ce[:n_dom] - ent).mean() / np.log(2.0)),
            "calibration_error": float(cal),
            "corrupted_nll": float(c_nll),
            "brier": float(brier),
        }
    )
    return out


def _training_chains(chains: np.ndarray, temperature: float) -> np.ndarray:
    if temperature == 1.0:
        return chains
    t = chains ** (1.0 / temperature)
    return t / t.sum(axis=2, keepdims=True)


def _train_set(probe: Probe, chains: np.ndarray, n_tokens: int, seq_len: int, gen: np.random.Generator) -> np.ndarray:
    n_dom, v = chains.shape[0] - 1, chains.shape[1]
    n_seq = max(2, round(probe.size * n_tokens / seq_len))
    n_unique = max(1, round((1.0 - probe.duplication) * n_seq))
    w = np.exp(-probe.skew * np.arange(n_dom))
    domains = gen.choice(n_dom, size=n_unique, p=w / w.sum())
    tokens = _sample_tokens(_training_chains(chains[:n_dom], probe.temperature), domains, seq_len, gen)
    if n_unique < n_seq:
        tokens = np.concatenate([tokens, tokens[gen.integers(0, n_unique, size=n_seq - n_unique)]])
    if probe.noise > 0:
        hit = gen.random(tokens.shape) < probe.noise
        tokens = np.where(hit, gen.integers(0, v, size=tokens.shape), tokens)
    return tokens


def generate(
    probes: Sequence[Probe] = DEFAULT_PROBES,
    *,
    n_seeds: int = 10,
    scales: Sequence[str] = ("large",),
    tokens: int = 16_384,
    small_tokens: int = 2_048,
    vocab: int = 8,
    n_domains: int = 3,
    seq_len: int = 64,
    alpha: float = 0.1,
    rng: int = 0,
) -> CandidateStudy:
    """Generate a synthetic probe study: K probes x 10 diagnostics x ``n_seeds`` seeds at one or two scales.

    Deterministic in ``rng``: the same arguments give the same study, byte
    for byte (:meth:`CandidateStudy.to_csv`). Each (scale, probe, seed) has
    its own random stream, so adding a probe or a seed leaves the others'
    scores unchanged.

    Parameters
    ----------
    probes : sequence of Probe, default :data:`DEFAULT_PROBES`
        The training-set candidates (names must be distinct).
    n_seeds : int, default 10
        Training samples (and fits) per probe and scale.
    scales : sequence of {"small", "large"}, default ("large",)
        Token budgets: ``"large"`` = ``tokens``, ``"small"`` = ``small_tokens``.
    tokens, small_tokens : int
        Training tokens of a probe with ``size=1`` at each scale.
    vocab, n_domains, seq_len : int
        Vocabulary size, number of training domains (at least 3), sequence length.
    alpha : float, default 0.1
        Add-alpha smoothing of the bigram counts.
    rng : int, default 0
        Seed of the world (the domain chains) and of every sample.

    Returns
    -------
    CandidateStudy
        Scores (all lower-is-better) with ``truth``: one row per probe with its
        knobs and ``kl_bits_infinite``, the KL (bits/token) to the test
        mixture of a model fitted on infinitely many tokens of the probe's
        process before noise and duplication (the order the construction
        implies, up to estimation error).

    Examples
    --------
    >>> from rankagg.probes import generate
    >>> study = generate(n_seeds=2, rng=0)
    >>> study.summary()[["scale", "candidates", "tasks", "seeds_max"]]
       scale  candidates  tasks  seeds_max
    0  large          10     10          2
    >>> study.rank(rule="borda").winners
    ('clean',)
    """
    if not isinstance(rng, (int, np.integer)) or isinstance(rng, bool):
        raise RankaggError(f"rng: an integer seed (the study is deterministic in it), got {rng!r}.")
    if n_domains < 3:
        raise RankaggError(f"n_domains={n_domains!r}: at least 3 (the diagnostics name domains 0, 1 and 2).")
    if int(n_seeds) < 1:
        raise RankaggError(f"n_seeds={n_seeds!r}: at least 1.")
    names = [p.name for p in probes]
    if len(set(names)) != len(names) or len(names) < 2:
        raise RankaggError(f"probes: give at least two probes with distinct names, got {names!r}.")
    budget = {"large": int(tokens), "small": int(small_tokens)}
    for s in scales:
        if s not in budget:
            raise RankaggError(f"scales: {s!r} is not a scale; use 'small' and / or 'large'.")
    for p in probes:
        p.check()
    chains = true_processes(vocab, n_domains, rng=int(rng))
    pis = np.stack([_stationary(c) for c in chains])
    rows = []
    for si, scale in enumerate(sorted(scales, key=("small", "large").index)):
        for pi_, probe in enumerate(probes):
            for seed in range(int(n_seeds)):
                gen = np.random.default_rng([int(rng), 1 + ("small", "large").index(scale), pi_, seed])
                q = _fit(_train_set(probe, chains, budget[scale], seq_len, gen), vocab, alpha)
                for task, val in _diagnostics(q, chains, pis).items():
                    rows.append((probe.name, task, seed, scale, val))
        del si
    df = pd.DataFrame(rows, columns=["candidate", "task", "seed", "scale", "score"])
    df["higher_is_better"] = False
    truth = []
    n_dom = n_domains
    for probe in probes:
        train = _training_chains(chains[:n_dom], probe.temperature)
        w = np.exp(-probe.skew * np.arange(n_dom))
        w = w / w.sum()
        # the infinite-data bigram of the probe's process: pooled pair frequencies, then token noise on each end
        joint = sum(w[d] * _stationary(train[d])[:, None] * train[d] for d in range(n_dom))
        m, u, e = joint.sum(axis=1), np.full(vocab, 1.0 / vocab), probe.noise
        joint = (1 - e) ** 2 * joint + e * (1 - e) * (np.outer(u, m) + np.outer(m, u)) + e**2 * np.outer(u, u)
        q_inf = joint / joint.sum(axis=1, keepdims=True)
        kl = np.mean(
            [
                float(pis[d] @ (chains[d] * (np.log(chains[d]) - np.log(q_inf))).sum(axis=1)) / np.log(2.0)
                for d in range(n_dom)
            ]
        )
        truth.append({**asdict(probe), "candidate": probe.name, "kl_bits_infinite": kl})
    truth_df = pd.DataFrame(truth).drop(columns="name")
    truth_df = truth_df[["candidate", *[c for c in truth_df.columns if c != "candidate"]]]
    return CandidateStudy.from_frame(df, name="probes", truth=truth_df)
