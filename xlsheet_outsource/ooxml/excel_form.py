"""A workbook openpyxl saves, put in the form Excel itself writes, which stricter readers
than Excel and LibreOffice expect (ExcelJS, Gnumeric, the Open XML SDK's checks).

openpyxl's packages are valid, but not where and how Excel writes them:

- comments: openpyxl writes xl/comments/commentN.xml and xl/drawings/commentsDrawingN.vml,
  linked with absolute targets; Excel writes xl/commentsN.xml and
  xl/drawings/vmlDrawingN.vml, linked relative to the sheet (ExcelJS finds them only so);
- VML: openpyxl's prefixes are ns0, ns1, ns2; Excel's VML reader, and ExcelJS's, know
  the element names only with the prefixes o:, v:, x:;
- drawings and charts: openpyxl makes their namespace the default one; Excel writes
  xdr: and c: (ExcelJS reads drawings only under xdr:);
- fonts: openpyxl writes a font's properties in its own order; the schema's is a
  sequence (styles.fonts_in_schema_order);
- openpyxl always writes an empty workbookProtection, and empty even and first page
  headers and footers, which Gnumeric does not expect; Excel writes none of them.

Only names, prefixes and order change: every value, format and link is kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import BinaryIO, TypeVar
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from openpyxl import Workbook

from . import content_types, styles, xmltext
from .archive import FIXED_TIME
from .relationships import OFFICE_TYPES, Relationship, Relationships, source_of

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_REL = OFFICE_TYPES + "vmlDrawing"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# Where Excel keeps each kind of part openpyxl names otherwise.
EXCEL_NAMES = {COMMENTS_TYPE: "xl/comments{}.xml", VML_REL: "xl/drawings/vmlDrawing{}.vml"}
# The prefixes Excel writes, all declared on the root (Gnumeric does not follow a
# namespace declared further in, as lxml declares them, and drops the chart).
DRAWING_PREFIXES = {"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": "xdr",
                    "http://schemas.openxmlformats.org/drawingml/2006/main": "a",
                    "http://schemas.openxmlformats.org/drawingml/2006/chart": "c",
                    OFFICE_TYPES.rstrip("/"): "r"}
VML_PREFIXES = {"urn:schemas-microsoft-com:office:office": "o",
                "urn:schemas-microsoft-com:vml": "v",
                "urn:schemas-microsoft-com:office:excel": "x"}
PREFIXED_TYPES = {  # content type -> the prefixes its part is written with
    "application/vnd.openxmlformats-officedocument.drawing+xml": DRAWING_PREFIXES,
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml": DRAWING_PREFIXES,
    VML_TYPE: VML_PREFIXES,
}
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"  # xml:space, bound without declaring
Saving = TypeVar("Saving")
_EXCEL_NAMED = re.compile(r"xl/comments\d+\.xml|xl/drawings/vmlDrawing\d+\.vml", re.IGNORECASE)
_EMPTY_PROTECTION = re.compile(rb"<workbookProtection\s*(?:/>|></workbookProtection>)")
_EMPTY_HEADER = re.compile(rb"<((?:odd|even|first)(?:Header|Footer))\s*(?:/>|></\1>)")


class ExcelForm:
    """An openpyxl workbook that saves itself in Excel's form (files.save_atomically)."""

    def __init__(self, book: Workbook) -> None:
        self.book = book

    def save(self, stream: BinaryIO) -> None:
        stream.write(saved(self.book))


def in_excel_form(book: Saving) -> Saving | ExcelForm:
    """``book`` itself, or, for an openpyxl workbook, one that saves in Excel's form."""
    return ExcelForm(book) if isinstance(book, Workbook) else book


def saved(book: Workbook) -> bytes:
    """The workbook as openpyxl saves it, in Excel's form."""
    return _zipped(saved_parts(book))


def saved_parts(book: Workbook) -> dict[str, bytes]:
    """``saved``'s parts by name, not zipped again (for a reader in this process)."""
    stream = io.BytesIO()
    book.save(stream)
    return rewritten_parts(stream.getvalue())


def rewritten_parts(package: bytes) -> dict[str, bytes]:
    """The parts of a package openpyxl saved, by name, named, linked and prefixed as
    Excel does."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    types = content_types.ContentTypes(parts[content_types.PART])
    renamed = _excel_names(parts, types)
    for old, new in renamed.items():
        kind = types.of(old)
        types.remove(old)
        types.set(new, kind or "application/xml")
    result: dict[str, bytes] = {}
    for name, data in parts.items():
        result[renamed.get(name, name)] = _in_excel_form(name, data, types.of(name), renamed)
    result[content_types.PART] = types.xml
    return result


def _excel_names(parts: dict[str, bytes], types: content_types.ContentTypes) -> dict[str, str]:
    """The comments and VML parts not where Excel keeps them -> free names where it does."""
    vml = {link.target for name, data in parts.items() for link in _links(name, data)
           if link.type == VML_REL and not link.external}
    taken = {name.casefold() for name in parts}
    renamed: dict[str, str] = {}
    for name in parts:
        kind = VML_REL if name in vml else types.of(name)
        if kind not in EXCEL_NAMES or _EXCEL_NAMED.fullmatch(name):
            continue
        number = 1
        while EXCEL_NAMES[kind].format(number).casefold() in taken:
            number += 1
        renamed[name] = EXCEL_NAMES[kind].format(number)
        taken.add(renamed[name].casefold())
    return renamed


def _links(name: str, data: bytes) -> list[Relationship]:
    """The relationships a .rels part holds; none for any other part."""
    source = source_of(name)
    return [] if source is None else Relationships(source, data).entries()


def _in_excel_form(name: str, data: bytes, kind: str | None, renamed: dict[str, str]) -> bytes:
    source = source_of(name)
    if source is not None:
        return _relative_links(source, data, renamed)
    if kind in PREFIXED_TYPES:
        return _with_prefixes(data, PREFIXED_TYPES[kind])
    if kind == styles.CONTENT_TYPE:
        return styles.fonts_in_schema_order(data)
    if kind == WORKSHEET_TYPE:
        return _EMPTY_HEADER.sub(b"", data)
    return _EMPTY_PROTECTION.sub(b"", data) if name == "xl/workbook.xml" else data


def _relative_links(source: str, data: bytes, renamed: dict[str, str]) -> bytes:
    """The relationships again, each target under its new name and relative, as Excel
    writes them; ids, types and external links as they were."""
    links = Relationships(source, None)
    for link in Relationships(source, data).entries():
        target = link.target if link.external else renamed.get(link.target, link.target)
        links.add(link.type, target, link.id, link.external)
    return links.xml


def with_vml_prefixes(vml: bytes) -> bytes:
    """A VML drawing in the prefixes Excel writes (see _with_prefixes)."""
    return _with_prefixes(vml, VML_PREFIXES)


def _with_prefixes(xml: bytes, prefixes: dict[str, str]) -> bytes:
    """The part written again with these prefixes, the namespaces it uses declared once on
    its root, when it uses no other namespace; else it is left as it is, as is a part that
    is not well-formed XML (Excel writes such VML, and openpyxl copies a macro workbook's)."""
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except (SafeET.ParseError, ValueError):
        return xml
    used = {_namespace(name) for element in root.iter() for name in (element.tag, *element.attrib)
            if name.startswith("{")} - {XML_NAMESPACE}
    if not used <= prefixes.keys():
        return xml
    declared = "".join(f' xmlns:{prefix}="{uri}"' for uri, prefix in prefixes.items()
                       if uri in used)
    return _element_text(root, prefixes, declared).encode()


def _element_text(element: Element, prefixes: dict[str, str], declared: str = "") -> str:
    name = _prefixed(element.tag, prefixes)
    attributes = declared + "".join(f' {_prefixed(key, prefixes)}="{xmltext.attribute(value)}"'
                                    for key, value in element.attrib.items())
    inner = xmltext.escape(element.text or "") + "".join(
        _element_text(child, prefixes) + xmltext.escape(child.tail or "") for child in element)
    return f"<{name}{attributes}>{inner}</{name}>" if inner else f"<{name}{attributes}/>"


def _namespace(name: str) -> str:
    return name[1:name.index("}")]


def _prefixed(name: str, prefixes: dict[str, str]) -> str:
    """{urn:schemas-microsoft-com:vml}shape -> v:shape; a name in no namespace as it is."""
    if not name.startswith("{"):
        return name
    namespace = _namespace(name)
    prefix = "xml" if namespace == XML_NAMESPACE else prefixes[namespace]
    return f"{prefix}:{name[name.index('}') + 1:]}"


def _zipped(parts: dict[str, bytes]) -> bytes:
    """The parts as a zip, [Content_Types].xml first as Excel writes it, fixed dates."""
    stream = io.BytesIO()
    order = sorted(parts, key=lambda name: name != content_types.PART)
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as package:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, parts[name])
    return stream.getvalue()
