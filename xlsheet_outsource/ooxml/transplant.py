"""Sheets copied from a workbook the tool built (with openpyxl, in memory) into the
user's package: each sheet with the parts it leads to (drawing, charts, comments),
renamed to free part names, its styles appended to the user's styles part, its text
kept as inline strings (the user's shared strings never change).

openpyxl is good at making a new sheet (layout, charts, drop-downs, notes) and bad at
keeping a workbook it did not make; here it only ever makes new sheets.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

from defusedxml import ElementTree as SafeET
from openpyxl import Workbook

from . import content_types, xmltext
from .book import WorkbookPackage
from .excel_form import saved, saved_parts
from .package import NS_MAIN, OFFICE_DOCUMENT
from .relationships import Relationship, Relationships, rels_name
from .styles import StyleImporter
from .workbook import WorkbookXml

__all__ = ["Donor", "copy_defined_names", "copy_sheets", "saved"]  # saved: template.py's

_CELL_STYLE = re.compile(rb'(<(?:c|row)\s[^>]*?\ss=")(\d+)(")')
_COLUMN_STYLE = re.compile(rb'(<col\s[^>]*?\sstyle=")(\d+)(")')
_DXF = re.compile(rb'(<cfRule\s[^>]*?\sdxfId=")(\d+)(")')
_SHARED_STRING = re.compile(rb'<c(\s[^>]*?)\st="s"([^>]*)><v>(\d+)</v></c>')
_SELECTED = re.compile(rb'\stabSelected="(?:1|true)"')
_NUMBERED = re.compile(r"\d*(\.\w+)$")


class Donor:
    """A workbook made in memory by openpyxl, in Excel's form (excel_form): its sheets
    are copied, never the file."""

    def __init__(self, package: bytes | Mapping[str, bytes]) -> None:
        """``package``: the zip, or its parts by name."""
        self.parts = _unzipped(package) if isinstance(package, bytes) else package
        workbook_part = next(link.target for link in self.links("") if link.type == OFFICE_DOCUMENT)
        self.workbook = WorkbookXml(self.read(workbook_part))
        links = self.links(workbook_part)
        listed = {link.id: link.target for link in links}
        self.sheets = {entry.name: listed[entry.rid] for entry in self.workbook.sheets()}
        self.types = content_types.ContentTypes(self.read(content_types.PART))
        self.styles = self.read(next(k.target for k in links if k.type.endswith("/styles")))
        strings = [link.target for link in links if link.type.endswith("/sharedStrings")]
        self.shared_strings = _string_items(self.read(strings[0])) if strings else []

    @classmethod
    def of(cls, book: Workbook) -> Donor:
        return cls(saved_parts(book))  # not zipped only to be unzipped here

    def read(self, part: str) -> bytes:
        return self.parts[part]

    def links(self, part: str) -> list[Relationship]:
        name = rels_name(part)
        if name not in self.parts:
            return []
        return Relationships(part, self.read(name)).entries()

    def defined_names(self, sheet: str | None = None) -> list[tuple[str, str]]:
        """(name, formula) pairs, the formula as XML text: workbook-level ones, or those
        scoped to ``sheet``."""
        scope = None if sheet is None else str(list(self.sheets).index(sheet))
        root = SafeET.fromstring(self.workbook.xml)
        return [(e.get("name", ""), xmltext.escape(e.text or ""))
                for e in root.iter(f"{{{NS_MAIN}}}definedName") if e.get("localSheetId") == scope]


def copy_sheets(book: WorkbookPackage, donor: Donor, names: Sequence[str]) -> None:
    """The donor's sheets ``names`` into ``book``: a sheet of the same name there is
    replaced where it stands; others are added at the end."""
    styles = book.styles.importer(donor.styles)
    for name in names:
        part = book.clear_sheet(name)
        _copy_tree(book, donor, donor.sheets[name], part, styles)
        book.list_sheet(name, part)
        book.workbook.set_sheet_names(book.sheet_position(name), donor.defined_names(name))


def copy_defined_names(book: WorkbookPackage, donor: Donor) -> None:
    for name, formula in donor.defined_names():
        book.workbook.add_defined_name(name, formula)


def _copy_tree(book: WorkbookPackage, donor: Donor, sheet: str, target: str,
               styles: StyleImporter) -> None:
    """The sheet part and every part it leads to, each under a free name in ``book``."""
    renamed, queue = {sheet: target}, [sheet]
    book.parts.write(target, b"")  # reserved until copied
    while queue:
        part = queue.pop(0)
        links = []
        for link in donor.links(part):
            if not link.external and link.target not in renamed:
                renamed[link.target] = book.free_name(_name_pattern(link.target))
                book.parts.write(renamed[link.target], b"")  # reserved until copied
                queue.append(link.target)
            links.append(link if link.external else Relationship(
                link.id, link.type, renamed[link.target], False))
        data = donor.read(part)
        if part == sheet:
            data = _sheet_xml(data, styles, donor.shared_strings)
        book.add_part(renamed[part], data, donor.types.of(part) or "application/xml", links)


def _name_pattern(part: str) -> str:
    """xl/charts/chart1.xml -> xl/charts/chart{}.xml"""
    return _NUMBERED.sub(lambda m: "{}" + m[1], part.replace("{", "").replace("}", ""), count=1)


def _sheet_xml(xml: bytes, styles: StyleImporter, shared: list[bytes]) -> bytes:
    """The donor's sheet, pointing at the user's styles, with inline text, not selected
    (two selected tabs would group the sheets in Excel)."""
    def restyle(match: re.Match[bytes]) -> bytes:
        return match[1] + str(styles.cell_style(int(match[2]))).encode() + match[3]

    def redxf(match: re.Match[bytes]) -> bytes:
        return match[1] + str(styles.differential_style(int(match[2]))).encode() + match[3]

    def inline(match: re.Match[bytes]) -> bytes:
        return (b"<c" + match[1] + b' t="inlineStr"' + match[2] + b"><is>" + shared[int(match[3])]
                + b"</is></c>")

    xml = _SHARED_STRING.sub(inline, xml) if shared else xml
    xml = _COLUMN_STYLE.sub(restyle, _CELL_STYLE.sub(restyle, xml))
    return _SELECTED.sub(b"", _DXF.sub(redxf, xml))


def _unzipped(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        return {name: source.read(name) for name in source.namelist()}


def _string_items(xml: bytes) -> list[bytes]:
    """The content of each <si> of a shared strings part (ours: unprefixed)."""
    return [m[1] for m in re.finditer(rb"<si>(.*?)</si>", xml, re.S)]

