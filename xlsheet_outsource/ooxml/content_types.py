"""[Content_Types].xml, edited in place: what each part is, entries kept as they were."""

from __future__ import annotations

import posixpath

from . import xmltext

PART = "[Content_Types].xml"


class ContentTypes:
    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.prefix = xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))

    def _entries(self, kind: bytes) -> list[tuple[dict[str, str], xmltext.Span]]:
        top = xmltext.root(self.xml)
        return [(xmltext.attributes(xmltext.start_tag(self.xml, span)), span)
                for span in xmltext.elements(self.xml, top.content, xmltext.inner_end(self.xml, top))
                if span.name == kind]

    def _override(self, part: str) -> tuple[dict[str, str], xmltext.Span] | None:
        wanted = "/" + part.casefold()
        return next(((values, span) for values, span in self._entries(b"Override")
                     if values.get("PartName", "").casefold() == wanted), None)

    def of(self, part: str) -> str | None:
        override = self._override(part)
        if override:
            return override[0].get("ContentType")
        extension = posixpath.splitext(part)[1].lstrip(".").casefold()
        return next((values.get("ContentType") for values, _ in self._entries(b"Default")
                     if values.get("Extension", "").casefold() == extension), None)

    def set(self, part: str, content_type: str) -> None:
        """Make ``part`` of this type, changing nothing when it already is."""
        if self.of(part) == content_type:
            return
        override = self._override(part)
        if override:
            self.xml = xmltext.set_start_attribute(self.xml, override[1].start, b"ContentType",
                                                   xmltext.attribute(content_type).encode())
            return
        element = (f'<Override PartName="/{xmltext.attribute(part)}" '
                   f'ContentType="{xmltext.attribute(content_type)}"/>').encode()
        self.xml = xmltext.append_into(self.xml, xmltext.root(self.xml),
                                       xmltext.prefixed(element, self.prefix))

    def remove(self, part: str) -> None:
        override = self._override(part)
        if override:
            _, span = override
            self.xml = self.xml[:span.start] + self.xml[span.end:]
