"""Journey stages: map event types to the steps of an e-commerce journey.

A stage is a coarse step of the shopping journey (discover, browse, search, consult,
cart, checkout, purchase, review, after-sales). The mapping is a plain ``dict`` from
event type to stage; :data:`DEFAULT_STAGE_MAP` is a sensible e-commerce default and any
mapping can be passed instead. Event types that the mapping does not know get the
stage ``"other"`` (or the ``default`` you pass).

Examples
--------
>>> import ibis
>>> t = ibis.memtable({"type": ["view", "add_to_cart", "login"]})
>>> t.mutate(stage=stage_of(t.type)).stage.to_list()
['browse', 'cart', 'other']
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from shoplens.errors import InputError

#: The journey stages, in journey order.
JOURNEY_STAGES: tuple[str, ...] = (
    "discover",
    "browse",
    "search",
    "consult",
    "cart",
    "checkout",
    "purchase",
    "review",
    "after-sales",
)

#: Default event type -> stage mapping for an online shop.
DEFAULT_STAGE_MAP: dict[str, str] = {
    "impression": "discover",
    "click_rec": "discover",
    "ad_click": "discover",
    "email_open": "discover",
    "view": "browse",
    "page_view": "browse",
    "wishlist": "browse",
    "search": "search",
    "chat": "consult",
    "question": "consult",
    "add_to_cart": "cart",
    "remove_from_cart": "cart",
    "checkout": "checkout",
    "payment": "checkout",
    "purchase": "purchase",
    "review": "review",
    "return": "after-sales",
    "refund": "after-sales",
    "cancel": "after-sales",
    "complaint": "after-sales",
    "support": "after-sales",
}

OTHER = "other"


def validate_stage_map(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Return ``mapping`` (default :data:`DEFAULT_STAGE_MAP`) as a checked ``dict``.

    Raises :class:`~shoplens.errors.InputError` when a key or a stage is not a
    non-empty string.

    Examples
    --------
    >>> validate_stage_map({"view": "browse"})
    {'view': 'browse'}
    """
    if mapping is None:
        return dict(DEFAULT_STAGE_MAP)
    if not isinstance(mapping, Mapping):
        raise InputError("stages must be a mapping from event type to stage name")
    for key, value in mapping.items():
        if not (isinstance(key, str) and key and isinstance(value, str) and value):
            raise InputError(
                f"stage mapping entry {key!r}: {value!r} must map a non-empty event type "
                "to a non-empty stage name"
            )
    return dict(mapping)


def stage_of(
    event_type: ir.StringValue,
    mapping: Mapping[str, str] | None = None,
    default: str = OTHER,
) -> ir.StringValue:
    """Return an Ibis ``CASE`` expression giving the stage of each event type.

    Parameters
    ----------
    event_type
        A string column (usually ``events.type``).
    mapping
        Event type -> stage; :data:`DEFAULT_STAGE_MAP` when ``None``.
    default
        Stage of the types the mapping does not know (and of null types).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"type": ["chat", "purchase"]})
    >>> t.select(s=stage_of(t.type, {"chat": "consult"}, default="?")).s.to_list()
    ['consult', '?']
    """
    checked = validate_stage_map(mapping)
    if not checked:
        return ibis.literal(default, type="string")
    branches = [(event_type == key, ibis.literal(value)) for key, value in checked.items()]
    return ibis.cases(*branches, else_=ibis.literal(default))


def with_stage(
    events: ir.Table,
    mapping: Mapping[str, str] | None = None,
    default: str = OTHER,
) -> ir.Table:
    """Return ``events`` with a ``stage`` column derived from ``type``.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"type": ["search"]})
    >>> with_stage(t).stage.to_list()
    ['search']
    """
    if "type" not in events.columns:
        raise InputError("events need a 'type' column to derive journey stages")
    return events.mutate(stage=stage_of(events.type, mapping, default))
