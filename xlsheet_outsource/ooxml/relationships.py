"""A part's relationships (its .rels part): the one parser of .rels, which the package
reads with and the writer edits with. Edited in place: entries the tool does not touch
keep their bytes, new ones are appended, ids are never reused for another target."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from . import xmltext

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_TYPES = NS_REL + "/"
OFFICE_DOCUMENT = OFFICE_TYPES + "officeDocument"
CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
EMPTY = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<Relationships xmlns="' + NS_PKG_REL.encode() + b'"></Relationships>')
_NUMBERED_ID = re.compile(r"rId(\d+)$")


def rels_name(part: str) -> str:
    """xl/workbook.xml -> xl/_rels/workbook.xml.rels; "" (the package) -> _rels/.rels."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def source_of(rels: str) -> str | None:
    """xl/_rels/workbook.xml.rels -> xl/workbook.xml; _rels/.rels -> "" (the package);
    None for a part that is no part's relationships."""
    folder, base = posixpath.split(rels)
    if not base.endswith(".rels") or posixpath.basename(folder) != "_rels":
        return None
    return posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])


def resolve_target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the part it points to (resolved), or the URL for an external one
    external: bool
    written: str = field(default="", compare=False)  # the Target as written, before resolving


class Relationships:
    def __init__(self, part: str, xml: bytes | None) -> None:
        self.folder = posixpath.dirname(part)
        self.xml = self._original = xml or EMPTY
        self.prefix = xmltext.prefix_of(xmltext.qualified_name(self.xml, xmltext.root(self.xml)))

    @property
    def changed(self) -> bool:
        return self.xml != self._original

    def entries(self) -> list[Relationship]:
        return [entry for entry, _ in self._spans()]

    def _spans(self) -> list[tuple[Relationship, xmltext.Span]]:
        top = xmltext.root(self.xml)
        found = []
        for span in xmltext.elements(self.xml, top.content, xmltext.inner_end(self.xml, top)):
            if span.name != b"Relationship":
                continue
            values = xmltext.attributes(xmltext.start_tag(self.xml, span))
            external = values.get("TargetMode") == "External"
            target = values.get("Target", "")
            found.append((Relationship(values.get("Id", ""), values.get("Type", ""),
                                       target if external else resolve_target(self.folder, target),
                                       external, target), span))
        return found

    def get(self, rid: str) -> Relationship | None:
        return next((entry for entry in self.entries() if entry.id == rid), None)

    def of_type(self, kind: str) -> list[Relationship]:
        """Entries of a type named by its last word ("worksheet", "styles")."""
        return [entry for entry in self.entries() if entry.type.rsplit("/", 1)[-1] == kind]

    def add(self, rel_type: str, target: str, rid: str | None = None,
            external: bool = False) -> str:
        """Append a relationship to ``target`` (a part name, or a URL when ``external``);
        returns its id (new unless given)."""
        rid = rid or f"rId{self._next_number()}"
        top = xmltext.root(self.xml)
        element = self._element(rid, rel_type, target, external)
        self.xml = xmltext.append_into(self.xml, top, element)
        return rid

    def set(self, rid: str, rel_type: str, target: str) -> None:
        """Point an existing id to another part (kept where it stands)."""
        for entry, span in self._spans():
            if entry.id == rid:
                new = self._element(rid, rel_type, target)
                self.xml = self.xml[:span.start] + new + self.xml[span.end:]
                return
        raise KeyError(rid)

    def remove(self, rid: str) -> None:
        for entry, span in self._spans():
            if entry.id == rid:
                self.xml = self.xml[:span.start] + self.xml[span.end:]
                return

    def _next_number(self) -> int:
        numbers = [int(m[1]) for m in (_NUMBERED_ID.match(e.id) for e in self.entries()) if m]
        return max(numbers, default=0) + 1

    def _element(self, rid: str, rel_type: str, target: str, external: bool = False) -> bytes:
        written = target if external else posixpath.relpath(target, self.folder or ".")
        mode = ' TargetMode="External"' if external else ""
        return xmltext.prefixed(
            f'<Relationship Id="{rid}" Type="{xmltext.attribute(rel_type)}" '
            f'Target="{xmltext.attribute(written)}"{mode}/>'.encode(), self.prefix)
