"""What rewriting a workbook with openpyxl would lose, found at the zip level.

openpyxl rebuilds the whole file on save and drops what it does not model. Before
writing into a user's workbook we look for those features; if any is there, the
results go to a separate workbook instead, and the user is told why in one line.
"""

from __future__ import annotations

import re

from . import schema
from .package import Package, WorkbookIndex

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


def features_lost_by_rewrite(package: Package, index: WorkbookIndex) -> list[str]:
    """Plain-words names of features openpyxl would drop, each with where it is."""
    found: list[str] = []
    for label, pattern in _LOST_PARTS:
        parts = sorted(n for n in package.names if pattern.search(n))
        if parts:
            found.append(f"{label} ({parts[0]})")
    for sheet in index.sheets:
        if sheet.name in schema.OWNED_SHEETS:
            continue  # the tool rewrites these anyway
        found += _lost_in_sheet(package, sheet.name, sheet.part, sheet.kind)
    return _unique(found)


def _lost_in_sheet(package: Package, name: str, part: str, kind: str) -> list[str]:
    if part not in package.names:
        return []
    if kind == "chartsheet":
        return [f"charts ({name})"]
    found = []
    xml = package.read(part)
    for label, pattern in _LOST_IN_SHEETS:
        if pattern.search(xml):
            found.append(f"{label} ({name})")
    for rel_type, target in package.relationships(part).values():
        if _DRAWING.search(rel_type) and target in package.names:
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
