"""A workbook -> raw Settings, Tasks and Quotes tables with the cell of every value,
each sheet read once.

Values come from python-calamine (fast, and it returns the results Excel saved for
formulas); the package scan adds what calamine shows as blank but is not: error
values and formulas without a saved result.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from .engine import schema
from .engine.problems import Problem
from .engine.raw import NO_SAVED_RESULT, RateRow, is_blank
from .engine.settings import Settings
from .ooxml import xmltext
from .ooxml.areas import Area, after_cells, area_of
from .ooxml.cells import column_letter
from .ooxml.package import Package, PackageError, SheetEntry, WorkbookIndex
from .ooxml.scan import SheetScan, scan_sheet

HEADER_SEARCH_ROWS = 20
CONTRACT_SHEETS = (schema.SETTINGS, schema.TASKS, schema.QUOTES)
NOT_OURS = ("is not a workbook of this tool: it has none of the sheets "
            f"{', '.join(CONTRACT_SHEETS)} (start from the template: xlsheet-outsource new)")
CALAMINE_WORKBOOK_PART = "xl/workbook.xml"  # calamine reads this name, whatever the package says
RESEMBLING = 0.8  # how close a header must be to a column's to be pointed out
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?ref=\"([^\"]+)\"")
_TABLE_TAG = re.compile(rb"<(?:[\w.-]+:)?table\s[^>]*>")
T = TypeVar("T")

if TYPE_CHECKING:  # pandas loads while calamine parses: see read_workbook
    import pandas as pd


@dataclass
class SheetTable:
    """One input table as found on its sheet."""
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, int]  # input key -> 1-based column
    result_columns: dict[str, int]  # computed key -> 1-based column, from an earlier run
    first_free_column: int  # right of the user's last header
    raw: pd.DataFrame  # index: Excel row numbers; columns: input keys
    earlier_block: Area | None = None  # where the tool's marker says its last block was
    notices: list[Problem] = field(default_factory=list)  # said, but nothing stops

    def forget_values(self) -> None:
        """Let the raw values go, keeping their row numbers: once the workbook is decided
        only live formulas read them again (30,000 quotes: 5 MB less while writing)."""
        self.raw = self.raw.iloc[:, :0]

    def locate(self, row: object, key: str) -> str:
        column = self.columns.get(key)
        return f"{column_letter(column)}{row}" if column else f"row {row}"

    @property
    def headers_typed_over(self) -> list[tuple[int, int]]:
        """The earlier block's header cells, by (row, column), that no longer hold one of
        the tool's headers: the user has typed over them, so they are the user's now and
        lose the tool's note."""
        earlier = self.earlier_block
        if earlier is None:
            return []
        ours = set(self.result_columns.values())
        return [(earlier.first_row, column) for column in
                range(earlier.first_column, earlier.last_column + 1) if column not in ours]

    @property
    def block_column(self) -> int:
        """Where the computed block goes: where it was, else right of the user's columns."""
        return min(self.result_columns.values(), default=self.first_free_column)


@dataclass(frozen=True)
class SettingCell:
    """Where a setting's value was read, and what was there."""
    sheet: str
    row: int  # 1-based
    column: int  # 1-based
    value: object
    named: bool  # found by its workbook-level name (formulas then use the name)

    @property
    def address(self) -> str:
        return f"{column_letter(self.column)}{self.row}"


@dataclass
class WorkbookInputs:
    path: Path
    settings: Settings | None = None
    setting_cells: dict[str, SettingCell] = field(default_factory=dict)  # by setting name
    tasks: SheetTable | None = None
    quotes: SheetTable | None = None
    fatal: list[Problem] = field(default_factory=list)  # the workbook cannot be decided
    notices: list[Problem] = field(default_factory=list)  # told to the user, decided anyway
    sheet_names: list[str] = field(default_factory=list)
    package: Package | None = None  # as read and checked (closed): the writer reopens it
    exchange_rates: list[RateRow] = field(default_factory=list)  # as typed, with cells

    def tables(self) -> tuple[SheetTable, SheetTable]:
        """Tasks and Quotes as read: for inputs read without a fatal problem only."""
        if self.tasks is None or self.quotes is None:
            raise ValueError(f"{self.path.name}: the tables could not be read")
        return self.tasks, self.quotes


def read_workbook(path: Path | str) -> WorkbookInputs:
    """Everything the engine needs from a workbook; never raises for a user's mistake."""
    path = Path(path)
    found = WorkbookInputs(path)
    try:
        with Package(path) as package:
            found.package = package
            index = package.index()
            found.sheet_names = [s.name for s in index.sheets]
            if not any(index.sheet(name) for name in CONTRACT_SHEETS):
                found.fatal.append(Problem("", "", NOT_OURS))
                return found
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="calamine") as loaders:
                sheets = _Sheets(path, package, index, loaders)
                sheets.prefetch(index.sheet(name) for name in CONTRACT_SHEETS)
                _import_parsers()
                found.setting_cells = _setting_cells(sheets)
                found.notices += _unread_labels(sheets, found.setting_cells)
                found.exchange_rates = _exchange_rates(sheets)
                found.settings, problems = _read_settings(index, found.setting_cells,
                                                          found.exchange_rates)
                found.fatal += problems
                if found.settings is not None:
                    found.settings = _with_paperwork(sheets, found.settings,
                                                     found.setting_cells, found.notices)
                found.tasks = _read_table(sheets, schema.TASKS, schema.TASK_INPUTS,
                                          schema.ALL_TASK_RESULTS, found.fatal)
                found.quotes = _read_table(sheets, schema.QUOTES, schema.QUOTE_INPUTS,
                                           schema.QUOTE_RESULTS, found.fatal)
                found.notices += [notice for table in (found.tasks, found.quotes) if table
                                  for notice in table.notices]
    except PackageError as exc:
        found.fatal.append(Problem("", "", str(exc)))
    return found


def _import_parsers() -> None:
    """Load pandas and the engine's parsers (a third of a second at start-up) while
    calamine parses the sheets, which it does without holding Python's lock: the import
    then takes no time of its own. Nothing before this point needs them."""
    import_module(".engine.inputs", __package__)


class _Sheets:
    """The sheets read so far. Each is scanned before calamine loads it: calamine builds a
    dense grid from A1 to the farthest value, and aborts the process if that is too big.
    Calamine lets go of the GIL while it parses, so a scanned sheet loads in the
    background while the next one is scanned."""

    def __init__(self, path: Path, package: Package, index: WorkbookIndex,
                 loaders: Executor) -> None:
        self.path, self.package, self.index, self.loaders = path, package, index, loaders
        self._loading: dict[str, tuple[SheetScan, Future[list[list[object]]]]] = {}
        self._grids: dict[str, list[list[object]]] = {}
        self._merges: dict[str, list[Area]] = {}

    def prefetch(self, entries: Iterable[SheetEntry | None]) -> None:
        """Start loading these worksheets, the biggest first (the longest to parse)."""
        worksheets = {e.name: e for e in entries if e is not None and e.kind == "worksheet"}
        for entry in sorted(worksheets.values(), key=self._size, reverse=True):
            self._start(entry)

    def grid(self, entry: SheetEntry) -> list[list[object]]:
        """The sheet's values from A1, with error values and formulas lacking a saved
        result made visible."""
        if entry.name not in self._grids:
            self._start(entry)
            scan, loading = self._loading[entry.name]
            grid = _with_marks(loading.result(), scan.unusable)
            self._grids[entry.name] = _with_merges(grid, self._merges[entry.name])
        return self._grids[entry.name]

    def not_items(self, entry: SheetEntry) -> set[int]:
        """The rows of the sheet's Excel Tables that hold no item: header and totals rows."""
        rows: set[int] = set()
        for link in self.package.links(self._part(entry)):
            if not link.type.endswith("/table") or link.external or not self.package.find(
                    link.target):
                continue
            found = _TABLE_TAG.search(self.package.read(link.target))
            tag = xmltext.attributes(found[0]) if found else {}
            area = area_of(tag.get("ref", ""), "an Excel Table")
            if area is None:
                continue
            if tag.get("headerRowCount", "1") != "0":
                rows.add(area.first_row)
            totals = tag.get("totalsRowCount", "0")
            count = int(totals) if totals.isdigit() else 0
            rows.update(range(area.last_row - count + 1, area.last_row + 1))
        return rows

    def scoped_area(self, entry: SheetEntry, name: str) -> Area | None:
        """The area a name scoped to this sheet gives (a marker of the tool's)."""
        formula = self.index.scoped_name(entry.name, name)
        return area_of(formula, "the tool's block") if formula else None

    def _start(self, entry: SheetEntry) -> None:
        if entry.name not in self._loading:
            xml = self.package.read(self._part(entry))
            scan = scan_sheet(entry.name, xml)
            merged = (area_of(ref.decode(), "") for ref in _MERGE.findall(after_cells(xml)))
            self._merges[entry.name] = [area for area in merged if area is not None]
            if self.index.workbook_part.casefold() != CALAMINE_WORKBOOK_PART:
                raise PackageError(f"cannot be read: its main part is {self.index.workbook_part}, "
                                   f"not {CALAMINE_WORKBOOK_PART} as Excel writes it")
            self._loading[entry.name] = scan, self.loaders.submit(_load, self.path, entry.name)

    def _size(self, entry: SheetEntry) -> int:
        part = self.package.find(entry.part)
        return self.package.zip.getinfo(part).file_size if part else 0

    def _part(self, entry: SheetEntry) -> str:
        """The sheet's part, which must be the one calamine reads: it resolves targets
        its own way, and a file where the two differ could slip an unscanned part in."""
        part = self.package.find(entry.part)
        if part is None:
            raise PackageError(f"is damaged: sheet {entry.name!r} has no part "
                               f"({entry.part or 'no relationship'})")
        if part.casefold() != _calamine_part(entry.target).casefold():
            raise PackageError(f"is damaged: sheet {entry.name!r} points to its part "
                               f"in an unusual way ({entry.target!r})")
        return part


def _load(path: Path, sheet: str) -> list[list[object]]:
    """One sheet's values by calamine, with a workbook of its own (one per thread)."""
    import python_calamine as calamine  # here: the worksheet functions run without it

    book = _calamine("is damaged: cannot be read as a workbook",
                     lambda: calamine.CalamineWorkbook.from_path(str(path)))
    values = _calamine(f"is damaged: sheet {sheet!r} cannot be read",
                       lambda: book.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
    return cast(list[list[object]], values)  # ours from here: marks of other kinds go in


def _calamine_part(target: str) -> str:
    """Where calamine looks for a sheet's part, given its relationship's Target."""
    if target.startswith("/xl/"):
        return target[1:]
    return target if target.startswith("xl/") else "xl/" + target


def _calamine(failure: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # no stable error types; a Rust panic is a BaseException
        raise PackageError(f"{failure} ({str(exc)[:120]})") from None


def _with_marks(grid: list[list[object]], unusable: dict[tuple[int, int], str]
                ) -> list[list[object]]:
    for (row, col), error in unusable.items():
        if row < len(grid) and col < len(grid[row]):
            grid[row][col] = error or NO_SAVED_RESULT
    return grid


def _with_merges(grid: list[list[object]], merges: list[Area]) -> list[list[object]]:
    """A merged range spanning rows gives its value to every cell of it (a Per typed once
    for three tasks is every one's); one within a row (a title) is left as it is."""
    for area in merges:
        if area.first_row == area.last_row:
            continue
        value = _cell(grid, area.first_row, area.first_column)
        for row in range(area.first_row - 1, min(area.last_row, len(grid))):
            cells = grid[row]
            for column in range(area.first_column - 1, min(area.last_column, len(cells))):
                if is_blank(cells[column]):
                    cells[column] = value
    return grid


def _setting_cells(sheets: _Sheets) -> dict[str, SettingCell]:
    """Each setting's cell: its defined name's, when that names one cell, else the one
    beside its label in column A of Settings."""
    cells = {}
    for setting in schema.ALL_SETTINGS:
        named = sheets.index.named_cell(setting.name)
        if named is not None:
            entry, ref, scoped = named
            cells[setting.name] = SettingCell(entry.name, ref.row, ref.column,
                                              _cell(sheets.grid(entry), ref.row, ref.column),
                                              named=not scoped)
    labelled = sheets.index.sheet(schema.SETTINGS)
    if labelled is not None:
        grid = sheets.grid(labelled)
        for name, row in _label_rows(grid).items():
            cells.setdefault(name, SettingCell(labelled.name, row, 2, _cell(grid, row, 2),
                                               named=False))
    return cells


def _read_settings(index: WorkbookIndex, cells: dict[str, SettingCell],
                   rates: list[RateRow]) -> tuple[Settings | None, list[Problem]]:
    """The settings from their cells; the problems name those cells."""
    if index.sheet(schema.SETTINGS) is None and not cells:
        return None, [Problem("", "", f"has no {schema.SETTINGS} sheet: add one (or start from "
                              "the template: xlsheet-outsource new)")]
    from .engine.inputs import read_settings  # loaded by now: see _import_parsers

    values = {name: cell.value for name, cell in cells.items()}
    return read_settings(values, lambda name: cells[name].address if name in cells else "B",
                                rates)


def _with_paperwork(sheets: _Sheets, settings: Settings, cells: dict[str, SettingCell],
                    notices: list[Problem]) -> Settings:
    """Settings with what only the accountant's sheet uses: TaxCountry, ReportingThreshold,
    YourName and the optional Vendors sheet (what cannot be used is added to ``notices``)."""
    from .engine.inputs import read_paperwork  # loaded by now: see _import_parsers

    values = {name: cell.value for name, cell in cells.items()}
    table = _vendors_table(sheets, notices)
    fields, found = read_paperwork(
        values, lambda name: cells[name].address if name in cells else "B",
        None if table is None else table.raw, None if table is None else table.locate)
    notices += found
    return dataclasses.replace(settings, **fields)  # type: ignore[arg-type]


def _vendors_table(sheets: _Sheets, notices: list[Problem]) -> SheetTable | None:
    """The Vendors sheet's table; None without one, or when the sheet of that name is
    the user's own (other headers: said in one line, and left alone)."""
    entry = sheets.index.sheet(schema.VENDORS)
    if entry is None or entry.kind != "worksheet":
        return None
    table, found = vendors_from_grid(entry.name, sheets.grid(entry))
    notices += found
    return table


def vendors_from_grid(sheet: str, grid: list[list[object]]
                      ) -> tuple[SheetTable | None, list[Problem]]:
    """The Vendors sheet's table from its values, and the notices about it; None when the
    sheet of that name is the user's own (other headers: said, and left alone)."""
    table, _ = table_from_grid(sheet, grid, schema.VENDOR_COLUMNS, ())
    if table is None:
        return None, [Problem(sheet, "", (
            f"has no {schema.VENDOR_COLUMNS[0].header} column in its first "
            f"{HEADER_SEARCH_ROWS} rows, so it is not read as the vendor details for the "
            "accountant (the sheet is left as it is)"))]
    return table, table.notices


def _unread_labels(sheets: _Sheets, found: dict[str, SettingCell]) -> list[Problem]:
    """A line for each label in column A of Settings that looks like a setting not found
    (a misspelling): that setting takes its default."""
    entry = sheets.index.sheet(schema.SETTINGS)
    missing = {schema.loose_header(s.label): s for s in schema.ALL_SETTINGS
               if s.name not in found}
    if entry is None or entry.kind != "worksheet" or not missing:
        return []
    notices = []
    for row_number, row in enumerate(sheets.grid(entry), start=1):
        text = schema.loose_header(row[0]) if row else ""
        close = difflib.get_close_matches(text, list(missing), n=1, cutoff=RESEMBLING)
        if text and close:
            setting = missing[close[0]]
            default = "" if setting.default is None else f"; until then it is {_shown(setting)}"
            notices.append(Problem(entry.name, f"A{row_number}", (
                f"label {str(row[0])!r} is not read; if it is {setting.label!r}, name it so"
                f"{default}")))
    return notices


def _shown(setting: schema.Setting) -> str:
    """A setting's default as the user types it: 100%, 250, USD."""
    if isinstance(setting.default, float):
        return f"{setting.default:.0%}" if setting.kind == "pct" else f"{setting.default:g}"
    return str(setting.default)


def _label_rows(grid: list[list[object]]) -> dict[str, int]:
    """Each setting's row (1-based) on a Settings grid: the first with its label or its
    name in column A."""
    labels, loose = {}, {}
    for setting in schema.ALL_SETTINGS:
        for text in (setting.label, setting.name):
            labels[schema.normalise_header(text)] = setting.name
            loose[schema.loose_header(text)] = setting.name
    rows: dict[str, int] = {}
    for row_number, row in enumerate(grid, start=1):
        name = (labels.get(schema.normalise_header(row[0]))
                or loose.get(schema.loose_header(row[0]))) if row else None
        if name:
            rows.setdefault(name, row_number)
    return rows


def settings_by_label(grid: list[list[object]], values: dict[str, object],
                      places: dict[str, str]) -> None:
    """Fill ``values``/``places`` from labels in column A for settings not found by name."""
    for name, row in _label_rows(grid).items():
        if name not in places:
            values[name] = _cell(grid, row, 2)
            places[name] = f"B{row}"


def _exchange_rates(sheets: _Sheets) -> list[RateRow]:
    """The exchange-rate table on Settings (version 2), found by its header row."""
    entry = sheets.index.sheet(schema.SETTINGS)
    return exchange_rate_rows(sheets.grid(entry)) if entry is not None else []


def exchange_rate_rows(grid: list[list[object]]) -> list[RateRow]:
    """The rows under the first "Foreign currency | Rate" header (the defined name
    ExchangeRates covers the same cells), down to the first blank row."""
    wanted = [schema.normalise_header(text) for text in schema.EXCHANGE_HEADERS]
    for row_number, row in enumerate(grid, start=1):
        texts = [schema.normalise_header(value) for value in row]
        for col in range(1, len(texts)):
            if texts[col - 1:col + 1] == wanted:
                return list(_rate_rows(grid, row_number, col))
    return []


def _rate_rows(grid: list[list[object]], header_row: int, col: int) -> Iterable[RateRow]:
    for row in range(header_row + 1, len(grid) + 1):
        code, rate = _cell(grid, row, col), _cell(grid, row, col + 1)
        if is_blank(code) and is_blank(rate):
            return
        yield RateRow(code, rate, f"{column_letter(col)}{row}",
                      f"{column_letter(col + 1)}{row}")


def _cell(grid: list[list[object]], row: int, col: int) -> object:
    if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
        return grid[row - 1][col - 1]
    return None


def _read_table(sheets: _Sheets, sheet: str, columns: tuple[schema.Column, ...],
                results: tuple[tuple[str, str, str], ...],
                fatal: list[Problem]) -> SheetTable | None:
    entry = sheets.index.sheet(sheet)
    if entry is None or entry.kind != "worksheet":
        fatal.append(Problem("", "", f"has no {sheet} sheet: add one (or start from the "
                             "template: xlsheet-outsource new)"))
        return None
    table, problem = table_from_grid(entry.name, sheets.grid(entry), columns, results,
                                     earlier=sheets.scoped_area(entry, schema.BLOCK_MARKER),
                                     not_items=sheets.not_items(entry))
    fatal += problem
    return table


def table_from_grid(sheet: str, grid: list[list[object]], columns: tuple[schema.Column, ...],
                    results: tuple[tuple[str, str, str], ...], *, earlier: Area | None = None,
                    not_items: set[int] | None = None
                    ) -> tuple[SheetTable | None, list[Problem]]:
    """An input table from a sheet's values (a list of rows from A1), wherever it came from.
    ``earlier``: the tool's block by its marker; ``not_items``: rows that are no item (an
    Excel Table's header and totals rows)."""
    import numpy as np  # here, not at the top: see _import_parsers
    import pandas as pd

    found = _find_header(grid, columns, results, earlier)
    if found is None:
        needed = ", ".join(c.header for c in columns if c.required)
        return None, [Problem(sheet, "", f"no header row with the columns {needed} "
                              f"in the first {HEADER_SEARCH_ROWS} rows")]
    header_row, keys, result_keys, last_user_column = found
    body = grid[header_row:]
    shortest = min(map(len, body), default=0)
    data = {key: list(map(itemgetter(col - 1), body)) if col <= shortest
            else [row[col - 1] if col - 1 < len(row) else None for row in body]
            for key, col in keys.items()}
    raw = pd.DataFrame(data, index=range(header_row + 1, header_row + 1 + len(body)), dtype=object)
    # Rows blank in every input column are dropped; a column is looked at only for the
    # rows blank in all the columns before it (most rows are done at the first).
    blank: Sequence[int] = range(len(body))
    for values in data.values():
        blank = [row for row in blank if is_blank(values[row])]
    filled = np.ones(len(body), dtype=bool)
    filled[list(blank)] = False
    filled[[row - header_row - 1 for row in not_items or () if header_row < row <= len(grid)]] \
        = False
    raw = raw[filled]
    notices = _unread_headers(sheet, header_row, grid[header_row - 1], columns, keys,
                              result_keys)
    return SheetTable(sheet, header_row, keys, result_keys, last_user_column + 1, raw,
                      earlier, notices), []


def _find_header(grid: list[list[object]], columns: tuple[schema.Column, ...],
                 results: tuple[tuple[str, str, str], ...], earlier: Area | None
                 ) -> tuple[int, dict[str, int], dict[str, int], int] | None:
    """The first row naming every required column; its input and computed columns. Each
    header is matched exactly (or by a synonym) first, then by its variants."""
    lookups = (schema.header_lookup(columns), schema.variant_lookup(columns))
    required = {c.key for c in columns if c.required}
    for row_number, row in enumerate(grid[:HEADER_SEARCH_ROWS], start=1):
        texts = [schema.normalise_header(value) for value in row]
        result_keys = _marked_block(earlier, row_number, texts, results) if earlier \
            else _result_block(texts, results)
        user = [col for col, text in enumerate(texts, start=1)
                if text and col not in result_keys.values()]
        keys: dict[str, int] = {}
        for lookup, normalise in zip(lookups, (schema.normalise_header, schema.loose_header)):
            for col in user:
                key = lookup.get(normalise(row[col - 1]))
                if key and key not in keys and col not in keys.values():
                    keys[key] = col
        if required <= keys.keys():
            return row_number, keys, result_keys, max(user, default=0)
    return None


def _marked_block(earlier: Area, header_row: int, texts: list[str],
                  results: tuple[tuple[str, str, str], ...]) -> dict[str, int]:
    """The columns of the block the marker names, when it heads on this row: our headers
    from its first column rightwards, in our order."""
    if earlier.first_row != header_row:
        return {}
    return _result_block(texts, results, earlier.first_column - 1)


def _unread_headers(sheet: str, header_row: int, header: list[object],
                    columns: tuple[schema.Column, ...], keys: dict[str, int],
                    result_keys: dict[str, int]) -> list[Problem]:
    """A line for each header that looks like a column the tool reads but is not taken
    as it (a misspelling, a wording not known): that column's blank default is used."""
    by_key = {column.key: column for column in columns}
    wanted = {loose: key for loose, key in schema.variant_lookup(columns).items()
              if key not in keys and by_key[key].read}
    notices = []
    for col, value in enumerate(header, start=1):
        text = schema.loose_header(value)
        if not text or col in keys.values() or col in result_keys.values():
            continue
        close = difflib.get_close_matches(text, list(wanted), n=1, cutoff=RESEMBLING)
        if close:
            column = by_key[wanted[close[0]]]
            blank = "" if column.required else f"; until then {column.header} is blank on every row"
            notices.append(Problem(sheet, f"{column_letter(col)}{header_row}",
                                   f"header {str(value)!r} is not read; if it is "
                                   f"{column.header!r}, name it so{blank}"))
    return notices


def _result_block(texts: list[str], results: tuple[tuple[str, str, str], ...],
                  start: int | None = None) -> dict[str, int]:
    """The columns of an earlier run's block: from ``start`` (0-based; else our first
    header) rightwards, our headers in our order (the user may have put columns between
    them). A user's own column that happens to be called "Reason", with no block before
    it, is not taken for ours."""
    wanted = [schema.normalise_header(header) for _, header, _ in results]
    if not wanted:  # a table the tool writes no block on (Vendors)
        return {}
    if start is None:
        if wanted[0] not in texts:
            return {}
        start = texts.index(wanted[0])
    block: dict[str, int] = {}
    next_wanted = 0
    for col in range(start, len(texts)):
        if texts[col] in wanted[next_wanted:]:
            position = wanted.index(texts[col], next_wanted)
            block[results[position][0]] = col + 1
            next_wanted = position + 1
    return block
