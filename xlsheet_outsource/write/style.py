"""Putting one value into one openpyxl cell safely, and the look of what the tool writes:
one font, number formats that show what the figures need, and the sizes text takes.

Sizes are measured as Excel lays cells out: column widths in widths of the digit "0"
of Calibri 11 (7 pixels at 100% zoom) plus 5 pixels of padding, row heights in points.
Text is measured with Calibri's own advance widths (Carlito, its metric twin, has the
same), so a width or height computed here fits in Excel and in LibreOffice alike.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Mapping
from itertools import repeat

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..engine import schema

FONT_NAME, FONT_SIZE = "Calibri", 11  # Excel's default: what users' own cells mostly are


def font(*, bold: bool = False, size: float = FONT_SIZE, color: str | None = None) -> Font:
    """The one font of everything the tool writes, named in full so no reader substitutes."""
    return Font(name=FONT_NAME, family=2, size=size, bold=bold, color=color)


TEAL = "FF0F5257"  # dark teal: "the tool wrote this"
HEADER_FILL = PatternFill("solid", fgColor=TEAL)
HEADER_FONT = font(bold=True, color="FFFFFFFF")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
TITLE_FONT = font(bold=True, size=16, color=TEAL)
SECTION_FONT = font(bold=True, size=12, color=TEAL)
BODY_FONT = font()
TOTAL_FONT = font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"

# Verdict -> (fill, font colour) of its conditional format on Tasks (and its legend on
# Start here).
VERDICT_COLOURS = {
    "OUTSOURCE": ("C6EFCE", "006100"),
    "KEEP": ("DCE3EA", "44546A"),
    "REVIEW": ("FFEB9C", "9C5700"),
    "NEEDS QUOTE": ("FFC7CE", "9C0006"),
    "ERROR": ("FFC7CE", "9C0006"),
}
# Version 2's verdicts, coloured only in a version 2 block (a version 1 block stays as it
# was): AUTOMATE as OUTSOURCE, DROP grey and struck through (docs/workbook-contract.md)
VERDICT_COLOURS_V2 = {schema.AUTOMATE: VERDICT_COLOURS["OUTSOURCE"],
                      schema.DROP: ("EDEDED", "595959")}
STRUCK_THROUGH = (schema.DROP,)

# Calibri's advance widths of " " to "~", in hundredths of an em (other characters: 0.51).
_WIDTHS = {False: "23 33 40 50 51 71 68 22 30 30 50 50 25 31 25 39 51 51 51 51 51 51 51 51 "
                  "51 51 27 27 50 50 50 46 89 58 54 53 62 49 46 63 62 25 32 52 42 85 65 66 "
                  "52 67 54 46 49 64 57 89 52 49 47 31 39 31 50 50 29 48 53 42 53 50 31 47 "
                  "53 23 24 45 23 80 53 53 53 53 35 39 33 53 45 71 43 45 40 31 46 31 50",
           True: "23 33 44 50 51 73 70 23 31 31 50 50 26 31 27 43 51 51 51 51 51 51 51 51 "
                 "51 51 28 28 50 50 50 46 90 61 56 53 63 49 46 64 63 27 33 55 42 87 66 68 "
                 "53 69 56 47 50 65 59 91 55 52 48 32 43 32 50 50 30 49 54 42 54 50 32 47 "
                 "54 25 26 48 25 81 54 54 54 54 36 40 35 54 47 75 46 47 40 34 48 34 50"}
_EM = {bold: {chr(32 + i): int(w) / 100 for i, w in enumerate(widths.split())}
       for bold, widths in _WIDTHS.items()}
DIGIT_PIXELS = 7  # the width unit of a column: Calibri 11's "0" at 96 dpi (plus 5 of padding)
TEXT_MARGIN = 6  # pixels kept free in a cell: LibreOffice pads text a little more than Excel
WIDEST_COLUMN = 40  # a report's column wraps its text past this many digits
# Every digit as wide as the others (tabular figures, as in Calibri): a figure's width
# then follows from its count of digits, which never falls as the figure grows.
EVEN_FIGURES = len({_EM[False][digit] for digit in "0123456789"}) == 1


def plain(value: object) -> object:
    """A value openpyxl can store, or None for anything undefined (NaN, NA, None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


def put(cell: Cell, value: object, kind: str = "text", currency: str = "USD",
        column: Iterable[object] | None = None) -> None:
    """Write a value with the number format of its kind (decimals as the ``column`` of
    figures it belongs to needs, else as it needs); undefined values leave the cell blank.

    Text is always stored as text: a task named "=cmd|..." must never become a formula.
    """
    value = plain(value)
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # openpyxl reads a str starting with "=" as a formula
        return
    cell.value = value
    number_format = format_for(kind, currency, (value,) if column is None else column)
    if number_format:
        cell.number_format = number_format


def format_for(kind: str, currency: str, values: Iterable[object] = ()) -> str | None:
    """The number format of a figure of this kind; hours and counts with as many
    decimals as ``values`` need (at most two): 0.75 stays 0.75, 50 shows as 50."""
    if kind == "date":
        return DATE_FORMAT
    if kind in ("hours", "count"):
        decimals = decimals_needed(values)
        return "#,##0" + ("." + "0" * decimals if decimals else "")
    return schema.number_format(kind, currency)


def decimals_needed(values: Iterable[object], most: int = 2) -> int:
    """Decimals that show every value as it is, up to ``most`` (0.75 -> 2, 37.5 -> 1)."""
    needed = 0
    for value in values:
        if isinstance(value, float) and math.isfinite(value):
            while needed < most and abs(round(value, needed) - value) > 1e-9 * max(1, abs(value)):
                needed += 1
    return needed


def style_header(cell: Cell, *, numbers: bool = False) -> None:
    """The look of a header the tool writes; over a column of figures it sits right, as they do."""
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = header_alignment(numbers)


def header_alignment(numbers: bool) -> Alignment:
    return Alignment(wrap_text=True, vertical="center", horizontal="right" if numbers else None)


# --- the room text takes -------------------------------------------------------------------

def text_pixels(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of one line of ``text`` in pixels at 100% zoom."""
    return sum(map(_EM[bold].get, text, repeat(0.51))) * size * 96 / 72  # map: no Python loop


def column_width_for(pixels: float) -> float:
    """The column width (in digits) that shows ``pixels`` of text whole."""
    return math.ceil((pixels + TEXT_MARGIN) / DIGIT_PIXELS * 4) / 4


def wrapped_lines(text: str, width: float, *, size: float = FONT_SIZE, bold: bool = False) -> int:
    """Lines ``text`` takes wrapped at word breaks in a column of ``width`` digits."""
    room = width * DIGIT_PIXELS - TEXT_MARGIN
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in re.findall(r"\S+\s*", paragraph):
            extent = text_pixels(word.rstrip(), size=size, bold=bold)
            if used and used + extent > room:
                lines += 1
                used = 0.0
            used += text_pixels(word, size=size, bold=bold)
    return lines


def row_height(lines: int, size: float = FONT_SIZE) -> float:
    """Points a row needs for ``lines`` lines of text of ``size`` (15 a line of 11, as Excel)."""
    return math.ceil(lines * (size * 1.25 + 1.25))


def shown(value: object, number_format: str | None) -> str:
    """The text a cell shows for ``value`` in ``number_format`` (the formats of this module:
    decimals, thousands, a currency in quotes), to measure it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)[:10] if number_format == DATE_FORMAT else str(value)
    if not number_format or number_format == "General":
        return f"{value:.10g}"
    section = number_format.split(";")[1 if value < 0 and ";" in number_format else 0]
    spec, literals, percent = _section_parts(section)
    digits = format(abs(value) * (100 if percent else 1), spec)
    return ("-" if value < 0 else "") + literals + digits + ("%" if percent else "")


@functools.lru_cache(maxsize=256)
def _section_parts(section: str) -> tuple[str, str, bool]:
    """A number format section read once (a column of 10,000 figures shares one): the
    Python format spec of its digits, its quoted literals, whether it is a percentage."""
    decimals = re.search(r"\.(0+)", section)
    spec = f"{',' if ',' in section else ''}.{len(decimals[1]) if decimals else 0}f"
    return spec, "".join(re.findall(r'"([^"]*)"', section)), "%" in section


def fit(ws: Worksheet, *, first_row: int = 1, limit: float = WIDEST_COLUMN,
        extra: Mapping[int, Iterable[str]] | None = None,
        least: Mapping[int, float] | None = None) -> None:
    """Each column from ``first_row`` down as wide as its widest text, up to ``limit``
    (``extra``: more text a column will hold, by column number), and at least its width
    in ``least``; text wider than its column wraps, and each row is as tall as its
    tallest wrapped cell. Headers (cells that wrap already) count their longest word, or
    0.6 of their text, whichever is wider."""
    needs: dict[int, float] = {column: max(map(_text_need, texts), default=0.0)
                               for column, texts in (extra or {}).items()}
    hyphenated = []  # wrapping text that could break at a hyphen: checked at the end
    for row in _rows_written(ws, first_row):
        for cell in row:
            if cell.value is not None and not _spills(cell, row):
                needs[cell.column] = max(needs.get(cell.column, 0.0), _cell_need(cell))
                if cell.alignment.wrap_text and "-" in str(cell.value):
                    hyphenated.append(cell)
    widths = {column: max(min(limit, need), (least or {}).get(column, 0.0))
              for column, need in needs.items()}
    for cell in hyphenated:
        widths[cell.column] = _unbroken_at_hyphens(cell, widths[cell.column])
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    fit_heights(ws, first_row=first_row)


def page_labels(ws: Worksheet, run_date: dt.date | None = None) -> None:
    """The workbook's file name and the sheet's name at the top of every printed page,
    "Page 1 of 3" at the bottom, and the date of the run, if the sheet is of one: a
    printed page says where it comes from."""
    ws.oddHeader.left.text, ws.oddHeader.right.text = "&F", "&A"
    ws.oddFooter.right.text = "Page &P of &N"
    if run_date is not None:
        ws.oddFooter.left.text = f"Decided on {run_date:%Y-%m-%d}"


def fit_heights(ws: Worksheet, *, first_row: int = 1) -> None:
    """Text wider than its column wraps; each row as tall as its tallest cell."""
    for row in _rows_written(ws, first_row):
        tallest = 0.0
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
            size, bold = cell.font.sz or FONT_SIZE, bool(cell.font.b)
            lines = 1 if _spills(cell, row) else wrapped_lines(cell.value, width, size=size,
                                                                bold=bold)
            if lines > 1 and not cell.alignment.wrap_text:
                _align(cell, wrap_text=True)
            tallest = max(tallest, row_height(lines, size))
        if tallest > row_height(1):
            ws.row_dimensions[row[0].row].height = tallest
            for cell in row:  # a figure beside a wrapped label lines up with its first line
                if cell.value is not None and cell.alignment.vertical is None:
                    _align(cell, vertical="top")


def _rows_written(ws: Worksheet, first_row: int) -> list[tuple[Cell, ...]]:
    """The cells written from ``first_row`` down, a tuple a row (left to right). Not
    ``iter_rows``: it makes every cell of the rectangle, and a table whose item rows are
    left for the caller to fill (For accountant's 10,000 tasks) would gain them all."""
    rows: dict[int, list[Cell]] = {}
    for (row, _), cell in sorted(ws._cells.items()):  # openpyxl's own cells, by position
        if row >= first_row:
            rows.setdefault(row, []).append(cell)
    return [tuple(cells) for cells in rows.values()]


def _align(cell: Cell, **changes: object) -> None:
    aligned = copy.copy(cell.alignment)
    for name, value in changes.items():
        setattr(aligned, name, value)
    cell.alignment = aligned


def _spills(cell: Cell, row: tuple[Cell, ...]) -> bool:
    """Unwrapped text with nothing right of it (a title) runs on across the empty cells."""
    return isinstance(cell.value, str) and not cell.alignment.wrap_text and all(
        other.value is None for other in row if other.column > cell.column)


def _cell_need(cell: Cell) -> float:
    """The width (in digits) ``cell`` needs to show whole."""
    size, bold = cell.font.sz or FONT_SIZE, bool(cell.font.b)
    text = shown(cell.value, cell.number_format)
    if cell.alignment.wrap_text:
        words = max((text_pixels(word, size=size, bold=bold) for word in text.split()), default=0)
        return column_width_for(max(words, text_pixels(text, size=size, bold=bold) * 0.6))
    return _text_need(text, size=size, bold=bold)


def _unbroken_at_hyphens(cell: Cell, width: float) -> float:
    """``width`` (digits), widened if wrapping ``cell``'s text in it would break a word
    after its hyphen, as Excel and LibreOffice do ("one-" / "off spread"): such a word
    then ends its line whole."""
    text, size, bold = str(cell.value), cell.font.sz or FONT_SIZE, bool(cell.font.b)
    room = width * DIGIT_PIXELS - TEXT_MARGIN
    used = 0.0
    for word in re.findall(r"\S+\s*", text):
        extent = text_pixels(word.rstrip(), size=size, bold=bold)
        if used and used + extent > room:
            head = word[:word.find("-", 1) + 1]  # up to the first hyphen inside the word
            # a renderer padding its cells less than TEXT_MARGIN may fit the head: widened
            if "-" in word.strip()[1:-1] and \
                    used + text_pixels(head, size=size, bold=bold) <= room + TEXT_MARGIN:
                room = used + extent
            else:
                used = 0.0
        used += text_pixels(word, size=size, bold=bold)
    return max(width, column_width_for(room))


def may_be_widest(values: pd.Series, number_format: str | None) -> list[object]:
    """The values whose text may be the column's widest: of figures with fixed decimals
    (every digit as wide), the largest and the most negative (a value once, however many
    cells hold it: equal figures show the same text); otherwise all of them."""
    fixed = number_format not in (None, "General", DATE_FORMAT)
    if not (fixed and EVEN_FIGURES and values.dtype.kind in "iuf"):  # numpy's numbers
        return values.tolist()
    figures = values.to_numpy()
    figures = figures[np.isfinite(figures)]
    return [figures.max(), figures.min()] if len(figures) else []


def texts_to_measure(values: pd.Series, number_format: str | None) -> set[str]:
    """What the values that may be the column's widest show (may_be_widest), each text
    once, of which only those that may be widest in the body font (widest_texts): a
    column of 10,000 names is measured on a few."""
    candidates = may_be_widest(values, number_format)
    texts = {value for value in candidates if type(value) is str}  # shown as they are
    texts.update(shown(plain(value), number_format) for value in candidates
                 if type(value) is not str)
    return widest_texts(texts)


# Each character of Calibri's table to the first one as wide (every digit to "0", say):
# a text and its translation measure the same, sum for sum (other characters stay).
_AS_WIDE = {ord(char): next(first for first in _EM[False] if _EM[False][first] == em)
            for char, em in _EM[False].items()}
# Calibri's advance widths in whole hundredths of an em, by code point (from 127 on: 51)
_HUNDREDTHS = np.array([round(_EM[False].get(chr(code), 0.51) * 100) for code in range(128)])
FEW_TEXTS = 64  # measured as they are: fewer than this are not worth numpy's fixed cost
LONGEST_EXACT = 1_000_000  # characters a text may have for widest_texts's sums to rank it


def widest_texts(texts: set[str]) -> set[str]:
    """Of ``texts``, those that may be the widest in the body font (text_pixels, regular),
    one of each that measure the same character for character ("Task 1234", "Task 5678"):
    the ones whose characters' widths, in whole hundredths of an em, add up to the most.
    Those sums are exact (integers, a hundredth apart at least); text_pixels adds the same
    widths as floats, off by less than a ten-thousandth of an em for a text shorter than
    LONGEST_EXACT, so a text whose sum falls short of the most never measures wider than
    one that has it (and the pixels and column widths follow the sums, never falling)."""
    if len(texts) < FEW_TEXTS:
        return texts
    ordered = list({text.translate(_AS_WIDE): text for text in texts}.values())
    if len(ordered) < FEW_TEXTS or max(map(len, ordered)) >= LONGEST_EXACT:
        return set(ordered)
    codes = np.frombuffer("".join(ordered).encode("utf-32-le", "surrogatepass"), np.uint32)
    running = np.concatenate(([0], np.cumsum(_HUNDREDTHS[np.minimum(codes, 127)])))
    lengths = np.fromiter(map(len, ordered), np.int64, len(ordered))
    ends = np.cumsum(lengths)
    sums = (running[ends] - running[ends - lengths]).tolist()
    most = max(sums)
    return {text for text, total in zip(ordered, sums) if total == most}


def _text_need(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    return column_width_for(text_pixels(text, size=size, bold=bold))
