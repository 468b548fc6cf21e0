"""One workbook of a batch, as a worker process does it, and what it sends back.

decide_file runs api.process_workbook, the same path as `process`; everything here
crosses the process boundary, so it is plain, picklable data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .. import api
from ..errors import FileError
from ..write import results

DECIDED = ("ok", "problems")  # the statuses of a workbook that was decided and written
NOT_RUN = "not run"
HEADLINE = ("saving", "hours_freed_year", "hours_freed_week", "cash_year", "setup_once")


@dataclass
class WorkbookRow:
    """One workbook's line in the report; figures are yearly, in the workbook's currency."""
    workbook: str  # relative to the folder, "/"-separated
    status: str  # ok | problems | failed | not run
    output: str | None = None
    error: str | None = None  # one line: the first problem, and how many more
    problems: list[str] = field(default_factory=list)
    unchanged: bool = False  # decided by an earlier run, from the same input
    currency: str | None = None  # this and the figures below: None unless decided
    tasks: int | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    saving: float | None = None
    hours_freed_year: float | None = None
    hours_freed_week: float | None = None
    cash_year: float | None = None
    setup_once: float | None = None
    by_category: list[dict[str, Any]] = field(default_factory=list)  # summary.CATEGORY_COLUMNS
    by_vendor: list[dict[str, Any]] = field(default_factory=list)  # VENDOR_COLUMNS

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the per-category and per-vendor lines (the overview has them)."""
        return {k: v for k, v in asdict(self).items() if k not in ("by_category", "by_vendor")}


@dataclass(frozen=True)
class Fingerprint:
    """Enough of a file to tell whether it changed: size, time of change, content hash."""
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint | None:
        try:
            info = path.stat()
            return cls(info.st_size, info.st_mtime_ns, _sha256(path))
        except OSError:
            return None

    def matches(self, path: Path) -> bool:
        """Same size and time, or (after a copy or a touch) the same content."""
        try:
            info = path.stat()
            return info.st_size == self.size and (info.st_mtime_ns == self.mtime_ns
                                                  or _sha256(path) == self.sha256)
        except OSError:
            return False


def _sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@dataclass(frozen=True)
class Job:
    workbook: str  # relative to the folder, for the report
    source: Path
    target: Path | None  # None: in place
    root: Path  # the output folder: the report names outputs relative to it
    formulas: bool = False  # write the computed cells as formulas (process --formulas)


@dataclass
class FileResult:
    """What a worker sends back for one workbook."""
    row: WorkbookRow
    fingerprint: Fingerprint | None  # of the input as decided (as written, when in place)
    timings: dict[str, float]  # seconds: reading, deciding, writing, total; and cpu time


# --- the work of one workbook, in a worker ------------------------------------------------

def decide_file(job: Job) -> FileResult:
    """Decide and write one workbook with process_workbook: the same path as `process`."""
    clock = _phase_clock()
    clock.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    before = Fingerprint.of(job.source)
    try:
        if job.target is not None:
            _make_folder(job.target.parent)
        outcome = api.process_workbook(job.source, job.target, in_place=job.target is None,
                                       formulas=job.formulas)
        row = _row(job, outcome)
        after = Fingerprint.of(job.source) if outcome.output == job.source else before
    except _CannotMakeFolder as exc:
        row, after = failed_row(job.workbook, str(exc)), None
    except Exception as exc:  # a bug, not the user's mistake: this workbook's failure only
        row, after = failed_row(job.workbook, f"unexpected error: {type(exc).__name__}: {exc}"), None
    return FileResult(row, after, {**clock.seconds, "total": time.perf_counter() - started,
                                   "cpu": time.process_time() - cpu_started})


class _CannotMakeFolder(FileError):
    pass


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _CannotMakeFolder(f"cannot make the folder {folder}: {exc.strerror or exc}") from None


def failed_row(workbook: str, reason: str) -> WorkbookRow:
    return WorkbookRow(workbook, "failed", error=reason, problems=[reason])


def _row(job: Job, outcome: api.Outcome) -> WorkbookRow:
    record = outcome.as_record()
    problems = list(record["problems"])
    output = Path(os.path.relpath(outcome.output, job.root)).as_posix() if outcome.output else None
    row = WorkbookRow(job.workbook, record["status"], output=output, problems=problems,
                      error=_one_line(problems))
    if outcome.decision is None or outcome.output is None:
        return row
    headline = record["summary"]
    row.currency, row.tasks, row.verdicts = (headline["currency"], headline["task_count"],
                                             dict(headline["counts"]))
    for name in HEADLINE:
        setattr(row, name, float(headline[name]))
    summary = outcome.summary  # the tables, which the headline leaves out
    row.by_category = _records(summary.by_category)
    row.by_vendor = _records(summary.by_vendor)
    return row


def _one_line(problems: list[str]) -> str | None:
    if not problems:
        return None
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))  # plain Python numbers, picklable


class PhaseClock:
    """Seconds this worker spends reading, deciding and writing.

    process_workbook is one call (the same path as `process`); to time its phases
    without a second copy of it, the three functions it calls are wrapped, in the
    worker process only.
    """
    SEAMS = (("reading", api, "read_workbook"), ("deciding", api, "decide"),
             ("writing", results, "write_results"))

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.reset()
        for phase, module, name in self.SEAMS:
            setattr(module, name, self._timed(phase, getattr(module, name)))

    def reset(self) -> None:
        self.seconds = {phase: 0.0 for phase, _, _ in self.SEAMS}

    def _timed(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started
        return timed


@functools.cache
def _phase_clock() -> PhaseClock:
    return PhaseClock()


