"""A version 2 workbook for the writer's tests: the typical sample with Version 2 inputs."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from support.paths import TYPICAL_SAMPLE
from xlsheet_outsource.engine import schema


def version2_sample(path: Path) -> Path:
    """The typical sample with every Version 2 input the formulas compute: a task nobody
    needs, a tool, quotes in euros and pounds (one fixed, with a setup fee, best for its
    task), a task done once, a Fragile below, and a bundle (kept as values)."""
    book = openpyxl.load_workbook(TYPICAL_SAMPLE)
    tasks, quotes, settings_sheet = (book[name] for name in (schema.TASKS, schema.QUOTES,
                                                            schema.SETTINGS))
    needed, bundle = tasks.max_column + 1, tasks.max_column + 2
    tasks.cell(1, needed, "Still needed")
    tasks.cell(6, needed, "No")  # T5
    tasks.cell(1, bundle, "Bundle")
    tasks.cell(8, bundle, "Admin")  # T7, a bundle without a quote: the task keeps values
    tasks.cell(12, 5, "once")  # T11, done once
    kind, currency = quotes.max_column + 1, quotes.max_column + 2
    quotes.cell(1, kind, "Kind")
    quotes.cell(1, currency, "Currency")
    quotes.cell(3, currency, "EUR")
    quotes.cell(7, kind, "tool")
    quotes.cell(8, kind, "Tool")
    quotes.cell(7, currency, "gbp ")
    quotes.append(["T11", "Studio", 900, "fixed", None, 200, 1, 0.5, 0.05, None, "agency", "EUR"])
    for sheet, column in ((tasks, needed), (tasks, bundle), (quotes, kind), (quotes, currency)):
        sheet.column_dimensions[get_column_letter(column)].width = 14  # as the template's
    for cell, value in {"J1": "Foreign currency", "K1": "Rate", "J2": "EUR", "K2": 1.1,
                        "J3": "GBP", "K3": 1.25, "A10": "Fragile below", "B10": 0.3}.items():
        settings_sheet[cell] = value
    book.save(path)
    return path
