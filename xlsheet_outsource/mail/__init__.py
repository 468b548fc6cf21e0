"""Email decided workbooks to the accountant.

    workbook --prepare--> decided, frozen copy + its Summary
    (a batch's outputs go as written, with the figures the batch kept)
             --compose--> message(s): text and HTML bodies, the workbook (and PDF) attached
             --outbox---> a .eml file, always written first
             --SMTP-----> sent (the .eml moves to outbox/sent/), or kept for --resend
"""

from __future__ import annotations

import dataclasses
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from .attachments import (
    PreparedWorkbook,
    RowFigures,
    batch_output,
    check_size,
    prepare_workbook,
    report_pdf,
)
from .config import Login, MailConfig, SmtpServer, find_login, load_config
from .message import (
    Attachment,
    Envelope,
    MailError,
    MailUsageError,
    Parcel,
    Section,
    checked_address,
    checked_header,
    compose,
)
from .transport import SendFailed, mark_sent, read_kept, recipients, send, write_to_outbox

if TYPE_CHECKING:  # batch hands its report in; mail needs no more of it
    from ..batch.report import BatchReport

__all__ = ["Attachment", "Delivery", "Envelope", "MailConfig", "MailError", "MailUsageError",
           "Parcel", "PreparedWorkbook", "RowFigures", "SendFailed", "SmtpServer", "compose",
           "compose_messages", "default_outbox", "default_subject", "deliver", "email_batch",
           "email_workbook", "envelope_from", "find_login", "load_config", "prepare_workbook",
           "resend"]

OUTBOX_FOLDER = "outbox"


@dataclass(frozen=True)
class Delivery:
    path: Path  # the .eml: in the outbox, or in outbox/sent/ once sent
    sent_to: tuple[str, ...] = ()  # empty: written to the outbox only
    refused: tuple[str, ...] = ()  # recipients the server refused, "addr (550 ...)"


def envelope_from(config: MailConfig, *, to: Sequence[str], cc: Sequence[str],
                  sender: str | None, subject: str, note: str, sending: bool) -> Envelope:
    """Options over mail.toml, every address and header checked."""
    to = to or config.to
    if not to:
        raise MailUsageError("who is it for? give --to ADDRESS (or set to = [...] in mail.toml)")
    sender = sender or config.sender
    if sending and not sender:
        raise MailUsageError("who is it from? give --from ADDRESS to send it "
                             "(or set from = ... in mail.toml)")
    return Envelope(
        to=tuple(checked_address(a, "--to") for a in to),
        cc=tuple(checked_address(a, "--cc") for a in (cc or config.cc)),
        sender=checked_address(sender, "--from") if sender else None,
        subject=checked_header(subject, "--subject"), note=note.strip())


def default_subject(titles: Sequence[str]) -> str:
    named = titles[0] if len(titles) == 1 else f"{len(titles)} workbooks"
    return f"Outsourcing spend for the accounts: {named}"


def default_outbox(workbook: Path) -> Path:
    return workbook.resolve().parent / OUTBOX_FOLDER


def email_workbook(workbook: Path, envelope: Envelope, config: MailConfig,
                   server: SmtpServer | None, *, pdf: bool = False, outbox: Path | None = None,
                   warn: Callable[[str], None] = print) -> Delivery:
    """Decide a copy of the workbook, compose the message, keep it in the outbox and, when
    a server is given, send it. ``warn`` hears of rows that could not be decided, and of
    what freezing the workbook's OUTSOURCE_ formulas dropped from the copy sent."""
    login = find_login(server) if server else None  # asked before the slow part
    with tempfile.TemporaryDirectory(prefix="xlsheet-outsource-mail-") as scratch:
        prepared = prepare_workbook(workbook, Path(scratch))
        for problem in prepared.problems:
            warn(f"{workbook.name}: {problem}")
        if prepared.lost:
            warn(f"{workbook.name}: the copy sent lacks what replacing its OUTSOURCE_ formulas "
                 f"by their values dropped: {', '.join(prepared.lost)}")
        pdfs = (report_pdf(prepared, Path(scratch)),) if pdf else ()
        message = _compose_one(Parcel(prepared.section, (prepared.attachment, *pdfs)),
                               envelope, config.max_attachment_bytes, server is None)
    target = outbox or config.outbox or default_outbox(workbook)
    return deliver(message, target, workbook.stem, server, login)


def email_batch(report: BatchReport, to: Sequence[str], *, digest: bool = False,
                warn: Callable[[str], None] = print) -> list[Delivery]:
    """A batch's outputs by mail, as the batch wrote them and with the figures it kept:
    one message each, or one digest carrying the batch report and every decided workbook
    (in numbered parts when over the size limit). Nothing is decided again. Server and
    sender come from mail.toml; without a server, .eml files go to the outbox. ``warn``
    hears of outputs with OUTSOURCE_ formulas."""
    config = load_config()
    server = config.server(None, None, None)
    outputs = [(Path(row.workbook).stem, row, path) for row, path in report.outputs()]
    envelope = envelope_from(config, to=to, cc=(), sender=None, note="",
                             sending=server is not None,
                             subject=default_subject([stem for stem, _, _ in outputs]))
    login = find_login(server) if server else None
    parcels = [(stem, batch_output(row, path, warn)) for stem, row, path in outputs]
    limit, draft = config.max_attachment_bytes, server is None
    named = (_digest(parcels, report.report_path, envelope, limit, draft) if digest
             else _one_each(parcels, envelope, limit, draft))
    outbox = config.outbox or report.root / OUTBOX_FOLDER
    return [deliver(message, outbox, name, server, login) for name, message in named]


Named = list[tuple[str, EmailMessage]]  # each message, and the name its .eml file takes


def _one_each(parcels: Sequence[tuple[str, Parcel]], envelope: Envelope, limit: int,
              draft: bool) -> Named:
    """A message per workbook, named and titled after it."""
    return [(stem, _compose_one(parcel, dataclasses.replace(
                envelope, subject=default_subject([stem])), limit, draft))
            for stem, parcel in parcels]


def _digest(parcels: Sequence[tuple[str, Parcel]], report: Path | None, envelope: Envelope,
            limit: int, draft: bool) -> Named:
    """One message with the batch report first, in numbered parts when over ``limit``."""
    extra = [Attachment(report.name, report.read_bytes())] if report else []
    messages = compose_messages([parcel for _, parcel in parcels], envelope, limit=limit,
                                extra=extra, draft=draft)
    return [(f"batch-digest-{n}", message) for n, message in enumerate(messages, start=1)]


def _compose_one(parcel: Parcel, envelope: Envelope, limit: int, draft: bool) -> EmailMessage:
    [message] = compose_messages([parcel], envelope, limit=limit, draft=draft)
    return message


@dataclass(frozen=True)
class _Bundle:
    """Attachments that travel together, and the workbooks they present."""
    sections: tuple[Section, ...]
    files: tuple[Attachment, ...]


def compose_messages(parcels: Sequence[Parcel], envelope: Envelope, *, limit: int,
                     extra: Sequence[Attachment] = (), draft: bool = False
                     ) -> list[EmailMessage]:
    """One message for these workbooks, split into numbered parts when the attachments
    exceed ``limit``; ``extra`` (a batch report) comes first."""
    bundles = [_Bundle((), tuple(extra))] if extra else []
    bundles += [_Bundle((p.section,), p.files) for p in parcels]
    parts = _packed(bundles, limit)
    return [compose(dataclasses.replace(envelope, attachments=tuple(
                        a for bundle in part for a in bundle.files)),
                    [s for bundle in part for s in bundle.sections],
                    draft=draft, part=(n, len(parts)))
            for n, part in enumerate(parts, start=1)]


def _packed(bundles: Sequence[_Bundle], limit: int) -> list[list[_Bundle]]:
    """The bundles in order, in as few parts under ``limit`` as that order allows."""
    parts: list[list[_Bundle]] = []
    room = 0
    for bundle in bundles:
        check_size(bundle.files, limit)
        size = sum(len(a.data) for a in bundle.files)
        if not parts or size > room:
            parts.append([])
            room = limit
        parts[-1].append(bundle)
        room -= size
    return parts


def deliver(message: EmailMessage, outbox: Path, name: str, server: SmtpServer | None,
            login: Login | None) -> Delivery:
    """Write the message to the outbox, then send it when a server is set up."""
    kept = write_to_outbox(message, outbox, name)
    return send_kept(kept, message, server, login) if server else Delivery(kept)


def resend(path: Path, server: SmtpServer, login: Login | None,
           sender: str | None = None) -> Delivery:
    """Send a message kept in the outbox (a From is added if it has none)."""
    message = read_kept(path)
    if not message["From"]:
        if not sender:
            raise MailUsageError(f"{path}: has no From: give --from ADDRESS")
        message["From"] = checked_address(sender, "--from")
    return send_kept(path, message, server, login)


def send_kept(kept: Path, message: EmailMessage, server: SmtpServer,
                   login: Login | None) -> Delivery:
    """Send a message already in the outbox: moved to sent/ when sent, else left there."""
    try:
        refused = send(message, server, login)
    except SendFailed as exc:
        retry = (f"xlsheet-outsource email --resend {shlex.quote(str(kept))} --smtp-host "
                 f"{shlex.quote(server.host)} --smtp-port {server.port} "
                 f"--smtp-security {server.security}")
        raise SendFailed(f"not sent: {exc}; the message is kept in {kept}; "
                         f"to retry: {retry}") from None
    accepted = tuple(a for a in recipients(message) if a not in refused)
    return Delivery(mark_sent(kept), accepted, tuple(f"{a} ({r})" for a, r in refused.items()))
