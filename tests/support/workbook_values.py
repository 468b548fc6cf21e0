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
