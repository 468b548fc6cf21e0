"""Sending over SMTP when the server does not simply accept: a real aiosmtpd server on
127.0.0.1 whose handlers refuse, reply 5xx or hang up. What the user sees: one line, the
exit code, and where the message is (kept in the outbox, or moved to outbox/sent/)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd")
from support.smtp import (
    ACCOUNTANT,
    BOOKKEEPER,
    PASSWORD,
    SENDER,
    USER,
    Inbox,
    one_line,
    received,
    run,
    running,
    smtp_options,
    smtp_server,
)

from xlsheet_outsource.mail import config

NO_MAILBOX = "550 5.1.1 No such mailbox"


class Refusing(Inbox):
    """Refuses the recipients it is given, with the reply it is given; accepts the rest."""

    def __init__(self, refused: set[str], reply: str = NO_MAILBOX) -> None:
        super().__init__()
        self.refused, self.reply = refused, reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Rejecting(Inbox):
    """Answers the message itself with a permanent failure."""

    async def handle_DATA(self, server, session, envelope) -> str:
        return "554 5.7.1 Message rejected as spam"


class HangingUp(Inbox):
    """Closes the connection when the message arrives, without a reply."""

    async def handle_DATA(self, server, session, envelope) -> str:
        server.transport.close()
        return "250 never heard"


@pytest.fixture
def no_login(workbook: Path, monkeypatch) -> Path:
    """The workbook, no login anywhere: for a plain server that asks for none."""
    monkeypatch.delenv(config.USER_VARIABLE)
    monkeypatch.delenv(config.PASSWORD_VARIABLE)
    return workbook


@pytest.fixture
def plain_server(request) -> Iterator[tuple[int, Inbox]]:
    """A server without TLS or login, with the handler the test names (default: accepts)."""
    handler = getattr(request, "param", None) or Inbox()
    with running(handler) as port:
        yield port, handler


def send_plain(workbook: Path, port: int):
    return run(workbook, "--to", ACCOUNTANT, "--cc", BOOKKEEPER, "--from", SENDER,
               *smtp_options(port, "none"))


def outbox(workbook: Path) -> tuple[list[Path], list[Path]]:
    """(messages kept in the outbox, messages moved to its sent/ folder)."""
    folder = workbook.parent / "outbox"
    return sorted(folder.glob("*.eml")), sorted((folder / "sent").glob("*.eml"))


def test_security_none_without_a_login_sends(no_login, plain_server):
    port, inbox = plain_server
    result = send_plain(no_login, port)
    assert result.exit_code == 0, result.output
    assert received(inbox)["To"] == ACCOUNTANT
    kept, sent = outbox(no_login)
    assert kept == [] and len(sent) == 1
    assert result.stdout == f"Sent to ann@example.com, books@example.com; a copy is in {sent[0]}\n"


@pytest.mark.parametrize("plain_server", [Refusing({"books@example.com"})], indirect=True)
def test_a_refused_recipient_is_named_and_the_message_counts_as_sent(no_login, plain_server):
    """Delivered to the others: the message moves to sent/ (a resend would reach them
    twice); the refused address is named with the server's reply; exit code 1."""
    port, inbox = plain_server
    result = send_plain(no_login, port)
    assert result.exit_code == 1
    assert received(inbox)["Cc"] == BOOKKEEPER and inbox.envelopes[0].rcpt_tos == [
        "ann@example.com"]
    kept, sent = outbox(no_login)
    assert kept == [] and len(sent) == 1
    assert result.stdout == f"Sent to ann@example.com; a copy is in {sent[0]}\n"
    assert one_line(result.stderr) == f"not delivered to books@example.com ({NO_MAILBOX})\n"


@pytest.mark.parametrize("plain_server, why", [
    (Refusing({"ann@example.com", "books@example.com"}),
     f"refused every recipient: ann@example.com ({NO_MAILBOX}), books@example.com ({NO_MAILBOX})"),
    (Rejecting(), "refused the message (554 5.7.1 Message rejected as spam)"),
    (HangingUp(), "closed the connection (Connection unexpectedly closed)"),
], indirect=["plain_server"], ids=["every recipient refused", "554", "hung up"])
def test_a_message_not_sent_is_kept_and_the_line_says_why(no_login, plain_server, why):
    port, inbox = plain_server
    result = send_plain(no_login, port)
    assert result.exit_code == 1 and not inbox.envelopes
    [kept], sent = outbox(no_login)
    assert sent == []
    assert one_line(result.stderr) == (
        f"not sent: 127.0.0.1:{port} {why}; the message is kept in {kept}; to retry: "
        f"xlsheet-outsource email --resend {kept} --smtp-host 127.0.0.1 --smtp-port {port} "
        "--smtp-security none\n")


# --- where the password comes from ------------------------------------------------------

def fake_keyring(monkeypatch, password: str | None = None, broken: bool = False) -> list:
    """Installs a keyring module holding ``password`` (or failing); returns its look-ups."""
    asked: list[tuple[str, str]] = []
    errors = types.ModuleType("keyring.errors")

    class KeyringError(Exception):
        pass

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        if broken:
            raise KeyringError("no backend")
        return password

    errors.KeyringError = KeyringError  # type: ignore[attr-defined]
    module = types.ModuleType("keyring")
    module.get_password = get_password  # type: ignore[attr-defined]
    module.errors = errors  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    return asked


def send_with_login(workbook: Path, port: int):
    return run(workbook, "--to", ACCOUNTANT, "--from", SENDER, *smtp_options(port))


def test_the_password_comes_from_the_keyring(workbook, certificate, monkeypatch):
    monkeypatch.delenv(config.PASSWORD_VARIABLE)
    asked = fake_keyring(monkeypatch, PASSWORD)
    with smtp_server(certificate) as (port, inbox):
        result = send_with_login(workbook, port)
    assert result.exit_code == 0, result.output
    assert asked == [("xlsheet-outsource:127.0.0.1", USER)]
    assert received(inbox)["To"] == ACCOUNTANT


NO_PASSWORD = ("no password for the SMTP login at 127.0.0.1:{port}: set "
               "XLSHEET_OUTSOURCE_SMTP_PASSWORD, or store it with: keyring set "
               "xlsheet-outsource:127.0.0.1 USER\n")


@pytest.mark.parametrize("keyring", ["absent", "empty", "broken"])
def test_no_password_anywhere_says_where_to_put_it(workbook, server, monkeypatch, keyring):
    monkeypatch.delenv(config.PASSWORD_VARIABLE)
    if keyring == "absent":
        monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring fails
    else:
        fake_keyring(monkeypatch, None, broken=keyring == "broken")
    port, inbox = server
    result = send_with_login(workbook, port)
    assert result.exit_code == 1 and not inbox.envelopes
    assert one_line(result.stderr) == NO_PASSWORD.format(port=port)
    assert not (workbook.parent / "outbox").exists()  # asked before anything is written
