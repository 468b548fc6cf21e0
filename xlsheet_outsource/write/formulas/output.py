"""The bridge between formulas.py and the writer: given where the writer lays out the
computed blocks, the formulas for them (the writer stores each with the engine's
value as its saved result), and where in the workbook each setting is read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from openpyxl.utils import column_index_from_string

from ...engine import schema
from ...engine.model import Decision
from ...ooxml.package import Package
from ...reading import WorkbookInputs, settings_by_label
from ..results import BlockLayout
from . import FormulaPlan, Placed, SettingSource, formula_cells, sheet_prefix

_CELL_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


class BlockFormulas:
    """The writer's ``formulas`` callback; ``plan`` says afterwards what was written."""

    def __init__(self, found: WorkbookInputs, decision: Decision) -> None:
        self.found, self.decision = found, decision
        self.plan: FormulaPlan | None = None

    def __call__(self, layouts: Mapping[str, BlockLayout]) -> dict[tuple[str, int, int], str]:
        tasks, quotes = self.found.tasks, self.found.quotes
        self.plan = formula_cells(self.decision, Placed(tasks, layouts[tasks.sheet].columns),
                                  Placed(quotes, layouts[quotes.sheet].columns),
                                  setting_sources(self.found.path))
        return self.plan.cells


def setting_sources(path: Path) -> dict[str, SettingSource]:
    """Each setting where the reader finds it: its defined name, when that names one
    cell; else the cell beside its label on Settings. With the value there."""
    import python_calamine as calamine  # here: the worksheet functions run without it

    with Package(path) as package:
        index = package.index()
    book = calamine.CalamineWorkbook.from_path(str(path))
    grids: dict[str, list[list[object]]] = {}

    def grid(sheet: str) -> list[list[object]]:
        if sheet not in grids:
            grids[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return grids[sheet]

    sources: dict[str, SettingSource] = {}
    for setting in schema.SETTINGS_ROWS:
        ref = _CELL_REF.match(index.defined_names.get(setting.name, ""))
        entry = index.sheet((ref[1] or "").replace("''", "'") or ref[2]) if ref else None
        if ref and entry:
            sources[setting.name] = SettingSource(
                setting.name, _value(grid(entry.name), int(ref[4]), column_index_from_string(ref[3])))
    settings_sheet = index.sheet(schema.SETTINGS)
    if settings_sheet is not None:
        values: dict[str, object] = {}
        places: dict[str, str] = {name: "" for name in sources}
        settings_by_label(grid(settings_sheet.name), values, places)
        for name, value in values.items():
            column, row = re.fullmatch(r"([A-Z]+)(\d+)", places[name]).groups()
            sources[name] = SettingSource(f"{sheet_prefix(settings_sheet.name)}${column}${row}",
                                          value)
    return sources


def _value(grid: list[list[object]], row: int, column: int) -> object:
    if row <= len(grid) and column <= len(grid[row - 1]):
        return grid[row - 1][column - 1]
    return None
