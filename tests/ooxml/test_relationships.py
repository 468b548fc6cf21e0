"""Relationships and content types keep their entries; the reader and the writer find
the same parts."""

from __future__ import annotations

import re

import pytest
from support.packages import sample_edited

from xlsheet_outsource.ooxml.book import WorkbookPackage
from xlsheet_outsource.ooxml.content_types import ContentTypes
from xlsheet_outsource.ooxml.package import Package, PackageError
from xlsheet_outsource.ooxml.relationships import Relationships


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
        data = data.replace(b'Target="worksheets/sheet2.xml"',
                            b'Target="worksheets/../worksheets/sheet2.xml"')
        data = data.replace(b'Target="worksheets/sheet3.xml"',
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
