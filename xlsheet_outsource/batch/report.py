"""What a batch works on and what it reports, as plain data: a Job per workbook, its
WorkbookRow, what was skipped, and the BatchReport with its figures across workbooks.

Shallow on purpose (no api, no worker): jobs and rows cross the process boundary and
the skip-state file, and the report workbook, the CLI and mail read the figures.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..engine import schema
from ..engine.summary import CATEGORY_COLUMNS, SPEND_COLUMNS

DECIDED = ("ok", "problems")  # the statuses of a workbook that was decided and written
NOT_RUN = "not run"
HEADLINE = ("saving", "hours_freed_year", "hours_freed_week", "cash_year", "setup_once")
VENDOR_COLUMNS = ("vendor", *SPEND_COLUMNS)
# Left out of --json: the tables (the overview sums them) and what only mail shows.
NOT_IN_JSON = ("by_category", "by_vendor", "horizon_years", "decided_on", "accounts")


@dataclass(frozen=True)
class Job:
    workbook: str  # relative to the folder, for the report
    source: Path
    target: Path | None  # None: in place
    root: Path  # the output folder: the report names outputs relative to it
    formulas: bool = False  # write the computed cells as formulas (process --formulas)


@dataclass(frozen=True)
class Skipped:
    path: str  # relative to the folder, "/"-separated
    reason: str


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
    horizon_years: float | None = None
    decided_on: str | None = None  # ISO date the output was written
    by_category: list[dict[str, Any]] = field(default_factory=list)  # summary.CATEGORY_COLUMNS
    by_vendor: list[dict[str, Any]] = field(default_factory=list)  # VENDOR_COLUMNS
    accounts: dict[str, Any] = field(default_factory=dict)  # accountant.Accounts.record()

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as the Workbooks sheet shows the row (with every problem)."""
        return {k: v for k, v in asdict(self).items() if k not in NOT_IN_JSON}


def failed_row(workbook: str, reason: str) -> WorkbookRow:
    return WorkbookRow(workbook, "failed", error=reason, problems=[reason])


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

    @property
    def verdicts(self) -> list[str]:
        """The verdicts to count: version 1's, always; DROP and AUTOMATE when a decided
        workbook has them (as the Summary counts them)."""
        present = {verdict for row in self.rows if row.decided for verdict in row.verdicts}
        return [v for v in schema.ALL_VERDICTS if v in schema.VERDICTS or v in present]

    def table_rows(self) -> list[dict[str, Any]]:
        """One line per workbook for a table (the CLI's): its status ("*": unchanged
        since the last run) and, when decided, its yearly figures and tasks by verdict
        (keyed by the verdict in lower case, "needs quote" included)."""
        figures = ("tasks", "saving", "hours_freed_year", "cash_year", "currency")
        return [{"workbook": row.workbook, "status": row.status + "*" * row.unchanged,
                 **{v.lower(): row.verdicts.get(v, 0) if row.decided else None
                    for v in self.verdicts},
                 **{key: getattr(row, key) if row.decided else None for key in figures}}
                for row in self.rows]

    def outputs(self) -> list[tuple[WorkbookRow, Path]]:
        """Each decided workbook's row, and the output file it was written to."""
        return [(row, self.root / row.output) for row in self.rows if row.decided and row.output]

    def totals(self) -> pd.DataFrame:
        """Per currency: workbooks decided, tasks, verdicts and the headline figures."""
        decided = [r for r in self.rows if r.decided]
        verdicts = self.verdicts
        frame = pd.DataFrame([{"currency": r.currency, "workbooks": 1, "tasks": r.tasks,
                               **{v: r.verdicts.get(v, 0) for v in verdicts},
                               **{k: getattr(r, k) for k in HEADLINE}} for r in decided],
                             columns=["currency", "workbooks", "tasks", *verdicts, *HEADLINE])
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
            "totals": json_records(self.totals()),
            "by_category": json_records(self.by_category()),
            "by_vendor": json_records(self.by_vendor()),
        }


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as plain Python records: JSON-ready and picklable."""
    return json.loads(frame.to_json(orient="records"))
