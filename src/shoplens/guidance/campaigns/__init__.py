"""Campaigns: audiences, next-best-action by uplift, written messages and experiments.

* :mod:`~shoplens.guidance.campaigns.experiments`: power, stable assignment, analysis
  with CUPED and an always-valid (mSPRT) decision rule, sample-ratio checks;
* :mod:`~shoplens.guidance.campaigns.audiences`: audiences declared in YAML or Python,
  compiled to Ibis and evaluated in the warehouse;
* :mod:`~shoplens.guidance.campaigns.nba`: per-customer next-best-action by expected
  incremental value (uplift x value - cost) under contact rules;
* :mod:`~shoplens.guidance.campaigns.messages`: copy per customer through the LLM layer
  (template path by default) with number, claim and length checks.

See ``docs/campaigns.md``. Nothing heavy is imported here.
"""

from __future__ import annotations
