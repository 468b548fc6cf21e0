"""What the accountant receives agrees to the cent wherever it is read: the For accountant
sheet `process` writes, the email, and a batch's digest (made from the figures the batch
kept, not decided again). Workbooks are built for each paperwork rule and each currency
case (tests/support/accounts_books.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from support.accounts_books import QUOTES, TASKS, VENDORS, build

from xlsheet_outsource import api
from xlsheet_outsource.batch.run import run_batch
from xlsheet_outsource.engine import accountant as acc
from xlsheet_outsource.engine import schema
from xlsheet_outsource.mail import attachments, message
from xlsheet_outsource.mail.message import (
    Envelope,
    Section,
    checked_address,
    compose,
    html_body,
    text_body,
)
from xlsheet_outsource.write.report_sheets import ACCOUNTANT_CELLS, PAPERWORK_TITLE

RUN_DATE = dt.date(2026, 12, 5)
ONE_PERSON = [("T1", "Bookkeeping", 1, "month", 6)]


def one_quote(vendor: str = "Ann Lee", price: float = 300) -> list[tuple]:
    return [("T1", vendor, price, "per month", None, None, "person", None)]


# name -> (build arguments, the points expected, vendor by vendor)
CASES: dict[str, tuple[dict, dict[str, str]]] = {
    "us_mixed": ({"settings": {"Tax country": "US"}, "vendors": VENDORS},
                 {"Jo Writes": acc.FOREIGN_US, "Acme Books": acc.COMPANY_US,
                  "Calendly": acc.NO_DETAILS}),
    "us_w9_needed": ({"settings": {"Tax country": "US"}, "tasks": ONE_PERSON,
                      "quotes": one_quote(), "vendors": [("Ann Lee", "US", "individual",
                                                          "bank", None)]},
                     {"Ann Lee": acc.W9_NEEDED}),
    "us_w9_on_file": ({"settings": {"Tax country": "US"}, "tasks": ONE_PERSON,
                       "quotes": one_quote(), "vendors": [("ann lee", "USA", None, None,
                                                           "W-9")]},
                      {"Ann Lee": acc.W9_ON_FILE}),
    "us_card": ({"settings": {"Tax country": "US"}, "tasks": ONE_PERSON,
                 "quotes": one_quote(), "vendors": [("Ann Lee", "US", "individual",
                                                     "card", None)]},
                {"Ann Lee": acc.REPORTED_1099K}),
    "us_below_threshold": ({"settings": {"Tax country": "US", "Reporting threshold": 5000},
                            "tasks": ONE_PERSON, "quotes": one_quote(),
                            "vendors": [("Ann Lee", "US", "individual", "bank", None)]}, {}),
    "gb_abroad": ({"settings": {"Currency": "GBP", "Tax country": "UK"},
                   "rates": [("EUR", 0.86)], "vendors": [
                       ("Jo Writes", "FR", "individual", "bank", None),
                       ("Acme Books", "GB", "company", "bank", None)]},
                  {"Jo Writes": acc.REVERSE_CHARGE, "Lia Studio": acc.NO_DETAILS,
                   "Calendly": acc.NO_DETAILS}),
    "plain": ({}, {}),
}


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> dict[str, api.Outcome]:
    folder = tmp_path_factory.mktemp("accounts")
    return {name: api.process_workbook(build(folder / f"{name}.xlsx", **arguments),
                                       folder / f"{name}.outsourced.xlsx")
            for name, (arguments, _) in CASES.items()}


def money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def sheet_table(ws, title: str) -> list[tuple]:
    """The rows of the table under ``title`` on a report sheet, its header first."""
    titles = [row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value == title]
    assert titles, f"{title!r} not on {ws.title}"
    rows, row = [], titles[0] + 1
    while ws.cell(row, 1).value is not None:
        rows.append(tuple(c.value for c in ws[row] if c.column <= ws.max_column))
        row += 1
    return rows


def body_table(body: str, title: str) -> list[str]:
    """The lines of a plain-text table, its header first, up to the blank line."""
    lines = body.splitlines()
    start = lines.index(title + ":") + 1
    end = lines.index("", start)
    return [line for line in lines[start:end] if not line.startswith("      ")]


def email_of(outcome: api.Outcome, name: str) -> str:
    section = Section(f"{name}.xlsx", outcome.summary, RUN_DATE)
    return text_body("", [section], [])


@pytest.mark.parametrize("name", list(CASES))
def test_sheet_email_and_flags_agree_to_the_cent(decided, name):
    outcome = decided[name]
    assert not outcome.problems and not outcome.notices
    summary, cur = outcome.summary, outcome.summary.currency
    accounts = summary.accounts
    ws = openpyxl.load_workbook(outcome.output)[schema.ACCOUNTANT]
    body = email_of(outcome, name)
    # R, O and the first year: the sheet's headline, the email's, and the tables' totals
    for key, label in (("recurring_cash", acc.RECURRING_CASH), ("one_off_cash", acc.ONE_OFF_CASH),
                       ("first_year_cash", acc.FIRST_YEAR_CASH)):
        on_sheet = ws[ACCOUNTANT_CELLS[key]].value
        assert f"{label}:" in body and money(on_sheet, cur) in body.split(f"{label}:")[1][:60]
    assert ws[ACCOUNTANT_CELLS["recurring_cash"]].value == round(summary.recurring_cash_year, 2)
    assert ws[ACCOUNTANT_CELLS["one_off_cash"]].value == round(summary.one_off_cash, 2)
    # by vendor: each vendor's R, O and first year, and its split
    payments = sheet_table(ws, "Cash by vendor, first 12 months")
    mailed = body_table(body, "By vendor, first 12 months")
    split = body_table(body, "What the cash pays for")
    assert len(payments) == len(mailed) == len(split) == len(accounts.vendors) + 2
    for sheet_row, mail_row, split_row in zip(payments[1:], mailed[1:], split[1:],
                                              strict=True):
        vendor, _, _, recurring, one_off, price, platform, setup, first = sheet_row[:9]
        assert mail_row.split()[0] == vendor.split()[0]
        assert [money(v, cur) for v in (recurring, one_off, first)] == _figures(mail_row, cur)
        assert [money(v, cur) for v in (price, platform, setup, first)] == _figures(
            split_row, cur)
        assert round((price + platform + setup) * 100) == round(first * 100)
    # the schedule: month by month, and its total is the first year's cash
    schedule = sheet_table(ws, "Cash month by month (recurring spread evenly, one-off in "
                                "the first month)")
    months = body_table(body, "Cash month by month (recurring spread evenly, one-off in the "
                              "first month)")
    sheet_totals = schedule[-1][1:14]
    assert [money(v, cur) for v in sheet_totals] == [_figures(line, cur)[0]
                                                     for line in months[1:]]
    assert round(sum(sheet_totals[:12]) * 100) == round(sheet_totals[12] * 100)
    assert sheet_totals[12] == ws[ACCOUNTANT_CELLS["first_year_cash"]].value
    # the paperwork points: as expected for the case, on the sheet and in the email
    expected = CASES[name][1]
    if expected:
        points = {row[0]: row[6] for row in sheet_table(ws, PAPERWORK_TITLE)[1:]}
        assert points == expected
        assert message.PAPERWORK_TITLE + ":" in body.splitlines()  # said to the accountant
        for vendor, point in expected.items():
            assert any(line.split(point)[0].strip() == vendor for line in body.splitlines()
                       if point in line)
    else:
        assert PAPERWORK_TITLE not in [c.value for c in ws["A"]]
        assert "not tax advice" not in body


def _figures(line: str, currency: str) -> list[str]:
    """The money amounts of a plain-text table line, as shown."""
    words = line.split()
    return [f"{words[i]} {currency}" for i in range(len(words) - 1)
            if words[i + 1] == currency]


def test_foreign_quote_on_the_sheet_and_in_the_email(decided):
    outcome = decided["us_mixed"]
    ws = openpyxl.load_workbook(outcome.output)[schema.ACCOUNTANT]
    [header, row, total] = sheet_table(ws, "Quotes in other currencies")
    assert header[3:5] == ("Quoted in", "First 12 months, as quoted")
    assert row[:7] == ("Jo Writes", "T3", "Newsletter", "EUR", 2_400, 1.1, 2_640)
    assert total[0] == "Total" and total[6] == 2_640
    foreign_cell = ws.cell([c.row for c in ws["A"] if c.value == "Jo Writes"][2], 5)
    assert foreign_cell.number_format == schema.money_format("EUR")
    body = email_of(outcome, "us_mixed")
    assert body_table(body, "Quotes in other currencies")[1].split() == [
        "Jo", "Writes", "Newsletter", "2,400.00", "EUR", "1.1", "2,640.00", "USD"]


def test_one_off_logo_is_one_off_not_recurring(decided):
    """The issue's case: a logo for a fixed price plus a 20% platform fee, paid once."""
    accounts = decided["plain"].summary.accounts
    lia = accounts.vendors[accounts.vendors["vendor"] == "Lia Studio"].iloc[0]
    assert (lia["recurring"], lia["one_off"], lia["platform_fees"]) == (0, 600, 100)
    assert accounts.schedule.set_index("vendor").loc["Lia Studio", "m1"] == 600
    assert accounts.schedule.set_index("vendor").loc["Lia Studio", "m2"] == 0


def test_batch_digest_shows_what_the_email_shows(decided, tmp_path):
    """A batch keeps each workbook's tables as plain data; the digest's sections made
    from them are, line for line, the email's."""
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("us_mixed", "gb_abroad"):
        build(folder / f"{name}.xlsx", **CASES[name][0])
    report = run_batch(folder, tmp_path / "out", jobs=1)
    for row in report.rows:
        name = Path(row.workbook).stem
        kept = json.loads(json.dumps(row.accounts))  # as the skip-state file keeps it
        row.accounts = kept
        figures = attachments.RowFigures.of(row)
        section = Section(f"{name}.xlsx", figures, RUN_DATE)
        assert text_body("", [section], []) == email_of(decided[name], name)
        assert html_body("", [section], []) == html_body(
            "", [Section(f"{name}.xlsx", decided[name].summary, RUN_DATE)], [])
    # the batch report lists the same cents, workbook by workbook
    overview = openpyxl.load_workbook(report.report_path)["Overview"]
    lines = sheet_table(overview, "Cash by vendor, first 12 months, workbook by workbook")
    header = lines[0]
    listed = {(Path(line[0]).stem, line[2]): line[header.index("First 12 months")]
              for line in lines[1:]}
    assert listed == {(name, r["vendor"]): r["first_year"] for name in ("us_mixed", "gb_abroad")
                      for r in decided[name].summary.accounts.vendors.to_dict("records")}
    points = sheet_table(overview, "Paperwork: points for the accountant to check, not tax "
                                   "advice")
    assert len(points) - 1 == sum(len(CASES[name][1]) for name in ("us_mixed", "gb_abroad"))


def test_greeting_sign_off_and_time_is_not_cash(decided):
    summary = decided["plain"].summary
    section = Section("plain.xlsx", summary, RUN_DATE)
    to = (checked_address("Ann Lee <ann@example.com>", "--to"),)
    signed = compose(Envelope(to=to, sender=checked_address(
        "Sam Owner <sam@example.com>", "--from")), [section])
    plain = signed.get_body(("plain",)).get_content()
    assert plain.startswith("Hello Ann,\n")
    assert plain.rstrip().endswith("Best regards,\nSam Owner")
    assert "Value of your time saved a year (not cash):" in plain
    unnamed = compose(Envelope(to=(checked_address("ann@example.com", "--to"),)), [section])
    text = unnamed.get_body(("plain",)).get_content()
    assert text.startswith("Hello,\n") and text.rstrip().endswith("Best regards,")


def test_your_name_in_settings_signs_the_email(tmp_path):
    source = build(tmp_path / "named.xlsx", settings={"Your name": "Sam Owner"})
    outcome = api.process_workbook(source, tmp_path / "out.xlsx")
    section = Section("named.xlsx", outcome.summary, RUN_DATE)
    message = compose(Envelope(to=(checked_address("ann@example.com", "--to"),),
                               sender=checked_address("sam@example.com", "--from")), [section])
    assert message.get_body(("plain",)).get_content().rstrip().endswith(
        "Best regards,\nSam Owner")


def test_tasks_listed_under_each_vendor(decided):
    body = email_of(decided["plain"], "plain")
    lines = body.splitlines()
    at = next(n for n, line in enumerate(lines) if line.strip().startswith("Lia Studio"))
    assert lines[at + 1].strip() == "contract labour: T1 Logo design"


@pytest.mark.parametrize(("currency", "paper"), [("USD", 1), ("CAD", 1), ("EUR", 9),
                                                 ("GBP", 9)])
def test_paper_letter_for_dollars_a4_elsewhere(tmp_path, currency, paper):
    source = build(tmp_path / "paper.xlsx", settings={"Currency": currency}, rates=(),
                   quotes=[q[:7] + (None,) for q in QUOTES], tasks=TASKS)
    outcome = api.process_workbook(source, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(outcome.output)[schema.ACCOUNTANT]
    assert int(ws.page_setup.paperSize) == paper
    book = attachments._report_workbook(attachments.PreparedWorkbook(
        attachments.Attachment("paper.xlsx", b""), outcome.summary, RUN_DATE, ()))
    assert [int(sheet.page_setup.paperSize) for sheet in book] == [paper, paper]


def test_no_text_on_for_accountant_is_clipped(decided):
    """The look rules of tests/write/test_look.py, on the tables only these workbooks
    have (currencies, paperwork, the threshold's note)."""
    from write.test_look import clipped

    found = []
    for name in ("us_mixed", "gb_abroad"):
        ws = openpyxl.load_workbook(decided[name].output)[schema.ACCOUNTANT]
        found += [f"{name}: {cell.coordinate}: {why}" for row in ws.iter_rows()
                  for cell in row if cell.value is not None and (why := clipped(ws, cell))]
    assert not found, "\n".join(found)
