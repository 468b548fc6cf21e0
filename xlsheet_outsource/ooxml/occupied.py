"""What a worksheet holds, and where: every cell with a value or formula, merged range,
conditional format, data validation, hyperlink, comment, Table and drawing anchor, as
areas. The writer puts its computed block where none of them lies.

Formatting alone (a styled empty cell, a column width) is not counted: it holds
nothing to lose, and whole rows are often styled far to the right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from defusedxml import ElementTree as SafeET

from . import worksheet
from .areas import Area, Block, after_cells, area_of
from .cells import EXCEL_COLUMNS

EMU_PER_COLUMN = 609_600  # 64 pixels, Excel's default column width, in drawing units
_RANGED = re.compile(rb"<(?:[\w.-]+:)?(mergeCell|conditionalFormatting|dataValidation|hyperlink|"
                     rb"protectedRange)\b[^>]*?\s(?:sqref|ref)=\"([^\"]*)\"")
# x14 conditional formats and validations, in extLst
_EXTENDED_SQREF = re.compile(rb"<(?:[\w.-]+:)?sqref(?:\s[^>]*)?>([^<]*)<")
_REF = re.compile(rb"\sref=\"([^\"]*)\"")
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
WHAT = {b"mergeCell": "a merged range", b"conditionalFormatting": "a conditional format",
        b"dataValidation": "a data validation (drop-down)", b"hyperlink": "a hyperlink",
        b"protectedRange": "a protected range"}


def sheet_areas(sheet_xml: bytes, linked: Callable[[str], Iterable[bytes]],
                ours: Block | None = None, from_column: int = 1) -> list[Area]:
    """Everything of a sheet's but the tool's block ``ours``, ``linked(kind)`` giving the
    bytes of the parts the sheet leads to of that kind ("comments", "threadedComment",
    "table", "drawing"); only what reaches ``from_column`` or right of it (the cells
    left of it are not even read)."""
    areas = list(_cells(sheet_xml, ours, from_column))
    tail = after_cells(sheet_xml)
    for match in _RANGED.finditer(tail):
        areas += _ranges(match[2], WHAT[match[1]])
    for match in _EXTENDED_SQREF.finditer(tail):
        areas += _ranges(match[1], "a conditional format or data validation")
    for kind, what in (("comments", "a comment"), ("threadedComment", "a comment"),
                       ("table", "an Excel Table")):
        for part in linked(kind):
            for ref in _REF.findall(part):
                areas += _ranges(ref, what)
    for part in linked("drawing"):
        areas += _anchors(part)
    return [area for area in areas if (ours is None or not ours.holds(area))
            and area.last_column >= from_column]


def _cells(sheet_xml: bytes, ours: Block | None, from_column: int) -> Iterable[Area]:
    """An area for each column's cells holding a value or a formula (outside ``ours``),
    from the first such row to the last."""
    for column, rows in worksheet.filled_rows(sheet_xml, from_column).items():
        if ours is not None and column in ours.columns:
            rows = [row for row in rows if not ours.top <= row <= ours.bottom]
        if rows:
            yield Area(column, min(rows), column, max(rows), "a value")


def _ranges(sqref: bytes, what: str) -> list[Area]:
    """The areas of a space-separated list of ranges (whole rows, which lie in every
    column, are left out: no place avoids them)."""
    found = (area_of(ref, what) for ref in sqref.decode(errors="replace").split())
    return [area for area in found if area is not None]


def _anchors(drawing_xml: bytes) -> list[Area]:
    """Where each chart, picture or shape of a drawing lies, in cells."""
    root = SafeET.fromstring(drawing_xml)
    areas = []
    for anchor in root:
        start = anchor.find(f"{_DRAWING}from")
        if start is None:
            continue  # an absolute anchor: it follows no cell
        column, row = _marker(start)
        end = anchor.find(f"{_DRAWING}to")
        if end is not None:
            last_column, last_row = _marker(end)
        else:
            extent = anchor.find(f"{_DRAWING}ext")
            width = int(extent.get("cx", "0")) if extent is not None else 0
            last_column, last_row = column + -(-width // EMU_PER_COLUMN), row
        areas.append(Area(column, row, min(max(column, last_column), EXCEL_COLUMNS),
                          max(row, last_row), "a chart, picture or shape"))
    return areas


def _marker(marker: object) -> tuple[int, int]:
    """A drawing marker's cell, 1-based (the XML counts from 0)."""
    def number(tag: str) -> int:
        found = marker.find(f"{_DRAWING}{tag}")  # type: ignore[attr-defined]
        return int(found.text) + 1 if found is not None and (found.text or "").isdigit() else 1
    return number("col"), number("row")
