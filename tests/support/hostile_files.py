"""Bad workbooks, made on the fly for test_hostile.py: the samples broken in every way
issue 8 lists, package attacks, and the corpus with the contract's sheets grafted in
(so that `process` has something to write into every real-world file).

Nothing here writes into the project: files are made in the folder given, and corpus
files are only read.
"""

from __future__ import annotations

import functools
import random
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from support.paths import CORPUS, SAMPLES, excel_made

SAMPLE = SAMPLES / "small_agency.xlsx"
SETTINGS_PART, TASKS_PART, QUOTES_PART = (f"xl/worksheets/sheet{n}.xml" for n in (2, 3, 4))
WORKBOOK_PART, RELS_PART, TYPES_PART = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                        "[Content_Types].xml")
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
UNREADABLE = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error)
GB = 1024 ** 3

Edit = bytes | Callable[[bytes], bytes] | None  # new content, a rewrite, or drop the part


def rezip(source: Path, target: Path, edits: Mapping[str, Edit] | None = None,
          extra: Mapping[str, bytes] | None = None) -> Path:
    """Copy a zip part by part, replacing, rewriting or dropping the parts in ``edits``
    and adding those in ``extra``."""
    edits = edits or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            edit = edits.get(info.filename, _unchanged)
            if edit is not None:
                new.writestr(info.filename, edit(old.read(info)) if callable(edit) else edit)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def _unchanged(data: bytes) -> bytes:
    return data


def _replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)
    return edit


def _substitute(pattern: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """The first match of ``pattern`` replaced (a style index, which moves as the
    template gains styles, matched by shape)."""
    def edit(data: bytes) -> bytes:
        edited, count = re.subn(pattern, new, data, count=1)
        assert count == 1, pattern
        return edited
    return edit


def _before(marker: bytes, addition: bytes) -> Callable[[bytes], bytes]:
    return _replace(marker, addition + marker)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- the corpus, with the contract's sheets grafted in -------------------------------------

def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return excel_made()  # the committed fixtures: fewer files, same checks
    return sorted(p for folder in ("real-world", "excel-made") for p in (CORPUS / folder).iterdir())


def feature_sample(files: Iterable[Path], per_feature: int = 2) -> list[Path]:
    """A few files of each feature the excel-made files are named after (chart_area01,
    chart_area02, ... are one feature); every real-world file, each is its own case."""
    taken: dict[str, int] = {}
    chosen = []
    for path in files:
        feature = re.sub(r"\d+$", "", path.stem) if path.parent.name == "excel-made" else path.stem
        if taken.get(feature, 0) < per_feature:
            taken[feature] = taken.get(feature, 0) + 1
            chosen.append(path)
    return chosen


def sheet_xml(grid: Iterable[Iterable[object]]) -> bytes:
    """A minimal worksheet: numbers as numbers, everything else as inline text."""
    rows = []
    for r, row in enumerate(grid, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif value not in ("", None):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    body = "".join(rows)
    return f'<worksheet xmlns="{NS_MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()


def contract_sheets(sample: Path = SAMPLE) -> dict[str, bytes]:
    """Settings, Tasks and Quotes of a sample workbook, as minimal worksheets."""
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_path(str(sample))
    return {name: sheet_xml(book.get_sheet_by_name(name).to_python())
            for name in ("Settings", "Tasks", "Quotes")}


def graft_contract(source: Path, target: Path, sheets: Mapping[str, bytes]) -> bool:
    """``source`` with ``sheets`` added as new worksheets, at the zip level, so that the
    rest of the file stays as its writer made it. False when that cannot be done (not a
    readable zip, an unusual layout, or sheets of those names already there)."""
    try:
        with zipfile.ZipFile(source) as old:
            names = set(old.namelist())
            workbook, rels, types = (old.read(n) for n in (WORKBOOK_PART, RELS_PART, TYPES_PART))
    except UNREADABLE:
        return False
    closing = re.search(rb"</(\w+:)?sheets>", workbook)
    if (not closing or b"</Relationships>" not in rels or b"</Types>" not in types
            or any(f'name="{n}"'.encode() in workbook for n in sheets)):
        return False
    prefix = (closing[1] or b"").decode()
    entries, relationships, overrides, parts = [], [], [], {}
    for number, (name, xml) in enumerate(sheets.items(), start=1):
        part = f"worksheets/grafted{number}.xml"
        if "xl/" + part in names:
            return False
        entries.append(f'<{prefix}sheet xmlns:r="{NS_REL}" name="{name}" '
                       f'sheetId="{9000 + number}" r:id="rIdGraft{number}"/>')
        relationships.append(f'<Relationship Id="rIdGraft{number}" Type="{NS_REL}/worksheet" '
                             f'Target="{part}"/>')
        overrides.append(f'<Override PartName="/xl/{part}" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        parts["xl/" + part] = xml
    edits: dict[str, Edit] = {
        WORKBOOK_PART: workbook[:closing.start()] + "".join(entries).encode()
        + workbook[closing.start():],
        RELS_PART: rels.replace(b"</Relationships>",
                                "".join(relationships).encode() + b"</Relationships>"),
        TYPES_PART: types.replace(b"</Types>", "".join(overrides).encode() + b"</Types>"),
    }
    try:
        rezip(source, target, edits, parts)
    except UNREADABLE:
        return False
    return True


# --- the samples, broken -------------------------------------------------------------------

def _with_row(ref: str, cell_xml: str) -> Callable[[bytes], bytes]:
    """A sheet with one more cell, in a row of its own at the end of sheetData."""
    row = re.fullmatch(r"[A-Z]+(\d+)", ref)[1]
    return _before(b"</sheetData>", f'<row r="{row}">{cell_xml}</row>'.encode())


def _set_cell(ref: str, cell_xml: str) -> Callable[[bytes], bytes]:
    """A sheet with the existing cell ``ref`` replaced by ``cell_xml``."""
    pattern = re.compile(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), re.S)

    def edit(data: bytes) -> bytes:
        assert pattern.search(data), ref
        return pattern.sub(cell_xml.encode(), data, count=1)
    return edit


def cell_variants(ref: str) -> dict[str, str]:
    """Every kind of cell, for a place where a number belongs."""
    text = f'<c r="{ref}" t="inlineStr"><is><t>{{}}</t></is></c>'
    variants = {
        "bool": f'<c r="{ref}" t="b"><v>1</v></c>',
        "error": f'<c r="{ref}" t="e"><v>#N/A</v></c>',
        "date-styled": f'<c r="{ref}" s="1"><v>45000</v></c>',
        "huge": f'<c r="{ref}"><v>1e308</v></c>',
        "overflow": f'<c r="{ref}"><v>1e999</v></c>',
        "nan": f'<c r="{ref}"><v>NaN</v></c>',
        "negative": f'<c r="{ref}"><v>-3</v></c>',
        "garbage-number": f'<c r="{ref}"><v>12abc</v></c>',
        "empty-value": f'<c r="{ref}"><v></v></c>',
        "formula-cached": f'<c r="{ref}"><f>1+1</f><v>2</v></c>',
        "formula-uncached": f'<c r="{ref}"><f>1+1</f></c>',
        "formula-text-cached": f'<c r="{ref}" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>',
        "formula-error-cached": f'<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        "shared-string-missing": f'<c r="{ref}" t="s"><v>999999</v></c>',
        "unknown-type": f'<c r="{ref}" t="zz"><v>1</v></c>',
        "rich-text": f'<c r="{ref}" t="inlineStr"><is><r><t>1</t></r><r><t>.5</t></r></is></c>',
        "control-chars": text.format("1&#1;&#2;"),
    }
    for name, value in {"text": "two", "blank-text": "  ", "comma-decimal": "1,5",
                        "currency": "€1.200,50", "percent": "20%", "time": "1:30",
                        "injection": "=cmd|' /C calc'!A0", "long": "9" * 5000}.items():
        variants[name] = text.format(escape(value))
    return variants


def _package_mutations() -> dict[str, dict[str, Edit]]:
    """Name -> the parts it changes (None: the part is dropped)."""
    tasks = b'<sheet name="Tasks" sheetId="3" state="visible" r:id="rId3" />'
    other = b'sheetId="9" state="visible" r:id="rId4" />'
    strings = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" />')
    tasks_target = b"worksheets/sheet3.xml"
    before_margins = functools.partial(_before, b"<pageMargins")
    dropped = {"no-workbook-part": WORKBOOK_PART, "no-workbook-rels": RELS_PART,
               "no-content-types": TYPES_PART, "no-root-rels": "_rels/.rels",
               "no-styles": "xl/styles.xml", "no-theme": "xl/theme/theme1.xml",
               "no-tasks-part": TASKS_PART, "no-settings-part": SETTINGS_PART,
               "no-comments-part": "xl/comments1.xml"}
    far_cells = {  # each in a row of its own at the end of Tasks
        "value-in-last-row": '<c r="A1048576"><v>1</v></c>',
        "value-in-last-cell": '<c r="XFD1048576"><v>1</v></c>',
        "styled-empty-last-cell": '<c r="XFD1048576" s="1"/>',
        "far-cell-single-quoted": "<c r='XFD1048576'><v>1</v></c>",
        "far-cell-spaced": '<c  r = "XFD1048576" ><v >1</v></c>',
        "far-cell-prefixed": f'<x:c xmlns:x="{NS_MAIN}" r="XFD1048576"><x:v>1</x:v></x:c>',
        "far-cell-after-quoted-gt": '<c a=">" r="XFD1048576"><v>1</v></c>',
        "far-cell-after-quoted-lt": '<c a="<" r="XFD1048576"><v>1</v></c>',
        "far-column-letters": '<c r="ZZZZZ2"><v>1</v></c>',
    }
    mutations: dict[str, dict[str, Edit]] = {name: {part: None} for name, part in dropped.items()}
    mutations |= {name: {TASKS_PART: _with_row(re.search(r'r\s*=\s*.([A-Z]+\d+)', cell)[1], cell)}
                  for name, cell in far_cells.items()}
    mutations |= {
        "types-macro-enabled": {TYPES_PART: _replace(b"sheet.main+xml",
                                                     b"sheet.macroEnabled.main+xml")},
        "types-template": {TYPES_PART: _replace(b"sheet.main+xml", b"template.main+xml")},
        "types-empty": {TYPES_PART: b'<Types xmlns="http://schemas.openxmlformats.org/'
                                    b'package/2006/content-types"/>'},
        "types-garbage": {TYPES_PART: b"this is not xml"},
        "workbook-garbage": {WORKBOOK_PART: b"<workbook><sheets><sheet"},
        "tasks-sheet-garbage": {TASKS_PART: b"\x00\x01 not a sheet"},
        "tasks-sheet-truncated": {TASKS_PART: lambda data: data[: len(data) // 2]},
        "tasks-listed-twice": {WORKBOOK_PART: _before(b"</sheets>", tasks.replace(b'"3"', b'"9"'))},
        "two-tasks-sheets": {WORKBOOK_PART: _before(b"</sheets>", b'<sheet name="Tasks" ' + other)},
        "tasks-and-TASKS": {WORKBOOK_PART: _before(b"</sheets>", b'<sheet name="TASKS" ' + other)},
        "sheet-without-relationship": {WORKBOOK_PART: _replace(b'r:id="rId3"', b'r:id="rId99"')},
        "sheet-with-two-ids": {WORKBOOK_PART: _replace(
            b'r:id="rId3"', f'r:id="rId3" xmlns:q="{NS_REL}" q:id="rId4"'.encode())},
        "target-outside": {RELS_PART: _replace(tasks_target, b"../../../etc/passwd")},
        "target-roundabout": {RELS_PART: _replace(tasks_target,
                                                  b"worksheets/../worksheets/sheet3.xml")},
        "target-external": {RELS_PART: _replace(
            b'Target="%s"' % tasks_target,
            b'Target="http://example.invalid/x.xml" TargetMode="External"')},
        "huge-dimension": {TASKS_PART: _replace(b'<dimension ref="A1:K501" />',
                                                b'<dimension ref="A1:XFD1048576" />')},
        "all-columns-styled": {TASKS_PART: _replace(
            b"<cols>", b'<cols><col min="12" max="16384" width="9" customWidth="1" />')},
        "last-row-height": {TASKS_PART: _before(
            b"</sheetData>", b'<row r="1048576" ht="30" customHeight="1" />')},
        "settings-value-in-last-row": {SETTINGS_PART: _with_row(
            "B1048576", '<c r="B1048576"><v>1</v></c>')},
        "far-row-number": {TASKS_PART: _before(
            b"</sheetData>", b'<row r="99999999999"><c><v>1</v></c></row>')},
        "unbalanced-quotes": {TASKS_PART: _before(
            b"</sheetData>", b'<row r="600"><c r="A600" x="' * 50_000)},
        "name-to-last-row": {WORKBOOK_PART: _replace(b"Settings!$B$2<", b"Settings!$B$1048576<")},
        "name-to-far-column": {WORKBOOK_PART: _replace(b"Settings!$B$2<", b"Settings!$ZZZZ$2<")},
        "name-to-whole-sheet": {WORKBOOK_PART: _replace(b"Settings!$B$2<",
                                                        b"Tasks!$A$1:$XFD$1048576<")},
        "merged-whole-sheet": {TASKS_PART: before_margins(
            b'<mergeCells count="1"><mergeCell ref="M2:XFD1048576" /></mergeCells>')},
        "hyperlink-whole-column": {TASKS_PART: before_margins(
            b'<hyperlinks><hyperlink ref="M1:M1048576" location="Tasks!A1" /></hyperlinks>')},
        "filter-whole-column": {TASKS_PART: _replace(
            b"</sheetData>", b'</sheetData><autoFilter ref="A1:K1048576" />')},
        "cells-without-addresses": {TASKS_PART: lambda data: re.sub(rb' r="[A-Z]+\d+"', b"", data)},
        "rows-without-numbers": {TASKS_PART: lambda data: re.sub(rb'<row r="\d+"', b"<row", data)},
        "style-count-absurd": {"xl/styles.xml": lambda data: re.sub(
            rb'<cellXfs count="\d+"', b'<cellXfs count="999999999999"', data)},
        "style-index-absurd": {TASKS_PART: _substitute(rb'<c r="F2" s="\d+"',
                                                       b'<c r="F2" s="999999999"')},
        "styles-as-many-as-excel-allows": {"xl/styles.xml": _more_cell_formats(64_000)},
        "styles-beyond-excel": {"xl/styles.xml": _more_cell_formats(200_000)},
        "shared-strings-unused": {RELS_PART: _before(b"</Relationships>", strings)},
    }
    return mutations


def _more_cell_formats(count: int) -> Callable[[bytes], bytes]:
    extra = b'<xf numFmtId="0" />' * count
    return lambda data: re.sub(rb"(<cellXfs[^>]*>)", lambda m: m[1] + extra, data, count=1)


def mutated_samples(folder: Path) -> list[Path]:
    """The sample workbook broken in every way issue 8 lists, one file per way."""
    data = SAMPLE.read_bytes()
    made = [_write(folder / f"truncated-{fraction}.xlsx", data[: int(len(data) * fraction)])
            for fraction in (0.1, 0.5, 0.9, 0.999)]
    made += [_write(folder / f"flipped-{seed}.xlsx", flip_bits(data, seed)) for seed in range(12)]
    made.append(rezip(SAMPLE, folder / "big-picture.xlsx",  # more than a directory's limit
                      extra={"xl/media/image1.png": random.Random(1).randbytes(6 * 1024 ** 2)}))
    for name, edits in _package_mutations().items():
        extra = {"xl/sharedStrings.xml": b'<sst xmlns="%s" count="1" uniqueCount="1"><si><t>a</t>'
                 b'</si></sst>' % NS_MAIN.encode()} if name == "shared-strings-unused" else {}
        made.append(rezip(SAMPLE, folder / f"{name}.xlsx", edits, extra))
    for name, cell in cell_variants("F2").items():
        made.append(rezip(SAMPLE, folder / f"hours-{name}.xlsx",
                          {TASKS_PART: _set_cell("F2", cell)}))
    for name, cell in cell_variants("B2").items():
        made.append(rezip(SAMPLE, folder / f"hourly-worth-{name}.xlsx",
                          {SETTINGS_PART: _set_cell("B2", cell)}))
    return made + _laid_out_in_excel(folder)


def flip_bits(data: bytes, seed: int, count: int = 8) -> bytes:
    rng = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(count):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    return bytes(flipped)


def _laid_out_in_excel(folder: Path) -> list[Path]:
    """Layouts a user makes in Excel: merged inputs, hidden and filtered rows, ..."""
    import openpyxl

    def merged_inputs(wb):
        wb["Tasks"].merge_cells("F2:F4")
        wb["Tasks"].merge_cells("B5:C5")

    def merged_header(wb):
        wb["Tasks"].merge_cells("A1:B1")

    def merged_where_results_go(wb):
        wb["Tasks"].merge_cells("M2:O3")
        wb["Tasks"].merge_cells("L1:M1")

    def hidden_and_filtered_rows(wb):
        tasks = wb["Tasks"]
        for row in (3, 4, 10):
            tasks.row_dimensions[row].hidden = True
        tasks.auto_filter.ref = "A1:I44"
        tasks.auto_filter.add_filter_column(4, ["Weak"])
        wb["Quotes"].column_dimensions["C"].hidden = True

    def hidden_sheets(wb):
        wb["Settings"].sheet_state = "hidden"
        wb["Quotes"].sheet_state = "veryHidden"

    made = []
    for edit in (merged_inputs, merged_header, merged_where_results_go, hidden_and_filtered_rows,
                 hidden_sheets):
        wb = openpyxl.load_workbook(SAMPLE)
        edit(wb)
        made.append(folder / f"{edit.__name__.replace('_', '-')}.xlsx")
        wb.save(made[-1])
    return made


# --- package attacks -----------------------------------------------------------------------

def deflate_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes, built from one compressed megabyte
    repeated: a compressor after a full flush gives the same bytes for the same input."""
    chunk = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + repeated * (size // chunk - 1) + compressor.flush()


def write_raw_zip(path: Path, entries: Iterable[tuple[str, bytes, int, int]]) -> Path:
    """A zip of already deflated parts (name, raw deflate data, declared size, CRC):
    zipfile writes only sizes it measured itself, and a bomb's header may lie."""
    out, directory, count = bytearray(), bytearray(), 0
    for name, data, size, crc in entries:
        encoded, offset, count = name.encode(), len(out), count + 1
        common = (20, 0, 8, 0, 33, crc, len(data), size, len(encoded), 0)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *common) + encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *common, 0, 0, 0, 0,
                                 offset) + encoded
    start = len(out)
    out += directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count,
                                   len(directory), start, 0)
    return _write(path, bytes(out))


def _sample_entries() -> list[tuple[str, bytes, int, int]]:
    """The sample's parts as write_raw_zip entries."""
    entries = []
    with zipfile.ZipFile(SAMPLE) as sample:
        for name in sample.namelist():
            data = sample.read(name)
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            entries.append((name, compressor.compress(data) + compressor.flush(), len(data),
                            zlib.crc32(data)))
    return entries


_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'  # a billion laughs
           + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10)
                      for n in range(1, 10)) + b"]>")
_EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_PARAMETER = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
              b'"http://example.invalid/p.dtd"> %p;]>')
_EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/evil.dtd">'


def _dtd_attacks() -> dict[str, tuple[str, Callable[[bytes], bytes]]]:
    """Name -> (part, how to poison it)."""
    def prolog(doctype: bytes, reference: bytes = b"") -> Callable[[bytes], bytes]:
        def edit(data: bytes) -> bytes:
            body = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
            if reference:
                body = body.replace(b"<t>Task ID</t>", b"<t>" + reference + b"</t>", 1)
            return doctype + body
        return edit
    return {
        "laughs-workbook": (WORKBOOK_PART, prolog(_LAUGHS)),
        "laughs-tasks-sheet": (TASKS_PART, prolog(_LAUGHS, b"&lol9;")),
        "laughs-styles": ("xl/styles.xml", prolog(_LAUGHS)),
        "laughs-content-types": (TYPES_PART, prolog(_LAUGHS)),
        "laughs-relationships": ("_rels/.rels", prolog(_LAUGHS)),
        "laughs-comments": ("xl/comments1.xml", prolog(_LAUGHS)),
        "external-entity": (TASKS_PART, prolog(_EXTERNAL, b"&xxe;")),
        "external-dtd": (TASKS_PART, prolog(_EXTERNAL_DTD)),
        "parameter-entity": (WORKBOOK_PART, prolog(_PARAMETER)),
        "laughs-utf16": (TASKS_PART, lambda data: prolog(
            _LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>'), b"&lol9;")(data)
            .decode().encode("utf-16")),
    }


def package_attacks(folder: Path) -> dict[Path, str]:
    """Attack files -> a pattern their refusal must match."""
    attacks: dict[Path, str] = {}
    inflating = f"would inflate to|{GB:,}"
    attacks[write_raw_zip(folder / "bomb-1GB-part.xlsx", _sample_entries() + [
        ("xl/media/bomb.bin", deflate_zeros(GB), GB, 0)])] = inflating
    attacks[write_raw_zip(folder / "bomb-many-parts.xlsx", _sample_entries() + [
        (f"xl/media/bomb{n}.bin", deflate_zeros(200 * 1024 ** 2), 200 * 1024 ** 2, 0)
        for n in range(5)])] = "the package would inflate to"
    attacks[write_raw_zip(folder / "bomb-lying-header.xlsx", [
        (name, deflate_zeros(GB), 1000, crc) if name == TASKS_PART else (name, data, size, crc)
        for name, data, size, crc in _sample_entries()])] = "more than the 1,000 bytes its header"
    attacks[_zip_of(folder / "zip-directory-huge.xlsx",
                    {f"xl/media/{'x' * 80}{n}.bin": b"" for n in range(60_000)})] = "zip directory"
    attacks[_zip_of(folder / "too-many-parts.xlsx",
                    {f"p{n}": b"" for n in range(12_000)})] = "parts"
    for name, (part, poison) in _dtd_attacks().items():
        attacks[rezip(SAMPLE, folder / f"{name}.xlsx", {part: poison})] = "has a DTD"
    attacks[rezip(SAMPLE, folder / "shared-strings-absurd.xlsx", extra={
        "xl/sharedStrings.xml": b'<sst xmlns="%s" uniqueCount="999999999999"><si><t>a</t></si>'
                                b'</sst>' % NS_MAIN.encode()})] = "shared strings"
    for name, entry in {"traversal-dotdot": "../../etc/evil.xml",
                        "traversal-absolute": "/etc/evil.xml",
                        "traversal-backslash": "xl\\..\\..\\evil.xml",
                        "traversal-drive": "C:/Windows/evil.xml"}.items():
        attacks[rezip(SAMPLE, folder / f"{name}.xlsx", extra={entry: b"x"})] = "path-traversal"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns, as it should, of the duplicate
        attacks[rezip(SAMPLE, folder / "duplicate-part.xlsx", extra={WORKBOOK_PART: b"<x/>"})] = \
            "two parts named"
    attacks[rezip(SAMPLE, folder / "duplicate-part-case.xlsx",
                  extra={"XL/Workbook.xml": b"<x/>"})] = "two parts named"
    attacks[_flagged_encrypted(folder / "encrypted-flag.xlsx")] = "is encrypted"
    attacks[_bzip2_part(folder / "bzip2-part.xlsx")] = "compressed with method"
    attacks[_write(folder / "ole-file.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))] = \
        "password-protected or an old .xls"
    attacks[_write(folder / "empty.xlsx", b"")] = "not a zip package"
    attacks[_write(folder / "text.xlsx", b"Task ID,Task\nA01,Inbox\n")] = "not a zip package"
    attacks[_zip_of(folder / "zip-not-a-workbook.xlsx", {"notes.txt": b"hello"})] = \
        "not an Excel workbook: it has no workbook part"
    return attacks


def _zip_of(path: Path, parts: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def _flagged_encrypted(path: Path) -> Path:
    """The sample with the "encrypted" bit set on its parts (zipfile then refuses to read)."""
    data = bytearray(rezip(SAMPLE, path).read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(data)):
            data[match.start() + flag_at] |= 1
    return _write(path, bytes(data))


def _bzip2_part(path: Path) -> Path:
    with zipfile.ZipFile(SAMPLE) as sample, zipfile.ZipFile(path, "w") as out:
        for info in sample.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == TASKS_PART else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, sample.read(info), compress_type=method)
    return path
