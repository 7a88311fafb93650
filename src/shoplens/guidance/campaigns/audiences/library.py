"""Ready audiences for the common plays, in the same YAML a user writes.

Examples
--------
>>> [a.name for a in ready_audiences()]
['win_back', 'cart_recovery', 'vip', 'review_request', 'post_complaint_care']
"""

from __future__ import annotations

from shoplens.guidance.campaigns.audiences.spec import Audience, load_audiences

__all__ = ["LIBRARY_YAML", "ready_audiences"]

LIBRARY_YAML = """\
audiences:
  - name: win_back
    description: valuable customers drifting away (at risk or churned, likely to churn)
    where:
      - stage: {in: [at_risk, churned]}
      - any:
          - churn_probability: {gte: 0.5}
          - p_alive: {lt: 0.5}
      - purchased: false
  - name: cart_recovery
    description: added to cart in the last 48 hours and bought nothing since
    where:
      - abandoned_cart: {within_hours: 48}
  - name: vip
    description: the best customers by RFM, or the top of expected value
    where:
      - any:
          - rfm_segment: {in: [champions, loyal_customers]}
          - clv: {gte: 1000}
      - not: {stage: churned}
  - name: review_request
    description: bought in the last 14 days and has not reviewed since
    where:
      - review_pending: {within_days: 14}
  - name: post_complaint_care
    description: complained (negative text or a complaint) in the last 30 days
    where:
      - complained: {within_days: 30}
"""


def ready_audiences() -> list[Audience]:
    """The library's audiences (win-back, cart recovery, VIP, review request, care)."""
    return load_audiences(LIBRARY_YAML)
