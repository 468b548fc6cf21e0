"""The Decide macro: decide the workbook open in Excel and write what `process` writes.

Everything but XlwingsBook works on the small Book interface below, so the whole
macro runs (and is tested) on an openpyxl workbook held in memory. XlwingsBook is
the only code that talks to Excel; the tests drive it through a fake xlwings Book
(tests/support/fake_xlwings.py).

Wire it to a button with xlwings' RunPython (see docs/excel.md):

    Sub Decide()
        RunPython "import xlsheet_outsource.excel as x; x.decide_caller()"
    End Sub
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import openpyxl
import pandas as pd
import xlwings as xw
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter as column_letter
from openpyxl.utils import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from ..engine import schema
from ..engine.inputs import Problem
from ..engine.model import Decision
from ..engine.summary import summarise
from ..ooxml.areas import area_of
from ..reading import SheetTable
from ..write import style
from ..write.report_sheets import replace_report_sheets
from ..write.results import UNMARKED_TITLES, BlockLayout, header_notes, report_sheet_name, table_view
from .grids import (
    Grid,
    GridDecision,
    GridInputs,
    Results,
    block_column,
    block_rows,
    column_formats,
    decide_grids,
    excel_value,
    read_settings,
    with_paperwork,
)

ALERT_TITLE = "xlsheet-outsource"
MAX_ALERT_LINES = 10
# The header look of what the tool writes, as xlwings takes colours.
HEADER_COLOR = "#" + style.HEADER_FILL.fgColor.rgb[-6:]
HEADER_FONT_COLOR = "#" + style.HEADER_FONT.color.rgb[-6:]


class Book(Protocol):
    """What the Decide macro needs of a workbook."""

    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str) -> Grid:
        """The sheet's values as rows from A1 to the last used cell."""

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """(sheet, cell such as "B2") of a workbook-level name for one cell; None if none."""

    def write_block(self, sheet: str, top: int, left: int, rows: Grid,
                    formats: Sequence[str | None]) -> None:
        """Write ``rows`` from (top, left): rows[0] is a header, styled as the tool's own;
        ``formats`` gives each column's number format for the rows below it."""

    def clear(self, sheet: str, top: int, left: int, bottom: int, right: int) -> None:
        """Empty the cells of this area, values and formats, and take the tool's notes off
        its first row (the header row, where the tool puts them); a note of the user's
        there is kept."""

    def add_notes(self, sheet: str, notes: Mapping[tuple[int, int], str]) -> None:
        """These hover notes, by (row, column), each replacing the tool's note on its cell;
        a note of the user's there is kept."""

    def remove_notes(self, sheet: str, cells: Sequence[tuple[int, int]]) -> None:
        """Take the tool's notes off these cells, by (row, column); the user's stay."""

    def set_view(self, sheet: str, freeze: tuple[int, int] | None, autofilter: str | None
                 ) -> None:
        """Frozen above and left of the cell at ``freeze`` (row, column) unless the sheet
        has panes of its own; a filter over ``autofilter`` unless it has a filter or a Table."""

    def replace_sheet(self, sheet: str, rows: Grid, formats: Mapping[str, str]) -> None:
        """Replace (or add, last) the sheet with these values from A1; formats by cell."""

    def block_area(self, sheet: str) -> str | None:
        """The reference of the sheet's block marker (schema.BLOCK_MARKER), if any."""

    def mark_block(self, sheet: str, reference: str) -> None:
        """Mark this reference ("'Tasks'!$M$1:$Y$9") as the sheet's block."""

    def sheet_kind(self, sheet: str) -> str | None:
        """The kind of the tool's sheets this one is marked as (schema.SHEET_MARKER)."""

    def mark_sheet(self, sheet: str, kind: str) -> None:
        """Mark the sheet as the tool's of this kind: a hidden name scoped to it."""

    def alert(self, message: str) -> None: ...


def decide_caller() -> None:
    """The RunPython entry point: decide the workbook that called."""
    decide_book(XlwingsBook(xw.Book.caller()))


def decide_book(book: Book, run_date: dt.date | None = None) -> list[Problem]:
    """Decide the book and write the computed blocks, Summary and For accountant.

    Returns every problem found; they are also shown to the user in one alert.
    """
    outcome = read_book(book)
    if outcome.decision is None:
        book.alert("Nothing was written:\n" + _lines(outcome.fatal))
        return outcome.fatal
    decision = outcome.decision
    write_blocks(book, outcome, decision)
    notices = list(outcome.found.notices)  # what was read but could not be used
    for sheet, (rows, formats) in report_sheets(decision, run_date or dt.date.today()).items():
        name = _report_sheet_name(book, sheet, notices)
        book.replace_sheet(name, rows, formats)
        book.mark_sheet(name, schema.SHEET_KINDS[sheet])
    if decision.problems:
        book.alert(f"Decided; {len(decision.problems)} value(s) need fixing (see Reason on "
                   f"{schema.TASKS} and Problem on {schema.QUOTES}):\n"
                   + _lines([*notices, *decision.problems]))
    elif notices:
        book.alert("Decided.\n" + _lines(notices))
    return [*notices, *decision.problems]


def _report_sheet_name(book: Book, sheet: str, notices: list[Problem]) -> str:
    """Where the tool's sheet of this kind goes: the rule `process` follows, so a sheet of
    the user's that has the name is never replaced."""
    def unmarked_report() -> bool:
        names = {name.casefold(): name for name in book.sheet_names()}
        actual = names.get(sheet.casefold())
        if actual is None or book.sheet_kind(actual) is not None:
            return False
        grid = book.grid(actual)
        return bool(grid and grid[0]) and grid[0][0] == UNMARKED_TITLES[sheet].decode()

    return report_sheet_name(sheet, book.sheet_names(), book.sheet_kind, unmarked_report,
                             notices)


def read_book(book: Book) -> GridDecision:
    """The book's inputs, read as a workbook file is: settings by name first, then by label."""
    sheets = {name.strip().lower(): name for name in book.sheet_names()}
    grids: dict[str, Grid] = {}

    def grid_of(sheet: str) -> Grid | None:
        actual = sheets.get(sheet.strip().lower())
        if actual is None:
            return None
        if actual not in grids:
            grids[actual] = book.grid(actual)
        return grids.get(actual)

    named = {}
    for setting in schema.ALL_SETTINGS:
        place = book.named_cell(setting.name)
        grid = grid_of(place[0]) if place else None
        if place is not None and grid is not None:
            named[setting.name] = (_cell_value(grid, place[1]), place[1])
    settings = read_settings(grid_of(schema.SETTINGS), named)
    notices: list[Problem] = []
    if settings[0] is not None:
        paperwork, notices = with_paperwork(settings[0], grid_of(schema.SETTINGS), named,
                                            grid_of(schema.VENDORS))
        settings = (paperwork, settings[1])
    tasks, quotes = (_inputs(book, sheets.get(name.lower(), name), grid_of(name))
                     for name in (schema.TASKS, schema.QUOTES))
    return decide_grids(tasks, quotes, settings, notices)


def _inputs(book: Book, sheet: str, grid: Grid | None) -> GridInputs:
    marked = book.block_area(sheet) if grid is not None else None
    return GridInputs(sheet, grid, area_of(marked, "the tool's block") if marked else None)


def _cell_value(grid: Grid, cell: str) -> object:
    col, row, _, _ = range_boundaries(cell)
    return grid[row - 1][col - 1] if row <= len(grid) and col <= len(grid[row - 1]) else None


def write_blocks(book: Book, outcome: GridDecision, decision: Decision) -> None:
    """The computed block on Tasks and on Quotes, down to the last used row (clearing
    what an earlier run left below the current tasks)."""
    tasks, quotes = outcome.found.tables()
    task_results = schema.task_results(decision.version2)
    for table, frame, results in ((tasks, decision.tasks, task_results),
                                  (quotes, decision.quotes, schema.QUOTE_RESULTS)):
        grid = outcome.grids[table.sheet]
        left = block_column(grid, table, results)
        # The block's rows: down to the last task; an earlier block's rows are cleared
        # (by its marker; unmarked, down to the last used row), a note below it is kept.
        last_task = max(frame.index, default=table.header_row)
        old_last = table.earlier_block.last_row if table.earlier_block else (
            len(grid) if table.result_columns else table.header_row)
        for column in table.result_columns.values():  # an earlier block, if it has moved
            if not left <= column < left + len(results):
                book.clear(table.sheet, table.header_row, column, old_last, column)
        book.remove_notes(table.sheet, table.headers_typed_over)
        book.write_block(table.sheet, table.header_row, left,
                         block_rows(table, frame, results, max(last_task, old_last)),
                         column_formats(results, decision.settings.currency, frame))
        quoted = "'" + table.sheet.replace("'", "''") + "'"
        book.mark_block(table.sheet, f"{quoted}!${column_letter(left)}${table.header_row}:"
                                     f"${column_letter(left + len(results) - 1)}"
                                     f"${max(last_task, table.header_row)}")
        _finish_table(book, table, left, frame, results)


def _finish_table(book: Book, table: SheetTable, left: int, frame: pd.DataFrame,
                  results: Results) -> None:
    """The hover notes on the block's headers, panes and a filter, as ``process`` does."""
    layout = BlockLayout(table.sheet, table.header_row,
                         {key: left + i for i, (key, _, _) in enumerate(results)},
                         dict(table.columns), tuple(int(row) for row in frame.index))
    book.add_notes(table.sheet, {(table.header_row, column): text for column, text in
                                 header_notes(layout, schema.RESULT_NOTES).items()})
    view = table_view(layout)
    book.set_view(table.sheet, view.freeze, view.autofilter)


def report_sheets(decision: Decision, run_date: dt.date) -> dict[str, tuple[Grid, dict[str, str]]]:
    """Summary and For accountant as values and number formats, laid out by the writer's own
    code (write/report_sheets.py) on a scratch workbook, so they match what `process` writes."""
    scratch = openpyxl.Workbook()
    replace_report_sheets(scratch, summarise(decision), run_date)
    return {name: _values_and_formats(scratch[name]) for name in schema.OWNED_SHEETS}


def _values_and_formats(ws: Worksheet) -> tuple[Grid, dict[str, str]]:
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    formats = {cell.coordinate: cell.number_format for row in ws.iter_rows() for cell in row
               if cell.value is not None and cell.number_format != "General"}
    return rows, formats


def _lines(problems: Sequence[Problem]) -> str:
    shown = [str(p) for p in problems[:MAX_ALERT_LINES]]
    if len(problems) > MAX_ALERT_LINES:
        shown.append(f"... and {len(problems) - MAX_ALERT_LINES} more")
    return "\n".join(shown)


class _Markers:
    """The tool's marks (hidden names scoped to a sheet) over a book's own way of
    reading (``_scoped``: a name's formula, without "=") and writing (``_name``) them."""

    def block_area(self, sheet: str) -> str | None:
        return self._scoped(sheet, schema.BLOCK_MARKER)

    def mark_block(self, sheet: str, reference: str) -> None:
        self._name(sheet, schema.BLOCK_MARKER, reference)

    def sheet_kind(self, sheet: str) -> str | None:
        formula = self._scoped(sheet, schema.SHEET_MARKER)
        return None if formula is None else formula.strip('"')

    def mark_sheet(self, sheet: str, kind: str) -> None:
        self._name(sheet, schema.SHEET_MARKER, f'"{kind}"')

    def _scoped(self, sheet: str, name: str) -> str | None:
        raise NotImplementedError

    def _name(self, sheet: str, name: str, formula: str) -> None:
        raise NotImplementedError


class OpenpyxlBook(_Markers):
    """The Book interface over an openpyxl Workbook held in memory."""

    def __init__(self, workbook: openpyxl.Workbook) -> None:
        self.workbook = workbook
        self.alerts: list[str] = []

    def sheet_names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def grid(self, sheet: str) -> Grid:
        return [[excel_value(v) for v in row]
                for row in self.workbook[sheet].iter_rows(values_only=True)]

    def named_cell(self, name: str) -> tuple[str, str] | None:
        defined = self.workbook.defined_names.get(name)
        destinations = list(defined.destinations) if defined else []
        if len(destinations) != 1 or ":" in destinations[0][1]:
            return None
        sheet, cell = destinations[0]
        return sheet, cell.replace("$", "")

    def write_block(self, sheet: str, top: int, left: int, rows: Grid,
                    formats: Sequence[str | None]) -> None:
        ws = self.workbook[sheet]
        for col, header in enumerate(rows[0], start=left):
            style.put(ws.cell(top, col), header)
            style.style_header(ws.cell(top, col))
        for row_number, row in enumerate(rows[1:], start=top + 1):
            for col, (value, number_format) in enumerate(zip(row, formats), start=left):
                cell = ws.cell(row_number, col)
                style.put(cell, value)
                if number_format and value is not None:
                    cell.number_format = number_format

    def clear(self, sheet: str, top: int, left: int, bottom: int, right: int) -> None:
        ws = self.workbook[sheet]
        for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right):
            for cell in row:
                cell.value, cell.style = None, "Normal"
        self.remove_notes(sheet, [(top, column) for column in range(left, right + 1)])

    def remove_notes(self, sheet: str, cells: Sequence[tuple[int, int]]) -> None:
        ws = self.workbook[sheet]
        for row, column in cells:
            cell = ws.cell(row, column)
            if cell.comment is not None and cell.comment.author == schema.COMMENT_AUTHOR:
                cell.comment = None

    def add_notes(self, sheet: str, notes: Mapping[tuple[int, int], str]) -> None:
        ws = self.workbook[sheet]
        for (row, column), text in notes.items():
            cell = ws.cell(row, column)
            if cell.comment is None or cell.comment.author == schema.COMMENT_AUTHOR:
                cell.comment = Comment(text, schema.COMMENT_AUTHOR, height=90, width=260)

    def set_view(self, sheet: str, freeze: tuple[int, int] | None, autofilter: str | None
                 ) -> None:
        ws = self.workbook[sheet]
        if freeze and ws.freeze_panes is None:
            ws.freeze_panes = ws.cell(*freeze)
        if autofilter and not ws.auto_filter.ref and not ws.tables:
            ws.auto_filter.ref = autofilter

    def replace_sheet(self, sheet: str, rows: Grid, formats: Mapping[str, str]) -> None:
        for existing in [s for s in self.workbook.worksheets if s.title.lower() == sheet.lower()]:
            self.workbook.remove(existing)
        ws = self.workbook.create_sheet(sheet)
        for row_number, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                style.put(ws.cell(row_number, col), value)
        for coordinate, number_format in formats.items():
            ws[coordinate].number_format = number_format

    def _scoped(self, sheet: str, name: str) -> str | None:
        defined = self.workbook[sheet].defined_names.get(name)
        return None if defined is None else defined.attr_text

    def _name(self, sheet: str, name: str, formula: str) -> None:
        self.workbook[sheet].defined_names[name] = DefinedName(name, attr_text=formula,
                                                               hidden=True)

    def alert(self, message: str) -> None:
        self.alerts.append(message)


class XlwingsBook(_Markers):
    """The Book interface over a live xlwings Book: the only code here that needs Excel."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def grid(self, sheet: str) -> Grid:
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        values = ws.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value
        return [[excel_value(v) for v in row] for row in values]

    def named_cell(self, name: str) -> tuple[str, str] | None:
        if not self.book.names.contains(name):
            return None
        target = self.book.names[name].refers_to_range
        return target.sheet.name, target.get_address(False, False)

    def write_block(self, sheet: str, top: int, left: int, rows: Grid,
                    formats: Sequence[str | None]) -> None:
        ws = self.book.sheets[sheet]
        ws.range((top, left)).value = _as_text(rows)
        header = ws.range((top, left), (top, left + len(rows[0]) - 1))
        header.color, header.font.bold, header.font.color = HEADER_COLOR, True, HEADER_FONT_COLOR
        for offset, number_format in enumerate(formats):
            if number_format and len(rows) > 1:
                ws.range((top + 1, left + offset),
                         (top + len(rows) - 1, left + offset)).number_format = number_format

    def clear(self, sheet: str, top: int, left: int, bottom: int, right: int) -> None:
        area = self.book.sheets[sheet].range((top, left), (bottom, right))
        area.clear_contents()  # not clear(): Excel's Clear takes every note, the user's too
        area.clear_formats()
        self.remove_notes(sheet, [(top, column) for column in range(left, right + 1)])

    def add_notes(self, sheet: str, notes: Mapping[tuple[int, int], str]) -> None:
        # Excel's object model, as xlwings before 0.37 adds no notes.
        if not self._has_excels_object_model():
            return
        for (row, column), text in notes.items():
            if self._take_tools_note(sheet, row, column):
                self.book.sheets[sheet].range((row, column)).api.AddComment(text)

    def remove_notes(self, sheet: str, cells: Sequence[tuple[int, int]]) -> None:
        for row, column in cells:
            self._take_tools_note(sheet, row, column)

    def _take_tools_note(self, sheet: str, row: int, column: int) -> bool:
        """Remove the tool's note on the cell; False when a note of the user's is there
        (or Excel's object model is not). A note Excel adds is signed by the user's name:
        the tool's are known by their texts."""
        if not self._has_excels_object_model():
            return False
        cell = self.book.sheets[sheet].range((row, column)).api
        if cell.Comment is not None:
            if cell.Comment.Text() not in set(schema.RESULT_NOTES.values()):
                return False
            cell.Comment.Delete()
        return True

    def set_view(self, sheet: str, freeze: tuple[int, int] | None, autofilter: str | None
                 ) -> None:
        if not self._has_excels_object_model():
            return
        ws = self.book.sheets[sheet]
        if autofilter and not ws.api.AutoFilterMode and not ws.api.ListObjects.Count:
            ws.range(autofilter).api.AutoFilter()  # with no criteria: turns the filter on
        if freeze is None:
            return
        viewed = self.book.sheets.active.name  # panes belong to a window: shown to set them
        ws.activate()
        window = self.book.app.api.ActiveWindow
        if not window.FreezePanes and not window.SplitRow and not window.SplitColumn:
            window.ScrollRow, window.ScrollColumn = 1, 1  # panes split what is in view
            window.SplitRow, window.SplitColumn = freeze[0] - 1, freeze[1] - 1
            window.FreezePanes = True
        self.book.sheets[viewed].activate()

    def _has_excels_object_model(self) -> bool:
        """Excel's own objects (COM, on Windows) are there. On a Mac xlwings gives
        AppleScript's, which know none of these names, and xlwings Lite none at all: the
        notes, panes and filter are left to ``process`` there (docs/excel.md)."""
        try:
            native = self.book.app.api
        except NotImplementedError:  # xlwings Lite
            return False
        return hasattr(native, "ActiveWindow")

    def replace_sheet(self, sheet: str, rows: Grid, formats: Mapping[str, str]) -> None:
        # Adding a sheet activates it: the user's view stays. Its name is taken now, as the
        # viewed sheet may be the one deleted below.
        viewed = self.book.sheets.active.name
        if sheet.lower() in (name.lower() for name in self.sheet_names()):
            self.book.sheets[sheet].delete()
        ws = self.book.sheets.add(sheet, after=self.book.sheets[-1])
        ws.range("A1").value = _as_text(rows)
        for coordinate, number_format in formats.items():
            ws.range(coordinate).number_format = number_format
        if viewed.lower() != sheet.lower():
            self.book.sheets[viewed].activate()

    def _scoped(self, sheet: str, name: str) -> str | None:
        names = self.book.sheets[sheet].names
        return str(names[name].refers_to).lstrip("=") if names.contains(name) else None

    def _name(self, sheet: str, name: str, formula: str) -> None:
        # A name added through a sheet's names is scoped to that sheet, as process writes it.
        self.book.sheets[sheet].names.add(name, "=" + formula)

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title=ALERT_TITLE)


def _as_text(rows: Grid) -> Grid:
    """Excel reads text written to it as if typed ("=..." a formula, "007" a number): a
    leading apostrophe, which it does not show, keeps each text the text it is."""
    return [["'" + value if isinstance(value, str) else value for value in row] for row in rows]
