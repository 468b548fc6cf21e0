"""The bridge between formulas.py and the writer: given where the writer lays out the
computed blocks, the formulas for them (the writer stores each with the engine's
value as its saved result), and where in the workbook each setting is read."""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.utils import get_column_letter

from ...engine.model import Decision
from ...reading import SettingCell, WorkbookInputs
from ..results import BlockLayout
from . import FormulaPlan, Placed, SettingSource, formula_cells, sheet_prefix


class BlockFormulas:
    """The writer's ``formulas`` callback; ``plan`` says afterwards what was written."""

    def __init__(self, found: WorkbookInputs, decision: Decision) -> None:
        self.found, self.decision = found, decision
        self.plan: FormulaPlan | None = None

    def __call__(self, layouts: Mapping[str, BlockLayout]) -> dict[tuple[str, int, int], str]:
        tasks, quotes = self.found.tasks, self.found.quotes
        assert tasks is not None and quotes is not None  # decided, so both were read
        self.plan = formula_cells(self.decision, Placed(tasks, layouts[tasks.sheet].columns),
                                  Placed(quotes, layouts[quotes.sheet].columns),
                                  setting_sources(self.found.setting_cells))
        return self.plan.cells


def setting_sources(cells: Mapping[str, SettingCell]) -> dict[str, SettingSource]:
    """Each setting where the reader found it, with the value there: by its defined name
    (the formulas use the name), else the cell beside its label on Settings."""
    return {name: SettingSource(name if cell.named else _absolute(cell), cell.value)
            for name, cell in cells.items()}


def _absolute(cell: SettingCell) -> str:
    return f"{sheet_prefix(cell.sheet)}${get_column_letter(cell.column)}${cell.row}"
