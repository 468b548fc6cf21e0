"""The Summary and For accountant sheets: layout only, every figure comes from engine/summary.py.

Fixed cells (other code and tests read them): the headline values sit in column B at
SUMMARY_CELLS / ACCOUNTANT_CELLS; the tables follow below, each under a bold section
title, with a header row, one row per item and a "Total" row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart
from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumDataSource,
    NumRef,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import Series
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.styles import Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..engine import schema
from ..engine.accountant import (
    CASH_SPREAD,
    FIRST_YEAR_CASH,
    ONE_OFF_CASH,
    PRICES_SPREAD,
    RECURRING_CASH,
    SCHEDULE_COLUMNS,
    SETUP_FEES,
    Accounts,
    month_labels,
    years_of,
)
from ..engine.summary import Summary
from . import pages, style

Columns = tuple[tuple[str, str, str], ...]  # (frame column, label, kind)

SUMMARY_HEADLINE: Columns = (
    ("self_cost_all", "Yearly cost of doing every task yourself", "money"),
    ("cost_after", "Yearly cost after outsourcing what the verdicts say", "money"),
    ("saving", "Saving a year", "money"),
    ("hours_freed_year", "Hours freed a year", "hours"),
    ("hours_freed_week", "Hours freed a week", "hours"),
    # The cash as the decisions count it, in For accountant's words (a figure is named
    # alike wherever it is shown): "recurring" would count a fixed price spread as paid
    # every year, and For accountant's recurring cash a year leaves it out.
    ("cash_year", CASH_SPREAD, "money"),
    ("recurring_year", PRICES_SPREAD, "money"),
    ("setup_once", SETUP_FEES, "money"),
    ("task_count", "Tasks listed", "integer"),
)
ACCOUNTANT_HEADLINE: Columns = (
    ("run_date", "Date of the run", "date"),
    ("outsourced_count", "Tasks outsourced (listed at the end)", "integer"),
)
# The same cash seen two ways, each under its own small heading so that the figures are
# told apart on the sheet alone: when it is paid, and as the verdicts weigh it (a year).
AS_PAID: Columns = (
    ("recurring_cash", RECURRING_CASH, "money"),
    ("one_off_cash", ONE_OFF_CASH, "money"),
    ("first_year_cash", FIRST_YEAR_CASH, "money"),
)
AS_DECIDED: Columns = (
    ("recurring_year", PRICES_SPREAD, "money"),
    ("setup_once", SETUP_FEES, "money"),
    ("cash_year", CASH_SPREAD, "money"),
)
AS_PAID_TITLE = "As paid (cash flow, from the month of the run)"
AS_DECIDED_TITLE = "As the decisions count them (a year, one-off costs spread over {years})"
ACCOUNTANT_GROUPS: tuple[tuple[str | None, Columns], ...] = (
    (None, ACCOUNTANT_HEADLINE), (AS_PAID_TITLE, AS_PAID), (AS_DECIDED_TITLE, AS_DECIDED))
HEADLINE_ROW = 4
TITLE_ROWS = 2  # the title and its note, printed at the top of every page
SUMMARY_CELLS = {key: f"B{HEADLINE_ROW + i}" for i, (key, _, _) in enumerate(SUMMARY_HEADLINE)}
# Version 2 (a version 2 input filled in): one more headline line, and the budget lines
SUMMARY_HEADLINE_V2: Columns = (
    ("fragile_count", "Verdicts marked fragile (a small change in one input reverses them)",
     "integer"),
)
SUMMARY_CELLS_V2 = {key: f"B{HEADLINE_ROW + len(SUMMARY_HEADLINE) + i}"
                    for i, (key, _, _) in enumerate(SUMMARY_HEADLINE_V2)}
BUDGET_LINES: Columns = (
    ("monthly_budget", "Monthly budget", "money"),
    ("plan_count", "Items in the plan (a bundle is one item)", "integer"),
    ("plan_cash_month", "Cash a month of the items in the plan", "money"),
    ("over_budget_count", "Items worth paying for that did not fit", "integer"),
)


def _first_rows(groups: Sequence[tuple[str | None, Columns]]) -> list[int]:
    """The row of each group's first headline figure, from HEADLINE_ROW; a group with a
    heading has it in the row above, set apart by an empty row above that."""
    rows, row = [], HEADLINE_ROW
    for title, lines in groups:
        if title is not None:
            row += 2  # an empty row, then the heading
        rows.append(row)
        row += len(lines)
    return rows


ACCOUNTANT_ROWS = _first_rows(ACCOUNTANT_GROUPS)
ACCOUNTANT_CELLS = {key: f"B{first + i}"
                    for (_, lines), first in zip(ACCOUNTANT_GROUPS, ACCOUNTANT_ROWS)
                    for i, (key, _, _) in enumerate(lines)}

CATEGORY_TABLE: Columns = (
    ("category", "Category", "text"), ("tasks", "Tasks", "integer"),
    ("outsource", "To outsource", "integer"), ("self_cost", "Cost to do yourself", "money"),
    ("saving", "Saving (outsourced tasks)", "money"),
    ("freed", "Hours freed (outsourced tasks)", "hours"),
    ("cash", "Cash to vendors (outsourced tasks)", "money"),
)
VERDICT_TABLE: Columns = (
    ("verdict", "Verdict", "text"), ("tasks", "Tasks", "integer"),
    ("self_cost", "Cost to do yourself", "money"),
    ("saving", "Saving with the best quote", "money"),
    ("freed", "Hours freed with the best quote", "hours"),
)
TOP_TABLE: Columns = (
    ("task_id", "Task ID", "text"), ("task", "Task", "text"), ("category", "Category", "text"),
    ("verdict", "Verdict", "text"), ("best_vendor", "Best vendor", "text"),
    ("saving", "Annual saving", "money"), ("freed", "Hours freed", "hours"),
    ("cash", "Cash to vendor a year", "money"),
)
SPEND = (("tasks", "Tasks", "integer"), ("recurring", PRICES_SPREAD, "money"),
         ("setup", SETUP_FEES, "money"), ("cash", CASH_SPREAD, "money"))
VENDOR_TABLE: Columns = (("vendor", "Vendor", "text"), *SPEND)
CATEGORY_SPEND_TABLE: Columns = (("category", "Category", "text"), *SPEND)
OUTSOURCED_TABLE: Columns = (
    ("task_id", "Task ID", "text"), ("task", "Task", "text"), ("category", "Category", "text"),
    ("best_vendor", "Vendor", "text"), *SPEND[1:],
)
BUNDLE_TABLE: Columns = (
    ("name", "Bundle", "text"), ("vendor", "Vendor", "text"), ("verdict", "Verdict", "text"),
    ("together", "Hand off together", "text"), ("tasks", "Tasks", "integer"),
    ("self_cost", "Cost to do yourself", "money"), ("alone", "Cost task by task", "money"),
    ("out_cost", "Cost as a bundle", "money"), ("saving", "Saving as a bundle", "money"),
    ("freed", "Hours freed as a bundle", "hours"),
)
NEXT_ITEM_TABLE: Columns = (
    ("item", "Next item over budget", "text"), ("saving", "Saving a year", "money"),
    ("cash_month", "More cash a month", "money"),
)
HOURS_CHART_TABLE: Columns = (CATEGORY_TABLE[0], ("freed", "Hours freed a year", "hours"))
CHART_TITLES = {"saving": "Annual saving by category", "freed": "Hours freed by category"}
CHART_ROWS = 18  # rows a chart takes, with a gap below
LABEL_ROOM = 1.35  # the figures' axis runs this far past the biggest bar, for its label
NUMBER_KINDS = ("integer", "money", "hours", "count", "date")
SUBHEADING_FONT = style.font(bold=True, color=style.TEAL)  # smaller than a table's title
TOTAL_BORDER = Border(top=Side(style="thin", color=style.TEAL),
                      bottom=Side(style="double", color=style.TEAL))


@dataclass(frozen=True)
class TableBody:
    """A table's item rows, left out for the caller to write: the package writer puts
    a long one into the sheet's XML directly, many times faster than openpyxl."""
    sheet: str
    first_row: int
    frame: pd.DataFrame
    columns: Columns
    currency: str

    @property
    def rows(self) -> range:
        return range(self.first_row, self.first_row + len(self.frame))


def replace_report_sheets(book: Workbook, summary: Summary, run_date: dt.date, *,
                          task_rows: bool = True, names: Mapping[str, str] | None = None
                          ) -> TableBody | None:
    """Delete the tool's sheets and write them afresh at the end of the workbook. With
    ``task_rows`` False, the rows of For accountant's list of outsourced tasks (one a
    task: the long table) are left out and returned. ``names``: the name each of the
    tool's sheets has in this workbook, when not its own (a sheet of the user's has it)."""
    named = {sheet: (names or {}).get(sheet, sheet) for sheet in schema.OWNED_SHEETS}
    active = book.active.title if book.worksheets else None
    for name in named.values():
        for sheet in [s for s in (*book.worksheets, *book.chartsheets)
                      if s.title.casefold() == name.casefold()]:
            book.remove(sheet)
    write_summary(book.create_sheet(named[schema.SUMMARY]), summary, run_date)
    left_out = write_accountant(book.create_sheet(named[schema.ACCOUNTANT]), summary, run_date,
                                task_rows=task_rows)
    for sheet in (schema.SUMMARY, schema.ACCOUNTANT):  # tabs in the teal of what it writes
        book[named[sheet]].sheet_properties.tabColor = style.TEAL
    if active in book.sheetnames:  # the user's view stays where it was
        book.active = book.sheetnames.index(active)
    return left_out


# What the headline figures count (also the batch report's note)
COUNTED_V1 = "The saving, hours and cash count only the tasks verdicted OUTSOURCE."
COUNTED_V2 = ("The saving and hours count the tasks verdicted OUTSOURCE or AUTOMATE in the "
              "budget plan and those to DROP; the cash, only those paid for.")


def write_summary(ws: Worksheet, summary: Summary, run_date: dt.date) -> None:
    cur = summary.currency
    counted = COUNTED_V2 if summary.version2 else COUNTED_V1
    _title(ws, "Outsourcing summary",
           f"Figures a year in {cur}, decided on {run_date:%Y-%m-%d}, one-off costs spread "
           f"over {years_of(summary.horizon_years)}. {counted}")
    headline = SUMMARY_HEADLINE + (SUMMARY_HEADLINE_V2 if summary.version2 else ())
    _headline(ws, headline, vars(summary), cur)
    row = HEADLINE_ROW + len(headline) + 1
    if summary.monthly_budget is not None:
        row = _budget(ws, row, summary)
    saving_bars = _Bars("saving", row + 2, summary.by_category, CATEGORY_TABLE)
    row = _table(ws, row, "By category", summary.by_category, CATEGORY_TABLE, cur)
    # Savings on paper of KEEP tasks do not add up to anything: total only what does.
    row = _table(ws, row, "By verdict", summary.by_verdict, VERDICT_TABLE, cur,
                    total=("tasks", "self_cost"))
    if summary.version2 and len(summary.bundles):
        row = _table(ws, row, "Bundles (small tasks handed off together under one quote)",
                     _bundles(summary.bundles), BUNDLE_TABLE, cur, total=False)
    verdicts = "OUTSOURCE, AUTOMATE and REVIEW" if summary.version2 else "OUTSOURCE and REVIEW"
    row = _table(ws, row, f"Top opportunities ({verdicts}, biggest saving first)",
                 summary.top, TOP_TABLE, cur, total=False)
    hours = summary.by_category.sort_values("freed", ascending=False, kind="stable")
    hours_bars = _Bars("freed", row + 2, hours[hours["freed"] > 0], HOURS_CHART_TABLE)
    if len(hours_bars.shown):  # the hours chart's order is not the table's: its own figures
        _table(ws, row, "Hours freed by category, most first (the chart's figures)",
               hours_bars.shown, HOURS_CHART_TABLE, cur, total=False)
    _fit(ws)
    _add_charts(ws, cur, (saving_bars, hours_bars))
    print_setup(ws, run_date)


def _budget(ws: Worksheet, row: int, summary: Summary) -> int:
    """The budget plan's lines (what fits MonthlyBudget) and what the next item over it
    would add; returns the next free row."""
    ws.cell(row, 1).value = "Budget plan (the figures above count only the items in it)"
    ws.cell(row, 1).font = style.SECTION_FONT
    ws.row_dimensions[row].height = style.row_height(1, style.SECTION_FONT.size)
    _headline(ws, BUDGET_LINES, vars(summary), summary.currency, first_row=row + 1)
    row += len(BUDGET_LINES)
    item = summary.next_item
    if item is None:
        return row + 2
    frame = pd.DataFrame([{"item": f"{item.name} ({item.task_id or 'bundle'})",
                           "saving": item.saving, "cash_month": item.cash_month}])
    return _table(ws, row, None, frame, NEXT_ITEM_TABLE, summary.currency, total=False)


def _bundles(bundles: pd.DataFrame) -> pd.DataFrame:
    """The bundles as the table shows them: whether each is handed off together in words."""
    return bundles.assign(together=bundles["won"].map({True: "Yes", False: "No"}))


def write_accountant(ws: Worksheet, summary: Summary, run_date: dt.date, *,
                     task_rows: bool = True) -> TableBody | None:
    cur = summary.currency
    years = years_of(summary.horizon_years)
    _title(ws, "Outsourcing spend, for the accounts",
           f"Cash paid to vendors for the tasks to outsource, in {cur}; the owner's own time "
           f"is not included. Shown twice: as paid, and as the decisions count it (one-off "
           f"costs spread over {years}).")
    figures = {**vars(summary), "run_date": run_date,
               "outsourced_count": len(summary.outsourced),  # the tasks paid for, listed below
               **accounts_headline(summary.accounts)}
    row = _accountant_headline(ws, figures, cur, years)
    row, month_widths = _accounts_tables(ws, row, summary.accounts, run_date)
    row = _table(ws, row, "By vendor", summary.by_vendor, VENDOR_TABLE, cur)
    row = _table(ws, row, "By category", summary.by_category_cash, CATEGORY_SPEND_TABLE, cur)
    header = row + 1
    _table(ws, row, "Tasks outsourced", summary.outsourced, OUTSOURCED_TABLE, cur,
           items=task_rows)
    left_out = None if task_rows else TableBody(ws.title, header + 1, summary.outsourced,
                                                OUTSOURCED_TABLE, cur)
    _fit(ws, left_out, month_widths)
    print_setup(ws, run_date)
    set_paper(ws, cur)
    pages.keep_tables_whole(ws, TITLE_ROWS, left_out.rows if left_out else ())
    return left_out


def _accountant_headline(ws: Worksheet, figures: dict[str, object], currency: str,
                         years: str) -> int:
    """The headline figures in their groups, each under its heading; returns the row
    the tables start at."""
    for (title, lines), first in zip(ACCOUNTANT_GROUPS, ACCOUNTANT_ROWS):
        if title is not None:
            ws.cell(first - 1, 1).value = title.format(years=years)
            ws.cell(first - 1, 1).font = SUBHEADING_FONT
        _headline(ws, lines, figures, currency, first_row=first)
    return ACCOUNTANT_ROWS[-1] + len(ACCOUNTANT_GROUPS[-1][1]) + 1


def _title(ws: Worksheet, title: str, note: str) -> None:
    ws["A1"].value = title
    ws["A1"].font = style.TITLE_FONT
    ws.row_dimensions[1].height = style.row_height(1, style.TITLE_FONT.size)
    style.put(ws["A2"], note)
    ws["A2"].font = style.BODY_FONT


def _headline(ws: Worksheet, rows: Columns, figures: dict[str, object], currency: str,
              first_row: int = HEADLINE_ROW) -> None:
    for offset, (key, label, kind) in enumerate(rows):
        row = first_row + offset
        style.put(ws.cell(row, 1), label)
        ws.cell(row, 1).font = style.BODY_FONT
        style.put(ws.cell(row, 2), figures[key], kind, currency)
        ws.cell(row, 2).font = style.TOTAL_FONT


def _table(ws: Worksheet, row: int, title: str | None, frame: pd.DataFrame, columns: Columns,
           currency: str, total: bool | tuple[str, ...] = True, items: bool = True) -> int:
    """A titled table from ``row`` (None: the row is left as it is), with a Total row of
    every number column (or of the columns named in ``total``); returns the next free row.
    With ``items`` False the item rows are left empty, for the caller to fill."""
    if title is not None:
        ws.cell(row, 1).value = title
        ws.cell(row, 1).font = style.SECTION_FONT
        ws.row_dimensions[row].height = style.row_height(1, style.SECTION_FONT.size)
    header = row + 1
    for col, (_, label, kind) in enumerate(columns, start=1):
        style.put(ws.cell(header, col), label)
        style.style_header(ws.cell(header, col), numbers=kind in NUMBER_KINDS)
    figures = {key: frame[key] for key, _, _ in columns}  # each column taken out once
    rows = zip(*(figures[key].tolist() for key, _, _ in columns)) if items else ()
    body = []
    for r, values in enumerate(rows, start=header + 1):
        for col, ((key, _, kind), value) in enumerate(zip(columns, values), start=1):
            body.append(cell := ws.cell(r, col))
            style.put(cell, value, kind, currency, figures[key])
    _in_font(body, style.BODY_FONT)
    last = header + len(frame)
    if total:
        summed = total if isinstance(total, tuple) else [k for k, _, kind in columns
                                                         if kind in ("integer", "money", "hours")]
        _total_row(ws, last + 1, frame, columns, summed, currency)
    return last + (3 if total else 2)


def _in_font(cells: Sequence[Cell], font: Font) -> None:
    """``font`` on every cell. openpyxl hashes a font (walking all its fields) for each
    cell it is set on, most of the time a table takes; the index it finds for the first
    cell is the one for every other, which is given straight to their style arrays."""
    if not cells:
        return
    cells[0].font = font
    font_id = cells[0]._style.fontId
    for cell in cells[1:]:
        if not cell._style:  # as openpyxl's own setter does for a cell never styled
            cell._style = StyleArray()
        cell._style.fontId = font_id


def _total_row(ws: Worksheet, row: int, frame: pd.DataFrame, columns: Columns,
               summed: Sequence[str], currency: str) -> None:
    """Below the items, set apart by a rule above and a double rule below, in bold."""
    style.put(ws.cell(row, 1), "Total")
    for col, (key, _, kind) in enumerate(columns, start=1):
        if key in summed:
            style.put(ws.cell(row, col), float(frame[key].sum()), kind, currency, frame[key])
        ws.cell(row, col).font = style.TOTAL_FONT
        ws.cell(row, col).border = TOTAL_BORDER


def _fit(ws: Worksheet, left_out: TableBody | None = None,
         least: Mapping[int, float] | None = None) -> None:
    """Each column as wide as its longest text (wrapping past a limit) and at least as
    ``least`` says, rows as tall as their wrapped text; the title and its note (rows 1-2)
    run across the empty cells."""
    extra: dict[int, set[str]] = {}
    if left_out is not None:
        for col, (key, _, kind) in enumerate(left_out.columns, start=1):
            number_format = style.format_for(kind, left_out.currency, left_out.frame[key])
            extra[col] = style.texts_to_measure(left_out.frame[key], number_format)
    style.fit(ws, first_row=HEADLINE_ROW, extra=extra, least=least)


@dataclass(frozen=True)
class _Bars:
    """A chart's figures on the sheet: ``table``'s item rows from ``first_row``, laid out
    as ``columns``; its bars are the leading rows with a figure above zero (the table is
    biggest first)."""
    key: str
    first_row: int
    table: pd.DataFrame
    columns: Columns

    @property
    def shown(self) -> pd.DataFrame:
        return self.table[(self.table[self.key] > 0).cummin()]

    def reference(self, ws: Worksheet, key: str) -> str:
        """The cells of ``key``'s column under the bars."""
        letter = get_column_letter(1 + [k for k, _, _ in self.columns].index(key))
        last = self.first_row + len(self.shown) - 1
        return f"{quote_sheetname(ws.title)}!${letter}${self.first_row}:${letter}${last}"


def _add_charts(ws: Worksheet, currency: str, charts: Sequence[_Bars]) -> None:
    """Saving and hours freed by category, right of the tables, each biggest first and
    leaving out the categories with none. Each reads its figures from the sheet, and
    keeps a copy for readers that do not look them up."""
    anchor_column = get_column_letter(ws.max_column + 2)
    for number, bars in enumerate(charts):
        shown = bars.shown
        if not len(shown):
            continue
        kind = next(kind for k, _, kind in bars.columns if k == bars.key)
        cells_format = style.format_for(kind, currency, shown[bars.key]) or "General"
        series = Series(val=NumDataSource(numRef=NumRef(
            f=bars.reference(ws, bars.key), numCache=NumData(
                pt=[NumVal(idx=i, v=float(v)) for i, v in enumerate(shown[bars.key])],
                ptCount=len(shown), formatCode=cells_format))))
        series.cat = AxDataSource(strRef=StrRef(
            f=bars.reference(ws, "category"), strCache=StrData(
                pt=[StrVal(idx=i, v=str(v)) for i, v in enumerate(shown["category"])],
                ptCount=len(shown))))
        chart = _bar_chart(CHART_TITLES[bars.key], series, cells_format)
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = _axis_end(float(shown[bars.key].max()))
        ws.add_chart(chart, f"{anchor_column}{HEADLINE_ROW + number * CHART_ROWS}")


def _axis_end(biggest: float) -> float | None:
    """Where the figures' axis ends: a round number a third past the biggest bar, leaving
    room for its label (the labels show cents, and do not wrap); None (the spreadsheet's
    choice) for a figure too big to round."""
    room = biggest * LABEL_ROOM
    if not math.isfinite(room):
        return None
    half_step = 10 ** math.floor(math.log10(room)) / 2
    return round(math.ceil(room / half_step) * half_step, 10)  # 0.7, not 0.7000000000000001


def _bar_chart(title: str, series: Series, number_format: str) -> BarChart:
    """Horizontal bars (category names stay readable), the first at the top, each bar
    labelled with its figure as its cell shows it, axis figures in the same format in
    whole steps."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.legend = None
    chart.series.append(series)
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # the first (biggest) category on top
    chart.y_axis.crosses = "max"  # ...and the figures' axis stays at the bottom
    chart.y_axis.number_format = re.sub(r"\.0+", "", number_format)
    # Labels in the format of the cells charted: Gnumeric reads no label format, size or
    # position, and no series's own labels (where LibreOffice takes what is left out as shown).
    chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                     showLegendKey=False, showPercent=False)
    for axis in (chart.x_axis, chart.y_axis):
        axis.txPr = _text_size(9)
    chart.width, chart.height = 16, 8
    return chart


def _text_size(points: int) -> RichText:
    """Chart text of this size in the tool's font."""
    properties = CharacterProperties(sz=points * 100, latin=None)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), r=[],
                                 endParaRPr=properties)])


def print_setup(ws: Worksheet, run_date: dt.date) -> None:
    """Prints well: landscape, one page wide, the title on every page, the workbook's
    name and sheet in the header, the date of the run and page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{TITLE_ROWS}"
    style.page_labels(ws, run_date)


# --- For accountant, version 2 (issue 14): who is paid what, when, and what to check ------

PAYMENTS_TABLE: Columns = (
    ("vendor", "Vendor", "text"), ("expense_type", "Expense type", "text"),
    ("tasks", "Tasks", "integer"), ("recurring", "Recurring a year", "money"),
    ("one_off", "One-off", "money"), ("vendor_price", "Vendor price", "money"),
    ("platform_fees", "Platform fees", "money"), ("setup_fees", "Setup fees", "money"),
    ("first_year", "First 12 months", "money"),
)
FOREIGN_TABLE: Columns = (
    ("vendor", "Vendor", "text"), ("task_id", "Task ID", "text"), ("task", "Task", "text"),
    ("currency", "Quoted in", "text"), ("foreign_amount", "First 12 months, as quoted", "money"),
    ("rate", "Rate used", "rate"), ("home_amount", "First 12 months, converted", "money"),
)
PAPERWORK_TABLE: Columns = (
    ("vendor", "Vendor", "text"), ("country", "Country", "text"), ("entity", "Entity", "text"),
    ("paid_through", "Paid through", "text"), ("tax_form", "Tax form on file", "text"),
    ("paid_to_vendor", "Paid to the vendor, first 12 months", "money"),
    ("point", "Point to check", "text"),
)
PAPERWORK_TITLE = "Paperwork: points for your accountant to check, not tax advice"


def accounts_headline(accounts: Accounts) -> dict[str, float]:
    """R, O and their sum as the tables below add them up (in cents)."""
    return {"recurring_cash": accounts.recurring, "one_off_cash": accounts.one_off,
            "first_year_cash": accounts.first_year}


def schedule_table(run_date: dt.date) -> Columns:
    """The cash schedule's columns: each vendor, its 12 months from the run's, its total."""
    months = zip(SCHEDULE_COLUMNS[1:-1], month_labels(run_date), strict=True)
    return (("vendor", "Vendor", "text"), *((key, label, "money") for key, label in months),
            ("total", "Total", "money"))


def _accounts_tables(ws: Worksheet, row: int, accounts: Accounts, run_date: dt.date
                     ) -> tuple[int, dict[int, float]]:
    """Who is paid what and of what kind, month by month; quotes in other currencies and
    the paperwork points only when there are any. Returns the next free row and the
    width the month table's columns need to read evenly."""
    cur = accounts.currency
    row = _table(ws, row, "Cash by vendor, first 12 months", accounts.vendors,
                 PAYMENTS_TABLE, cur)
    months = row
    row = _table(ws, row, "Cash month by month (recurring spread evenly, one-off in the "
                 "first month)", accounts.schedule, schedule_table(run_date), cur)
    month_widths = _even_widths(ws, months + 1, row - 2, range(2, len(SCHEDULE_COLUMNS) + 1))
    if len(accounts.foreign):
        first = row + 2
        row = _table(ws, row, "Quotes in other currencies", accounts.foreign, FOREIGN_TABLE,
                     cur, total=("home_amount",))
        column = [key for key, _, _ in FOREIGN_TABLE].index("foreign_amount") + 1
        for offset, code in enumerate(accounts.foreign["currency"]):
            ws.cell(first + offset, column).number_format = schema.money_format(str(code))
    if len(accounts.paperwork):
        row = _table(ws, row, PAPERWORK_TITLE, accounts.paperwork, PAPERWORK_TABLE, cur,
                     total=False)
        if accounts.threshold is not None:
            style.put(ws.cell(row, 1), accounts.threshold_note())
            ws.cell(row, 1).font = style.BODY_FONT
            row += 2
    return row, month_widths


def _even_widths(ws: Worksheet, first_row: int, last_row: int, columns: range
                 ) -> dict[int, float]:
    """``columns`` all as wide as the widest text any of them has from ``first_row`` to
    ``last_row``, headers on one line: twelve months read across evenly, none wrapped."""
    cells = ws.iter_rows(min_row=first_row, max_row=last_row, min_col=columns.start,
                         max_col=columns.stop - 1)
    width = max(style.column_width_for(style.text_pixels(
        style.shown(cell.value, cell.number_format), bold=bool(cell.font.b)))
        for row in cells for cell in row)
    return dict.fromkeys(columns, width)


LETTER_CURRENCIES = ("USD", "CAD")  # where Letter paper is the usual; A4 elsewhere


def set_paper(ws: Worksheet, currency: str) -> None:
    """Letter for a business in dollars (US, Canada), A4 for the rest of the world."""
    letter = currency.upper() in LETTER_CURRENCIES
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER if letter else ws.PAPERSIZE_A4
