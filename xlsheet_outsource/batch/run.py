"""Decide a whole folder of workbooks: the run, its progress, stopping it, the report.

run_batch is the one entry; the CLI's `batch` command only wraps it. Every workbook
goes through api.process_workbook, exactly as `process` does, in a worker process,
so a file that crashes or hangs its worker is that file's failure only.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import FileError
from .discovery import discover, plan
from .job import FileResult, decide_file
from .report import NOT_RUN, BatchReport, Job, WorkbookRow, failed_row
from .report_workbook import write_report
from .state import STATE_NAME, State
from .workers import JobFailure, WorkerPool, WorkerStartError

REPORT_NAME = "batch-report.xlsx"


class BatchError(FileError):
    """The batch as a whole cannot run (its output folder cannot be made, ...)."""


class Progress(Protocol):
    def start(self, to_run: int, unchanged: int) -> None: ...
    def file_started(self, workbook: str) -> None: ...
    def file_done(self, row: WorkbookRow) -> None: ...
    def stopping(self, running: int) -> None: ...


class NoProgress:
    def start(self, to_run: int, unchanged: int) -> None: pass
    def file_started(self, workbook: str) -> None: pass
    def file_done(self, row: WorkbookRow) -> None: pass
    def stopping(self, running: int) -> None: pass


class _StopSignals:
    """Ctrl-C or SIGTERM once: finish the workbooks in progress, start no more.
    Twice: stop those too (their temp files are removed; nothing half-written stays)."""

    def __init__(self) -> None:
        self.requested = self.forced = False
        self.signal: int | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.forced = self.requested
        self.requested = True
        self.signal = self.signal or signum

    @contextmanager
    def installed(self) -> Iterator[_StopSignals]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # only the main thread may set signal handlers
            return
        previous = {s: signal.signal(s, self) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@dataclass
class _Run:
    """The pool's events: rows in, state updated, progress shown."""
    progress: Progress
    state: State
    rows: list[WorkbookRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def job_started(self, job: Job) -> None:
        self.progress.file_started(job.workbook)

    def job_done(self, job: Job, result: FileResult | JobFailure) -> None:
        if isinstance(result, JobFailure):
            result = FileResult(failed_row(job.workbook, result.reason), None, {})
        self.state.record(job, result.row, result.fingerprint)
        for phase, seconds in result.timings.items():
            self.timings[phase] = self.timings.get(phase, 0.0) + seconds
        self.rows.append(result.row)
        self.progress.file_done(result.row)

    def stopping(self, running: int) -> None:
        self.progress.stopping(running)


def run_batch(folder: Path | str, outdir: Path | str | None = None, *, recursive: bool = False,
              jobs: int | None = None, in_place: bool = False, force: bool = False,
              timeout: float = 60.0, progress: Progress | None = None, formulas: bool = False,
              work: Callable[[Job], FileResult] = decide_file) -> BatchReport:
    """Decide every workbook in ``folder``, write batch-report.xlsx, and say what happened.

    Outputs go to ``outdir`` mirroring the folder tree (default: beside each input), or
    replace the inputs with ``in_place``. Workbooks decided by an earlier run from the same
    input are not decided again unless ``force``. ``jobs`` worker processes (default: one
    per core) each get ``timeout`` seconds a workbook. ``formulas`` writes the computed
    cells as formulas, as `process --formulas`. ``work`` is the worker's function:
    decide_file, or a stand-in that tests use to make a worker hang or crash.
    """
    folder = Path(folder)
    if in_place and outdir is not None:
        raise ValueError("use either an output folder or in place, not both")
    root = Path(outdir) if outdir is not None else folder
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot make the output folder {root}: {exc.strerror}") from None
    report_path, state = root / REPORT_NAME, State.load(root / STATE_NAME)
    workbooks, skipped = discover(folder, recursive, {root: "the output folder",
                                                      report_path: "the batch report",
                                                      state.path: ""})
    planned, rows = plan(folder, Path(outdir) if outdir else None, workbooks, in_place,
                         formulas)
    to_run = []
    for job in planned:
        earlier = None if force else state.unchanged(job)
        if earlier:
            rows.append(earlier)
        else:
            to_run.append(job)
    progress = progress or NoProgress()
    progress.start(len(to_run), sum(row.unchanged for row in rows))
    run, pool = _Run(progress, state), WorkerPool(work, jobs or os.cpu_count() or 1, timeout)
    stop = _StopSignals()
    try:
        with stop.installed():
            unfinished = pool.run(to_run, run, stop)
    except WorkerStartError as exc:
        raise BatchError(str(exc)) from None
    finally:
        state.save(folder)
    rows += run.rows + [WorkbookRow(job.workbook, NOT_RUN, error="the batch was stopped "
                                    "before this workbook was done") for job in unfinished]
    report = BatchReport(folder, root, sorted(rows, key=lambda r: r.workbook), skipped,
                         report_path=report_path, interrupted_by=stop.signal,
                         timings=run.timings, startup_seconds=pool.startup_seconds)
    try:
        write_report(report, report_path)
    except OSError as exc:
        raise BatchError(f"cannot write the report {report_path}: {exc.strerror or exc}") from None
    return report
