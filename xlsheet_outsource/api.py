"""The public Python API: every way in (CLI, batch, Excel, mail) goes through here."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd
from openpyxl.utils import column_index_from_string

from . import inputs, schema
from .formulas import FormulaPlan
from .inputs import Problem
from .model import Decision, Settings, compute
from .package import PackageError
from .reading import WorkbookInputs, read_workbook

OUTPUT_TAG = ".outsourced"
BACKUP_TAG = ".bak"


def decide(settings: Settings | Mapping[str, object], tasks: pd.DataFrame,
           quotes: pd.DataFrame, *, task_locate: inputs.Locate | None = None,
           quote_locate: inputs.Locate | None = None) -> Decision:
    """Decide every task from raw tables (columns named by schema keys or by headers).

    ``settings`` is a Settings or a mapping of defined names (HourlyWorth, ...) to raw
    values. Rows that cannot be read get verdict ERROR; ``Decision.problems`` lists them
    with their places.
    """
    if not isinstance(settings, Settings):
        settings, problems = inputs.read_settings(dict(settings), lambda name: name)
        if settings is None:
            raise inputs.InputError("; ".join(map(str, problems)))
    clean_tasks, task_problems = inputs.clean_tasks(
        _by_key(tasks, schema.TASK_COLUMNS), task_locate)
    clean_quotes, quote_problems = inputs.clean_quotes(
        _by_key(quotes, schema.QUOTE_COLUMNS), clean_tasks, quote_locate)
    decision = compute(settings, clean_tasks, clean_quotes)
    decision.problems = sorted(task_problems, key=_reading_order) + sorted(
        quote_problems, key=_reading_order)
    return decision


def _reading_order(problem: Problem) -> tuple[int, int]:
    """Row by row, left to right, as the user reads the sheet."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", problem.cell)
    if not match:
        return (0, 0)
    return int(match[2]), column_index_from_string(match[1])


def _by_key(frame: pd.DataFrame, columns: tuple[schema.Column, ...]) -> pd.DataFrame:
    """Accept headers ("Hours each") as well as keys ("hours_each") as column names."""
    lookup = schema.header_lookup(columns)
    return frame.rename(columns={c: lookup[schema.normalise_header(c)] for c in frame.columns
                                 if schema.normalise_header(c) in lookup})


@dataclass
class Outcome:
    """What happened to one workbook; ``fatal`` empty means it was decided."""
    source: Path
    output: Path | None = None
    decision: Decision | None = None
    fatal: list[Problem] = field(default_factory=list)
    backup: Path | None = None
    formulas: FormulaPlan | None = None  # with formulas=True: what was written as formulas

    @property
    def problems(self) -> list[Problem]:
        return self.fatal + (self.decision.problems if self.decision else [])

    @property
    def ok(self) -> bool:
        return not self.problems


def decide_workbook(path: Path | str) -> tuple[WorkbookInputs, Decision | None]:
    """Read and decide a workbook without writing anything."""
    found = read_workbook(path)
    if found.fatal:
        return found, None
    decision = decide(found.settings, found.tasks.raw, found.quotes.raw,
                      task_locate=found.tasks.locate, quote_locate=found.quotes.locate)
    return found, decision


def check_workbook(path: Path | str) -> Outcome:
    found, decision = decide_workbook(path)
    return Outcome(Path(path), decision=decision, fatal=found.fatal)


def default_output(path: Path) -> Path:
    suffix = {".xltx": ".xlsx", ".xltm": ".xlsm"}.get(path.suffix.lower(), path.suffix)
    return path.with_name(path.stem + OUTPUT_TAG + suffix)


def backup_path(path: Path) -> Path:
    return path.with_name(path.stem + BACKUP_TAG + path.suffix)


def excel_lock_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


def process_workbook(path: Path | str, out: Path | str | None = None, *,
                     in_place: bool = False, formulas: bool = False) -> Outcome:
    """Decide a workbook and write the results: to ``out``, in place, or next to it.

    ``formulas`` writes the computed cells as spreadsheet formulas (docs/formulas.md).
    """
    from .writing import write_results  # the one seam to the writer

    source = Path(path)
    found, decision = decide_workbook(source)
    outcome = Outcome(source, decision=decision, fatal=found.fatal)
    if decision is None:
        return outcome
    target = source if in_place else Path(out) if out else default_output(source)
    if in_place and _refused_while_open(outcome):
        return outcome
    try:
        if in_place:
            _keep_backup(outcome)
        from .formula_output import BlockFormulas
        cells = BlockFormulas(found, decision) if formulas else None
        write_results(found, decision, target, formulas=cells)
        outcome.formulas = cells.plan if cells else None
    except OSError as exc:
        outcome.fatal.append(Problem("", "", f"cannot write {target}: {exc.strerror or exc}"))
        return outcome
    outcome.output = target
    return outcome


def add_template(path: Path | str, out: Path | str | None = None) -> Outcome:
    """Add the template's sheets to an existing workbook: to ``out``, else into the
    workbook itself (atomically, keeping the previous version as NAME.bak.xlsx)."""
    from .template import add_to_workbook

    source = Path(path)
    target = Path(out) if out else source
    outcome = Outcome(source)
    if out is None and _refused_while_open(outcome):
        return outcome
    try:
        if out is None:
            _keep_backup(outcome)
        add_to_workbook(source, target)
    except (PackageError, ValueError) as exc:
        outcome.fatal.append(Problem("", "", str(exc)))
        return outcome
    except OSError as exc:
        outcome.fatal.append(Problem("", "", f"cannot write {target}: {exc.strerror or exc}"))
        return outcome
    outcome.output = target
    return outcome


def _refused_while_open(outcome: Outcome) -> bool:
    """A workbook open in Excel is not replaced: Excel would save over the change."""
    lock = excel_lock_file(outcome.source)
    if lock.exists():
        outcome.fatal.append(Problem("", "", f"is open in Excel (its lock file {lock.name} "
                                     "is there): close it and try again"))
    return lock.exists()


def _keep_backup(outcome: Outcome) -> None:
    outcome.backup = backup_path(outcome.source)
    shutil.copy2(outcome.source, outcome.backup)
