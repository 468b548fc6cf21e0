"""[Content_Types].xml, edited in place: what each part is, entries kept as they were.

A part removed and written again (the tool's own sheets, on every run) keeps its entry
where it was; only the entries of parts removed for good are dropped, when saving.
"""

from __future__ import annotations

import posixpath

from . import xmltext

PART = "[Content_Types].xml"
Entry = tuple[dict[str, str], xmltext.Span]


class ContentTypes:
    def __init__(self, xml: bytes) -> None:
        self._xml = xml
        self.prefix = xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))
        self._parsed: tuple[bytes, dict[bytes, list[Entry]]] | None = None
        self._dropped: set[str] = set()  # parts (casefolded) removed, unless written again

    @property
    def xml(self) -> bytes:
        xml = self._xml
        for values, span in reversed(self._entries(b"Override")):
            if _key(values) in self._dropped:
                xml = xml[:span.start] + xml[span.end:]
        return xml

    def _entries(self, kind: bytes) -> list[Entry]:
        if self._parsed is None or self._parsed[0] is not self._xml:
            top = xmltext.root(self._xml)
            found: dict[bytes, list[Entry]] = {b"Default": [], b"Override": []}
            for span in xmltext.elements(self._xml, top.content, xmltext.inner_end(self._xml, top)):
                found.setdefault(span.name, []).append(
                    (xmltext.attributes(xmltext.start_tag(self._xml, span)), span))
            self._parsed = (self._xml, found)
        return self._parsed[1][kind]

    def _override(self, part: str) -> Entry | None:
        wanted = part.casefold()
        return next(((values, span) for values, span in self._entries(b"Override")
                     if _key(values) == wanted), None)

    def named(self) -> set[str]:
        """The parts (casefolded) an entry names, but for those removed."""
        return {_key(values) for values, _ in self._entries(b"Override")} - self._dropped

    def of(self, part: str) -> str | None:
        override = self._override(part)
        if override and part.casefold() not in self._dropped:
            return override[0].get("ContentType")
        base = posixpath.basename(part)  # _rels/.rels too: its extension is "rels"
        extension = base.rpartition(".")[2].casefold() if "." in base else ""
        return next((values.get("ContentType") for values, _ in self._entries(b"Default")
                     if values.get("Extension", "").casefold() == extension), None)

    def set(self, part: str, content_type: str) -> None:
        """Make ``part`` of this type, changing nothing when it already is."""
        self._dropped.discard(part.casefold())
        if self.of(part) == content_type:
            return
        override = self._override(part)
        if override:
            self._xml = xmltext.set_start_attribute(self._xml, override[1].start, b"ContentType",
                                                    xmltext.attribute(content_type).encode())
            return
        element = (f'<Override PartName="/{xmltext.attribute(part)}" '
                   f'ContentType="{xmltext.attribute(content_type)}"/>').encode()
        self._xml = xmltext.append_into(self._xml, xmltext.root(self._xml),
                                        xmltext.prefixed(element, self.prefix))

    def remove(self, part: str) -> None:
        if self._override(part):
            self._dropped.add(part.casefold())


def _key(values: dict[str, str]) -> str:
    return values.get("PartName", "").lstrip("/").casefold()
