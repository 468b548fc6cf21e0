"""The message itself: checked addresses and headers, the two bodies, the attachments.

Every figure comes from summary.Summary (or, for a batch's outputs, from the figures
the batch kept of it); this module only words and lays them out, once as plain text
and once as HTML, from the same rows.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Protocol

from ..engine.accountant import (
    CASH_SPREAD,
    FIRST_YEAR_CASH,
    ONE_OFF_CASH,
    RECURRING_CASH,
    Accounts,
    month_labels,
    years_of,
)
from ..errors import FileError, UsageError

# Outlook opens a message carrying this header as a draft, ready to send.
DRAFT_HEADER = "X-Unsent"
MESSAGE_ID_DOMAIN = "xlsheet-outsource.invalid"
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".pdf": "application/pdf",
}
_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_LINE_BREAK = re.compile(r"[\r\n\x00]")


class MailError(FileError):
    """Sending or composing cannot go on; the message is one line, fit to show the user."""


class MailUsageError(MailError, UsageError):
    """A bad address or header given by the user (exit code 2, from UsageError)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes

    @property
    def content_type(self) -> str:
        suffix = "." + self.filename.rsplit(".", 1)[-1].lower()
        return CONTENT_TYPES.get(suffix, "application/octet-stream")


class Figures(Protocol):
    """What a message shows of one workbook. A Summary has it; so does a batch's row
    (attachments.RowFigures), so a batch's outputs are mailed without deciding them again."""
    @property
    def currency(self) -> str: ...
    @property
    def horizon_years(self) -> float: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def cash_year(self) -> float: ...
    @property
    def saving(self) -> float: ...
    @property
    def hours_freed_year(self) -> float: ...
    @property
    def hours_freed_week(self) -> float: ...
    @property
    def accounts(self) -> Accounts: ...


@dataclass(frozen=True)
class Section:
    """One decided workbook as the message presents it."""
    title: str  # the attached workbook's file name
    summary: Figures
    decided_on: dt.date


@dataclass(frozen=True)
class Parcel:
    """One workbook in a message: its section of the body, and the files attached for it."""
    section: Section
    files: tuple[Attachment, ...]


@dataclass(frozen=True)
class Envelope:
    """Who and what: every field already checked (see checked_address, checked_header)."""
    to: tuple[Address, ...]
    cc: tuple[Address, ...] = ()
    sender: Address | None = None
    subject: str = ""
    note: str = ""  # the user's own words, put first in the body
    attachments: tuple[Attachment, ...] = field(default=())


def checked_header(value: str, what: str) -> str:
    """Refuse a line break in a header value: it would let text add headers (injection)."""
    if _LINE_BREAK.search(value):
        raise MailUsageError(f"{what}: a line break is not allowed in a header "
                             f"(it could add headers of its own): {value!r}")
    return value.strip()


def checked_address(value: str, what: str) -> Address:
    """One address, as "ann@example.com" or "Ann Lee <ann@example.com>", strictly checked."""
    checked_header(value, what)
    found = getaddresses([value])
    if len(found) != 1 or not _ADDR_SPEC.fullmatch(found[0][1]):
        raise MailUsageError(f"{what}: not a valid email address: {value!r} "
                             "(one address each, like ann@example.com)")
    name, addr_spec = found[0]
    return Address(display_name=name, addr_spec=addr_spec)


def compose(envelope: Envelope, sections: Sequence[Section], *, draft: bool = False,
            part: tuple[int, int] | None = None) -> EmailMessage:
    """A multipart message: plain text and HTML bodies, then the attachments.

    ``draft`` marks it for mail clients to open ready to send (the .eml-only transport);
    ``part`` (n, of) numbers one of the messages a large digest was split into.
    """
    message = EmailMessage()
    subject = envelope.subject
    if part and part[1] > 1:
        subject = f"{subject} (part {part[0]} of {part[1]})"
    message["Subject"] = subject
    if envelope.sender is not None:
        message["From"] = envelope.sender
    message["To"] = envelope.to
    if envelope.cc:
        message["Cc"] = envelope.cc
    message["Date"] = formatdate(localtime=True)
    # A domain of our own: left out, make_msgid would look the host up in DNS (unbounded).
    domain = envelope.sender.domain if envelope.sender is not None else MESSAGE_ID_DOMAIN
    message["Message-ID"] = make_msgid(domain=domain)
    if draft:
        message[DRAFT_HEADER] = "1"
    names = [a.filename for a in envelope.attachments]
    hello, name = greeting(envelope.to), signer(envelope.sender, sections)
    message.set_content(text_body(envelope.note, sections, names, hello=hello, name=name))
    message.add_alternative(html_body(envelope.note, sections, names, hello=hello, name=name),
                            subtype="html")
    for attachment in envelope.attachments:
        checked_header(attachment.filename, "attachment name")
        maintype, subtype = attachment.content_type.split("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message


# --- the figures, as rows both bodies lay out ---------------------------------------------

def money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def hours(value: float) -> str:
    return f"{value:,.1f}"


def headline_rows(summary: Figures) -> list[tuple[str, str]]:
    cur, years, accounts = summary.currency, summary.horizon_years, summary.accounts
    counts = ", ".join(f"{n} {verdict}" for verdict, n in summary.counts.items()
                       if n or verdict != "ERROR")
    return [
        (RECURRING_CASH, money(accounts.recurring, cur)),
        (ONE_OFF_CASH, money(accounts.one_off, cur)),
        (FIRST_YEAR_CASH, money(accounts.first_year, cur)),
        (f"{CASH_SPREAD} over {years_of(years)}", money(summary.cash_year, cur)),
        ("Value of your time saved a year (not cash)", money(summary.saving, cur)),
        ("Hours freed a year", f"{hours(summary.hours_freed_year)} "
                               f"({hours(summary.hours_freed_week)} a week)"),
        ("Tasks by verdict", counts),
    ]


@dataclass(frozen=True)
class Table:
    """A table of the message: a title, a header, rows (the last a total when
    ``total``), and under some rows a line of detail (a vendor's tasks)."""
    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    details: dict[int, str] = field(default_factory=dict)  # row index -> line under it
    total: bool = True
    texts: int = 1  # the first columns, text (left-aligned); the rest figures
    note: str | None = None  # a line under the table

    def align(self, column: int) -> str:
        return "left" if column < self.texts else "right"


def tables(summary: Figures, decided_on: dt.date) -> list[Table]:
    """The accountant's tables, as For accountant has them (the same cents)."""
    accounts, cur = summary.accounts, summary.currency
    v = accounts.vendors.to_dict("records")
    found = [
        Table("By vendor, first 12 months", ("Vendor", "Recurring a year", "One-off",
                                             "First 12 months"),
              [(str(r["vendor"]), money(r["recurring"], cur), money(r["one_off"], cur),
                money(r["first_year"], cur)) for r in v]
              + [("Total", money(accounts.recurring, cur), money(accounts.one_off, cur),
                  money(accounts.first_year, cur))],
              {n: f"{r['expense_type']}: {r['task_list']}" for n, r in enumerate(v)}),
        Table("What the cash pays for", ("Vendor", "Vendor price", "Platform fees",
                                         "Setup fees", "First 12 months"),
              [(str(r["vendor"]), *(money(r[k], cur) for k in _SPLIT)) for r in v]
              + [("Total", *(money(accounts.total(k), cur) for k in _SPLIT))]),
        Table("Cash month by month (recurring spread evenly, one-off in the first month)",
              ("Month", "Cash"),
              [(label, money(amount, cur)) for label, amount in
               zip(month_labels(decided_on), accounts.monthly_totals(), strict=True)]
              + [("Total", money(accounts.first_year, cur))]),
    ]
    if len(accounts.foreign):
        found.append(Table(
            "Quotes in other currencies", ("Vendor", "Task", "As quoted", "Rate", "Converted"),
            [(str(r["vendor"]), str(r["task"]), money(r["foreign_amount"], str(r["currency"])),
              f"{r['rate']:g}", money(r["home_amount"], cur))
             for r in accounts.foreign.to_dict("records")], total=False, texts=2))
    if len(accounts.paperwork):
        found.append(Table(PAPERWORK_TITLE, ("Vendor", "Point to check"),
                           [(str(r["vendor"]), str(r["point"]))
                            for r in accounts.paperwork.to_dict("records")], total=False,
                           texts=2, note=accounts.threshold_note()))
    return found


_SPLIT = ("vendor_price", "platform_fees", "setup_fees", "first_year")
# The sheet's title (write/report_sheets.PAPERWORK_TITLE), said to the accountant: the
# message goes to them, from the owner.
PAPERWORK_TITLE = "Paperwork: points for you to check, not tax advice"


def _intro(section: Section) -> str:
    return (f"{section.title}, decided on {section.decided_on:%Y-%m-%d} from its current "
            f"inputs. Figures in {section.summary.currency}; cash, saving and hours count "
            f"only the tasks to outsource.")


def _undecided(summary: Figures) -> str | None:
    errors = summary.counts.get("ERROR", 0)
    if not errors:
        return None
    plural, verb = ("", "is") if errors == 1 else ("s", "are")
    return (f"{errors} task{plural} could not be decided (verdict ERROR, the reason is on "
            f"the Tasks sheet) and {verb} not in these figures.")


NO_VENDORS = "No task is to be outsourced, so there is no spend on vendors."
CLOSING = ('The sheet "For accountant" in the workbook has the cash figures by vendor and '
           "by category, and every task outsourced; it leaves out the owner's own time.")
SIGN_OFF = "Best regards,"


def greeting(to: Sequence[Address]) -> str:
    """"Hello Ann," when the first recipient has a name, else "Hello,"."""
    name = to[0].display_name.split()[0] if to and to[0].display_name.strip() else ""
    return f"Hello {name}," if name else "Hello,"


def signer(sender: Address | None, sections: Sequence[Section]) -> str | None:
    """The sender's name: from --from, else the first workbook's Settings Your name."""
    if sender is not None and sender.display_name.strip():
        return sender.display_name.strip()
    return next((s.summary.accounts.your_name for s in sections
                 if s.summary.accounts.your_name), None)


# --- plain text ------------------------------------------------------------------------------

def text_body(note: str, sections: Sequence[Section], attachments: Sequence[str], *,
              hello: str = "Hello,", name: str | None = None) -> str:
    lines = [hello, ""]
    if note:
        lines += [note, ""]
    for section in sections:
        lines += [_intro(section), ""]
        width = max(len(label) for label, _ in headline_rows(section.summary))
        lines += [f"  {label + ':':<{width + 1}} {value}"
                  for label, value in headline_rows(section.summary)]
        warning = _undecided(section.summary)
        lines += ["", warning] if warning else []
        if section.summary.accounts.vendors.empty:
            lines += ["", "  " + NO_VENDORS]
        else:
            for table in tables(section.summary, section.decided_on):
                lines += ["", table.title + ":", *_text_table(table)]
                lines += ["  " + table.note] if table.note else []
        lines.append("")
    lines += [CLOSING, "", "Attached: " + ", ".join(attachments), "", SIGN_OFF]
    return "\n".join([*lines, name] if name else lines) + "\n"


def _text_table(table: Table) -> list[str]:
    rows = [table.header, *table.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(
            cell.ljust(w) if table.align(i) == "left" else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n - 1 in table.details:
            lines.append("      " + table.details[n - 1])
    return lines


# --- HTML ------------------------------------------------------------------------------------

_CELL = "padding:3px 10px;border-bottom:1px solid #ddd"
_STRONG = "font-weight:bold;border-top:2px solid #0F5257"
_DETAIL = "padding:0 10px 4px 24px;color:#555;font-size:90%"


def html_body(note: str, sections: Sequence[Section], attachments: Sequence[str], *,
              hello: str = "Hello,", name: str | None = None) -> str:
    parts = ['<html><body style="font-family:Arial,Helvetica,sans-serif;color:#222">',
             f"<p>{_escaped(hello)}</p>"]
    if note:
        parts.append(f"<p>{_escaped(note)}</p>")
    for section in sections:
        parts.append(f'<h3 style="color:#0F5257">{_escaped(section.title)}</h3>')
        parts.append(f"<p>{_escaped(_intro(section))}</p>")
        parts.append(_html_headline(section.summary))
        warning = _undecided(section.summary)
        if warning:
            parts.append(f'<p style="color:#9C0006">{_escaped(warning)}</p>')
        parts += _html_tables(section)
    parts.append(f"<p>{_escaped(CLOSING)}</p>")
    parts.append(f"<p>Attached: {_escaped(', '.join(attachments))}</p>")
    signed = f"{SIGN_OFF}\n{name}" if name else SIGN_OFF
    parts.append(f"<p>{_escaped(signed)}</p></body></html>")
    return "\n".join(parts)


def _html_tables(section: Section) -> list[str]:
    """The accountant's tables of one workbook, each with its title and note."""
    if section.summary.accounts.vendors.empty:
        return [f"<p>{_escaped(NO_VENDORS)}</p>"]
    parts = []
    for table in tables(section.summary, section.decided_on):
        parts += [f"<h4>{_escaped(table.title)}</h4>", _html_table(table)]
        parts += [f"<p>{_escaped(table.note)}</p>"] if table.note else []
    return parts


def _escaped(text: str) -> str:
    return html.escape(text).replace("\n", "<br>\n")


def _html_headline(summary: Figures) -> str:
    value_style = f"{_CELL};text-align:right;font-weight:bold"
    rows = "".join(f'<tr><td style="{_CELL}">{_escaped(label)}</td>'
                   f'<td style="{value_style}">{_escaped(value)}</td></tr>'
                   for label, value in headline_rows(summary))
    return f'<table style="border-collapse:collapse">{rows}</table>'


def _html_table(table: Table) -> str:
    head = "".join(f'<th style="{_CELL};text-align:{table.align(i)}">'
                   f"{_escaped(label)}</th>" for i, label in enumerate(table.header))
    body = []
    for n, row in enumerate(table.rows):
        strong = ";" + _STRONG if table.total and n == len(table.rows) - 1 else ""
        body.append("<tr>" + "".join(
            f'<td style="{_CELL};text-align:{table.align(i)}{strong}">'
            f"{_escaped(cell)}</td>" for i, cell in enumerate(row)) + "</tr>")
        if n in table.details:
            body.append(f'<tr><td colspan="{len(row)}" style="{_DETAIL}">'
                        f"{_escaped(table.details[n])}</td></tr>")
    return f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(body)}</table>'
