"""The Decide macro, run through its Book interface on workbooks held in memory: it writes
what `process` writes, replaces its own output on a re-run, and says what stops it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from support.dates import RunDays
from support.paths import MISTAKES_SAMPLE, SAMPLE_FILES
from support.workbook_values import formats, trimmed

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel import macro
from xlsheet_outsource.excel.grids import as_grid, excel_value
from xlsheet_outsource.write.template import new_template

SAMPLES = SAMPLE_FILES
RUN_DATE = dt.date(2026, 3, 1)
COMPARED = (schema.TASKS, schema.QUOTES, schema.SUMMARY, schema.ACCOUNTANT)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_decide_writes_what_process_writes(sample: Path, tmp_path: Path) -> None:
    processed, days = tmp_path / "processed.xlsx", RunDays()
    assert api.process_workbook(sample, processed).output == processed
    expected = openpyxl.load_workbook(processed)
    book = macro.OpenpyxlBook(openpyxl.load_workbook(sample))
    macro.decide_book(book)  # dated today, as process's sheets are
    book.workbook.save(tmp_path / "macro.xlsx")  # read back as process's output is
    decided = openpyxl.load_workbook(tmp_path / "macro.xlsx")
    assert decided.sheetnames == expected.sheetnames
    for sheet in COMPARED:
        assert days.undated(trimmed(decided[sheet])) == days.undated(trimmed(expected[sheet])), sheet
        assert formats(decided[sheet]) == formats(expected[sheet]), sheet


def test_problems_are_written_and_shown(tmp_path: Path) -> None:
    mistakes = MISTAKES_SAMPLE
    book = macro.OpenpyxlBook(openpyxl.load_workbook(mistakes))
    problems = macro.decide_book(book, RUN_DATE)
    assert [str(p) for p in problems] == [str(p) for p in api.check_workbook(mistakes).problems]
    assert len(book.alerts) == 1 and book.alerts[0].startswith(f"Decided; {len(problems)} value")
    assert str(problems[0]) in book.alerts[0]


def a_filled_template() -> openpyxl.Workbook:
    book = new_template()
    book[schema.SETTINGS]["B2"] = 120
    tasks = book[schema.TASKS]
    for row, values in enumerate([("T1", "Blog", "Content", 1, "week", 3),
                                  ("T2", "Emails", "Admin", 30, "day", 0.1),
                                  ("T3", "Books", "Admin", 1, "month", 4)], start=2):
        for col, value in enumerate(values, start=1):
            tasks.cell(row, col, value)
    quotes = book[schema.QUOTES]
    for row, values in enumerate([("T1", "Writer", 90, None, None, None, None, 0.5),
                                  ("T3", "Bookkeeper", 150, "per month")], start=2):
        for col, value in enumerate(values, start=1):
            quotes.cell(row, col, value)
    return book


def block(ws, header_row: int = 1) -> dict[str, list[object]]:
    """The computed block's columns by header (the tool writes it right of the inputs)."""
    headers = {c.value: c.column for c in ws[header_row] if c.value}
    last = max(r for r in range(1, ws.max_row + 1) if any(
        ws.cell(r, c).value is not None for c in headers.values()))
    return {h: [ws.cell(r, col).value for r in range(header_row + 1, last + 1)]
            for h, col in headers.items()}


def test_a_rerun_replaces_its_own_output() -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    macro.decide_book(book, RUN_DATE)
    first = trimmed(book.workbook[schema.TASKS])
    assert block(book.workbook[schema.TASKS])["Verdict"] == ["OUTSOURCE", "NEEDS QUOTE", "OUTSOURCE"]
    macro.decide_book(book, RUN_DATE)
    assert trimmed(book.workbook[schema.TASKS]) == first
    assert book.workbook.sheetnames.count(schema.SUMMARY) == 1


def test_a_rerun_clears_rows_whose_tasks_are_gone() -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    macro.decide_book(book, RUN_DATE)
    tasks = book.workbook[schema.TASKS]
    for col in range(1, 7):
        tasks.cell(4, col).value = None
    macro.decide_book(book, RUN_DATE)
    assert block(tasks)["Verdict"] == ["OUTSOURCE", "NEEDS QUOTE"]


def test_a_column_of_the_users_inside_the_old_block_moves_the_block_right(tmp_path: Path) -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    macro.decide_book(book)
    tasks = book.workbook[schema.TASKS]
    verdict_col = next(c.column for c in tasks[1] if c.value == "Verdict")
    tasks.cell(1, verdict_col).value = "My notes"
    book.workbook.save(tmp_path / "before.xlsx")
    macro.decide_book(book)
    headers = [c.value for c in tasks[1]]
    assert "My notes" in headers and headers.index("Verdict") > headers.index("My notes")
    left_behind = [c for c in tasks[1] if c.value is None and c.column < verdict_col]
    assert left_behind and all(c.comment is None for c in left_behind)  # no stale notes
    assert tasks.cell(1, verdict_col).comment is None  # "My notes" is the user's now
    api.process_workbook(tmp_path / "before.xlsx", tmp_path / "processed.xlsx")
    processed = openpyxl.load_workbook(tmp_path / "processed.xlsx")[schema.TASKS]
    book.workbook.save(tmp_path / "macro.xlsx")
    assert trimmed(openpyxl.load_workbook(tmp_path / "macro.xlsx")[schema.TASKS]) == trimmed(processed)


def test_helper_cells_under_an_empty_header_and_a_note_below_are_never_overwritten() -> None:
    """Helper formulas right of the table with no header, and a note far below: the block
    goes right of all of it, on the first press and the next; a note typed under the block
    later moves it right again (as process places it: tests/test_user_workbooks.py)."""
    book = macro.OpenpyxlBook(a_filled_template())
    tasks = book.workbook[schema.TASKS]
    first_free = max(c.column for c in tasks[1] if c.value) + 1
    for row in (2, 3, 4):
        tasks.cell(row, first_free).value = f"=F{row}*60"
    tasks.cell(40, first_free + 2).value = "checked with the bookkeeper"
    mine = {(r, c): tasks.cell(r, c).value for r in range(1, 41) for c in range(1, first_free + 3)
            if tasks.cell(r, c).value is not None}
    macro.decide_book(book, RUN_DATE)
    assert {place: tasks.cell(*place).value for place in mine} == mine
    headers = {c.value: c.column for c in tasks[1] if c.value}
    assert headers["Occurrences a year"] == first_free + 3
    macro.decide_book(book, RUN_DATE)
    assert {c.value: c.column for c in tasks[1] if c.value} == headers
    tasks.cell(41, headers["Verdict"]).value = "ask Sam"
    macro.decide_book(book, RUN_DATE)
    assert tasks.cell(41, headers["Verdict"]).value == "ask Sam"
    assert {place: tasks.cell(*place).value for place in mine} == mine
    moved = [c.column for c in tasks[1] if c.value == "Occurrences a year"]
    assert moved == [headers["Verdict"] + 1]


def column_of(ws, header: str) -> int:
    return next(cell.column for cell in ws[1] if cell.value == header)


def test_version_2_inputs_are_read_as_process_reads_them(tmp_path: Path) -> None:
    """A Still needed column and a quote in another currency (with the Settings rate table):
    Decide drops the task and converts the price as process does, never ignoring them."""
    book = a_filled_template()
    tasks, quotes, settings = (book[name] for name in (schema.TASKS, schema.QUOTES, schema.SETTINGS))
    tasks.cell(2, column_of(tasks, "Still needed"), "No")
    quotes.cell(3, column_of(quotes, "Currency"), "EUR")
    header = settings[book.defined_names[schema.EXCHANGE_NAME].attr_text.split("!")[1]][0][0]
    assert (header.value, header.offset(column=1).value) == schema.EXCHANGE_HEADERS
    header.offset(row=1).value, header.offset(row=1, column=1).value = "EUR", 1.1
    book.save(tmp_path / "v2.xlsx")
    processed = api.process_workbook(tmp_path / "v2.xlsx", tmp_path / "processed.xlsx")
    assert processed.decision.tasks["verdict"].tolist()[0] == "DROP"
    decided = macro.OpenpyxlBook(openpyxl.load_workbook(tmp_path / "v2.xlsx"))
    macro.decide_book(decided, RUN_DATE)
    shown = block(decided.workbook[schema.TASKS])
    assert shown["Verdict"] == processed.decision.tasks["verdict"].tolist()
    cash = [None if np.isnan(value) else value for value in processed.decision.tasks["cash"]]
    assert shown["Cash to vendor a year"] == pytest.approx(cash)
    assert cash[2] == pytest.approx(150 * 12 * 1.1)  # 150 EUR a month at 1.1
    decided.workbook.save(tmp_path / "macro.xlsx")  # the same version 2 block as process's
    written, expected = (openpyxl.load_workbook(path)[schema.TASKS]
                         for path in (tmp_path / "macro.xlsx", processed.output))
    assert trimmed(written) == trimmed(expected) and formats(written) == formats(expected)
    assert "Payback months" in shown and "Plan" in shown


def test_the_vendors_sheet_and_tax_country_are_read_as_process_reads_them(tmp_path: Path
                                                                         ) -> None:
    """For accountant's paperwork points come from the Vendors sheet and Tax country: the
    button shows the same For accountant as process, never ignoring them."""
    book = a_filled_template()
    settings = book[schema.SETTINGS]
    row = next(r for r in range(1, 30) if settings.cell(r, 1).value == "Tax country")
    settings.cell(row, 2, "US")
    for row, values in enumerate([("Bookkeeper", "US", "individual", "bank"),
                                  ("Writer", "US", "individual", "bank", "not a form")], 2):
        for column, value in enumerate(values, 1):
            book[schema.VENDORS].cell(row, column, value)
    book.save(tmp_path / "vendors.xlsx")
    processed = api.process_workbook(tmp_path / "vendors.xlsx", tmp_path / "processed.xlsx")
    decided = macro.OpenpyxlBook(openpyxl.load_workbook(tmp_path / "vendors.xlsx"))
    problems = macro.decide_book(decided)  # dated today, as process's sheets are
    decided.workbook.save(tmp_path / "macro.xlsx")
    written, expected = (openpyxl.load_workbook(path)[schema.ACCOUNTANT]
                         for path in (tmp_path / "macro.xlsx", processed.output))
    days = RunDays()
    assert days.undated(trimmed(written)) == days.undated(trimmed(expected))
    texts = {cell.value for row in written.iter_rows() for cell in row}
    assert "1099-NEC likely: collect a W-9" in texts  # the bookkeeper: 1,800 a year by bank
    assert [str(p) for p in problems] == [str(p) for p in processed.notices]
    assert any("E3" in str(p) for p in problems)  # "not a form": said at its cell


def test_a_rerun_back_to_version_1_leaves_nothing_of_the_version_2_block() -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    tasks = book.workbook[schema.TASKS]
    needed = next(cell.column for cell in tasks[1] if cell.value == "Still needed")
    inputs = tasks.max_column  # the template's columns, Still needed among them
    tasks.cell(2, needed, "No")
    macro.decide_book(book, RUN_DATE)
    assert block(tasks)["Verdict"][0] == "DROP" and "Margin of safety" in block(tasks)
    tasks.cell(2, needed, "Yes")  # no version 2 input filled in any more
    macro.decide_book(book, RUN_DATE)
    headers = [c.value for c in tasks[1] if c.value is not None]
    assert headers[inputs:] == [header for _, header, _ in schema.TASK_RESULTS]
    assert block(tasks)["Verdict"] == ["OUTSOURCE", "NEEDS QUOTE", "OUTSOURCE"]


def test_settings_come_from_their_defined_names_first() -> None:
    book = a_filled_template()
    book[schema.SETTINGS]["A2"] = "Something else"  # the label is gone; the name remains
    assert macro.read_book(macro.OpenpyxlBook(book)).found.settings.hourly_worth == 120
    book.create_sheet("Elsewhere")["C3"] = 60
    book.defined_names["HourlyWorth"].attr_text = "Elsewhere!$C$3"
    assert macro.read_book(macro.OpenpyxlBook(book)).found.settings.hourly_worth == 60


@pytest.mark.parametrize("break_it, message", [
    (lambda b: b.remove(b[schema.SETTINGS]) or [b.defined_names.pop(s.name)
                                               for s in schema.SETTINGS_ROWS],
     "has no Settings sheet"),
    (lambda b: b.remove(b[schema.QUOTES]), "has no Quotes sheet"),
    (lambda b: b[schema.SETTINGS].__setitem__("B2", None), "hourly worth is missing"),
    (lambda b: b[schema.TASKS].delete_rows(1), "no header row with the columns"),
])
def test_what_stops_the_macro_is_said_and_nothing_is_written(break_it, message) -> None:
    workbook = a_filled_template()
    break_it(workbook)
    before = list(workbook.sheetnames)
    book = macro.OpenpyxlBook(workbook)
    problems = macro.decide_book(book, RUN_DATE)
    assert any(message in str(p) for p in problems)
    assert book.alerts == ["Nothing was written:\n" + "\n".join(str(p) for p in problems)]
    assert workbook.sheetnames == before


def test_report_sheets_use_the_writers_layout() -> None:
    decision = macro.read_book(macro.OpenpyxlBook(a_filled_template())).decision
    sheets = macro.report_sheets(decision, RUN_DATE)
    assert list(sheets) == list(schema.OWNED_SHEETS)
    rows, number_formats = sheets[schema.ACCOUNTANT]
    assert [RUN_DATE] in [[v for v in row if isinstance(v, dt.date)] for row in rows]
    assert number_formats


def test_values_are_read_as_the_file_readers_read_them() -> None:
    assert excel_value(dt.datetime(1899, 12, 30, 1, 30)) == dt.time(1, 30)
    assert excel_value(dt.datetime(2026, 1, 2)) == dt.datetime(2026, 1, 2)
    assert type(excel_value(np.float64(2.5))) is float
    assert as_grid(5) == [[5]]
    assert as_grid([1, 2]) == [[1, 2]]
    assert as_grid(np.array([[1, None]], dtype=object)) == [[1, None]]


def with_a_summary_of_the_users(book: openpyxl.Workbook) -> openpyxl.Workbook:
    """A sheet of the user's called Summary, and a formula on another sheet reading it."""
    mine = book.create_sheet(schema.SUMMARY)
    mine["A1"], mine["B2"], mine["C3"] = "My own summary", 42, "=B2*2"
    book.create_sheet("Notes")["A1"] = "=Summary!B2"
    return book


def test_a_sheet_of_the_users_called_summary_is_kept(tmp_path: Path) -> None:
    book = macro.OpenpyxlBook(with_a_summary_of_the_users(a_filled_template()))
    before = trimmed(book.workbook[schema.SUMMARY])
    for _ in range(2):  # the second press finds its sheet by its mark, not by name
        macro.decide_book(book, RUN_DATE)
    names = book.workbook.sheetnames
    assert trimmed(book.workbook[schema.SUMMARY]) == before
    assert book.workbook["Notes"]["A1"].value == "=Summary!B2"
    assert names.count("Summary (outsourcing)") == 1 and len(names) == len(set(names))
    assert book.workbook["Summary (outsourcing)"]["A1"].value == "Outsourcing summary"
    assert "a sheet of yours is called 'Summary'" in book.alerts[-1]
    book.workbook.save(tmp_path / "decided.xlsx")  # `process` then finds the same sheet
    outcome = api.process_workbook(tmp_path / "decided.xlsx", tmp_path / "processed.xlsx")
    assert openpyxl.load_workbook(outcome.output).sheetnames == names


def test_a_summary_written_before_sheets_were_marked_is_replaced() -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    macro.decide_book(book, RUN_DATE)
    del book.workbook[schema.SUMMARY].defined_names[schema.SHEET_MARKER]
    macro.decide_book(book, RUN_DATE)
    assert book.workbook.sheetnames.count(schema.SUMMARY) == 1
    assert "Summary (outsourcing)" not in book.workbook.sheetnames


def test_a_rerun_finds_its_block_by_its_marker(tmp_path: Path) -> None:
    book = macro.OpenpyxlBook(a_filled_template())
    macro.decide_book(book, RUN_DATE)
    tasks = book.workbook[schema.TASKS]
    first = trimmed(tasks)
    start = next(c.column for c in tasks[1] if c.value == schema.TASK_RESULTS[0][1])
    tasks.cell(1, start).value = None  # the block's first header, cleared by the user
    macro.decide_book(book, RUN_DATE)
    assert trimmed(tasks) == first  # written where it was, not a second block beside it
    book.workbook.save(tmp_path / "decided.xlsx")  # and `process` finds the same block
    outcome = api.process_workbook(tmp_path / "decided.xlsx", tmp_path / "processed.xlsx")
    assert trimmed(openpyxl.load_workbook(outcome.output)[schema.TASKS]) == first
