"""A real SMTP server on 127.0.0.1 for the email tests (aiosmtpd), and the command's runner.

The server listens on a port the system gives it (bound with port 0, then read back): no
other process can take the port between choosing it and listening on it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from contextlib import closing, contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result

from xlsheet_outsource.cli import main

USER, PASSWORD = "owner@example.com", "correct horse 9!"
SENDER = "Sam Owner <owner@example.com>"
ACCOUNTANT, BOOKKEEPER = "Ann Lee <ann@example.com>", "books@example.com"


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class LoopbackController(Controller):
    """aiosmtpd's Controller on the port the system picked for it (it is given port 0)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    good = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode())
    return AuthResult(success=good, handled=False)  # handled=False: the server answers 535


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


@contextmanager
def running(handler: Any, **options: Any) -> Iterator[int]:
    """An aiosmtpd server with ``handler`` on 127.0.0.1; yields its port."""
    controller = LoopbackController(handler, hostname="127.0.0.1", port=0, **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextmanager
def smtp_server(certificate: tuple[Path, Path], *, implicit_tls: bool = False,
                handler: Any = None) -> Iterator[tuple[int, Any]]:
    """STARTTLS required before AUTH, AUTH required before mail (or TLS from the start)."""
    inbox = handler or Inbox()
    context = server_context(certificate)
    # aiosmtpd cannot see TLS it did not start itself: under implicit TLS, AUTH must not
    # wait for STARTTLS (the whole connection is encrypted already).
    tls = ({"ssl_context": context, "auth_require_tls": False} if implicit_tls else
           {"tls_context": context, "require_starttls": True, "auth_require_tls": True})
    with running(inbox, authenticator=check_login, auth_required=True, **tls) as port:
        yield port, inbox


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port of 127.0.0.1 held by a socket that does not listen: connecting is refused,
    and no other process can start listening there meanwhile."""
    with closing(socket.socket()) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def received(inbox: Inbox) -> EmailMessage:
    [envelope] = inbox.envelopes
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def run(*args: object) -> Result:
    return CliRunner().invoke(main, ["email", *map(str, args)])


def smtp_options(port: int, security: str = "starttls") -> list[object]:
    return ["--smtp-host", "127.0.0.1", "--smtp-port", port, "--smtp-security", security]


def write_config(tmp_path: Path, text: str) -> Path:
    """mail.toml in the test's config folder (XDG_CONFIG_HOME=tmp_path/config)."""
    folder = tmp_path / "config" / "xlsheet-outsource"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mail.toml").write_text(text)
    return folder / "mail.toml"


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and text.endswith("\n"), text
    return text
