"""Version 2 workbooks for the writer's tests: the typical sample with Version 2 inputs
(version2_sample: what the formulas compute; version2_workbook: every input used once, a
budget that leaves an item over, a won and a lost bundle, a tool quote, a task nobody
needs, fragile verdicts), and generated workbooks with them typed in at random."""

from __future__ import annotations

import random
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


STILL_NEEDED = ["", "", "", "", "Yes", "No", "no", "N"]
KINDS = ["", "", "", "person", "agency", "tool", "Tool"]
FOREIGN = {"EUR": 1.1, "GBP": 1.25, "USD": 0.9}


def with_version2_inputs(source: Path, target: Path, rng: random.Random) -> Path:
    """A generated workbook (support/generated.py) with Version 2's inputs typed in at
    random: Still needed, Kind, Currency (with a rate table), a few bundles, Fragile below."""
    book = openpyxl.load_workbook(source)
    tasks, quotes, settings = (book[name] for name in (schema.TASKS, schema.QUOTES,
                                                       schema.SETTINGS))
    own = str(settings["B3"].value or "USD").strip().upper()  # Currency, as generated
    rates = {code: rate for code, rate in FOREIGN.items() if code != own}
    settings["D1"], settings["E1"] = schema.EXCHANGE_HEADERS
    for row, (code, rate) in enumerate(rates.items(), start=2):
        settings.cell(row, 4, code).offset(0, 1).value = rate
    settings.cell(settings.max_row + 1, 1, "Fragile below").offset(0, 1).value = rng.choice(
        [None, 0.1, 0.2, 0.5])
    columns = {sheet: sheet.max_column for sheet in (tasks, quotes)}
    for sheet, inputs in ((tasks, (("Still needed", STILL_NEEDED),
                                   ("Bundle", [None] * 30 + ["Admin"]))),
                          (quotes, (("Kind", KINDS),
                                    ("Currency", [None] * 4 + [own.lower(), *rates, " eur"])))):
        for offset, (header, values) in enumerate(inputs, start=1):
            sheet.cell(1, columns[sheet] + offset, header)
            for row in range(2, sheet.max_row + 1):
                sheet.cell(row, columns[sheet] + offset, rng.choice(values))
    book.save(target)
    return target


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
