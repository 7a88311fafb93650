"""The knowledge base: a folder of Markdown policy/FAQ documents, split into sections.

Each file is ``<doc>.<lang>.md`` (``returns.en.md``, ``returns.zh.md``): a ``# Title`` and
``## Heading {#section-id}`` sections. The same section id in both languages is the same
rule, so a citation (``returns#no-reason``) names the rule whatever the language. The
demo shop's documents ship in ``kb/demo/``; a shop points :func:`load_kb` at its own folder.

Examples
--------
>>> kb = load_kb()
>>> p = kb.get("returns#no-reason", "en")
>>> p.title, p.lang
('7-day no-reason returns', 'en')
>>> len(kb.ids()) >= 25
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shoplens.errors import InputError

__all__ = ["DEMO_KB", "KnowledgeBase", "Passage", "load_kb"]

DEMO_KB = Path(__file__).parent / "kb" / "demo"
_HEADING = re.compile(r"^##\s+(.+?)\s*(?:\{#([a-z0-9-]+)\})?\s*$")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Passage:
    """One section of one document in one language."""

    id: str
    doc: str
    doc_title: str
    title: str
    lang: str
    text: str

    @property
    def cite(self) -> str:
        """The citation label, e.g. ``returns#no-reason``."""
        return self.id


class KnowledgeBase:
    """Sections by id and language; a section missing in one language falls back to the other."""

    def __init__(self, passages: list[Passage]) -> None:
        if not passages:
            raise InputError("the knowledge base has no sections: add '## Heading' sections")
        self.passages = passages
        self._by: dict[tuple[str, str], Passage] = {(p.id, p.lang): p for p in passages}

    def ids(self) -> list[str]:
        """Distinct section ids, in file order."""
        return list(dict.fromkeys(p.id for p in self.passages))

    def get(self, section_id: str, lang: str = "en") -> Passage:
        """The section in ``lang`` (or in any language it exists in)."""
        p = self._by.get((section_id, lang))
        if p is None:
            p = next((q for q in self.passages if q.id == section_id), None)
        if p is None:
            raise InputError(f"no section {section_id!r} in the knowledge base")
        return p


def _parse(path: Path) -> list[Passage]:
    parts = path.name.split(".")
    if len(parts) != 3 or parts[2] != "md":
        raise InputError(f"{path.name}: name knowledge files <doc>.<lang>.md (returns.en.md)")
    doc, lang = parts[0], parts[1]
    doc_title = doc
    out: list[Passage] = []
    title, sid, body = None, None, []

    def flush() -> None:
        if title is not None:
            text = " ".join(line.strip() for line in body if line.strip())
            if text:
                out.append(Passage(f"{doc}#{sid}", doc, doc_title, title, lang, text))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            doc_title = line[2:].strip()
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            title = m.group(1)
            sid = m.group(2) or _SLUG.sub("-", title.lower()).strip("-") or f"s{len(out) + 1}"
            body = []
        elif title is not None:
            body.append(line)
    flush()
    return out


def load_kb(folder: str | Path | None = None) -> KnowledgeBase:
    """Read every ``*.md`` file of ``folder`` (default: the demo shop's documents)."""
    root = Path(folder) if folder is not None else DEMO_KB
    files = sorted(root.glob("*.md"))
    if not files:
        raise InputError(f"no .md files in {root}: point --kb at a folder of policy documents")
    passages = [p for f in files for p in _parse(f)]
    return KnowledgeBase(passages)
