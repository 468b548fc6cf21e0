"""scan.scan_sheet: the fast path answers as the exact scan does, and is taken for
sheets written the ordinary way."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from xlsheet_outsource.ooxml import scan as scanning
from xlsheet_outsource.ooxml.package import PackageError
from xlsheet_outsource.ooxml.scan import _exact_scan, scan_sheet

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _outcome(function, xml: bytes):
    try:
        return function("S", xml)
    except PackageError as exc:
        return str(exc)


def _assert_same(xml: bytes) -> None:
    fast, exact = _outcome(scan_sheet, xml), _outcome(_exact_scan, xml)
    if isinstance(exact, str) or isinstance(fast, str):
        assert fast == exact
        return
    assert fast.unusable == exact.unusable
    assert list(fast.unusable) == list(exact.unusable)
    if fast.exact_extent:
        assert (fast.last_row, fast.last_column) == (exact.last_row, exact.last_column)
    else:  # an upper bound, within the limit
        assert fast.last_row >= exact.last_row and fast.last_column >= exact.last_column
        assert fast.last_row * fast.last_column <= scanning.MAX_SHEET_AREA


# --- generated sheets -------------------------------------------------------------------

def _attribute(draw, name: str, value: str, plain: bool) -> str:
    if plain:
        return f' {name}="{value}"'
    space = draw(st.sampled_from([" ", "\t", "\n", "  "]))
    equals = draw(st.sampled_from(["=", " = ", "=\t"]))
    quote = draw(st.sampled_from(['"', "'"]))
    return f"{space}{name}{equals}{quote}{value}{quote}"


CONTENTS = {
    "number": ("n", "<v>12.5</v>"),
    "shared": ("s", "<v>0</v>"),
    "inline": ("inlineStr", "<is><t>hello</t></is>"),
    "inline-empty": ("inlineStr", ""),
    "styled-empty": (None, ""),
    "open-empty": (None, "</>"),  # <c ...></c>
    "formula": (None, "<f>A1*2</f><v>4</v>"),
    "formula-no-v": (None, "<f>A1*2</f>"),
    "formula-v-slash": (None, "<f>A1*2</f><v/>"),
    "formula-v-space": (None, "<f>A1*2</f><v />"),
    "formula-v-empty": (None, "<f>A1*2</f><v></v>"),
    "shared-formula": (None, '<f t="shared" si="0"/><v>3</v>'),
    "str-formula": ("str", "<f>A1</f><v></v>"),
    "str-formula-no-v": ("str", "<f>A1</f>"),
    "str-formula-v": ("str", "<f>A1</f><v>x</v>"),
    "error": ("e", "<v>#DIV/0!</v>"),
    "error-no-v": ("e", ""),
    "error-formula": ("e", "<f>1/0</f><v>#DIV/0!</v>"),
    "text-like-error": ("inlineStr", '<is><t>t="e" and &lt;f</t></is>'),
    "broken-quote": (None, "BROKEN"),
}


@st.composite
def sheets(draw) -> bytes:
    ordinary = draw(st.booleans())
    prefix = "" if ordinary or draw(st.integers(0, 3)) else "x:"
    rows_xml = []
    row_number = 0
    for _ in range(draw(st.integers(0, 6))):
        row_number = draw(st.sampled_from([row_number + 1, row_number + 1, row_number + 3,
                                           max(row_number - 1, 1), 100_000, 3_000_000]))
        with_r = ordinary or draw(st.integers(0, 4)) > 0
        row_attrs = _attribute(draw, "r", str(row_number), ordinary) if with_r else ""
        if draw(st.booleans()):
            row_attrs += ' spans="1:5"'
        cells = []
        column = 0
        for _ in range(draw(st.integers(0, 5))):
            column = draw(st.sampled_from([column + 1, column + 1, column + 2, 30, 16384, 1]))
            kind = draw(st.sampled_from(sorted(CONTENTS)))
            if ordinary and kind == "broken-quote" and draw(st.booleans()):
                kind = "number"
            t, content = CONTENTS[kind]
            plain = ordinary or draw(st.booleans())
            parts = []
            if ordinary or draw(st.integers(0, 4)) > 0:
                letters = get_column_letter(column)
                if not ordinary and draw(st.integers(0, 5)) == 0:
                    letters = letters.lower()
                parts.append(_attribute(draw, "r", f"{letters}{row_number}", plain))
            if draw(st.booleans()):
                parts.append(_attribute(draw, "s", str(draw(st.integers(0, 9))), plain))
            if t is not None:
                parts.append(_attribute(draw, "t", t, plain))
            if not plain and draw(st.integers(0, 6)) == 0:  # a second address
                parts.append(_attribute(draw, "r", "Z" + str(draw(st.integers(1, 9))), plain))
            if not ordinary:
                parts = draw(st.permutations(parts))
            attrs = "".join(parts)
            if kind == "broken-quote":
                cells.append(f'<{prefix}c{attrs} s="1><{prefix}v>1</{prefix}v></{prefix}c>')
                continue
            content = content.replace("<", f"<{prefix}").replace(f"<{prefix}/", f"</{prefix}")
            if content == "</>":
                cells.append(f"<{prefix}c{attrs}></{prefix}c>")
            elif content:
                cells.append(f"<{prefix}c{attrs}>{content}</{prefix}c>")
            else:
                cells.append(f"<{prefix}c{attrs}{draw(st.sampled_from(['/>', ' />']))}")
        rows_xml.append(f"<{prefix}row{row_attrs}>{''.join(cells)}</{prefix}row>")
    namespace = MAIN.replace("xmlns=", f"xmlns:{prefix[:-1]}=") if prefix else MAIN
    tail = ""
    if draw(st.booleans()):  # an x14 list validation: a prefixed formula, not in a cell
        tail = ('<extLst><ext uri="x"><x14:dataValidations><x14:dataValidation><x14:formula1>'
                '<xm:f>Lists!$A$1:$A$5</xm:f></x14:formula1></x14:dataValidation>'
                '</x14:dataValidations></ext></extLst>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            f'<{prefix}worksheet {namespace}><{prefix}dimension ref="A1"/>'
            f"<{prefix}sheetData>{''.join(rows_xml)}</{prefix}sheetData>"
            f'<{prefix}pageMargins left="0.7" right="0.7" header="0.3" footer="0.3"/>'
            f"{tail}</{prefix}worksheet>").encode()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_fast_path_answers_as_the_exact_scan(xml: bytes) -> None:
    _assert_same(xml)


# --- targeted -----------------------------------------------------------------------------

def _plain_sheet(rows: int, columns: int, extra: str = "") -> bytes:
    body = []
    for row in range(1, rows + 1):
        cells = "".join(f'<c r="{get_column_letter(col)}{row}" t="n"><v>{row * col}</v></c>'
                        for col in range(1, columns + 1))
        body.append(f'<row r="{row}" spans="1:{columns}">{cells}</row>')
    return (f'<worksheet {MAIN}><sheetData>{"".join(body)}{extra}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>').encode()


@pytest.fixture
def no_exact(monkeypatch):
    def refuse(name, xml):
        raise AssertionError("the exact scan ran")
    monkeypatch.setattr(scanning, "_exact_scan", refuse)


def test_fast_path_is_taken_for_an_ordinary_sheet(no_exact) -> None:
    scan = scan_sheet("S", _plain_sheet(200, 8))
    assert (scan.last_row, scan.last_column, scan.unusable) == (200, 8, {})
    assert not scan.exact_extent


def test_fast_path_finds_formulas_and_errors_without_the_exact_scan(no_exact) -> None:
    extra = ('<row r="201"><c r="A201"><f>SUM(A1:A200)</f></c>'
             '<c r="B201" s="2" t="e"><v>#N/A</v></c><c r="C201"><f>1/0</f><v>2</v></c>'
             '<c r="D201" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E201" t="str"><f>A1</f>'
             '<v></v></c><c r="F201"><f>A2</f><v/></c></row>')
    xml = _plain_sheet(200, 8, extra)
    scan = scan_sheet("S", xml)
    assert scan.unusable == {(200, 0): "", (200, 1): "#N/A", (200, 3): "#DIV/0!",
                             (200, 5): ""}


def test_far_empty_styled_cell_is_not_refused() -> None:
    extra = '<row r="1048576"><c r="XFD1048576" s="3"/></row>'
    xml = _plain_sheet(20, 4, extra)
    assert _exact_scan("S", xml).last_row == 20  # the exact scan does not refuse it
    scan = scan_sheet("S", xml)  # the bound is past the limit: the exact scan decides
    assert (scan.last_row, scan.last_column, scan.exact_extent) == (20, 4, True)


def test_far_value_is_refused_as_before() -> None:
    xml = _plain_sheet(3, 2, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with pytest.raises(PackageError, match="has values as far as XFD1048576"):
        scan_sheet("S", xml)
    _assert_same(xml)


def test_too_many_cells_refused_by_the_fast_path_with_the_same_words(no_exact, monkeypatch
                                                                     ) -> None:
    monkeypatch.setattr(scanning, "MAX_SHEET_CELLS", 50)
    with pytest.raises(PackageError, match=r"has 60 cells, more than this tool reads \(50\)"):
        scan_sheet("S", _plain_sheet(20, 3))


def test_unreadable_cell_tag_is_damaged_as_before() -> None:
    xml = _plain_sheet(3, 2, '<row r="4"><c r="A4" s="1><v>1</v></c></row>')
    with pytest.raises(PackageError, match="cannot be read"):
        scan_sheet("S", xml)


@pytest.mark.parametrize("odd", [
    '<x:c r="A9"><x:v>1</x:v></x:c>',  # a prefixed cell
    '<c r="A9" r="Z99"><v>1</v></c>',  # a second address
    "<c r='A9'><v>1</v></c>",  # single quotes
    '<c t="n" r="A9"><v>1</v></c>',  # address not first
    '<c><v>1</v></c>',  # no address
])
def test_odd_sheets_take_the_exact_scan(odd: str, monkeypatch) -> None:
    calls = []
    exact = scanning._exact_scan
    monkeypatch.setattr(scanning, "_exact_scan", lambda *a: calls.append(1) or exact(*a))
    xml = _plain_sheet(5, 3, f'<row r="9">{odd}</row>')
    _assert_same(xml)
    scan_sheet("S", xml)
    assert calls


def test_big_ordinary_sheet_matches() -> None:
    xml = _plain_sheet(2000, 10, '<row r="2001"><c r="A2001" s="1"/><c r="K2001" s="1"/>'
                                 '<c r="B2001" t="e"><v>#REF!</v></c></row>')
    _assert_same(xml)
    scan = scan_sheet("S", xml)
    assert (scan.last_row, scan.last_column) == (2001, 11)  # a bound: empty cells count
    assert _exact_scan("S", xml).last_column == 10


# --- the claimed corner: the sheet's dimension or last cell, checked in one pass ---------

def _dimensioned(ref: str, rows: int, columns: int, extra: str = "") -> bytes:
    return _plain_sheet(rows, columns, extra).replace(
        b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode())


def test_a_dimension_past_the_cells_is_the_bound(no_exact) -> None:
    scan = scan_sheet("S", _dimensioned("A1:Z300", 200, 8))
    assert (scan.last_row, scan.last_column) == (300, 26)


@pytest.mark.parametrize("ref", ["A1:C5", "A1", "B2:C3"])
def test_cells_past_the_dimension_are_counted_one_by_one(ref: str, no_exact) -> None:
    xml = _dimensioned(ref, 200, 8, '<row r="201"><c r="AB201" s="1"/></row>')
    scan = scan_sheet("S", xml)
    assert (scan.last_row, scan.last_column) == (201, 28)
    _assert_same(xml)


def test_a_dimension_past_the_limit_is_not_taken(no_exact) -> None:
    scan = scan_sheet("S", _dimensioned("A1:XFD1048576", 20, 4))
    assert (scan.last_row, scan.last_column) == (20, 4)


def test_an_address_with_leading_zeros_is_within_its_number(no_exact) -> None:
    scan = scan_sheet("S", _plain_sheet(20, 4, '<row r="21"><c r="b0021" s="1"/></row>'))
    assert (scan.last_row, scan.last_column) == (21, 4)


@given(st.integers(1, 2_000_000), st.integers(0, 3_000_000), st.integers(0, 2))
def test_digits_at_most_reads_numbers_as_int_does(limit: int, number: int, zeros: int) -> None:
    digits = b"0" * zeros + str(number).encode()
    pattern = re.compile(scanning._digits_at_most(limit) + b'"')
    assert bool(pattern.fullmatch(digits + b'"')) == (0 < number <= limit)


@given(st.integers(1, 20_000), st.integers(1, 18_278), st.booleans())
def test_letters_at_most_orders_columns_as_excel_does(limit: int, column: int, lower: bool
                                                      ) -> None:
    letters = get_column_letter(column)
    pattern = re.compile(scanning._letters_at_most(limit) + b"1")
    assert bool(pattern.fullmatch((letters.lower() if lower else letters).encode() + b"1")) \
        == (column <= limit)


def test_a_header_wider_than_the_last_row_is_claimed(no_exact, monkeypatch) -> None:
    def refuse(name, xml):
        raise AssertionError("the cells were counted one by one")
    monkeypatch.setattr(scanning, "_counted_extent", refuse)
    header = '<c r="J1" s="1" t="inlineStr"><is><t>Problem</t></is></c></row>'
    scan = scan_sheet("S", _plain_sheet(200, 8).replace(b"</row>", header.encode(), 1))
    assert (scan.last_row, scan.last_column) == (200, 10)
