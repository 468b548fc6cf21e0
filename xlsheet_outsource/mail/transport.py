"""Getting a message out: the outbox folder of .eml files, and SMTP.

A message is always written to the outbox first. Sent, it moves to outbox/sent/;
not sent, it stays where it is, ready for `email --resend`.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from ..write.files import move_atomically, write_bytes_atomically
from .config import Login, SmtpServer
from .message import DRAFT_HEADER, MailError

SENT_FOLDER = "sent"
# .eml files use the line ends of the wire (RFC 5322), which every mail client reads.
EML_POLICY = email.policy.default.clone(linesep="\r\n")


class SendFailed(MailError):
    """The server could not be reached or refused the message; nothing was sent."""


# --- the outbox ------------------------------------------------------------------------------

def write_to_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    """Save the message as a new .eml (named by time and ``name``); returns its path."""
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        target = _free_name(outbox, f"{dt.datetime.now():%Y%m%d-%H%M%S}-{_slug(name)}")
        write_bytes_atomically(target, message.as_bytes(policy=EML_POLICY))
    except OSError as exc:
        raise MailError(f"cannot write to the outbox {outbox}: {exc.strerror or exc}") from None
    return target


def read_kept(path: Path) -> EmailMessage:
    """A message kept in the outbox, as written by write_to_outbox (or any .eml)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message["To"]:
        raise MailError(f"{path}: not an email message with a To header")
    return message


def mark_sent(path: Path) -> Path:
    """Move a sent message out of the outbox into its sent/ folder; returns the new path."""
    sent = path.parent / SENT_FOLDER
    try:
        sent.mkdir(exist_ok=True)
        target = _free_name(sent, path.stem)
        move_atomically(path, target)
    except OSError as exc:
        raise MailError(f"sent, but {path} could not be moved to {sent}: "
                        f"{exc.strerror or exc}") from None
    return target


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "message"


def _free_name(folder: Path, stem: str) -> Path:
    candidate, number = folder / f"{stem}.eml", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}.eml"
    return candidate


# --- SMTP ------------------------------------------------------------------------------------

def recipients(message: EmailMessage) -> list[str]:
    return [addr for _, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
            if addr]


def send(message: EmailMessage, server: SmtpServer, login: Login | None) -> dict[str, str]:
    """Send over SMTP; returns the recipients the server refused (empty: all accepted).

    Every network step is bounded by ``server.timeout``. Errors never carry the login.
    """
    outgoing = _without_draft_mark(message)
    context = ssl.create_default_context(cafile=server.ca_file)
    try:
        with _connect(server, context) as smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if login is not None:
                smtp.login(login.user, login.password)
            refused = smtp.send_message(outgoing)
    except (smtplib.SMTPException, OSError) as exc:
        secrets = (login.user, login.password) if login else ()
        raise SendFailed(_scrubbed(_why(exc, server), secrets)) from None
    return {addr: f"{code} {reply.decode(errors='replace')}"
            for addr, (code, reply) in refused.items()}


def _connect(server: SmtpServer, context: ssl.SSLContext) -> smtplib.SMTP:
    # The local name for HELO, without the DNS look-up smtplib would make (unbounded).
    local_name = socket.gethostname() or "localhost"
    if server.security == "ssl":
        return smtplib.SMTP_SSL(server.host, server.port, local_hostname=local_name,
                                timeout=server.timeout, context=context)
    return smtplib.SMTP(server.host, server.port, local_hostname=local_name,
                        timeout=server.timeout)


def _without_draft_mark(message: EmailMessage) -> EmailMessage:
    if DRAFT_HEADER not in message:
        return message
    outgoing = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    del outgoing[DRAFT_HEADER]
    return outgoing


def _why(exc: BaseException, server: SmtpServer) -> str:
    """One line saying what went wrong, in the user's terms."""
    where = server.address
    if _caused_by(exc, TimeoutError):
        return f"no answer from {where} within {server.timeout:g} s (timed out)"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused by {where} ({_reply(exc)}): check the user name and password"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where}: {exc}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{a} ({c} {m.decode(errors='replace')})"
                            for a, (c, m) in exc.recipients.items())
        return f"{where} refused every recipient: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} refused the message ({_reply(exc)})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the certificate of {where} is not trusted ({exc.verify_message}); "
                "set smtp.ca_file in mail.toml for a private server")
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed ({exc.reason or exc}): is --smtp-security right?"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused (is the server down?)"
    if isinstance(exc, socket.gaierror):
        return f"cannot find the server {server.host}: {exc.strerror or exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection ({exc or 'no reason given'})"
    return f"cannot send through {where}: {getattr(exc, 'strerror', None) or exc}"


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    # smtplib re-raises a socket timeout as SMTPServerDisconnected; look down the chain.
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _scrubbed(text: str, secrets: tuple[str, ...]) -> str:
    """Whatever a server echoes back, the login never reaches the screen or a log."""
    for secret in filter(None, secrets):
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "***", text)
    return " ".join(text.split())
