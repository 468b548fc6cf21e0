"""Write a decision back into the workbook: the computed blocks and the tool's own sheets.

The one seam to the writer. The workbook is changed as the zip package it is
(xlsheet_outsource.ooxml): the computed blocks on Tasks and Quotes are rewritten in
their sheets' XML, the Summary and For accountant sheets are replaced, and every
other part of the file is copied byte for byte, so nothing of the user's (charts,
pictures, macros, pivot tables, formulas and their saved results) is lost. The file
is replaced atomically, so a crash never leaves half a workbook behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ..engine import schema
from ..engine.model import Decision
from ..engine.problems import Problem
from ..engine.summary import Summary, summarise
from ..ooxml import notes, occupied, transplant, worksheet, xmltext
from ..ooxml.areas import Block
from ..ooxml.book import MACRO_SUFFIXES, WorkbookPackage
from ..ooxml.cells import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    Cell,
    CellValue,
    Formula,
    PlainValue,
    column_letter,
    rows_xml,
)
from ..ooxml.styles import StyleSheet
from ..reading import SheetTable, WorkbookInputs
from . import files, report_sheets, style

__all__ = ["MACRO_SUFFIXES", "BlockLayout", "Formulas", "Results", "write_results"]

Results = tuple[tuple[str, str, str], ...]  # schema.TASK_RESULTS / QUOTE_RESULTS

SAVING_BAR_COLOUR = "FF5B9BD5"
NAMING_COLUMNS = ("task", "vendor")  # what names a row of Tasks, of Quotes
MOST_FROZEN = 4  # columns kept in view left of the scrolling ones, at most
WIDEST_TEXT = 60  # a longer reason or problem runs on into the empty cells right of it
PRINT_TITLES = "_xlnm.Print_Titles"  # Excel's name for what is repeated on every page
PRINT_AREA = "_xlnm.Print_Area"


@dataclass(frozen=True)
class BlockLayout:
    """Where a computed block goes on its sheet (for whoever writes formulas into it)."""
    sheet: str
    header_row: int
    columns: Mapping[str, int]  # result key -> 1-based column
    inputs: Mapping[str, int]  # input key -> 1-based column (SheetTable.columns)
    rows: tuple[int, ...]  # the rows of the table's items


# Given each block's layout (by sheet name) and each task's best quote row (best_quote_rows,
# the Best quote row column's values, worked out once for both), the formulas to write:
# (sheet, row, column) -> formula text without "=", for cells of the blocks; each is
# written with the decided value as its saved result, so every reader shows the same figure.
Formulas = Callable[[Mapping[str, BlockLayout], pd.Series], Mapping[tuple[str, int, int], str]]


def write_results(found: WorkbookInputs, decision: Decision, target: Path | str, *,
                  run_date: dt.date | None = None, formulas: Formulas | None = None,
                  summary: Summary | None = None) -> None:
    """Write the computed blocks, Summary and For accountant into ``found.path``'s
    workbook, saved to ``target`` (which may be ``found.path`` itself). ``summary``:
    the decision's, when the caller has it already."""
    if found.tasks is None or found.quotes is None:
        raise ValueError(f"{found.path.name}: no Tasks or Quotes table to write results to")
    target = Path(target)
    # With formulas, the Best quote row column: its values, and what its formulas take.
    best_rows = best_quote_rows(decision) if formulas else None
    task_frame = decision.tasks if best_rows is None else decision.tasks.assign(best_row=best_rows)
    blocks = ((found.tasks, task_frame, schema.task_results(decision.version2, bool(formulas))),
              (found.quotes, decision.quotes, schema.QUOTE_RESULTS))
    with _collector_paused(), WorkbookPackage(found.path, found.package) as book:
        book.match_kind(target)
        layouts = {table.sheet: _layout(book, table, frame, results, found.notices)
                   for table, frame, results in blocks}
        planned = formulas(layouts, best_rows) if formulas and best_rows is not None else {}
        for table, frame, results in blocks:
            layout = layouts[table.sheet]
            link = _write_notes(book, table, layout,
                                header_notes(layout, _note_texts(bool(formulas))))
            _write_block(book, table, layout, frame, results, decision.settings.currency,
                         planned, elements=(link,) if link else ())
            _mark_block(book, layout)
        _replace_report_sheets(book, summary or summarise(decision),
                               run_date or dt.date.today(), found.notices)
        files.save_atomically(book, target, mode_from=found.path)


def best_quote_rows(decision: Decision) -> pd.Series:
    """The Quotes row of each decided task's best quote (rank 1), by task row; NaN when it
    has none (or is an ERROR row, which takes no quote), as the engine pairs them."""
    quotes = decision.quotes
    best = quotes.loc[quotes["rank"] == 1, "key"]
    row_of = pd.Series(best.index.astype(float), index=best.to_numpy())
    row_of = row_of[~row_of.index.duplicated(keep=False)]  # one rank 1 a task, else none
    tasks = decision.tasks
    return tasks["key"].map(row_of).where(tasks["error"].isna())


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while the workbook is written: the writing makes
    hundreds of thousands of short-lived tuples and no cycle worth collecting early, and each
    collection would walk the decided tables and everything else alive again."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


# --- the computed block ---------------------------------------------------------------

def _layout(book: WorkbookPackage, table: SheetTable, frame: pd.DataFrame,
            results: Results, notices: list[Problem]) -> BlockLayout:
    """Where the earlier block was, while nothing of the user's has come into its columns;
    else right of everything of the user's on the sheet, in any row."""
    width = len(results)
    earlier = min(table.result_columns.values(), default=None)
    # What lies wholly left of both places cannot decide: it is not looked for.
    theirs = _user_areas(book, table, min(table.first_free_column, earlier or EXCEL_COLUMNS))
    in_the_way = [area for area in theirs if earlier is not None
                  and area.meets_columns(earlier, earlier + width - 1)]
    start = earlier if earlier is not None and not in_the_way else max(
        [table.first_free_column - 1, *(area.last_column for area in theirs)]) + 1
    if start + width - 1 > EXCEL_COLUMNS:
        farthest = max(theirs or _user_areas(book, table), key=lambda area: area.last_column)
        raise ValueError(f"{table.sheet}!{farthest.address}: {farthest.what} of yours reaches "
                         f"column {column_letter(farthest.last_column)}, leaving no room for the "
                         "computed block right of it: move it left")
    if in_the_way:
        notices.append(Problem(table.sheet, in_the_way[0].address, (
            f"{in_the_way[0].what} of yours is where the computed block was: the block now "
            f"starts in column {column_letter(start)}")))
    columns = {key: start + i for i, (key, _, _) in enumerate(results)}
    return BlockLayout(table.sheet, table.header_row, columns, dict(table.columns),
                       tuple(int(row) for row in frame.index))


def _user_areas(book: WorkbookPackage, table: SheetTable,
                from_column: int = 1) -> list[occupied.Area]:
    """Everything of the user's on the table's sheet reaching ``from_column`` or right of
    it: all but the tool's earlier block (its columns, in the rows its marker names; from
    the header row down for a block written before there were markers)."""
    part = book.sheet_part(table.sheet)
    assert part is not None  # the table was read from this sheet of this same package
    earlier = table.earlier_block
    top, bottom = (earlier.first_row, earlier.last_row) if earlier else \
        (table.header_row, EXCEL_ROWS)
    ours = Block(frozenset(table.result_columns.values()), top, bottom)

    def linked(kind: str) -> list[bytes]:
        return [book.parts.read(link.target) for link in book.links(part)
                if link.type.endswith("/" + kind) and not link.external
                and link.target in book.parts]

    return occupied.sheet_areas(book.parts.read(part), linked, ours, from_column)


def _mark_block(book: WorkbookPackage, layout: BlockLayout) -> None:
    """The block's area as a hidden name of its sheet: the next run finds it by this (and
    Excel moves it with the block when the user inserts rows or columns)."""
    columns = sorted(layout.columns.values())
    last_row = max((*layout.rows, layout.header_row))
    area = (f"${column_letter(columns[0])}${layout.header_row}:"
            f"${column_letter(columns[-1])}${last_row}")
    book.workbook.set_hidden_name(book.sheet_position(layout.sheet), schema.BLOCK_MARKER,
                                  xmltext.escape(f"{_quoted(layout.sheet)}!{area}"))


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _write_block(book: WorkbookPackage, table: SheetTable, layout: BlockLayout,
                 frame: pd.DataFrame, results: Results, currency: str,
                 formulas: Mapping[tuple[str, int, int], str],
                 elements: tuple[tuple[str, bytes], ...] = ()) -> None:
    """Replace the tool's earlier block (if any) by a fresh one, rendered a column at a
    time; ``elements``: more of the sheet's children to add (SheetEdit.elements)."""
    header_style = book.styles.cell_style(font=style.HEADER_FONT, fill=style.HEADER_FILL,
                                          alignment=style.HEADER_ALIGNMENT)
    columns = tuple(layout.columns[key] for key, _, _ in results)
    header = worksheet.rendered_row(layout.header_row, {column: Cell(header, header_style)
                                                for column, (_, header, _) in zip(columns, results)})
    cells: list[tuple[str, Sequence[CellValue], int]] = []
    widths = {}
    for column, (key, title, kind) in zip(columns, results):
        values = _cell_values(frame[key])
        number_format = style.format_for(kind, currency, values)  # read once: hours scan all
        cells.append((column_letter(column),
                      _with_formulas(values, layout, column, formulas) if formulas else values,
                      _number_style(book, number_format)))
        widths[column] = _width(title, frame[key], number_format)
    written = {layout.header_row: header, **_rendered_rows(layout.rows, columns, cells)}
    earlier = table.earlier_block
    pages_wide = book.rewrite_sheet(layout.sheet, worksheet.SheetEdit(
        first_row=min(layout.header_row, earlier.first_row) if earlier else layout.header_row,
        last_row=max(earlier.last_row, *layout.rows, layout.header_row) if earlier else None,
        columns=frozenset({*table.result_columns.values(), *layout.columns.values()}),
        cells=written,
        widths=widths,
        formats=_verdict_formats(book.styles, layout) if "verdict" in layout.columns else (),
        view=table_view(layout, printed=_print_names_are_tools(book, layout)),
        elements=elements))
    if pages_wide:  # printed a few pages wide: its naming columns and header row on each
        titles = _print_titles(_quoted(layout.sheet), layout.header_row, _naming_columns(layout))
        book.workbook.set_scoped_name(book.sheet_position(layout.sheet), PRINT_TITLES,
                                      xmltext.escape(titles))


def _print_names_are_tools(book: WorkbookPackage, layout: BlockLayout) -> bool:
    """The workbook names no print set-up of the user's for the sheet: no print area, no
    print titles other than the tool's (the sheet's own page set-up, worksheet.rewrite
    judges: worksheet.View.printed)."""
    position = book.sheet_position(layout.sheet)
    return book.workbook.scoped_formula(position, PRINT_AREA) is None and \
        _tools_print_titles(book.workbook.scoped_formula(position, PRINT_TITLES), layout)


def _print_titles(sheet: str, header_row: int, named: int) -> str:
    """The first ``named`` columns (naming each row) and the header row, printed on every
    page, as Excel writes them: 'Tasks'!$A:$B,'Tasks'!$1:$1 (``sheet``: the sheet's name
    as the formula spells it)."""
    row = f"${header_row}"
    columns = f"{sheet}!$A:${column_letter(named)}," if named else ""
    return f"{columns}{sheet}!{row}:{row}"


def _tools_print_titles(formula: str | None, layout: BlockLayout) -> bool:
    """``formula`` (XML text) is none, or print titles as the tool writes them (a run
    before this one, the template): the header row, after up to MOST_FROZEN columns from
    A; the sheet's name quoted or, as Excel writes it when it may, not."""
    return formula is None or formula in {
        xmltext.escape(_print_titles(sheet, layout.header_row, named))
        for sheet in (_quoted(layout.sheet), layout.sheet) for named in range(MOST_FROZEN + 1)}


def _note_texts(live_formulas: bool) -> Mapping[str, str]:
    """The headers' notes; with live formulas, the columns still written as the engine's
    values say so."""
    if not live_formulas:
        return schema.RESULT_NOTES
    return {key: f"{text} {schema.FROM_ENGINE_NOTE}" if key in schema.FROM_ENGINE else text
            for key, text in schema.RESULT_NOTES.items()}


def header_notes(layout: BlockLayout, texts: Mapping[str, str]) -> dict[int, str]:
    """The hover note of each of the block's headers, by column."""
    return {column: texts[key] for key, column in layout.columns.items() if key in texts}


def _write_notes(book: WorkbookPackage, table: SheetTable, layout: BlockLayout,
                 texts: Mapping[int, str]) -> tuple[str, bytes] | None:
    """``texts`` as notes on the block's headers, replacing the tool's notes on the
    headers of this block and of an earlier one (every other note is kept); the element
    the sheet needs to show them, for the block's rewrite to add (None: it has it)."""
    earlier_row = table.earlier_block.first_row if table.earlier_block else table.header_row
    owned = {f"{column_letter(column)}{row}" for row in {earlier_row, table.header_row}
             for column in table.result_columns.values()}
    owned |= {f"{column_letter(column)}{row}" for row, column in table.headers_typed_over}
    headers = {column: f"{column_letter(column)}{layout.header_row}" for column in
               layout.columns.values()}
    return notes.set_notes_but_link(book, layout.sheet, notes.Notes(
        {headers[column]: text for column, text in texts.items()},
        frozenset(owned | set(headers.values())), schema.COMMENT_AUTHOR))


def table_view(layout: BlockLayout, *, printed: bool = False) -> worksheet.View:
    """The header row frozen, with the naming columns (_naming_columns); a filter over the
    table and its block, to sort and pick by verdict; when ``printed``, printed a few pages
    wide, the naming columns on each (worksheet.Printed)."""
    row = layout.header_row
    columns = [*layout.inputs.values(), *layout.columns.values()]
    last = max(layout.rows, default=row + 1)
    area = (f"{column_letter(min(columns))}{row}:{column_letter(max(columns))}{last}")
    named = _naming_columns(layout)
    return worksheet.View(freeze=(row + 1, named + 1), autofilter=area,
                          printed=worksheet.Printed(max(columns), named) if printed else None)


def _naming_columns(layout: BlockLayout) -> int:
    """How many columns from A name each row: up to the one that does (Task on Tasks,
    Vendor on Quotes) when it is near the left, else none."""
    named = min((layout.inputs[key] for key in NAMING_COLUMNS if key in layout.inputs),
                default=0)
    return named if named <= MOST_FROZEN else 0


def _width(header: str, values: pd.Series, number_format: str | None) -> float:
    """Wide enough for the header on one line (the user's header row keeps its height)
    and for the widest figure; text as wide as its longest item, up to a limit."""
    widest = max((style.column_width_for(style.text_pixels(text))
                  for text in style.texts_to_measure(values, number_format)), default=0)
    header_width = style.column_width_for(style.text_pixels(header, bold=True))
    return max(header_width, min(widest, WIDEST_TEXT))


def _with_formulas(values: list[PlainValue], layout: BlockLayout, column: int,
                   formulas: Mapping[tuple[str, int, int], str]) -> list[CellValue]:
    """The column's cells, those with a formula planned as it, the value as its result."""
    return [Formula(formulas[layout.sheet, row, column], value)
            if (layout.sheet, row, column) in formulas else value
            for row, value in zip(layout.rows, values)]


def _number_style(book: WorkbookPackage, number_format: str | None) -> int:
    """The cell format of a column: the tool's font, and for figures ``number_format``
    (style.format_for: with the decimals the column's figures need)."""
    return book.styles.cell_style(number_format=number_format, font=style.BODY_FONT)


def _cell_values(values: pd.Series) -> list[PlainValue]:
    """Plain Python values; floats (most figures) as they are, for rows_xml's quick path."""
    if values.dtype.kind in "fiub":  # numpy's numbers and truth values: tolist makes them plain
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
    version2 = "payback" in layout.columns  # a Tasks block with version 2's columns
    for verdict, (fill, font) in {**style.VERDICT_COLOURS,
                                  **(style.VERDICT_COLOURS_V2 if version2 else {})}.items():
        dxf = styles.differential_style(DifferentialStyle(
            font=Font(color=font, bold=True, strike=verdict in style.STRUCK_THROUGH or None),
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

# The tool's sheets as the versions before markers wrote them: their name and title.
UNMARKED_TITLES = {schema.SUMMARY: b"Outsourcing summary",
                   schema.ACCOUNTANT: b"Outsourcing spend, for the accounts"}


def _replace_report_sheets(book: WorkbookPackage, summary: Summary, run_date: dt.date,
                           notices: list[Problem]) -> None:
    """Made by openpyxl in a workbook of their own, then copied in with their charts; the
    long list of outsourced tasks is written into the copied sheet directly. Each replaces
    the tool's sheet of its kind, found by its marker, never a sheet of the user's."""
    names = {sheet: _report_sheet_name(book, sheet, notices) for sheet in schema.OWNED_SHEETS}
    scratch = Workbook()
    scratch.remove(scratch.active)
    if book.workbook.date1904:  # the dates written count from where the workbook's do
        scratch.epoch = CALENDAR_MAC_1904
    task_rows = report_sheets.replace_report_sheets(scratch, summary, run_date, task_rows=False,
                                                    names=names)
    transplant.copy_sheets(book, transplant.Donor.of(scratch), list(names.values()))
    for sheet, name in names.items():
        book.workbook.set_hidden_name(book.sheet_position(name), schema.SHEET_MARKER,
                                      xmltext.escape(f'"{schema.SHEET_KINDS[sheet]}"'))
    if task_rows is not None and len(task_rows.frame):
        _write_table_body(book, task_rows)


def _report_sheet_name(book: WorkbookPackage, sheet: str, notices: list[Problem]) -> str:
    names = book.sheet_names()

    def kind(name: str) -> str | None:
        formula = book.workbook.scoped_formula(book.sheet_position(name), schema.SHEET_MARKER)
        return None if formula is None else xmltext.unescape(formula).strip('"')

    return report_sheet_name(sheet, names, kind, lambda: _unmarked_report(book, sheet), notices)


def report_sheet_name(sheet: str, names: Sequence[str], kind: Callable[[str], str | None],
                      unmarked_report: Callable[[], bool], notices: list[Problem]) -> str:
    """The name of the tool's sheet of this kind: the one marked as it (``kind`` gives a
    sheet's mark), else ``sheet`` unless a sheet of the user's has that name (one the tool
    wrote before it marked its sheets is its own), else a free name (and the user is told)."""
    for name in names:
        if kind(name) == schema.SHEET_KINDS[sheet]:
            return name
    taken = {name.casefold() for name in names}
    if sheet.casefold() not in taken or unmarked_report():
        return sheet
    free = next(name for name in (f"{sheet} (outsourcing{n})" for n in ("", *map(
        lambda i: f" {i}", range(2, 100)))) if name.casefold() not in taken)
    notices.append(Problem("", "", f"a sheet of yours is called {sheet!r}: it is kept as it "
                           f"is, and the tool's {sheet} is the sheet {free!r}"))
    return free


def _unmarked_report(book: WorkbookPackage, sheet: str) -> bool:
    """A sheet the tool wrote before it marked its sheets: its title is the tool's."""
    part = book.sheet_part(sheet)
    if part is None or part not in book.parts or book.workbook.scoped_formula(
            book.sheet_position(sheet), schema.SHEET_MARKER) is not None:
        return False
    return b"<t>" + UNMARKED_TITLES[sheet] + b"</t>" in book.parts.read(part)[:4096]


def _write_table_body(book: WorkbookPackage, body: report_sheets.TableBody) -> None:
    rows = range(body.first_row, body.first_row + len(body.frame))
    cells = []
    for column, (key, _, kind) in enumerate(body.columns, start=1):
        values = _cell_values(body.frame[key])
        number_format = style.format_for(kind, body.currency, values)
        cells.append((column_letter(column), values, _number_style(book, number_format)))
    columns = tuple(range(1, len(body.columns) + 1))
    book.rewrite_sheet(body.sheet, worksheet.SheetEdit(
        first_row=body.first_row, columns=frozenset(),
        cells=_rendered_rows(rows, columns, cells)))


def _rendered_rows(rows: Sequence[int], columns: tuple[int, ...],
                   cells: Sequence[tuple[str, Sequence[CellValue], int]]
                   ) -> dict[int, worksheet.RenderedRow]:
    """The rows of ``cells`` (a column each: its letter, values and number style), each
    made in one go by rows_xml, as the package writer takes them."""
    return dict(zip(rows, zip(repeat(columns), rows_xml(rows, cells))))
