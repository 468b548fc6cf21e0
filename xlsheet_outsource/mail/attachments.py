"""What is attached: the workbook decided afresh with its formulas frozen, and the PDF;
or, for a batch, each output as the batch wrote it, with the figures the batch kept.

Why decide afresh every time rather than check whether the workbook is current: the
workbook keeps no record of the inputs it was decided from, and a comparison of old
results with new ones would miss changes that move no figure (a renamed task, a new
vendor name). Deciding again is fast, changes nothing when the inputs did not change,
and makes the copy sent match its inputs by construction. The user's own file is never
touched: the copy is made in a scratch folder. A batch has just decided its workbooks
from their current inputs, so its outputs go as they are: nothing is decided twice.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, cast

from openpyxl import Workbook

from .. import api
from ..engine import schema
from ..engine.accountant import Accounts
from ..engine.summary import Summary
from ..ooxml.package import Package, PackageError
from ..write import libreoffice, report_sheets
from ..write.libreoffice import LibreOfficeError, find_soffice
from .message import Attachment, MailError, Parcel, Section

if TYPE_CHECKING:  # batch hands its rows in; mail needs no more of it
    from ..batch.report import WorkbookRow

# A formula calling one of the tool's worksheet functions (saved with or without the
# _xludf. prefix Excel gives functions it does not know).
_OUTSOURCE_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*>[^<]*OUTSOURCE_")
SOFFICE_SECONDS = 180


@dataclass(frozen=True)
class PreparedWorkbook:
    attachment: Attachment
    summary: Summary
    decided_on: dt.date
    problems: tuple[str, ...]  # rows that could not be decided, "Tasks!G4: ..."
    lost: tuple[str, ...] = ()  # what freezing its OUTSOURCE_ formulas dropped from the copy

    @property
    def section(self) -> Section:
        return Section(self.attachment.filename, self.summary, self.decided_on)


def prepare_workbook(source: Path, workdir: Path) -> PreparedWorkbook:
    """Copy, freeze and decide ``source`` in ``workdir``; the decided copy is attached."""
    copy = workdir / "source" / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copy2(source, copy)
    except FileNotFoundError:
        raise MailError(f"{source}: file not found") from None
    except OSError as exc:
        raise MailError(f"{source}: cannot be read: {exc.strerror or exc}") from None
    # Frozen before deciding: a workbook with formulas is decided into a values-only
    # copy, which would keep what the formulas last showed (#NAME? without the add-in).
    lost: tuple[str, ...] = ()
    if has_outsource_formulas(copy):
        copy, lost = freeze_formulas(copy, workdir / "frozen" / source.name)
    outcome = api.process_workbook(copy, workdir / attachment_name(source))
    if outcome.summary is None or outcome.output is None:
        raise MailError(f"{source.name}: cannot be decided: "
                        + "; ".join(str(p) for p in outcome.fatal))
    attachment = Attachment(outcome.output.name, outcome.output.read_bytes())
    # Decided and written: its problems are rows that could not be decided.
    return PreparedWorkbook(attachment, outcome.summary, dt.date.today(),
                            tuple(map(str, outcome.problems)), lost)


def attachment_name(source: Path) -> str:
    """NAME.outsourced.xlsx, as `process` names it; a name already so tagged stays."""
    decided = api.default_output(source)
    if source.stem.endswith(api.OUTPUT_TAG):
        decided = decided.with_name(source.stem + decided.suffix)
    return decided.name


@dataclass(frozen=True)
class RowFigures:
    """A batch row's figures, as a message shows them (message.Figures): worked out by
    the batch when it decided the workbook."""
    currency: str
    horizon_years: float
    counts: dict[str, int]
    cash_year: float
    saving: float
    hours_freed_year: float
    hours_freed_week: float
    accounts: Accounts

    @classmethod
    def of(cls, row: WorkbookRow) -> RowFigures:
        """The figures of a decided row (the row names its verdict counts "verdicts")."""
        same = {f.name: getattr(row, f.name) for f in fields(cls)
                if f.name not in ("counts", "accounts")}
        accounts = Accounts.of_record(row.accounts, cast(str, row.currency))
        return cls(**same, counts=row.verdicts, accounts=accounts)


def batch_output(row: WorkbookRow, output: Path, warn: Callable[[str], None]) -> Parcel:
    """A workbook a batch decided: its output as written, presented with the row's figures.
    ``warn`` hears of OUTSOURCE_ formulas, which go as they are (not frozen)."""
    name = attachment_name(Path(row.workbook))
    try:
        data = output.read_bytes()
    except OSError as exc:
        raise MailError(f"{output}: cannot be read: {exc.strerror or exc}") from None
    if has_outsource_formulas(output):
        warn(f"{output.name}: attached with its OUTSOURCE_ formulas, which show #NAME? in "
             "Excel without the add-in (the email command sends their values instead)")
    decided_on = dt.date.fromisoformat(cast(str, row.decided_on))  # set on every decided row
    return Parcel(Section(name, RowFigures.of(row), decided_on), (Attachment(name, data),))


def has_outsource_formulas(path: Path) -> bool:
    try:
        with Package(path) as package:
            return any(_OUTSOURCE_FORMULA.search(package.read(sheet.part))
                       for sheet in package.index().sheets if sheet.part in package.names)
    except PackageError:
        return False  # not a workbook: deciding it says why, in the user's words


def freeze_formulas(path: Path, target: Path) -> tuple[Path, tuple[str, ...]]:
    """``path`` with every OUTSOURCE_ formula replaced by its value, saved as ``target``;
    and what rewriting it dropped (charts, pivots, ...: the copy sent lacks them)."""
    from ..excel.freeze import freeze_workbook

    target.parent.mkdir(parents=True, exist_ok=True)
    frozen = freeze_workbook(path, target)
    if frozen.problems or frozen.output is None:
        raise MailError(f"{path.name}: an OUTSOURCE_ formula cannot be replaced by its value, "
                        f"so the accountant would see an error: {frozen.problems[0]}")
    return frozen.output, tuple(frozen.lost)


def check_size(attachments: Sequence[Attachment], limit: int) -> None:
    total = sum(len(a.data) for a in attachments)
    if total > limit:
        raise MailError(f"the attachments come to {_megabytes(total)}, over the limit of "
                        f"{_megabytes(limit)} (max_attachment_mb in mail.toml); "
                        "leave out --pdf or send fewer workbooks at once")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.2f} MB"


# --- the PDF of the For accountant and Summary sheets -------------------------------------

def report_pdf(prepared: PreparedWorkbook, workdir: Path) -> Attachment:
    """The two report sheets, laid out and set up for print as in the workbook, printed
    to PDF by LibreOffice."""
    if find_soffice() is None:
        raise MailError("--pdf needs LibreOffice, which is not installed here (no soffice "
                        "found): install it from libreoffice.org, or leave out --pdf")
    folder = workdir / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    sheets_file = folder / (Path(prepared.attachment.filename).stem + ".xlsx")
    _report_workbook(prepared).save(sheets_file)
    try:
        pdf, = libreoffice.convert([sheets_file], "pdf", folder, seconds=SOFFICE_SECONDS)
    except LibreOfficeError as exc:
        raise MailError(f"{sheets_file.name}: {exc}") from None
    return Attachment(pdf.name, pdf.read_bytes())


def _report_workbook(prepared: PreparedWorkbook) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    report_sheets.write_accountant(book.create_sheet(schema.ACCOUNTANT), prepared.summary,
                                   prepared.decided_on)
    summary = book.create_sheet(schema.SUMMARY)
    report_sheets.write_summary(summary, prepared.summary, prepared.decided_on)
    report_sheets.set_paper(summary, prepared.summary.currency)
    return book
