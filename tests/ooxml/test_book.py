"""The whole writer on real packages: only the tool's own parts change, nothing of the
user's is lost, a second run gives the same file."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from openpyxl.chart import BarChart, Reference
from support.packages import MAIN, parts, process, sample_edited
from support.paths import SAMPLES

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml import archive, xmltext
from xlsheet_outsource.ooxml.archive import EARLY_PACKING, PackageParts
from xlsheet_outsource.ooxml.content_types import ContentTypes
from xlsheet_outsource.ooxml.package import Package
from xlsheet_outsource.ooxml.relationships import Relationships
from xlsheet_outsource.write import template


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
                       "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                       # the hover notes on the computed headers, beside the input headers'
                       "xl/comments1.xml", "xl/comments2.xml", "xl/drawings/vmlDrawing1.vml",
                       "xl/drawings/vmlDrawing2.vml"}
    added = set(after) - set(before)
    # the sample's Vendors sheet (sheet5) and its notes are untouched; ours take 6 and 7
    assert added == {"xl/worksheets/sheet6.xml", "xl/worksheets/sheet7.xml",
                     "xl/worksheets/_rels/sheet6.xml.rels", "xl/drawings/drawing1.xml",
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
    source, target = processed
    theirs = parts(source)["xl/workbook.xml"].decode().count("<sheet ")  # Vendors too
    files = parts(target)
    workbook = files["xl/workbook.xml"].decode()
    assert workbook.count("<sheet ") == theirs + 2
    assert f'name="{schema.SUMMARY}" sheetId="{theirs + 1}"' in workbook
    assert f'name="{schema.ACCOUNTANT}" sheetId="{theirs + 2}"' in workbook
    summary, accountant = (f"xl/worksheets/sheet{theirs + n}.xml" for n in (1, 2))
    listed = Relationships("xl/workbook.xml", files["xl/_rels/workbook.xml.rels"])
    assert {summary, accountant} <= {r.target for r in listed.entries()}
    types = ContentTypes(files["[Content_Types].xml"])
    assert types.of(summary).endswith("worksheet+xml")
    assert types.of(accountant).endswith("worksheet+xml")
    assert types.of("xl/charts/chart2.xml").endswith("drawingml.chart+xml")
    assert b"tabSelected" not in files[summary]
    rels = Relationships(summary, files[f"xl/worksheets/_rels/sheet{theirs + 1}.xml.rels"])
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


def test_a_summary_chartsheet_of_the_user_is_kept_and_ours_takes_a_free_name(tmp_path):
    book = openpyxl.load_workbook(SAMPLES / "internet_marketer.xlsx")
    chartsheet = book.create_chartsheet(schema.SUMMARY)
    chart = BarChart()
    chart.add_data(Reference(book[schema.TASKS], min_col=4, min_row=1, max_row=5))
    chartsheet.add_chart(chart)
    book.save(tmp_path / "chartsheet.xlsx")
    outcome = api.process_workbook(tmp_path / "chartsheet.xlsx", tmp_path / "out.xlsx")
    before, out = parts(tmp_path / "chartsheet.xlsx"), parts(tmp_path / "out.xlsx")
    theirs = [n for n in before if "chartsheets/" in n or "charts/" in n or ("drawings/" in n
              and not n.endswith(".vml"))]  # the notes on Tasks and Quotes gain the tool's
    assert theirs and all(out[n] == before[n] for n in theirs)
    loaded = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ours = f"{schema.SUMMARY} (outsourcing)"
    assert loaded.sheetnames[-3:] == [schema.SUMMARY, ours, schema.ACCOUNTANT]
    assert "_xlsheet_outsource_sheet" in loaded[ours].defined_names
    assert [str(n) for n in outcome.notices] == [
        "a sheet of yours is called 'Summary': it is kept as it is, and the tool's Summary "
        "is the sheet 'Summary (outsourcing)'"]
    again = api.process_workbook(tmp_path / "out.xlsx", tmp_path / "again.xlsx")
    assert not again.notices  # the tool's sheet is found by its marker: told once
    assert openpyxl.load_workbook(tmp_path / "again.xlsx").sheetnames == loaded.sheetnames


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


CHAIN = f'<calcChain {MAIN}><c r="L2" i="3"/></calcChain>'.encode()  # names Tasks!L2


def with_chain(name: str, data: bytes) -> bytes:
    """A package edit linking a calculation chain (the part CHAIN) to the workbook."""
    if name == "xl/_rels/workbook.xml.rels":
        return data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://'
                            b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                            b'calcChain" Target="calcChain.xml"/></Relationships>')
    return data


def test_a_formula_of_the_user_right_of_the_table_is_kept_with_the_chain(tmp_path):
    def edited(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet3.xml":  # Tasks: a formula in L2, its header cell empty
            return re.sub(rb'<c r="K2"[^>]*/>', rb'\g<0><c r="L2"><f>1+1</f><v>2</v></c>', data)
        return with_chain(name, data)
    source = sample_edited(tmp_path / "chained.xlsx", edited, {"xl/calcChain.xml": CHAIN})
    process(source, tmp_path / "out.xlsx")
    out = parts(tmp_path / "out.xlsx")
    assert out["xl/calcChain.xml"] == parts(source)["xl/calcChain.xml"]
    tasks = openpyxl.load_workbook(tmp_path / "out.xlsx")[schema.TASKS]
    assert tasks["L2"].value == "=1+1" and tasks["L1"].value is None
    assert tasks["M1"].value == "Occurrences a year"  # the block starts right of it


def test_the_tools_formulas_replaced_drop_the_calculation_chain(tmp_path):
    process(SAMPLES / "internet_marketer.xlsx", tmp_path / "live.xlsx", formulas=lambda layouts, _best_rows: {
        (schema.TASKS, 2, layouts[schema.TASKS].columns["occurrences"]): "1+1"})
    with zipfile.ZipFile(tmp_path / "live.xlsx") as zin, \
            zipfile.ZipFile(tmp_path / "chained.xlsx", "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, with_chain(item.filename, zin.read(item)))
        zout.writestr("xl/calcChain.xml", CHAIN)
    process(tmp_path / "chained.xlsx", tmp_path / "out.xlsx")
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


def test_a_big_part_once_compressed_reads_and_saves_as_written(tmp_path):
    """A big part is kept compressed only once packed (archive.PackageParts): reading it
    inflates it again, and the saved file holds it as written."""
    source = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(source)
    big = b"<x>" + b"".join(b"<y>%d</y>" % n for n in range(EARLY_PACKING // 8)) + b"</x>"
    with Package(source) as package:
        stored = PackageParts(package)
        stored.write("xl/big.xml", big)
        stored._packing["xl/big.xml"].result()  # packed by now
        stored.write("xl/small.xml", b"<x/>")  # each read or write lets go of packed bytes
        assert "xl/big.xml" not in stored._changed
        assert stored.read("xl/big.xml") == big
        with (tmp_path / "out.xlsx").open("wb") as stream:
            stored.save(stream)
        stored.close()
    assert parts(tmp_path / "out.xlsx")["xl/big.xml"] == big


def test_a_big_part_written_in_pieces_is_never_joined_and_packs_the_same(tmp_path):
    """A rewritten sheet is handed over in pieces (views into the old one among them):
    compressed from them as from the joined bytes, read whole on asking."""
    source = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(source)
    whole = b"<x>" + b"".join(b"<y>%d</y>" % n for n in range(EARLY_PACKING // 4)) + b"</x>"
    view = memoryview(whole)
    pieces = [view[at:at + 997] for at in range(0, len(whole), 997)]
    assert archive._deflated(pieces) == archive._deflated((whole,))
    with Package(source) as package:
        stored = PackageParts(package)
        stored.write_pieces("xl/big.xml", pieces)
        assert stored.read("xl/big.xml") == whole
        with (tmp_path / "out.xlsx").open("wb") as stream:
            stored.save(stream)
        stored.close()
    assert parts(tmp_path / "out.xlsx")["xl/big.xml"] == whole
