"""The workbook's styles part, to which the tool appends what it needs.

Nothing is renumbered: a style, font, fill, border, number format or differential
format the tool needs is reused when the part already holds an identical one (so a
re-run adds nothing), else appended after the last. Cells and conditional formats of
the user keep pointing at exactly what they pointed at before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from openpyxl.descriptors.serialisable import Serialisable
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.xml.functions import tostring as openpyxl_tostring

from . import xmltext

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
# CT_Stylesheet's children, in schema order.
SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
            "dxfs", "tableStyles", "colors", "extLst")
# CT_Font's children: a sequence in the schema (openpyxl writes its own order).
FONT_PROPERTIES = (b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow", b"u",
                   b"vertAlign", b"sz", b"color", b"name", b"family", b"charset", b"scheme")
_FONT = re.compile(rb"(<(?:[\w.-]+:)?font(?:\s[^>]*)?>)(.*?)(</(?:[\w.-]+:)?font>)", re.S)
_LISTS = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf", "dxfs": "dxf"}
# Built-in formats every Excel shows the same whatever its language (others are local).
_UNIVERSAL_FORMATS = {BUILTIN_FORMATS[i]: i for i in (0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 49)}
FIRST_CUSTOM_FORMAT = 164
# For a workbook without a styles part: the defaults Excel assumes.
DEFAULT = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<styleSheet xmlns="' + xmltext.NS_MAIN.encode() + b'">'
           b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
           b'</fonts>'
           b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
           b'<fill><patternFill patternType="gray125"/></fill></fills>'
           b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
           b'</borders>'
           b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
           b'</cellStyleXfs>'
           b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           b'</cellXfs>'
           b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           b'</styleSheet>')


def fonts_in_schema_order(xml: bytes) -> bytes:
    """Every font's properties in the schema's order (b, i, ..., sz, color, name, ...),
    wherever a font stands (fonts, differential formats): the Open XML SDK, and so
    Excel's stricter checks, reject any other."""
    def ordered(font: re.Match[bytes]) -> bytes:
        inner = font[2]
        properties = sorted(xmltext.elements(inner, 0, len(inner)), key=_font_rank)
        return font[1] + b"".join(inner[p.start:p.end] for p in properties) + font[3]

    return _FONT.sub(ordered, xml)


def _font_rank(span: xmltext.Span) -> int:
    return FONT_PROPERTIES.index(span.name) if span.name in FONT_PROPERTIES \
        else len(FONT_PROPERTIES)


def _children(parent: Element | None, tag: str) -> list[Element]:
    """Children named ``tag`` in the parent's namespace (transitional or strict OOXML)."""
    if parent is None:
        return []
    namespace = parent.tag[:parent.tag.index("}") + 1] if parent.tag.startswith("{") else ""
    return [child for child in parent if child.tag == namespace + tag]


def _section(tree: Element, name: str) -> Element | None:
    return next(iter(_children(tree, name)), None)


def _own_tree(style: Serialisable | None) -> Element | None:
    """An openpyxl style object as a tree of the tool's XML library. openpyxl builds its
    trees with lxml when that is installed, and the two libraries' elements don't mix, so
    its tree goes through its own text."""
    if style is None:
        return None
    return SafeET.fromstring(openpyxl_tostring(style.to_tree()), forbid_dtd=True)


class StyleSheet:
    def __init__(self, xml: bytes | None) -> None:
        self.created = xml is None
        self.xml = DEFAULT if xml is None else xml
        tree = SafeET.fromstring(self.xml, forbid_dtd=True)
        formats = _children(_section(tree, "numFmts"), "numFmt")
        self._formats = {e.get("formatCode", ""): int(e.get("numFmtId", "0")) for e in formats}
        self._counts = {"numFmts": len(formats)}
        self._known: dict[str, dict[str, int]] = {}  # canonical text -> first index
        for section, item in _LISTS.items():
            entries = _children(_section(tree, section), item)
            self._counts[section] = len(entries)
            self._known[section] = {}
            for index, entry in enumerate(entries):
                self._known[section].setdefault(_canonical(entry), index)
        self._added: dict[str, list[str]] = {section: [] for section in self._counts}

    @property
    def changed(self) -> bool:
        return self.created or any(self._added.values())

    # --- what the tool asks for ------------------------------------------------------

    def cell_style(self, *, number_format: str | None = None, font: Serialisable | None = None,
                   fill: Serialisable | None = None, alignment: Serialisable | None = None
                   ) -> int:
        """A cell format (cellXfs index) from openpyxl style objects."""
        attributes = {"numFmtId": str(self.number_format_id(number_format)),
                      "fontId": str(self.entry_index("fonts", _own_tree(font))),
                      "fillId": str(self.entry_index("fills", _own_tree(fill))), "borderId": "0",
                      "xfId": "0"}
        for flag, given in (("applyNumberFormat", number_format), ("applyFont", font),
                            ("applyFill", fill), ("applyAlignment", alignment)):
            if given is not None:
                attributes[flag] = "1"
        aligned = _own_tree(alignment)
        return self.xf_index(attributes, [aligned] if aligned is not None else [])

    def differential_style(self, dxf: Serialisable) -> int:
        """A differential format (dxfs index) from an openpyxl DifferentialStyle."""
        return self.entry_index("dxfs", _own_tree(dxf))

    def number_format_id(self, code: str | None) -> int:
        if not code:
            return 0
        if code in self._formats:
            return self._formats[code]
        if code in _UNIVERSAL_FORMATS and _UNIVERSAL_FORMATS[code] not in self._formats.values():
            return _UNIVERSAL_FORMATS[code]
        number = max([FIRST_CUSTOM_FORMAT - 1, *self._formats.values()]) + 1
        self._formats[code] = number
        self._added["numFmts"].append(
            f'<numFmt numFmtId="{number}" formatCode="{xmltext.attribute(code)}"/>')
        return number

    # --- styles of another workbook (a sheet copied in) ------------------------------

    def importer(self, donor_xml: bytes) -> StyleImporter:
        return StyleImporter(self, SafeET.fromstring(donor_xml, forbid_dtd=True))

    # --- the index of an identical entry, or of the one appended ---------------------

    def entry_index(self, section: str, element: Element | None) -> int:
        if element is None:
            return 0  # the workbook's default font, no fill, no border
        text = _canonical(element)
        known = self._known[section]
        if text not in known:
            known[text] = self._counts[section] + len(self._added[section])
            self._added[section].append(text)
        return known[text]

    def xf_index(self, attributes: dict[str, str], children: Iterable[Element]) -> int:
        xf = Element("xf", attributes)
        xf.extend(children)
        return self.entry_index("cellXfs", xf)

    # --- the part, with what was appended --------------------------------------------

    def to_bytes(self) -> bytes:
        xml = self.xml
        prefix = xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))
        for section, added in self._added.items():
            if added:
                xml = _append_to_section(xml, prefix, section, "".join(added).encode(),
                                         self._counts[section] + len(added))
        return xml


class StyleImporter:
    """Maps another workbook's style indexes (cellXfs, dxfs) to this one's."""

    def __init__(self, sheet: StyleSheet, donor: Element) -> None:
        self.sheet, self.donor = sheet, donor
        self._formats = {e.get("numFmtId"): e.get("formatCode", "")
                         for e in _children(_section(donor, "numFmts"), "numFmt")}
        self._lists = {section: _children(_section(donor, section), item)
                       for section, item in _LISTS.items()}
        self._cell_styles: dict[int, int] = {0: 0}  # the default style stays the default

    def cell_style(self, donor_index: int) -> int:
        if donor_index not in self._cell_styles:
            xfs = self._lists["cellXfs"]
            xf = xfs[donor_index] if donor_index < len(xfs) else Element("xf")
            self._cell_styles[donor_index] = self._import_xf(xf)
        return self._cell_styles[donor_index]

    def differential_style(self, donor_index: int) -> int:
        return self.sheet.entry_index("dxfs", self._lists["dxfs"][donor_index])

    def _import_xf(self, xf: Element) -> int:
        attributes = dict(xf.attrib)
        number = attributes.get("numFmtId", "0")
        if number in self._formats:
            attributes["numFmtId"] = str(self.sheet.number_format_id(self._formats[number]))
        for key, section in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            attributes[key] = str(self._component(section, int(attributes.get(key, "0"))))
        attributes["xfId"] = "0"
        return self.sheet.xf_index(attributes, list(xf))

    def _component(self, section: str, index: int) -> int:
        """Defaults (the first font and border, the two reserved fills) map to the
        workbook's own: an unstyled copied cell looks like the user's unstyled cells."""
        items = self._lists[section]
        if index < (2 if section == "fills" else 1):
            return index
        if index >= len(items):
            return 0
        return self.sheet.entry_index(section, items[index])


def _canonical(entry: Element) -> str:
    """An entry's canonical text, its fonts in the schema's order: the text appended,
    and what an identical entry is found by whatever order its fonts were written in."""
    return fonts_in_schema_order(xmltext.canonical(entry).encode()).decode()


def _append_to_section(xml: bytes, prefix: bytes, section: str, children: bytes,
                       total: int) -> bytes:
    xml = xmltext.append_to_section(xml, section, children, SECTIONS, prefix)
    found = xmltext.root_child(xml, section)
    assert found is not None  # append_to_section made the section when it was missing
    return xmltext.set_start_attribute(xml, found.start, b"count", str(total).encode())
