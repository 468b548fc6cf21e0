"""Making and reading packages in the ooxml tests: parts, edited samples, sheet XML."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from support.paths import SAMPLES
from xlsheet_outsource import api, reading
from xlsheet_outsource.ooxml import worksheet, xmltext
from xlsheet_outsource.ooxml.cells import Cell
from xlsheet_outsource.write import results

RUN_DATE = dt.date(2024, 5, 1)
MAIN = f'xmlns="{xmltext.NS_MAIN}"'


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def process(source: Path, target: Path, **kwargs: object) -> None:
    found = reading.read_workbook(source)
    assert not found.fatal, found.fatal
    decision = api.decide(found.settings, found.tasks.raw, found.quotes.raw,
                          task_locate=found.tasks.locate, quote_locate=found.quotes.locate)
    results.write_results(found, decision, target, run_date=RUN_DATE, **kwargs)


def sheet(rows: str, head: str = "", tail: str = "", prefix: str = "") -> bytes:
    xml = f'<worksheet {MAIN}>{head}<sheetData>{rows}</sheetData>{tail}</worksheet>'
    if prefix:
        xml = re.sub(r"<(/?)(?![\w.-]+:)(\w)", rf"<\1{prefix}:\2", xml)
        xml = xml.replace(MAIN, f'xmlns:{prefix}="{xmltext.NS_MAIN}"')
    return xml.encode()


def edit(cells: dict[int, dict[int, Cell]], columns: set[int] = frozenset(),
         **kwargs: object) -> worksheet.SheetEdit:
    return worksheet.SheetEdit(1, frozenset(columns), cells, **kwargs)


def sample_edited(target: Path, edit: Callable[[str, bytes], bytes | None],
                  added: dict[str, bytes] | None = None) -> Path:
    """The internet marketer sample, each part passed through ``edit`` (None leaves it
    out), with ``added`` parts at the end."""
    with zipfile.ZipFile(SAMPLES / "internet_marketer.xlsx") as zin, \
            zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item))
            if data is not None:
                zout.writestr(item, data)
        for name, data in (added or {}).items():
            zout.writestr(name, data)
    return target


