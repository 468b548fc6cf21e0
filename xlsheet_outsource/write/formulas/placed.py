"""What the formulas are written for: where the tables and settings are in the workbook,
and the plan of formulas that comes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type here: the reader stays out of the import chain
    from ...reading import SheetTable



@dataclass(frozen=True)
class Placed:
    """An input table and the columns of its computed block in the written workbook."""
    table: SheetTable
    block: Mapping[str, int]  # result key -> 1-based column

    def column(self, key: str) -> int | None:
        return self.block.get(key) or self.table.columns.get(key)

    @property
    def rows(self) -> tuple[int, int]:
        """First and last data row (the first alone when the table is empty)."""
        first = self.table.header_row + 1
        return first, max(first, int(self.table.raw.index.max()) if len(self.table.raw) else first)


@dataclass(frozen=True)
class SettingSource:
    """Where formulas read a setting: a defined name or a cell reference; None when the
    workbook has no such setting (its default then goes into the formulas as a constant)."""
    reference: str | None
    raw: object = None


@dataclass(frozen=True)
class RateTable:
    """The exchange-rate table's columns of codes and of rates (version 2), as ranges;
    ``why_not``: why formulas cannot look rates up in it as the tool does (None: they can)."""
    codes: str
    rates: str
    why_not: str | None = None


@dataclass
class FormulaPlan:
    cells: dict[tuple[str, int, int], str] = field(default_factory=dict)  # (sheet, row, col)
    kept: list[str] = field(default_factory=list)  # decided rows kept as values, and why
    live_tasks: int = 0

    def described(self, most: int = 5) -> list[str]:
        """A line for the formulas written, then the first rows kept as values."""
        lines = [f"formulas: {self.live_tasks} task{'' if self.live_tasks == 1 else 's'} "
                 f"and their quotes" + (f"; {len(self.kept)} kept as values" if self.kept else "")]
        lines += [f"  {why}" for why in self.kept[:most]]
        if len(self.kept) > most:
            lines.append(f"  ... and {len(self.kept) - most} more (--json lists them all)")
        return lines
