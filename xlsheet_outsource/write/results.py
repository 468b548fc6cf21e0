"""Write a decision back into the workbook: the computed blocks and the tool's own sheets.

The one seam to the writer. The workbook is changed as the zip package it is
(xlsheet_outsource.ooxml): the computed blocks on Tasks and Quotes are rewritten in
their sheets' XML, the Summary and For accountant sheets are replaced, and every
other part of the file is copied byte for byte, so nothing of the user's (charts,
pictures, macros, pivot tables, formulas and their saved results) is lost. The file
is replaced atomically, so a crash never leaves half a workbook behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle

from ..engine import schema
from ..engine.model import Decision
from ..engine.summary import Summary, summarise
from ..ooxml import transplant, worksheet
from ..ooxml.book import MACRO_SUFFIXES, WorkbookPackage
from ..ooxml.cells import Cell, CellValue, Formula, PlainValue, column_letter, column_xml
from ..ooxml.styles import StyleSheet
from ..reading import SheetTable, WorkbookInputs
from . import files, report_sheets, style

__all__ = ["MACRO_SUFFIXES", "BlockLayout", "Formulas", "Results", "write_results"]

Results = tuple[tuple[str, str, str], ...]  # schema.TASK_RESULTS / QUOTE_RESULTS

# Verdict -> (fill, font colour) of its conditional format.
VERDICT_COLOURS = {
    "OUTSOURCE": ("C6EFCE", "006100"),
    "KEEP": ("DCE3EA", "44546A"),
    "REVIEW": ("FFEB9C", "9C5700"),
    "NEEDS QUOTE": ("FFC7CE", "9C0006"),
    "ERROR": ("FFC7CE", "9C0006"),
}
SAVING_BAR_COLOUR = "FF5B9BD5"
NAMING_COLUMNS = ("task", "vendor")  # what names a row of Tasks, of Quotes
MOST_FROZEN = 4  # columns kept in view left of the scrolling ones, at most
WIDEST_TEXT = 60  # a longer reason or problem runs on into the empty cells right of it


@dataclass(frozen=True)
class BlockLayout:
    """Where a computed block goes on its sheet (for whoever writes formulas into it)."""
    sheet: str
    header_row: int
    columns: Mapping[str, int]  # result key -> 1-based column
    inputs: Mapping[str, int]  # input key -> 1-based column (SheetTable.columns)
    rows: tuple[int, ...]  # the rows of the table's items


# Given each block's layout (by sheet name), the formulas to write: (sheet, row, column)
# -> formula text without "=", for cells of the blocks; each is written with the
# decided value as its saved result, so every reader shows the same figure.
Formulas = Callable[[Mapping[str, BlockLayout]], Mapping[tuple[str, int, int], str]]


def write_results(found: WorkbookInputs, decision: Decision, target: Path | str, *,
                  run_date: dt.date | None = None, formulas: Formulas | None = None,
                  summary: Summary | None = None) -> None:
    """Write the computed blocks, Summary and For accountant into ``found.path``'s
    workbook, saved to ``target`` (which may be ``found.path`` itself). ``summary``:
    the decision's, when the caller has it already."""
    if found.tasks is None or found.quotes is None:
        raise ValueError(f"{found.path.name}: no Tasks or Quotes table to write results to")
    target = Path(target)
    blocks = ((found.tasks, decision.tasks, schema.TASK_RESULTS),
              (found.quotes, decision.quotes, schema.QUOTE_RESULTS))
    with WorkbookPackage(found.path, found.package) as book:
        book.match_kind(target)
        layouts = {table.sheet: _layout(book, table, frame, results)
                   for table, frame, results in blocks}
        planned = formulas(layouts) if formulas else {}
        for table, frame, results in blocks:
            _write_block(book, table, layouts[table.sheet], frame, results,
                         decision.settings.currency, planned)
        _replace_report_sheets(book, summary or summarise(decision),
                               run_date or dt.date.today())
        files.save_atomically(book, target, mode_from=found.path)


# --- the computed block ---------------------------------------------------------------

def _layout(book: WorkbookPackage, table: SheetTable, frame: pd.DataFrame,
            results: Results) -> BlockLayout:
    """Where the earlier block began, unless the user has since put a column of their own
    inside it: then right of the user's columns, so nothing of theirs is overwritten."""
    ours = set(table.result_columns.values())
    part = book.sheet_part(table.sheet)
    assert part is not None  # the table was read from this sheet of this same package
    headers = worksheet.filled_columns(book.parts.read(part), table.header_row)
    start = table.block_column
    if any(column in headers and column not in ours
           for column in range(start, start + len(results))):
        start = table.first_free_column
    columns = {key: start + i for i, (key, _, _) in enumerate(results)}
    return BlockLayout(table.sheet, table.header_row, columns, dict(table.columns),
                       tuple(int(row) for row in frame.index))


def _write_block(book: WorkbookPackage, table: SheetTable, layout: BlockLayout,
                 frame: pd.DataFrame, results: Results, currency: str,
                 formulas: Mapping[tuple[str, int, int], str]) -> None:
    """Replace the tool's earlier block (if any) by a fresh one, rendered a column at a time."""
    header_style = book.styles.cell_style(font=style.HEADER_FONT, fill=style.HEADER_FILL,
                                          alignment=style.HEADER_ALIGNMENT)
    columns = tuple(layout.columns[key] for key, _, _ in results)
    header = worksheet.rendered_row(layout.header_row, {column: Cell(header, header_style)
                                                for column, (_, header, _) in zip(columns, results)})
    texts = []
    for column, (key, _, kind) in zip(columns, results):
        values = _cell_values(frame[key])
        texts.append(column_xml(column_letter(column), layout.rows,
                                _with_formulas(values, layout, column, formulas) if formulas
                                else values, _number_style(book, kind, currency, values)))
    written = {layout.header_row: header, **_by_row(layout.rows, columns, texts)}
    book.rewrite_sheet(layout.sheet, worksheet.SheetEdit(
        first_row=layout.header_row,
        columns=frozenset({*table.result_columns.values(), *layout.columns.values()}),
        cells=written,
        widths={layout.columns[key]: _width(header, kind, frame[key], currency)
                for key, header, kind in results},
        formats=_verdict_formats(book.styles, layout) if "verdict" in layout.columns else (),
        view=_view(layout)))


def _view(layout: BlockLayout) -> worksheet.View:
    """The header row frozen, with the columns up to the one naming each row (Task on
    Tasks, Vendor on Quotes) when it is near the left; a filter over the table and its
    block, to sort and pick by verdict."""
    row = layout.header_row
    named = min((layout.inputs[key] for key in NAMING_COLUMNS if key in layout.inputs),
                default=0)
    columns = [*layout.inputs.values(), *layout.columns.values()]
    last = max(layout.rows, default=row + 1)
    area = (f"{column_letter(min(columns))}{row}:{column_letter(max(columns))}{last}")
    return worksheet.View(freeze=(row + 1, named + 1 if named <= MOST_FROZEN else 1),
                          autofilter=area)


def _width(header: str, kind: str, values: pd.Series, currency: str) -> float:
    """Wide enough for the header on one line (the user's header row keeps its height)
    and for the widest figure; text as wide as its longest item, up to a limit."""
    number_format = style.format_for(kind, currency, values)
    texts = [style.shown(style.plain(value), number_format) for value in values]
    widest = max((style.column_width_for(style.text_pixels(text)) for text in texts), default=0)
    header_width = style.column_width_for(style.text_pixels(header, bold=True))
    return max(header_width, min(widest, WIDEST_TEXT))


def _with_formulas(values: list[PlainValue], layout: BlockLayout, column: int,
                   formulas: Mapping[tuple[str, int, int], str]) -> list[CellValue]:
    """The column's cells, those with a formula planned as it, the value as its result."""
    return [Formula(formulas[layout.sheet, row, column], value)
            if (layout.sheet, row, column) in formulas else value
            for row, value in zip(layout.rows, values)]


def _number_style(book: WorkbookPackage, kind: str, currency: str,
                  values: Sequence[object]) -> int:
    """The cell format of a column of this kind: the tool's font, and for figures the
    number format with the decimals ``values`` need."""
    return book.styles.cell_style(number_format=style.format_for(kind, currency, values),
                                  font=style.BODY_FONT)


def _by_row(rows: Sequence[int], columns: tuple[int, ...],
            texts: list[list[str]]) -> dict[int, worksheet.RenderedRow]:
    """Cells rendered a column at a time (``texts``, one list a column), row by row."""
    return dict(zip(rows, zip(repeat(columns), zip(*texts))))


def _cell_values(values: pd.Series) -> list[PlainValue]:
    """Plain Python values; floats (most figures) as they are, for column_xml's quick path."""
    if values.dtype.kind == "f":
        return values.tolist()
    # Results hold numbers, text, booleans and blanks: cast, not checked cell by cell (hot path).
    return cast(list[PlainValue], [value if type(value) in (float, str) else style.plain(value)
                                  for value in values.tolist()])


def _verdict_formats(styles: StyleSheet, layout: BlockLayout
                     ) -> tuple[worksheet.ConditionalFormat, ...]:
    """Verdict coloured by its value; Annual saving with a bar showing its size."""
    if not layout.rows:
        return ()
    first, last = layout.header_row + 1, max(max(layout.rows), layout.header_row + 1)
    rules = []
    for verdict, (fill, font) in VERDICT_COLOURS.items():
        dxf = styles.differential_style(DifferentialStyle(
            font=Font(color=font, bold=True),
            fill=PatternFill("solid", start_color=fill, end_color=fill)))
        rules.append(worksheet.Rule("cellIs", (("dxfId", str(dxf)), ("operator", "equal"),
                                               ("stopIfTrue", "1")),
                                    f"<formula>&quot;{verdict}&quot;</formula>"))
    bar = worksheet.Rule("dataBar", (), '<dataBar><cfvo type="min"/><cfvo type="max"/>'
                                        f'<color rgb="{SAVING_BAR_COLOUR}"/></dataBar>')
    return (worksheet.ConditionalFormat(_column_range(layout.columns["verdict"], first, last),
                                        tuple(rules)),
            worksheet.ConditionalFormat(_column_range(layout.columns["saving"], first, last),
                                        (bar,)))


def _column_range(column: int, first: int, last: int) -> str:
    letter = column_letter(column)
    return f"{letter}{first}:{letter}{last}"


# --- Summary and For accountant ---------------------------------------------------------

def _replace_report_sheets(book: WorkbookPackage, summary: Summary, run_date: dt.date) -> None:
    """Made by openpyxl in a workbook of their own, then copied in with their charts; the
    long list of outsourced tasks is written into the copied sheet directly."""
    scratch = Workbook()
    scratch.remove(scratch.active)
    task_rows = report_sheets.replace_report_sheets(scratch, summary, run_date, task_rows=False)
    transplant.copy_sheets(book, transplant.Donor.of(scratch), schema.OWNED_SHEETS)
    if task_rows is not None and len(task_rows.frame):
        _write_table_body(book, task_rows)


def _write_table_body(book: WorkbookPackage, body: report_sheets.TableBody) -> None:
    rows = range(body.first_row, body.first_row + len(body.frame))
    texts = []
    for column, (key, _, kind) in enumerate(body.columns, start=1):
        values = _cell_values(body.frame[key])
        texts.append(column_xml(column_letter(column), rows, values,
                                _number_style(book, kind, body.currency, values)))
    columns = tuple(range(1, len(body.columns) + 1))
    book.rewrite_sheet(body.sheet, worksheet.SheetEdit(
        first_row=body.first_row, columns=frozenset(), cells=_by_row(rows, columns, texts)))
