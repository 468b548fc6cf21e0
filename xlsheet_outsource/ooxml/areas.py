"""A rectangle of a sheet's cells, and what is there, in words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import EXCEL_ROWS, column_letter, column_number

# B2, B2:D9, $B$2, K:K (a whole column); a whole row (3:3) has no column
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})?(?::\$?([A-Za-z]{1,3})\$?(\d{1,7})?)?")


@dataclass(frozen=True)
class Area:
    first_column: int  # 1-based, inclusive
    first_row: int
    last_column: int
    last_row: int
    what: str  # in words: "a value", "a comment", ...

    @property
    def address(self) -> str:
        return f"{column_letter(self.first_column)}{self.first_row}"

    def meets_columns(self, first: int, last: int) -> bool:
        return self.first_column <= last and first <= self.last_column


def area_of(ref: str, what: str) -> Area | None:
    """The area of a reference ("B2:D9", "B2", "K:M", "'Tasks'!$B$2:$D$9"), None for
    anything else (whole rows included: they lie in every column)."""
    found = _RANGE.fullmatch(ref.strip().rsplit("!", 1)[-1])
    if found is None:
        return None
    left = column_number(found[1].upper().encode())
    right = column_number(found[3].upper().encode()) if found[3] else left
    top = int(found[2]) if found[2] else 1
    bottom = int(found[4]) if found[4] else (top if found[2] and not found[3] else EXCEL_ROWS)
    return Area(min(left, right), min(top, bottom), max(left, right), max(top, bottom), what)


@dataclass(frozen=True)
class Block:
    """The tool's own cells on a sheet: these columns, from ``top`` to ``bottom``."""
    columns: frozenset[int]
    top: int
    bottom: int

    def holds(self, area: Area) -> bool:
        return self.top <= area.first_row and area.last_row <= self.bottom and \
            self.columns.issuperset(range(area.first_column, area.last_column + 1))


def after_cells(sheet_xml: bytes) -> bytes:
    """The part of a worksheet after its cells, where merges, formats and validations are."""
    return sheet_xml[max(0, sheet_xml.rfind(b"sheetData")):]
