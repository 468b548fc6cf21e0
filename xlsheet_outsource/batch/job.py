"""One workbook of a batch, as a worker process does it, and what it sends back.

decide_file runs api.process_workbook, the same path as `process`; everything here
crosses the process boundary, so it is plain, picklable data.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import api
from ..errors import FileError
from .report import HEADLINE, Job, WorkbookRow, failed_row, json_records
from .state import Fingerprint

PHASES = ("reading", "deciding", "writing")  # the phases api.process_workbook times


@dataclass
class FileResult:
    """What a worker sends back for one workbook."""
    row: WorkbookRow
    fingerprint: Fingerprint | None  # of the input as decided (as written, when in place)
    timings: dict[str, float]  # seconds: reading, deciding, writing, total; and cpu time


def decide_file(job: Job) -> FileResult:
    """Decide and write one workbook with process_workbook: the same path as `process`."""
    timings = dict.fromkeys(PHASES, 0.0)
    started, cpu_started = time.perf_counter(), time.process_time()
    before = Fingerprint.of(job.source)
    try:
        if job.target is not None:
            _make_folder(job.target.parent)
        outcome = api.process_workbook(job.source, job.target, in_place=job.target is None,
                                       formulas=job.formulas, timings=timings)
        row = _row(job, outcome)
        after = Fingerprint.of(job.source) if outcome.output == job.source else before
    except _CannotMakeFolder as exc:
        row, after = failed_row(job.workbook, str(exc)), None
    except Exception as exc:  # a bug, not the user's mistake: this workbook's failure only
        row = failed_row(job.workbook, f"unexpected error: {type(exc).__name__}: {exc}")
        after = None
    timings.update(total=time.perf_counter() - started, cpu=time.process_time() - cpu_started)
    return FileResult(row, after, timings)


class _CannotMakeFolder(FileError):
    pass


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _CannotMakeFolder(f"cannot make the folder {folder}: {exc.strerror or exc}") from None


def _row(job: Job, outcome: api.Outcome) -> WorkbookRow:
    problems = [str(p) for p in outcome.problems]
    output = Path(os.path.relpath(outcome.output, job.root)).as_posix() if outcome.output else None
    row = WorkbookRow(job.workbook, str(outcome.as_record()["status"]), output=output,
                      problems=problems, error=_one_line(problems))
    summary = outcome.summary
    if summary is None or outcome.output is None:
        return row
    row.currency, row.tasks = summary.currency, summary.task_count
    row.verdicts = dict(summary.counts)
    for name in (*HEADLINE, "horizon_years"):
        setattr(row, name, float(getattr(summary, name)))
    row.decided_on = dt.date.today().isoformat()
    row.by_category = json_records(summary.by_category)
    row.by_vendor = json_records(summary.by_vendor)
    row.accounts = summary.accounts.record()
    return row


def _one_line(problems: list[str]) -> str | None:
    if not problems:
        return None
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
