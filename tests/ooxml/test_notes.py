"""notes.set_notes on real packages: the tool's notes beside everyone else's, in the two
parts Excel keeps in step (the comments and the VML drawing of their hover boxes)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from support.hostile_files import rezip
from support.packages import parts

from xlsheet_outsource.ooxml import notes
from xlsheet_outsource.ooxml.book import WorkbookPackage
from xlsheet_outsource.ooxml.content_types import ContentTypes

AUTHOR = "xlsheet-outsource"
# A form control (an xlwings or macro button) drawn in the same VML as the notes.
BUTTON = (b'<v:shape id="_x0000_s1100" type="#_x0000_t201" style="position:absolute;'
          b'width:96pt;height:24pt;z-index:2"><v:textbox><div>Decide</div></v:textbox>'
          b'<x:ClientData ObjectType="Button"><x:Anchor>5, 0, 2, 0, 7, 0, 4, 0</x:Anchor>'
          b'<x:FmlaMacro>[0]!Decide</x:FmlaMacro></x:ClientData></v:shape>')


def book_with(path: Path, noted: dict[str, tuple[str, str]]) -> Path:
    """A sheet with these notes, saved by openpyxl (its VML in prefixes ns0:, ns1:, ...)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Tasks"
    ws.append(["Task", "Hours", None, None])
    for cell, (text, author) in noted.items():
        ws[cell].comment = Comment(text, author)
    book.save(path)
    return path


def noted(source: Path, target: Path, note: notes.Notes) -> Path:
    with WorkbookPackage(source) as book:
        notes.set_notes(book, "Tasks", note)
        with target.open("wb") as stream:
            book.save(stream)
    return target


def read_notes(path: Path) -> dict[str, tuple[str, str]]:
    ws = openpyxl.load_workbook(path)["Tasks"]
    return {cell.coordinate: (cell.comment.text, cell.comment.author)
            for row in ws.iter_rows() for cell in row if cell.comment is not None}


def vml_of(path: Path) -> bytes:
    [vml] = [data for name, data in parts(path).items() if name.endswith(".vml")]
    return vml


def test_a_sheet_without_notes_gets_both_parts_linked_as_excel_does(tmp_path):
    source = book_with(tmp_path / "plain.xlsx", {})
    out = noted(source, tmp_path / "out.xlsx", notes.Notes({"C1": "What it means."},
                                                           frozenset({"C1"}), AUTHOR))
    assert read_notes(out) == {"C1": ("What it means.", AUTHOR)}
    written = parts(out)
    assert "xl/comments1.xml" in written and "xl/drawings/vmlDrawing1.vml" in written
    types = ContentTypes(written["[Content_Types].xml"])
    assert types.of("xl/comments1.xml") == notes.COMMENTS_TYPE
    assert types.of("xl/drawings/vmlDrawing1.vml") == notes.VML_TYPE
    sheet = written["xl/worksheets/sheet1.xml"]
    assert re.search(rb"<pageMargins[^>]*/><legacyDrawing r:id=\"rId\d+\"", sheet)
    assert b"<x:Row>0</x:Row><x:Column>2</x:Column>" in vml_of(out)


def test_the_users_notes_and_a_button_stay_and_a_rerun_replaces_the_tools(tmp_path):
    """A note of the user's, one of theirs on a cell the tool owns (kept: the tool's is not
    written over it), the tool's earlier note (replaced); a button in the same drawing."""
    source = book_with(tmp_path / "mine.xlsx", {"A1": ("my note", "Pat"),
                                                "C1": ("old text", AUTHOR),
                                                "D1": ("theirs on ours", "Pat")})
    vml_name = next(name for name in parts(source) if name.endswith(".vml"))
    with_button = rezip(source, tmp_path / "button.xlsx", {
        vml_name: lambda vml: vml.replace(b"</xml>", BUTTON + b"</xml>")})
    note = notes.Notes({"C1": "new text", "D1": "ours", "E1": "more"},
                       frozenset({"C1", "D1", "E1"}), AUTHOR)
    out = noted(with_button, tmp_path / "out.xlsx", note)
    again = noted(out, tmp_path / "again.xlsx", note)
    expected = {"A1": ("my note", "Pat"), "C1": ("new text", AUTHOR),
                "D1": ("theirs on ours", "Pat"), "E1": ("more", AUTHOR)}
    assert read_notes(out) == read_notes(again) == expected
    assert parts(again) == parts(out)  # a second run gives the same parts
    vml = vml_of(out)
    assert BUTTON in vml
    boxes = re.findall(rb"<(?:\w+:)?Row>(\d+)</(?:\w+:)?Row><(?:\w+:)?Column>(\d+)<", vml)
    assert sorted(boxes) == [(b"0", b"0"), (b"0", b"2"), (b"0", b"3"), (b"0", b"4")]
    ids = re.findall(rb'id="(_x0000_s\d+)"', vml)
    assert len(ids) == len(set(ids)) == 5  # four notes and the button, each its own number
