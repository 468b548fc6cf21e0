"""A worksheet part, rewritten as a stream of rows: a block of cells replaced, the rest
kept byte for byte.

Rows that hold nothing of the block are copied as they are; a row that does keeps its
attributes and every other cell. Around the cells: the dimension grows to cover the
block, the block's columns get their widths, and the conditional formats lying wholly
in the block's columns (the tool's, from an earlier run) give way to the new ones,
placed where CT_Worksheet's element order wants them. No DOM of the sheet is built.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from . import xmltext
from .cells import Cell, cell_xml, column_letter, column_number

# CT_Worksheet's children after sheetData, in schema order.
_AFTER_SHEET_DATA = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst")
_RANK = {name.encode(): rank for rank, name in enumerate(_AFTER_SHEET_DATA)}
_KNOWN_NAME = re.compile(rb"<(?:[\w.-]+:)?(" + b"|".join(_RANK) + rb")[\s/>]")
_RANGE = re.compile(rb"\$?([A-Za-z]{1,3})?\$?(\d+)?(?::\$?([A-Za-z]{1,3})?\$?(\d+)?)?$")
_PRIORITY = re.compile(rb"<(?:[\w.-]+:)?cfRule\b[^>]*?\spriority=\"(\d+)\"")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_CELL_REF = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
_SPANS = re.compile(rb'\sspans="(\d+):(\d+)"')
_PANE = re.compile(rb"<(?:[\w.-]+:)?pane[\s/>]")
_FILTER_OR_TABLE = re.compile(rb"<(?:[\w.-]+:)?(?:autoFilter|tableParts)[\s/>]")
# Printing: pageSetup's attributes that say how a sheet fits the paper.
_FITTING = ("orientation", "scale", "fitToWidth", "fitToHeight", "pageOrder")
# A sheet a few pages wide prints each band of rows whole before the next: page 2 holds
# the rest of page 1's rows (their computed columns), not the next rows' inputs.
TOOLS_PAGE_ORDER = "overThenDown"
MOST_PAGES_WIDE = 4  # a wider table prints smaller rather than on more pages side by side
# Calibri 11 printed at 75% is about 8 pt, the smallest type that still reads easily on
# paper (footnote size); smaller, and a wide table is better split over pages.
LEAST_SCALE = 0.75
# paperSize -> a landscape page's (width, height) in inches: Letter, Tabloid, Legal, A3,
# A4, A5; Letter for any other (paper).
PAPER = {1: (11.0, 8.5), 3: (17.0, 11.0), 5: (14.0, 8.5), 8: (16.54, 11.69),
         9: (11.69, 8.27), 11: (8.27, 5.83)}
_EXCEL_SIDE_MARGINS = 0.7 + 0.7  # inches, left and right, when the sheet gives none
PIXELS_PER_INCH = 96
DEFAULT_COLUMN_WIDTH = 64 / 7  # Excel's 8.43 digits and padding (64 pixels), as <col> widths count
# A column w wide prints about w * 7 pixels at 96 dpi: the width counts Calibri 11's
# digits (7 pixels) with the cell's padding already in it (ECMA-376, 18.3.1.13).
DIGIT_PIXELS = 7


def paper(size: object) -> tuple[float, float]:
    """A landscape page of paperSize ``size`` (as the sheet gives it, or None), in inches."""
    text = str(size or "")
    return PAPER.get(int(text) if text.isdigit() else 1, PAPER[1])


@dataclass(frozen=True)
class Rule:
    """One conditional formatting rule; ``body`` is its content, unprefixed."""
    type: str
    attributes: tuple[tuple[str, str], ...] = ()
    body: str = ""


@dataclass(frozen=True)
class ConditionalFormat:
    sqref: str
    rules: tuple[Rule, ...]


# A row's new cells as XML already (unprefixed, cells.rows_xml), in column order, joined:
# how a big block is given. ``columns``: those it writes (a blank among them, nothing).
RenderedRow = tuple[tuple[int, ...], str]  # (columns, cells)
Pieces = list[bytes | memoryview]  # a part in pieces to join: views into the sheet, copied once


def rendered_row(number: int, cells: Mapping[int, Cell] | RenderedRow) -> RenderedRow:
    if isinstance(cells, tuple):
        return cells
    columns = tuple(sorted(cells))
    return columns, "".join(cell_xml(f"{column_letter(c)}{number}", cells[c]) for c in columns)


def _row_xml(row: RenderedRow, prefix: bytes) -> bytes:
    text = row[1].encode()
    return xmltext.prefixed(text, prefix) if prefix else text


_NEW_CELL = '<c r="'  # how each new cell starts; never inside one (its text is escaped)
_LETTERS = re.compile("[A-Z]+")


def _cells_written(row: RenderedRow) -> list[tuple[int, str]]:
    """The row's new cells one by one, each with its column (blanks write none)."""
    return [(_column_at(text, 0), _NEW_CELL + text) for text in row[1].split(_NEW_CELL)[1:]]


def _extent(row: RenderedRow) -> list[int]:
    """The first and the last column the row writes a cell in (none: [])."""
    last = row[1].rfind(_NEW_CELL)
    if last < 0:
        return []
    return [_column_at(row[1], len(_NEW_CELL)), _column_at(row[1], last + len(_NEW_CELL))]


def _column_at(text: str, at: int) -> int:
    letters = _LETTERS.match(text, at)
    assert letters is not None  # made by cells.cell_xml: r= gives letters first
    return column_number(letters[0].encode())


@dataclass(frozen=True)
class Printed:
    """A table to print landscape, fitted to the fewest pages wide (pages_wide) that hold
    its columns 1 to ``last``, the first ``titles`` of them repeated on every page."""
    last: int
    titles: int


@dataclass(frozen=True)
class View:
    """How a table reads: the sheet frozen above and left of ``freeze`` (the row and
    column of the first cell that scrolls) unless it has panes of its own; a filter over
    ``autofilter`` unless it has a filter or a table already; printed as ``printed`` says
    unless the sheet's own print set-up is the user's (_users_print_setup). None: printed
    as the sheet says (the caller's choice when the workbook names print set-up of the
    user's for the sheet: a print area, print titles of theirs)."""
    freeze: tuple[int, int] | None = None
    autofilter: str | None = None
    printed: Printed | None = None


@dataclass
class SheetEdit:
    """What to change: cells in ``columns`` from ``first_row`` down (to ``last_row``, when
    given) are removed; ``cells`` are written (replacing any cell at the same place)."""
    first_row: int
    columns: frozenset[int]
    cells: Mapping[int, Mapping[int, Cell] | RenderedRow]  # row -> column -> cell
    widths: Mapping[int, float] = field(default_factory=dict)
    formats: tuple[ConditionalFormat, ...] = ()  # replace those wholly within ``columns``
    view: View = View()
    last_row: int | None = None
    # CT_Worksheet's children after sheetData to add: (name, XML unprefixed)
    elements: tuple[tuple[str, bytes], ...] = ()

    def clears(self, row: int) -> bool:
        return self.first_row <= row and (self.last_row is None or row <= self.last_row)


@dataclass(frozen=True, eq=False)
class Rewritten:
    pieces: Pieces  # the new part, to join (or compress) in order: views into the old among them
    removed_formulas: bool  # a formula cell is gone (the calculation chain may name it)
    pages_wide: int = 0  # how many pages wide it now prints (0: as it did; View.printed)

    @property
    def xml(self) -> bytes:
        return b"".join(self.pieces)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rewritten) and (
            self.xml, self.removed_formulas, self.pages_wide) == (
            other.xml, other.removed_formulas, other.pages_wide)


class _Syntax:
    """The patterns for one prefix of the main namespace ("" or "x:", say)."""

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.p = prefix.decode()
        self.row_start = re.compile(rb"<" + p + rb"row(?=[\s/>])([^>]*?)(/?)>")
        self.row_end = b"</" + prefix + b"row>"
        self.row_opening = b"<" + prefix + b"row"
        self.cell = re.compile(rb"<" + p + rb"c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)",
                               re.S)
        self.formula = re.compile(rb"<" + p + rb"f[\s/>]")
        self.value = (b"<" + prefix + b"v>", b"<" + prefix + b"is")
        self.cell_start = b"<" + prefix + b"c"

    @functools.cache  # noqa: B019 (a few Syntax objects, one per namespace prefix, live all run)
    def cell_opening(self, column: int) -> bytes:
        """How a cell of this column starts, as Excel and most writers write it."""
        return f'<{self.p}c r="{column_letter(column)}'.encode()


_syntax = functools.lru_cache(maxsize=None)(_Syntax)


_ANY_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")


def has_formulas(xml: bytes) -> bool:
    return _ANY_FORMULA.search(xml) is not None


def sheet_prefix(xml: bytes) -> bytes:
    return xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))


class _Row(NamedTuple):
    xml: bytes  # the whole part
    start: int
    content: int  # the cells from here...
    close: int  # ...to here
    end: int
    attributes: bytes
    number: int

    @property
    def inner(self) -> bytes:
        return self.xml[self.content:self.close]


@dataclass(frozen=True)
class _SheetData:
    start: int
    content: int  # rows from here...
    inner_end: int  # ...to here
    end: int

    @property
    def empty_tag(self) -> bool:
        return self.content == self.end


def _sheet_data(xml: bytes, prefix: bytes) -> _SheetData:
    found = re.compile(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>").search(xml)
    if found is None:
        raise ValueError("the worksheet has no sheetData")
    if found[1]:
        return _SheetData(found.start(), found.end(), found.end(), found.end())
    closing = b"</" + prefix + b"sheetData>"
    inner_end = xml.index(closing, found.end())
    return _SheetData(found.start(), found.end(), inner_end, inner_end + len(closing))


_UNADDRESSED_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,3}\d)')


def filled_rows(xml: bytes, from_column: int = 1) -> dict[int, list[int]]:
    """Column -> the rows where a cell of it holds a value or a formula, for the columns
    from ``from_column`` rightwards. A sheet written the usual way (every cell addressed,
    no prefix) is read in one pass of a pattern (a cell with content is one not closed at
    once), which skips the cells left of ``from_column`` (most of a sheet, often all);
    any other, cell by cell."""
    prefix = sheet_prefix(xml)
    data = _sheet_data(xml, prefix)
    if not prefix and _cell_not_left_of(from_column).search(xml, data.content,
                                                            data.inner_end) is None:
        return {}  # every cell addressed the usual way, left of them all: one pass told it
    if prefix or _UNADDRESSED_CELL.search(xml, data.content, data.inner_end) is not None:
        parsed = _filled_rows_parsed(xml, data, _syntax(prefix))
        return {column: rows for column, rows in parsed.items() if column >= from_column}
    by_letters: dict[bytes, list[int]] = {}
    for letters, row in _filled_cell_from(from_column).findall(xml, data.content,
                                                                data.inner_end):
        by_letters.setdefault(letters, []).append(int(row))
    return {column_number(letters): rows for letters, rows in by_letters.items()}


@functools.lru_cache(maxsize=64)
def _cell_not_left_of(column: int) -> re.Pattern[bytes]:
    """A cell not addressed the usual way, or at ``column`` or right of it."""
    return re.compile(rb'<c(?=[\s/>])(?! r="(?:' + _left_of_column(column) + rb')\d)')


@functools.lru_cache(maxsize=64)
def _filled_cell_from(column: int) -> re.Pattern[bytes]:
    """A cell with content (not closed at once) at ``column`` or right of it."""
    return re.compile(rb'<c r="(' + _at_or_right(column) + rb')(\d+)"(?:\s[^>]*)?(?<!/)>')


def _filled_rows_parsed(xml: bytes, data: _SheetData, syntax: _Syntax) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for row in _rows(xml, data, syntax):
        for column, cell in _cells(row.inner, syntax):
            content = cell[2]
            if content and (any(mark in content for mark in syntax.value)
                            or syntax.formula.search(content)):
                found.setdefault(column, []).append(row.number)
    return found


def rewrite(xml: bytes, edit: SheetEdit) -> Rewritten:
    prefix = sheet_prefix(xml)
    data = _sheet_data(xml, prefix)
    top = xmltext.root(xml)
    end = xmltext.inner_end(xml, top)
    pages = 0 if edit.view.printed is None else _pages_wide(
        xml[top.content:data.start], xml[data.end:end], edit.view.printed, edit.widths)
    head = _with_pane(xml[:data.start], top, edit.view.freeze, prefix)
    if pages:
        head = _fitting_to_page(head, top, prefix)
    head = _with_columns(_with_dimension(head, top, edit), top, edit, prefix)
    body, removed = _rows_rewritten(xml, data, edit, prefix)
    tail = _with_formats(xml, data.end, end, edit, prefix)
    tail = _with_autofilter(tail, edit.view.autofilter, prefix)
    if pages:
        tail = _printed_landscape(tail, pages, prefix)
    for name, element in edit.elements:
        tail = _with_child(tail, name, element, prefix)
    return Rewritten([head, *body, tail, memoryview(xml)[end:]], removed, pages)


# --- sheetData ----------------------------------------------------------------------------

def _rows(xml: bytes, data: _SheetData, syntax: _Syntax) -> Iterable[_Row]:
    """Each row with its number (rows without r= follow the previous one)."""
    number, position = 0, data.content
    while True:
        opening = syntax.row_start.search(xml, position, data.inner_end)
        if opening is None:
            return
        content = opening.end()
        if opening[2]:  # <row .../>
            close = end = content
        else:
            close = xml.find(syntax.row_end, content, data.inner_end)
            if close < 0:
                raise ValueError(f"a row is not closed (at {opening.start()})")
            end = close + len(syntax.row_end)
        explicit = _ROW_NUMBER.search(opening[1])
        number = int(explicit[1]) if explicit else number + 1
        yield _Row(xml, opening.start(), content, close, end, opening[1], number)
        position = end


def _cells(inner: bytes, syntax: _Syntax) -> Iterable[tuple[int, re.Match[bytes]]]:
    """Each cell of a row with its column (cells without r= follow the previous one)."""
    column = 0
    for cell in syntax.cell.finditer(inner):
        ref = _CELL_REF.search(cell[1])
        column = column_number(ref[1]) if ref else column + 1
        yield column, cell


def _rows_rewritten(xml: bytes, data: _SheetData, edit: SheetEdit,
                    prefix: bytes) -> tuple[Pieces, bool]:
    """sheetData rewritten, in pieces to join."""
    syntax = _syntax(prefix)
    block = sorted(edit.columns)
    new_rows = sorted(edit.cells)
    rendered = {number: cells if isinstance(cells, tuple) else rendered_row(number, cells)
                for number, cells in edit.cells.items()}  # a big block's are already
    appended = _cells_appended(xml, data, edit, rendered, syntax)
    if appended is not None:
        return appended, False
    pending = 0  # the next of new_rows not yet written
    out: Pieces = []
    copied_to = data.start
    removed = False
    for row in _rows(xml, data, syntax):
        while pending < len(new_rows) and new_rows[pending] < row.number:
            out += [xml[copied_to:row.start], _new_row(new_rows[pending], rendered, syntax)]
            copied_to = row.start
            pending += 1
        written = rendered.get(row.number, _NOTHING)
        if pending < len(new_rows) and new_rows[pending] == row.number:
            pending += 1
        changing = block if edit.clears(row.number) else []
        if not edit.columns.issuperset(written[0]) or not changing:
            changing = sorted(set(changing).union(written[0]))
        if not changing:
            continue
        if row.close > row.content and _left_of(row, changing[0], syntax):
            if written[0]:  # cells added at the end, the row copied unparsed
                out += _appended(xml[copied_to:row.start], row, written, syntax)
                copied_to = row.close
            continue
        rebuilt, gone = _row_rebuilt(row, written, changing, syntax)
        if rebuilt is not None:
            out += [xml[copied_to:row.start], rebuilt]
            copied_to = row.end
            removed |= gone
    rest = [_new_row(number, rendered, syntax) for number in new_rows[pending:]]
    if data.empty_tag:
        if not rest:
            return [xml[data.start:data.end]], removed
        p = syntax.p
        return [f"<{p}sheetData>".encode(), *rest, f"</{p}sheetData>".encode()], removed
    out += [xml[copied_to:data.inner_end], *rest, xml[data.inner_end:data.end]]
    return out, removed


_NOTHING: RenderedRow = ((), "")
_ROW_OPENING = re.compile(rb'<row r="(\d+)"')


def _cells_appended(xml: bytes, data: _SheetData, edit: SheetEdit,
                    rendered: Mapping[int, RenderedRow], syntax: _Syntax) -> Pieces | None:
    """sheetData with the new cells put at the end of their rows, the rows split apart at
    their closing tags rather than parsed: when every cell of the sheet lies left of the
    new ones (a first run), or every cell from there on is one of the block's, which goes
    (a re-run). None when that cannot be told cheaply (prefixes, tags written otherwise
    than r= first, formulas in the old block, cells out of order): the caller parses.
    The rows kept are views into ``xml``: the sheet is copied once, into the result."""
    layouts = {columns for columns, _ in rendered.values()}  # a block's rows share theirs
    leftmost = min([*edit.columns, *(columns[0] for columns in layouts if columns)], default=None)
    first, last = data.content, data.inner_end
    if syntax.p or data.empty_tag or leftmost is None:
        return None
    cut = None  # finds the first cell of the old block in a row, on a re-run
    if _in_the_way(leftmost).search(xml, first, last):
        block = sorted(edit.columns)
        if not block or block != list(range(leftmost, leftmost + len(block))) or \
                xml.find(b"extLst", first, last) >= 0 or \
                _in_the_way(block[-1] + 1).search(xml, first, last):
            return None
        cut = _cell_from(leftmost)
    numbers = list(map(int, _ROW_OPENING.findall(xml, first, last)))
    if any(a >= b for a, b in itertools.pairwise(numbers)):
        return None
    view = memoryview(xml)
    out: Pieces = []
    append = out.append
    waiting = iter(sorted(rendered))  # new rows, in order: the sheet's rows are too
    new = next(waiting, None)
    spans = xml.find(b"spans", first, last) >= 0  # rows with spans= widen them (Excel's do)
    copied_to, start = data.start, first  # the sheet is in ``out`` up to ``copied_to``
    for number in numbers:  # the row (and what comes before its tag) from ``start``...
        close = xml.find(b"</row>", start, last)  # ...to here: the row's cells end
        if close < 0:
            return None  # fewer closing tags than rows: an empty row, <row r="9"/>
        if new is not None and new < number:  # new rows go before this one
            append(view[copied_to:start])
            copied_to = start
            while new is not None and new < number:
                append(_new_row(new, rendered, syntax))
                new = next(waiting, None)
        end = kept_from = close  # the row's own cells end at ``end``; from ``kept_from`` on it stays
        if cut is not None and (old := cut.search(xml, start, close)):
            if not edit.clears(number) or xml.find(b"<f", old.start(), close) >= 0 or \
                    _cell_before(leftmost).search(xml, old.start(), close):
                return None  # kept above the table; a formula gone; cells out of order
            end = old.start()
            kept_from = end + len(xml[end:close].rstrip())  # the space before </row> stays
        if new == number:
            cells = rendered[new]
            if spans and xml.find(b"spans", start, end) >= 0:
                if (opening := syntax.row_start.search(xml, start, end)) is None:
                    return None  # no row opens here after all: the caller parses
                out += [view[copied_to:opening.start(1)], _with_spans(opening[1], _extent(cells)),
                        view[opening.end(1):end]]
            else:
                append(view[copied_to:end])
            append(cells[1].encode())
            copied_to, new = kept_from, next(waiting, None)
        elif end != kept_from:  # the old block's cells go
            append(view[copied_to:end])
            copied_to = kept_from
        start = close + len(b"</row>")
    if xml.find(b"</row>", start, last) >= 0:
        return None  # more closing tags than rows (each row's was the next one found)
    append(view[copied_to:start])
    while new is not None:  # new rows below the sheet's last
        append(_new_row(new, rendered, syntax))
        new = next(waiting, None)
    append(view[start:data.end])
    return out


def _at_or_right(column: int) -> bytes:
    """A pattern for the column letters of ``column`` and every column right of it."""
    letters = column_letter(column)
    same_length = [re.escape(letters[:i]) + f"[{chr(ord(letters[i]) + 1)}-Z]" + "[A-Z]" *
                   (len(letters) - i - 1) for i in range(len(letters)) if letters[i] != "Z"]
    longer = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    return "|".join([letters, *same_length, *longer]).encode()


def _left_of_column(column: int) -> bytes:
    """A pattern for the column letters of every column left of ``column`` (of none: a
    pattern that never matches)."""
    letters = column_letter(column)
    shorter = [f"[A-Z]{{1,{len(letters) - 1}}}"] if len(letters) > 1 else []
    same_length = [re.escape(letters[:i]) + f"[A-{chr(ord(letters[i]) - 1)}]" + "[A-Z]" *
                   (len(letters) - i - 1) for i in range(len(letters)) if letters[i] != "A"]
    return "|".join([*shorter, *same_length]).encode() or b"(?!)"


@functools.lru_cache(maxsize=64)
def _in_the_way(column: int) -> re.Pattern[bytes]:
    """Finds what keeps the new cells from going at the ends of the rows: a row or cell tag
    not starting with its r= attribute (other writers' ways, which the parser reads; a
    cell's in capitals), or a cell at ``column`` or right of it. One pattern, every
    alternative after the one "<": each tag of a big sheet is tried once, quickly."""
    # <co...> and <ch...> are rich text's <color>, <condense> and <charset>
    return re.compile(rb'<(?:c(?! r="(?:' + _left_of_column(column) + rb')\d|[oh])|row(?! r="))')


@functools.lru_cache(maxsize=64)
def _cell_from(column: int) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="(?:' + _at_or_right(column) + rb')\d')


@functools.lru_cache(maxsize=64)
def _cell_before(column: int) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="(?!(?:' + _at_or_right(column) + rb')\d)')


def _left_of(row: _Row, column: int, syntax: _Syntax) -> bool:
    """True when every cell of the row lies left of ``column`` (or it has none)."""
    last = row.xml.rfind(syntax.cell_start, row.content, row.close)
    if last < 0:
        return True
    cell = syntax.cell.match(row.xml, last, row.close)
    ref = _CELL_REF.search(cell[1]) if cell else None
    return ref is not None and column_number(ref[1]) < column


def _appended(before: bytes, row: _Row, written: RenderedRow, syntax: _Syntax) -> list[bytes]:
    """What comes before the row's closing tag, the new cells added: the row's start tag
    is copied, or rewritten when it has spans= to widen."""
    cells = _row_xml(written, syntax.p.encode())
    if b"spans" not in row.attributes:
        return [before, row.xml[row.start:row.close], cells]
    attributes = _with_spans(row.attributes, _extent(written))
    return [before, syntax.row_opening, attributes, b">", row.xml[row.content:row.close], cells]


def _row_rebuilt(row: _Row, written: RenderedRow, changing: list[int],
                 syntax: _Syntax) -> tuple[bytes | None, bool]:
    """The row with the cells of the ``changing`` columns replaced by ``written`` (or
    removed), or None when it has nothing to change."""
    inner, number, p = row.inner, row.number, syntax.p
    start = _first_changing_cell(inner, number, changing, syntax)
    kept: list[tuple[int, bytes]] = []
    touched, removed, last_end = bool(written[0]), False, start
    later = _cells(inner[start:], syntax) if inner.find(syntax.cell_start, start) >= 0 else ()
    for column, cell in later:
        last_end = start + cell.end()
        if column in changing:
            touched = True
            removed |= bool(cell[2] and syntax.formula.search(cell[2])) and \
                not _writes_formula(written, column)
            continue
        kept.append((column, cell[0] if _CELL_REF.search(cell[1])
                     else _with_ref(cell[0], f"{column_letter(column)}{number}", p)))
    if not touched:
        return None, False
    prefix = p.encode()
    new = _cells_written(written) if kept or b"spans" in row.attributes else []
    if kept:
        cells = b"".join(text for _, text in sorted(
            kept + [(c, xmltext.prefixed(text.encode(), prefix)) for c, text in new]))
    else:
        cells = _row_xml(written, prefix)
    attributes = row.attributes
    if b"spans" in attributes:
        attributes = _with_spans(attributes, [c for c, _ in kept] + [c for c, _ in new])
    return b"".join((syntax.row_opening, attributes, b">", inner[:start], cells,
                     inner[last_end:], syntax.row_end)), removed


def _writes_formula(written: RenderedRow, column: int) -> bool:
    return any(c == column and "<f>" in text for c, text in _cells_written(written))


def _first_changing_cell(inner: bytes, number: int, changing: list[int], syntax: _Syntax) -> int:
    """Where the cells that may change begin: every cell before is left of them and stays
    as it is, unparsed (most cells of a long sheet). 0 when that cannot be told cheaply."""
    last = inner.rfind(syntax.cell_start)
    if last < 0:
        return len(inner)
    cell = syntax.cell.match(inner, last)
    ref = _CELL_REF.search(cell[1]) if cell else None
    if cell and ref and column_number(ref[1]) < changing[0]:
        return cell.end()  # the last cell is left of the changing ones: so are all
    row = str(number).encode() + b'"'
    for column in changing:  # cells are in column order: the first found comes first
        at = inner.find(syntax.cell_opening(column) + row)
        if at >= 0:
            return at
    return 0


def _with_ref(cell: bytes, ref: str, p: str) -> bytes:
    """A cell that relied on its position gets an explicit address (its neighbours move)."""
    opening = len(p) + 2  # "<c" with its prefix
    return cell[:opening] + f' r="{ref}"'.encode() + cell[opening:]


def _with_spans(attributes: bytes, columns: list[int]) -> bytes:
    """spans= (an optional hint) widened to the row's cells when it is there."""
    spans = _SPANS.search(attributes)
    if spans is None or not columns:
        return attributes
    low, high = min(int(spans[1]), *columns), max(int(spans[2]), *columns)
    return attributes[:spans.start()] + f' spans="{low}:{high}"'.encode() + attributes[spans.end():]


def _new_row(number: int, rendered: Mapping[int, RenderedRow], syntax: _Syntax) -> bytes:
    return (f'<{syntax.p}row r="{number}">'.encode() + _row_xml(rendered[number], syntax.p.encode())
            + syntax.row_end)


# --- before sheetData: dimension and column widths ----------------------------------------

def _children(xml: bytes, start: int, end: int, name: bytes) -> list[xmltext.Span]:
    return [span for span in xmltext.elements(xml, start, end) if span.name == name]


def _with_dimension(head: bytes, top: xmltext.Span, edit: SheetEdit) -> bytes:
    found = _children(head, top.content, len(head), b"dimension")
    area = _area(edit)
    if not found or area is None:
        return head
    tag = xmltext.start_tag(head, found[0])
    ref = xmltext.attributes(tag).get("ref", "")
    bounds = _bounds(ref.encode())
    if bounds is None:
        return head
    (c1, r1, c2, r2), (a1, b1, a2, b2) = bounds, area
    union = (min(c1, a1), min(r1, b1), max(c2, a2), max(r2, b2))
    if union == bounds:
        return head
    text = f"{column_letter(union[0])}{union[1]}:{column_letter(union[2])}{union[3]}"
    return xmltext.set_start_attribute(head, found[0].start, b"ref", text.encode())


def _area(edit: SheetEdit) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of the cells written."""
    rows = {cells[0] if isinstance(cells, tuple) else tuple(cells)
            for cells in edit.cells.values()}  # a block's rows share their columns
    columns = {column for row in rows for column in row}
    if not columns:
        return None
    return min(columns), min(edit.cells), max(columns), max(edit.cells)


def _bounds(ref: bytes) -> tuple[int, int, int, int] | None:
    match = _RANGE.match(ref)
    if not match or not match[1] or not match[2]:
        return None
    c1, r1 = column_number(match[1]), int(match[2])
    c2 = column_number(match[3]) if match[3] else c1
    r2 = int(match[4]) if match[4] else r1
    return c1, r1, c2, r2


def _with_columns(head: bytes, top: xmltext.Span, edit: SheetEdit, prefix: bytes) -> bytes:
    """<cols> giving each block column its width; other columns' entries kept as they are,
    a range that spans a block column split around it."""
    if not edit.widths:
        return head
    found = _children(head, top.content, len(head), b"cols")
    p = prefix.decode()
    if not found:
        entries = b"".join(_column_entry({}, column, width, p)
                           for column, width in sorted(edit.widths.items()))
        return head + f"<{p}cols>".encode() + entries + f"</{p}cols>".encode()
    cols = found[0]
    pieces: list[tuple[int, bytes]] = []
    missing = dict(edit.widths)
    for span in xmltext.elements(head, cols.content, xmltext.inner_end(head, cols)):
        tag = head[span.start:span.end]
        values = xmltext.attributes(xmltext.start_tag(head, span))
        low, high = int(values.get("min", "0")), int(values.get("max", "0"))
        inside = [c for c in sorted(missing) if low <= c <= high]
        if span.name != b"col" or not inside:
            pieces.append((low, tag))
            continue
        pieces += _split_column_entry(values, tag, low, high, inside, edit.widths, p)
        for column in inside:
            del missing[column]
    pieces += [(column, _column_entry({}, column, width, p)) for column, width in missing.items()]
    entries = b"".join(tag for _, tag in sorted(pieces, key=lambda piece: piece[0]))
    return head[:cols.content] + entries + head[xmltext.inner_end(head, cols):]


def _split_column_entry(values: dict[str, str], tag: bytes, low: int, high: int,
                        inside: list[int], widths: Mapping[int, float],
                        p: str) -> list[tuple[int, bytes]]:
    if low == high == inside[0] and values.get("customWidth") in ("1", "true") and \
            _same_width(values.get("width"), widths[low]):
        return [(low, tag)]  # already as wanted: kept byte for byte
    pieces, start = [], low
    for column in inside:
        if start < column:
            pieces.append((start, _column_entry(values, start, None, p, column - 1)))
        pieces.append((column, _column_entry(values, column, widths[column], p)))
        start = column + 1
    if start <= high:
        pieces.append((start, _column_entry(values, start, None, p, high)))
    return pieces


def _same_width(written: str | None, width: float) -> bool:
    return _number(written, math.nan) == width


def _column_entry(values: dict[str, str], low: int, width: float | None, p: str,
                  high: int | None = None) -> bytes:
    attributes = dict(values) | {"min": str(low), "max": str(high or low)}
    if width is not None:
        attributes |= {"width": f"{width:g}", "customWidth": "1"}
    text = "".join(f' {name}="{xmltext.attribute(value)}"' for name, value in attributes.items())
    return f"<{p}col{text}/>".encode()


def _with_pane(head: bytes, top: xmltext.Span, freeze: tuple[int, int] | None,
               prefix: bytes) -> bytes:
    """The first sheet view frozen at ``freeze``, unless it has a pane (frozen or split)."""
    views = _children(head, top.content, len(head), b"sheetViews") if freeze else []
    if not views or freeze is None:
        return head
    view = next((span for span in xmltext.elements(head, views[0].content,
                                                    xmltext.inner_end(head, views[0]))
                 if span.name == b"sheetView"), None)
    if view is None or _PANE.search(head, view.content, view.end):
        return head
    row, column = freeze
    splits = (f' xSplit="{column - 1}"' if column > 1 else "") + \
        (f' ySplit="{row - 1}"' if row > 1 else "")
    if not splits:
        return head
    active = {(True, True): "bottomRight", (True, False): "bottomLeft"}.get(
        (row > 1, column > 1), "topRight")
    pane = xmltext.prefixed(f'<pane{splits} topLeftCell="{column_letter(column)}{row}" '
                            f'activePane="{active}" state="frozen"/>'.encode(), prefix)
    if view.content == view.end:
        return xmltext.append_into(head, view, pane)
    return head[:view.content] + pane + head[view.content:]


def _pages_wide(head: bytes, tail: bytes, printed: Printed, widths: Mapping[int, float]
                ) -> int:
    """How many pages wide the sheet is to print (pages_wide) as ``printed`` says, its
    block's columns ``widths`` wide (SheetEdit.widths, in digits); ``head`` and ``tail``:
    the sheet's children before and after its cells, as they were. 0 when its print
    set-up is the user's (_users_print_setup), kept as it is."""
    if _users_print_setup(head, tail):
        return 0
    return pages_wide(_printed_widths(head, printed.last, widths), printed.titles,
                      _printable_width(tail))


def _users_print_setup(head: bytes, tail: bytes) -> bool:
    """The sheet (its children before and after its cells) has print set-up the user
    chose (an orientation, a scale, fitting to pages, an order of pages) other than
    exactly what the tool writes: landscape, fitted to at most MOST_PAGES_WIDE pages wide,
    any number tall, over then down (or no order: the tool's before it wrote one)."""
    setup = _attributes_of(tail, b"pageSetup")
    fitting = {name: value for name, value in setup.items() if name in _FITTING}
    properties = _children(head, 0, len(head), b"sheetPr")
    fit_to_page = bool(properties) and _attributes_of(
        head[properties[0].content:xmltext.inner_end(head, properties[0])],
        b"pageSetUpPr").get("fitToPage") in ("1", "true")
    if not fitting and not fit_to_page:
        return False
    wide = fitting.pop("fitToWidth", "1")  # the schema's default: Excel writes none for 1
    order = fitting.pop("pageOrder", TOOLS_PAGE_ORDER)
    tools = fitting == {"orientation": "landscape", "fitToHeight": "0"} and wide.isdigit() \
        and 1 <= int(wide) <= MOST_PAGES_WIDE and order == TOOLS_PAGE_ORDER
    return not (fit_to_page and tools)


def _attributes_of(xml: bytes, name: bytes) -> dict[str, str]:
    """The attributes of the first element ``name`` among those of ``xml`` ({}: none)."""
    found = _children(xml, 0, len(xml), name)
    return xmltext.attributes(xmltext.start_tag(xml, found[0])) if found else {}


def pages_wide(columns: Sequence[float], titles: int, room: float) -> int:
    """The fewest pages side by side (at most MOST_PAGES_WIDE) that print ``columns``
    (each printed column's width in pixels, left to right) at LEAST_SCALE or larger: each
    page ``room`` pixels wide (its printable width at 100%) holds the first ``titles``
    columns (repeated on every page) and as many whole columns after them as fit."""
    space = room / LEAST_SCALE - sum(columns[:titles])
    pages, used = 1, 0.0
    for width in columns[titles:]:
        if used and used + width > space:  # a column is never cut: it starts a new page
            pages, used = pages + 1, 0.0
        used += width
    return min(pages, MOST_PAGES_WIDE)


def _printed_widths(head: bytes, last: int, widths: Mapping[int, float]) -> list[float]:
    """The widths in pixels of columns 1 to ``last`` as printed: ``widths`` (in digits),
    else the sheet's <cols> (``head``: its children before its cells), else its default;
    a hidden column none."""
    default = _number(_attributes_of(head, b"sheetFormatPr").get("defaultColWidth"),
                      DEFAULT_COLUMN_WIDTH)
    digits = dict.fromkeys(range(1, last + 1), default)
    for cols in _children(head, 0, len(head), b"cols"):
        for span in _children(head, cols.content, xmltext.inner_end(head, cols), b"col"):
            values = xmltext.attributes(xmltext.start_tag(head, span))
            hidden = values.get("hidden") in ("1", "true")
            width = 0.0 if hidden else _number(values.get("width"), default)
            low, high = int(values.get("min", "0")), int(values.get("max", "0"))
            digits.update(dict.fromkeys(range(max(low, 1), min(high, last) + 1), width))
    digits.update({column: width for column, width in widths.items() if column <= last})
    return [round(width * DIGIT_PIXELS) for width in digits.values()]


def _printable_width(tail: bytes) -> float:
    """A landscape page's printable width in pixels (at 100%): the sheet's paper (Letter,
    the narrower of the usual two, when it names none or one not listed here) less its
    left and right margins (Excel's default when it gives none); ``tail``: the sheet's
    children after its cells."""
    side, _ = paper(_attributes_of(tail, b"pageSetup").get("paperSize"))
    margins = _attributes_of(tail, b"pageMargins")
    side -= _number(margins.get("left"), _EXCEL_SIDE_MARGINS / 2) + \
        _number(margins.get("right"), _EXCEL_SIDE_MARGINS / 2)
    return side * PIXELS_PER_INCH


def _number(text: str | None, otherwise: float) -> float:
    """``text`` as a number; ``otherwise`` when it is missing or not one."""
    try:
        return float(text) if text is not None else otherwise
    except ValueError:
        return otherwise


def _fitting_to_page(head: bytes, top: xmltext.Span, prefix: bytes) -> bytes:
    """sheetPr (the sheet's first child) saying the sheet prints fitted to pages."""
    found = _children(head, top.content, len(head), b"sheetPr")
    fit = xmltext.prefixed(b'<pageSetUpPr fitToPage="1"/>', prefix)
    if not found:
        at = top.content
        return head[:at] + xmltext.prefixed(b"<sheetPr>", prefix) + fit + \
            xmltext.prefixed(b"</sheetPr>", prefix) + head[at:]
    setup = _children(head, found[0].content, xmltext.inner_end(head, found[0]), b"pageSetUpPr")
    if setup:
        return xmltext.set_start_attribute(head, setup[0].start, b"fitToPage", b"1")
    return xmltext.append_into(head, found[0], fit)  # pageSetUpPr is sheetPr's last child


def _printed_landscape(tail: bytes, pages: int, prefix: bytes) -> bytes:
    """pageSetup landscape, ``pages`` pages wide and as many tall as it takes, over then
    down; its other settings (paper, printer) kept."""
    fitting = {b"orientation": b"landscape", b"fitToWidth": str(pages).encode(),
               b"fitToHeight": b"0", b"pageOrder": TOOLS_PAGE_ORDER.encode()}
    found = _children(tail, 0, len(tail), b"pageSetup")
    if found:
        at = found[0].start
        tag = xmltext.tag_at(tail, at)
        values = tag[0]
        for name, value in fitting.items():
            values = xmltext.with_attribute(values, name, value)
        return tail[:at] + values + tail[tag.end():]
    at = _insertion_point(tail, b"pageSetup")
    attributes = b" ".join(name + b'="' + value + b'"' for name, value in fitting.items())
    return tail[:at] + xmltext.prefixed(b"<pageSetup " + attributes + b"/>", prefix) + tail[at:]


def with_element(xml: bytes, name: str, element: bytes) -> bytes:
    """The sheet with ``element`` (unprefixed), one of CT_Worksheet's children after
    sheetData, added where the schema's order wants it."""
    prefix = sheet_prefix(xml)
    data = _sheet_data(xml, prefix)
    end = xmltext.inner_end(xml, xmltext.root(xml))
    view = memoryview(xml)  # the cells copied once, into the result
    return b"".join((view[:data.end], _with_child(xml[data.end:end], name, element, prefix),
                     view[end:]))


def _with_child(tail: bytes, name: str, element: bytes, prefix: bytes) -> bytes:
    """``tail`` (the sheet after sheetData) with ``element`` where the schema wants it."""
    at = _insertion_point(tail, name.encode())
    return tail[:at] + xmltext.prefixed(element, prefix) + tail[at:]


# --- after sheetData: conditional formats and the filter ----------------------------------

def _with_autofilter(tail: bytes, ref: str | None, prefix: bytes) -> bytes:
    if ref is None or _FILTER_OR_TABLE.search(tail):
        return tail
    at = _insertion_point(tail, b"autoFilter")
    return tail[:at] + xmltext.prefixed(f'<autoFilter ref="{ref}"/>'.encode(), prefix) + tail[at:]


def _with_formats(xml: bytes, start: int, end: int, edit: SheetEdit, prefix: bytes) -> bytes:
    tail = xml[start:end]
    spans = xmltext.elements(tail, 0, len(tail))
    kept = [s for s in spans if not (s.name == b"conditionalFormatting"
                                     and _within(xmltext.start_tag(tail, s), edit.columns))]
    if len(kept) == len(spans) and not edit.formats:
        return tail
    out, position = [], 0
    for span in spans:
        if span not in kept:
            out.append(tail[position:span.start])
            position = span.end
    out.append(tail[position:])
    tail = b"".join(out)
    if not edit.formats:
        return tail
    priority = max((int(m[1]) for m in _PRIORITY.finditer(tail)), default=0) + 1
    formats = []
    for conditional in edit.formats:
        rules = []
        for rule in conditional.rules:
            attributes = (("type", rule.type), *rule.attributes, ("priority", str(priority)))
            text = "".join(f' {name}="{xmltext.attribute(value)}"' for name, value in attributes)
            rules.append(f"<cfRule{text}>{rule.body}</cfRule>")
            priority += 1
        formats.append(f'<conditionalFormatting sqref="{conditional.sqref}">{"".join(rules)}'
                       f"</conditionalFormatting>")
    at = _insertion_point(tail, b"conditionalFormatting")
    return tail[:at] + xmltext.prefixed("".join(formats).encode(), prefix) + tail[at:]


def _within(tag: bytes, columns: frozenset[int]) -> bool:
    """True when every range of the sqref lies in ``columns`` (whole columns or cells)."""
    refs = xmltext.attributes(tag).get("sqref", "").split()
    if not refs:
        return False
    for ref in refs:
        match = _RANGE.match(ref.encode())
        if not match or not match[1]:
            return False  # whole rows, or something unreadable: not ours
        first = column_number(match[1])
        last = column_number(match[3]) if match[3] else first
        if not all(column in columns for column in range(first, last + 1)):
            return False
    return True


def _insertion_point(tail: bytes, name: bytes) -> int:
    """Before the first element that CT_Worksheet orders after ``name``
    (an mc:AlternateContent ranks as the first known element inside it)."""
    wanted = _RANK[name]
    for span in xmltext.elements(tail, 0, len(tail)):
        rank = _RANK.get(span.name)
        if rank is None:
            inside = _KNOWN_NAME.search(tail, span.content, span.end)
            rank = _RANK[inside[1]] if inside else None
        if rank is not None and rank > wanted:
            return span.start
    return len(tail)
