"""How the tool's own sheets print. Where a report sheet's pages break: a table (or a
group of headline figures) that would start near the foot of a page and run onto the
next starts on the next instead, so that no page begins with a table's last rows or its
total alone. How many pages wide a wide sheet prints (fit_pages_wide).

The sheet prints one page wide (report_sheets.print_setup): its scale follows from its
columns' widths against the paper's printable width, and a page then holds its
printable height, at that scale, less the title rows repeated on every page. Excel and
LibreOffice honour manual row breaks on a sheet fitted to one page wide and any number
of pages tall. The page is Excel's: the body between the top and bottom margins.
LibreOffice prints a little more on a page (its header sits inside the top margin), so
there a table may start a new page somewhat before it must; it is never cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..ooxml import worksheet

DEFAULT_ROW_HEIGHT = 15.0  # points: a row of Calibri 11 with no height of its own
# What a page holds is estimated: renderers round the scale and pad a little; a table
# close to a page's height is kept whole only if it fits in this share of it.
SAFETY = 0.95
HEAD_ROWS = 4  # a long table's heading, header and first two lines stay together


def keep_tables_whole(ws: Worksheet, repeated_rows: int, more_rows: Iterable[int] = ()
                      ) -> None:
    """Row breaks on ``ws`` before each block of filled rows (``more_rows``: filled ones
    openpyxl does not hold) that would run over a page's foot but fits on a page; the
    first ``repeated_rows`` rows print at the top of every page."""
    filled = {row for (row, _), cell in ws._cells.items() if cell.value is not None}
    filled.update(more_rows)
    heights = dict.fromkeys(range(1, max(filled, default=0) + 1), DEFAULT_ROW_HEIGHT)
    # the rows with a height of their own (row_dimensions[row] would make one a row)
    heights.update((row, dimension.height) for row, dimension in ws.row_dimensions.items()
                   if dimension.height and row in heights)
    titles = sum(heights[row] for row in range(1, repeated_rows + 1))
    room = _page_points(ws) / _scale(ws) - titles
    blocks = _blocks(sorted(row for row in filled if row > repeated_rows))
    for row in breaks_before(blocks, heights, room * SAFETY, first=repeated_rows + 1):
        ws.row_breaks.append(Break(id=row - 1))  # a break after row id


def breaks_before(blocks: Sequence[tuple[int, int]], heights: Mapping[int, float],
                  room: float, *, first: int) -> list[int]:
    """The rows to start a new page at so that no block (its first and last row) that
    fits on a page (``room`` points) is split: the empty row above it, when it has one,
    which then sets it off from the titles on the new page. A longer block runs on,
    breaking where the page is full, but starts a page rather than leave fewer than its
    first HEAD_ROWS (a heading, a header and its first lines) at a page's foot. Rows from
    ``first``; ``heights`` in points, by row."""
    breaks, used, row = [], 0.0, first
    for start, end in blocks:
        at = start - 1 if row < start else start  # the block and the empty row above it
        used += sum(heights[r] for r in range(row, at))
        size = sum(heights[r] for r in range(at, end + 1))
        head = sum(heights[r] for r in range(at, min(end, start + HEAD_ROWS - 1) + 1))
        if used and (size <= room < used + size or used + head > room):
            breaks.append(at)
            used = 0.0
        for r in range(at, end + 1):  # a long block breaks where a page is full
            used = heights[r] if used + heights[r] > room else used + heights[r]
        row = end + 1
    return breaks


def _blocks(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Runs of consecutive rows, as (first, last)."""
    blocks: list[tuple[int, int]] = []
    for row in rows:
        if blocks and blocks[-1][1] == row - 1:
            blocks[-1] = (blocks[-1][0], row)
        else:
            blocks.append((row, row))
    return blocks


def fit_pages_wide(ws: Worksheet, titles: int) -> None:
    """Landscape, over the fewest pages side by side that print the filled columns at 75%
    or more (worksheet.pages_wide, at most 4), the first ``titles`` columns on every page,
    as many pages tall as it takes, over then down: the Tasks sheet's rule."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = worksheet.pages_wide(_printed_columns(ws), titles,
                                                    _printable_pixels(ws))
    ws.page_setup.fitToHeight = 0
    ws.page_setup.pageOrder = worksheet.TOOLS_PAGE_ORDER
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _scale(ws: Worksheet) -> float:
    """The scale the sheet prints at, fitted to its pages wide: its used columns' width
    against the paper's printable width on as many pages (never above 100%; pages wide
    that split the columns unevenly print a little smaller)."""
    pixels = sum(_printed_columns(ws))
    room = _printable_pixels(ws) * (ws.page_setup.fitToWidth or 1)
    return min(1.0, room / pixels) if pixels else 1.0


def _printed_columns(ws: Worksheet) -> list[float]:
    """The width in pixels of each column from A to the last one holding a value (as
    ooxml.worksheet measures a sheet's columns: w * 7, hidden ones none)."""
    last = max((column for (_, column), cell in ws._cells.items() if cell.value is not None),
               default=1)
    return [_column_pixels(ws, column) for column in range(1, last + 1)]


def _column_pixels(ws: Worksheet, column: int) -> float:
    dimension = ws.column_dimensions.get(get_column_letter(column))
    if dimension is not None and dimension.hidden:
        return 0.0
    width = (dimension.width if dimension is not None else None) or worksheet.DEFAULT_COLUMN_WIDTH
    return width * worksheet.DIGIT_PIXELS


def _printable_pixels(ws: Worksheet) -> float:
    """A landscape page's printable width in pixels, at 100%."""
    width, _ = worksheet.paper(ws.page_setup.paperSize)
    return (width - ws.page_margins.left - ws.page_margins.right) * worksheet.PIXELS_PER_INCH


def _page_points(ws: Worksheet) -> float:
    """A landscape page's printable height in points, at 100%."""
    _, height = worksheet.paper(ws.page_setup.paperSize)
    return (height - ws.page_margins.top - ws.page_margins.bottom) * 72
