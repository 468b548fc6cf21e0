"""The bridge between formulas.py and the writer: given where the writer lays out the
computed blocks, the formulas for them (the writer stores each with the engine's
value as its saved result), and where in the workbook each setting is read."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ...engine import inputs, schema
from ...engine.model import Decision
from ...ooxml.cells import column_letter
from ...reading import SettingCell, WorkbookInputs
from ..results import BlockLayout
from . import FormulaPlan, Placed, RateTable, SettingSource, formula_cells, sheet_prefix
from .live import as_typed, plain_number


class BlockFormulas:
    """The writer's ``formulas`` callback; ``plan`` says afterwards what was written."""

    def __init__(self, found: WorkbookInputs, decision: Decision) -> None:
        self.found, self.decision = found, decision
        self.plan: FormulaPlan | None = None

    def __call__(self, layouts: Mapping[str, BlockLayout], best_rows: pd.Series
                 ) -> dict[tuple[str, int, int], str]:
        """``best_rows``: the Quotes row of each task's best quote, NaN for none, as the
        writer writes them in the Best quote row column (results.best_quote_rows)."""
        tasks, quotes = self.found.tasks, self.found.quotes
        assert tasks is not None and quotes is not None  # decided, so both were read
        self.plan = formula_cells(self.decision, Placed(tasks, layouts[tasks.sheet].columns),
                                  Placed(quotes, layouts[quotes.sheet].columns),
                                  setting_sources(self.found.setting_cells),
                                  rate_table(self.found.exchange_rates),
                                  _rows_with_best(best_rows))
        return self.plan.cells


def _rows_with_best(best_rows: pd.Series) -> dict[int, int]:
    """Task row -> the Quotes row of its best quote, for the tasks that have one."""
    rows = best_rows.dropna()
    return dict(zip(rows.index.astype(int).tolist(), rows.astype(int).tolist()))


def rate_table(rows: list[inputs.RateRow]) -> RateTable | None:
    """The exchange-rate table as ranges on Settings, and whether a spreadsheet looks a
    code up in it as the tool does (codes exactly three letters, rates plain numbers)."""
    if not rows:
        return None
    prefix = sheet_prefix(schema.SETTINGS)

    def column(first: str, last: str) -> str:
        split = len(first.rstrip("0123456789"))
        return f"{prefix}${first[:split]}${first[split:]}:${last[:split]}${last[split:]}"
    unreadable = next((f"{schema.SETTINGS}!{cell} holds {as_typed(raw)}" for row in rows
                       for cell, raw, readable in (
                           (row.currency_cell, row.currency, isinstance(row.currency, str)
                            and re.fullmatch(r"[A-Za-z]{3}", row.currency) is not None),
                           (row.rate_cell, row.rate, plain_number(row.rate)))
                       if not readable), None)
    return RateTable(column(rows[0].currency_cell, rows[-1].currency_cell),
                     column(rows[0].rate_cell, rows[-1].rate_cell),
                     unreadable and f"{unreadable}, which formulas cannot look up as the tool "
                                    "does: type the code as three letters, the rate as a number")


def setting_sources(cells: Mapping[str, SettingCell]) -> dict[str, SettingSource]:
    """Each setting where the reader found it, with the value there: by its defined name
    (the formulas use the name), else the cell beside its label on Settings."""
    return {name: SettingSource(name if cell.named else _absolute(cell), cell.value)
            for name, cell in cells.items()}


def _absolute(cell: SettingCell) -> str:
    return f"{sheet_prefix(cell.sheet)}${column_letter(cell.column)}${cell.row}"
