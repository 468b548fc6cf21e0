"""A rectangle of a sheet's cells, and what is there, in words."""

from __future__ import annotations

from dataclasses import dataclass

from .cells import column_letter


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


@dataclass(frozen=True)
class Block:
    """The tool's own cells on a sheet: these columns, from ``top`` to ``bottom``."""
    columns: frozenset[int]
    top: int
    bottom: int

    def holds(self, area: Area) -> bool:
        return self.top <= area.first_row and area.last_row <= self.bottom and \
            self.columns.issuperset(range(area.first_column, area.last_column + 1))
