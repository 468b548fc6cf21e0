"""The .xlsx/.xlsm file as the zip package it is: safe opening, parts, sheets, names.

Every XML part the tool parses itself goes through defusedxml, and every read is
bounded, so a hostile file (a zip bomb, entity expansion) gets a clear refusal.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = NS_REL + "/officeDocument"

MAX_PART_BYTES = 512 * 1024 * 1024  # one part, inflated
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # the whole package, inflated
MAX_RATIO = 200  # inflated / compressed, for parts above 1 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class PackageError(Exception):
    """The file cannot be used as a workbook; the message says why, in plain words."""


@dataclass
class SheetEntry:
    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    state: str = "visible"
    kind: str = "worksheet"


@dataclass
class WorkbookIndex:
    workbook_part: str
    sheets: list[SheetEntry] = field(default_factory=list)
    defined_names: dict[str, str] = field(default_factory=dict)  # workbook-level only

    def sheet(self, name: str) -> SheetEntry | None:
        wanted = name.strip().lower()
        return next((s for s in self.sheets if s.name.strip().lower() == wanted), None)


def check_signature(path: Path) -> None:
    """Refuse, in words, what is not an OOXML zip: old .xls, encrypted files, other files."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise PackageError("file not found") from None
    except IsADirectoryError:
        raise PackageError("is a folder, not a workbook") from None
    except PermissionError:
        raise PackageError("cannot be read: permission denied") from None
    if head.startswith(OLE_MAGIC):
        raise PackageError(
            "is password-protected or an old .xls file; remove the password (or save it "
            "as .xlsx) in Excel and try again")
    if not head.startswith(b"PK"):
        raise PackageError("is not an Excel workbook (.xlsx/.xlsm): it is not a zip package")


class Package:
    """Read access to the parts of a workbook package, within the size limits above."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        check_signature(self.path)
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise PackageError(f"is damaged: not a readable zip package ({exc})") from None
        self.names = {info.filename for info in infos}
        self._check_sizes(infos)

    def _check_sizes(self, infos: list[zipfile.ZipInfo]) -> None:
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise PackageError("is encrypted; remove the password in Excel and try again")
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or (
                    info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise PackageError(f"refused: part {info.filename} would inflate to "
                                   f"{info.file_size:,} bytes (a decompression bomb?)")
        if total > MAX_TOTAL_BYTES:
            raise PackageError(f"refused: the package would inflate to {total:,} bytes")

    def __enter__(self) -> "Package":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def read(self, name: str) -> bytes:
        """A part's bytes, read no further than its declared size allows."""
        try:
            with self.zip.open(name) as fh:
                data = fh.read(MAX_PART_BYTES + 1)
        except KeyError:
            raise PackageError(f"is damaged: part {name} is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise PackageError(f"is damaged: part {name} cannot be read ({exc})") from None
        if len(data) > MAX_PART_BYTES:
            raise PackageError(f"refused: part {name} is larger than {MAX_PART_BYTES:,} bytes")
        return data

    def xml(self, name: str) -> Element:
        try:
            return SafeET.fromstring(self.read(name))
        except SafeET.ParseError as exc:
            raise PackageError(f"is damaged: part {name} is not well-formed XML ({exc})") from None
        except Exception as exc:  # defusedxml's refusals: entities, external references
            raise PackageError(f"refused: part {name} uses forbidden XML ({type(exc).__name__})") from None

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type, absolute target part) for a part's .rels, {} when it has none."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self.names:
            return {}
        rels = {}
        for rel in self.xml(rels_name).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") != "External":
                target = resolve_target(folder, target)
            rels[rel.get("Id", "")] = (rel.get("Type", ""), target)
        return rels

    def index(self) -> WorkbookIndex:
        """The workbook part, its sheets in order and its workbook-level defined names."""
        workbook_part = next((t for typ, t in self.relationships("").values()
                              if typ == OFFICE_DOCUMENT), "xl/workbook.xml")
        if workbook_part not in self.names:
            raise PackageError("is not an Excel workbook: it has no workbook part")
        root = self.xml(workbook_part)
        rels = self.relationships(workbook_part)
        idx = WorkbookIndex(workbook_part)
        for sheet in root.iter(f"{{{NS_MAIN}}}sheet"):
            rel_type, target = rels.get(sheet.get(f"{{{NS_REL}}}id", ""), ("", ""))
            idx.sheets.append(SheetEntry(sheet.get("name", ""), target,
                                         sheet.get("state", "visible"),
                                         rel_type.rsplit("/", 1)[-1]))
        for name in root.iter(f"{{{NS_MAIN}}}definedName"):
            if name.get("localSheetId") is None and name.text:
                idx.defined_names[name.get("name", "")] = name.text.strip()
        return idx


def resolve_target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def unusable_cells(sheet_xml: bytes) -> dict[str, str]:
    """Cells whose value a fast reader shows as blank though they are not:
    {"F7": "#DIV/0!"} for error values, {"F8": ""} for formulas with no saved result."""
    if not (_FORMULA.search(sheet_xml) or b't="e"' in sheet_xml):
        return {}
    found = {}
    for match in _CELL.finditer(sheet_xml):
        attrs = dict(_ATTR.findall(match[1]))
        body = match[2] or b""
        ref = attrs.get(b"r", b"").decode()
        value = _VALUE.search(body)
        if attrs.get(b"t") == b"e":
            found[ref] = value[1].decode() if value else "#VALUE!"
        elif _FORMULA.search(body) and not (value and value[1]):
            if attrs.get(b"t") != b"str" or value is None:
                found[ref] = ""
    return found
