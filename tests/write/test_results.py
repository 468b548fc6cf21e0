"""writing.write_results on real workbooks: read -> decide -> write -> reopen and check.

(Package-level behaviour, part by part, is in tests/ooxml/, a file per module.)"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from support.paths import TYPICAL_SAMPLE, excel_made_file

from xlsheet_outsource import api, reading
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.summary import summarise
from xlsheet_outsource.ooxml.archive import PackageParts
from xlsheet_outsource.write import report_sheets, results, style
from xlsheet_outsource.write.report_sheets import ACCOUNTANT_CELLS, SUMMARY_CELLS

RUN_DATE = dt.date(2024, 5, 1)
EVIL = "=cmd|' /C calc'!A0"
TASK_HEADERS = ["Task ID", "Task", "Category", "Frequency", "Per", "Hours each", "Expertise",
                "Quality critical", "Notes", "My own column"]
QUOTE_HEADERS = ["Task ID", "Vendor", "Price", "Basis", "Vendor hours each", "Setup fee",
                 "Your setup hours", "Your review hours each", "Platform fee %", "Notes"]
TASKS = [
    ["T1", "Write weekly blog post", "Content", 1, "week", 3, "Strong", "No", None, "keep me"],
    ["T2", EVIL, "Admin", 2, "month", 4, "Weak", "No", None, 42],
    ["T3", "Strategy", None, 1, "week", 5, "Core", "No"],
    ["T4", "Broken", "Admin", -1, "week", 5, "Weak", "No"],
    ["T5", "Newsletter", "Content", 1, "week", 2, "Strong", "Yes"],
    ["T6", "Short email", "Admin", 1, "week", 0.5, "Weak", "No"],
    ["T7", "Social posts", "Marketing", 3, "week", 1, "Weak", "No"],
]
QUOTES = [
    ["T1", "Ann", 90, "per occurrence", None, 100, None, 0.5, None],
    ["T1", "Bob", 100, "per occurrence", None, None, None, 0.5, None],
    ["T2", "+Cy", 30, "per hour", None, None, 2, 0.25, 0.05],
    ["T3", "Dee", 100, "per occurrence", None, None, None, 0.5, None],
    ["T5", "Eve", 60, "per occurrence", None, 50, 1, 0.25, None],
    ["T6", "Fay", 10, "per occurrence", None, None, None, 0.5, None],
    ["T9", "Gus", 10, "per occurrence", None, None, None, 0.5, None],
]


def make_workbook(path: Path, *, by_name: bool = False, title_rows: int = 0) -> Path:
    """Settings (by label, or by defined name), Tasks, Quotes and a sheet of the user's."""
    book = openpyxl.Workbook()
    settings = book.active
    settings.title = schema.SETTINGS
    if by_name:
        settings["C5"], settings["C6"] = 120, "EUR"
        book.defined_names.add(DefinedName("HourlyWorth", attr_text="Settings!$C$5"))
        book.defined_names.add(DefinedName("Currency", attr_text="Settings!$C$6"))
    else:
        for row in (["Hourly worth", 120], ["Currency", "EUR"], ["Horizon (years)", 2]):
            settings.append(row)
    tasks = book.create_sheet(schema.TASKS)
    for _ in range(title_rows):
        tasks.append(["My tasks"])
    for row in [TASK_HEADERS, *TASKS]:
        tasks.append(row)
    tasks.conditional_formatting.add("J2:J20", CellIsRule(
        operator="equal", formula=['"keep me"'], fill=PatternFill("solid", start_color="FF0000")))
    quotes = book.create_sheet(schema.QUOTES)
    for row in [QUOTE_HEADERS, *QUOTES]:
        quotes.append(row)
    mine = book.create_sheet("My notes")
    mine["A1"], mine["B2"] = "Ideas", "=1+1"
    _as_text(book)
    book.save(path)
    return path


def _as_text(book: openpyxl.Workbook) -> None:
    """openpyxl would store the user's '=...' as a formula; a user who typed it has text."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == EVIL:
                    cell.data_type = "s"


def run(source: Path, target: Path, **kwargs: object):
    found = reading.read_workbook(source)
    assert not found.fatal, found.fatal
    decision = api.decide(found.settings, found.tasks.raw, found.quotes.raw,
                          task_locate=found.tasks.locate, quote_locate=found.quotes.locate)
    results.write_results(found, decision, target, run_date=RUN_DATE, **kwargs)
    return found, decision


def header_columns(ws, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book}


def cf_rules(ws) -> list[tuple[str, str, tuple]]:
    return sorted((str(cf.sqref), r.type, tuple(r.formula or ())) for cf in ws.conditional_formatting
                  for r in cf.rules)


@pytest.fixture
def written(tmp_path):
    source = make_workbook(tmp_path / "plan.xlsx")
    target = tmp_path / "plan.outsourced.xlsx"
    found, decision = run(source, target)
    return source, target, found, decision


def test_task_block_holds_every_figure_cell_by_cell(written):
    _, target, _, decision = written
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    columns = header_columns(ws, 1)
    first = len(TASK_HEADERS) + 1
    assert [columns[h] for _, h, _ in schema.TASK_RESULTS] == list(
        range(first, first + len(schema.TASK_RESULTS)))
    assert ws.cell(1, first).fill.fgColor.rgb.endswith("0F5257") and ws.cell(1, first).font.b
    for row, task in decision.tasks.iterrows():
        for key, header, kind in schema.TASK_RESULTS:
            cell, expected = ws.cell(row, columns[header]), task[key]
            if isinstance(expected, str):
                assert cell.value == expected and cell.data_type == "s"
            elif expected is None or expected != expected:
                assert cell.value is None, (cell.coordinate, cell.value)
            else:
                assert cell.value == pytest.approx(expected), cell.coordinate
                if kind in ("money", "hours"):  # hours with the decimals the column needs
                    decimals = style.decimals_needed(decision.tasks[key])
                    assert cell.number_format == (schema.money_format("EUR") if kind == "money"
                                                  else "#,##0" + "." * bool(decimals)
                                                  + "0" * decimals)
                    assert (cell.font.name, cell.font.sz) == ("Calibri", 11)
    verdicts = [ws.cell(r, columns["Verdict"]).value for r in range(2, 2 + len(TASKS))]
    assert verdicts == ["OUTSOURCE", "OUTSOURCE", "KEEP", "ERROR", "REVIEW", "KEEP", "NEEDS QUOTE"]
    assert "Tasks!D5" in ws.cell(5, columns["Reason"]).value
    assert ws.cell(2, columns["Annual saving"]).number_format == '"€"#,##0.00;-"€"#,##0.00'
    assert ws.cell(7, columns["Break-even hourly worth"]).value is None  # nothing freed
    assert ws.cell(8, columns["Cash to vendor a year"]).value is None  # no quote


def test_quote_block_ranks_and_problems(written):
    _, target, _, decision = written
    ws = openpyxl.load_workbook(target)[schema.QUOTES]
    columns = header_columns(ws, 1)
    assert [columns[h] for _, h, _ in schema.QUOTE_RESULTS] == [11, 12, 13, 14]
    assert [ws.cell(r, 13).value for r in range(2, 9)] == [1, 2, 1, 1, 1, 1, None]
    assert ws.cell(2, 11).value == pytest.approx(decision.quotes.at[2, "cash"])
    assert "no task with ID 'T9'" in ws.cell(8, 14).value
    assert ws.cell(2, 13).number_format == schema.number_format("integer", "EUR")


def test_verdict_colours_and_saving_bar(written):
    _, target, _, _ = written
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    rules = cf_rules(ws)
    verdict_rules = {formula[0].strip('"') for ref, typ, formula in rules if ref == "U2:U8"}
    assert verdict_rules == set(schema.VERDICTS)  # a version 1 block: version 1's verdicts
    assert ("Q2:Q8", "dataBar", ()) in rules
    assert ("J2:J20", "cellIs", ('"keep me"',)) in rules  # the user's own rule stays


def test_summary_headline_equals_the_sum_of_the_rows(written):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    tasks, summary = book[schema.TASKS], book[schema.SUMMARY]
    columns = header_columns(tasks, 1)
    rows = [{h: tasks.cell(r, c).value for h, c in columns.items()} for r in range(2, 9)]
    out = [r for r in rows if r["Verdict"] == "OUTSOURCE"]
    decidable = [r for r in rows if r["Verdict"] != "ERROR"]
    expected = {
        "self_cost_all": sum(r["Cost to do yourself"] for r in decidable),
        "saving": sum(r["Annual saving"] for r in out),
        "hours_freed_year": sum(r["Hours freed"] for r in out),
        "hours_freed_week": sum(r["Hours freed"] for r in out) / 50,
        "cash_year": sum(r["Cash to vendor a year"] for r in out),
        "task_count": len(TASKS),
    }
    expected["cost_after"] = expected["self_cost_all"] - expected["saving"]
    for key, value in expected.items():
        assert summary[SUMMARY_CELLS[key]].value == pytest.approx(value), key
    assert summary[SUMMARY_CELLS["saving"]].number_format == schema.money_format("EUR")
    week = summary[SUMMARY_CELLS["hours_freed_week"]]
    assert week.number_format == "#,##0" + ".00"[:1 + style.decimals_needed([week.value])]
    assert len(summary._charts) == 2


def test_accountant_totals_are_the_cash_of_outsource_rows(written):
    _, target, _, decision = written
    ws = openpyxl.load_workbook(target)[schema.ACCOUNTANT]
    out = decision.tasks[decision.tasks["verdict"] == "OUTSOURCE"]
    assert ws[ACCOUNTANT_CELLS["run_date"]].value.date() == RUN_DATE
    assert "currency" not in ACCOUNTANT_CELLS  # the currency is in the figures' format and the note
    assert ws[ACCOUNTANT_CELLS["cash_year"]].number_format == schema.money_format("EUR")
    assert "in EUR" in ws["A2"].value
    assert ws[ACCOUNTANT_CELLS["recurring_year"]].value == pytest.approx(out["recurring"].sum())
    assert ws[ACCOUNTANT_CELLS["setup_once"]].value == pytest.approx(out["setup_cash"].sum())
    assert ws[ACCOUNTANT_CELLS["cash_year"]].value == pytest.approx(out["cash"].sum())
    assert ws[ACCOUNTANT_CELLS["outsourced_count"]].value == len(out)
    totals = [r for r in ws.iter_rows(values_only=True) if r[0] == "Total"]
    assert len(totals) == 5  # cash by vendor and month by month (R + O, first 12 months);
    # by vendor, by category, tasks outsourced (cash a year, setup spread)
    first_year = round(out["recurring_cash"].sum() + out["one_off_cash"].sum(), 2)
    for total in totals[:2]:
        assert [v for v in total if v is not None][-1] == first_year
    for total in totals[2:]:
        assert out["cash"].sum() == pytest.approx([v for v in total if v is not None][-1])
    text = " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)
    assert "own time is not included" in text and "Saving" not in text


def test_report_sheets_are_sheets_py_layout_cell_for_cell(written):
    """The package writer puts For accountant's task rows in as XML; what a reader sees
    is what sheets.py lays out with openpyxl alone (as the Excel macro shows it)."""
    _, target, _, decision = written
    scratch = openpyxl.Workbook()
    scratch.remove(scratch.active)
    report_sheets.replace_report_sheets(scratch, summarise(decision), RUN_DATE)
    book = openpyxl.load_workbook(target)
    assert len(decision.tasks[decision.tasks["verdict"] == "OUTSOURCE"]) >= 2

    def cells(ws):
        return {cell.coordinate: (_as_date(cell.value), cell.number_format, cell.font.b)
                for row in ws.iter_rows() for cell in row if cell.value is not None}
    for name in schema.OWNED_SHEETS:
        assert cells(book[name]) == cells(scratch[name]), name


def _as_date(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


def test_formula_looking_text_stays_text(written):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    found = [c for ws in book for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert {c.parent.title for c in found} >= {schema.TASKS, schema.SUMMARY, schema.ACCOUNTANT}
    assert all(c.data_type == "s" for c in found)
    vendors = [c for row in book[schema.ACCOUNTANT].iter_rows() for c in row if c.value == "+Cy"]
    assert vendors and all(c.data_type == "s" for c in vendors)
    with zipfile.ZipFile(target) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>cmd" not in package.read(name), name


def test_rerun_replaces_never_duplicates(written, tmp_path):
    _, first, _, _ = written
    second = tmp_path / "again.xlsx"
    run(first, second)
    assert values(first) == values(second)
    for path in (first, second):
        ws = openpyxl.load_workbook(path)[schema.TASKS]
        headers = [c.value for c in ws[1] if c.value is not None]
        assert len(headers) == len(set(headers)) == len(TASK_HEADERS) + len(schema.TASK_RESULTS)
    book_1, book_2 = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    assert cf_rules(book_1[schema.TASKS]) == cf_rules(book_2[schema.TASKS])
    assert book_2.sheetnames == [schema.SETTINGS, schema.TASKS, schema.QUOTES, "My notes",
                                 schema.SUMMARY, schema.ACCOUNTANT]


def test_rerun_in_place_after_the_user_adds_a_column(written):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    ws = book[schema.TASKS]
    ws.cell(1, 30).value, ws.cell(2, 30).value = "Later column", "mine"
    book.save(target)
    run(target, target)
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    assert (ws.cell(1, 30).value, ws.cell(2, 30).value) == ("Later column", "mine")
    assert ws.cell(1, 11).value == "Occurrences a year"  # the block stays where it was


def test_a_note_typed_below_the_block_moves_it_right_of_everything(written):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    ws = book[schema.TASKS]
    ws.cell(1, 30).value = "Later column"
    ws.cell(9, 21).value = "my note"  # below the tasks, in a column of the block
    book.save(target)
    outcome = api.process_workbook(target, in_place=True)
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    assert (ws.cell(9, 21).value, ws.cell(1, 30).value) == ("my note", "Later column")
    headers = [c.value for c in ws[1]]
    assert headers.index("Occurrences a year") == 30  # column AE, right of AD
    assert headers.count("Verdict") == 1 and ws.cell(1, 11).value is None
    assert [str(n) for n in outcome.notices] == [
        "Tasks!U9: a value of yours is where the computed block was: the block now starts "
        "in column AE"]


def test_a_user_column_inside_the_old_block_is_not_overwritten(written):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    ws = book[schema.TASKS]
    ws.insert_cols(14)  # the user inserts a column between "Cost to do yourself" and "Best vendor"
    ws.cell(1, 14).value, ws.cell(2, 14).value = "Comment", "looked at it"
    book.save(target)
    run(target, target)
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    assert (ws.cell(1, 14).value, ws.cell(2, 14).value) == ("Comment", "looked at it")
    headers = [c.value for c in ws[1] if c.value is not None]
    assert headers.count("Verdict") == 1 and headers.index("Comment") < headers.index("Verdict")


def test_the_users_cells_and_sheets_are_kept(written):
    source, target, _, _ = written
    before, after = values(source), values(target)
    assert after["My notes"] == before["My notes"]
    assert after[schema.SETTINGS] == before[schema.SETTINGS]
    assert [r[:len(QUOTE_HEADERS)] for r in after[schema.QUOTES]] == before[schema.QUOTES]
    assert [r[:len(TASK_HEADERS)] for r in after[schema.TASKS]] == before[schema.TASKS]
    assert openpyxl.load_workbook(target)["My notes"]["B2"].data_type == "f"


def test_header_below_a_title_and_settings_by_defined_name(tmp_path):
    source = make_workbook(tmp_path / "named.xlsx", by_name=True, title_rows=2)
    run(source, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")[schema.TASKS]
    assert ws.cell(3, 11).value == "Occurrences a year" and ws.cell(4, 11).value == 50
    assert ws.cell(1, 11).value is None and ws.cell(4, 21).value == "OUTSOURCE"


def test_a_failed_save_leaves_the_target_and_no_temp_file(written, monkeypatch):
    source, target, _, _ = written
    before = target.read_bytes()

    def broken_save(self, stream):
        stream.write(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(PackageParts, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        run(source, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([source.name, target.name])


def test_extension_must_match_the_content(written, tmp_path):
    source, _, _, _ = written
    with pytest.raises(ValueError, match="without macros"):
        run(source, tmp_path / "out.xlsm")


def test_macros_survive(tmp_path):
    source = tmp_path / "macros.xlsm"
    shutil.copy(excel_made_file("macro01.xlsm"), source)
    book = openpyxl.load_workbook(source, keep_vba=True)
    plain = make_workbook(tmp_path / "plain.xlsx")
    for sheet in openpyxl.load_workbook(plain).worksheets[:3]:
        copy = book.create_sheet(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            copy.append(row)
    _as_text(book)
    book.save(source)
    target = tmp_path / "macros.outsourced.xlsm"
    run(source, target)
    with zipfile.ZipFile(target) as package:
        assert "xl/vbaProject.bin" in package.namelist()
    assert openpyxl.load_workbook(target)[schema.TASKS]["U2"].value == "OUTSOURCE"
    with pytest.raises(ValueError, match="macros"):
        run(source, tmp_path / "lost.xlsx")


def test_formulas_are_written_with_the_decided_value(written, tmp_path):
    """The seam for live formulas: a formula per block cell, its saved result the value;
    the best quote rows it is given, those the Best quote row column shows."""
    source, _, _, decision = written
    target = tmp_path / "formulas.xlsx"
    seen = {}
    given_best_rows = []

    def formulas(layouts, best_rows):
        seen.update(layouts)
        given_best_rows.append(best_rows)
        tasks = layouts[schema.TASKS]
        return {(schema.TASKS, 2, tasks.columns["occurrences"]): "D2*50",
                (schema.TASKS, 2, tasks.columns["verdict"]): 'IF(1,"OUTSOURCE","")'}

    run(source, target, formulas=formulas)
    layout = seen[schema.TASKS]
    assert layout.header_row == 1 and layout.rows == tuple(range(2, 2 + len(TASKS)))
    assert layout.columns["occurrences"] == len(TASK_HEADERS) + 1
    assert layout.inputs["frequency"] == 4
    with_formulas = openpyxl.load_workbook(target)[schema.TASKS]
    cached = openpyxl.load_workbook(target, data_only=True)[schema.TASKS]
    occurrences, verdict = layout.columns["occurrences"], layout.columns["verdict"]
    assert with_formulas.cell(2, occurrences).value == "=D2*50"
    assert cached.cell(2, occurrences).value == decision.tasks.at[2, "occurrences"] == 50
    assert with_formulas.cell(2, verdict).value == '=IF(1,"OUTSOURCE","")'
    assert cached.cell(2, verdict).value == "OUTSOURCE"
    assert with_formulas.cell(3, occurrences).value == decision.tasks.at[3, "occurrences"]
    shown = [cached.cell(row, layout.columns["best_row"]).value for row in layout.rows]
    assert shown == [None if math.isnan(row) else row for row in given_best_rows[0]]
    assert given_best_rows[0].notna().any()


def test_tasks_keep_header_and_names_in_view_and_filter_over_the_block(written):
    """Frozen at the header row and the Task column (the Verdict, far right, is read
    beside the task's name), a filter over inputs and block; kept as they are on a re-run."""
    _, target, _, decision = written
    book = openpyxl.load_workbook(target)
    tasks, quotes = book[schema.TASKS], book[schema.QUOTES]
    last_task = 1 + len(decision.tasks)
    assert tasks.freeze_panes == "C2"  # Task ID, Task
    assert tasks.auto_filter.ref == f"A1:{get_column_letter(len(TASK_HEADERS) + 12)}{last_task}"
    assert quotes.freeze_panes == "C2"  # Task ID, Vendor
    assert quotes.auto_filter.ref.startswith("A1:N")
    again = target.with_name("again.xlsx")
    run(target, again)
    assert openpyxl.load_workbook(again)[schema.TASKS].auto_filter.ref == tasks.auto_filter.ref


def test_a_users_own_panes_filter_and_tables_stay_theirs(tmp_path):
    source = make_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(source)
    book[schema.TASKS].freeze_panes = "A3"
    book[schema.TASKS].auto_filter.ref = "A1:C5"
    book.save(source)
    target = tmp_path / "out.xlsx"
    run(source, target)
    tasks = openpyxl.load_workbook(target)[schema.TASKS]
    assert (tasks.freeze_panes, tasks.auto_filter.ref) == ("A3", "A1:C5")


# --- Version 2: the block's columns when a version 2 input is filled in -----------------

def _fragile_below(path: Path, value: float | None) -> None:
    """Fill in (or empty) the Settings row Fragile below: a version 2 input."""
    book = openpyxl.load_workbook(path)
    settings = book[schema.SETTINGS]
    row = next((r for r in range(1, settings.max_row + 1)
                if settings.cell(r, 1).value == "Fragile below"), settings.max_row + 1)
    settings.cell(row, 1).value, settings.cell(row, 2).value = "Fragile below", value
    book.save(path)


def test_version2_block_has_payback_margin_sensitive_to_and_plan(tmp_path):
    source = make_workbook(tmp_path / "plan.xlsx")
    _fragile_below(source, 0.5)
    target = tmp_path / "plan.outsourced.xlsx"
    _, decision = run(source, target)
    assert decision.version2
    ws = openpyxl.load_workbook(target)[schema.TASKS]
    columns = header_columns(ws, 1)
    first = len(TASK_HEADERS) + 1
    written = schema.task_results(True)
    assert [columns[h] for _, h, _ in written] == list(range(first, first + len(written)))
    assert [h for _, h, _ in written[9:14]] == ["Max price each", "Payback months",
                                                "Margin of safety", "Sensitive to", "Plan"]
    for row, task in decision.tasks.iterrows():
        for key, header, _ in schema.TASK_RESULTS_V2:
            cell, expected = ws.cell(row, columns[header]), task[key]
            if isinstance(expected, str):
                assert cell.value == expected
            elif expected is None or expected != expected:
                assert cell.value is None, (cell.coordinate, cell.value)
            else:
                assert cell.value == pytest.approx(expected), cell.coordinate
    t1 = decision.tasks.loc[2]  # Ann: a setup fee, paid back in months; near its flip
    assert t1["payback"] > 0 and t1["fragile"] and "fragile" in t1["reason"]
    assert ws.cell(2, columns["Payback months"]).number_format.startswith("#,##0.")
    assert ws.cell(2, columns["Margin of safety"]).number_format == schema.PERCENT_FORMAT
    assert ws.cell(2, columns["Sensitive to"]).value == t1["sensitive_to"]
    assert ws.cell(2, columns["Plan"]).value == t1["plan"] == schema.IN_PLAN
    verdicts = get_column_letter(columns["Verdict"])
    coloured = {formula[0].strip('"') for ref, _, formula in cf_rules(ws)
                if ref.startswith(verdicts + "2:")}
    assert coloured == set(schema.ALL_VERDICTS)
    struck = {rule.formula[0].strip('"') for cf in ws.conditional_formatting for rule in cf.rules
              if rule.dxf is not None and rule.dxf.font is not None and rule.dxf.font.strike}
    assert struck == {schema.DROP}


@pytest.mark.parametrize("versions", [(False, True), (True, False)])
def test_a_rerun_that_switches_version_replaces_the_block(tmp_path, versions):
    source = make_workbook(tmp_path / "plan.xlsx")
    target = tmp_path / "plan.outsourced.xlsx"
    expected = {}
    for version2 in versions:
        _fragile_below(source if not expected else target, 0.5 if version2 else None)
        _, decision = run(source if not expected else target, target)
        assert decision.version2 == version2
        ws = openpyxl.load_workbook(target)[schema.TASKS]
        headers = [c.value for c in ws[1]]
        expected = [*TASK_HEADERS, *(h for _, h, _ in schema.task_results(version2))]
        assert headers[:len(expected)] == expected  # in place
        assert all(c.value is None for row in ws.iter_rows(min_col=len(expected) + 1)
                   for c in row)  # nothing left of the other version's block
        assert ws.cell(2, headers.index("Verdict") + 1).value == decision.tasks.at[2, "verdict"]


def comments(ws) -> dict[str, tuple[str, str]]:
    """Each note of the sheet: cell -> (text, author)."""
    return {cell.coordinate: (cell.comment.text, cell.comment.author)
            for row in ws.iter_rows() for cell in row if cell.comment is not None}


def test_every_computed_header_has_its_note_and_the_users_notes_stay(tmp_path):
    """Tasks has notes of the user's (a comments part already); Quotes has none (its parts
    are made). A re-run replaces the tool's notes, never duplicates them."""
    source = make_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(source)
    theirs = {"A1": ("my own header note", "Pat"), "B3": ("ask Ann first", "Pat")}
    for cell, (text, author) in theirs.items():
        book[schema.TASKS][cell].comment = Comment(text, author)
    book.save(source)
    target = tmp_path / "out.xlsx"
    run(source, target)
    for sheet, results_ in ((schema.TASKS, schema.TASK_RESULTS),
                            (schema.QUOTES, schema.QUOTE_RESULTS)):
        ws = openpyxl.load_workbook(target)[sheet]
        columns = header_columns(ws, 1)
        expected = {f"{get_column_letter(columns[header])}1":
                    (schema.RESULT_NOTES[key], "xlsheet-outsource")
                    for key, header, _ in results_}
        assert comments(ws) == expected | (theirs if sheet == schema.TASKS else {})
    again = tmp_path / "again.xlsx"
    run(target, again)
    for sheet in (schema.TASKS, schema.QUOTES):
        assert comments(openpyxl.load_workbook(again)[sheet]) == \
            comments(openpyxl.load_workbook(target)[sheet])


def test_a_users_note_on_a_computed_header_is_kept_on_a_rerun(written, tmp_path):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    tasks = book[schema.TASKS]
    verdict = f"{get_column_letter(header_columns(tasks, 1)['Verdict'])}1"
    tasks[verdict].comment = Comment("check with my accountant", "Pat")
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    again = tmp_path / "again.xlsx"
    run(edited, again)
    notes = comments(openpyxl.load_workbook(again)[schema.TASKS])
    assert notes[verdict] == ("check with my accountant", "Pat")
    assert len(notes) == len(schema.TASK_RESULTS)


def test_a_header_the_user_typed_over_loses_the_tools_note(written, tmp_path):
    _, target, _, _ = written
    book = openpyxl.load_workbook(target)
    tasks = book[schema.TASKS]
    verdict = f"{get_column_letter(header_columns(tasks, 1)['Verdict'])}1"
    tasks[verdict].value = "My notes"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    again = tmp_path / "again.xlsx"
    run(edited, again)
    tasks = openpyxl.load_workbook(again)[schema.TASKS]
    assert tasks[verdict].value == "My notes" and tasks[verdict].comment is None
    assert len(comments(tasks)) == len(schema.TASK_RESULTS)


def test_tasks_and_quotes_print_landscape_a_few_pages_wide_with_names_and_header_row(
        written, tmp_path):
    """A sheet of the user's without print set-up of their own prints fitted to the fewest
    pages wide at 75% or more (Tasks: its 10 inputs and 12 results, 3 pages), Task ID and Task or
    Vendor and the header row on every page; a re-run writes the same again (one print
    titles name, not two)."""
    _, target, _, _ = written
    again = tmp_path / "again.xlsx"
    run(target, again)
    for path in (target, again):
        book = openpyxl.load_workbook(path)
        for sheet, pages in ((schema.TASKS, 3), (schema.QUOTES, 1)):
            ws = book[sheet]
            assert (ws.page_setup.orientation, ws.page_setup.fitToWidth,
                    ws.page_setup.fitToHeight) == ("landscape", pages, 0)
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert (ws.print_title_cols, ws.print_title_rows) == ("$A:$B", "$1:$1")
    with zipfile.ZipFile(target) as first, zipfile.ZipFile(again) as second:
        assert second.read("xl/workbook.xml").count(b"_xlnm.Print_Titles") == 4  # + reports
        for part in ("xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"):
            assert first.read(part) == second.read(part)


def test_the_templates_print_setup_is_the_tools_to_redo(tmp_path):
    """The typical sample carries the template's set-up (one page wide, the header row):
    processed, its Tasks prints 3 pages wide (2,964 pixels of columns; a page holds 1,216
    at 75%, Task ID and Task taking 297 of them), its Quotes 2 (1,536), each with its
    naming columns; the print titles name replaced, not added to."""
    decided = api.process_workbook(TYPICAL_SAMPLE, tmp_path / "decided.xlsx").output
    book = openpyxl.load_workbook(decided)
    for sheet, pages in ((schema.TASKS, 3), (schema.QUOTES, 2)):
        ws = book[sheet]
        assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                ws.page_setup.pageOrder) == ("landscape", pages, 0, "overThenDown")
        assert (ws.print_title_cols, ws.print_title_rows) == ("$A:$B", "$1:$1")
    with zipfile.ZipFile(decided) as package:
        names = package.read("xl/workbook.xml")
    assert names.count(b"_xlnm.Print_Titles") == 5  # Tasks, Quotes, Vendors + reports


def test_the_users_own_print_setup_is_kept(tmp_path):
    """Portrait at 80% on Tasks, only a print area on Quotes: each is the user's choice."""
    source = make_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(source)
    book[schema.TASKS].page_setup.orientation = "portrait"
    book[schema.TASKS].page_setup.scale = 80
    book[schema.QUOTES].print_area = "A1:D8"
    book.save(source)
    target = tmp_path / "out.xlsx"
    run(source, target)
    book = openpyxl.load_workbook(target)
    tasks, quotes = book[schema.TASKS], book[schema.QUOTES]
    assert (tasks.page_setup.orientation, tasks.page_setup.scale) == ("portrait", 80)
    assert quotes.page_setup.orientation is None and quotes.print_area == "'Quotes'!$A$1:$D$8"
    for ws in (tasks, quotes):
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows is None


@pytest.mark.parametrize(("formula", "tools"), [
    (None, True),  # none yet
    ("'Tom''s &amp; Jo'!$3:$3", True),  # the header row alone, as the template writes it
    ("'Tom''s &amp; Jo'!$A:$B,'Tom''s &amp; Jo'!$3:$3", True),  # as the tool writes it
    ("'Tom''s &amp; Jo'!$A:$D,'Tom''s &amp; Jo'!$3:$3", True),  # up to MOST_FROZEN columns
    ("Tom's &amp; Jo!$A:$A,Tom's &amp; Jo!$3:$3", True),  # Excel's spelling, unquoted
    ("'Tom''s &amp; Jo'!$A:$E,'Tom''s &amp; Jo'!$3:$3", False),  # more than MOST_FROZEN
    ("'Tom''s &amp; Jo'!$B:$B,'Tom''s &amp; Jo'!$3:$3", False),  # not from A
    ("'Tom''s &amp; Jo'!$3:$4", False),  # more rows
    ("'Tom''s &amp; Jo'!$1:$1", False),  # another row
    ("'Other'!$3:$3", False),
])
def test_the_tools_print_titles_are_those_it_writes(formula, tools):
    """Any form the tool writes (quoted, 0 to MOST_FROZEN naming columns) or Excel writes
    back (unquoted) is the tool's to replace; any other print titles are the user's."""
    layout = results.BlockLayout("Tom's & Jo", 3, {"verdict": 12}, {"id": 1, "task": 2}, (4,))
    assert results._tools_print_titles(formula, layout) == tools


def _one_off_the_tools(ws, change: str) -> None:
    """The tool's own print set-up on ``ws`` (as the template writes it), but for one
    setting of the user's."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 2, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    if change == "scale":
        ws.page_setup.scale = 90
    elif change == "portrait":
        ws.page_setup.orientation = "portrait"
    elif change == "pages tall":
        ws.page_setup.fitToHeight = 1
    elif change == "print area":
        ws.print_area = "A1:F9"
    elif change == "print titles":
        ws.print_title_rows = "1:2"
    elif change == "title columns":
        ws.print_title_cols = "C:C"


def _print_setup_parts(path: Path, part: str) -> tuple[list[bytes], bytes]:
    """The sheet's sheetPr and pageSetup elements; the workbook's names of that sheet."""
    with zipfile.ZipFile(path) as package:
        xml, names = package.read(part), package.read("xl/workbook.xml")
    elements = re.findall(rb"<sheetPr\b.*?</sheetPr>|<pageSetup\b[^>]*>", xml)
    return elements, b"".join(re.findall(rb'<definedName name="_xlnm[^>]*localSheetId="1"[^<]*',
                                         names))


@pytest.mark.parametrize("change", ["scale", "portrait", "pages tall", "print area",
                                    "print titles", "title columns"])
def test_a_setup_one_setting_off_the_tools_is_the_users_kept_byte_for_byte(tmp_path, change):
    source = make_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(source)
    _one_off_the_tools(book[schema.TASKS], change)
    book.save(source)
    target = tmp_path / "out.xlsx"
    run(source, target)
    before = _print_setup_parts(source, "xl/worksheets/sheet2.xml")
    assert before[0] and before[1]
    assert _print_setup_parts(target, "xl/worksheets/sheet2.xml") == before


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["money", "hours", "count", "integer", "pct"]),
       figures=st.lists(st.one_of(
           st.floats(-1e13, 1e13), st.sampled_from([999.995, -999.995, 99.994, 0.0, -0.001]),
           st.integers(-10**9, 10**9), st.just(math.nan), st.just(math.inf)), max_size=40))
def test_a_column_is_as_wide_as_every_figure_measured(kind: str, figures: list[float]) -> None:
    """Only the largest and most negative figures are measured: the same width as
    measuring every one of them."""
    values = pd.Series(figures, dtype=float)
    number_format = style.format_for(kind, "USD", values)
    every = max((style.column_width_for(style.text_pixels(style.shown(style.plain(v), number_format)))
                 for v in values), default=0)
    header_width = style.column_width_for(style.text_pixels("Header", bold=True))
    assert results._width("Header", values, number_format) == max(
        header_width, min(every, results.WIDEST_TEXT))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("iIl1WMm@ .,$0123456789abcT\n\té漢\U0001f600"),
                        max_size=30), max_size=300))
def test_a_column_of_text_is_as_wide_as_every_text_measured(texts: list[str]) -> None:
    """Only the texts whose characters add up widest are measured, one of each that
    measure the same character for character: the same width as measuring them all."""
    def widest(measured: set[str]) -> float:
        return max(map(style.column_width_for, map(style.text_pixels, measured)), default=0)
    kept = style.widest_texts(set(texts))
    assert kept <= set(texts) and widest(kept) == widest(set(texts))
    assert len(style.widest_texts({f"Task {i}" for i in range(1000)})) == 3  # by digits
