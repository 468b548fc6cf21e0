"""Write a decision back into the workbook: the computed blocks and the tool's own sheets.

The one seam to openpyxl for results. Only the computed blocks on Tasks and Quotes
and the sheets in schema.OWNED_SHEETS change; every other cell and sheet is left as
openpyxl loaded it. The file is replaced atomically, so a crash never leaves half a
workbook behind.
"""

from __future__ import annotations

from copy import copy

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import python_calamine as calamine
from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from . import cells, schema, sheets
from .model import Decision
from .package import Package
from .reading import SheetTable, WorkbookInputs
from .summary import summarise

MACRO_SUFFIXES = {".xlsm", ".xltm"}
TEMPLATE_SUFFIXES = {".xltx", ".xltm"}
Results = tuple[tuple[str, str, str], ...]  # schema.TASK_RESULTS / QUOTE_RESULTS

# Verdict -> (fill, font colour) of its conditional format.
VERDICT_COLOURS = {
    "OUTSOURCE": ("C6EFCE", "006100"),
    "KEEP": ("DCE3EA", "44546A"),
    "REVIEW": ("FFEB9C", "9C5700"),
    "NEEDS QUOTE": ("FFC7CE", "9C0006"),
    "ERROR": ("FFC7CE", "9C0006"),
}
SAVING_BAR_COLOUR = "5B9BD5"
WIDTHS = {"text": 18, "money": 14}  # else 12
WIDE_TEXT = {"reason": 60, "problem": 60}


def write_results(found: WorkbookInputs, decision: Decision, target: Path | str, *,
                  separate: bool = False, run_date: dt.date | None = None) -> None:
    """Write the computed blocks, Summary and For accountant, and save to ``target``.

    ``separate`` builds a new workbook from the values of the user's Settings, Tasks
    and Quotes instead of loading theirs (for workbooks with features openpyxl would lose).
    """
    if found.tasks is None or found.quotes is None:
        raise ValueError(f"{found.path.name}: no Tasks or Quotes table to write results to")
    target = Path(target)
    book = _values_copy(found) if separate else _load(found.path)
    _match_target_kind(book, target)
    currency = decision.settings.currency
    tasks_ws = book[found.tasks.sheet]
    columns = _write_block(tasks_ws, found.tasks, decision.tasks, schema.TASK_RESULTS, currency)
    _colour_verdicts(tasks_ws, columns, found.tasks.header_row, decision.tasks.index)
    _write_block(book[found.quotes.sheet], found.quotes, decision.quotes, schema.QUOTE_RESULTS,
                 currency)
    sheets.replace_report_sheets(book, summarise(decision), run_date or dt.date.today())
    save_atomically(book, target, mode_from=found.path)


def _load(path: Path) -> Workbook:
    return load_workbook(path, keep_vba=path.suffix.lower() in MACRO_SUFFIXES, keep_links=True)


def _match_target_kind(book: Workbook, target: Path) -> None:
    """Excel refuses a file whose extension contradicts its content (macros, template)."""
    suffix = target.suffix.lower()
    if book.vba_archive is not None and suffix not in MACRO_SUFFIXES:
        raise ValueError(f"{target.name}: the workbook has macros, so the result must be "
                         "saved as .xlsm to keep them")
    if book.vba_archive is None and suffix in MACRO_SUFFIXES:
        raise ValueError(f"{target.name}: a workbook without macros must be saved as .xlsx")
    book.template = suffix in TEMPLATE_SUFFIXES


# --- the computed block ---------------------------------------------------------------

def _write_block(ws: Worksheet, table: SheetTable, frame: pd.DataFrame, results: Results,
                 currency: str) -> dict[str, int]:
    """Replace the tool's earlier block (if any) by a fresh one; returns key -> column."""
    old = set(table.result_columns.values())
    start = _block_start(ws, table, results)
    columns = {key: start + i for i, (key, _, _) in enumerate(results)}
    _clear_cells(ws, old, table.header_row)
    _drop_rules_within(ws, old | set(columns.values()))
    for key, header, kind in results:
        column = columns[key]
        cells.put(ws.cell(table.header_row, column), header)
        cells.style_header(ws.cell(table.header_row, column))
        width = WIDE_TEXT.get(key, WIDTHS.get(kind, 12))
        ws.column_dimensions[get_column_letter(column)].width = width
        _write_column(ws, column, frame[key], kind, currency)
    return columns


def _write_column(ws: Worksheet, column: int, values: pd.Series, kind: str,
                  currency: str) -> None:
    """One computed column. The first number's style is shared by the others: setting a
    number format cell by cell is most of openpyxl's cost on a 10,000-row block."""
    number_style = None
    for row, value in values.items():
        value = cells.plain(value)
        if value is None:
            continue
        cell = ws.cell(int(row), column)
        if number_style is not None and not isinstance(value, str):
            cell.value = value
            cell._style = copy(number_style)
            continue
        cells.put(cell, value, kind, currency)
        if not isinstance(value, str):
            number_style = cell._style


def _block_start(ws: Worksheet, table: SheetTable, results: Results) -> int:
    """Where the earlier block began, unless the user has since put a column of their own
    inside it: then right of the user's columns, so nothing of theirs is overwritten."""
    ours = {schema.normalise_header(header) for _, header, _ in results}
    start = table.block_column
    for column in range(start, start + len(results)):
        text = schema.normalise_header(ws.cell(table.header_row, column).value)
        if text and text not in ours:
            return table.first_free_column
    return start


def _clear_cells(ws: Worksheet, columns: set[int], from_row: int) -> None:
    # Through the cell store: asking openpyxl for every cell would create empty ones.
    for row, column in [key for key in ws._cells if key[1] in columns and key[0] >= from_row]:
        del ws._cells[(row, column)]


def _drop_rules_within(ws: Worksheet, columns: set[int]) -> None:
    """Remove conditional formats lying wholly in these columns: the tool's, from an earlier run."""
    for formatting in list(ws.conditional_formatting):
        if all(set(range(r.min_col, r.max_col + 1)) <= columns for r in formatting.sqref.ranges):
            del ws.conditional_formatting[str(formatting.sqref)]


def _colour_verdicts(ws: Worksheet, columns: dict[str, int], header_row: int,
                     rows: pd.Index) -> None:
    if rows.empty:
        return
    first, last = header_row + 1, max(int(rows.max()), header_row + 1)
    priority = 1 + max((rule.priority or 0 for formatting in ws.conditional_formatting
                        for rule in formatting.rules), default=0)
    verdict_range = _column_range(columns["verdict"], first, last)
    for verdict, (fill, font) in VERDICT_COLOURS.items():
        rule = CellIsRule(operator="equal", formula=[f'"{verdict}"'],
                          fill=PatternFill("solid", start_color=fill, end_color=fill),
                          font=Font(color=font, bold=True), stopIfTrue=True)
        rule.priority, priority = priority, priority + 1
        ws.conditional_formatting.add(verdict_range, rule)
    bar = DataBarRule(start_type="min", end_type="max", color=SAVING_BAR_COLOUR)
    bar.priority = priority
    ws.conditional_formatting.add(_column_range(columns["saving"], first, last), bar)


def _column_range(column: int, first: int, last: int) -> str:
    letter = get_column_letter(column)
    return f"{letter}{first}:{letter}{last}"


# --- separate mode: a new workbook from the user's values -------------------------------

_CELL = r"\$?[A-Z]{1,3}\$?\d+"
_SIMPLE_REF = re.compile(rf"^(?:'((?:[^']|'')+)'|([^'!]+))!{_CELL}(?::{_CELL})?$")


def _values_copy(found: WorkbookInputs) -> Workbook:
    """The user's Settings, Tasks and Quotes as values, in a new workbook, with the
    defined names that point into them (Settings are found by those names)."""
    with Package(found.path) as package:
        names = package.index().defined_names
    setting_names = {setting.name for setting in schema.SETTINGS_ROWS}
    wanted = {schema.SETTINGS.casefold(), found.tasks.sheet.casefold(),
              found.quotes.sheet.casefold()}
    wanted |= {_referenced_sheet(text) for name, text in names.items() if name in setting_names}
    source = calamine.CalamineWorkbook.from_path(str(found.path))
    book = Workbook()
    book.remove(book.active)
    for name in source.sheet_names:
        if name.casefold() in wanted:
            _copy_values(source.get_sheet_by_name(name).to_python(skip_empty_area=False),
                         book.create_sheet(name))
    copied = {ws.title.casefold() for ws in book.worksheets}
    for name, text in names.items():
        if _referenced_sheet(text) in copied:
            book.defined_names.add(DefinedName(name, attr_text=text))
    return book


def _referenced_sheet(reference: str) -> str | None:
    """The sheet of a plain cell or range reference ('My sheet'!$B$2), casefolded."""
    ref = _SIMPLE_REF.match(reference)
    if ref is None:
        return None
    return (ref[1].replace("''", "'") if ref[1] else ref[2]).casefold()


def _copy_values(grid: list[list[object]], ws: Worksheet) -> None:
    for row_number, row in enumerate(grid, start=1):
        for column, value in enumerate(row, start=1):
            if value != "" and value is not None:
                cells.put(ws.cell(row_number, column), value)


# --- saving ---------------------------------------------------------------------------

def save_atomically(book: Workbook, target: Path, mode_from: Path | None = None) -> None:
    """Save next to ``target`` and swap it in: readers see the old file or the new, never half.

    The new file keeps the permissions of the file it replaces (else of ``mode_from``).
    """
    target = Path(target)
    handle, temp_name = tempfile.mkstemp(prefix=f".~{target.stem}.", suffix=".tmp",
                                         dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            book.save(stream)
            stream.flush()
            os.fsync(stream.fileno())
        mode_source = target if target.exists() else mode_from
        if mode_source is not None and mode_source.exists():
            shutil.copymode(mode_source, temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
