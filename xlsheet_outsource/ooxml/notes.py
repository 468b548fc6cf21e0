"""Notes (Excel's cell comments) on a worksheet: the tool's own set on cells it owns,
everyone else's kept byte for byte.

A note lives in two parts Excel keeps in step: its text in the sheet's comments part
(xl/commentsN.xml) and its hover box, a shape in the sheet's VML drawing
(xl/drawings/vmlDrawingN.vml, which may hold form controls too, a button's). Both are
edited as text: the tool's notes are removed and appended, nothing else is touched; a
sheet without them gets both, named and linked as Excel writes them (see excel_form).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import relationships, worksheet, xmltext
from .areas import after_cells
from .book import WorkbookPackage
from .cells import column_number
from .excel_form import (
    COMMENTS_TYPE,
    EXCEL_NAMES,
    VML_PREFIXES,
    VML_REL,
    VML_TYPE,
    with_vml_prefixes,
)
from .relationships import NS_REL, OFFICE_TYPES, Relationships, rels_name

COMMENTS_REL = OFFICE_TYPES + "comments"
VML_NAMESPACES = {prefix: uri for uri, prefix in VML_PREFIXES.items()}  # o:, v:, x:
NOTE_WIDTH = 260  # pixels, as the template's input notes
CHARACTERS_A_LINE = 42  # of a note's 9-point text in that width, about
ROW_PIXELS = 20  # a row of the default height
_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb"<(?:[\w.-]+:)?idmap\b[^>]*?\sdata=\"([\d,\s]*)\"")
# A note's hover box, in any prefixes (Excel writes v: and x:; openpyxl ns0:, ns1:, ...).
_NOTE_SHAPE = re.compile(rb"<([\w.-]+:)?shape\b(?:(?!</\1shape>).)*?ObjectType=\"Note\""
                         rb"(?:(?!</\1shape>).)*</\1shape>\s*", re.S)
_SHAPE_CELL = re.compile(rb"<(?:[\w.-]+:)?Row>\s*(\d+)\s*</(?:[\w.-]+:)?Row>\s*"
                         rb"<(?:[\w.-]+:)?Column>\s*(\d+)\s*</")
_LEGACY_DRAWING = re.compile(rb"<(?:[\w.-]+:)?legacyDrawing\b[^>]*?\s[\w.-]+:id=\"([^\"]+)\"")
_EMPTY_COMMENTS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="'
                   + xmltext.NS_MAIN.encode() + b'"><authors/><commentList/></comments>')
_EMPTY_VML = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
              b'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
              b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="%d"/></o:shapelayout>'
              b"</xml>")
_NOTE_BOX_TYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
                  b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                  b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


@dataclass(frozen=True)
class Notes:
    """The tool's notes on one sheet: ``texts`` by cell ("M1"). Notes by ``author`` on
    the ``owned`` cells (the tool's, from an earlier run) give way to them; a note of
    anyone else's is kept, and the tool's is not written over it."""
    texts: Mapping[str, str]
    owned: frozenset[str]
    author: str


def set_notes(book: WorkbookPackage, sheet: str, notes: Notes) -> None:
    """The sheet's notes with the tool's set (see Notes); run again, the same parts."""
    element = set_notes_but_link(book, sheet, notes)
    if element is not None:
        part = _sheet_part(book, sheet)
        book.parts.write(part, worksheet.with_element(book.parts.read(part), *element))


def set_notes_but_link(book: WorkbookPackage, sheet: str,
                       notes: Notes) -> tuple[str, bytes] | None:
    """set_notes, but for the sheet's own part: the element it needs to point to the notes'
    drawing (its name and XML, unprefixed), for the caller to add as it rewrites the sheet
    anyway (one copy of a big sheet, not two); None when the sheet needs none."""
    part = _sheet_part(book, sheet)
    links = {link.id: link for link in book.links(part) if not link.external}
    comments_part = next((link.target for link in links.values()
                          if link.type == COMMENTS_REL and link.target in book.parts), None)
    xml = book.parts.read(part)
    drawn = _LEGACY_DRAWING.search(after_cells(xml))  # after the cells, not among them
    vml_link = links.get(drawn[1].decode()) if drawn else None
    vml_part = vml_link.target if vml_link and vml_link.target in book.parts else None
    comments = _Comments(book.parts.read(comments_part) if comments_part else _EMPTY_COMMENTS)
    removed = comments.remove({ref.upper() for ref in notes.owned}, notes.author)
    added = {ref: text for ref, text in notes.texts.items() if ref.upper() not in comments.refs()}
    if not removed and not added:
        return None
    for ref, text in added.items():
        comments.add(ref, text, notes.author)
    vml = book.parts.read(vml_part) if vml_part else _EMPTY_VML % (_highest_block(book) + 1)
    vml = _boxes_set(vml, removed, added)
    comments_part = comments_part or _linked_part(book, part, EXCEL_NAMES[COMMENTS_TYPE],
                                                  COMMENTS_REL, COMMENTS_TYPE)
    book.parts.write(comments_part, comments.xml)
    element = None
    if vml_part is None:
        vml_part = book.free_name(EXCEL_NAMES[VML_REL])
        book.content_types.set(vml_part, VML_TYPE)
        element = _legacy_drawing(xml, _link(book, part, VML_REL, vml_part))
    book.parts.write(vml_part, vml)
    return element


def _sheet_part(book: WorkbookPackage, sheet: str) -> str:
    part = book.sheet_part(sheet)
    if part is None or part not in book.parts:
        raise ValueError(f"sheet {sheet!r} has no part")
    return part


class _Comments:
    """A comments part as text: its authors and comments, in any prefix."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.prefix = xmltext.prefix_of(xmltext.qualified_name(xml, xmltext.root(xml)))
        prefix = re.escape(self.prefix)
        self._author = re.compile(rb"<" + prefix + rb"author\s*(?:/>|>(.*?)</" + prefix
                                  + rb"author>)", re.S)
        self._comment = re.compile(rb"<" + prefix + rb"comment\b([^>]*)>.*?</" + prefix
                                   + rb"comment>", re.S)

    def authors(self) -> list[str]:
        return [xmltext.unescape((found[1] or b"").decode()) for found in
                self._author.finditer(self.xml)]

    def _entries(self) -> list[tuple[re.Match[bytes], str, int]]:
        """Each comment with its cell and author's number."""
        found = []
        for comment in self._comment.finditer(self.xml):
            values = xmltext.attributes(comment[1])
            author = values.get("authorId", "0")
            found.append((comment, values.get("ref", "").upper(),
                          int(author) if author.isdigit() else -1))
        return found

    def refs(self) -> set[str]:
        return {ref for _, ref, _ in self._entries()}

    def remove(self, refs: set[str], author: str) -> list[str]:
        """Remove ``author``'s comments on these cells; the cells they were on."""
        authors = self.authors()
        removed = [(comment, ref) for comment, ref, number in self._entries()
                   if ref in refs and 0 <= number < len(authors) and authors[number] == author]
        for comment, _ in reversed(removed):
            self.xml = self.xml[:comment.start()] + self.xml[comment.end():]
        return [ref for _, ref in removed]

    def add(self, ref: str, text: str, author: str) -> None:
        authors = self.authors()
        if author not in authors:
            self.xml = xmltext.append_to_section(
                self.xml, "authors", f"<author>{xmltext.escape(author)}</author>".encode(),
                ("authors", "commentList", "extLst"), self.prefix)
            authors.append(author)
        element = (f'<comment ref="{ref}" authorId="{authors.index(author)}" shapeId="0"><text>'
                   f'<t xml:space="preserve">{xmltext.escape(text)}</t></text></comment>')
        self.xml = xmltext.append_to_section(self.xml, "commentList", element.encode(),
                                             ("authors", "commentList", "extLst"), self.prefix)


def _boxes_set(vml: bytes, removed: list[str], added: Mapping[str, str]) -> bytes:
    """The drawing with the removed notes' hover boxes gone and one for each added note
    (the note box's shape type declared if it is not), numbered after the drawing's
    others, from the first number of its block (o:idmap: Excel gives each drawing 1024)."""
    gone = {_row_column(ref) for ref in removed}
    vml = _NOTE_SHAPE.sub(lambda shape: b"" if _shape_cell(shape[0]) in gone else shape[0], vml)
    first_id = max([int(n) + 1 for n in _SHAPE_ID.findall(vml)] + [_blocks(vml)[0] * 1024 + 1])
    vml = _with_namespaces(vml)
    boxes = b"" if b'id="_x0000_t202"' in vml else _NOTE_BOX_TYPE
    boxes += b"".join(_note_box(ref, text, first_id + i)
                      for i, (ref, text) in enumerate(added.items()))
    end = vml.rindex(b"</xml>")
    return vml[:end] + boxes + vml[end:]


def _with_namespaces(vml: bytes) -> bytes:
    """The root declaring the o:, v: and x: prefixes the boxes are written with; a drawing
    in other prefixes (openpyxl's ns0:, ns1:, ... declared on each element) is first put in
    Excel's, so that no namespace has two prefixes (Gnumeric warns of it)."""
    top = xmltext.root(vml)
    tag = vml[top.start:top.content]
    if any(f'xmlns:{prefix}="{uri}"'.encode() not in tag for prefix, uri in VML_NAMESPACES.items()):
        vml = with_vml_prefixes(vml)
        top = xmltext.root(vml)
        tag = vml[top.start:top.content]
    for prefix, uri in VML_NAMESPACES.items():
        if f"xmlns:{prefix}=".encode() not in tag:
            tag = xmltext.with_attribute(tag, f"xmlns:{prefix}".encode(), uri.encode())
    return vml[:top.start] + tag + vml[top.content:]


def _shape_cell(shape: bytes) -> tuple[int, int] | None:
    found = _SHAPE_CELL.search(shape)
    return (int(found[1]), int(found[2])) if found else None


def _row_column(ref: str) -> tuple[int, int]:
    """"M1" -> (0, 12): the zero-based row and column VML anchors a note to."""
    found = _REF.match(ref.upper())
    assert found, ref
    return int(found[2]) - 1, column_number(found[1].encode()) - 1


def _note_box(ref: str, text: str, shape_id: int) -> bytes:
    """A hidden note box, as Excel draws one, tall enough for ``text``."""
    row, column = _row_column(ref)
    height = 16 * (math.ceil(len(text) / CHARACTERS_A_LINE) + 1)
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:59.25pt;margin-top:1.5pt;width:{NOTE_WIDTH}px;height:{height}px;"
            'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            "<x:MoveWithCells/><x:SizeWithCells/>"
            # where Excel shows it: right of the cell, from its row down (columns, rows
            # and their offsets in pixels, counted from 0)
            f"<x:Anchor>{column + 1}, 15, {row}, 2, {column + 4}, 15, "
            f"{row + math.ceil(height / ROW_PIXELS)}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
            ).encode()


def _blocks(vml: bytes) -> list[int]:
    """The drawing's blocks of shape numbers (o:idmap), 0 when it names none."""
    found = _IDMAP.search(vml)
    return [int(n) for n in re.split(rb"[,\s]+", found[1].strip()) if n] or [0] if found else [0]


def _highest_block(book: WorkbookPackage) -> int:
    """The highest block of shape numbers any VML drawing of the workbook takes."""
    return max((max(_blocks(book.parts.read(name))) for name in book.parts.names
                if name.lower().endswith(".vml")), default=0)


def _linked_part(book: WorkbookPackage, source: str, pattern: str, rel_type: str,
                 content_type: str) -> str:
    part = book.free_name(pattern)
    book.content_types.set(part, content_type)
    _link(book, source, rel_type, part)
    return part


def _link(book: WorkbookPackage, source: str, rel_type: str, target: str) -> str:
    """A relationship from ``source`` to ``target`` added; its id."""
    name = rels_name(source)
    links = Relationships(source, book.parts.read(name) if name in book.parts else None)
    rid = links.add(rel_type, target)
    book.parts.write(name, links.xml)
    book.content_types.set(name, relationships.CONTENT_TYPE)
    return rid


def _legacy_drawing(xml: bytes, rid: str) -> tuple[str, bytes]:
    """The element pointing the sheet ``xml`` to its notes' drawing, unprefixed."""
    prefix = xmltext.namespace_prefix(xml, NS_REL)
    reference = f'r:id="{rid}" xmlns:r="{NS_REL}"' if prefix is None else \
        f'{prefix.decode()}id="{rid}"'
    return "legacyDrawing", f"<legacyDrawing {reference}/>".encode()
