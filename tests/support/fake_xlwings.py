"""A fake of the xlwings Book the Decide macro talks to, over an openpyxl workbook.

Only the surface excel/ uses: ``book.sheets`` (iterate, index by name or position,
``active``, ``add``), a sheet's ``name``, ``range``, ``used_range``, ``delete`` and
``activate``; a range's ``value`` (read through ``options``), ``number_format``, ``color``,
``font``, ``clear`` (and ``clear_contents``, ``clear_formats``) and ``get_address``;
``book.names``; ``book.app.alert``; and of Excel's own object model (``api``) a cell's
note and AutoFilter, a sheet's AutoFilterMode and ListObjects, the active window's panes.
It behaves as Excel does where the macro could get it wrong:
- numbers come back as floats, dates as datetimes, error cells as text only with
  ``err_to_str``, a formula's cell as its saved result;
- a text written is read as if typed ("=..." a formula, "12" a number) unless it starts
  with an apostrophe;
- a deleted sheet is gone: touching it afterwards raises, as the COM object does;
- adding a sheet makes it the active one;
- clear() takes a range's notes too, as Excel's Clear does;
- a cell takes one note (adding a second raises), AutoFilter() with no criteria turns a
  sheet's filter off when it has one, panes are set on the window of the sheet in view.
The workbook behind it (``book.workbook``) can be saved and read as any file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from copy import copy
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

Corner = tuple[int, int] | str


class DeletedSheetError(Exception):
    """What Excel raises when a deleted sheet's object is used (COM: "Object required")."""


class FakeBook:
    def __init__(self, path: Path) -> None:
        self.workbook = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
        self.saved = openpyxl.load_workbook(path, data_only=True)  # formulas' saved results
        self.app = FakeApp(self)
        self.sheets = FakeSheets(self)
        self.names = FakeNames(self)
        self.active_title = self.workbook.active.title

    def save(self, path: Path) -> None:
        self.workbook.active = self.workbook.sheetnames.index(self.active_title)
        for ws in self.workbook.worksheets:
            ws.sheet_view.tabSelected = ws.title == self.active_title
        self.workbook.save(path)


class FakeApp:
    def __init__(self, book: FakeBook) -> None:
        self.alerts: list[tuple[str | None, str]] = []  # (title, message)
        self.api = FakeAppApi(book)

    def alert(self, prompt: str, title: str | None = None, **_: object) -> None:
        self.alerts.append((title, prompt))


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter([FakeSheet(self.book, ws) for ws in self.book.workbook.worksheets])

    def __len__(self) -> int:
        return len(self.book.workbook.worksheets)

    def __getitem__(self, key: int | str) -> FakeSheet:
        worksheets = self.book.workbook.worksheets
        if isinstance(key, int):
            return FakeSheet(self.book, worksheets[key])
        for ws in worksheets:  # Excel finds sheets whatever the case
            if ws.title.lower() == key.lower():
                return FakeSheet(self.book, ws)
        raise KeyError(key)

    @property
    def active(self) -> FakeSheet:
        return self[self.book.active_title]

    def add(self, name: str, before: FakeSheet | None = None,
            after: FakeSheet | None = None) -> FakeSheet:
        if any(ws.title.lower() == name.lower() for ws in self.book.workbook.worksheets):
            raise ValueError(f"Sheet named {name!r} already present in workbook")
        titles = self.book.workbook.sheetnames
        index = titles.index(after.name) + 1 if after else titles.index(before.name) if before \
            else titles.index(self.book.active_title)
        sheet = FakeSheet(self.book, self.book.workbook.create_sheet(name, index))
        self.book.active_title = name
        return sheet


class FakeSheet:
    def __init__(self, book: FakeBook, ws: Worksheet) -> None:
        self.book, self._ws = book, ws

    @property
    def ws(self) -> Worksheet:
        if self._ws not in self.book.workbook.worksheets:
            raise DeletedSheetError("Object required: the sheet was deleted")
        return self._ws

    @property
    def name(self) -> str:
        return self.ws.title

    def delete(self) -> None:
        title = self.name
        self.book.workbook.remove(self.ws)
        if title == self.book.active_title:
            self.book.active_title = self.book.workbook.sheetnames[0]

    def activate(self) -> None:
        self.book.active_title = self.name

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, (1, 1), (self.ws.max_row, self.ws.max_column))

    def range(self, first: Corner, last: Corner | None = None) -> FakeRange:
        return FakeRange(self, first, last)

    @property
    def names(self) -> FakeSheetNames:
        return FakeSheetNames(self.ws)

    @property
    def api(self) -> FakeSheetApi:
        return FakeSheetApi(self.ws)


class FakeRange:
    def __init__(self, sheet: FakeSheet, first: Corner, last: Corner | None = None) -> None:
        self.sheet = sheet
        if isinstance(first, str):
            min_col, min_row, max_col, max_row = range_boundaries(first.replace("$", ""))
            first, last = (min_row, min_col), (max_row, max_col)
        self.top, self.left = first
        self.bottom, self.right = last or first
        self.ndim: int | None = None
        self.err_to_str = False

    @property
    def row(self) -> int:
        return self.top

    @property
    def column(self) -> int:
        return self.left

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, (self.bottom, self.right))

    def options(self, ndim: int | None = None, err_to_str: bool = False) -> FakeRange:
        self.ndim, self.err_to_str = ndim, err_to_str
        return self

    def cells(self) -> list[Cell]:
        ws = self.sheet.ws
        return [ws.cell(r, c) for r in range(self.top, self.bottom + 1)
                for c in range(self.left, self.right + 1)]

    @property
    def value(self) -> object:
        rows = [[self._read(r, c) for c in range(self.left, self.right + 1)]
                for r in range(self.top, self.bottom + 1)]
        if self.ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows[0] if len(rows) == 1 else rows

    @value.setter
    def value(self, value: object) -> None:
        rows = value if isinstance(value, list) else [[value]]
        rows = [row if isinstance(row, list) else [row] for row in rows]
        ws = self.sheet.ws
        for r, row in enumerate(rows, start=self.top):
            for c, item in enumerate(row, start=self.left):
                _enter(ws.cell(r, c), item)

    def _read(self, row: int, col: int) -> object:
        cell = self.sheet.ws._cells.get((row, col))  # reading creates no cell
        if cell is None:
            return None
        value = cell.value
        if cell.data_type == "f":
            saved = self.sheet.book.saved
            value = saved[cell.parent.title].cell(row, col).value \
                if cell.parent.title in saved.sheetnames else None
        if cell.data_type == "e" and not self.err_to_str:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        return float(value)  # Excel keeps every number as a double

    @property
    def number_format(self) -> str:
        return self.cells()[0].number_format

    @number_format.setter
    def number_format(self, number_format: str) -> None:
        for cell in self.cells():
            cell.number_format = number_format

    @property
    def color(self) -> str | None:
        fill = self.cells()[0].fill
        return f"#{fill.fgColor.rgb[-6:]}" if fill.fill_type == "solid" else None

    @color.setter
    def color(self, color: str) -> None:
        for cell in self.cells():
            cell.fill = PatternFill("solid", fgColor="FF" + color.lstrip("#").upper())

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def api(self) -> FakeCellApi:
        return FakeCellApi(self)

    def clear(self) -> None:
        """Excel's Clear: values, formats and notes (the user's too)."""
        self.clear_contents()
        self.clear_formats()
        for cell in self.cells():
            cell.comment = None

    def clear_contents(self) -> None:
        for cell in self.cells():
            cell.value = None

    def clear_formats(self) -> None:
        for cell in self.cells():
            cell.style = "Normal"

    def get_address(self, row_absolute: bool = True, column_absolute: bool = True) -> str:
        def corner(row: int, col: int) -> str:
            return (("$" if column_absolute else "") + get_column_letter(col)
                    + ("$" if row_absolute else "") + str(row))
        first, last = corner(self.top, self.left), corner(self.bottom, self.right)
        return first if first == last else f"{first}:{last}"


def _enter(cell: Cell, value: object) -> None:
    """Store a value as Excel does one written to it: text is read as if typed, so "=..."
    becomes a formula and "12" a number, unless a leading apostrophe marks it as text."""
    if isinstance(value, str) and value.startswith("'"):
        cell.value, cell.data_type = value[1:], "s"
        return
    if isinstance(value, str) and not value.startswith("="):
        with contextlib.suppress(ValueError):
            value = float(value)
    cell.value = value  # openpyxl, as Excel, takes "=..." for a formula
    if isinstance(value, dt.date) and cell.number_format == "General":
        cell.number_format = "yyyy-mm-dd"  # Excel formats a date it is given


class FakeFont:
    def __init__(self, cells: FakeRange) -> None:
        self.range = cells

    def _set(self, key: str, value: object) -> None:
        for cell in self.range.cells():
            font = copy(cell.font)
            setattr(font, key, value)
            cell.font = font

    @property
    def bold(self) -> bool:
        return bool(self.range.cells()[0].font.bold)

    @bold.setter
    def bold(self, bold: bool) -> None:
        self._set("bold", bold)

    @property
    def color(self) -> str | None:
        color = self.range.cells()[0].font.color
        return f"#{color.rgb[-6:]}" if color is not None and isinstance(color.rgb, str) else None

    @color.setter
    def color(self, color: str) -> None:
        self._set("color", "FF" + color.lstrip("#").upper())


class FakeNames:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def contains(self, name: str) -> bool:
        return name in self.book.workbook.defined_names

    def __getitem__(self, name: str) -> FakeName:
        return FakeName(self.book, name)


class FakeName:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name

    @property
    def refers_to_range(self) -> FakeRange:
        [(sheet, cells)] = list(self.book.workbook.defined_names[self.name].destinations)
        return self.book.sheets[sheet].range(cells)


class FakeSheetNames:
    """A sheet's names: those scoped to it, as Excel's Worksheet.Names adds them."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws

    def contains(self, name: str) -> bool:
        return name in self.ws.defined_names

    def __getitem__(self, name: str) -> FakeSheetName:
        return FakeSheetName("=" + str(self.ws.defined_names[name].attr_text))

    def add(self, name: str, refers_to: str) -> FakeSheetName:
        self.ws.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
        return self[name]


class FakeSheetName:
    def __init__(self, refers_to: str) -> None:
        self.refers_to = refers_to


# --- Excel's object model (COM), as ``.api`` gives it: the parts the macro uses, under
# COM's own names ------------------------------------------------------------------------

class FakeCellApi:
    """A cell's COM object: its note (Comment), adding and clearing it, AutoFilter()."""

    def __init__(self, cells: FakeRange) -> None:
        self.range = cells

    @property
    def Comment(self) -> FakeComment | None:
        cell = self.range.cells()[0]
        return FakeComment(cell) if cell.comment is not None else None

    def AddComment(self, text: str) -> FakeComment:
        cell = self.range.cells()[0]
        if cell.comment is not None:
            raise ValueError("COM: the cell has a note already")  # Excel refuses a second
        cell.comment = Comment(text, "Excel user")  # Excel signs it with the user's name
        return FakeComment(cell)

    def AutoFilter(self) -> None:
        """With no criteria Excel toggles the filter: off when the sheet has one."""
        ws = self.range.sheet.ws
        ws.auto_filter.ref = None if ws.auto_filter.ref else self.range.get_address(False, False)


class FakeComment:
    def __init__(self, cell: Cell) -> None:
        self.cell = cell

    def Text(self) -> str:
        return self.cell.comment.text

    def Delete(self) -> None:
        self.cell.comment = None


class FakeSheetApi:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws

    @property
    def AutoFilterMode(self) -> bool:
        return bool(self.ws.auto_filter.ref)

    @property
    def ListObjects(self) -> SimpleNamespace:
        return SimpleNamespace(Count=len(self.ws.tables))


class FakeWindow:
    """Excel's window onto the active sheet: panes are set by splitting what is in view
    (so the view must be scrolled to the top left first) and freezing the split."""

    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.ScrollRow = self.ScrollColumn = 1
        self.SplitRow = self.SplitColumn = 0

    @property
    def ws(self) -> Worksheet:
        return self.book.workbook[self.book.active_title]

    @property
    def FreezePanes(self) -> bool:
        return self.ws.freeze_panes is not None

    @FreezePanes.setter
    def FreezePanes(self, frozen: bool) -> None:
        assert (self.ScrollRow, self.ScrollColumn) == (1, 1), "panes split what is in view"
        self.ws.freeze_panes = self.ws.cell(self.SplitRow + 1, self.SplitColumn + 1) \
            if frozen else None


class FakeAppApi:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    @property
    def ActiveWindow(self) -> FakeWindow:
        window = FakeWindow(self.book)
        if window.FreezePanes:  # a frozen sheet's window reports its split
            top_left = window.ws.freeze_panes
            column, row = range_boundaries(top_left)[:2]
            window.SplitRow, window.SplitColumn = row - 1, column - 1
        return window
