"""batch-report.xlsx: one row per workbook, an overview across them, and what was skipped.

Every value goes through cells.put, so text typed by users (file names, categories,
vendors) stays text even when it starts with = + - @.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..write import pages, style
from ..write.files import save_atomically
from ..write.report_sheets import (
    CATEGORY_TABLE,
    COUNTED_V1,
    COUNTED_V2,
    NUMBER_KINDS,
    PAPERWORK_TABLE,
    PAYMENTS_TABLE,
    VENDOR_TABLE,
    Columns,
    schedule_table,
)
from .report import NOT_RUN, BatchReport, WorkbookRow

HEADLINE_COLUMNS: Columns = (
    ("saving", "Saving a year", "money"),
    ("hours_freed_year", "Hours freed a year", "hours"),
    ("hours_freed_week", "Hours freed a week", "hours"),
    ("cash_year", "Cash to vendors a year", "money"),
    ("setup_once", "One-off setup fees", "money"),
)
CURRENCY_COLUMN = ("currency", "Currency", "text")
WORKBOOKS_COLUMN = ("workbooks", "Workbooks", "integer")
OVERVIEW_CATEGORY: Columns = (CURRENCY_COLUMN, CATEGORY_TABLE[0], WORKBOOKS_COLUMN,
                              *CATEGORY_TABLE[1:])
OVERVIEW_VENDOR: Columns = (CURRENCY_COLUMN, VENDOR_TABLE[0], WORKBOOKS_COLUMN,
                            *VENDOR_TABLE[1:])
# The accountant's tables of each workbook, one after the other (For accountant's cents)
CLIENT_COLUMNS: Columns = (("workbook", "Workbook", "text"), CURRENCY_COLUMN)
CLIENT_PAYMENTS: Columns = (*CLIENT_COLUMNS, *PAYMENTS_TABLE)
CLIENT_PAPERWORK: Columns = (*CLIENT_COLUMNS, PAPERWORK_TABLE[0], PAPERWORK_TABLE[-1])
SKIPPED_COLUMNS: Columns = (("path", "File or folder", "text"),
                            ("reason", "Why it was skipped", "text"))
OVERVIEW_TITLE_ROWS = 3  # the title and its two notes, printed at the top of every page
WIDTHS = {"workbook": 40, "output": 40, "error": 70, "path": 40, "reason": 70,
          "category": 24, "vendor": 28}


def row_columns(verdicts: Sequence[str]) -> Columns:
    """The Workbooks sheet's columns, with the tasks of each of ``verdicts``."""
    return (("workbook", "Workbook", "text"), ("status", "Status", "text"),
            ("tasks", "Tasks", "integer"), *_verdict_columns(verdicts), CURRENCY_COLUMN,
            *HEADLINE_COLUMNS, ("output", "Output", "text"), ("error", "Problem", "text"))


def total_columns(verdicts: Sequence[str]) -> Columns:
    """The Overview's Totals columns, with the tasks of each of ``verdicts``."""
    return (CURRENCY_COLUMN, ("workbooks", "Workbooks decided", "integer"),
            ("tasks", "Tasks", "integer"), *_verdict_columns(verdicts), *HEADLINE_COLUMNS)


def _verdict_columns(verdicts: Sequence[str]) -> Columns:
    return tuple((v, v, "integer") for v in verdicts)  # tasks each


def _row_values(row: WorkbookRow, verdicts: Sequence[str]) -> dict[str, Any]:
    """A row as the report shows it: verdict counts spread out, figures only if decided."""
    status = f"{row.status} (unchanged)" if row.unchanged else row.status
    values: dict[str, Any] = {"workbook": row.workbook, "status": status,
                              "output": row.output, "error": row.error}
    if row.decided:
        values.update(tasks=row.tasks, currency=row.currency,
                      **{v: row.verdicts.get(v, 0) for v in verdicts},
                      **{key: getattr(row, key) for key, _, _ in HEADLINE_COLUMNS})
    return values


def write_report(report: BatchReport, path: Path, run_date: dt.date | None = None) -> None:
    book = Workbook()
    book.remove(book.active)
    verdicts = report.verdicts
    run_date = run_date or dt.date.today()
    workbooks, overview, skipped = (book.create_sheet(name)
                                    for name in ("Workbooks", "Overview", "Skipped"))
    _write_rows(workbooks, row_columns(verdicts),
                [_row_values(row, verdicts) for row in report.rows])
    _write_overview(overview, report, run_date)
    _write_rows(skipped, SKIPPED_COLUMNS,
                [{"path": s.path, "reason": s.reason} for s in report.skipped])
    for ws in (workbooks, skipped):  # the header row and first column (workbook, file) on each page
        _print_setup(ws, run_date, titles=1)
        ws.print_title_rows, ws.print_title_cols = "1:1", "A:A"
    _print_setup(overview, run_date, titles=0)
    overview.print_title_rows = f"1:{OVERVIEW_TITLE_ROWS}"
    pages.keep_tables_whole(overview, OVERVIEW_TITLE_ROWS)  # no table cut at a page's foot
    save_atomically(book, path)


def _print_setup(ws: Worksheet, run_date: dt.date, titles: int) -> None:
    """A few pages wide at a size that reads (pages.fit_pages_wide), the first ``titles``
    columns on each; wrapped headers as tall as their lines; the file, sheet, date and
    page numbers on each page."""
    style.fit_heights(ws)
    pages.fit_pages_wide(ws, titles)
    style.page_labels(ws, run_date)


def _write_overview(ws: Worksheet, report: BatchReport, run_date: dt.date) -> None:
    counts = report.counts
    ws["A1"].value = "Batch overview"
    ws["A1"].font = style.TITLE_FONT
    style.put(ws["A2"], (
        f"{counts['ok'] + counts['problems']} workbooks decided in {report.folder} on "
        f"{run_date:%Y-%m-%d} ({counts['failed']} failed, {counts[NOT_RUN]} not run). "
        "Figures are yearly, per currency."))
    # on a line of its own: one line of both ran off a printed page
    style.put(ws.cell(OVERVIEW_TITLE_ROWS, 1),
              COUNTED_V2 if {"AUTOMATE", "DROP"} & set(report.verdicts) else COUNTED_V1)
    row = OVERVIEW_TITLE_ROWS + 2
    for title, columns, frame in (("Totals", total_columns(report.verdicts), report.totals()),
                                  ("By category", OVERVIEW_CATEGORY, report.by_category()),
                                  ("By vendor (tasks to outsource)", OVERVIEW_VENDOR,
                                   report.by_vendor())):
        ws.cell(row, 1).value = title
        ws.cell(row, 1).font = style.SECTION_FONT
        row = _write_rows(ws, columns, frame.to_dict("records"), header_row=row + 1) + 2
    schedule: Columns = (*CLIENT_COLUMNS, *schedule_table(run_date))
    for title, columns, table in (
            ("Cash by vendor, first 12 months, workbook by workbook", CLIENT_PAYMENTS,
             "vendors"),
            ("Cash month by month, workbook by workbook", schedule, "schedule"),
            ("Paperwork: points for the accountant to check, not tax advice",
             CLIENT_PAPERWORK, "paperwork")):
        ws.cell(row, 1).value = title
        ws.cell(row, 1).font = style.SECTION_FONT
        row = _write_rows(ws, columns, _client_lines(report, table), header_row=row + 1) + 2


def _client_lines(report: BatchReport, table: str) -> list[dict[str, Any]]:
    """The lines of one of the accountant's tables of every decided workbook."""
    return [{"workbook": row.workbook, "currency": row.currency, **line}
            for row in report.rows if row.decided for line in row.accounts.get(table, [])]


def _write_rows(ws: Worksheet, columns: Columns, rows: Iterable[Mapping[Any, Any]],
                header_row: int = 1) -> int:
    """A header and one line per row, each money figure in its row's currency;
    returns the last row written."""
    for col, (key, label, kind) in enumerate(columns, start=1):
        style.put(ws.cell(header_row, col), label)
        style.style_header(ws.cell(header_row, col), numbers=kind in NUMBER_KINDS)
        width = WIDTHS.get(key, 14)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(width, ws.column_dimensions[letter].width or 0)
    last = header_row
    for last, values in enumerate(rows, start=header_row + 1):
        currency = values.get("currency") or "USD"
        for col, (key, _, kind) in enumerate(columns, start=1):
            value = values.get(key)
            style.put(ws.cell(last, col), None if pd.isna(value) else value, kind, currency)
    if header_row == 1:
        ws.freeze_panes = "A2"
    return last
