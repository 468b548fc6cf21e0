"""Native spreadsheet formulas for the computed blocks: the engine's rules, cell by cell.

Pure: a decision and where its tables sit in, formula texts out (OOXML form, no "=").
docs/formulas.md explains every formula for an auditor.

A task row gets formulas only when a spreadsheet reading its cells sees exactly what
the engine read ("live"); its quotes go with it. Every other row keeps the engine's
values: ERROR rows, numbers typed as text ("$1,200"), choices spelled in ways only the
engine understands, IDs a spreadsheet would match differently. ``FormulaPlan.kept``
says why, one line per row. Settings typed as text keep the whole workbook as values.

Only functions that Excel 2010, LibreOffice 7.4 and Google Sheets all evaluate, none
needing an _xlfn. prefix (so no MINIFS: it came with Excel 2019). Numbers in the
reason texts are spelled with integer arithmetic, not TEXT(), whose format codes
depend on the spreadsheet's language ("#,##0.00" means something else to a German Excel).
"""

from __future__ import annotations

from collections.abc import Mapping

from ...engine import schema
from ...engine.model import Decision
from .blocks import Refs, Terms, settings_terms
from .expressions import (
    ALLOWED_FUNCTIONS,
    PREFIXED_FUNCTIONS,
    formula_problems,
    hours_text,
    money_text,
    sheet_prefix,
)
from .live import UNREADABLE, live_tasks, reads_as_engine, sheet_id, together
from .placed import FormulaPlan, Placed, RateTable, SettingSource

# Version 2's columns written as the engine's values, even on live rows (schema.FROM_ENGINE).
FROM_ENGINE = schema.FROM_ENGINE

__all__ = [
    "ALLOWED_FUNCTIONS",
    "FROM_ENGINE",
    "PREFIXED_FUNCTIONS",
    "UNREADABLE",
    "FormulaPlan",
    "Placed",
    "RateTable",
    "SettingSource",
    "Terms",
    "formula_cells",
    "formula_problems",
    "hours_text",
    "money_text",
    "reads_as_engine",
    "settings_terms",
    "sheet_id",
    "sheet_prefix",
]


def formula_cells(decision: Decision, tasks: Placed, quotes: Placed,
                  settings: Mapping[str, SettingSource], rates: RateTable | None = None,
                  best_rows: Mapping[int, int] | None = None) -> FormulaPlan:
    """A formula for every computed cell of every live task and of its quotes (but the
    columns FROM_ENGINE, written as values). ``best_rows``: the Quotes row of each task's
    best quote as the engine ranks them (results.best_quote_rows), which the formulas take
    while that row still holds the task's rank 1."""
    plan = FormulaPlan()
    terms, why_not = settings_terms(settings)
    if terms is None:
        plan.kept.append(f"every row: {why_not}")
        return plan
    live, plan.kept = live_tasks(decision, tasks, quotes, rates)
    quote_spans = together(tasks, quotes, live)
    refs = Refs(tasks, quotes, terms, best_rows, quote_spans, version2=decision.version2,
                rates=rates)
    task_keys = decision.tasks.loc[list(live), "key"]
    for row in live:
        for key, formula in refs.task_formulas(row).items():
            plan.cells[(tasks.table.sheet, row, tasks.block[key])] = formula
    ranked = decision.quotes["rank"].notna() & decision.quotes["key"].isin(set(task_keys.dropna()))
    for row in decision.quotes.index[ranked]:
        for key, formula in refs.quote_formulas(int(row)).items():
            plan.cells[(quotes.table.sheet, int(row), quotes.block[key])] = formula
    plan.live_tasks = len(live)
    return plan
