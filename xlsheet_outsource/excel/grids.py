"""Deciding from sheet values held as grids (lists of rows from A1), wherever they came from.

Excel ranges read through xlwings, an OUTSOURCE_TABLE argument, a sheet of an
in-memory workbook: each becomes a grid, and this module runs it through the
same reading logic as a workbook file (reading.table_from_grid,
reading.settings_by_label, inputs.read_settings) and the same engine
(api.decide), then lays the results out as the rows of the computed blocks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import api
from ..engine import inputs, schema
from ..engine.inputs import Problem
from ..engine.model import Decision, Settings
from ..ooxml.areas import Area
from ..reading import (
    SheetTable,
    WorkbookInputs,
    exchange_rate_rows,
    settings_by_label,
    table_from_grid,
    vendors_from_grid,
)
from ..write import style

Grid = list[list[object]]
Results = tuple[tuple[str, str, str], ...]

# Excel (through COM) hands a time of day over as a datetime on its day zero.
EXCEL_DAY_ZERO = dt.date(1899, 12, 30)


def excel_value(value: object) -> object:
    """One cell's value as the readers expect it, whatever delivered it."""
    if isinstance(value, dt.datetime) and value.date() == EXCEL_DAY_ZERO:
        return value.time()  # "1:30" typed in Hours each: a duration, as calamine reads it
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def as_grid(value: object) -> Grid:
    """A range's values as rows: a 2D list as it is, a 1D list as one row, a value as 1x1."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[excel_value(value)]]
    rows = [row.tolist() if isinstance(row, np.ndarray) else row for row in value]
    if not any(isinstance(row, (list, tuple)) for row in rows):
        rows = [rows]
    return [[excel_value(v) for v in (row if isinstance(row, (list, tuple)) else [row])]
            for row in rows]


def missing_sheet(sheet: str) -> Problem:
    return Problem("", "", f"has no {sheet} sheet: add one (or start from the template: "
                           "xlsheet-outsource new)")


def read_settings(grid: Grid | None, named: Mapping[str, tuple[object, str]] | None = None
                  ) -> tuple[Settings | None, list[Problem]]:
    """Settings by defined name first ({name: (value, cell)}), else by label in column A
    of ``grid`` (None: there is no Settings sheet)."""
    named = named or {}
    if grid is None and not named:
        return None, [missing_sheet(schema.SETTINGS)]
    values, places = _setting_values(grid, named)
    rates = exchange_rate_rows(grid) if grid is not None else []
    return inputs.read_settings(values, lambda name: places.get(name, "B"), rates)


def _setting_values(grid: Grid | None, named: Mapping[str, tuple[object, str]]
                    ) -> tuple[dict[str, object], dict[str, str]]:
    """Each setting's value and cell: by defined name, else by its label on ``grid``."""
    values = {name: value for name, (value, _) in named.items()}
    places = {name: place for name, (_, place) in named.items()}
    if grid is not None:
        settings_by_label(grid, values, places)
    return values, places


def with_paperwork(settings: Settings, grid: Grid | None,
                   named: Mapping[str, tuple[object, str]], vendors: Grid | None
                   ) -> tuple[Settings, list[Problem]]:
    """Settings with what only For accountant uses (Tax country, Reporting threshold, Your
    name, the Vendors sheet's rows), as a workbook file is read; and the notices about what
    could not be used (never a reason not to decide)."""
    values, places = _setting_values(grid, named)
    table, notices = (None, []) if vendors is None else vendors_from_grid(schema.VENDORS,
                                                                           vendors)
    fields, found = inputs.read_paperwork(
        values, lambda name: places.get(name, "B"), None if table is None else table.raw,
        None if table is None else table.locate)
    return dataclasses.replace(settings, **fields), [*notices, *found]  # type: ignore[arg-type]


@dataclass
class GridInputs:
    """One input table's sheet name and values (None: the sheet is missing), and where
    the tool's marker says its block was."""
    sheet: str
    grid: Grid | None
    earlier: Area | None = None


@dataclass
class GridDecision:
    found: WorkbookInputs
    decision: Decision | None = None
    fatal: list[Problem] = field(default_factory=list)
    grids: dict[str, Grid] = field(default_factory=dict)  # each table's values, by sheet


def decide_grids(tasks: GridInputs, quotes: GridInputs,
                 settings: tuple[Settings | None, list[Problem]],
                 notices: list[Problem] | None = None) -> GridDecision:
    """Read both tables from their grids and decide them, as decide_workbook does for a file."""
    found = WorkbookInputs(Path())  # no file: the values came from elsewhere
    found.settings, found.fatal = settings[0], list(settings[1])
    found.notices = list(notices or [])
    found.tasks = _table(tasks, schema.TASK_INPUTS, schema.ALL_TASK_RESULTS, found.fatal)
    found.quotes = _table(quotes, schema.QUOTE_INPUTS, schema.QUOTE_RESULTS, found.fatal)
    grids = {given.sheet: given.grid for given in (tasks, quotes) if given.grid is not None}
    return GridDecision(found, api.decide_found(found), fatal=found.fatal, grids=grids)


def _table(given: GridInputs, columns: tuple[schema.Column, ...], results: Results,
           fatal: list[Problem]) -> SheetTable | None:
    if given.grid is None:
        fatal.append(missing_sheet(given.sheet))
        return None
    table, problems = table_from_grid(given.sheet, given.grid, columns, results,
                                      earlier=given.earlier)
    fatal += problems
    return table


def block_rows(table: SheetTable, frame: pd.DataFrame, results: Results,
               last_row: int) -> Grid:
    """The computed block from the header row down to ``last_row``: headers, then each
    sheet row's results (blank where the sheet row holds no task), as ``process`` writes them."""
    keys = [key for key, _, _ in results]
    by_row = dict(zip(frame.index, frame[keys].itertuples(index=False, name=None)))
    rows: Grid = [[header for _, header, _ in results]]
    for row in range(table.header_row + 1, last_row + 1):
        values = by_row.get(row)
        rows.append([style.plain(v) for v in values] if values else [None] * len(keys))
    return rows


def block_column(grid: Grid, table: SheetTable, results: Results) -> int:
    """Where the block goes: where it was, unless something of the user's (a header, or a
    value in any row) is now inside it; then right of everything of theirs on the sheet,
    so nothing of theirs is overwritten (as ``process`` places it)."""
    header = grid[table.header_row - 1]
    ours = {schema.normalise_header(text) for _, text, _ in results} | {  # and the earlier
        schema.normalise_header(header[column - 1]) for column in table.result_columns.values()}
    marked = table.earlier_block  # the tool's marker: where the block was, by its area
    start = marked.first_column if marked and table.result_columns else table.block_column
    earlier = _earlier_block(table, start, len(results), len(grid))
    inside = header[start - 1:start - 1 + len(results)]
    if any(schema.normalise_header(text) not in ours | {""} for text in inside) or any(
            column >= start for column in _users_columns(grid, earlier, start + len(results))):
        return max(table.first_free_column, max(_users_columns(grid, earlier), default=0) + 1)
    return start


def _earlier_block(table: SheetTable, start: int, width: int, rows: int) -> Area | None:
    """The cells an earlier run wrote at ``start`` (none if the block was never there)."""
    marked = table.earlier_block
    if marked and table.result_columns and start == marked.first_column:
        return marked
    if not table.result_columns or start != table.block_column:
        return None
    return Area(start, table.header_row, start + width - 1, rows, "the tool's block")


def _users_columns(grid: Grid, earlier: Area | None, before: int | None = None) -> set[int]:
    """The 1-based columns (left of ``before``, if given) holding anything in any row,
    the earlier block's own cells left out."""
    used = set()
    for number, row in enumerate(grid, start=1):
        for column, value in enumerate(row[:before and before - 1], start=1):
            if value is None or value == "":
                continue
            if earlier and earlier.meets_columns(column, column) and \
                    earlier.first_row <= number <= earlier.last_row:
                continue
            used.add(column)
    return used


def column_formats(results: Results, currency: str, frame: pd.DataFrame) -> list[str | None]:
    """Each block column's number format, as the writer gives its cells."""
    return [style.format_for(kind, currency, frame[key]) for key, _, kind in results]
