"""Experiments with honest statistics: design, assignment, analysis, sequential decisions.

Examples
--------
>>> from shoplens.guidance.campaigns.experiments import sample_size
>>> sample_size(baseline=0.10, mde=0.02).per_arm
3835
"""

from __future__ import annotations

from shoplens.guidance.campaigns.experiments.analyze import (
    ArmComparison,
    ExperimentResult,
    analyze,
    cuped_adjust,
    diff_in_means,
    diff_in_proportions,
    srm_check,
)
from shoplens.guidance.campaigns.experiments.assign import assign, bucket
from shoplens.guidance.campaigns.experiments.power import SampleSize, power, sample_size
from shoplens.guidance.campaigns.experiments.sequential import msprt_lambda, msprt_pvalues

__all__ = [
    "ArmComparison",
    "ExperimentResult",
    "SampleSize",
    "analyze",
    "assign",
    "bucket",
    "cuped_adjust",
    "diff_in_means",
    "diff_in_proportions",
    "msprt_lambda",
    "msprt_pvalues",
    "power",
    "sample_size",
    "srm_check",
]
