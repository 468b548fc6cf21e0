"""Hypothesis-generated workbooks: Settings, up to 300 tasks and their quotes, with what
users type: blanks, synonyms and case, numbers as text, percentages > 1, errors, ties,
tasks without quotes, quotes for unknown tasks, every basis and unit.

Hypothesis draws the settings, the size and a seeded random source per workbook; the
rows come from that source (drawing every cell through Hypothesis would make 50
workbooks of 300 tasks take minutes). Numbers come from short decimal lists (cents,
quarter hours, 5% fees), as people type them; the ties and half-cents that binary
fractions then produce are the edges tests/lo.py knows about.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from hypothesis import strategies as st
from openpyxl.workbook.defined_name import DefinedName

from xlsheet_outsource.engine import schema

MAX_TASKS = 300
ODD = 0.04  # the share of cells typed in an unusual way

# (usual values, unusual ones: synonyms, text, errors)
PER = (["day", "week", "month", "quarter", "year", "once"],
       ["Week", "MONTH", "weekly", "daily", "monthly", "quarterly", "annually", "one-off",
        "one off", " week ", "fortnight"])
BASIS = (["per occurrence", "per hour", "per month", "per year", "fixed", ""],
         ["Per Hour", "hourly", "each", "monthly", "annual", "project", "one-off", "per_month",
          "weird"])
EXPERTISE = (["", "Core", "Strong", "Weak", "Weak"], ["core", "STRONG", " weak", "expert"])
QUALITY = (["", "Yes", "No", "No"], ["yes", "y", "x", "N", True, False, 1, 0, "maybe"])
FREQUENCY = ([1, 1, 2, 3, 5, 10, 0.5, 1.5, 12, 30], [0, "3", " 2 ", "two", -1, None])
HOURS = ([0.05, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 8, 40],
         [0, "1:30", "2,5", -0.5, None])
PRICE = ([0, 5, 12.5, 15, 18.99, 25, 35, 60, 70, 90, 99.99, 150, 400, 1200, 2500, 6000],
         ["$1,200", "1 200,50", "EUR 90", None, "free"])
VENDOR_HOURS = ([None, None, None, 0.1, 0.5, 2], ["0,5"])
FEE = ([None, None, 0, 0.05, 0.055, 0.1, 0.2, 5, 20], ["20%", 1.5, 100])
SETUP_FEE = ([None, None, 0, 100, 250, 500], ["$250"])
OPTIONAL_HOURS = ([None, None, 0, 0.05, 0.1, 0.25, 0.5, 1, 2, 8], ["half", -1])
VENDORS = (["Ann", "Bob's agency", "Upwork: VA", "Fiverr: designer", ""],
           ["  Spaced  ", 42, "=not a formula"])
TASK_IDS = ("plain", ["lower", "spaced", "number", "blank", "earlier"])
CATEGORIES = ["Admin", "admin", "Content", "Finance", "", "Marketing", "IT & Web"]
SETTINGS = {
    "HourlyWorth": [25, 50, 75.5, 100, 120, 250],
    "Currency": ["USD", "EUR", "gbp", None],
    "FillRate": [None, 1, 0.8, 0.5, 80],
    "HorizonYears": [None, 1, 2, 3],
    "MarginPct": [None, 0.2, 0, 0.1, 25],
    "WorkDaysPerYear": [None, 250, 230],
    "WorkWeeksPerYear": [None, 50, 46],
}


@dataclass
class WorkbookSpec:
    settings: dict[str, object]
    tasks: list[list[object]] = field(default_factory=list)  # in schema.TASK_COLUMNS order
    quotes: list[list[object]] = field(default_factory=list)  # in schema.QUOTE_COLUMNS order
    by_label: bool = False  # no defined names: Settings are found by their labels

    def save(self, path: Path) -> Path:
        """As the template lays it out (without its styling, to keep the tests quick)."""
        book = openpyxl.Workbook()
        settings = book.active
        settings.title = schema.SETTINGS
        for row, setting in enumerate(schema.SETTINGS_ROWS, start=2):
            settings.cell(row, 1).value = setting.label
            settings.cell(row, 2).value = self.settings[setting.name]
            if not self.by_label:
                book.defined_names[setting.name] = DefinedName(
                    setting.name, attr_text=f"{schema.SETTINGS}!$B${row}")
        for sheet, columns, rows in ((schema.TASKS, schema.TASK_COLUMNS, self.tasks),
                                     (schema.QUOTES, schema.QUOTE_COLUMNS, self.quotes)):
            ws = book.create_sheet(sheet)
            ws.append([column.header for column in columns])
            for row_number, values in enumerate(rows, start=2):
                for column, value in enumerate(values, start=1):
                    cell = ws.cell(row_number, column)
                    cell.value = value
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # text, as typed
        book.save(path)
        return path


@st.composite
def workbooks(draw: st.DrawFn) -> WorkbookSpec:
    spec = WorkbookSpec({name: draw(st.sampled_from(values)) for name, values in SETTINGS.items()},
                        by_label=draw(st.booleans()))
    count = draw(st.one_of(st.integers(0, 30), st.integers(100, MAX_TASKS), st.just(MAX_TASKS)))
    rows = draw(st.randoms(use_true_random=True))
    for number in range(1, count + 1):
        identifier = _task_id(rows, number, spec.tasks)
        spec.tasks.append([identifier, f"Task {number}", rows.choice(CATEGORIES),
                           *(_pick(rows, values) for values in (FREQUENCY, PER, HOURS, EXPERTISE,
                                                                QUALITY)), None])
        for _ in range(rows.choice([0, 0, 1, 1, 2, 2, 3, 4])):
            spec.quotes.append(_quote(rows, identifier, spec.quotes))
    if spec.tasks and rows.random() < 0.5:
        spec.quotes.append(["T999", "Nobody", 10, "per occurrence"])  # no such task
    return spec


def _pick(rows: random.Random, values: tuple[Sequence[object], Sequence[object]]) -> object:
    usual, unusual = values
    return rows.choice(unusual if rows.random() < ODD else usual)


def _task_id(rows: random.Random, number: int, earlier: list[list[object]]) -> object:
    variant = _pick(rows, TASK_IDS)
    if variant == "earlier" and earlier:
        return earlier[-1][0]
    return {"plain": f"T{number}", "lower": f"t{number}", "spaced": f"T {number}",
            "number": number, "blank": None}.get(variant, f"T{number}")


def _quote(rows: random.Random, identifier: object, earlier: list[list[object]]) -> list[object]:
    if earlier and earlier[-1][0] == identifier and rows.random() < 0.15:
        return list(earlier[-1])  # a tie: the same offer listed twice
    spelled = identifier
    if isinstance(identifier, str) and rows.random() < ODD:
        spelled = identifier.lower()  # the engine matches it; a spreadsheet may not
    return [spelled, *(_pick(rows, values) for values in (VENDORS, PRICE, BASIS, VENDOR_HOURS,
                                                         SETUP_FEE, OPTIONAL_HOURS,
                                                         OPTIONAL_HOURS, FEE)), None]
