"""The workbook part (xl/workbook.xml), edited in place: sheets and defined names are
appended; every entry already there keeps its bytes and its position (defined names
scoped to a sheet count sheets by position, so nothing is ever inserted before)."""

from __future__ import annotations

from dataclasses import dataclass

from . import xmltext
from .relationships import NS_REL

# CT_Workbook's children, in schema order.
ORDER = ("fileVersion", "fileSharing", "workbookPr", "AlternateContent", "workbookProtection",
         "bookViews", "sheets", "functionGroups", "externalReferences", "definedNames",
         "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
         "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


@dataclass(frozen=True)
class SheetEntry:
    name: str
    sheet_id: int
    rid: str


class WorkbookXml:
    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.prefix = xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))
        self.rel_prefix = xmltext.namespace_prefix(xml, NS_REL) or None  # never the default

    def sheets(self) -> list[SheetEntry]:
        found = xmltext.root_child(self.xml, "sheets")
        if found is None:
            return []
        entries = []
        for span in xmltext.elements(self.xml, found.content, xmltext.inner_end(self.xml, found)):
            values = xmltext.attributes(xmltext.start_tag(self.xml, span))
            rid = next((v for k, v in values.items() if k.endswith(":id")), "")
            number = values.get("sheetId", "0")
            entries.append(SheetEntry(values.get("name", ""),
                                      int(number) if number.isdigit() else 0, rid))
        return entries

    def add_sheet(self, name: str, rid: str) -> None:
        """Append a visible sheet, numbered after the highest sheetId."""
        number = max((entry.sheet_id for entry in self.sheets()), default=0) + 1
        if self.rel_prefix is None:  # no r: on the root: declare it here
            reference = f'xmlns:r="{NS_REL}" r:id="{rid}"'
        else:
            reference = f'{self.rel_prefix.decode()}id="{rid}"'
        element = f'<sheet name="{xmltext.attribute(name)}" sheetId="{number}" {reference}/>'
        self._append("sheets", element.encode())

    def add_defined_name(self, name: str, formula: str) -> None:
        """A workbook-level name; ``formula`` already escaped as XML text."""
        self._append("definedNames", _defined_name(name, None, formula))

    def set_sheet_names(self, position: int, names: list[tuple[str, str]]) -> None:
        """The names scoped to the sheet at ``position`` (print titles, say) become
        ``names``: one already there keeps its place, a stale one goes, a new one is added."""
        wanted = dict(names)
        for span, name in self._scoped(position):
            new = b"" if name not in wanted else xmltext.prefixed(
                _defined_name(name, position, wanted[name]), self.prefix)
            self._put(span, new)
            wanted.pop(name, None)
        for name, formula in wanted.items():
            self._append("definedNames", _defined_name(name, position, formula))

    def set_hidden_name(self, position: int, name: str, formula: str) -> None:
        """One hidden name scoped to the sheet at ``position`` (the tool's marker) set."""
        self.set_scoped_name(position, name, formula, hidden=True)

    def set_scoped_name(self, position: int, name: str, formula: str, *,
                        hidden: bool = False) -> None:
        """One name scoped to the sheet at ``position`` (its print titles, say) set, in
        place of one already there; the sheet's other names kept as they are."""
        element = _defined_name(name, position, formula, hidden=hidden)
        for span, found in self._scoped(position):
            if found.casefold() == name.casefold():
                self._put(span, xmltext.prefixed(element, self.prefix))
                return
        self._append("definedNames", element)

    def scoped_formula(self, position: int, name: str) -> str | None:
        """The formula of ``name`` scoped to the sheet at ``position``, as XML text."""
        for span, found in self._scoped(position):
            if found.casefold() == name.casefold():
                text = self.xml[span.start:span.end]
                return text[xmltext.tag_at(text).end():text.rindex(b"</")].decode()
        return None

    def _scoped(self, position: int) -> list[tuple[xmltext.Span, str]]:
        """The names scoped to the sheet at ``position``, last first (so that replacing
        one keeps the offsets of those before it)."""
        found = xmltext.root_child(self.xml, "definedNames")
        if found is None:
            return []
        scoped = []
        for span in xmltext.elements(self.xml, found.content, xmltext.inner_end(self.xml, found)):
            values = xmltext.attributes(xmltext.start_tag(self.xml, span))
            if values.get("localSheetId") == str(position):
                scoped.append((span, values.get("name", "")))
        return scoped[::-1]

    def _put(self, span: xmltext.Span, new: bytes) -> None:
        """The element at ``span`` replaced by ``new`` (removed when empty), its bytes kept
        when it is the same name and formula already."""
        text = self.xml[span.start:span.end]
        if new and self._same_name(text, new):
            new = text
        self.xml = self.xml[:span.start] + new + self.xml[span.end:]

    @property
    def date1904(self) -> bool:
        """The workbook counts dates from 1904 (as old Mac Excel did)."""
        found = xmltext.root_child(self.xml, "workbookPr")
        values = xmltext.attributes(xmltext.start_tag(self.xml, found)) if found else {}
        return values.get("date1904", "").lower() in ("1", "true")

    @staticmethod
    def _same_name(written: bytes, wanted: bytes) -> bool:
        """The same name and formula, however its attributes are written."""
        def parts(text: bytes) -> tuple[dict[str, str], bytes]:
            tag = xmltext.tag_at(text)
            return xmltext.attributes(tag[0]), text[tag.end():text.rindex(b"</")]
        return parts(written) == parts(wanted)

    def _append(self, section: str, element: bytes) -> None:
        self.xml = xmltext.append_to_section(self.xml, section, element, ORDER, self.prefix)


def _defined_name(name: str, position: int | None, formula: str, *, hidden: bool = False
                  ) -> bytes:
    scope = "" if position is None else f' localSheetId="{position}"'
    scope += ' hidden="1"' if hidden else ""
    return f'<definedName name="{xmltext.attribute(name)}"{scope}>{formula}</definedName>'.encode()
