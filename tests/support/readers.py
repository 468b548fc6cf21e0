"""Stricter readers than Excel's and LibreOffice's own, for test_excel_strict.py: the
Open XML SDK's checks (openxml-audit, at the Microsoft 365 level), Gnumeric's ssconvert,
ExcelJS and SheetJS (node scripts beside this file), and a content type for every part.

Each turns one workbook into a Reading: what it found wrong, and the sheets it read.
A written workbook is then held to its input: nothing new wrong, every sheet the input
gave still read, the tool's own sheets read too. .ci/run installs all of them.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest

JS = Path(__file__).resolve().parent / "js"
NS_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# What Gnumeric says of things it does not support, on Excel's own files as on ours.
GNUMERIC_GAPS = (
    re.compile(r"Unhandled object of type Note"),  # it reads notes from the comments part
    re.compile(r".*Ignoring unhandled conditional format of type 'dataBar'"),
    re.compile(r"Unexpected element '(cfvo|color)' in state : "
               r"worksheet -> conditionalFormatting -> cfRule -> dataBar"),
    # Print titles of columns and rows, as Excel writes them ('Tasks'!$A:$B,'Tasks'!$1:$1)
    # or openpyxl (the batch report: rows first): Gnumeric takes one range there, not two.
    re.compile(r"At A1: '.+!\$(A:\$[A-Z]+|\d+:\$\d+),.+!\$(\d+:\$\d+|A:\$[A-Z]+)' Multiple "
               r"expressions are not supported in this context"),
)


@dataclass
class Reading:
    """One reader's view of one workbook: each problem as a line, the sheets it read,
    or why it could not read the file at all."""
    problems: Counter[str] = field(default_factory=Counter)
    sheets: list[tuple[str, int | None]] = field(default_factory=list)  # (name, notes on it)
    failure: str = ""

    def sheet_names(self) -> set[str]:
        return {name for name, _ in self.sheets}


def require_tools() -> None:
    """Skip a test when a reader is missing, saying which; in CI (.ci/run installs them
    all) fail it instead."""
    for present, tool in ((shutil.which("ssconvert"), "Gnumeric's ssconvert"),
                          (shutil.which("node") and (JS / "node_modules" / "xlsx").is_dir()
                           and (JS / "node_modules" / "exceljs").is_dir(),
                           "node with tests/support/js's packages (npm ci there)"),
                          (_has_audit(), "the openxml-audit package")):
        if not present:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is not installed, though .ci/run installs it")
            pytest.skip(f"{tool} is not installed (bash .ci/run installs it)")


def _has_audit() -> bool:
    try:
        import openxml_audit  # noqa: F401
    except ImportError:
        return False
    return True


# --- the package: a content type for every part ------------------------------------------

def untyped_parts(path: Path) -> list[str]:
    """Parts that [Content_Types].xml gives no type (Excel reports them and repairs)."""
    with zipfile.ZipFile(path) as package:
        names = [n for n in package.namelist() if not n.endswith("/")]
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))
    defaults = {e.get("Extension", "").casefold() for e in types.iter(NS_TYPES + "Default")}
    overrides = {e.get("PartName", "").lstrip("/").casefold()
                 for e in types.iter(NS_TYPES + "Override")}
    return [name for name in names if name != "[Content_Types].xml"
            and name.casefold() not in overrides
            and _extension(name) not in defaults]


def _extension(part: str) -> str:
    """What a Default's Extension matches: "rels" for _rels/.rels too (which
    posixpath.splitext takes for a name without one)."""
    base = posixpath.basename(part)
    return base.rpartition(".")[2].casefold() if "." in base else ""


def sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        workbook = next(n for n in package.namelist() if re.fullmatch(r"xl/workbook\w*\.xml", n))
        root = ElementTree.fromstring(package.read(workbook))
    return [sheet.get("name", "") for sheet in root.iter(NS_MAIN + "sheet")]


def written_parts(source: Path | None, output: Path) -> set[str]:
    """The output's parts that are new or differ from the source's."""
    with zipfile.ZipFile(output) as written:
        parts = {name: written.read(name) for name in written.namelist()}
    if source is None:
        return set(parts)
    with zipfile.ZipFile(source) as original:
        kept = set(original.namelist())
        return {name for name, data in parts.items()
                if name not in kept or original.read(name) != data}


# --- openxml-audit: the Open XML SDK's checks ---------------------------------------------

@functools.cache
def _validator():  # type: ignore[no-untyped-def]
    from openxml_audit import FileFormat, OpenXmlValidator
    return OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, max_errors=0)


def audit(path: Path, parts: set[str] | None = None) -> Reading:
    """Errors (not warnings) the SDK's checks find, on ``parts`` only when given
    (the package's own errors, naming no part, always)."""
    from openxml_audit import ValidationSeverity
    result = _validator().validate(path)
    reading = Reading(sheets=[(name, None) for name in sheet_names(path)])
    for error in result.errors:
        part = error.part_uri.lstrip("/")
        if error.severity == ValidationSeverity.ERROR and (not part or parts is None
                                                           or part in parts):
            reading.problems[f"{part}:{error.path}: {error.description}"] += 1
    return reading


# --- Gnumeric ----------------------------------------------------------------------------

def gnumeric(path: Path) -> Reading:
    """What ssconvert says reading the file, but for what it does not support at all;
    the sheets it read are those it exports (one CSV file a sheet)."""
    with tempfile.TemporaryDirectory() as folder:
        run = subprocess.run(["ssconvert", "-S", str(path), f"{folder}/%s.csv"],
                             capture_output=True, text=True, timeout=120)
        exported = sorted(p.stem for p in Path(folder).glob("*.csv"))
    messages = _gnumeric_messages(run.stderr)
    reading = Reading(Counter(m for m in messages if not any(g.fullmatch(m) for g in GNUMERIC_GAPS)),
                      [(name, None) for name in exported])
    if run.returncode != 0 or not exported:
        reading.failure = f"ssconvert exit {run.returncode}: {' | '.join(messages)[:300]}"
    return reading


def _gnumeric_messages(stderr: str) -> list[str]:
    """One message a line, the tab-indented lines that go on with one joined to it;
    GLib's timestamps and process ids left out."""
    messages: list[str] = []
    for line in stderr.splitlines():
        if line.startswith("\t") and messages:
            messages[-1] += line.strip()
        elif line.strip():
            messages.append(re.sub(r"\(ssconvert:\d+\): |\d\d:\d\d:\d\d\.\d+: ", "", line))
    return messages


# --- ExcelJS and SheetJS -------------------------------------------------------------------

def javascript(reader: str, paths: Iterable[Path]) -> dict[Path, Reading]:
    """``reader`` ("exceljs" or "sheetjs") opens each file, all in one node process."""
    paths = list(paths)
    run = subprocess.run(["node", str(JS / f"{reader}_read.js"), *map(str, paths)],
                         capture_output=True, text=True, timeout=300, cwd=JS)
    assert run.returncode == 0, run.stderr
    found = {}
    for path, line in zip(paths, run.stdout.splitlines(), strict=True):
        result = json.loads(line)
        found[path] = Reading(
            failure=result.get("error", ""),
            sheets=[(sheet["name"], sheet["notes"]) for sheet in result.get("sheets", [])])
    return found


# --- held to the input --------------------------------------------------------------------

def new_problems(source: Path | None, output: Path) -> list[str]:
    """Everything a reader finds wrong with ``output`` that it did not with ``source``
    (None: a workbook the tool made whole, held to no problem at all), one line each."""
    parts = written_parts(source, output)
    lines = [f"no content type: {part}" for part in untyped_parts(output) if part in parts]
    checks = {"openxml-audit": lambda path: audit(path, parts), "ssconvert": gnumeric}
    readings = {name: (check(output), check(source) if source else Reading())
                for name, check in checks.items()}
    for reader in ("exceljs", "sheetjs"):
        found = javascript(reader, [output, *([source] if source else [])])
        readings[reader] = (found[output], found[source] if source else Reading())
    sheets = set(sheet_names(output))
    added = sheets - set(sheet_names(source) if source else [])
    for name, (after, before) in readings.items():
        lines += _compared(name, before, after, sheets, added)
    return lines


def _compared(reader: str, before: Reading, after: Reading, sheets: set[str],
              added: set[str]) -> list[str]:
    """New problems; a failure to read where the input was read; sheets still there
    read before (with their notes) and not now (with at least those: the tool adds notes
    to the headers it writes); the tool's new sheets not read."""
    lines = [f"{reader}: new: {problem}" for problem in (after.problems - before.problems)]
    if after.failure:
        return lines + ([] if before.failure else [f"{reader}: cannot read it: {after.failure}"])
    now = dict(after.sheets)
    lines += [f"{reader}: no longer reads sheet {name!r} with its {notes} notes"
              for name, notes in before.sheets
              if name in sheets and (name not in now or (now[name] or 0) < (notes or 0))]
    lines += [f"{reader}: does not read the tool's sheet {name!r}"
              for name in sorted(added - after.sheet_names())]
    return lines
