"""The public Python API: every way in (CLI, batch, Excel, mail) goes through here."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .engine import schema
from .engine.settings import Settings
from .errors import FileError, InputError, Problem, XlsheetOutsourceError
from .ooxml.cells import column_number
from .ooxml.package import PackageError
from .reading import WorkbookInputs, read_workbook
from .write import files

if TYPE_CHECKING:  # pandas and the engine load when a workbook is read (reading.py)
    import pandas as pd

    from .engine import inputs
    from .engine.model import Decision
    from .engine.summary import Summary
    from .write.formulas import FormulaPlan
    from .write.formulas.output import BlockFormulas

OUTPUT_TAG = ".outsourced"
# One record per task (`show --json`, `--csv`): record key -> the engine's column.
TASK_RECORD_COLUMNS: dict[str, str] = {
    "task_id": "task_id", "task": "task", "category": "category", "verdict": "verdict",
    "saving": "saving", "hours_freed": "freed", "vendor": "best_vendor", "reason": "reason",
    "occurrences": "occurrences", "hours_year": "hours_year", "self_cost": "self_cost",
    "cash": "cash", "out_cost": "out_cost", "breakeven_worth": "breakeven",
    "max_price_each": "max_price"}
BACKUP_TAG = ".bak"
Entry = TypeVar("Entry", bound=Callable[..., "Outcome"])


def decide(settings: Settings | Mapping[str, object], tasks: pd.DataFrame,
           quotes: pd.DataFrame, *, task_locate: inputs.Locate | None = None,
           quote_locate: inputs.Locate | None = None) -> Decision:
    """Decide every task from raw tables (columns named by schema keys or by headers).

    ``settings`` is a Settings or a mapping of defined names (HourlyWorth, ...) to raw
    values. Rows that cannot be read get verdict ERROR; ``Decision.problems`` lists them
    with their places. Settings that cannot be used raise InputError, naming each.
    """
    from .engine import inputs
    from .engine.model import compute

    if not isinstance(settings, Settings):
        read, problems = inputs.read_settings(dict(settings), lambda name: name)
        if read is None:
            raise InputError("; ".join(map(str, problems)))
        settings = read
    clean_tasks, task_problems = inputs.clean_tasks(
        _by_key(tasks, schema.TASK_INPUTS), task_locate)
    clean_quotes, quote_problems = inputs.clean_quotes(
        _by_key(quotes, schema.QUOTE_INPUTS), clean_tasks, quote_locate, settings=settings)
    decision = compute(settings, clean_tasks, clean_quotes)
    decision.problems = sorted(task_problems, key=_reading_order) + sorted(
        quote_problems, key=_reading_order)
    return decision


def task_records(decision: Decision) -> list[dict[str, object]]:
    """Every task as plain data, biggest saving first (no saving last, then in sheet
    order): the row on Tasks, TASK_RECORD_COLUMNS' keys and the currency; None for blanks."""
    tasks = decision.tasks
    order = tasks.assign(_row=tasks.index).sort_values(
        ["saving", "_row"], ascending=[False, True], na_position="last", kind="stable")
    currency = decision.settings.currency
    return [{"row": row, **{key: _plain(values[column])
                            for key, column in TASK_RECORD_COLUMNS.items()}, "currency": currency}
            for row, values in zip(order.index.tolist(), order.to_dict("records"))]


def _plain(value: object) -> object:
    """A cell of the engine's frames as JSON-ready data: NaN and None as None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _reading_order(problem: Problem) -> tuple[int, int]:
    """Row by row, left to right, as the user reads the sheet."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", problem.cell)
    if not match:
        return (0, 0)
    return int(match[2]), column_number(match[1].encode())


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
    notices: list[Problem] = field(default_factory=list)  # told the user; nothing stopped
    backup: Path | None = None
    formulas: FormulaPlan | None = None  # with formulas=True: what was written as formulas
    sheets_added: tuple[str, ...] = ()  # by add_template

    @functools.cached_property
    def summary(self) -> Summary | None:
        """The figures of the Summary sheet, worked out once for every reader of them."""
        from .engine.summary import summarise

        return summarise(self.decision) if self.decision is not None else None

    @property
    def problems(self) -> list[Problem]:
        return self.fatal + (self.decision.problems if self.decision else [])

    @property
    def ok(self) -> bool:
        return not self.problems

    def task_records(self) -> list[dict[str, object]]:
        """Every task as plain data, biggest saving first (empty when not decided)."""
        return task_records(self.decision) if self.decision is not None else []

    def as_record(self) -> dict[str, object]:
        """The outcome as plain JSON-ready data (`--json`, and batch's per-file rows)."""
        record: dict[str, object] = {
            "workbook": str(self.source),
            "output": str(self.output) if self.output else None,
            "status": "ok" if self.ok else ("failed" if self.fatal else "problems"),
            "problems": [str(p) for p in self.problems],
            "notices": [str(p) for p in self.notices],
            "backup": str(self.backup) if self.backup else None,
        }
        if self.summary is not None:
            record["summary"] = self.summary.headline()
        if self.formulas is not None:
            record["formulas"] = {"live_tasks": self.formulas.live_tasks,
                                  "kept_as_values": self.formulas.kept}
        return record


def decide_workbook(path: Path | str) -> tuple[WorkbookInputs, Decision | None]:
    """Read and decide a workbook without writing anything."""
    found = read_workbook(path)
    return found, decide_found(found)


def decide_found(found: WorkbookInputs) -> Decision | None:
    """Decide what a reader found (a file, or grids from Excel); None when it cannot be."""
    if found.fatal or found.settings is None:
        return None
    tasks, quotes = found.tables()
    return decide(found.settings, tasks.raw, quotes.raw,
                  task_locate=tasks.locate, quote_locate=quotes.locate)


def _answers_always(entry: Entry) -> Entry:
    """An unexpected failure (a bug, or damage no check foresaw) becomes one line in the
    outcome instead of a traceback; tests count these and expect none."""
    @functools.wraps(entry)
    def guarded(path: Path | str, *args: object, **kwargs: object) -> Outcome:
        try:
            return entry(path, *args, **kwargs)
        except Exception as exc:
            detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            return Outcome(Path(path), fatal=[Problem("", "", (
                f"could not be processed ({detail}): a bug in xlsheet-outsource; please "
                "report it, with the workbook if you can"))])
    return guarded  # type: ignore[return-value]


@_answers_always
def check_workbook(path: Path | str) -> Outcome:
    found, decision = decide_workbook(path)
    return Outcome(Path(path), decision=decision, fatal=found.fatal, notices=found.notices)


def default_output(path: Path) -> Path:
    suffix = {".xltx": ".xlsx", ".xltm": ".xlsm"}.get(path.suffix.lower(), path.suffix)
    return path.with_name(path.stem + OUTPUT_TAG + suffix)


def backup_path(path: Path) -> Path:
    return path.with_name(path.stem + BACKUP_TAG + path.suffix)


@_answers_always
def process_workbook(path: Path | str, out: Path | str | None = None, *,
                     in_place: bool = False, formulas: bool = False,
                     timings: dict[str, float] | None = None) -> Outcome:
    """Decide a workbook and write the results: to ``out``, in place, or next to it.

    ``formulas`` writes the computed cells as spreadsheet formulas (docs/formulas.md).
    ``timings``, when given, gains the seconds spent "reading", "deciding" and "writing"
    (added to what it holds: batch sums them over workbooks).
    """
    source = Path(path)
    with _timed(timings, "reading"):
        found = read_workbook(source)
    with _timed(timings, "deciding"):
        decision = decide_found(found)
    outcome = Outcome(source, decision=decision, fatal=found.fatal, notices=found.notices)
    if decision is None:
        return outcome
    target = source if in_place else Path(out) if out else default_output(source)
    cells: BlockFormulas | None = None
    if formulas:
        from .write.formulas.output import BlockFormulas
        cells = BlockFormulas(found, decision)
    else:  # nothing reads the raw values again: the memory goes to the writer
        for table in found.tables():
            table.forget_values()

    def write() -> None:
        with _timed(timings, "writing"):
            # the one seam to the writer, and its imports (openpyxl): after reading, which
            # loads pandas while calamine parses
            from .write.results import write_results

            write_results(found, decision, target, formulas=cells, summary=outcome.summary)

    _write_guarded(outcome, target, in_place, write)
    outcome.formulas = cells.plan if cells else None
    return outcome


@contextmanager
def _timed(timings: dict[str, float] | None, phase: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[phase]``, when timings are asked for."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started


@_answers_always
def add_template(path: Path | str, out: Path | str | None = None) -> Outcome:
    """Add the template's sheets to an existing workbook: to ``out``, else into the
    workbook itself (atomically, keeping the previous version as NAME.bak.xlsx)."""
    from .write.template import add_to_workbook

    source = Path(path)
    target = Path(out) if out else source
    outcome = Outcome(source)

    def add() -> None:
        outcome.sheets_added = add_to_workbook(source, target)

    _write_guarded(outcome, target, out is None, add)
    return outcome


def _write_guarded(outcome: Outcome, target: Path, in_place: bool,
                   write: Callable[[], object]) -> None:
    """``write()`` while holding ``target`` (after a backup, in place), unless that would
    harm the user's files; every failure becomes one line in ``outcome.fatal``."""
    if _refused(outcome, target, in_place):
        return
    try:
        with files.exclusive(target):
            if in_place:
                _keep_backup(outcome)
            write()
    except (XlsheetOutsourceError, PackageError, ValueError) as exc:
        outcome.fatal.append(Problem("", "", str(exc)))
    except OSError as exc:
        outcome.fatal.append(Problem("", "", files.why_not_written(target, exc)))
    else:
        outcome.output = target


def _refused(outcome: Outcome, target: Path, in_place: bool) -> bool:
    """Refused: writing over the workbook itself without in_place (no backup would be
    kept), or over a file open in Excel or LibreOffice (it would save over the change)."""
    lock = files.open_elsewhere(target)
    if not in_place and target.exists() and target.samefile(outcome.source):
        reason = ("the results would replace the workbook itself: use --in-place for that "
                  "(it keeps the previous version)")
    elif lock is not None:
        reason = (f"{target.name} is open in Excel or LibreOffice (its lock file {lock} "
                  "is there): close it and try again")
    else:
        return False
    outcome.fatal.append(Problem("", "", reason))
    return True


def _keep_backup(outcome: Outcome) -> None:
    outcome.backup = backup_path(outcome.source)
    files.copy_atomically(outcome.source, outcome.backup)


def open_in_spreadsheet(path: Path) -> None:
    """Open ``path`` in the program the system opens spreadsheets with (and return at
    once); FileError when there is none."""
    import os
    import subprocess
    import sys
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    try:
        subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError:
        raise FileError(f"{path}: written, but not opened: {opener} is not installed "
                        "(open it yourself)") from None
