"""Helpers for comparing values with what a saved workbook holds."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def sheet_grid(ws) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def through_file(rows: list[list[object]], folder: Path) -> list[list[object]]:
    """The values as a saved workbook holds them (the file keeps 15-17 significant digits)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(folder / "through.xlsx")
    back = sheet_grid(openpyxl.load_workbook(folder / "through.xlsx").active)
    return back + [[None] * len(rows[0])] * (len(rows) - len(back))  # blank rows are not stored


def trimmed(ws) -> list[list[object]]:
    """Values from A1 without trailing blank rows and columns."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((i + 1 for row in rows for i, v in enumerate(row) if v is not None), default=0)
    return [row[:width] + [None] * (width - len(row)) for row in rows]


def formats(ws) -> dict[str, str]:
    """Each filled cell's number format."""
    return {c.coordinate: c.number_format for row in ws.iter_rows() for c in row
            if c.value is not None}
