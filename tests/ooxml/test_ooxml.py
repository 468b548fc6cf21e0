"""The package-level writer, part by part: what changes is exactly what the tool owns."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference
from support.paths import SAMPLES

from xlsheet_outsource import api, reading
from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml import app_properties, styles, worksheet, xmltext
from xlsheet_outsource.ooxml.book import WorkbookPackage
from xlsheet_outsource.ooxml.cells import (
    Cell,
    Formula,
    cell_xml,
    column_letter,
    column_xml,
    render,
)
from xlsheet_outsource.ooxml.content_types import ContentTypes
from xlsheet_outsource.ooxml.package import CellReference, Package, PackageError, cell_reference
from xlsheet_outsource.ooxml.relationships import Relationships
from xlsheet_outsource.write import results, template

RUN_DATE = dt.date(2024, 5, 1)
MAIN = f'xmlns="{xmltext.NS_MAIN}"'


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def process(source: Path, target: Path, **kwargs: object) -> None:
    found = reading.read_workbook(source)
    assert not found.fatal, found.fatal
    decision = api.decide(found.settings, found.tasks.raw, found.quotes.raw,
                          task_locate=found.tasks.locate, quote_locate=found.quotes.locate)
    results.write_results(found, decision, target, run_date=RUN_DATE, **kwargs)


def sheet(rows: str, head: str = "", tail: str = "", prefix: str = "") -> bytes:
    xml = f'<worksheet {MAIN}>{head}<sheetData>{rows}</sheetData>{tail}</worksheet>'
    if prefix:
        xml = re.sub(r"<(/?)(?![\w.-]+:)(\w)", rf"<\1{prefix}:\2", xml)
        xml = xml.replace(MAIN, f'xmlns:{prefix}="{xmltext.NS_MAIN}"')
    return xml.encode()


def edit(cells: dict[int, dict[int, Cell]], columns: set[int] = frozenset(),
         **kwargs: object) -> worksheet.SheetEdit:
    return worksheet.SheetEdit(1, frozenset(columns), cells, **kwargs)


def sample_edited(target: Path, edit: Callable[[str, bytes], bytes | None],
                  added: dict[str, bytes] | None = None) -> Path:
    """The internet marketer sample, each part passed through ``edit`` (None leaves it
    out), with ``added`` parts at the end."""
    with zipfile.ZipFile(SAMPLES / "internet_marketer.xlsx") as zin, \
            zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item))
            if data is not None:
                zout.writestr(item, data)
        for name, data in (added or {}).items():
            zout.writestr(name, data)
    return target


# --- the whole writer --------------------------------------------------------------------

@pytest.fixture
def processed(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "plan.xlsx"
    shutil.copy(SAMPLES / "internet_marketer.xlsx", source)
    target = tmp_path / "plan.outsourced.xlsx"
    process(source, target)
    return source, target


def test_only_the_owned_and_listing_parts_change(processed):
    source, target = processed
    before, after = parts(source), parts(target)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {"xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/styles.xml",
                       "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    added = set(after) - set(before)
    assert added == {"xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml",
                     "xl/worksheets/_rels/sheet5.xml.rels", "xl/drawings/drawing1.xml",
                     "xl/drawings/_rels/drawing1.xml.rels", "xl/charts/chart1.xml",
                     "xl/charts/chart2.xml"}
    assert list(after)[:len(before)] == list(before)  # the source's order, new parts after


def test_parts_not_changed_keep_their_stored_bytes(processed):
    """Copied as compressed, not inflated and compressed again (which could differ)."""
    source, target = processed
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        kept = [info for info in before.infolist() if info.filename == "xl/theme/theme1.xml"]
        assert kept, "the sample has a theme part"
        for info in kept:
            copy = after.getinfo(info.filename)
            assert (copy.CRC, copy.compress_size, copy.compress_type) == (
                info.CRC, info.compress_size, info.compress_type)
            assert _stored(target, copy) == _stored(source, info)


def _stored(path: Path, info: zipfile.ZipInfo) -> bytes:
    with path.open("rb") as stream:
        stream.seek(info.header_offset + 26)
        name_length, extra_length = int.from_bytes(stream.read(2), "little"), \
            int.from_bytes(stream.read(2), "little")
        stream.seek(info.header_offset + 30 + name_length + extra_length)
        return stream.read(info.compress_size)


def test_a_second_run_gives_the_same_file(processed, tmp_path):
    _, first = processed
    second = tmp_path / "again.xlsx"
    process(first, second)
    assert second.read_bytes() == first.read_bytes()
    with zipfile.ZipFile(second) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_new_sheets_are_listed_everywhere(processed):
    _, target = processed
    files = parts(target)
    workbook = files["xl/workbook.xml"].decode()
    assert workbook.count("<sheet ") == 6 and 'name="For accountant" sheetId="6"' in workbook
    types = ContentTypes(files["[Content_Types].xml"])
    assert types.of("xl/worksheets/sheet5.xml").endswith("worksheet+xml")
    assert types.of("xl/charts/chart2.xml").endswith("drawingml.chart+xml")
    assert b"tabSelected" not in files["xl/worksheets/sheet5.xml"]
    rels = Relationships("xl/worksheets/sheet5.xml", files["xl/worksheets/_rels/sheet5.xml.rels"])
    assert [r.target for r in rels.entries()] == ["xl/drawings/drawing1.xml"]


def test_the_users_chart_on_tasks_and_an_old_summary_part_it_shares(tmp_path):
    """A chart of the user's stays; the old Summary's own parts go, not a part another
    sheet still uses."""
    book = openpyxl.load_workbook(SAMPLES / "internet_marketer.xlsx")
    chart = BarChart()
    chart.add_data(Reference(book[schema.TASKS], min_col=4, min_row=1, max_row=5))
    book[schema.TASKS].add_chart(chart, "M2")
    book.save(tmp_path / "charted.xlsx")
    process(tmp_path / "charted.xlsx", tmp_path / "one.xlsx")
    process(tmp_path / "one.xlsx", tmp_path / "two.xlsx")
    one, two = parts(tmp_path / "one.xlsx"), parts(tmp_path / "two.xlsx")
    assert one == two
    user_chart = parts(tmp_path / "charted.xlsx")["xl/charts/chart1.xml"]
    assert one["xl/charts/chart1.xml"] == user_chart  # the tool's charts took 2 and 3
    assert {n for n in one if n.startswith("xl/charts/")} == {
        "xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"}
    loaded = openpyxl.load_workbook(tmp_path / "two.xlsx")
    assert len(loaded[schema.TASKS]._charts) == 1 and len(loaded[schema.SUMMARY]._charts) == 2


def test_a_summary_chartsheet_of_the_user_becomes_the_tools_sheet(tmp_path):
    book = openpyxl.load_workbook(SAMPLES / "internet_marketer.xlsx")
    chartsheet = book.create_chartsheet(schema.SUMMARY)
    chart = BarChart()
    chart.add_data(Reference(book[schema.TASKS], min_col=4, min_row=1, max_row=5))
    chartsheet.add_chart(chart)
    book.save(tmp_path / "chartsheet.xlsx")
    process(tmp_path / "chartsheet.xlsx", tmp_path / "out.xlsx")
    out = parts(tmp_path / "out.xlsx")
    assert not [n for n in out if "chartsheets/" in n]
    loaded = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert loaded.sheetnames[-2:] == [schema.SUMMARY, schema.ACCOUNTANT]
    assert loaded[schema.SUMMARY]["A1"].value == "Outsourcing summary"


def test_macros_and_the_kind_of_file(tmp_path):
    source = tmp_path / "macros.xlsm"
    with zipfile.ZipFile(SAMPLES / "internet_marketer.xlsx") as zin, \
            zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.main+xml").replace(
                    b"spreadsheetml.sheet.main+xml", b"PLACEHOLDER").replace(
                    b"application/vnd.openxmlformats-officedocument.PLACEHOLDER",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    process(source, tmp_path / "out.xlsm")
    assert parts(tmp_path / "out.xlsm")["xl/vbaProject.bin"] == b"\xd0\xcf\x11\xe0 macros"
    with pytest.raises(ValueError, match=r"must be saved as \.xlsm"):
        process(source, tmp_path / "out.xlsx")
    plain = SAMPLES / "internet_marketer.xlsx"
    process(plain, tmp_path / "template.xltx")
    assert b"template.main+xml" in parts(tmp_path / "template.xltx")["[Content_Types].xml"]


def test_a_formula_of_the_user_in_the_block_drops_the_calculation_chain(tmp_path):
    def with_chain(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet3.xml":  # Tasks: a formula in J2
            return data.replace(b'<c r="I2" s="12" t="n" />',
                                b'<c r="I2" s="12" t="n" /><c r="J2"><f>1+1</f><v>2</v></c>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://'
                                b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                b'calcChain" Target="calcChain.xml"/></Relationships>')
        return data
    source = sample_edited(tmp_path / "chained.xlsx", with_chain, {
        "xl/calcChain.xml": f'<calcChain {MAIN}><c r="J2" i="3"/></calcChain>'.encode()})
    process(source, tmp_path / "out.xlsx")
    out = parts(tmp_path / "out.xlsx")
    assert "xl/calcChain.xml" not in out and b"calcChain" not in out["xl/_rels/workbook.xml.rels"]
    process(tmp_path / "out.xlsx", tmp_path / "again.xlsx")  # no formula removed: nothing more
    assert parts(tmp_path / "again.xlsx") == out


def test_new_into_keeps_the_users_defined_names_and_refuses_ours(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = 5
    book.defined_names["MyRate"] = openpyxl.workbook.defined_name.DefinedName(
        "MyRate", attr_text="Sheet!$A$1")
    book.save(tmp_path / "mine.xlsx")
    template.add_to_workbook(tmp_path / "mine.xlsx", tmp_path / "added.xlsx")
    names = SafeET.fromstring(parts(tmp_path / "added.xlsx")["xl/workbook.xml"])
    defined = [e.get("name") for e in names.iter(f"{{{xmltext.NS_MAIN}}}definedName")]
    assert defined[0] == "MyRate" and "ListBasis" in defined
    book.defined_names["HourlyWorth"] = openpyxl.workbook.defined_name.DefinedName(
        "HourlyWorth", attr_text="Sheet!$A$1")
    book.save(tmp_path / "taken.xlsx")
    with pytest.raises(ValueError, match="already defines the name HourlyWorth"):
        template.add_to_workbook(tmp_path / "taken.xlsx", tmp_path / "never.xlsx")
    assert not (tmp_path / "never.xlsx").exists()


# --- worksheet parts ---------------------------------------------------------------------

def test_rows_keep_their_attributes_and_other_cells():
    xml = sheet('<row r="1" spans="1:2" ht="30" customHeight="1"><c r="A1" t="s"><v>0</v></c>'
                '<c r="B1"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row>')
    out = worksheet.rewrite(xml, edit({1: {3: Cell("Head")}, 2: {3: Cell(4.5, 7)}}, {3})).xml
    assert (b'<row r="1" spans="1:3" ht="30" customHeight="1"><c r="A1" t="s"><v>0</v></c>'
            b'<c r="B1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Head</t></is></c></row>') in out
    assert b'<row r="2"><c r="C2" s="7"><v>4.5</v></c></row><row r="3"><c r="A3"><v>2</v></c>' \
           b'</row>' in out


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


def test_cells_as_xml():
    assert render("A1", Cell(" _x0041_ <&> ")) == (
        b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> _x005F_x0041_ &lt;&amp;&gt; </t>'
        b'</is></c>')
    assert render("A1", Cell("bell\x07")) == b'<c r="A1" t="inlineStr"><is><t>bell</t></is></c>'
    assert render("A1", Cell(None)) == b"" and render("A1", Cell(None, 3)) == b'<c r="A1" s="3"/>'
    assert render("B2", Cell(1 / 3, 2)) == b'<c r="B2" s="2"><v>0.3333333333333333</v></c>'
    assert render("B2", Cell(True)) == b'<c r="B2" t="b"><v>1</v></c>'
    assert render("C3", Cell(Formula('IF(A1>0,"a&b","")', "a&b"))) == (
        b'<c r="C3" t="str"><f>IF(A1&gt;0,"a&amp;b","")</f><v>a&amp;b</v></c>')
    assert render("C3", Cell(Formula("1/0", float("inf")))) == \
        b'<c r="C3" t="e"><f>1/0</f><v>#NUM!</v></c>'
    assert render("C3", Cell(Formula("A1", None))) == b'<c r="C3" t="str"><f>A1</f><v></v></c>'
    with pytest.raises(ValueError):
        render("A1", Cell(float("nan")))


# --- the parts that list things ----------------------------------------------------------

def test_styles_are_appended_once_and_reused():
    original = parts(SAMPLES / "internet_marketer.xlsx")["xl/styles.xml"]
    sheet_styles = styles.StyleSheet(original)
    bold = openpyxl.styles.Font(bold=True)
    first = sheet_styles.cell_style(number_format="#,##0.0", font=bold)
    assert sheet_styles.cell_style(number_format="#,##0.0", font=bold) == first
    assert sheet_styles.cell_style(number_format="0%") != first  # built-in 9, no numFmt added
    written = sheet_styles.to_bytes()
    assert written.startswith(original[:original.index(b"<numFmts")])
    again = styles.StyleSheet(written)
    assert again.cell_style(number_format="#,##0.0", font=bold) == first and not again.changed
    assert b'numFmtId="9"' in written and written.count(b'formatCode="#,##0.0"') == 1


def test_a_workbook_without_a_styles_part_gets_one(tmp_path):
    def without_styles(name: str, data: bytes) -> bytes | None:
        if name == "xl/styles.xml":
            return None
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(rb'<Relationship [^>]*styles[^>]*/>', b"", data)
        return re.sub(rb' s="\d+"', b"", data) if "worksheets" in name else data
    source = sample_edited(tmp_path / "bare.xlsx", without_styles)
    process(source, tmp_path / "out.xlsx")
    out = parts(tmp_path / "out.xlsx")
    assert b"styles" in out["xl/_rels/workbook.xml.rels"] and b"<cellXfs" in out["xl/styles.xml"]
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")[schema.TASKS]["J1"].font.b


def test_app_properties_list_new_sheets_after_the_worksheets():
    xml = (b'<Properties xmlns="p" xmlns:vt="v"><HeadingPairs><vt:vector size="4" '
           b'baseType="variant"><vt:variant><vt:lpstr>Arbeitsbl\xc3\xa4tter</vt:lpstr></vt:variant>'
           b'<vt:variant><vt:i4>1</vt:i4></vt:variant><vt:variant><vt:lpstr>Named Ranges'
           b'</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector>'
           b'</HeadingPairs><TitlesOfParts><vt:vector size="2" baseType="lpstr"><vt:lpstr>Data'
           b'</vt:lpstr><vt:lpstr>Data!Print_Area</vt:lpstr></vt:vector></TitlesOfParts>'
           b'</Properties>')
    out = app_properties.with_sheet_titles(xml, ["Summary", "A & B"])
    assert b'<vt:i4>3</vt:i4></vt:variant><vt:variant><vt:lpstr>Named' in out
    assert (b'<vt:vector size="4" baseType="lpstr"><vt:lpstr>Data</vt:lpstr><vt:lpstr>Summary'
            b'</vt:lpstr><vt:lpstr>A &amp; B</vt:lpstr><vt:lpstr>Data!Print_Area') in out
    assert app_properties.with_sheet_titles(out, ["Summary"]) == out


def test_relationships_and_content_types_keep_their_entries():
    rels = Relationships("xl/workbook.xml", b'<Relationships xmlns="r"><Relationship Id="rId3" '
                         b'Type="t/worksheet" Target="worksheets/a.xml" /></Relationships>')
    assert rels.add("t/worksheet", "xl/worksheets/b.xml") == "rId4"
    assert rels.xml.startswith(b'<Relationships xmlns="r"><Relationship Id="rId3" Type='
                               b'"t/worksheet" Target="worksheets/a.xml" /><Relationship Id="rId4"')
    assert rels.get("rId4").target == "xl/worksheets/b.xml"
    default = b'<Default Extension="xml" ContentType="application/xml"/>'
    types = ContentTypes(b'<Types xmlns="c">' + default + b'</Types>')
    types.set("xl/a.xml", "application/xml")  # the default says so already: nothing added
    types.set("xl/b.xml", "x/y")
    assert types.xml == (b'<Types xmlns="c">' + default +
                         b'<Override PartName="/xl/b.xml" ContentType="x/y"/></Types>')
    types.remove("XL/B.xml")
    assert types.of("xl/b.xml") == "application/xml"


WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def test_the_reader_finds_each_sheets_part_where_the_writer_does(tmp_path):
    """One .rels parser: prefixed, escaped, relative and absolute targets read alike."""
    def odd_rels(name: str, data: bytes) -> bytes:
        if name != WORKBOOK_RELS:
            return data
        data = data.replace(b'Target="/xl/worksheets/sheet2.xml"',
                            b'Target="worksheets/../worksheets/sheet2.xml"')
        data = data.replace(b'Target="/xl/worksheets/sheet3.xml"',
                            b'Target="/xl/worksheets/sheet&#51;.xml"')
        return re.sub(rb"<(/?)Relationship", rb"<\1pr:Relationship",
                      data.replace(b"xmlns=", b"xmlns:pr="))
    path = sample_edited(tmp_path / "odd.xlsx", odd_rels)
    with Package(path) as package:
        index = package.index()
    with WorkbookPackage(path) as book:
        assert {s.name: s.part for s in index.sheets} == {
            name: book.sheet_part(name) for name in book.sheet_names()}
    assert [(s.part, s.target) for s in index.sheets[1:3]] == [
        ("xl/worksheets/sheet2.xml", "worksheets/../worksheets/sheet2.xml"),
        ("xl/worksheets/sheet3.xml", "/xl/worksheets/sheet3.xml")]


def test_a_relationships_part_that_is_not_xml_is_refused_in_words(tmp_path):
    path = sample_edited(tmp_path / "bad.xlsx",
                         lambda name, data: data[:-20] if name == WORKBOOK_RELS else data)
    with Package(path) as package, pytest.raises(PackageError, match=re.escape(
            f"is damaged: part {WORKBOOK_RELS} is not well-formed XML")):
        package.index()


@pytest.mark.parametrize("formula, cell", [
    ("Settings!$B$2", CellReference("Settings", 2, 2)),
    ("Settings!B2", CellReference("Settings", 2, 2)),  # relative
    ("Settings!$B2", CellReference("Settings", 2, 2)),
    ("settings!$b$2", CellReference("settings", 2, 2)),
    ("'My rates'!$AA$10", CellReference("My rates", 10, 27)),
    ("'It''s!'!$B$2", CellReference("It's!", 2, 2)),  # quotes doubled, a "!" inside
    ("Sheet1!$XFD$1048576", CellReference("Sheet1", 1048576, 16384)),
    # where the reader's and the formula writer's patterns disagreed: a quote in an
    # unquoted name (the reader took it), a row past the sheet (the writer took it)
    ("It's!$B$2", None),
    ("Settings!$B$12345678", None),
    ("Settings!$B$1048577", None),
    ("Settings!$XFE$1", None),
    ("Settings!$B$0", None),
    ("Settings!$B$2:$B$3", None),
    ("Settings!#REF!", None),
    ("$B$2", None),
    ("120", None),
    ("'It's'!$B$2", None),
])
def test_a_defined_name_is_one_cell_only_when_excel_reads_it_so(formula, cell):
    assert cell_reference(formula) == cell


def test_the_workbook_part_without_an_r_prefix_or_definedNames(tmp_path):
    from xlsheet_outsource.ooxml.workbook import WorkbookXml
    workbook = WorkbookXml(f'<workbook {MAIN}><sheets><sheet name="A" sheetId="3" '
                           f'xmlns:q="{xmltext.NS_MAIN[:-41]}officeDocument/2006/relationships" '
                           f'q:id="rId1"/></sheets><calcPr/></workbook>'.encode())
    workbook.add_sheet("B & C", "rId2")
    workbook.add_defined_name("N", "A!$A$1")
    assert workbook.xml.endswith(
        b'<sheet name="B &amp; C" sheetId="4" xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships" r:id="rId2"/></sheets><definedNames><definedName '
        b'name="N">A!$A$1</definedName></definedNames><calcPr/></workbook>')
    SafeET.fromstring(workbook.xml)


def test_a_prefixed_strict_styles_part_is_appended_to_in_its_own_namespace():
    xml = (b'<x:styleSheet xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main"><x:fonts '
           b'count="1"><x:font/></x:fonts><x:cellXfs count="2"><x:xf/><x:xf numFmtId="3"/>'
           b'</x:cellXfs></x:styleSheet>')
    bold = openpyxl.styles.Font(bold=True)
    sheet_styles = styles.StyleSheet(xml)
    assert sheet_styles.cell_style(font=bold) == 2
    written = sheet_styles.to_bytes()
    assert written == (b'<x:styleSheet xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main">'
                       b'<x:fonts count="2"><x:font/><x:font><x:b val="1"/></x:font></x:fonts>'
                       b'<x:cellXfs count="3"><x:xf/><x:xf numFmtId="3"/><x:xf applyFont="1" '
                       b'borderId="0" fillId="0" fontId="1" numFmtId="0" xfId="0"/></x:cellXfs>'
                       b'</x:styleSheet>')
    again = styles.StyleSheet(written)
    assert again.cell_style(font=bold) == 2 and not again.changed


CELL_VALUES = st.one_of(st.none(), st.floats(), st.integers(-10**6, 10**6), st.booleans(),
                        st.sampled_from(["OUTSOURCE", " padded ", "a<b & c", "_x0041_", "=1+1"]),
                        st.text(max_size=8),
                        st.builds(Formula, st.just("A1*2"), st.floats(allow_nan=False)))


@given(st.lists(CELL_VALUES, max_size=30), st.integers(0, 5))
def test_a_column_renders_as_its_cells_one_by_one(values, style):
    rows = range(7, 7 + len(values))
    one_by_one = ["" if value is None or (isinstance(value, float) and value - value != 0)
                  else cell_xml(f"AB{row}", Cell(value, 0 if isinstance(value, str) else style))
                  for row, value in zip(rows, values)]
    assert column_xml("AB", rows, values, style) == one_by_one


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
