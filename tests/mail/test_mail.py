"""The email command end to end: a real SMTP server (aiosmtpd, STARTTLS or SSL, AUTH) on
127.0.0.1, the real command, and the message as it arrives.

The workbook is tests' copy of sample_workbooks/internet_marketer.xlsx; the attachment is
checked against what `process` writes for it, against summarise() of the original, and by
opening it in LibreOffice. The server and its helpers: tests/support/smtp.py.
"""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import shutil
import socket
import subprocess
from contextlib import closing
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference

pytest.importorskip("aiosmtpd")
from support.dates import RunDays
from support.lo import sheets_as_csv
from support.paths import SAMPLES, TYPICAL_SAMPLE
from support.smtp import (
    ACCOUNTANT,
    BOOKKEEPER,
    PASSWORD,
    SENDER,
    Inbox,
    one_line,
    received,
    refusing_port,
    run,
    smtp_options,
    smtp_server,
    write_config,
)
from support.workbook_values import trimmed

from xlsheet_outsource import api, mail
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine.accountant import CASH_SPREAD, ONE_OFF_CASH, RECURRING_CASH
from xlsheet_outsource.engine.summary import Summary, summarise
from xlsheet_outsource.mail import attachments
from xlsheet_outsource.mail.message import html_body, text_body
from xlsheet_outsource.write.report_sheets import SUMMARY_CELLS

SAMPLE = TYPICAL_SAMPLE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_VALUES = re.compile(r"#NAME\?|#VALUE!|#REF!|#DIV/0!|#N/A|#NUM!|#NULL!|Err:\d+")
# Plain-text label -> Summary field: the headline as the accountant reads it.
HEADLINE = {RECURRING_CASH: "recurring_cash_year",
            ONE_OFF_CASH: "one_off_cash",
            f"{CASH_SPREAD} over 1 year": "cash_year",
            "Value of your time saved a year (not cash)": "saving",
            "Hours freed a year": "hours_freed_year"}


def send_args(workbook: Path, port: int, *extra: object) -> list[object]:
    return [workbook, "--to", ACCOUNTANT, "--cc", BOOKKEEPER, "--from", SENDER,
            "--subject", "Outsourcing plan 2025", "--message", "Hi Ann,\nthe plan for 2025.",
            *smtp_options(port), *extra]


# --- what the accountant must receive ----------------------------------------------------------

def expected_summary() -> Summary:
    _, decision = api.decide_workbook(SAMPLE)
    return summarise(decision)


def headline_in(text: str) -> dict[str, float]:
    """Label -> number, as the accountant reads them in a body (plain or HTML)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    found = {}
    for label, field in HEADLINE.items():
        number = re.search(re.escape(label) + r":?\s+(-?[\d,]+\.\d+)", text)
        assert number, f"{label!r} missing from the body"
        found[field] = float(number[1].replace(",", ""))
    return found


def check_message(message: EmailMessage, subject: str = "Outsourcing plan 2025") -> bytes:
    """Headers, both bodies and the attachment; returns the attached workbook."""
    assert message["Subject"] == subject
    assert message["To"] == ACCOUNTANT and message["Cc"] == BOOKKEEPER
    plain = message.get_body(("plain",)).get_content()
    rich = message.get_body(("html",)).get_content()
    assert "the plan for 2025." in plain and "the plan for 2025." in rich
    summary = expected_summary()
    for body in (plain, rich):
        figures = headline_in(body)
        for field, shown in figures.items():
            precision = 1 if field == "hours_freed_year" else 2
            assert shown == round(getattr(summary, field), precision), field
        counts = ", ".join(f"{n} {v}" for v, n in summary.counts.items() if n)
        assert counts in html.unescape(body)
        for vendor in summary.by_vendor["vendor"]:
            assert html.escape(vendor, quote=False) in body
    [attached] = list(message.iter_attachments())
    assert attached.get_content_type() == XLSX
    assert attached.get_filename() == "internet_marketer.outsourced.xlsx"
    return attached.get_content()


def check_workbook_figures(data: bytes, folder: Path) -> None:
    """The attached Summary sheet holds the same headline as summarise() of the original."""
    path = folder / "attached.xlsx"
    path.write_bytes(data)
    summary = expected_summary()
    ws = openpyxl.load_workbook(path)["Summary"]
    for field, cell in SUMMARY_CELLS.items():
        assert ws[cell].value == pytest.approx(getattr(summary, field)), field
    assert not attachments.has_outsource_formulas(path)


def check_as_process_writes(data: bytes, folder: Path, days: RunDays) -> None:
    """The attached workbook holds, sheet by sheet, what `process` writes for the original."""
    (folder / "attached.xlsx").write_bytes(data)
    api.process_workbook(SAMPLE, folder / "processed.xlsx")
    attached = openpyxl.load_workbook(folder / "attached.xlsx")
    processed = openpyxl.load_workbook(folder / "processed.xlsx")
    assert attached.sheetnames == processed.sheetnames
    for name in processed.sheetnames:
        assert days.undated(trimmed(attached[name])) == days.undated(trimmed(processed[name])), name


def check_opens_in_libreoffice(data: bytes, folder: Path) -> None:
    if attachments.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    folder.mkdir()
    book = folder / "attached.xlsx"
    book.write_bytes(data)
    sheets = sheets_as_csv(book, folder)
    assert "Summary" in sheets and len(sheets) >= 5, sorted(sheets)
    for name, rows in sheets.items():
        text = "\n".join(",".join(row) for row in rows)
        assert not ERROR_VALUES.search(text), f"{name}: {ERROR_VALUES.search(text)[0]}"


# --- sending -----------------------------------------------------------------------------------

def test_sends_the_decided_workbook_over_starttls_with_login(workbook, server, tmp_path):
    port, inbox, days = *server, RunDays()
    result = run(*send_args(workbook, port))
    assert result.exit_code == 0, result.output
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "owner@example.com"
    assert sorted(envelope.rcpt_tos) == ["ann@example.com", "books@example.com"]
    message = received(inbox)
    assert "X-Unsent" not in message
    data = check_message(message)
    check_as_process_writes(data, tmp_path, days)
    check_workbook_figures(data, tmp_path)
    check_opens_in_libreoffice(data, tmp_path / "libreoffice")
    [sent] = (workbook.parent / "outbox" / "sent").glob("*.eml")
    assert f"Sent to ann@example.com, books@example.com; a copy is in {sent}" in result.stdout
    assert not list((workbook.parent / "outbox").glob("*.eml"))  # nothing left to send
    assert workbook.read_bytes() == SAMPLE.read_bytes()  # the user's file is untouched


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sends_over_implicit_tls(workbook, certificate):
    with smtp_server(certificate, implicit_tls=True) as (port, inbox):
        result = run(workbook, "--to", ACCOUNTANT, "--from", SENDER, *smtp_options(port, "ssl"))
    assert result.exit_code == 0, result.output
    assert received(inbox)["To"] == ACCOUNTANT


def test_without_a_server_writes_an_eml_that_carries_the_same_content(workbook, tmp_path):
    result = run(workbook, "--to", ACCOUNTANT, "--cc", BOOKKEEPER, "--subject",
                 "Outsourcing plan 2025", "--message", "Hi Ann,\nthe plan for 2025.")
    assert result.exit_code == 0, result.output
    [eml] = (workbook.parent / "outbox").glob("*.eml")
    assert result.stdout.startswith(f"Written: {eml} ")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["X-Unsent"] == "1"  # opens as a draft, ready to send
    check_workbook_figures(check_message(message), tmp_path)


def test_dry_run_writes_the_message_and_sends_nothing(workbook, server, tmp_path):
    port, inbox = server
    result = run(*send_args(workbook, port, "--dry-run", "--outbox", tmp_path / "drafts"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "drafts").glob("*.eml"))) == 1 and not inbox.envelopes


def test_settings_from_mail_toml(workbook, server, tmp_path, certificate):
    port, inbox = server
    write_config(tmp_path, f'from = "{SENDER}"\nto = ["{ACCOUNTANT}"]\n'
                           f'outbox = "{tmp_path / "sent-mail"}"\n'
                           f'[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                           f'ca_file = "{certificate[0]}"\n')
    result = run(workbook)
    assert result.exit_code == 0, result.output
    assert received(inbox)["To"] == ACCOUNTANT
    assert len(list((tmp_path / "sent-mail" / "sent").glob("*.eml"))) == 1


def test_pdf_of_the_report_sheets(workbook, server):
    if attachments.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    port, inbox = server
    result = run(*send_args(workbook, port, "--pdf"))
    assert result.exit_code == 0, result.output
    pdf = [a for a in received(inbox).iter_attachments()
           if a.get_content_type() == "application/pdf"]
    assert [a.get_filename() for a in pdf] == ["internet_marketer.outsourced.pdf"]
    assert pdf[0].get_content().startswith(b"%PDF")


def test_pdf_without_libreoffice_says_so(workbook, monkeypatch):
    monkeypatch.setattr(attachments, "find_soffice", lambda: None)
    result = run(workbook, "--to", ACCOUNTANT, "--pdf")
    assert result.exit_code == 1
    assert "--pdf needs LibreOffice" in one_line(result.stderr)



def test_outsource_formulas_arrive_as_their_values(workbook, tmp_path):
    book = openpyxl.load_workbook(workbook)
    notes = book.create_sheet("My notes")
    notes["A1"] = "Blog post, saving a year"
    notes["B1"] = '=OUTSOURCE_SAVING(3, 1, "week", 120, 90)'
    chart = BarChart()  # freezing rewrites the file, which may not keep it whole
    chart.add_data(Reference(notes, min_col=2, min_row=1, max_row=1))
    notes.add_chart(chart, "D2")
    book.save(workbook)
    assert attachments.has_outsource_formulas(workbook)
    result = run(workbook, "--to", ACCOUNTANT)
    assert result.exit_code == 0, result.output
    assert one_line(result.stderr) == (
        "internet_marketer.xlsx: the copy sent lacks what replacing its OUTSOURCE_ formulas by "
        "their values dropped: formula results (My notes), charts (My notes)\n")
    [eml] = (workbook.parent / "outbox").glob("*.eml")
    [attached] = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default
                                          ).iter_attachments()
    path = tmp_path / "attached.xlsx"
    path.write_bytes(attached.get_content())
    assert not attachments.has_outsource_formulas(path)
    # 50 posts x 3 h x 120 a year yourself, against 50 x 90 to the vendor.
    assert openpyxl.load_workbook(path)["My notes"]["B1"].value == pytest.approx(13_500)
    check_opens_in_libreoffice(path.read_bytes(), tmp_path / "libreoffice")


def test_a_digest_over_the_limit_is_split_into_numbered_messages(tmp_path):
    parcels = []
    for name in ("north", "south", "west"):
        copy = tmp_path / f"{name}.xlsx"
        shutil.copy2(SAMPLE, copy)
        prepared = mail.prepare_workbook(copy, tmp_path / f"work-{name}")
        parcels.append(mail.Parcel(prepared.section, (prepared.attachment,)))
    report = mail.Attachment("batch-report.xlsx", b"report" * 100)
    sizes = [len(p.files[0].data) for p in parcels]
    envelope = mail.envelope_from(mail.MailConfig(), to=[ACCOUNTANT], cc=[], sender=SENDER,
                                  subject="Outsourcing, all clients", note="", sending=True)
    limit = len(report.data) + sizes[0] + sizes[1]  # the report and two workbooks fit
    messages = mail.compose_messages(parcels, envelope, limit=limit, extra=[report])
    assert [m["Subject"] for m in messages] == ["Outsourcing, all clients (part 1 of 2)",
                                                "Outsourcing, all clients (part 2 of 2)"]
    assert [[a.get_filename() for a in m.iter_attachments()] for m in messages] == [
        ["batch-report.xlsx", "north.outsourced.xlsx", "south.outsourced.xlsx"],
        ["west.outsourced.xlsx"]]
    assert "west.outsourced.xlsx, decided on" in messages[1].get_body(("plain",)).get_content()
    with pytest.raises(mail.MailError, match="over the limit"):
        mail.compose_messages(parcels, envelope, limit=sizes[0] - 1)

# --- failures: the message is kept, then resent ------------------------------------------------

def kept_message(workbook: Path) -> Path:
    [kept] = (workbook.parent / "outbox").glob("*.eml")
    return kept


def resend_to(server: tuple[int, Inbox], kept: Path) -> None:
    port, inbox = server
    result = run("--resend", kept, *smtp_options(port))
    assert result.exit_code == 0, result.output
    check_message(received(inbox))
    assert not kept.exists() and (kept.parent / "sent" / kept.name).exists()


def test_wrong_password_keeps_the_message_and_never_shows_the_login(workbook, server,
                                                                      monkeypatch):
    port, inbox = server
    monkeypatch.setenv("XLSHEET_OUTSOURCE_SMTP_PASSWORD", "wrong password 7")
    result = run(*send_args(workbook, port))
    assert result.exit_code == 1 and not inbox.envelopes
    kept = kept_message(workbook)
    error = one_line(result.stderr)
    assert error.startswith(f"not sent: login refused by 127.0.0.1:{port} (535")
    assert f"the message is kept in {kept}" in error
    assert "wrong password 7" not in result.output + result.stderr
    assert b"wrong password" not in kept.read_bytes()
    monkeypatch.setenv("XLSHEET_OUTSOURCE_SMTP_PASSWORD", PASSWORD)
    resend_to(server, kept)


def test_server_down_keeps_the_message(workbook, server):
    with refusing_port() as port:
        result = run(*send_args(workbook, port))
    assert result.exit_code == 1
    assert "connection refused" in one_line(result.stderr)
    resend_to(server, kept_message(workbook))


def test_stalling_server_times_out_and_keeps_the_message(workbook, server, tmp_path,
                                                         certificate):
    write_config(tmp_path, f'[smtp]\nca_file = "{certificate[0]}"\ntimeout = 1\n')
    with closing(socket.socket()) as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        result = run(*send_args(workbook, silent.getsockname()[1]))
    assert result.exit_code == 1
    assert "within 1 s (timed out)" in one_line(result.stderr)
    resend_to(server, kept_message(workbook))


def test_untrusted_certificate_is_refused(workbook, server, tmp_path):
    write_config(tmp_path, "[smtp]\ntimeout = 5\n")  # no ca_file: the test CA is unknown
    result = run(*send_args(workbook, server[0]))
    assert result.exit_code == 1 and not server[1].envelopes
    assert "is not trusted" in one_line(result.stderr)
    assert kept_message(workbook).exists()


def test_no_password_over_an_unencrypted_connection(workbook, server):
    result = run(*send_args(workbook, server[0], "--smtp-security", "none"))
    assert result.exit_code == 2
    assert "refusing to send the password unencrypted" in one_line(result.stderr)


def test_the_password_never_comes_from_the_config_file(workbook, tmp_path):
    write_config(tmp_path, '[smtp]\npassword = "hunter2"\n')
    result = run(workbook, "--to", ACCOUNTANT)
    assert result.exit_code == 2 and "hunter2" not in result.stderr
    assert "a password does not belong in the config file" in one_line(result.stderr)


# --- bad input: one line, nothing written --------------------------------------------------------

@pytest.mark.parametrize("args, code, says", [
    (["--to", "ann at example.com"], 2, "--to: not a valid email address"),
    (["--to", "ann@example.com, bob@example.com"], 2, "--to: not a valid email address"),
    (["--to", "ann@example.com\nBcc: spy@example.net"], 2, "--to: a line break is not allowed"),
    (["--to", ACCOUNTANT, "--subject", "Plan\r\nBcc: spy@example.net"], 2,
     "--subject: a line break is not allowed"),
    (["--to", ACCOUNTANT, "--from", "me@"], 2, "--from: not a valid email address"),
    ([], 2, "give --to ADDRESS"),
])
def test_bad_addresses_and_headers(workbook, args, code, says):
    result = run(workbook, *args)
    assert result.exit_code == code
    assert says in one_line(result.stderr)
    assert not (workbook.parent / "outbox").exists()


def test_missing_workbook(workbook):
    result = run(workbook.with_name("nowhere.xlsx"), "--to", ACCOUNTANT)
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"{workbook.with_name('nowhere.xlsx')}: file not found\n"


def test_attachment_over_the_limit(workbook, tmp_path):
    write_config(tmp_path, "max_attachment_mb = 0.01\n")
    result = run(workbook, "--to", ACCOUNTANT)
    assert result.exit_code == 1
    assert "over the limit of 0.01 MB" in one_line(result.stderr)
    assert not (workbook.parent / "outbox").exists()


def test_resend_of_a_missing_file(tmp_path, server):
    result = run("--resend", tmp_path / "gone.eml", *smtp_options(server[0]))
    assert result.exit_code == 1
    assert "gone.eml: cannot be read" in one_line(result.stderr)


def test_batch_email_one_message_each_and_a_digest(tmp_path):
    """batch --email-to: without a server, .eml files in the outbox beside the report."""
    import sys
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("internet_marketer.xlsx", "small_agency.xlsx"):
        shutil.copy(SAMPLES / name, folder / name)
    exe = str(Path(sys.executable).with_name("xlsheet-outsource"))
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for extra, out, messages in (([], "each", 2), (["--digest"], "digest", 1)):
        done = subprocess.run([exe, "batch", str(folder), "-o", str(tmp_path / out), "--jobs", "1",
                       "--email-to", "books@example.com", *extra],
                      capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        kept = sorted((tmp_path / out / "outbox").glob("*.eml"))
        assert len(kept) == messages
        parsed = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                  for p in kept]
        names = sorted(a.get_filename() for m in parsed for a in m.iter_attachments())
        assert all(m["To"] == "books@example.com" for m in parsed)
        expected = ["internet_marketer.outsourced.xlsx", "small_agency.outsourced.xlsx"]
        assert names == (["batch-report.xlsx"] + expected if extra else expected)



def decided_alone(source: Path) -> Summary:
    """The figures the email command would mail for ``source``: decided afresh."""
    _, decision = api.decide_workbook(source)
    return summarise(decision)


def record_deciding(monkeypatch) -> list[str]:
    """Records any reading or deciding in this process from now on (batch's workers are
    other processes, so whatever is recorded was done by mail)."""
    calls: list[str] = []
    for name in ("read_workbook", "decide_found", "decide_workbook", "process_workbook"):
        real = getattr(api, name)

        def recording(*args, _name=name, _real=real, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(api, name, recording)
    return calls


@pytest.mark.parametrize("digest, unchanged", [(False, False), (True, True)])
def test_batch_mails_its_own_outputs_and_decides_nothing_again(tmp_path, monkeypatch,
                                                               digest, unchanged):
    """The attachments are the batch's output files byte for byte; the bodies say what the
    email command says of each workbook, from the figures the batch kept (of this run, or
    of the earlier run that decided an unchanged workbook)."""
    folder, out, days = tmp_path / "clients", tmp_path / "decided", RunDays()
    (folder / "north").mkdir(parents=True)
    names = ("internet_marketer.xlsx", "north/small_agency.xlsx")
    for name in names:
        shutil.copy(SAMPLE.with_name(Path(name).name), folder / name)
    expected = {Path(name).stem + ".outsourced.xlsx": decided_alone(folder / name)
                for name in names}
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    batch = ["batch", str(folder), "-o", str(out), "-r", "--jobs", "1"]
    if unchanged:
        assert CliRunner().invoke(main, batch).exit_code == 0
    calls = record_deciding(monkeypatch)
    result = CliRunner().invoke(main, [*batch, "--email-to", BOOKKEEPER,
                                       *(["--digest"] if digest else [])])
    assert result.exit_code == 0, result.output
    assert ("not decided again" in result.output) == unchanged
    assert calls == []
    kept = sorted((out / "outbox").glob("*.eml"))
    assert len(kept) == (1 if digest else 2)
    outputs = {p.name: p for p in out.rglob("*.outsourced.xlsx")}
    mailed = []
    for path in kept:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        files = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
        if digest:
            assert files.pop("batch-report.xlsx") == (out / "batch-report.xlsx").read_bytes()
        for name, data in files.items():
            assert data == outputs[name].read_bytes(), name
        attached = [a.get_filename() for a in message.iter_attachments()]
        for kind, body in (("plain", text_body), ("html", html_body)):
            lines = message.get_body((kind,)).get_content().splitlines()
            assert any(lines == body("", [mail.Section(name, expected[name], day)
                                          for name in files], attached).splitlines()
                       for day in days), kind  # decided on the day the run started or ended
        mailed += files
    assert sorted(mailed) == sorted(expected)


def test_batch_says_when_an_output_goes_with_outsource_formulas(tmp_path, monkeypatch):
    """Attached as written, so not frozen as the email command would: the user is told."""
    folder = tmp_path / "clients"
    folder.mkdir()
    book = openpyxl.load_workbook(SAMPLE)
    book.create_sheet("My notes")["B1"] = '=OUTSOURCE_SAVING(3, 1, "week", 120, 90)'
    book.save(folder / "notes.xlsx")
    shutil.copy(SAMPLE, folder / "plain.xlsx")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(main, ["batch", str(folder), "--jobs", "1",
                                       "--email-to", BOOKKEEPER])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "OUTSOURCE_" in line] == [
        "notes.outsourced.xlsx: attached with its OUTSOURCE_ formulas, which show #NAME? in "
        "Excel without the add-in (the email command sends their values instead)"]
    assert len(list((folder / "outbox").glob("*.eml"))) == 2
