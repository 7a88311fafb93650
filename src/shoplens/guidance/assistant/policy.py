"""The demo shop's policy rules as numbers, for the tools that compute eligibility.

These are the rules the Markdown documents in ``kb/demo/`` state in words (a test reads
the documents and checks that every number here is written there). A shop with other
rules passes its own :class:`Policy`.

Examples
--------
>>> Policy().no_reason_days, "Grocery" in Policy().no_reason_categories
(7, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Policy"]


@dataclass(frozen=True)
class Policy:
    """Return, warranty and delivery rules (days counted from the order date)."""

    no_reason_days: int = 7
    quality_days: int = 15
    no_reason_categories: frozenset[str] = field(
        default_factory=lambda: frozenset({"Phones", "Apparel", "Beauty", "Home"})
    )
    return_shipping_fee: float = 10.0
    warranty_days: int = 365
    #: categories (top level) or sub-categories (``Home > Air fryers``) with a warranty
    warranty_categories: frozenset[str] = field(
        default_factory=lambda: frozenset({"Phones", "Home > Air fryers", "Home > Robot vacuums"})
    )
    delivery_days: tuple[int, int] = (2, 5)
    free_shipping_from: float = 99.0
    refund_business_days: tuple[int, int] = (1, 3)

    def has_warranty(self, category: str) -> bool:
        """Whether items of ``category`` (``Top > Sub``) have a warranty."""
        top = category.split(" > ")[0]
        return top in self.warranty_categories or category in self.warranty_categories
