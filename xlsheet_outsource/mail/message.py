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

import pandas as pd

from ..engine.summary import OUTSOURCE
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
    def recurring_year(self) -> float: ...
    @property
    def setup_once(self) -> float: ...
    @property
    def cash_year(self) -> float: ...
    @property
    def saving(self) -> float: ...
    @property
    def hours_freed_year(self) -> float: ...
    @property
    def hours_freed_week(self) -> float: ...
    @property
    def by_vendor(self) -> pd.DataFrame: ...  # "vendor" + summary.SPEND_COLUMNS


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
    message.set_content(text_body(envelope.note, sections, names))
    message.add_alternative(html_body(envelope.note, sections, names), subtype="html")
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
    cur, years = summary.currency, summary.horizon_years
    spread = f"{years:g} year{'' if years == 1 else 's'}"
    counts = ", ".join(f"{n} {verdict}" for verdict, n in summary.counts.items()
                       if n or verdict != "ERROR")
    return [
        ("Yearly cash to vendors (recurring)", money(summary.recurring_year, cur)),
        ("One-off setup spend (paid once)", money(summary.setup_once, cur)),
        (f"Cash a year, setup spread over {spread}", money(summary.cash_year, cur)),
        ("Yearly saving", money(summary.saving, cur)),
        ("Hours freed a year", f"{hours(summary.hours_freed_year)} "
                               f"({hours(summary.hours_freed_week)} a week)"),
        ("Tasks by verdict", counts),
    ]


VENDOR_HEADER = ("Vendor", "Tasks", "Recurring a year", "One-off setup", "Cash a year")


def vendor_rows(summary: Figures) -> list[tuple[str, ...]]:
    """The vendor table with its total, which is the headline (the same sums)."""
    cur = summary.currency
    rows: list[tuple[str, ...]] = [
        (str(r["vendor"]), str(r["tasks"]), money(r["recurring"], cur), money(r["setup"], cur),
         money(r["cash"], cur)) for r in summary.by_vendor.to_dict("records")]
    rows.append(("Total", str(summary.counts.get(OUTSOURCE, 0)),
                 money(summary.recurring_year, cur), money(summary.setup_once, cur),
                 money(summary.cash_year, cur)))
    return rows


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


# --- plain text ------------------------------------------------------------------------------

def text_body(note: str, sections: Sequence[Section], attachments: Sequence[str]) -> str:
    lines = ["Hello,", ""]
    if note:
        lines += [note, ""]
    for section in sections:
        lines += [_intro(section), ""]
        width = max(len(label) for label, _ in headline_rows(section.summary))
        lines += [f"  {label + ':':<{width + 1}} {value}"
                  for label, value in headline_rows(section.summary)]
        warning = _undecided(section.summary)
        lines += ["", warning] if warning else []
        lines += ["", "By vendor:", *_text_table(section.summary)]
        lines.append("")
    lines += [CLOSING, "", "Attached: " + ", ".join(attachments), ""]
    return "\n".join(lines)


def _text_table(summary: Figures) -> list[str]:
    if summary.by_vendor.empty:
        return ["  " + NO_VENDORS]
    rows = [VENDOR_HEADER, *vendor_rows(summary)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(VENDOR_HEADER))]
    return ["  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
            for row in rows]


# --- HTML ------------------------------------------------------------------------------------

_CELL = "padding:3px 10px;border-bottom:1px solid #ddd"
_STRONG = "font-weight:bold;border-top:2px solid #0F5257"


def html_body(note: str, sections: Sequence[Section], attachments: Sequence[str]) -> str:
    parts = ['<html><body style="font-family:Arial,Helvetica,sans-serif;color:#222">',
             "<p>Hello,</p>"]
    if note:
        parts.append(f"<p>{_escaped(note)}</p>")
    for section in sections:
        parts.append(f'<h3 style="color:#0F5257">{_escaped(section.title)}</h3>')
        parts.append(f"<p>{_escaped(_intro(section))}</p>")
        parts.append(_html_headline(section.summary))
        warning = _undecided(section.summary)
        if warning:
            parts.append(f'<p style="color:#9C0006">{_escaped(warning)}</p>')
        parts.append("<h4>By vendor</h4>")
        parts.append(_html_vendors(section.summary))
    parts.append(f"<p>{_escaped(CLOSING)}</p>")
    parts.append(f"<p>Attached: {_escaped(', '.join(attachments))}</p></body></html>")
    return "\n".join(parts)


def _escaped(text: str) -> str:
    return html.escape(text).replace("\n", "<br>\n")


def _html_headline(summary: Figures) -> str:
    value_style = f"{_CELL};text-align:right;font-weight:bold"
    rows = "".join(f'<tr><td style="{_CELL}">{_escaped(label)}</td>'
                   f'<td style="{value_style}">{_escaped(value)}</td></tr>'
                   for label, value in headline_rows(summary))
    return f'<table style="border-collapse:collapse">{rows}</table>'


def _html_vendors(summary: Figures) -> str:
    if summary.by_vendor.empty:
        return f"<p>{_escaped(NO_VENDORS)}</p>"
    head = "".join(f'<th style="{_CELL};text-align:{"left" if i == 0 else "right"}">'
                   f"{_escaped(label)}</th>" for i, label in enumerate(VENDOR_HEADER))
    rows = vendor_rows(summary)
    body = "".join(
        "<tr>" + "".join(
            f'<td style="{_CELL};text-align:{"left" if i == 0 else "right"}'
            f'{";" + _STRONG if n == len(rows) - 1 else ""}">{_escaped(cell)}</td>'
            for i, cell in enumerate(row)) + "</tr>"
        for n, row in enumerate(rows))
    return f'<table style="border-collapse:collapse"><tr>{head}</tr>{body}</table>'
