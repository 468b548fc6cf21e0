"""Decide a whole folder of workbooks: what to process, worker processes, the report.

run_batch is the one entry; the CLI's `batch` command only wraps it. Every workbook
goes through api.process_workbook, exactly as `process` does, in a worker process,
so a file that crashes or hangs its worker is that file's failure only.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

import pandas as pd

from .. import api
from ..engine import schema
from ..engine.summary import CATEGORY_COLUMNS, SPEND_COLUMNS
from ..errors import FileError
from .job import (
    DECIDED,
    HEADLINE,
    NOT_RUN,
    FileResult,
    Fingerprint,
    Job,
    WorkbookRow,
    decide_file,
    failed_row,
)
from .report_workbook import write_report
from .workers import JobFailure, WorkerPool, WorkerStartError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
REPORT_NAME = "batch-report.xlsx"
STATE_NAME = ".xlsheet-outsource-batch.json"
STATE_VERSION = 1
VENDOR_COLUMNS = ("vendor", *SPEND_COLUMNS)


class BatchError(FileError):
    """The batch as a whole cannot run (its output folder cannot be made, ...)."""


@dataclass(frozen=True)
class Skipped:
    path: str  # relative to the folder, "/"-separated
    reason: str


# --- what to process ------------------------------------------------------------------

def discover(folder: Path, recursive: bool = False,
             excluded: dict[Path, str] | None = None) -> tuple[list[str], list[Skipped]]:
    """The workbooks in ``folder`` (relative, sorted) and everything passed over, with why.

    ``excluded`` maps paths (the output folder, the report) to the reason to skip them,
    or to "" to pass over them without a word (the batch's own state file).
    """
    excluded = {path.resolve(): reason for path, reason in (excluded or {}).items()}
    found, skipped = [], []
    for here, folders, files in os.walk(folder):
        relative = Path(here).relative_to(folder)
        for name in sorted(folders):
            reason = _folder_skip(Path(here, name), recursive, excluded)
            if reason:
                skipped.append(Skipped((relative / name).as_posix() + "/", reason))
                folders.remove(name)
        for name in files:
            reason = _file_skip(Path(here, name), excluded)
            if reason:
                skipped.append(Skipped((relative / name).as_posix(), reason))
            elif reason is None:
                found.append((relative / name).as_posix())
        if not recursive:
            break
    return sorted(found), sorted(skipped, key=lambda s: s.path)


def _folder_skip(path: Path, recursive: bool, excluded: dict[Path, str]) -> str | None:
    if path.resolve() in excluded:
        return excluded[path.resolve()]
    if _hidden(path):
        return "a hidden folder"
    if path.is_symlink():
        return "a link to a folder: not followed"
    return None if recursive else "a folder: add --recursive to include it"


def _file_skip(path: Path, excluded: dict[Path, str]) -> str | None:
    name, suffix, stem = path.name, path.suffix.lower(), path.stem.lower()
    if path.resolve() in excluded:
        return excluded[path.resolve()]
    if name.startswith("~$"):
        return f"Excel's lock file: {name[2:]} is open in Excel"
    if _hidden(path):
        return "a hidden file"
    if suffix == ".xls":
        return "an Excel 97-2003 workbook: save it as .xlsx in Excel to include it"
    if suffix not in WORKBOOK_SUFFIXES:
        return f"not a workbook ({suffix or 'no extension'})"
    if stem.endswith(api.OUTPUT_TAG):
        return "an output of xlsheet-outsource"
    if stem.endswith(api.BACKUP_TAG):
        return "a backup kept by --in-place"
    if not path.is_file():  # a pipe or a device would block the worker reading it
        return "not a regular file"
    return None


def _hidden(path: Path) -> bool:
    if path.name.startswith("."):
        return True
    try:  # Windows marks hidden files with an attribute instead
        return bool(getattr(path.lstat(), "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_HIDDEN)
    except OSError:
        return False


def plan(folder: Path, outdir: Path | None, workbooks: list[str], in_place: bool,
         formulas: bool = False) -> tuple[list[Job], list[WorkbookRow]]:
    """A job per workbook, or a failed row where its output would be unsafe or clash."""
    base = outdir or folder
    root = base.resolve()
    jobs, refused, claimed = [], [], {}
    for workbook in workbooks:
        source = folder / workbook
        target = None if in_place else api.default_output(base / workbook)
        # A separated result is always .xlsx, so a.xlsx and a.xlsm could meet there.
        key = str(api.default_output(base / workbook).with_suffix("")).casefold()
        problem = (_outside(target or source, root)
                   or (f"its results could overwrite those of {claimed[key]} (the same name "
                       "but for the extension): rename one of them" if key in claimed else None))
        claimed.setdefault(key, workbook)
        if problem:
            refused.append(failed_row(workbook, problem))
        else:
            jobs.append(Job(workbook, source, target, base, formulas))
    return jobs, refused


def _outside(path: Path, root: Path) -> str | None:
    """Refuse a path that, once links are followed, leaves ``root``."""
    if path.resolve().is_relative_to(root):
        return None
    return f"refused: it would be written outside {root} (through a link)"


# --- skipping what has not changed --------------------------------------------------------

@dataclass
class State:
    """What earlier runs decided, kept in the output folder, to skip unchanged workbooks."""
    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STATE_VERSION:
                return cls(path, dict(data["workbooks"]))
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            pass  # missing or damaged: every workbook is simply decided again
        return cls(path)

    def unchanged(self, job: Job) -> WorkbookRow | None:
        """The earlier row, when this input was decided the same way and its output is there."""
        entry = self.entries.get(job.workbook)
        if entry is None:
            return None
        try:
            row = WorkbookRow(**entry["row"])
            fingerprint = Fingerprint(**entry["fingerprint"])
        except (TypeError, KeyError):
            return None
        if (entry.get("target") != _target_text(job) or not row.output
                or not (job.root / row.output).is_file() or not fingerprint.matches(job.source)):
            return None
        row.unchanged = True
        return row

    def record(self, job: Job, result: FileResult) -> None:
        if result.row.decided and result.fingerprint is not None:
            self.entries[job.workbook] = {"target": _target_text(job), "row": asdict(result.row),
                                          "fingerprint": asdict(result.fingerprint)}
        else:  # a failure is always tried again
            self.entries.pop(job.workbook, None)

    def save(self, folder: Path) -> None:
        """Write atomically, forgetting workbooks that are no longer there."""
        self.entries = {k: v for k, v in self.entries.items() if (folder / k).is_file()}
        temp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            temp.write_text(json.dumps({"version": STATE_VERSION, "workbooks": self.entries}),
                            encoding="utf-8")
            os.replace(temp, self.path)
        except OSError:
            pass  # it only saves time: without it the next run decides everything again
        finally:
            temp.unlink(missing_ok=True)


def _target_text(job: Job) -> str:
    """Where and how the job writes: an output written otherwise is not "unchanged"."""
    where = str(job.target.resolve()) if job.target is not None else "in place"
    return where + (" with formulas" if job.formulas else "")


# --- the run --------------------------------------------------------------------------

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


@dataclass
class BatchReport:
    folder: Path
    root: Path  # where the report and the skip state go (and the outputs, with an OUTDIR)
    rows: list[WorkbookRow]  # sorted by workbook
    skipped: list[Skipped]
    report_path: Path | None = None
    interrupted_by: int | None = None  # the signal that stopped the run early
    timings: dict[str, float] = field(default_factory=dict)  # seconds, summed over workbooks
    startup_seconds: list[float] = field(default_factory=list)  # one per worker process

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((*DECIDED, "failed", NOT_RUN), 0)
        for row in self.rows:
            counts[row.status] += 1
        return {**counts, "unchanged": sum(r.unchanged for r in self.rows),
                "skipped": len(self.skipped)}

    @property
    def all_ok(self) -> bool:
        return self.interrupted_by is None and all(row.status == "ok" for row in self.rows)

    def totals(self) -> pd.DataFrame:
        """Per currency: workbooks decided, tasks, verdicts and the headline figures."""
        decided = [r for r in self.rows if r.decided]
        frame = pd.DataFrame([{"currency": r.currency, "workbooks": 1, "tasks": r.tasks,
                               **{v: r.verdicts.get(v, 0) for v in schema.VERDICTS},
                               **{k: getattr(r, k) for k in HEADLINE}} for r in decided],
                             columns=["currency", "workbooks", "tasks", *schema.VERDICTS, *HEADLINE])
        return frame.groupby("currency", sort=True, as_index=False).sum()

    def by_category(self) -> pd.DataFrame:
        return self._across("by_category", CATEGORY_COLUMNS, "saving")

    def by_vendor(self) -> pd.DataFrame:
        return self._across("by_vendor", VENDOR_COLUMNS, "cash")

    def _across(self, table: str, columns: tuple[str, ...], biggest: str) -> pd.DataFrame:
        """One workbook's table summed across workbooks, per currency; labels that differ
        only in case ("admin", "Admin") are one line, spelt as first seen."""
        label, numbers = columns[0], list(columns[1:])
        frame = pd.DataFrame([{**line, "currency": r.currency, "workbook": r.workbook}
                              for r in self.rows if r.decided for line in getattr(r, table)],
                             columns=[*columns, "currency", "workbook"])
        frame["key"] = frame[label].astype(str).str.casefold()
        groups = frame.groupby(["currency", "key"], sort=False)
        summed = groups[numbers].sum()
        summed.insert(0, label, groups[label].first())
        summed.insert(1, "workbooks", groups["workbook"].nunique())
        summed = summed.reset_index().drop(columns="key")
        order = summed.sort_values(["currency", biggest], ascending=[True, False], kind="stable")
        return order[["currency", label, "workbooks", *numbers]].reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder), "output_folder": str(self.root),
            "report": str(self.report_path) if self.report_path else None,
            "interrupted": self.interrupted_by is not None, "counts": self.counts,
            "workbooks": [row.as_dict() for row in self.rows],
            "skipped": [asdict(s) for s in self.skipped],
            "totals": _json_records(self.totals()),
            "by_category": _json_records(self.by_category()),
            "by_vendor": _json_records(self.by_vendor()),
        }


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


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
        self.state.record(job, result)
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
