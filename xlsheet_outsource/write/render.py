"""Pictures of a decided workbook: a PDF and PNG pages of its Summary and For accountant
sheets, as they print (sheets.print_setup), made by LibreOffice headless.

Each picture is printed from a copy of the workbook in which only the wanted sheets
are visible (LibreOffice prints visible sheets only); all copies go through one
LibreOffice run. PNG pages come from the PDF through pdftoppm (poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import schema
from ..errors import FileError
from ..ooxml.package import Package, PackageError
from . import libreoffice

SHEETS = (schema.SUMMARY, schema.ACCOUNTANT)
PNG_DPI = 110
_SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\s[^>]*?/>")
_NAME = re.compile(rb'\sname="([^"]*)"')
_STATE = re.compile(rb'\sstate="[^"]*"')
_PRINT_AREA = re.compile(  # a sheet's print area; group 1: the sheet's position
    rb'<(?:\w+:)?definedName\s(?=[^>]*\bname="_xlnm\.Print_Area")[^>]*?'
    rb'\blocalSheetId="(\d+)"[^>]*>[^<]*</(?:\w+:)?definedName>')


class RenderError(FileError):
    """Why the pictures could not be made, in one line."""


@dataclass
class Rendered:
    pdf: Path | None = None
    pngs: list[Path] = field(default_factory=list)


def render(workbook: Path, sheets: Sequence[str] = SHEETS, *, pdf: Path | None = None,
           png_dir: Path | None = None) -> Rendered:
    """The PDF of ``sheets`` (one after the other) to ``pdf``, and PNG pages of each sheet
    into ``png_dir`` as NAME-SHEET-PAGE.png."""
    if png_dir is not None and shutil.which("pdftoppm") is None:
        raise RenderError("PNG pictures need pdftoppm, which is not installed here: install "
                          "poppler-utils (or leave out --png)")
    names = _sheet_names(workbook, sheets)
    rendered = Rendered()
    with tempfile.TemporaryDirectory(prefix="xlsheet-render-") as scratch:
        folder = Path(scratch)
        copies = {}
        # Each copy keeps the workbook's name: the page header prints it.
        if pdf is not None:
            copies["all"] = _only_visible(workbook, names, folder / "all" / workbook.name)
        if png_dir is not None:
            for number, name in enumerate(names):
                copies[name] = copies["all"] if names == [name] and pdf else _only_visible(
                    workbook, [name], folder / str(number) / workbook.name)
        try:
            files = list(dict.fromkeys(copies.values()))
            printed_files = dict(zip(files, libreoffice.convert(files, "pdf", folder / "pdf")))
            printed = {key: printed_files[copy] for key, copy in copies.items()}
        except libreoffice.LibreOfficeError as exc:
            raise RenderError(str(exc)) from None
        try:
            if pdf is not None:
                pdf.parent.mkdir(parents=True, exist_ok=True)
                rendered.pdf = Path(shutil.copyfile(printed["all"], pdf))
            if png_dir is not None:
                png_dir.mkdir(parents=True, exist_ok=True)
                for name in names:
                    pages = png_dir / _slug(workbook.stem, name)
                    rendered.pngs += _pages_as_png(printed[name], pages)
        except OSError as exc:  # where the user asked for the pictures cannot be written
            raise RenderError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    return rendered


def page_count(pdf: Path) -> int:
    """Pages of a PDF LibreOffice wrote (its page tree says how many)."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf.read_bytes())
    return max(map(int, counts), default=0)


def _sheet_names(workbook: Path, wanted: Sequence[str]) -> list[str]:
    """The workbook's own spelling of each wanted sheet; a clear error for one it lacks."""
    try:
        with Package(workbook) as package:
            index = package.index()
    except PackageError as exc:
        raise RenderError(f"{workbook.name}: {exc}") from None
    names = []
    for name in wanted:
        kind = schema.SHEET_KINDS.get(name)  # the tool's own, found by its marker
        entry = (kind and index.marked_sheet(schema.SHEET_MARKER, kind)) or index.sheet(name)
        if entry is None or entry.kind != "worksheet":
            existing = ", ".join(repr(s.name) for s in index.sheets if s.kind == "worksheet")
            hint = (" (decide it first: xlsheet-outsource process "
                    f"{workbook.name})" if name in SHEETS else f"; its sheets are {existing}")
            raise RenderError(f"{workbook.name}: has no sheet {name!r}{hint}")
        names.append(entry.name)
    return names


def _only_visible(workbook: Path, names: list[str], copy: Path) -> Path:
    """A copy of ``workbook`` in which the sheets ``names`` alone are visible, the first
    of them active."""
    with Package(workbook) as package:
        part = package.index().workbook_part
    copy.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == part:
                data = _show_only(data, {name.encode() for name in names})
            target.writestr(item, data)
    return copy


def _sheet_name(element: bytes) -> bytes:
    found = _NAME.search(element)
    return found[1] if found else b""


def _show_only(workbook_xml: bytes, names: set[bytes]) -> bytes:
    order = [_sheet_name(m[0]) for m in _SHEET_ELEMENT.finditer(workbook_xml)]
    wanted = {_xml_name(name) for name in names}
    first = min(order.index(name) for name in wanted) if order else 0

    def state(match: re.Match[bytes]) -> bytes:
        element = _STATE.sub(b"", match[0])
        if _sheet_name(element) in wanted:
            return element
        return element.replace(b"/>", b' state="hidden"/>', 1)
    shown = _SHEET_ELEMENT.sub(state, workbook_xml)
    # LibreOffice prints a hidden sheet that has a print area (Settings of the template)
    hidden = {position for position, name in enumerate(order) if name not in wanted}
    shown = _PRINT_AREA.sub(
        lambda area: b"" if int(area[1]) in hidden else area[0], shown)
    shown = re.sub(rb'\sactiveTab="\d+"', b"", shown)
    shown = re.sub(rb'\sfirstSheet="\d+"', b"", shown)
    return re.sub(rb"<((?:\w+:)?workbookView)\b", rb'<\1 activeTab="%d" firstSheet="%d"'
                  % (first, first), shown, count=1)


def _xml_name(name: bytes) -> bytes:
    """A sheet name as workbook.xml spells it."""
    return (name.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
            .replace(b'"', b"&quot;"))


def _slug(stem: str, sheet: str) -> str:
    return f"{stem}-{re.sub(r'[^A-Za-z0-9]+', '-', sheet).strip('-').lower()}"


def _pages_as_png(pdf: Path, prefix: Path) -> list[Path]:
    """Every page as prefix-N.png."""
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    try:
        result = subprocess.run(["pdftoppm", "-png", "-r", str(PNG_DPI), str(pdf), str(prefix)],
                                capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as hung:
        raise RenderError(f"pdftoppm did not finish within {hung.timeout:g} s") from None
    if result.returncode != 0:
        raise RenderError(f"pdftoppm could not make PNG pages: {result.stderr.strip()[:200]}")
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"),
                  key=lambda p: int(p.stem.rsplit("-", 1)[1]))
