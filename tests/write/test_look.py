"""What the owner sees: no text the tool writes is clipped or overlaps, measured.

Every cell the tool writes on the three samples' Tasks and Quotes (the headers and the
computed block), Summary, For accountant and Start here is measured with the font's
own glyph widths (Carlito, Calibri's metric twin, the font LibreOffice prints Calibri
with) against its column's width and its row's height, as Excel lays them out: a
column of width w holds 7w pixels of text, a line of 11-point text takes 15 points.
The measure is independent of the tool's own (write/style.py keeps a table of widths).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from PIL import ImageFont
from support.paths import SAMPLE_FILES, TYPICAL_SAMPLE
from support.version2 import version2_sample, version2_workbook

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.summary import summarise
from xlsheet_outsource.write import report_sheets, style

ROOM_PER_DIGIT = 7  # pixels of text a column holds per unit of width (Calibri 11's "0")
MARGIN = 3  # pixels a cell keeps free of text
DEFAULT_WIDTH, DEFAULT_HEIGHT = 8.43, 15.0


@cache
def carlito(size: float, bold: bool) -> ImageFont.FreeTypeFont:
    found = subprocess.run(["fc-match", "-f", "%{file}", f"Calibri:{'bold' if bold else ''}"],
                           capture_output=True, text=True, check=True).stdout
    assert "Carlito" in found, "install fonts-crosextra-carlito (.ci/run does)"
    return ImageFont.truetype(found, round(size * 96 / 72 * 10))  # tenths of a pixel


def pixels(text: str, cell: Cell) -> float:
    return carlito(cell.font.sz or 11, bool(cell.font.b)).getlength(text) / 10


def lines(text: str, cell: Cell, room: float) -> int:
    """Lines of text wrapped at spaces within ``room`` pixels."""
    count = 0
    for paragraph in text.split("\n"):
        count += 1
        line = ""
        for word in paragraph.split(" "):
            longer = f"{line} {word}" if line else word
            if line and pixels(longer, cell) > room:
                count += 1
                longer = word
            line = longer
    return count


def width(ws: Worksheet, column: int) -> float:
    own = ws.column_dimensions.get(get_column_letter(column))
    if own is not None and own.width:
        return float(own.width)
    for dimension in ws.column_dimensions.values():
        if dimension.min and dimension.max and dimension.min <= column <= dimension.max \
                and dimension.width:
            return float(dimension.width)
    return DEFAULT_WIDTH


def height(ws: Worksheet, row: int) -> float:
    return float(ws.row_dimensions[row].height or DEFAULT_HEIGHT)


def clipped(ws: Worksheet, cell: Cell) -> str | None:
    """Why ``cell``'s text does not show whole, or None when it does."""
    text = style.shown(cell.value, cell.number_format)
    room = width(ws, cell.column) * ROOM_PER_DIGIT - MARGIN
    size = cell.font.sz or 11
    if cell.alignment.wrap_text:
        needed = lines(text, cell, room) * (size * 1.25 + 1.25) - 1
        if needed > height(ws, cell.row):
            return f"{text!r} needs {needed:.0f} points of height, has {height(ws, cell.row)}"
        return None
    if size * 1.2 > height(ws, cell.row):
        return f"{text!r} is taller than its row"
    extent = pixels(text, cell)
    if extent <= room:
        return None
    if isinstance(cell.value, str) and cell.alignment.horizontal in (None, "general", "left"):
        column = cell.column + 1  # text runs on into the empty cells right of it
        while extent > room and ws.cell(cell.row, column).value is None and column < 16384:
            room += width(ws, column) * ROOM_PER_DIGIT
            column += 1
        if extent <= room:
            return None
    return f"{text!r} needs {extent:.0f} pixels, has {room:.0f}"


def written_cells(path: Path) -> Iterator[tuple[Worksheet, Cell]]:
    """The cells the tool wrote: its sheets whole; on Tasks and Quotes the header row
    (from the template) and the computed block."""
    book = openpyxl.load_workbook(path)
    for name in (schema.SUMMARY, schema.ACCOUNTANT, schema.START):
        ws = book[name]
        yield from ((ws, cell) for row in ws.iter_rows() for cell in row
                    if cell.value is not None)
    for name, results in ((schema.TASKS, schema.ALL_TASK_RESULTS),
                          (schema.QUOTES, schema.QUOTE_RESULTS)):
        ws = book[name]
        headers = {cell.value: cell.column for cell in ws[1]}
        block = {headers[header] for _, header, _ in results if header in headers}
        yield from ((ws, cell) for row in ws.iter_rows() for cell in row
                    if cell.value is not None and (cell.row == 1 or cell.column in block))


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The samples, and a workbook using every version 2 input (its Summary has more)."""
    folder = tmp_path_factory.mktemp("look")
    inputs = [*SAMPLE_FILES, version2_sample(folder / "version2.xlsx"),  # Version 2's block
              version2_workbook(folder / "version2_budget.xlsx")]  # and its Summary
    return [api.process_workbook(source, folder / api.default_output(source).name).output
            for source in inputs]


def test_no_text_the_tool_writes_is_clipped(decided: list[Path]) -> None:
    found = [f"{path.name}: {ws.title}!{cell.coordinate}: {why}"
             for path in decided for ws, cell in written_cells(path)
             if (why := clipped(ws, cell))]
    assert not found, "\n".join(found)


def broken_at_hyphen(text: str, cell: Cell, room: float) -> bool:
    """Whether wrapping ``text`` within ``room`` pixels, as Excel and LibreOffice do (at
    spaces, and after a hyphen inside a word), breaks a word at its hyphen."""
    line = ""
    for piece in re.findall(r"[^\s-]*-(?=\w)|\S+|\s+", text):
        if line.strip() and not piece.isspace() and pixels(line + piece, cell) > room:
            if line.endswith("-"):
                return True
            line = ""
        line += "" if piece.isspace() and not line else piece
    return False


def test_no_header_breaks_a_word_at_its_hyphen(decided: list[Path]) -> None:
    """A header such as "Cash to vendors a year, one-off spread" never wraps as "... one-"
    / "off spread" (Start here's paragraphs may: they are prose)."""
    found = [f"{path.name}: {ws.title}!{cell.coordinate}: {cell.value!r}"
             for path in decided for ws, cell in written_cells(path)
             if ws.title != schema.START and cell.alignment.wrap_text  # START: paragraphs
             and isinstance(cell.value, str) and "-" in cell.value
             and broken_at_hyphen(cell.value, cell,
                                  width(ws, cell.column) * ROOM_PER_DIGIT - MARGIN)]
    assert not found, "\n".join(found)


def test_the_measure_catches_a_clipped_header(decided: list[Path], tmp_path: Path) -> None:
    """The check above can fail: a computed column made narrow clips its header."""
    book = openpyxl.load_workbook(decided[0])
    ws = book[schema.TASKS]
    header = next(cell for cell in ws[1] if cell.value == "Break-even hourly worth")
    ws.column_dimensions[get_column_letter(header.column)].width = 7  # three lines
    assert clipped(ws, header) is not None


def test_every_cell_the_tool_styles_names_its_font(decided: list[Path]) -> None:
    for path in decided:
        for ws, cell in written_cells(path):
            if ws.title in schema.OWNED_SHEETS or cell.row > 1:
                assert (cell.font.name, cell.font.sz) in (("Calibri", 11), ("Calibri", 12),
                                                          ("Calibri", 16)), \
                    f"{path.name}: {ws.title}!{cell.coordinate}"


def test_hours_and_counts_show_the_decimals_their_figures_need() -> None:
    assert style.format_for("hours", "USD", [0.75, 2.0]) == "#,##0.00"
    assert style.format_for("hours", "USD", [37.5, 2.0]) == "#,##0.0"
    assert style.format_for("count", "USD", [50.0, 12.0]) == "#,##0"
    assert style.shown(0.75, "#,##0.00") == "0.75"
    assert style.shown(-1440.0, schema.money_format("USD")) == "-$1,440.00"


def test_charts_biggest_first_without_empty_categories_labelled() -> None:
    """Each chart reads its bars from cells of the Summary (Gnumeric ignores figures
    written only in the chart), keeping a copy of them for readers that do not look."""
    book = openpyxl.Workbook()
    summary = summarise(api.decide_workbook(TYPICAL_SAMPLE)[1])
    report_sheets.replace_report_sheets(book, summary, dt.date(2026, 1, 1))
    ws = book[schema.SUMMARY]
    saving, hours = ws._charts
    for chart, key in ((saving, "saving"), (hours, "freed")):
        [series] = chart.series
        values = [point.v for point in series.val.numRef.numCache.pt]
        labels = [point.v for point in series.cat.strRef.strCache.pt]
        assert values == sorted(values, reverse=True) and min(values) > 0
        by_category = summary.by_category.set_index("category")[key]
        assert dict(zip(labels, values)) == by_category[by_category > 0].to_dict()
        assert cells(ws, series.cat.strRef.f) == labels
        assert cells(ws, series.val.numRef.f) == pytest.approx(values)
        assert chart.x_axis.scaling.orientation == "maxMin"  # the first bar on top
        # from 0 to a round figure with room past the biggest bar for its label
        assert chart.y_axis.scaling.min == 0
        assert 1.3 * values[0] < chart.y_axis.scaling.max <= 2 * values[0]
        assert chart.dataLabels.showVal and not chart.dataLabels.showCatName
        assert not chart.dataLabels.showSerName and not chart.dataLabels.showLegendKey
    assert saving.y_axis.number_format.formatCode == '"$"#,##0;-"$"#,##0'
    assert hours.y_axis.number_format.formatCode == "#,##0"


def cells(ws: Worksheet, reference: str) -> list[object]:
    """The values of a one-column reference such as 'Summary'!$A$5:$A$9."""
    sheet, _, area = reference.partition("!")
    assert sheet.strip("'") == ws.title
    return [row[0].value for row in ws[area.replace("$", "")]]
