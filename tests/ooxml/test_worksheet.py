"""Worksheet parts rewritten as streams of rows: every other byte kept."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given
from hypothesis import strategies as st
from support.packages import MAIN, edit, sheet

from xlsheet_outsource.ooxml import worksheet
from xlsheet_outsource.ooxml.cells import (
    Cell,
    column_letter,
)


def test_rows_keep_their_attributes_and_other_cells():
    xml = sheet('<row r="1" spans="1:2" ht="30" customHeight="1"><c r="A1" t="s"><v>0</v></c>'
                '<c r="B1"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row>')
    out = worksheet.rewrite(xml, edit({1: {3: Cell("Head")}, 2: {3: Cell(4.5, 7)}}, {3})).xml
    assert (b'<row r="1" spans="1:3" ht="30" customHeight="1"><c r="A1" t="s"><v>0</v></c>'
            b'<c r="B1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Head</t></is></c></row>') in out
    assert b'<row r="2"><c r="C2" s="7"><v>4.5</v></c></row><row r="3"><c r="A3"><v>2</v></c>' \
           b'</row>' in out


@pytest.mark.parametrize("quick", [True, False])
def test_spans_widen_to_the_cells_written_not_the_blanks(quick, monkeypatch):
    """A blank at either end of the new cells writes nothing, so spans= does not reach it
    (cells put at the rows' ends, quick or parsed); nor where the new cells go between
    kept ones (the parser's merge)."""
    if not quick:
        monkeypatch.setattr(worksheet, "_cells_appended", lambda *args: None)
    blank_ends = {3: Cell(None), 4: Cell(1.5), 5: Cell("x"), 6: Cell(None)}
    xml = sheet('<row r="1" spans="1:1"><c r="A1"><v>0</v></c></row>'
                '<row r="2" spans="2:2"><c r="B2"><v>0</v></c></row>')
    out = worksheet.rewrite(xml, edit({1: blank_ends, 2: blank_ends}, {3, 4, 5, 6})).xml
    assert b'<row r="1" spans="1:5"><c r="A1"><v>0</v></c><c r="D1"><v>1.5</v></c>' in out
    assert b'<row r="2" spans="2:5">' in out
    xml = sheet('<row r="3" spans="1:9"><c r="A3"><v>0</v></c><c r="I3"><v>0</v></c></row>'
                '<row r="4" spans="9:9"><c r="I4"><v>0</v></c></row>')
    out = worksheet.rewrite(xml, edit({3: blank_ends, 4: blank_ends}, {3, 4, 5, 6})).xml
    assert (b'<row r="3" spans="1:9"><c r="A3"><v>0</v></c><c r="D3"><v>1.5</v></c>'
            b'<c r="E3" t="inlineStr"><is><t>x</t></is></c><c r="I3"><v>0</v></c></row>') in out
    assert b'<row r="4" spans="4:9"><c r="D4">' in out


def test_the_old_block_is_cleared_below_the_header_only():
    xml = sheet('<row r="1"><c r="C1"><v>9</v></c></row><row r="2"><c r="C2"><v>1</v></c>'
                '<c r="D2"><v>2</v></c></row><row r="5"><c r="C5"><v>3</v></c></row>')
    edited = worksheet.SheetEdit(2, frozenset({3}), {2: {3: Cell(8)}})
    out = worksheet.rewrite(xml, edited).xml
    assert b'<c r="C1"><v>9</v></c>' in out and b'<row r="5"></row>' in out
    assert b'<row r="2"><c r="C2"><v>8</v></c><c r="D2"><v>2</v></c></row>' in out


def test_cells_without_addresses_get_one_when_their_row_changes():
    xml = sheet("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>")
    out = worksheet.rewrite(xml, worksheet.SheetEdit(2, frozenset({2}), {2: {2: Cell(5)}})).xml
    assert out.endswith(b'<sheetData><row><c><v>1</v></c><c><v>2</v></c></row>'
                        b'<row><c r="A2"><v>3</v></c><c r="B2"><v>5</v></c></row></sheetData>'
                        b'</worksheet>')


def test_an_empty_sheet_and_a_prefixed_one():
    assert worksheet.rewrite(f'<worksheet {MAIN}><sheetData/></worksheet>'.encode(),
                             edit({1: {1: Cell(1)}})).xml.endswith(
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>')
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>', prefix="x")
    out = worksheet.rewrite(xml, edit({1: {2: Cell("b")}, 2: {2: Cell(2)}}, {2},
                                      widths={2: 20})).xml
    assert (b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1" t="inlineStr"><x:is>'
            b'<x:t>b</x:t></x:is></x:c></x:row><x:row r="2">') in out
    assert (b'<x:cols><x:col min="2" max="2" width="20" customWidth="1"/></x:cols>'
            b'<x:sheetData>') in out
    SafeET.fromstring(out)


def test_column_widths_split_a_range_and_keep_its_style():
    xml = sheet("", head='<dimension ref="A1:B2"/><cols><col min="1" max="16384" width="9" '
                         'style="4"/></cols>')
    out = worksheet.rewrite(xml, edit({1: {3: Cell(1)}}, widths={3: 14, 4: 60})).xml
    assert (b'<cols><col min="1" max="2" width="9" style="4"/><col min="3" max="3" width="14" '
            b'style="4" customWidth="1"/><col min="4" max="4" width="60" style="4" '
            b'customWidth="1"/><col min="5" max="16384" width="9" style="4"/></cols>') in out
    assert b'<dimension ref="A1:C2"/>' in out
    assert worksheet.rewrite(out, edit({1: {3: Cell(1)}}, widths={3: 14, 4: 60})).xml == out


def test_conditional_formats_replace_the_tools_and_keep_schema_order():
    rule = worksheet.Rule("cellIs", (("dxfId", "1"), ("operator", "equal")),
                          "<formula>&quot;KEEP&quot;</formula>")
    ours = worksheet.ConditionalFormat("C2:C9", (rule,))
    tail = ('<conditionalFormatting sqref="C2:C5"><cfRule type="cellIs" priority="4"/>'
            '</conditionalFormatting><conditionalFormatting sqref="A1:C3">'
            '<cfRule type="expression" priority="2"/></conditionalFormatting>'
            '<dataValidations count="0"/><mc:AlternateContent xmlns:mc="urn:mc"><mc:Choice>'
            '<controls/></mc:Choice></mc:AlternateContent>')
    out = worksheet.rewrite(sheet("", tail=tail), edit({}, {3}, formats=(ours,))).xml
    assert out.endswith(
        b'</sheetData><conditionalFormatting sqref="A1:C3"><cfRule type="expression" '
        b'priority="2"/></conditionalFormatting><conditionalFormatting sqref="C2:C9"><cfRule '
        b'type="cellIs" dxfId="1" operator="equal" priority="3"><formula>&quot;KEEP&quot;'
        b'</formula></cfRule></conditionalFormatting><dataValidations count="0"/>'
        b'<mc:AlternateContent xmlns:mc="urn:mc"><mc:Choice><controls/></mc:Choice>'
        b'</mc:AlternateContent></worksheet>')
    before_controls = worksheet.rewrite(sheet("", tail='<mc:AlternateContent xmlns:mc="urn:mc">'
                                                       '<controls/></mc:AlternateContent>'),
                                        edit({}, {3}, formats=(ours,))).xml
    assert before_controls.index(b"<conditionalFormatting") < before_controls.index(b"<mc:")


SHEET_ROWS = st.lists(st.tuples(st.integers(1, 40),  # row number
                                st.lists(st.integers(1, 30), max_size=4, unique=True),
                                st.booleans()),  # spans=
                      max_size=12, unique_by=lambda row: row[0])


@given(SHEET_ROWS, st.integers(1, 30), st.lists(st.integers(1, 40), max_size=12, unique=True),
       st.booleans())
def test_cells_put_at_row_ends_as_the_row_parser_puts_them(rows, first, new, clear):
    """The quick path (rows split at their closing tags) writes what the parser does."""
    xml = sheet("".join(
        f'<row r="{number}"' + (f' spans="1:{max(columns, default=1)}"' if spans else "") + ">"
        + "".join(f'<c r="{column_letter(c)}{number}"><v>{c}</v></c>' for c in sorted(columns))
        + "</row>" for number, columns, spans in sorted(rows)))
    cells = {row: {first: Cell(f"r{row}"), first + 2: Cell(row * 1.5)} for row in new}
    block = frozenset({first, first + 1, first + 2}) if clear else frozenset()
    quick = worksheet.rewrite(xml, edit(cells, block))
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(worksheet, "_cells_appended", lambda *args: None)
        parsed = worksheet.rewrite(xml, edit(cells, block))
    assert quick == parsed


@given(st.integers(2, 30), st.lists(st.tuples(
    st.integers(1, 40), st.lists(st.integers(0, 29), max_size=3, unique=True),
    st.lists(st.integers(0, 2), max_size=3, unique=True), st.booleans(), st.booleans()),
    max_size=12, unique_by=lambda row: row[0]), st.lists(st.integers(1, 40), max_size=12,
                                                         unique=True))
def test_an_earlier_block_is_replaced_as_the_row_parser_replaces_it(first, rows, new):
    """A re-run: the rows end with the earlier block's cells, which go."""
    def row_xml(number: int, left: list[int], old: list[int], spans: bool, formula: bool) -> str:
        columns = sorted({c % (first - 1) + 1 for c in left}) + [first + c for c in sorted(old)]
        cells = "".join(f'<c r="{column_letter(c)}{number}">'
                        + ("<f>1+1</f>" if formula and c >= first else "") + f"<v>{c}</v></c>"
                        for c in columns)
        return (f'<row r="{number}"' + (f' spans="1:{first + 2}"' if spans else "") + ">"
                + cells + "</row>")
    xml = sheet("".join(row_xml(*row) for row in sorted(rows)))
    cells = {row: {first: Cell(f"r{row}"), first + 2: Cell(row * 1.5)} for row in new}
    block = frozenset({first, first + 1, first + 2})
    quick = worksheet.rewrite(xml, edit(cells, block))
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(worksheet, "_cells_appended", lambda *args: None)
        parsed = worksheet.rewrite(xml, edit(cells, block))
    assert quick == parsed


# Columns of 150 digits (1,050 pixels): a page holds one at 75%, Letter or A4.
PAGE_WIDE_COLUMNS = '<sheetFormatPr defaultColWidth="150" defaultRowHeight="15"/>'


def printed(columns: int, titles: int = 0) -> worksheet.SheetEdit:
    """Nothing written; the sheet printed a few pages wide with ``columns`` columns."""
    return edit({}, view=worksheet.View(printed=worksheet.Printed(columns, titles)))


@pytest.mark.parametrize("prefix", ["", "x"])
def test_printed_wide_keeps_the_paper_and_printer_and_the_schemas_order(prefix):
    """pageSetup gains landscape and three pages wide, keeping its paper and printer
    settings; sheetPr gains fitToPage after its tab colour; both where the schema wants.
    The set-up written is the tool's: a re-run sets it again."""
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>',
                head='<sheetPr><tabColor rgb="FF00FF00"/></sheetPr><dimension ref="A1"/>'
                     + PAGE_WIDE_COLUMNS,
                tail='<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                     'footer="0.3"/><pageSetup paperSize="9" r:id="rId1"/><drawing r:id="rId2"/>',
                prefix=prefix)
    p = f"{prefix}:" if prefix else ""
    rewritten = worksheet.rewrite(xml, printed(3))
    out = rewritten.xml
    assert f'<{p}sheetPr><{p}tabColor rgb="FF00FF00"/><{p}pageSetUpPr fitToPage="1"/>' \
           f'</{p}sheetPr>'.encode() in out
    assert f'<{p}pageSetup paperSize="9" r:id="rId1" orientation="landscape" fitToWidth="3" ' \
           f'fitToHeight="0" pageOrder="overThenDown"/><{p}drawing'.encode() in out
    assert rewritten.pages_wide == worksheet.rewrite(out, printed(3)).pages_wide == 3


def test_printed_wide_adds_what_a_sheet_lacks():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>', head=PAGE_WIDE_COLUMNS,
                tail='<tableParts count="0"/>')
    out = worksheet.rewrite(xml, printed(2)).xml
    assert out.startswith(f'<worksheet {MAIN}><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                          .encode())
    assert b'<pageSetup orientation="landscape" fitToWidth="2" fitToHeight="0" ' \
           b'pageOrder="overThenDown"/><tableParts' in out


def test_a_rerun_sets_the_number_of_pages_in_place():
    """The tool's own set-up (as the template writes it) gets the new count where its
    attribute is; nothing else of the sheet changes. Written before the tool set the
    order of pages, it gains the order."""
    setup = '<pageSetup orientation="landscape" fitToHeight="0" fitToWidth="1"{} />'
    head = '<sheetPr><pageSetUpPr fitToPage="1" /></sheetPr>' + PAGE_WIDE_COLUMNS
    xml = sheet("", head=head, tail=setup.format(' pageOrder="overThenDown"'))
    out = worksheet.rewrite(xml, printed(3)).xml
    assert out == xml.replace(b'fitToWidth="1"', b'fitToWidth="3"')
    older = worksheet.rewrite(sheet("", head=head, tail=setup.format("")), printed(3)).xml
    assert b'fitToWidth="3" pageOrder="overThenDown"/>' in older


def test_the_pages_wide_leave_out_the_titles_and_what_is_not_to_print():
    """Two page-wide columns after one as wide repeated on every page: 2 pages; not
    asked to print (View.printed None), the sheet's set-up as it was."""
    xml = sheet("", head=PAGE_WIDE_COLUMNS)
    assert worksheet.rewrite(xml, printed(3, titles=1)).pages_wide == 2
    assert worksheet.rewrite(xml, edit({})) == worksheet.Rewritten([xml], False, 0)


ROOM = 912.0  # Letter landscape less 0.75 in margins each side, in pixels


@pytest.mark.parametrize(("columns", "titles", "pages"), [
    ([100.0] * 12, 2, 1),  # 1200 pixels: at 76% it fits one page
    ([100.0] * 13, 2, 2),  # 1300 would take 70%
    ([297.0, 919.0, 919.0], 1, 2),  # the room a page has at 75% after its titles, filled
    ([297.0, 919.0, 1.0], 1, 2),  # one pixel more: a column is never cut, it goes over
    ([100.0, 100.0] * 3, 0, 1),
    ([300.0, 300.0, 600.0, 600.0, 600.0], 2, 3),  # the titles take room on every page
    ([68.0, 2000.0, 50.0], 1, 2),  # a column wider than a page has a page of its own
    ([68.0] + [1000.0] * 9, 1, worksheet.MOST_PAGES_WIDE),  # no more than 4 side by side
])
def test_pages_wide_are_the_fewest_at_three_quarter_scale(columns, titles, pages):
    assert worksheet.pages_wide(columns, titles, ROOM) == pages


@given(st.lists(st.floats(0, 500), max_size=30), st.integers(0, 3), st.floats(300, 1500),
       st.floats(0, 500), st.floats(0, 300))
def test_more_to_print_never_takes_fewer_pages(columns, titles, room, added, more_room):
    """A column more never takes fewer pages; a wider page never takes more; one page at
    least, MOST_PAGES_WIDE at most."""
    pages = worksheet.pages_wide(columns, titles, room)
    assert 1 <= pages <= worksheet.MOST_PAGES_WIDE
    assert worksheet.pages_wide([*columns, added], titles, room) >= pages
    assert worksheet.pages_wide(columns, titles, room + more_room) <= pages


TOOLS_SETUP = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'


@pytest.mark.parametrize(("head", "page_setup", "users"), [
    ("", "", False),  # no set-up: the tool's to make
    ("", '<pageSetup paperSize="9" r:id="rId1"/>', False),  # paper alone is no fitting
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToHeight="0" fitToWidth="1"/>', False),
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToHeight="0"/>', False),  # Excel's 1
    (TOOLS_SETUP, '<pageSetup paperSize="9" orientation="landscape" fitToWidth="4" '
                  'fitToHeight="0"/>', False),
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToWidth="5" fitToHeight="0"/>', True),
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToWidth="3" fitToHeight="0" '
                  'pageOrder="overThenDown"/>', False),  # as the tool writes it
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToWidth="3" fitToHeight="0" '
                  'pageOrder="downThenOver"/>', True),  # an order the user chose
    (TOOLS_SETUP, '<pageSetup orientation="landscape" scale="80" fitToHeight="0"/>', True),
    (TOOLS_SETUP, '<pageSetup orientation="portrait" fitToHeight="0"/>', True),
    (TOOLS_SETUP, '<pageSetup orientation="landscape" fitToHeight="1"/>', True),
    (TOOLS_SETUP, '<pageSetup fitToHeight="0"/>', True),  # no orientation: fitted, portrait
    ("", '<pageSetup orientation="landscape" fitToHeight="0"/>', True),  # not fitted: 100%
    (TOOLS_SETUP, "", True),  # fitted to one page by one
    ("", '<pageSetup scale="90"/>', True),
])
def test_a_print_setup_other_than_the_tools_is_the_users(head, page_setup, users):
    """The user's is kept byte for byte; the tool's is the tool's to set again."""
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>', head=head, tail=page_setup)
    rewritten = worksheet.rewrite(xml, printed(1))
    assert (rewritten.pages_wide == 0) == users
    if users:
        assert rewritten.xml == xml


def test_printed_widths_from_the_block_the_sheet_and_its_default():
    """Pixels of columns 1 to 6: the block's width for 5, the sheet's for 1 and 2 (a range
    past the last printed column counted up to it), none for hidden 3, the sheet's
    default for 4 and 6."""
    head = ('<sheetFormatPr defaultColWidth="10" defaultRowHeight="15"/><cols>'
            '<col min="1" max="1" width="9" customWidth="1"/><col min="2" max="2" width="32"/>'
            '<col min="3" max="3" width="20" hidden="1"/><col min="5" max="9" width="bad"/></cols>')
    assert worksheet._printed_widths(head.encode(), 6, {5: 12.5}) == \
        [63, 224, 0, 70, 88, 70]
    assert worksheet._printed_widths(b"", 2, {}) == [64, 64]  # Excel's default: 8.43 digits


@pytest.mark.parametrize(("tail", "inches"), [
    ("", 11 - 1.4),  # Letter, Excel's margins
    ('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>',
     11 - 1.5),
    ('<pageMargins left="0.25" right="x"/><pageSetup paperSize="9"/>', 11.69 - 0.95),  # A4
    ('<pageSetup paperSize="256"/>', 11 - 1.4),  # a size not listed: Letter
])
def test_printable_width_of_the_paper_less_its_margins(tail, inches):
    assert worksheet._printable_width(tail.encode()) == pytest.approx(inches * 96)


@given(st.integers(1, 16_384), st.integers(1, 16_384))
def test_a_cell_is_in_the_way_from_the_blocks_column_rightwards(block, column):
    """The quick path's check finds a cell at the block's column or right of it, and no
    cell left of it (nor a row) written the usual way."""
    row = f'<row r="7" spans="1:2"><c r="{column_letter(column)}7" s="1"><v>1</v></c></row>'
    found = worksheet._in_the_way(block).search(row.encode())
    assert (found is not None) == (column >= block)


RICH_TEXT_CELL = (b'<c r="D1" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/><charset val="1"/>'
                  b"</rPr><t>x</t></r></is></c>")


@pytest.mark.parametrize("tag", ['<c s="1" r="A1">', "<c>", "<c/>", '<c r="a1">', "<row>",
                                 '<row spans="1:2" r="1">', '<row  r="1">'])
def test_tags_written_otherwise_are_in_the_way(tag):
    assert worksheet._in_the_way(5).search(tag.encode()) is not None
    assert worksheet._in_the_way(5).search(RICH_TEXT_CELL) is None


@given(st.lists(st.tuples(st.integers(1, 40), st.booleans()), max_size=12, unique_by=lambda c: c[0]),
       st.integers(1, 45), st.booleans())
def test_the_filled_cells_from_a_column_are_the_parsers(cells, column, one_unaddressed):
    """Found in a pass or two of a pattern (none when every cell lies left of ``column``):
    the same as parsing every cell and keeping those from ``column`` on."""
    row = "".join(f'<c r="{column_letter(c)}3"' + ("><v>1</v></c>" if filled else ' s="1"/>')
                  for c, filled in sorted(cells))
    if one_unaddressed and cells:
        row = row.replace(f' r="{column_letter(min(cells)[0])}3"', "", 1)
    xml = sheet(f'<row r="3">{row}</row>')
    data = worksheet._sheet_data(xml, b"")
    parsed = worksheet._filled_rows_parsed(xml, data, worksheet._syntax(b""))
    assert worksheet.filled_rows(xml, column) == {c: rows for c, rows in parsed.items()
                                                  if c >= column}


@pytest.mark.parametrize("rows", [
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"/><row r="3"><c r="A3"><v>3</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="x"><c r="A2"><v>2</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="2" customHeight="1"/>'])
def test_rows_whose_closing_tags_do_not_pair_up_are_parsed(rows):
    """An empty row (<row .../>) or a row the quick path does not count: the parser's way."""
    xml = sheet(rows)
    cells = {1: {3: Cell("new")}, 2: {3: Cell(2.5)}, 3: {3: Cell(None, 4)}}
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(worksheet, "_cells_appended", lambda *args: None)
        parsed = worksheet.rewrite(xml, edit(cells, {3}))
    prefix = worksheet.sheet_prefix(xml)
    data = worksheet._sheet_data(xml, prefix)
    rendered = {n: worksheet.rendered_row(n, c) for n, c in cells.items()}
    assert worksheet._cells_appended(xml, data, edit(cells, {3}), rendered,
                                     worksheet._syntax(prefix)) is None
    assert worksheet.rewrite(xml, edit(cells, {3})) == parsed
