"""Ranking training data: studies of training-data candidates, decision accuracy, synthetic probe datasets.

* :class:`CandidateStudy`: scores by candidate (training set), task, seed and
  scale; ranks the candidates at one scale with any registered rule and
  bootstraps over tasks, seeds or both (:func:`rankagg.bootstrap`).
* :func:`decision_accuracy`: does the small scale's ranking predict the
  target scale's? DataDecide's pairwise decision accuracy, Kendall tau-b and
  top-1 agreement per rule, with bootstrap intervals.
* :func:`generate`: a synthetic probe study with known construction
  (:mod:`rankagg.probes.synthetic`).
* :func:`dclm_study`: the DataComp-LM evaluations as a study (400M, 1B, 7B).

Examples
--------
>>> from rankagg.probes import generate
>>> study = generate(n_seeds=3, rng=0)
>>> study.rank(rule="kemeny").winners
('clean',)
"""

from rankagg.probes.dclm import DCLM_SCALES, dclm_study
from rankagg.probes.decision import (
    DEFAULT_RULES,
    MEASURES,
    DecisionAccuracy,
    decision_accuracy,
    kendall_tau_b_rows,
    pairwise_agreement,
    top1_agreement,
)
from rankagg.probes.study import CENTERED_MEAN, CandidateStudy, StudyError
from rankagg.probes.synthetic import DEFAULT_PROBES, IMPLIED_ORDERS, TASKS, Probe, generate, true_processes

__all__ = [
    "CENTERED_MEAN",
    "DCLM_SCALES",
    "DEFAULT_PROBES",
    "DEFAULT_RULES",
    "IMPLIED_ORDERS",
    "MEASURES",
    "TASKS",
    "CandidateStudy",
    "DecisionAccuracy",
    "Probe",
    "StudyError",
    "dclm_study",
    "decision_accuracy",
    "generate",
    "kendall_tau_b_rows",
    "pairwise_agreement",
    "top1_agreement",
    "true_processes",
]
