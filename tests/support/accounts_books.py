"""Workbooks built for the accountant's tables (issue 14): Settings, Tasks, Quotes and,
when given, a Vendors sheet; each flag rule and currency case is a few rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl

from xlsheet_outsource.engine import schema

TASK_HEADERS = ("Task ID", "Task", "Frequency", "Per", "Hours each")
QUOTE_HEADERS = ("Task ID", "Vendor", "Price", "Basis", "Setup fee", "Platform fee %",
                 "Kind", "Currency")
VENDOR_HEADERS = tuple(column.header for column in schema.VENDOR_COLUMNS)

# A one-off logo (fixed price + 20% platform fee), a monthly bookkeeper with a setup fee,
# a newsletter quoted in euros, a scheduling tool.
TASKS = [("T1", "Logo design", 1, "once", 20), ("T2", "Bookkeeping", 1, "month", 6),
         ("T3", "Newsletter", 2, "month", 3), ("T4", "Scheduling", 1, "week", 1)]
QUOTES = [("T1", "Lia Studio", 500, "fixed", None, 0.2, "person", None),
          ("T2", "Acme Books", 150, "per month", 100, None, "agency", None),
          ("T3", "Jo Writes", 100, "per occurrence", None, None, "person", "EUR"),
          ("T4", "Calendly", 10.99, "per month", None, None, "tool", None)]
VENDORS = [("Lia Studio", "US", "individual", "bank", None),
           ("Acme Books", "US", "company", "bank", "W-9"),
           ("Jo Writes", "DE", "individual", "platform", None)]


def build(path: Path, *, settings: dict[str, object] | None = None,
          rates: Sequence[tuple[str, float]] = (("EUR", 1.1),),
          tasks: Sequence[tuple] = TASKS, quotes: Sequence[tuple] = QUOTES,
          vendors: Sequence[tuple] | None = None,
          vendor_headers: Sequence[str] = VENDOR_HEADERS) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = schema.SETTINGS
    for row, (label, value) in enumerate({"Hourly worth": 100, "Currency": "USD",
                                          **(settings or {})}.items(), start=1):
        ws.cell(row, 1, label)
        ws.cell(row, 2, value)
    if rates:
        ws["D1"], ws["E1"] = schema.EXCHANGE_HEADERS
        for row, (code, rate) in enumerate(rates, start=2):
            ws.cell(row, 4, code)
            ws.cell(row, 5, rate)
    for name, headers, rows in ((schema.TASKS, TASK_HEADERS, tasks),
                                (schema.QUOTES, QUOTE_HEADERS, quotes)):
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for values in rows:
            sheet.append(list(values))
    if vendors is not None:
        sheet = book.create_sheet(schema.VENDORS)
        sheet.append(list(vendor_headers))
        for values in vendors:
            sheet.append(list(values))
    book.save(path)
    return path
