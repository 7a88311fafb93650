"""Audience definitions: YAML or Python, validated against the known fields with line numbers.

An audience is a name and a ``where`` tree. A leaf is ``{field: condition}``; branches are
``{all: [...]}``, ``{any: [...]}`` and ``{not: ...}``; a list means ``all``. Profile fields
(lifecycle and customer columns) take a value (equals), a list (one of) or operators
(``eq, ne, in, not_in, gt, gte, lt, lte, between, is_null``). Behaviour fields take their
parameters (``abandoned_cart: {within_hours: 48}``) or ``true``/``false``.

Examples
--------
>>> text = '''
... audiences:
...   - name: cart_recovery
...     where:
...       - abandoned_cart: {within_hours: 48}
...       - chrun_probability: {gt: 0.5}
... '''
>>> try:
...     load_audiences(text)
... except AudienceError as exc:
...     print(exc)
line 6: unknown field 'chrun_probability' in audience 'cart_recovery' (did you mean ...)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoplens.errors import InputError

__all__ = [
    "BEHAVIOUR_FIELDS",
    "OPERATORS",
    "PROFILE_FIELDS",
    "Audience",
    "AudienceError",
    "load_audiences",
]


class AudienceError(InputError):
    """An audience definition that cannot be compiled (the message names the line)."""


#: profile fields -> type ("number" or "text"); lifecycle fields come from the latest run
PROFILE_FIELDS: dict[str, str] = {
    "stage": "text",
    "rfm_segment": "text",
    "segment_name": "text",
    "segment_id": "number",
    "recency_days": "number",
    "frequency": "number",
    "monetary": "number",
    "R": "number",
    "F": "number",
    "M": "number",
    "p_alive": "number",
    "expected_purchases": "number",
    "clv": "number",
    "churn_probability": "number",
    "country": "text",
    "region": "text",
}

#: behaviour fields -> their parameters and defaults
BEHAVIOUR_FIELDS: dict[str, dict[str, Any]] = {
    "abandoned_cart": {"within_hours": 48.0},
    "purchased": {"within_days": 30.0},
    "visited": {"within_days": 30.0},
    "review_pending": {"within_days": 14.0},
    "complained": {"within_days": 30.0, "aspect": None},
    "recommended": {"min_score": None},
}

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "is_null")
BRANCHES = ("all", "any", "not")


class LineDict(dict):
    """A mapping that remembers the YAML line of each key."""

    lines: dict[str, int]


def _loader():  # type: ignore[no-untyped-def]
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):  # type: ignore[no-untyped-def]
        out = LineDict()
        out.lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = key_node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


@dataclass
class Audience:
    """A named audience: a ``where`` tree over profile and behaviour fields.

    Examples
    --------
    >>> Audience("vip", {"all": [{"rfm_segment": "champions"}, {"clv": {"gte": 500}}]}).name
    'vip'
    """

    name: str
    where: Any
    description: str = ""
    source: str = "python"
    line: int | None = None
    conditions: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not str(self.name).strip():
            raise AudienceError("an audience needs a name")
        self.conditions = []
        _check(self.where, self, self.line)


def _where(line: int | None) -> str:
    return f"line {line}: " if line else ""


def _line(node: Any, key: str, default: int | None) -> int | None:
    return getattr(node, "lines", {}).get(key, default)


def _check(node: Any, aud: Audience, line: int | None) -> None:
    if isinstance(node, list):
        if not node:
            raise AudienceError(f"{_where(line)}empty condition list in audience {aud.name!r}")
        for item in node:
            _check(item, aud, line)
        return
    if not isinstance(node, dict) or not node:
        raise AudienceError(
            f"{_where(line)}audience {aud.name!r}: a condition must be a mapping"
            f" like {{stage: at_risk}}, got {node!r}"
        )
    for key, value in node.items():
        at = _line(node, key, line)
        if key in BRANCHES:
            if key == "not":
                _check(value, aud, at)
            elif not isinstance(value, list):
                raise AudienceError(f"{_where(at)}{key!r} needs a list of conditions")
            else:
                _check(value, aud, at)
        elif key in PROFILE_FIELDS:
            _check_profile(key, value, aud, at)
        elif key in BEHAVIOUR_FIELDS:
            _check_behaviour(key, value, aud, at)
        else:
            known = [*PROFILE_FIELDS, *BEHAVIOUR_FIELDS, *BRANCHES]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
            raise AudienceError(f"{_where(at)}unknown field {key!r} in audience {aud.name!r}{hint}")


def _check_profile(key: str, value: Any, aud: Audience, at: int | None) -> None:
    if isinstance(value, dict):
        for op, arg in value.items():
            if op not in OPERATORS:
                raise AudienceError(
                    f"{_where(_line(value, op, at))}unknown operator {op!r} for {key!r}"
                    f" in audience {aud.name!r}; use one of {', '.join(OPERATORS)}"
                )
            if op == "between" and not (isinstance(arg, list) and len(arg) == 2):
                raise AudienceError(f"{_where(at)}{key}: between needs [low, high]")
            if op in ("in", "not_in") and not isinstance(arg, list):
                raise AudienceError(f"{_where(at)}{key}: {op} needs a list")
            numeric = op in ("gt", "gte", "lt", "lte", "between")
            if numeric and PROFILE_FIELDS[key] != "number":
                raise AudienceError(f"{_where(at)}{key} is text: {op} needs a number field")
            args = arg if isinstance(arg, list) else [arg]
            if numeric and not all(isinstance(a, int | float) for a in args):
                raise AudienceError(f"{_where(at)}{key}: {op} needs numbers, got {arg!r}")
    aud.conditions.append((key, value))


def _check_behaviour(key: str, value: Any, aud: Audience, at: int | None) -> None:
    if isinstance(value, bool):
        aud.conditions.append((key, value))
        return
    if not isinstance(value, dict):
        raise AudienceError(
            f"{_where(at)}{key} takes parameters ({', '.join(BEHAVIOUR_FIELDS[key])}) or true/false"
        )
    for p in value:
        if p not in BEHAVIOUR_FIELDS[key]:
            raise AudienceError(
                f"{_where(_line(value, p, at))}unknown parameter {p!r} of {key!r};"
                f" use {', '.join(BEHAVIOUR_FIELDS[key])}"
            )
    aud.conditions.append((key, value))


def load_audiences(source: str | Path) -> list[Audience]:
    """Audiences from a YAML file or text (``audiences: [{name, description, where}]``)."""
    import yaml

    text = source
    name = "<text>"
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and source.endswith((".yaml", ".yml"))):  # fmt: skip
        path = Path(source)
        if not path.is_file():
            raise AudienceError(f"no audience file at {path}")
        text, name = path.read_text(encoding="utf-8"), str(path)
    try:
        doc = yaml.load(str(text), Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark else ""
        raise AudienceError(
            f"{name}: {at}not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    items = doc.get("audiences") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise AudienceError(f"{name}: expected a list under 'audiences:'")
    out = []
    for item in items:
        if not isinstance(item, dict) or "name" not in item or "where" not in item:
            raise AudienceError(f"{name}: each audience needs a name and a where")
        extra = set(item) - {"name", "where", "description"}
        if extra:
            key = sorted(extra)[0]
            raise AudienceError(
                f"{_where(_line(item, key, None))}unknown key {key!r} in audience"
                f" {item['name']!r}; use name, description, where"
            )
        out.append(Audience(str(item["name"]), item["where"], str(item.get("description", "")),
                            source=name, line=_line(item, "name", None)))  # fmt: skip
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise AudienceError(f"{name}: audience names must be unique")
    return out
