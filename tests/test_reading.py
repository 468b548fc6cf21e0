"""Reading real workbooks: formulas with and without saved results, labels, headers."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import python_calamine
from support.lo import recalculate
from support.paths import SAMPLES, TYPICAL_SAMPLE

from xlsheet_outsource import api, decide_workbook
from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml.package import Package
from xlsheet_outsource.write.template import new_template


def filled_template(path: Path, hours: list[object]) -> Path:
    book = new_template()
    book[schema.SETTINGS]["B2"] = 100
    tasks = book[schema.TASKS]
    for i, h in enumerate(hours, start=2):
        for col, value in enumerate([f"T{i}", f"Task {i}", "Admin", 1, "week", h], start=1):
            tasks.cell(i, col, value)
    book.save(path)
    return path


def recalculated_by_libreoffice(path: Path, tmp: Path) -> Path:
    """The workbook as LibreOffice saves it: every formula with its computed result."""
    [recalculated] = recalculate([path], tmp / "lo")
    return recalculated


def test_formula_without_saved_result_is_named(tmp_path):
    path = filled_template(tmp_path / "f.xlsx", [2, "=1+1"])  # openpyxl saves no results
    _, decision = decide_workbook(path)
    assert [str(p) for p in decision.problems] == [f"Tasks!F3: hours each {NO_RESULT}"]
    assert list(decision.tasks["verdict"]) == ["NEEDS QUOTE", "ERROR"]


NO_RESULT = ("has a formula with no saved result: open and save the workbook in Excel or "
             "LibreOffice, or type the value")
READ_COLUMNS = [(sheet, column) for sheet, columns in ((schema.TASKS, schema.TASK_COLUMNS),
                                                       (schema.QUOTES, schema.QUOTE_COLUMNS))
                for column in columns if column.read]


@pytest.mark.parametrize("sheet, column", READ_COLUMNS, ids=lambda c: getattr(c, "key", c))
def test_every_input_column_names_a_formula_without_result(tmp_path, sheet, column):
    """A workbook written by a program, never opened in a spreadsheet: its formulas have no
    results. The cell is named, its row is an ERROR, every other row is decided."""
    book = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    ws = book[sheet]
    col = 1 + [c.value for c in ws[1]].index(column.header)
    ws.cell(3, col).value = "=1+1"  # openpyxl saves formulas without results
    book.save(tmp_path / "scripted.xlsx")
    _, decision = decide_workbook(tmp_path / "scripted.xlsx")
    where = f"{sheet}!{openpyxl.utils.get_column_letter(col)}3"
    assert f"{where}: {column.header.lower()} {NO_RESULT}" in [str(p) for p in decision.problems]
    frame = decision.tasks if sheet == schema.TASKS else decision.quotes
    assert frame["error"].notna().sum() == 1  # that row alone
    assert (decision.tasks["verdict"] != "ERROR").sum() >= len(decision.tasks) - 1


def test_a_setting_names_a_formula_without_result(tmp_path):
    book = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    book[schema.SETTINGS]["B2"] = "=100+20"
    book.save(tmp_path / "scripted.xlsx")
    outcome = api.check_workbook(tmp_path / "scripted.xlsx")
    assert [str(p) for p in outcome.fatal] == [f"Settings!B2: hourly worth {NO_RESULT}"]


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (.ci/run installs it)")
def test_saved_results_and_error_values_are_read(tmp_path):
    path = filled_template(tmp_path / "f.xlsx", ["=1+1", "=1/0"])
    saved = recalculated_by_libreoffice(path, tmp_path)
    _, decision = decide_workbook(saved)
    assert decision.tasks.loc[2, "hours_each"] == 2  # the saved result of =1+1
    assert [str(p) for p in decision.problems] == ["Tasks!F3: hours each holds the error #DIV/0!"]


def test_settings_by_label_and_headers_in_any_case(tmp_path):
    book = openpyxl.Workbook()
    settings = book.active
    settings.title = "settings"
    settings.append(["Hourly worth", "$150"])
    settings.append(["Fill rate", 80])
    tasks = book.create_sheet("TASKS")
    tasks.append([None])
    tasks.append(["my own", "HOURS  EACH", "per", "frequency", "task id"])
    tasks.append(["x", "2", "Weekly", 1, "t1"])
    quotes = book.create_sheet("Quotes")
    quotes.append(["Task ID", "Price", "Your review hours each"])
    quotes.append(["T1", 50, 0.5])
    book.save(tmp_path / "b.xlsx")
    found, decision = decide_workbook(tmp_path / "b.xlsx")
    assert (found.settings.hourly_worth, found.settings.fill_rate) == (150, 0.8)
    assert found.tasks.header_row == 2 and found.tasks.columns["hours_each"] == 2
    row = decision.tasks.iloc[0]
    assert (row["verdict"], row["occurrences"], row["cash"]) == ("OUTSOURCE", 50, 2500)


def test_missing_required_column_is_named(tmp_path):
    book = new_template()
    book[schema.SETTINGS]["B2"] = 100
    book[schema.TASKS]["F1"] = "Duration"
    book.save(tmp_path / "c.xlsx")
    found, decision = decide_workbook(tmp_path / "c.xlsx")
    assert decision is None
    assert [str(p) for p in found.fatal] == [
        "Tasks: no header row with the columns Frequency, Per, Hours each in the first 20 rows"]


def test_the_writer_reopens_the_checked_package_unless_the_file_changed(tmp_path):
    samples = SAMPLES
    path = tmp_path / "plan.xlsx"
    shutil.copy(samples / "internet_marketer.xlsx", path)
    package = Package(path)
    package.close()
    assert package.reopened() is package  # the same file: not inflated and checked again
    package.close()
    shutil.copy(samples / "small_agency.xlsx", path)  # another workbook, same name
    again = package.reopened()
    assert again is not package
    with zipfile.ZipFile(path) as written:
        now = {name: written.read(name) for name in written.namelist()}
    assert {name: again.read(name) for name in again.names} == now
    again.close()


def test_process_with_formulas_loads_each_sheet_once(tmp_path, monkeypatch):
    """The file is read once: the formulas use the setting cells the reader found."""
    loads: list[str] = []
    calamine_workbook = python_calamine.CalamineWorkbook

    def from_path(path: str) -> SimpleNamespace:
        book = calamine_workbook.from_path(path)
        return SimpleNamespace(get_sheet_by_name=lambda name: loads.append(name) or
                               book.get_sheet_by_name(name))

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", SimpleNamespace(from_path=from_path))
    outcome = api.process_workbook(TYPICAL_SAMPLE, tmp_path / "out.xlsx", formulas=True)
    assert outcome.formulas.live_tasks == len(outcome.decision.tasks)
    # the sample has the optional Vendors sheet too: read as well, and once
    assert sorted(loads) == [schema.QUOTES, schema.SETTINGS, schema.TASKS, schema.VENDORS]


# --- for the accountant (issue 14): TaxCountry, ReportingThreshold, YourName, Vendors ----

def test_accountant_settings_and_vendors_are_read(tmp_path):
    from support.accounts_books import VENDORS, build

    path = build(tmp_path / "v.xlsx", vendors=VENDORS, settings={
        "Tax country": "United States", "Reporting threshold": "$2,500", "Your name": " Sam "})
    found, decision = decide_workbook(path)
    settings = decision.settings
    assert (settings.tax_country, settings.reporting_threshold, settings.your_name) == (
        "US", 2_500, "Sam")
    assert settings.vendors["jo writes"].country == "DE"
    assert settings.vendors["acme books"].tax_form == "W-9"
    assert not found.notices and not found.fatal


def test_without_vendors_or_the_new_settings_nothing_changes(tmp_path):
    from support.accounts_books import build

    for vendors in (None, []):  # no Vendors sheet, or the template's, left empty
        found, decision = decide_workbook(build(tmp_path / "plain.xlsx", vendors=vendors))
        settings = decision.settings
        assert settings.vendors is None and settings.tax_country is None
        assert settings.reporting_threshold == 2_000 and not found.notices


def test_bad_vendor_values_are_said_and_every_task_still_decided(tmp_path):
    from support.accounts_books import build

    path = build(tmp_path / "bad.xlsx", settings={"Tax country": "US",
                                                  "Reporting threshold": "lots"},
                 vendors=[("Jo Writes", "DE", "a person", "bank", None),
                          ("jo writes", "US", "company", "bank", None),
                          (None, "US", "company", None, None)])
    found, decision = decide_workbook(path)
    said = [str(n) for n in found.notices]
    assert said == [
        "Settings!B4: reporting threshold must be a number >= 0, got 'lots'; 2,000 is used",
        "Vendors!A4: vendor is missing",
        "Vendors!C2: entity must be one of individual, company; got 'a person'",
        "Vendors!A3: vendor 'jo writes' is listed twice (first at A2): the first row is used"]
    assert not found.fatal and "ERROR" not in set(decision.tasks["verdict"])
    assert decision.settings.vendors["jo writes"].entity is None  # blank: as an individual


def test_a_users_own_vendors_sheet_is_said_and_left_alone(tmp_path):
    from support.accounts_books import build

    path = build(tmp_path / "own.xlsx", vendors=[("Acme", "net 30")],
                 vendor_headers=("Supplier name", "Payment terms"))
    before = openpyxl.load_workbook(path)["Vendors"]["B2"].value
    outcome = api.process_workbook(path, tmp_path / "out.xlsx")
    assert [str(n) for n in outcome.notices] == [
        "Vendors: has no Vendor column in its first 20 rows, so it is not read as the vendor "
        "details for the accountant (the sheet is left as it is)"]
    assert outcome.summary.accounts.paperwork.empty
    assert openpyxl.load_workbook(outcome.output)["Vendors"]["B2"].value == before
