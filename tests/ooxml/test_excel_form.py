"""excel_form: what openpyxl saves, named, linked and prefixed as Excel writes it; and
the package parts the tool adds to a user's file typed however that file types its parts.
(The readers that need it, ExcelJS and Gnumeric among them, are in
tests/write/test_excel_strict.py.)"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font
from support.packages import parts, sample_edited
from support.paths import TYPICAL_SAMPLE

from xlsheet_outsource import api
from xlsheet_outsource.ooxml import excel_form
from xlsheet_outsource.ooxml.styles import StyleSheet, fonts_in_schema_order

VML = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
EXCEL = "urn:schemas-microsoft-com:office:excel"


def book_with_note_and_chart() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Vendor", "Cash"])
    sheet.append(["CPA firm", 1500])
    sheet["A1"].comment = Comment("Who is paid", "xlsheet-outsource")
    sheet["A1"].font = Font(bold=True, size=14, color="FF1F4E78", name="Calibri")
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    sheet.add_chart(chart, "D2")
    return book


def saved_parts(book: openpyxl.Workbook) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(excel_form.saved(book))) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_comments_and_their_drawing_where_excel_keeps_them_linked_relative() -> None:
    written = saved_parts(book_with_note_and_chart())
    assert "xl/comments1.xml" in written and "xl/drawings/vmlDrawing1.vml" in written
    assert not any(name.startswith("xl/comments/") or "commentsDrawing" in name
                   for name in written)
    rels = written["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    assert 'Target="../comments1.xml"' in rels
    assert 'Target="../drawings/vmlDrawing1.vml"' in rels
    assert 'Target="../drawings/drawing1.xml"' in rels
    assert not re.search(r'Target="/', b"".join(
        data for name, data in written.items() if name.endswith(".rels")).decode())
    types = written["[Content_Types].xml"].decode()
    assert 'PartName="/xl/comments1.xml"' in types and "/xl/comments/" not in types
    assert next(iter(written)) == "[Content_Types].xml"


def test_note_drawing_under_excels_prefixes_declared_once() -> None:
    vml = saved_parts(book_with_note_and_chart())["xl/drawings/vmlDrawing1.vml"]
    assert vml.startswith(b'<xml xmlns:o="%s" xmlns:v="%s" xmlns:x="%s">'
                          % (OFFICE.encode(), VML.encode(), EXCEL.encode()))
    assert b"<v:shape " in vml and b'<x:ClientData ObjectType="Note">' in vml
    assert vml.count(b"xmlns") == 3 and b"ns0:" not in vml
    assert _names(vml) == _names(_openpyxl_vml())  # the same elements and attributes


def test_note_drawing_declared_on_each_element_as_lxml_writes_it() -> None:
    lxml_style = (f'<xml><a:shape xmlns:a="{VML}" xmlns:b="{OFFICE}" b:spt="202">'
                  f'<c:ClientData xmlns:c="{EXCEL}" ObjectType="Note"><c:Row>0</c:Row>'
                  f'</c:ClientData></a:shape></xml>').encode()
    assert excel_form._with_prefixes(lxml_style, excel_form.VML_PREFIXES) == (
        f'<xml xmlns:o="{OFFICE}" xmlns:v="{VML}" xmlns:x="{EXCEL}"><v:shape o:spt="202">'
        '<x:ClientData ObjectType="Note"><x:Row>0</x:Row></x:ClientData></v:shape></xml>'
    ).encode()


def test_a_drawing_in_another_namespace_too_or_not_xml_is_left_as_it_is() -> None:
    other = f'<xml xmlns:v="{VML}" xmlns:w="urn:other"><v:shape w:odd="1"/></xml>'.encode()
    assert excel_form._with_prefixes(other, excel_form.VML_PREFIXES) == other
    excels = f'<xml xmlns:v="{VML}"><v:shape><div>a<br>b</div></v:shape></xml>'.encode()
    assert excel_form._with_prefixes(excels, excel_form.VML_PREFIXES) == excels


def test_drawing_and_chart_under_xdr_and_c() -> None:
    written = saved_parts(book_with_note_and_chart())
    drawing, chart = written["xl/drawings/drawing1.xml"], written["xl/charts/chart1.xml"]
    assert drawing.startswith(b"<xdr:wsDr ") and b"<xdr:graphicFrame>" in drawing
    assert chart.startswith(b"<c:chartSpace ") and b"<c:barChart>" in chart
    for part in (drawing, chart):
        assert b'xmlns="' not in part
        assert part.count(b"xmlns:") == part[:part.index(b">")].count(b"xmlns:")  # on the root
        assert re.findall(rb"<(\w+)[ >/]", part) == []  # every element prefixed
        SafeET.fromstring(part)  # still well-formed, every prefix declared


def test_fonts_in_the_schemas_order_and_no_empty_protection() -> None:
    written = saved_parts(book_with_note_and_chart())
    styles = re.sub(rb"\s+/>", b"/>", written["xl/styles.xml"])  # either XML library's
    fonts = re.findall(rb"<font>(.*?)</font>", styles)
    assert b'<b val="1"/><sz val="14"/><color rgb="FF1F4E78"/><name val="Calibri"/>' in fonts
    assert b"workbookProtection" not in written["xl/workbook.xml"]


def test_the_values_are_the_ones_openpyxl_wrote(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(excel_form.saved(book_with_note_and_chart()))
    sheet = openpyxl.load_workbook(path).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["Vendor", "Cash"],
                                                                    ["CPA firm", 1500]]
    assert sheet["A1"].comment.text == "Who is paid"
    assert len(sheet._charts) == 1


def test_a_font_typed_in_any_order_is_found_again() -> None:
    openpyxl_order = b'<font><name val="Arial"/><color rgb="FF000000"/><sz val="9"/></font>'
    schema_order = b'<font><sz val="9"/><color rgb="FF000000"/><name val="Arial"/></font>'
    assert fonts_in_schema_order(openpyxl_order) == schema_order
    styles = StyleSheet(None)
    first = styles.entry_index("fonts", SafeET.fromstring(openpyxl_order))
    assert styles.entry_index("fonts", SafeET.fromstring(schema_order)) == first
    assert schema_order in styles.to_bytes()


def test_new_relationships_typed_where_the_package_types_each_part(tmp_path: Path) -> None:
    """A file whose [Content_Types].xml types each part and has no Default for .rels (as
    POI's InlineStrings.xlsx): the .rels parts the Summary brings are typed too."""
    rels_type = "application/vnd.openxmlformats-package.relationships+xml"
    own_rels = [name for name in parts(TYPICAL_SAMPLE) if name.endswith(".rels")]

    def per_part(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        typed = "".join(f'<Override PartName="/{n}" ContentType="{rels_type}"/>' for n in own_rels)
        return re.sub(rb'<Default Extension="rels"[^>]*/>', b"", data).replace(
            b"</Types>", typed.encode() + b"</Types>")
    source = sample_edited(tmp_path / "typed.xlsx", per_part)
    outcome = api.process_workbook(source, tmp_path / "out.xlsx")
    assert outcome.output, outcome.fatal
    written = parts(tmp_path / "out.xlsx")
    new_rels = [name for name in written if name.endswith(".rels") and name not in own_rels]
    assert new_rels  # the Summary's sheet and drawing
    for name in new_rels:
        assert f'PartName="/{name}" ContentType="{rels_type}"' in \
            written["[Content_Types].xml"].decode(), name


def _names(xml: bytes) -> list[str]:
    """Every element and attribute name, namespaces resolved, in document order."""
    return [name for element in SafeET.fromstring(xml).iter()
            for name in (element.tag, *sorted(element.attrib))]


def _openpyxl_vml() -> bytes:
    stream = io.BytesIO()
    book_with_note_and_chart().save(stream)
    with zipfile.ZipFile(stream) as package:
        return package.read("xl/drawings/commentsDrawing1.vml")
