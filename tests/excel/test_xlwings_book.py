"""The Decide button as Excel runs it: XlwingsBook, decide_caller and the add-in's entry
points (its macro module and xlwings Lite's main.py) driven against a fake xlwings Book
(tests/support/fake_xlwings.py), then `freeze` on what they wrote, end to end."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
import xlwings
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference
from support.dates import RunDays
from support.fake_xlwings import FakeBook
from support.paths import SAMPLE_FILES, SAMPLES
from support.workbook_values import formats, trimmed

from xlsheet_outsource import api
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel import addin, macro
from xlsheet_outsource.excel.freeze import freeze_workbook

COMPARED = (schema.TASKS, schema.QUOTES, schema.SUMMARY, schema.ACCOUNTANT)
TASKS = [("T1", "Blog post", "Content", 1, "week", 3, "Strong", "No"),
         ("T2", "Client emails", "Admin", 30, "day", 0.1, "Strong", "No"),
         ("T3", "Programming", "Core work", 1, "week", 10, "Core", "No")]
QUOTES = [("T1", "Writer", 90, None, None, None, None, 0.5), ("T3", "Coder", 50, "per hour")]


def calling(monkeypatch: pytest.MonkeyPatch, book: FakeBook) -> FakeBook:
    """Make ``book`` the workbook whose button was pressed (xlwings' Book.caller)."""
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book))
    return book


def saved(book: FakeBook, path: Path) -> openpyxl.Workbook:
    book.save(path)
    return openpyxl.load_workbook(path)


def column_of(ws, header: str) -> str:
    """The letter of the column ``header`` heads on row 1 (the layout may grow columns)."""
    return next(c.column_letter for c in ws[1] if c.value == header)


def verdicts(ws) -> list[object]:
    """The Verdict column the tool wrote on Tasks, down to its last filled cell."""
    col = next(c.column for c in ws[1] if c.value == "Verdict")
    values = [ws.cell(row, col).value for row in range(2, ws.max_row + 1)]
    while values and values[-1] is None:
        values.pop()
    return values


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_the_button_writes_what_process_writes(sample: Path, tmp_path: Path, monkeypatch) -> None:
    processed, days = tmp_path / "processed.xlsx", RunDays()
    outcome = api.process_workbook(sample, processed)
    book = calling(monkeypatch, FakeBook(sample))
    macro.decide_caller()
    decided, expected = saved(book, tmp_path / "excel.xlsx"), openpyxl.load_workbook(processed)
    assert decided.sheetnames == expected.sheetnames
    for sheet in COMPARED:
        assert days.undated(trimmed(decided[sheet])) == days.undated(trimmed(expected[sheet])), sheet
        assert formats(decided[sheet]) == formats(expected[sheet]), sheet
    problems = [str(p) for p in outcome.problems]
    assert book.app.alerts == ([(macro.ALERT_TITLE, f"Decided; {len(problems)} value(s) need "
                                 "fixing (see Reason on Tasks and Problem on Quotes):\n"
                                 + "\n".join(problems))] if problems else [])


def test_the_header_looks_as_the_tools_own(tmp_path: Path, monkeypatch) -> None:
    book = calling(monkeypatch, FakeBook(SAMPLES / "small_agency.xlsx"))
    macro.decide_caller()
    tasks = book.sheets[schema.TASKS]
    col = next(c.column for c in tasks.ws[1] if c.value == "Verdict")
    header = tasks.range((1, col))
    assert (header.color, header.font.bold, header.font.color) == (
        macro.HEADER_COLOR, True, macro.HEADER_FONT_COLOR)


@pytest.mark.parametrize("viewed", [schema.TASKS, schema.SUMMARY, schema.ACCOUNTANT])
def test_a_rerun_replaces_the_report_sheets_and_keeps_the_sheet_in_view(monkeypatch, viewed,
                                                                        tmp_path: Path) -> None:
    book = calling(monkeypatch, FakeBook(SAMPLES / "small_agency.xlsx"))
    macro.decide_caller()
    first = saved(book, tmp_path / "first.xlsx")
    book.sheets[viewed].activate()
    macro.decide_caller()  # the sheet in view may be one the run deletes and adds again
    again = saved(book, tmp_path / "again.xlsx")
    assert again.sheetnames == first.sheetnames
    assert book.sheets.active.name == viewed
    for sheet in COMPARED:
        assert trimmed(again[sheet]) == trimmed(first[sheet]), sheet


def test_text_is_written_as_text_never_as_a_formula_or_number(tmp_path: Path,
                                                               monkeypatch) -> None:
    """Excel reads text written to it as if typed: a vendor named "=2+3" would become a
    formula, "007" a number. The tool's output keeps them as the text they are."""
    source = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    quotes = source[schema.QUOTES]
    vendor_col = next(c.column for c in quotes[1] if c.value == "Vendor")
    for row in range(2, quotes.max_row + 1):
        vendor = quotes.cell(row, vendor_col)
        if vendor.value:
            vendor.value, vendor.data_type = "=2+3" if row % 2 else "007", "s"  # typed as text
    source.save(tmp_path / "odd_names.xlsx")
    api.process_workbook(tmp_path / "odd_names.xlsx", tmp_path / "processed.xlsx")
    book = calling(monkeypatch, FakeBook(tmp_path / "odd_names.xlsx"))
    macro.decide_caller()
    decided = saved(book, tmp_path / "excel.xlsx")
    expected = openpyxl.load_workbook(tmp_path / "processed.xlsx")
    for sheet in (schema.TASKS, schema.SUMMARY):
        texts = [(c.coordinate, c.value) for row in expected[sheet].iter_rows() for c in row
                 if c.value in ("=2+3", "007") and c.data_type == "s"]
        assert texts, sheet
        assert [(place, decided[sheet][place].value, decided[sheet][place].data_type)
                for place, _ in texts] == [(place, text, "s") for place, text in texts], sheet


def test_settings_come_from_their_names_in_excel(tmp_path: Path, monkeypatch) -> None:
    source = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    source.create_sheet("Elsewhere")["C3"] = 60
    source.defined_names["HourlyWorth"].attr_text = "Elsewhere!$C$3"
    source[schema.SETTINGS]["A2"] = "Something else"  # the label is gone too
    source.save(tmp_path / "named.xlsx")
    book = FakeBook(tmp_path / "named.xlsx")
    assert macro.read_book(macro.XlwingsBook(book)).found.settings.hourly_worth == 60


def test_when_nothing_can_be_decided_nothing_is_written(tmp_path: Path, monkeypatch) -> None:
    source = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    del source[schema.QUOTES]
    source.save(tmp_path / "no_quotes.xlsx")
    book = calling(monkeypatch, FakeBook(tmp_path / "no_quotes.xlsx"))
    before = trimmed(book.workbook[schema.TASKS])
    macro.decide_caller()
    assert book.workbook.sheetnames == source.sheetnames
    assert trimmed(book.workbook[schema.TASKS]) == before
    [(title, message)] = book.app.alerts
    assert title == macro.ALERT_TITLE
    assert message.startswith("Nothing was written:\n") and "has no Quotes sheet" in message


# --- the add-in: its entry points, then freeze ------------------------------------------

def module_from(path: Path) -> ModuleType:
    """Import a Python file the add-in wrote, as xlwings does (by its path)."""
    spec = importlib.util.spec_from_file_location(f"addin_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def filled_addin(tmp_path_factory) -> tuple[addin.AddinFiles, Path]:
    """The add-in's files, and its workbook with a few tasks and quotes as a user saves it."""
    files = addin.write_addin(tmp_path_factory.mktemp("addin") / "outsourcing.xlsm")
    book = openpyxl.load_workbook(files.workbook, keep_vba=True)
    book[schema.SETTINGS]["B2"] = 120
    for sheet, rows in ((schema.TASKS, TASKS), (schema.QUOTES, QUOTES)):
        for row, values in enumerate(rows, start=2):
            for col, value in enumerate(values, start=1):
                book[sheet].cell(row, col, value)
    try_price = column_of(book[schema.TASKS], addin.TRY_COLUMNS[0][0])  # the first Try column
    book[schema.TASKS][f"{try_price}2"] = 80  # the Live verdict at another price
    filled = files.workbook.with_name("filled.xlsm")
    book.save(filled)
    return files, filled


def test_the_addin_macro_and_the_lite_script_decide_the_workbook(filled_addin, tmp_path: Path,
                                                                 monkeypatch) -> None:
    files, filled = filled_addin
    desktop = calling(monkeypatch, FakeBook(filled))
    module_from(files.macro_module).main()  # what SampleCall / "Run main" runs
    lite = FakeBook(filled)
    module_from(files.lite_folder / "main.py").decide(lite)  # xlwings Lite's script
    _, decision = api.decide_workbook(filled)
    for book in (desktop, lite):
        decided = saved(book, tmp_path / "decided.xlsm")
        assert decided.sheetnames == [schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES,
                                      addin.LIVE_SHEET, addin.CONF_SHEET, schema.SUMMARY,
                                      schema.ACCOUNTANT]
        assert verdicts(decided[schema.TASKS]) == decision.tasks["verdict"].tolist() == [
            "OUTSOURCE", "NEEDS QUOTE", "KEEP"]
        assert book.sheets.active.name == schema.START  # where the user pressed the button
        assert book.app.alerts == []


def test_freeze_after_the_button_reports_what_it_drops(filled_addin, tmp_path: Path,
                                                       monkeypatch) -> None:
    files, filled = filled_addin
    book = calling(monkeypatch, FakeBook(filled))
    module_from(files.macro_module).main()
    charted = book.workbook.create_sheet("My chart")  # a chart of the user's own
    charted.append(["Month", "Spend"])
    charted.append(["Jan", 300])
    chart = BarChart()
    chart.add_data(Reference(charted, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    charted.add_chart(chart, "D2")
    decided = tmp_path / "decided.xlsm"
    book.save(decided)
    outcome = freeze_workbook(decided, tmp_path / "frozen.xlsm")
    assert outcome.problems == [] and outcome.frozen == 501  # 500 Tasks rows, the Live table
    assert outcome.lost == ["formula results (Tasks)", "formula results (Live results)",
                            "charts (My chart)"]
    # openpyxl keeps a chart it made itself, but not one of Excel's in full: reported either way.
    frozen = openpyxl.load_workbook(tmp_path / "frozen.xlsm", keep_vba=True)
    assert trimmed(frozen[schema.SUMMARY]) == trimmed(openpyxl.load_workbook(decided)[schema.SUMMARY])
    tasks = frozen[schema.TASKS]
    price, verdict = (column_of(tasks, header) for header in (addin.TRY_COLUMNS[0][0],
                                                                addin.TRY_VERDICT))
    assert tasks[f"{verdict}2"].value == f'=IF(OR($A2="",${price}2=""),"","OUTSOURCE")'
    shutil.copy(decided, tmp_path / "again.xlsm")
    result = CliRunner().invoke(main, ["freeze", str(tmp_path / "again.xlsm")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("  rewriting it dropped formula results (Tasks), formula results "
                             "(Live results), charts (My chart)\n")


def test_the_button_keeps_a_sheet_of_the_users_called_summary(tmp_path: Path,
                                                              monkeypatch) -> None:
    workbook = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    mine = workbook.create_sheet(schema.SUMMARY)
    mine["A1"], mine["B2"], mine["C3"] = "My own summary", 42, "=B2*2"
    workbook.create_sheet("Notes")["A1"] = "=Summary!B2"
    workbook.save(tmp_path / "mine.xlsx")
    book = calling(monkeypatch, FakeBook(tmp_path / "mine.xlsx"))
    for _ in range(2):  # the second press finds the tool's sheet by its mark
        macro.decide_caller()
    after = saved(book, tmp_path / "after.xlsx")
    assert trimmed(after[schema.SUMMARY]) == trimmed(mine)
    assert after["Notes"]["A1"].value == "=Summary!B2"
    assert after.sheetnames.count("Summary (outsourcing)") == 1
    assert after.sheetnames[len(workbook.sheetnames):] == ["Summary (outsourcing)",
                                                            schema.ACCOUNTANT]
    assert after["Summary (outsourcing)"]["A1"].value == "Outsourcing summary"
    assert "a sheet of yours is called 'Summary'" in book.app.alerts[-1][1]


def test_freeze_reports_what_it_drops_from_a_sheet_of_the_users_called_summary(
        tmp_path: Path, monkeypatch) -> None:
    workbook = openpyxl.load_workbook(SAMPLES / "small_agency.xlsx")
    mine = workbook.create_sheet(schema.SUMMARY)
    mine.append(["Month", "Spend"])
    mine.append(["Jan", 300])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    mine.add_chart(chart, "D2")
    workbook.save(tmp_path / "mine.xlsx")
    book = calling(monkeypatch, FakeBook(tmp_path / "mine.xlsx"))
    macro.decide_caller()
    book.save(tmp_path / "decided.xlsx")
    outcome = freeze_workbook(tmp_path / "decided.xlsx", tmp_path / "frozen.xlsx")
    assert outcome.lost == ["charts (Summary)"]  # the tool's own sheets are not counted


def notes_and_view(ws) -> tuple[dict[str, str], str | None, str | None]:
    notes = {cell.coordinate: cell.comment.text for row in ws.iter_rows() for cell in row
             if cell.comment is not None}
    return notes, ws.freeze_panes, ws.auto_filter.ref


def test_the_button_notes_freezes_and_filters_as_process_does(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The computed headers' hover notes, panes at the header row and the task's name, a
    filter over table and block; pressed again, nothing doubles or toggles off."""
    sample = SAMPLES / "small_agency.xlsx"
    api.process_workbook(sample, tmp_path / "processed.xlsx")
    expected = openpyxl.load_workbook(tmp_path / "processed.xlsx")
    book = calling(monkeypatch, FakeBook(sample))
    macro.decide_caller()
    first = saved(book, tmp_path / "first.xlsx")
    macro.decide_caller()
    again = saved(book, tmp_path / "again.xlsx")
    for sheet in (schema.TASKS, schema.QUOTES):
        wanted = notes_and_view(expected[sheet])
        assert len(wanted[0]) > len(schema.QUOTE_RESULTS) and wanted[1] and wanted[2]
        assert notes_and_view(first[sheet]) == notes_and_view(again[sheet]) == wanted, sheet
    assert book.sheets.active.name == expected.active.title  # the view is the user's still


def test_the_button_keeps_the_users_panes_filter_and_note(tmp_path: Path, monkeypatch) -> None:
    source = SAMPLES / "small_agency.xlsx"
    book = calling(monkeypatch, FakeBook(source))
    macro.decide_caller()
    tasks = book.sheets[schema.TASKS].ws
    verdict = next(c for c in tasks[1] if c.value == "Verdict")
    verdict.comment = openpyxl.comments.Comment("ask my accountant", "Excel user")
    tasks.freeze_panes, tasks.auto_filter.ref = "A3", "A1:C5"
    macro.decide_caller()
    assert (verdict.comment.text, tasks.freeze_panes, tasks.auto_filter.ref) == (
        "ask my accountant", "A3", "A1:C5")


@pytest.mark.parametrize("native", ["AppleScript's", "none (xlwings Lite)"])
def test_without_excels_object_model_the_button_still_decides(native: str, tmp_path: Path,
                                                              monkeypatch) -> None:
    """On a Mac (AppleScript's objects) or in xlwings Lite (none) the figures are written;
    the notes, panes and filter are left to process."""
    book = calling(monkeypatch, FakeBook(SAMPLES / "small_agency.xlsx"))
    if native == "AppleScript's":
        book.app.api = object()  # knows none of COM's names
    else:
        def no_native_objects(self):
            raise NotImplementedError
        monkeypatch.setattr(type(book.app), "api", property(no_native_objects), raising=False)
    macro.decide_caller()
    tasks = saved(book, tmp_path / "decided.xlsx")[schema.TASKS]
    assert "OUTSOURCE" in verdicts(tasks)
    assert next(c for c in tasks[1] if c.value == "Verdict").comment is None


def test_a_moved_block_leaves_no_note_of_the_tools_behind(tmp_path: Path, monkeypatch) -> None:
    """A column of the user's inside the block moves it right: the columns it leaves are
    emptied and lose the tool's notes, and a note of the user's there is kept."""
    book = calling(monkeypatch, FakeBook(SAMPLES / "small_agency.xlsx"))
    macro.decide_caller()
    tasks = book.sheets[schema.TASKS].ws
    first = next(c for c in tasks[1] if c.value == "Occurrences a year")
    verdict = next(c for c in tasks[1] if c.value == "Verdict")
    verdict.value = "My notes"
    first.comment = openpyxl.comments.Comment("counted by hand", "Excel user")
    macro.decide_caller()
    left_behind = [tasks.cell(1, column) for column in range(first.column, verdict.column)]
    assert [(c.value, c.comment and c.comment.text) for c in left_behind] == [
        (None, "counted by hand")] + [(None, None)] * (len(left_behind) - 1)
    assert next(c for c in tasks[1] if c.value == "Occurrences a year").column > verdict.column
