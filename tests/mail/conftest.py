"""The email tests' certificate, server and workbook (helpers: tests/support/smtp.py)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd")
from support.paths import TYPICAL_SAMPLE
from support.smtp import PASSWORD, USER, Inbox, smtp_server, write_config


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def server(certificate) -> Iterator[tuple[int, Inbox]]:
    with smtp_server(certificate) as running:
        yield running


@pytest.fixture
def workbook(tmp_path, monkeypatch, certificate) -> Path:
    """The sample in a folder of its own; mail.toml trusts the test certificate; the login
    in the environment."""
    copy = tmp_path / "books" / TYPICAL_SAMPLE.name
    copy.parent.mkdir()
    shutil.copy2(TYPICAL_SAMPLE, copy)
    write_config(tmp_path, f'[smtp]\nca_file = "{certificate[0]}"\ntimeout = 5\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XLSHEET_OUTSOURCE_SMTP_USER", USER)
    monkeypatch.setenv("XLSHEET_OUTSOURCE_SMTP_PASSWORD", PASSWORD)
    return copy
