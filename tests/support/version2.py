"""A version 2 workbook for the writer's tests: the typical sample with every version 2
input used once, until the samples show them (a budget that leaves an item over, a won
and a lost bundle, a tool quote, a task nobody needs, fragile verdicts)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from support.paths import TYPICAL_SAMPLE
from xlsheet_outsource.engine import schema

MONTHLY_BUDGET = 1500
# Quotes on a bundle's name, and a tool: Task ID, Vendor, Price, Basis, then Kind
BUNDLE_QUOTES = (("Admin", "VA retainer", 25, "per hour", "person"),
                 ("Design pack", "Design studio", 2000, "per month", "person"),
                 ("T9", "Newsletter AI tool", 30, "per month", schema.TOOL))
BUNDLES = {"Admin": ("T2", "T5", "T6"), "Design pack": ("T7", "T14")}  # won, lost
DROPPED = "T11"


def version2_workbook(path: Path) -> Path:
    book = openpyxl.load_workbook(TYPICAL_SAMPLE)
    settings = book[schema.SETTINGS]
    settings.append(["Monthly budget", MONTHLY_BUDGET])
    tasks, quotes = book[schema.TASKS], book[schema.QUOTES]
    needed, bundle = tasks.max_column + 1, tasks.max_column + 2
    for sheet, column, header in ((tasks, needed, "Still needed"), (tasks, bundle, "Bundle"),
                                  (quotes, quotes.max_column + 1, "Kind")):
        sheet.cell(1, column, header)
        sheet.column_dimensions[get_column_letter(column)].width = 14  # as the template's
    rows = {tasks.cell(row, 1).value: row for row in range(2, tasks.max_row + 1)}
    tasks.cell(rows[DROPPED], needed, "No")
    for name, members in BUNDLES.items():
        for task_id in members:
            tasks.cell(rows[task_id], bundle, name)
    kind = quotes.max_column
    row = next(r for r in range(2, quotes.max_row + 2) if quotes.cell(r, 1).value is None)
    for offset, (*quote, quote_kind) in enumerate(BUNDLE_QUOTES):
        for column, value in enumerate(quote, start=1):
            quotes.cell(row + offset, column, value)
        quotes.cell(row + offset, kind, quote_kind)
    book.save(path)
    return path
