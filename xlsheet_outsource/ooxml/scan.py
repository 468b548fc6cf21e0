"""A worksheet part scanned before a reader loads it: how far its values reach (refused
when loading it would take too much memory) and the cells a fast reader shows as blank
though they are not (error values, formulas without a saved result)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .cells import column_letter
from .errors import PackageError
from .xmltext import ANY_PREFIX

MAX_SHEET_CELLS = 1_000_000  # cells on one sheet the reader loads
MAX_SHEET_AREA = 5_000_000  # rows x columns from A1 to the farthest value of a sheet read
LAST_NAMEABLE_COLUMN = 18278  # ZZZ; Excel stops at XFD (16384)


@dataclass
class SheetScan:
    """A sheet as calamine will see it: how far its values reach, and the cells whose
    value a fast reader shows as blank though they are not.

    ``last_row``/``last_column`` are exact when ``exact_extent`` is true (the exact scan
    ran). From the fast path they are an upper bound: the farthest cell of any kind, empty
    styled cells included, or the sheet's dimension where it reaches farther. Only the
    refusal below reads them, and a bound past the limit is always settled by the exact
    scan, so the refusals are the same either way."""
    last_row: int = 0  # 1-based extent of the cells holding a value
    last_column: int = 0
    # (row, column), 0-based -> "#DIV/0!" for an error value, "" for a formula with no result
    unusable: dict[tuple[int, int], str] = field(default_factory=dict)
    exact_extent: bool = True  # False: last_row/last_column are an upper bound


# Attributes, quotes respected; none may hold a "<" (XML forbids it), which keeps every
# match short: a tag this does not read is counted as unreadable, not searched further.
_ATTRIBUTES = rb"""((?:[^<>"']|"[^<"]*"|'[^<']*')*)"""
_SHEET_ITEM = re.compile(
    rb"<" + ANY_PREFIX + rb"(?:row(?=[\s/>])" + _ATTRIBUTES + rb">"  # 1: a row's attributes
    rb"|c(?=[\s/>])" + _ATTRIBUTES + rb">"  # 2: a cell's attributes (ending in / if empty)
    rb"([^<]*(?:<(?!/?" + ANY_PREFIX + rb"(?:c|row)[\s/>])[^<]*)*))")  # 3: what the cell holds
_ITEM_START = re.compile(rb"<" + ANY_PREFIX + rb"(row|c)[\s/>]")
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])(\d+)\1""")
_CELL_REF = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])([A-Za-z]+)(\d+)\1""")
_CELL_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*(["'])(\w+)\1""")
_VALUE = re.compile(rb"<" + ANY_PREFIX + rb"v(?:\s[^>]*)?>([^<]*)")
_INLINE = re.compile(rb"<" + ANY_PREFIX + rb"is[\s/>]")
_FORMULA = re.compile(rb"<" + ANY_PREFIX + rb"f[\s/>]")


def scan_sheet(name: str, sheet_xml: bytes) -> SheetScan:
    """Where the sheet's values reach, placing cells without an address as calamine does
    (next column, next row); refused when loading it would take too much memory.

    A sheet written the ordinary way (as Excel, LibreOffice and openpyxl write them) takes
    a fast path of a few whole-text passes; anything it is not sure of takes the exact
    scan, cell by cell. Both refuse the same sheets with the same words and find the same
    unusable cells; see SheetScan for the extent."""
    scan = _fast_scan(name, sheet_xml)
    return scan if scan is not None else _exact_scan(name, sheet_xml)


def _exact_scan(name: str, sheet_xml: bytes) -> SheetScan:
    """scan_sheet, every cell read one by one: any sheet, however written."""
    starts = Counter(match[1] for match in _ITEM_START.finditer(sheet_xml))
    if starts[b"c"] > MAX_SHEET_CELLS:
        raise _too_many_cells(name, starts[b"c"])
    scan = SheetScan()
    row, column, items = -1, 0, 0  # row, column 0-based: where a cell without address goes
    for item in _SHEET_ITEM.finditer(sheet_xml):
        items += 1
        row_attributes, attributes, content = item.groups()
        if row_attributes is not None:
            numbers = [int(number) for _, number in _ROW_NUMBER.findall(row_attributes)]
            row, column = (max(numbers) - 1 if numbers else row + 1), 0
            continue
        refs = _CELL_REF.findall(attributes)  # several: the farthest, to be safe
        at_row = max((int(number) - 1 for _, _, number in refs), default=max(row, 0))
        at_column = max((_column_number(letters) - 1 for _, letters, _ in refs), default=column)
        column = at_column + 1
        _note_cell(scan, at_row, at_column, attributes,
                   b"" if attributes.endswith(b"/") else content)
    if items != starts.total():
        raise PackageError(f"is damaged: sheet {name!r} has a row or cell tag that cannot be read")
    area = scan.last_row * scan.last_column
    if area > MAX_SHEET_AREA:
        corner = f"{column_letter(min(scan.last_column, LAST_NAMEABLE_COLUMN))}{scan.last_row}"
        raise PackageError(f"sheet {name!r} has values as far as {corner}: {area:,} cells "
                           f"to read, more than this tool reads ({MAX_SHEET_AREA:,}); "
                           "delete what is far below or right of the table")
    return scan


def _too_many_cells(name: str, cells: int) -> PackageError:
    return PackageError(f"sheet {name!r} has {cells:,} cells, more than this tool "
                        f"reads ({MAX_SHEET_CELLS:,}); keep the tasks in a smaller workbook")


# The fast path. It trusts a sheet only where these make the exact scan's reading certain:
# no prefixed cell or row tag; every cell tag written <c r="A1" name="value" ...> (or
# .../>) with no other r attribute, values without quotes, spaces or angle brackets (so
# the tag reads, and its one address is the one the exact scan takes); every row tag
# readable. Then every cell is where its address says, the farthest address bounds the
# extent, and the only cells that can be unusable hold a formula tag or a t="e".
_FAST_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_FAST_ANY_PREFIXED = re.compile(rb":(?:c|row|f)[\s/>]")
_FAST_PREFIXED_FORMULA = re.compile(rb":f[\s/>]")
_FAST_FORMULA = re.compile(rb"<f[\s/>]")
# Every cell tag; the group is its row number when the tag is written the ordinary way,
# else empty.
_FAST_CELL_TAIL = rb'"(?: [a-qs-z]\w*+="[\w.]*+")*+\s?/?>'  # after the address
_FAST_CELL = re.compile(rb'<c(?=[\s/>])(?: r="[A-Za-z]++(\d++)' + _FAST_CELL_TAIL + rb")?")
_FAST_COLUMN = re.compile(rb'<c r="([A-Za-z]++)')
_FAST_ADDRESS = re.compile(rb'<c r="([A-Za-z]++)(\d++)"')
_FAST_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Za-z]++\d++:)?([A-Za-z]++)(\d++)"')
_FAST_BAD_ROW = re.compile(rb"<row(?=[\s/>])(?!" + _ATTRIBUTES + rb">)")
_FAST_CELL_START = b'<c r="'
_FAST_ERROR_TYPE = b' t="e"'


def _fast_scan(name: str, sheet_xml: bytes) -> SheetScan | None:
    """scan_sheet for a sheet written the ordinary way; None when the sheet is not, or
    when the extent's bound is past the limit (the exact scan then decides)."""
    prefixed = _FAST_ANY_PREFIXED.search(sheet_xml)
    if prefixed is not None and _FAST_PREFIXED.search(sheet_xml, prefixed.start()):
        return None
    extent = _claimed_extent(name, sheet_xml) or _counted_extent(name, sheet_xml)
    if extent is None or _FAST_BAD_ROW.search(sheet_xml):
        return None
    scan = SheetScan(last_row=extent[0], last_column=extent[1],
                     exact_extent=extent == (0, 0))  # (0, 0): no cell at all
    if scan.last_row * scan.last_column > MAX_SHEET_AREA:
        return None
    # Cells that may be unusable: each holding (or followed by) a formula tag or t="e".
    suspects = {match.start() for match in _FAST_FORMULA.finditer(sheet_xml)}
    if prefixed is not None:
        suspects.update(match.start() for match in _FAST_PREFIXED_FORMULA.finditer(sheet_xml))
    at = sheet_xml.find(_FAST_ERROR_TYPE)
    while at >= 0:
        suspects.add(at)
        at = sheet_xml.find(_FAST_ERROR_TYPE, at + 1)
    cells = {sheet_xml.rfind(_FAST_CELL_START, 0, at) for at in suspects}
    cells.discard(-1)
    notes = SheetScan()
    for start in sorted(cells):  # in the order of the sheet, as the exact scan notes them
        item = _SHEET_ITEM.match(sheet_xml, start)
        if item is None or item[2] is None:
            return None
        attributes, content = item[2], item[3]
        refs = _CELL_REF.findall(attributes)
        if not refs:
            return None
        _note_cell(notes, max(int(number) - 1 for _, _, number in refs),
                   max(_column_number(letters) - 1 for _, letters, _ in refs), attributes,
                   b"" if attributes.endswith(b"/") else content)
    scan.unusable = notes.unusable
    return scan


def _counted_extent(name: str, sheet_xml: bytes) -> tuple[int, int] | None:
    """The farthest row and column of any cell tag, every tag read; None when one is not
    written the ordinary way."""
    rows = _FAST_CELL.findall(sheet_xml)  # one per cell tag, as the exact scan counts them
    if len(rows) > MAX_SHEET_CELLS:
        raise _too_many_cells(name, len(rows))
    numbers = set(rows)
    if b"" in numbers:
        return None
    if not rows:
        return 0, 0
    return (max(map(int, numbers)),
            max(map(_column_number, set(_FAST_COLUMN.findall(sheet_xml)))))


def _claimed_extent(name: str, sheet_xml: bytes) -> tuple[int, int] | None:
    """The corner the sheet claims (its dimension, or its last cell tag), checked in one
    pass that looks at every cell tag without keeping any: each is written the ordinary
    way, and none lies below or right of that corner. None when the check fails (the
    cells are then counted one by one): a wrong claim costs time, never a wrong bound."""
    corner = _claimed_corner(sheet_xml)
    if corner is None or corner[0] * corner[1] > MAX_SHEET_AREA:
        return None  # a claim past the limit is not taken: the cells' own bound may not be
    beyond = re.compile(rb'<c(?=[\s/>])(?! r="' + _letters_at_most(corner[1])
                        + _digits_at_most(corner[0]) + _FAST_CELL_TAIL + rb")")
    if beyond.search(sheet_xml):
        return None
    cells = sheet_xml.count(_FAST_CELL_START)  # every cell tag starts so: none is beyond
    if cells > MAX_SHEET_CELLS:
        raise _too_many_cells(name, cells)
    return corner if cells else (0, 0)


def _claimed_corner(sheet_xml: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based: the farthest of the dimension's corner and the addresses
    of the last cell tags of the first and the last row (a header is often the widest
    row: a decided sheet's Problem header stands over blanks); None without any."""
    corners = []
    cells = sheet_xml.find(b"<sheetData")
    dimension = _FAST_DIMENSION.search(sheet_xml, 0, cells if cells >= 0 else len(sheet_xml))
    first_row_end = sheet_xml.find(b"</row>")
    ends = (sheet_xml.rfind(_FAST_CELL_START, 0, max(first_row_end, 0)),
            sheet_xml.rfind(_FAST_CELL_START))
    found_cells = [_FAST_ADDRESS.match(sheet_xml, end) for end in ends if end >= 0]
    for found in (dimension, *found_cells):
        if found is not None:
            corners.append((int(found[2]), _column_number(found[1])))
    if not corners:
        return None
    return max(row for row, _ in corners), max(column for _, column in corners)


def _digits_at_most(limit: int) -> bytes:
    """A pattern for a run of digits whose number is at most ``limit`` (leading zeros
    allowed, as int() reads them): as many digits and not more, then fewer digits."""
    digits = [int(digit) for digit in str(limit)]
    alternatives = []
    for at, digit in enumerate(digits):
        lowest = int(at == 0)  # no leading zero: 0*+ took them
        highest = digit if at == len(digits) - 1 else digit - 1
        if highest >= lowest:
            alternatives.append(str(limit)[:at].encode() + b"[%d-%d]" % (lowest, highest)
                                + rb"\d{%d}" % (len(digits) - at - 1))
    if len(digits) > 1:
        alternatives.append(rb"[1-9]\d{0,%d}+" % (len(digits) - 2))
    return b"0*+(?:" + b"|".join(alternatives) + b")"


def _letters_at_most(limit: int) -> bytes:
    """A pattern for column letters, either case, naming a column at most ``limit``: as
    many letters and not after it in the alphabet, then fewer letters."""
    letters = column_letter(limit).encode()
    alternatives = []
    for at, letter in enumerate(letters):
        highest = letter if at == len(letters) - 1 else letter - 1
        if highest >= ord("A"):
            same = b"".join(b"[%c%c]" % (ours, ours + 32) for ours in letters[:at])
            alternatives.append(same + b"[A-%ca-%c]" % (highest, highest + 32)
                                + rb"[A-Za-z]{%d}" % (len(letters) - at - 1))
    if len(letters) > 1:
        alternatives.append(rb"[A-Za-z]{1,%d}+" % (len(letters) - 1))
    return b"(?:" + b"|".join(alternatives) + b")"


def _note_cell(scan: SheetScan, row: int, column: int, attributes: bytes, content: bytes) -> None:
    value = _VALUE.search(content)
    if value is not None or _INLINE.search(content):
        scan.last_row = max(scan.last_row, row + 1)
        scan.last_column = max(scan.last_column, column + 1)
    typed = _CELL_TYPE.search(attributes)
    kind = typed[2] if typed else b"n"
    text = value[1].decode(errors="replace") if value else ""
    if kind == b"e":
        scan.unusable[row, column] = text or "#VALUE!"
    elif _FORMULA.search(content) and not text and (kind != b"str" or value is None):
        scan.unusable[row, column] = ""


def _column_number(letters: bytes) -> int:
    """1-based, of any length: an address past XFD is as far as it says, not an error."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number

