"""mail.toml and the server options: defaults, and every mistake refused in one line
naming the file and the setting (exit code 2), before anything is decided or written."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.smtp import ACCOUNTANT, one_line, run, write_config

from xlsheet_outsource.mail import config


@pytest.mark.parametrize("security, port", [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_each_security_has_its_usual_port(tmp_path: Path, security: str, port: int) -> None:
    path = write_config(tmp_path, f'[smtp]\nhost = "smtp.example.com"\nsecurity = "{security}"\n')
    server = config.load_config(path).server()
    assert server is not None and (server.port, server.security) == (port, security)
    assert config.load_config(path).server(port=2525).port == 2525  # an option wins
    assert config.MailConfig().server("smtp.example.com", None, security).port == port


def test_without_a_file_nothing_is_set(tmp_path: Path) -> None:
    settings = config.load_config(tmp_path / "missing.toml")
    assert settings == config.MailConfig() and settings.server() is None
    assert settings.max_attachment_bytes == 20 * 1024 * 1024


@pytest.mark.parametrize("text, says", [
    ('form = "me@example.com"\n', "unknown setting form (known: from, to, cc, outbox, "
                                  "max_attachment_mb, smtp)"),
    ('[smtp]\nhots = "smtp.example.com"\n', "unknown setting smtp.hots (known: smtp.host, "
                                            "smtp.port, smtp.security, smtp.timeout, smtp.user, "
                                            "smtp.ca_file)"),
    ('[smtp]\nport = "587"\n', "smtp.port has the wrong type: '587'"),
    ("max_attachment_mb = true\n", "max_attachment_mb has the wrong type: True"),
    ('to = "ann@example.com"\n', "to has the wrong type: 'ann@example.com'"),
    ("to = [1]\n", "to must be a list of addresses"),
    ("to = [\n", "cannot be read as TOML"),
    ('[smtp]\nhost = "smtp.example.com"\nsecurity = "tls"\n',
     "smtp.security must be one of starttls, ssl, none, got 'tls'"),
    ("[smtp]\nport = 0\n", "smtp.port must be a port number from 1 to 65535, got 0"),
    ("[smtp]\nport = 70000\n", "smtp.port must be a port number from 1 to 65535, got 70000"),
    ("[smtp]\ntimeout = 0\n", "smtp.timeout must be a number of seconds above 0, got 0"),
    ("max_attachment_mb = -1\n", "max_attachment_mb must be above 0, got -1"),
    ('[smtp]\npassword = "hunter2"\n', "a password does not belong in the config file"),
])
def test_a_mistake_in_mail_toml_is_one_line(tmp_path: Path, monkeypatch, text: str,
                                            says: str) -> None:
    path = write_config(tmp_path, text)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    workbook = tmp_path / "book.xlsx"  # never read: the settings are checked first
    result = run(workbook, "--to", ACCOUNTANT)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"{path}: ") and says in line, line
    assert "hunter2" not in line
    assert not (tmp_path / "outbox").exists()
