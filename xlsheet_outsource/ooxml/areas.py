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
