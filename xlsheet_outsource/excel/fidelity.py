"""What rewriting a workbook with openpyxl (as `freeze` does) would lose or cost, found
at the zip level.

openpyxl rebuilds the whole file on save and drops what it does not model; we look for
those features so the user can be told in one line. It also builds an object for every
cell it loads, every cell of a merged or hyperlinked range (A1:XFD1048576 is 17 billion)
and every cell format, and compares each merged range with all the others: a workbook
past the limits below would take minutes or gigabytes, and is refused in words instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import range_boundaries

from ..engine import schema
from ..ooxml.package import Package, WorkbookIndex

MAX_REWRITE_CELLS = 1_000_000  # openpyxl: about 30 µs and 600 bytes a cell, load and save
MAX_REWRITE_MERGES = 10_000  # merged ranges: openpyxl's work grows with their square
MAX_REWRITE_CELL_FORMATS = 20_000  # openpyxl: about 0.4 ms a format to load

# (what the user would call it, part-name pattern)
_LOST_PARTS = (
    ("slicers", re.compile(r"^xl/(slicers|slicerCaches|timelines|timelineCaches)/")),
    ("threaded comments", re.compile(r"^xl/threadedComments/")),
    ("form controls", re.compile(r"^xl/ctrlProps/")),
    ("ActiveX controls", re.compile(r"^xl/activeX/")),
    ("embedded objects", re.compile(r"^xl/embeddings/")),
    ("custom XML data", re.compile(r"^customXml/")),
)

# (what the user would call it, a byte pattern in a worksheet part)
_LOST_IN_SHEETS = (
    ("sparklines", re.compile(rb"sparklineGroup")),
    ("cross-sheet or extended drop-downs", re.compile(rb"<x14:dataValidations?\b")),
    ("Excel 2010 data bars or icon sets", re.compile(rb"<x14:conditionalFormatting\b")),
    ("dynamic-array formulas", re.compile(rb'<c\b[^>]*\bcm="')),
    ("formula results", re.compile(rb"<(?:\w+:)?f[\s>/]")),
)

_SHAPES = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)\b")
_DRAWING = re.compile(r"/drawing$")
_CHART = re.compile(r"/chart$")


@dataclass
class RewriteAssessment:
    lost: list[str] = field(default_factory=list)  # features, each with where it is
    cells: int = 0  # cells and rows openpyxl builds, those of merged and linked ranges too
    merged_ranges: int = 0
    cell_formats: int = 0

    @property
    def too_big(self) -> str | None:
        """Why openpyxl cannot rewrite it within the tool's limits, in plain words."""
        for count, limit, what in ((self.cells, MAX_REWRITE_CELLS, "cells and rows"),
                                   (self.merged_ranges, MAX_REWRITE_MERGES, "merged ranges"),
                                   (self.cell_formats, MAX_REWRITE_CELL_FORMATS, "cell formats")):
            if count > limit:
                return (f"has {count:,} {what}, more than can be rewritten within this tool's "
                        f"time and memory limits ({limit:,})")
        return None


def features_lost_by_rewrite(package: Package, index: WorkbookIndex) -> list[str]:
    """Plain-words names of features openpyxl would drop, each with where it is."""
    return assess_rewrite(package, index).lost


def assess_rewrite(package: Package, index: WorkbookIndex) -> RewriteAssessment:
    found = RewriteAssessment()
    for label, pattern in _LOST_PARTS:
        parts = sorted(n for n in package.names if pattern.search(n))
        if parts:
            found.lost.append(f"{label} ({parts[0]})")
    for sheet in index.sheets:
        part = package.find(sheet.part)
        if part is None:
            continue
        ours = _is_the_tools(index, sheet.name)  # the tool rewrites these anyway
        if sheet.kind == "chartsheet":
            found.lost += [] if ours else [f"charts ({sheet.name})"]
            continue
        xml = package.read(part)
        _count_cells(found, xml)
        found.lost += [] if ours else _lost_in_sheet(package, sheet.name, part, xml)
    for rel_type, target in package.relationships(index.workbook_part).values():
        if rel_type.endswith("/styles") and package.find(target) is not None:
            found.cell_formats += len(_CELL_FORMAT.findall(package.read(target)))
    found.lost = _unique(found.lost)
    return found


_PREFIX = rb"""(?:[^\s<>/:="']+:)?"""
_CELL_OR_ROW = re.compile(rb"<" + _PREFIX + rb"(?:c|row)[\s/>]")
_CELL_FORMAT = re.compile(rb"<" + _PREFIX + rb"xf[\s/>]")
_EXPANDED_RANGE = re.compile(  # openpyxl makes a cell of each cell of these ranges
    rb"<" + _PREFIX + rb"""(mergeCell|hyperlink)\s[^>]*?\bref\s*=\s*(["'])([^"']*)\2""")


def _is_the_tools(index: WorkbookIndex, sheet: str) -> bool:
    """A sheet of the tool's own, found by its marker: a sheet of the user's may have its name."""
    return index.scoped_name(sheet, schema.SHEET_MARKER) in {
        f'"{kind}"' for kind in schema.SHEET_KINDS.values()}


def _count_cells(found: RewriteAssessment, xml: bytes) -> None:
    found.cells += sum(1 for _ in _CELL_OR_ROW.finditer(xml))
    for kind, _, ref in _EXPANDED_RANGE.findall(xml):
        found.merged_ranges += kind == b"mergeCell"
        found.cells += _area(ref.decode(errors="replace"))


def _area(ref: str) -> int:
    try:
        first_col, first_row, last_col, last_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 1  # openpyxl will reject it, not expand it
    if None in (first_col, first_row, last_col, last_row):
        return 1
    return (abs(last_col - first_col) + 1) * (abs(last_row - first_row) + 1)


def _lost_in_sheet(package: Package, name: str, part: str, xml: bytes) -> list[str]:
    found = []
    for label, pattern in _LOST_IN_SHEETS:
        if pattern.search(xml):
            found.append(f"{label} ({name})")
    for rel_type, target in package.relationships(part).values():
        if _DRAWING.search(rel_type) and package.find(target) is not None:
            found += _lost_in_drawing(package, name, target)
    return found


def _lost_in_drawing(package: Package, sheet: str, drawing: str) -> list[str]:
    found = []
    if _SHAPES.search(package.read(drawing)):
        found.append(f"text boxes or shapes ({sheet})")
    if any(_CHART.search(t) for t, _ in package.relationships(drawing).values()):
        found.append(f"charts ({sheet})")
    return found


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
