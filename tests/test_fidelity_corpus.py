"""Nothing of a real workbook is lost: every workbook of ../shared/corpus that the tool
can open gets the template's sheets (new --into), a few tasks and quotes, and is
processed; then, at the zip level, every part of the original is still there byte for
byte, except the parts that list sheets and styles, which still hold every original
entry. A second run changes nothing; LibreOffice opens every output, openpyxl reads it.

Files are never copied into the project; the work is spread over the machine's cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import python_calamine as calamine
from defusedxml import ElementTree as SafeET
from support.paths import CORPUS, excel_made

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml.book import WorkbookPackage
from xlsheet_outsource.ooxml.cells import Cell
from xlsheet_outsource.ooxml.package import Package, PackageError
from xlsheet_outsource.ooxml.relationships import rels_name
from xlsheet_outsource.ooxml.worksheet import SheetEdit
from xlsheet_outsource.write.files import save_atomically

# new --into refuses a workbook with a sheet or defined name of the tool's own
NAMES_TAKEN = re.compile(r"already (has a sheet|defines the name)")
# Every kind of refusal a corpus file may meet, as the tool words it; a file refused for
# any other reason fails the test (none is dropped unnoticed).
REFUSALS = {
    "damaged": re.compile(r"^is damaged"),
    "encrypted": re.compile(r"^is (encrypted|password-protected)"),
    "not a workbook": re.compile(r"^is not an Excel workbook"),
    "refused as hostile": re.compile(r"^refused: "),
    "cells calamine cannot read": re.compile(r"^its cells cannot be read"),
    "a sheet or name of the tool's": re.compile(r"^new --into: .*" + NAMES_TAKEN.pattern),
}
WORKERS = max(1, min(4, os.cpu_count() or 1))
LIBREOFFICE_BATCH = 150  # workbooks per soffice run
LIBREOFFICE_SECONDS = 1800  # a batch; LibreOffice takes minutes over comment03.xlsx's comments
TASKS = [["T1", "Write weekly blog post", "Content", 1, "week", 3, "Strong", "No"],
         ["T2", "Bookkeeping", "Admin", 2, "month", 4, "Weak", "No"],
         ["T3", "Strategy", "Core work", 1, "week", 5, "Core", "No"]]
QUOTES = [["T1", "Ann", 90, "per occurrence", None, 100, None, 0.5],
          ["T1", "Bob", 100, "per occurrence"],
          ["T2", "Cy", 30, "per hour", None, None, 2, 0.25, 0.05]]
# Sections of the parts that list things, compared entry by entry (the rest must be equal).
LISTS = {"workbook": ("sheets", "definedNames"),
         "styles": ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                    "cellStyles", "dxfs"),
         "app": ("HeadingPairs", "TitlesOfParts")}


@dataclass
class Checked:
    source: Path
    output: Path | None = None  # processed (None: refused, or failed)
    refused: str | None = None  # the tool cannot open the original: why
    failure: str | None = None


def test_every_corpus_workbook_keeps_every_part(tmp_path: Path) -> None:
    # the whole corpus where shared/ is there, else the committed Excel-saved fixtures
    sources = sorted(CORPUS.rglob("*.xls[xm]")) if CORPUS.is_dir() else excel_made()
    jobs = [(source, tmp_path / f"{number:04d}") for number, source in enumerate(sources)]
    with ProcessPoolExecutor(WORKERS) as pool:
        results = list(pool.map(check, *zip(*jobs), chunksize=4))
    refused = [r for r in results if r.refused]
    checked = [r for r in results if r.output]
    print(f"\n{len(checked)} of {len(sources)} corpus workbooks checked part by part; "
          f"{len(refused)} refused (unreadable, or a sheet named as one of the tool's):")
    for result in refused:
        print(f"  {result.source.name}: {refusal_kind(result.refused)}: {result.refused}")
    failures = [f"{r.source.parent.name}/{r.source.name}: {r.failure}" for r in results if r.failure]
    failures += [f"{r.source.parent.name}/{r.source.name}: refused for an unexpected reason: "
                 f"{r.refused}" for r in refused if refusal_kind(r.refused) is None]
    assert not failures, "\n".join(failures)
    assert len(checked) + len(refused) == len(sources)  # each file checked, or refused by kind
    assert checked, "no workbook was checked"
    unopened = not_opened_by_libreoffice([r.output for r in checked], tmp_path / "libreoffice")
    assert not unopened, f"LibreOffice could not open: {unopened}"


def refusal_kind(reason: str | None) -> str | None:
    """Which of the expected REFUSALS this is; None: none of them."""
    return next((kind for kind, pattern in REFUSALS.items() if reason and pattern.search(reason)),
                None)


def check(source: Path, folder: Path) -> Checked:
    """One corpus workbook, through new --into, filling, process and a second process."""
    result = Checked(source)
    result.refused = unreadable(source)
    if result.refused:
        return result
    folder.mkdir()
    with_template = folder / f"template{source.suffix}"
    added = api.add_template(source, with_template)
    if added.fatal and NAMES_TAKEN.search(str(added.fatal[0])):
        result.refused = f"new --into: {added.fatal[0]}"  # the user must rename a sheet first
        return result
    try:
        if added.fatal:
            raise AssertionError(f"new --into: {added.fatal[0]}")
        fill(with_template)
        first, second = folder / f"first{source.suffix}", folder / f"second{source.suffix}"
        for before, after in ((with_template, first), (first, second)):
            outcome = api.process_workbook(before, after)
            if outcome.fatal or outcome.output != after:
                raise AssertionError(f"process: {outcome.fatal}")
        compare_packages(source, first)
        assert parts(first) == parts(second), "a second run changed parts"
        book = openpyxl.load_workbook(first)
        values = {value for row in book[schema.TASKS].iter_rows(values_only=True) for value in row}
        assert "OUTSOURCE" in values and schema.SUMMARY in book.sheetnames
    except Exception as exc:  # every failure is reported, with its file
        result.failure = f"{type(exc).__name__}: {exc}"[:1500]
        return result
    result.output = first
    return result


def unreadable(source: Path) -> str | None:
    """Why the tool cannot read this file at all (its package or its cells), else None."""
    try:
        with Package(source) as package:
            package.index()
        book = calamine.CalamineWorkbook.from_path(str(source))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    except PackageError as exc:
        return str(exc)
    except Exception as exc:  # calamine's own errors
        return f"its cells cannot be read ({exc})"[:200]
    return None


def fill(path: Path) -> None:
    """An hourly worth, three tasks and three quotes, written at the zip level."""
    def rows(table: list[list[object]]) -> dict[int, dict[int, Cell]]:
        return {row: {column: Cell(value) for column, value in enumerate(values, 1)
                      if value is not None} for row, values in enumerate(table, 2)}

    with WorkbookPackage(path) as book:
        book.rewrite_sheet(schema.SETTINGS, SheetEdit(1, frozenset(), {2: {2: Cell(120)}}))
        book.rewrite_sheet(schema.TASKS, SheetEdit(1, frozenset(), rows(TASKS)))
        book.rewrite_sheet(schema.QUOTES, SheetEdit(1, frozenset(), rows(QUOTES)))
        save_atomically(book, path)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def compare_packages(original: Path, written: Path) -> None:
    """Every original part byte for byte, but for the parts listing sheets and styles,
    which keep every entry they had."""
    before, after = parts(original), parts(written)
    listing = listing_parts(written)
    for name, data in before.items():
        assert name in after, f"part {name} is gone"
        if name not in listing:
            assert after[name] == data, f"part {name} changed"
    for name, kind in listing.items():
        if name in before:
            keeps_entries(before[name], after[name], kind, name)


def listing_parts(path: Path) -> dict[str, str]:
    with WorkbookPackage(path) as book:
        return {book.workbook_part: "workbook", rels_name(book.workbook_part): "rels",
                "[Content_Types].xml": "types", book.styles_part: "styles",
                "docProps/app.xml": "app"}


def keeps_entries(before: bytes, after: bytes, kind: str, name: str) -> None:
    old, new = SafeET.fromstring(before), SafeET.fromstring(after)
    if kind in ("rels", "types"):  # flat lists: every entry still there, unchanged
        missing = set(map(text, old)) - set(map(text, new))
        assert not missing, f"{name} lost {sorted(missing)[:3]}"
        return
    listed = LISTS[kind]
    old_rest = [text(e) for e in old if local(e.tag) not in listed]
    assert old_rest == [text(e) for e in new if local(e.tag) not in listed], f"{name} changed"
    for section in listed:
        old_entries, new_entries = entries(old, section), entries(new, section)
        if kind == "app":  # every title stays (the counts grow)
            titles = {e for e in old_entries if e.startswith("<vt:lpstr")}
            assert titles <= set(new_entries), f"{name} {section} lost {titles - set(new_entries)}"
        else:  # appended, never renumbered: the old entries come first, as they were
            assert new_entries[:len(old_entries)] == old_entries, f"{name} {section} renumbered"


def entries(tree: ElementTree.Element, section: str) -> list[str]:
    """Everything inside the root's ``section`` element, in document order."""
    return [text(e) for s in tree if local(s.tag) == section for e in list(s.iter())[1:]]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def text(element: ElementTree.Element) -> str:
    return ElementTree.tostring(element, encoding="unicode").strip()


def not_opened_by_libreoffice(workbooks: list[Path], outdir: Path) -> list[str]:
    """The workbooks LibreOffice could not load (it converts each one it can). Batches
    run side by side, each with a profile of its own."""
    assert shutil.which("soffice"), "LibreOffice (soffice) is needed to check the outputs"
    batches = [workbooks[i:i + LIBREOFFICE_BATCH] for i in range(0, len(workbooks),
                                                                 LIBREOFFICE_BATCH)]
    with ProcessPoolExecutor(WORKERS) as pool:
        converted = list(pool.map(convert, batches, [outdir / f"batch{i}" for i in
                                                     range(len(batches))]))
    return [str(w) for batch, done in zip(batches, converted) for w in batch
            if w.parent.name + ".csv" not in done]


def convert(workbooks: list[Path], outdir: Path) -> set[str]:
    outdir.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        named = []
        for workbook in workbooks:  # unique names: LibreOffice names its output after them
            link = outdir / f"{workbook.parent.name}{workbook.suffix}"
            link.symlink_to(workbook)
            named.append(str(link))
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--headless", "--norestore", "--convert-to", "csv", "--outdir",
                        str(outdir), *named],
                       capture_output=True, timeout=LIBREOFFICE_SECONDS, check=False)
    return {path.name for path in outdir.glob("*.csv")}
