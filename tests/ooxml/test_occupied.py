"""occupied.sheet_areas: everything a sheet holds, as areas, and what it is in words."""

from __future__ import annotations

from support.packages import MAIN, sheet

from xlsheet_outsource.ooxml.areas import Area
from xlsheet_outsource.ooxml.cells import EXCEL_ROWS
from xlsheet_outsource.ooxml.occupied import sheet_areas

XDR = 'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
DRAWING = (f"<xdr:wsDr {XDR}>"
           "<xdr:twoCellAnchor><xdr:from><xdr:col>9</xdr:col><xdr:row>1</xdr:row></xdr:from>"
           "<xdr:to><xdr:col>14</xdr:col><xdr:row>15</xdr:row></xdr:to></xdr:twoCellAnchor>"
           "<xdr:oneCellAnchor><xdr:from><xdr:col>2</xdr:col><xdr:row>30</xdr:row></xdr:from>"
           '<xdr:ext cx="1219200" cy="100"/></xdr:oneCellAnchor>'
           '<xdr:absoluteAnchor><xdr:pos x="0" y="0"/></xdr:absoluteAnchor></xdr:wsDr>').encode()


def linked(kind: str) -> list[bytes]:
    return {"comments": [f'<comments {MAIN}><commentList><comment ref="Q3"/></commentList>'
                         f"</comments>".encode()],
            "table": [f'<table {MAIN} ref="A1:C9" totalsRowCount="1"/>'.encode()],
            "drawing": [DRAWING]}.get(kind, [])


def test_every_kind_of_thing_of_the_users_is_an_area():
    xml = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1" s="3"/></row>'
                '<row r="2"><c r="D2"><f>1+1</f></c><c r="E2"><v>4</v></c></row>',
                head='<sheetViews><sheetView><selection sqref="Z9"/></sheetView></sheetViews>',
                tail='<mergeCells count="1"><mergeCell ref="F7:G8"/></mergeCells>'
                     '<conditionalFormatting sqref="H2:H5 K:K"><cfRule type="dataBar"/>'
                     '</conditionalFormatting><conditionalFormatting sqref="3:3">'
                     '<cfRule type="dataBar"/></conditionalFormatting>'
                     '<dataValidations count="1"><dataValidation sqref="L2"/></dataValidations>'
                     '<extLst><ext><x14:dataValidations xmlns:x14="x"><x14:dataValidation>'
                     '<xm:sqref xmlns:xm="m">M4:M6</xm:sqref></x14:dataValidation>'
                     '</x14:dataValidations></ext></extLst>')
    assert sheet_areas(xml, linked) == [
        Area(1, 1, 1, 1, "a value"), Area(4, 2, 4, 2, "a value"), Area(5, 2, 5, 2, "a value"),
        Area(6, 7, 7, 8, "a merged range"), Area(8, 2, 8, 5, "a conditional format"),
        Area(11, 1, 11, EXCEL_ROWS, "a conditional format"),
        Area(12, 2, 12, 2, "a data validation (drop-down)"),
        Area(13, 4, 13, 6, "a conditional format or data validation"),
        Area(17, 3, 17, 3, "a comment"), Area(1, 1, 3, 9, "an Excel Table"),
        Area(10, 2, 15, 16, "a chart, picture or shape"),
        Area(3, 31, 5, 31, "a chart, picture or shape")]  # 1,219,200 EMU: two columns more


def test_an_empty_styled_cell_and_the_selection_are_nothing():
    xml = sheet('<row r="1"><c r="B1" s="3"/></row>',
                head='<sheetViews><sheetView><selection sqref="Z9"/></sheetView></sheetViews>')
    assert sheet_areas(xml, lambda kind: []) == []


def test_cells_written_otherwise_are_found_the_same():
    rows = ('<row r="2"><c r="B2"><v>1</v></c><c r="C2" s="1"/></row>'
            '<row r="5"><c r="B5" t="inlineStr"><is><t>x</t></is></c></row>')
    unaddressed = rows.replace(' r="C2"', "")  # a cell placed by its position, as some write
    expected = [Area(2, 2, 2, 5, "a value")]
    assert sheet_areas(sheet(rows), lambda kind: []) == expected
    assert sheet_areas(sheet(rows, prefix="x"), lambda kind: []) == expected
    assert sheet_areas(sheet(unaddressed), lambda kind: []) == expected


def test_from_a_column_only_what_reaches_it_is_found():
    """The writer looks right of the table only: the same areas as the whole sheet's that
    reach that column, in the same order, whether the cells are read quickly or parsed."""
    rows = ('<row r="1"><c r="A1"><v>1</v></c><c r="AB1"><v>2</v></c><c r="D1"><v>3</v></c>'
            '</row><row r="4"><c r="C4"><v>1</v></c><c r="D4" s="1"/><c r="E4"><v>5</v></c></row>')
    tail = '<mergeCells count="2"><mergeCell ref="A7:B8"/><mergeCell ref="C9:F9"/></mergeCells>'
    for xml in (sheet(rows, tail=tail), sheet(rows, prefix="x", tail=tail),
                sheet(rows.replace(' r="E4"', ""), tail=tail)):
        every = sheet_areas(xml, linked)
        for column in (1, 3, 4, 5, 6, 28, 29):
            assert sheet_areas(xml, linked, from_column=column) == [
                area for area in every if area.last_column >= column]
