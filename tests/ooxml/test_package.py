"""Defined names and the workbook part, as the package reads them."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET
from support.packages import MAIN

from xlsheet_outsource.ooxml import xmltext
from xlsheet_outsource.ooxml.package import CellReference, cell_reference


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
