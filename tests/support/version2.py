"""Version 2 workbooks for the writer's tests: the typical sample with Version 2 inputs
(version2_sample: what the formulas compute; version2_workbook: every input used once, a
budget that leaves an item over, a won and a lost bundle, a tool quote, a task nobody
needs, fragile verdicts), and generated workbooks with them typed in at random."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl

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
    needed, bundle = column_of(tasks, "Still needed"), column_of(tasks, "Bundle")
    tasks.cell(6, needed, "No")  # T5
    tasks.cell(8, bundle, "Admin")  # T7, a bundle without a quote: the task keeps values
    tasks.cell(12, 5, "once")  # T11, done once
    kind, currency = column_of(quotes, "Kind"), column_of(quotes, "Currency")
    quotes.cell(3, currency, "EUR")
    quotes.cell(7, kind, "tool")
    quotes.cell(8, kind, "Tool")
    quotes.cell(7, currency, "gbp ")
    row = first_empty_row(quotes)
    for header, value in {"Task ID": "T11", "Vendor": "Studio", "Price": 900, "Basis": "fixed",
                          "Setup fee": 200, "Your setup hours": 1,
                          "Your review hours each": 0.5, "Platform fee %": 0.05,
                          "Kind": "agency", "Currency": "EUR"}.items():
        quotes.cell(row, column_of(quotes, header), value)
    rates = exchange_rows(settings_sheet)
    for (code, rate), cell in zip((("EUR", 1.1), ("GBP", 1.25)), rates, strict=False):
        cell.value, cell.offset(0, 1).value = code, rate
    set_setting(settings_sheet, "Fragile below", 0.3)
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
    set_setting(book[schema.SETTINGS], "Monthly budget", MONTHLY_BUDGET)
    tasks, quotes = book[schema.TASKS], book[schema.QUOTES]
    needed, bundle = column_of(tasks, "Still needed"), column_of(tasks, "Bundle")
    rows = {tasks.cell(row, 1).value: row for row in range(2, tasks.max_row + 1)}
    tasks.cell(rows[DROPPED], needed, "No")
    for name, members in BUNDLES.items():
        for task_id in members:
            tasks.cell(rows[task_id], bundle, name)
    kind = column_of(quotes, "Kind")
    row = first_empty_row(quotes)
    for offset, (*quote, quote_kind) in enumerate(BUNDLE_QUOTES):
        for column, value in enumerate(quote, start=1):
            quotes.cell(row + offset, column, value)
        quotes.cell(row + offset, kind, quote_kind)
    book.save(path)
    return path


def column_of(sheet, header: str) -> int:
    """The column of a header the template writes (the samples are made from it)."""
    return next(cell.column for cell in sheet[1] if cell.value == header)


def first_empty_row(sheet) -> int:
    return next(r for r in range(2, sheet.max_row + 2) if sheet.cell(r, 1).value is None)


def set_setting(settings, label: str, value: object) -> None:
    """The value beside a Settings label the template writes."""
    row = next(r for r in range(1, settings.max_row + 1) if settings.cell(r, 1).value == label)
    settings.cell(row, 2).value = value


def exchange_rows(settings) -> list:
    """The first cells of the template's exchange-rate table's empty rows."""
    top = next(r for r in range(1, settings.max_row + 1)
               if settings.cell(r, 1).value == schema.EXCHANGE_HEADERS[0])
    return [settings.cell(r, 1) for r in range(top + 1, top + 7)]

