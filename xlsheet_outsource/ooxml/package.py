"""The .xlsx/.xlsm file as the zip package it is: safe opening, parts, sheets, names.

Opening a Package checks the whole file before anything parses it: the size of the
zip's directory, every part's name, declared and real inflated size (headers can
lie), and the start of every XML part (no DTD, so no entity expansion or external
entities; no absurd shared-string or cell-format count). A hostile or broken file gets a one-line
refusal instead of a hang, a crash or a blown memory; the limits below are far above
any real workbook of this tool. Every XML part the tool parses itself goes through
defusedxml.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml import ElementTree as SafeET

from .cells import EXCEL_COLUMNS, EXCEL_ROWS, column_number
from .errors import PackageError
from .relationships import NS_REL, OFFICE_DOCUMENT, Relationship, Relationships, rels_name
from .xmltext import ANY_PREFIX, NS_MAIN, NS_STRICT

CONTENT_TYPES = "[Content_Types].xml"
STRICT_REFUSAL = ("is saved as Strict Open XML Spreadsheet, which this tool cannot read: "
                  "open it in Excel and save it as Excel Workbook (.xlsx)")

MB = 1024 * 1024
MAX_DIRECTORY_BYTES = 4 * MB  # the zip's table of contents: zipfile holds all of it
MAX_PARTS = 10_000
MAX_PART_BYTES = 256 * MB  # one part, inflated
MAX_TOTAL_BYTES = 512 * MB  # the whole package, inflated
MAX_SHARED_STRINGS = 5_000_000  # calamine reserves memory for as many as a file declares
MAX_CELL_FORMATS = 131_072  # <xf> in a styles part: twice Excel's limit of one kind
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all that Excel writes
CHUNK = MB
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip entry's, before its name
_KEPT = (".xml", ".rels")  # parts kept inflated once inspected: the ones read again
_CELL_FORMAT = re.compile(rb"<" + ANY_PREFIX + rb"xf[\s/>]")


@dataclass
class SheetEntry:
    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    state: str = "visible"
    kind: str = "worksheet"
    target: str = ""  # the relationship's Target as written, before resolving


@dataclass
class WorkbookIndex:
    workbook_part: str
    sheets: list[SheetEntry] = field(default_factory=list)
    defined_names: dict[str, str] = field(default_factory=dict)  # workbook-level only
    # (sheet position, name) -> formula: the names scoped to one sheet (Settings!FillRate)
    scoped_names: dict[tuple[int, str], str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetEntry | None:
        wanted = name.strip().lower()
        return next((s for s in self.sheets if s.name.strip().lower() == wanted), None)

    def names_of(self, name: str) -> list[tuple[str, bool]]:
        """Every (formula, scoped to a sheet) a defined name has: the workbook's first,
        then each sheet's own in sheet order, compared case-insensitively as Excel does."""
        wanted = name.casefold()
        found = [(f, False) for n, f in self.defined_names.items() if n.casefold() == wanted]
        return found + [(f, True) for (_, n), f in sorted(self.scoped_names.items())
                        if n.casefold() == wanted]

    def scoped_name(self, sheet: str, name: str) -> str | None:
        """The formula of ``name`` scoped to ``sheet``, None when it has no such name."""
        entry = self.sheet(sheet)
        position = self.sheets.index(entry) if entry else -1
        wanted = name.casefold()
        return next((f for (at, n), f in self.scoped_names.items()
                     if at == position and n.casefold() == wanted), None)

    def marked_sheet(self, marker: str, text: str) -> SheetEntry | None:
        """The sheet with a name ``marker`` of its own holding the text ``text``."""
        for (position, name), formula in self.scoped_names.items():
            if name == marker and formula == f'"{text}"' and position < len(self.sheets):
                return self.sheets[position]
        return None

    def named_cell(self, name: str) -> tuple[SheetEntry, CellReference, bool] | None:
        """The sheet and cell a defined name points to, when it is one cell of a sheet of
        this workbook, and whether the name is scoped to a sheet (a formula elsewhere
        cannot use it bare): the workbook-level name first, then one of a sheet's."""
        for formula, scoped in self.names_of(name):
            reference = cell_reference(formula)
            entry = self.sheet(reference.sheet) if reference else None
            if entry and reference:
                return entry, reference, scoped
        return None


@dataclass(frozen=True)
class CellReference:
    sheet: str
    row: int  # 1-based
    column: int  # 1-based


# One cell of a sheet, as a defined name holds it: Settings!$B$2, Settings!B2, or the
# sheet name quoted, a quote inside doubled ('It''s'!$B$2); unquoted, it has neither.
_CELL_REFERENCE = re.compile(r"(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})")


def cell_reference(formula: str) -> CellReference | None:
    """The cell ``formula`` (a defined name's) is, None when it is anything else: a
    range, a constant, an error, a cell past XFD1048576."""
    found = _CELL_REFERENCE.fullmatch(formula)
    if found is None:
        return None
    quoted, plain, letters, digits = found.groups()
    column, row = column_number(letters.encode()), int(digits)
    if column > EXCEL_COLUMNS or row > EXCEL_ROWS:
        return None
    return CellReference(quoted.replace("''", "'") if quoted else plain, row, column)


def check_signature(path: Path) -> None:
    """Refuse, in words, what is not an OOXML zip: old .xls, encrypted files, other files,
    and zips whose directory alone would be too big to hold."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise PackageError("is a folder, not a workbook")
        if not stat.S_ISREG(mode):
            raise PackageError("is not a regular file (a device or a pipe?)")
        with open(path, "rb") as fh:
            head = fh.read(8)
            directory = _directory_size(fh)
    except FileNotFoundError:
        raise PackageError("file not found") from None
    except PermissionError:
        raise PackageError("cannot be read: permission denied") from None
    except OSError as exc:
        raise PackageError(f"cannot be read: {exc.strerror or exc}") from None
    if head.startswith(OLE_MAGIC):
        raise PackageError(
            "is password-protected or an old .xls file; remove the password (or save it "
            "as .xlsx) in Excel and try again")
    if not head.startswith(b"PK"):
        raise PackageError("is not an Excel workbook (.xlsx/.xlsm): it is not a zip package")
    if directory > MAX_DIRECTORY_BYTES:
        raise PackageError(f"refused: its zip directory alone is {directory:,} bytes "
                           "(a workbook's is a few kilobytes)")


# The end of central directory record and its zip64 forms, and where each keeps the
# directory's size.
_END, _END_SIZE = struct.Struct("<4s4H2LH"), 5
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END, _ZIP64_END_SIZE = struct.Struct("<4sQ2H2L4Q"), 8


def _directory_size(fh: BinaryIO) -> int:
    """The central directory size the end record declares, read where zipfile reads it."""
    length = fh.seek(0, os.SEEK_END)
    tail_length = min(length, _END.size + 0xFFFF)  # the record may end in a comment
    fh.seek(length - tail_length)
    tail = fh.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        return 0  # not a zip: zipfile says so
    size = _END.unpack_from(tail, at)[_END_SIZE]
    zip64 = at - _ZIP64_LOCATOR.size - _ZIP64_END.size
    if zip64 >= 0 and tail[at - _ZIP64_LOCATOR.size:][:4] == b"PK\x06\x07":
        size = max(size, _ZIP64_END.unpack_from(tail, zip64)[_ZIP64_END_SIZE])
    return size


class Package:
    """Read access to the parts of a workbook package, within the limits above."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        check_signature(self.path)
        self._file = _identity(self.path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            raise PackageError(f"is damaged: not a readable zip package ({exc})") from None
        self._inflated: dict[str, bytes] = {}  # XML parts, as inspecting them inflated them
        try:
            infos = self.zip.infolist()
            _check_entries(infos)
            for info in infos:
                self._inspect(info)
        except BaseException:
            self.zip.close()
            raise
        self.names = {info.filename for info in infos}
        self._by_folded_name = {name.casefold(): name for name in self.names}

    def _inspect(self, info: zipfile.ZipInfo) -> None:
        """Inflate a part for real, without keeping it, and look at its XML prolog."""
        probe = copy.copy(info)
        probe.file_size = info.file_size + 1  # so a stream longer than declared shows
        del probe.CRC  # checked below: zipfile would check it first, hiding the lie
        try:
            with self.zip.open(probe) as raw:
                stream = _CountedPart(raw, info, keep=info.filename.endswith(_KEPT))
                if _check_xml_start(stream, info.filename) == "styleSheet":
                    stream.count(_CELL_FORMAT)
                while stream.read(CHUNK):
                    pass
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
            raise PackageError(f"is damaged: part {info.filename} cannot be read ({exc})") from None
        if stream.crc != info.CRC:
            raise PackageError(f"is damaged: part {info.filename} is corrupt (its checksum "
                               "does not match)")
        if stream.counted > MAX_CELL_FORMATS:
            raise PackageError(f"refused: part {info.filename} has {stream.counted:,} cell "
                               f"formats (Excel allows about 64,000 of each kind)")
        if stream.kept is not None:
            self._inflated[info.filename] = b"".join(stream.kept)

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def reopened(self) -> Package:
        """This package, closed, open again without checking it all over: the file is
        the one checked (same size, time, inode and zip directory). A changed file is
        opened and checked afresh."""
        if _identity(self.path) == self._file:
            try:
                again = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
                return Package(self.path)
            if _directory(again.infolist()) == _directory(self.zip.infolist()):
                self.zip = again
                return self
            again.close()
        return Package(self.path)

    def find(self, name: str) -> str | None:
        """The part's name as stored: part names are case-insensitive (OPC)."""
        return self._by_folded_name.get(name.casefold())

    def raw(self, name: str) -> tuple[int, int, int, int, bytes] | None:
        """A part as stored, to copy without inflating it: (method, CRC-32, compressed
        size, size, compressed bytes); None when its local header does not read plainly
        (the caller inflates and compresses it again). Its bytes were checked on opening."""
        info = self.zip.getinfo(self.find(name) or name)
        with open(self.path, "rb") as stream:
            stream.seek(info.header_offset)
            header = stream.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                return None
            name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
            stream.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            data = stream.read(info.compress_size)
        if len(data) != info.compress_size:
            return None
        return info.compress_type, info.CRC, info.compress_size, info.file_size, data

    def forget(self, name: str) -> None:
        """Let go of the part's bytes kept from inspecting it (a writer has replaced the
        part: a big sheet need not be held twice); a later read inflates it again."""
        stored = self.find(name)
        if stored is not None:
            self._inflated.pop(stored, None)

    def read(self, name: str) -> bytes:
        """A part's bytes (already checked to inflate to no more than declared)."""
        stored = self.find(name)
        if stored is None:
            raise PackageError(f"is damaged: part {name} is missing")
        if stored in self._inflated:
            return self._inflated[stored]
        try:
            with self.zip.open(stored) as fh:
                data = fh.read(MAX_PART_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
            raise PackageError(f"is damaged: part {name} cannot be read ({exc})") from None
        if len(data) > MAX_PART_BYTES:
            raise PackageError(f"refused: part {name} is larger than {MAX_PART_BYTES:,} bytes")
        return data

    def xml(self, name: str) -> Element:
        try:
            return SafeET.fromstring(self.read(name), forbid_dtd=True)
        except ParseError as exc:
            raise PackageError(f"is damaged: part {name} is not well-formed XML ({exc})") from None
        except defusedxml.DefusedXmlException as exc:
            raise PackageError(_dtd_refusal(name, exc)) from None

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type, absolute target part) for a part's .rels, {} when it has none."""
        return {link.id: (link.type, link.target) for link in self.links(part)}

    def links(self, part: str) -> list[Relationship]:
        """The relationships in a part's .rels, [] when it has none."""
        name = rels_name(part)
        if self.find(name) is None:
            return []
        self.xml(name)  # well-formed, or refused in words: the parser below trusts that
        try:
            return Relationships(part, self.read(name)).entries()
        except ValueError as exc:
            raise PackageError(f"is damaged: part {name} cannot be read ({exc})") from None

    def index(self) -> WorkbookIndex:
        """The workbook part, its sheets in order and its workbook-level defined names."""
        workbook_part = next((t for typ, t in self.relationships("").values()
                              if typ == OFFICE_DOCUMENT), "xl/workbook.xml")
        if self.find(workbook_part) is None:
            raise PackageError("is not an Excel workbook: it has no workbook part")
        self.xml(CONTENT_TYPES)  # Excel opens no package without it, nor should we write one
        root = self.xml(workbook_part)
        if str(root.tag).startswith("{" + NS_STRICT + "}"):
            raise PackageError(STRICT_REFUSAL)
        rels = {link.id: link for link in self.links(workbook_part)}
        idx = WorkbookIndex(workbook_part)
        for sheet in root.iter():
            if _local_name(sheet.tag) != "sheet":  # in any namespace, as calamine takes them
                continue
            link = rels.get(_relationship_id(sheet), _NO_LINK)
            idx.sheets.append(SheetEntry(sheet.get("name", ""), link.target,
                                         sheet.get("state", "visible"),
                                         link.type.rsplit("/", 1)[-1], link.written))
        for name in root.iter(f"{{{NS_MAIN}}}definedName"):
            scope = name.get("localSheetId")
            if not name.text:
                continue
            if scope is None:
                idx.defined_names[name.get("name", "")] = name.text.strip()
            elif scope.isdigit():
                idx.scoped_names[int(scope), name.get("name", "")] = name.text.strip()
        return idx


_NO_LINK = Relationship("", "", "", False)  # a sheet whose r:id names no relationship


def _local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _relationship_id(sheet: Element) -> str:
    """The sheet's r:id, or "" unless it has exactly one id attribute: calamine matches
    the r: prefix literally, we match the namespace, and the two must not disagree."""
    ids = [key for key in sheet.attrib if _local_name(key) == "id"]
    return sheet.get(f"{{{NS_REL}}}id", "") if len(ids) == 1 else ""


# --- checks on the zip's entries ---------------------------------------------------------

def _identity(path: Path) -> tuple[int, int, int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev


def _directory(infos: list[zipfile.ZipInfo]) -> list[tuple[object, ...]]:
    return [(i.filename, i.CRC, i.compress_size, i.file_size, i.header_offset,
             i.compress_type, i.flag_bits) for i in infos]


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise PackageError(f"refused: it has {len(infos):,} parts (a workbook has at most "
                           "a few thousand)")
    seen: set[str] = set()
    total = 0
    for info in infos:
        _check_name(info.filename, seen)
        if info.flag_bits & 0x1:
            raise PackageError("is encrypted; remove the password in Excel and try again")
        if info.compress_type not in COMPRESSIONS:
            raise PackageError(f"is damaged: part {info.filename} is compressed with method "
                               f"{info.compress_type}, which Excel never uses")
        _check_declared_size(info)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise PackageError(f"refused: the package would inflate to {total:,} bytes "
                           f"(the limit is {MAX_TOTAL_BYTES:,}; a decompression bomb?)")


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_name(name: str, seen: set[str]) -> None:
    """No part may point outside the package, and no two may share a name: readers would
    disagree on which one they read (OPC part names are case-insensitive)."""
    segments = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or ".." in segments or _DRIVE.match(name) or "\0" in name:
        raise PackageError(f"refused: it has a part named {name!r}, which points outside "
                           "the package (a path-traversal attack?)")
    folded = name.casefold()
    if folded in seen:
        raise PackageError(f"is damaged: it has two parts named {name!r} "
                           "(part names ignore case)")
    seen.add(folded)


def _check_declared_size(info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_PART_BYTES:
        raise PackageError(f"refused: part {info.filename} would inflate to "
                           f"{info.file_size:,} bytes (a decompression bomb?)")


class _CountedPart:
    """A part's inflated bytes, counted: a part that inflates past the size its header
    declares (what every parser trusts) is refused the moment it does."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, keep: bool = False) -> None:
        self.raw, self.info, self.size, self.crc = raw, info, 0, 0
        self.counted, self._tail = 0, b""
        self._pattern: re.Pattern[bytes] | None = None
        self.kept: list[bytes] | None = [] if keep else None

    def count(self, pattern: re.Pattern[bytes]) -> None:
        """From now on, count the matches of ``pattern`` (shorter than 64 bytes)."""
        self._pattern = pattern

    def read(self, size: int = CHUNK) -> bytes:
        data = self.raw.read(size if size and size > 0 else CHUNK)
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        if self._pattern is not None:
            window = self._tail + data  # a match may straddle two reads
            self.counted += sum(1 for match in self._pattern.finditer(window)
                                if match.end() > len(self._tail))
            self._tail = window[-64:]
        if self.size > self.info.file_size:
            raise PackageError(f"refused: part {self.info.filename} inflates to more than "
                               f"the {self.info.file_size:,} bytes its header declares "
                               "(a decompression bomb?)")
        if self.kept is not None:
            self.kept.append(data)
        return data


def _check_xml_start(stream: _CountedPart, name: str) -> str | None:
    """Parse a part up to its root element, whose name it returns: a DTD there is refused
    (workbooks never have one; it is how entity expansion and external entities get in),
    and so is a shared strings table declaring more strings than a reader should make
    room for."""
    try:
        _, root = next(SafeET.iterparse(stream, events=("start",), forbid_dtd=True))
    except (ParseError, StopIteration):
        return None  # not XML (a picture, macros) or broken XML: its reader will say so
    except defusedxml.DefusedXmlException as exc:
        raise PackageError(_dtd_refusal(name, exc)) from None
    declared = root.get("uniqueCount", "").strip()  # what calamine reserves room for
    if _local_name(root.tag) == "sst" and declared.isdigit() and int(declared) > MAX_SHARED_STRINGS:
        raise PackageError(f"refused: part {name} declares {int(declared):,} shared strings "
                           f"(the limit is {MAX_SHARED_STRINGS:,})")
    return _local_name(root.tag)


def _dtd_refusal(name: str, exc: Exception) -> str:
    return (f"refused: part {name} has a DTD ({type(exc).__name__}); workbooks never do "
            "(an XML entity attack?)")
