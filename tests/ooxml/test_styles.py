"""The styles part: what the tool needs appended, never renumbered."""

from __future__ import annotations

import re

import openpyxl
from support.packages import parts, process, sample_edited
from support.paths import SAMPLES

from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml import styles


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
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")[schema.TASKS]["L1"].font.b


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
