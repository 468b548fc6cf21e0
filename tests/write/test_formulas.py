"""formulas.py without a spreadsheet engine: which rows become formulas, what the formulas
reference and use, and that they are saved with the engine's values. What they compute
is checked by LibreOffice in test_formulas_lo.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from click.testing import CliRunner
from openpyxl.workbook.defined_name import DefinedName
from support.paths import MISTAKES_SAMPLE, SAMPLES
from support.version2 import exchange_rows

from xlsheet_outsource import api, reading
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import model, schema
from xlsheet_outsource.write import formulas
from xlsheet_outsource.write.formulas import (
    SettingSource,
    formula_problems,
    reads_as_engine,
    sheet_id,
)
from xlsheet_outsource.write.results import best_quote_rows

COLUMNS = {c.key: c for c in (*schema.TASK_COLUMNS, *schema.QUOTE_COLUMNS)}


@pytest.mark.parametrize("formula, problem", [
    ("SUM(A1:A3)", None),
    ('IF(A1="LET(x)",1,2)', None),  # text is not a call
    ("_xlfn.MINIFS(A:A,B:B,1)", "_xlfn.MINIFS is not in the allowed set"),
    ("MINIFS(A:A,B:B,1)", "MINIFS lacks the _xlfn. prefix Excel requires"),
    ("LET(x,1,x)", "LET lacks the _xlfn. prefix Excel requires"),
    ("VLOOKUP(A1,B:C,2,0)", "VLOOKUP is not in the allowed set"),
])
def test_formula_problems_name_what_is_not_allowed(formula: str, problem: str | None) -> None:
    allowed = formulas.ALLOWED_FUNCTIONS | {"SUM"}
    found = [p for p in formula_problems(formula) if not p.startswith(tuple(allowed))]
    assert found == ([problem] if problem else [])


@pytest.mark.parametrize("raw, key, readable", [
    (3, "frequency", True), (0.25, "hours_each", True), ("3", "frequency", False),
    ("$1,200", "price", False), (None, "setup_fee", True), ("", "review_hours_each", True),
    ("  ", "setup_fee", False),  # blank to the tool, text to a spreadsheet
    (5, "platform_fee", True), ("5%", "platform_fee", False),
    ("week", "per", True), ("Weekly", "per", True), (" week ", "per", True),
    ("one-off", "per", True), ("\tweek", "per", False), ("fortnight", "per", False),
    ("", "basis", True), ("Per Hour", "basis", True), ("hourly", "basis", True),
    ("CORE", "expertise", True), ("", "expertise", True), ("expert", "expertise", False),
    (True, "quality_critical", True), (1, "quality_critical", True), ("y", "quality_critical", True),
    ("N", "quality_critical", True), (0.5, "quality_critical", False),
])
def test_a_row_is_formulas_only_where_a_spreadsheet_reads_what_the_engine_reads(
        raw: object, key: str, readable: bool) -> None:
    assert reads_as_engine(raw, COLUMNS[key]) is readable


@pytest.mark.parametrize("raw, compared", [
    ("T1", "T1"), ("A-01", "A-01"), ("task_2.b", "task_2.b"), (7, 7.0), (None, None),
])
def test_task_ids_spreadsheets_compare_alike(raw: object, compared: object) -> None:
    assert sheet_id(raw) == compared


@pytest.mark.parametrize("raw", ["T 1", "T*", "=T1", ">5", "TRUE", "Mar-21", "1A", 1.5, True])
def test_task_ids_spreadsheets_compare_differently_are_not_used(raw: object) -> None:
    assert sheet_id(raw) is formulas.UNREADABLE


def test_settings_become_terms_with_their_blanks_and_percentages() -> None:
    sources = {"HourlyWorth": SettingSource("HourlyWorth", 120),
               "FillRate": SettingSource("Settings!$B$4", None),
               "Currency": SettingSource("Currency", "usd ")}
    terms, why = formulas.settings_terms(sources)
    assert why is None
    assert terms.E == "HourlyWorth"
    assert terms.u == 'IF(Settings!$B$4="",1,IF(Settings!$B$4>1,Settings!$B$4/100,Settings!$B$4))'
    assert terms.CUR == 'IF(Currency="","USD",UPPER(TRIM(Currency)))'
    assert terms.T == "1" and terms.M == "0.2"  # not in the workbook: the defaults
    terms, why = formulas.settings_terms({"HourlyWorth": SettingSource("HourlyWorth", "$120")})
    assert terms is None and "HourlyWorth" in why and "'$120'" in why


def test_money_and_hours_are_spelled_without_text_formats() -> None:
    spelled = formulas.money_text("$P2") + formulas.hours_text("$Q2")
    assert "TEXT(" not in spelled and "FIXED(" not in spelled
    assert not formula_problems(spelled)


def _processed(source: Path, tmp_path: Path) -> api.Outcome:
    tmp_path.mkdir(exist_ok=True)
    outcome = api.process_workbook(source, tmp_path / source.name, formulas=True)
    assert outcome.formulas is not None
    return outcome


def test_every_task_of_the_typical_sample_is_formulas(tmp_path: Path) -> None:
    outcome = _processed(SAMPLES / "internet_marketer.xlsx", tmp_path)
    plan, decision = outcome.formulas, outcome.decision
    assert plan.kept == [] and plan.live_tasks == len(decision.tasks)
    per_task = len(schema.task_results(version2=False, formulas=True)) * len(decision.tasks)
    per_quote = 3 * int(decision.quotes["rank"].notna().sum())  # not Problem: empty
    assert len(plan.cells) == per_task + per_quote
    assert not {p for f in plan.cells.values() for p in formula_problems(f)}
    text = "".join(plan.cells.values())
    assert {"HourlyWorth", "FillRate", "HorizonYears", "MarginPct", "WorkDaysPerYear",
            "WorkWeeksPerYear", "Currency"} <= set(re.findall(r"[A-Z][A-Za-z]+(?=[=<>*/)+,-])", text))


def _relative(formula: str, row: int) -> str:
    """The formula with each relative row number as its offset from ``row`` (R1C1-like):
    two rows' formulas read alike when this is the same."""
    return re.sub(r"(?<=[A-Z])(?<!\$)(\d+)|(?<=\$[A-Z])(\d+)",
                  lambda m: f"[{int(m.group(0)) - row}]", formula)


def test_a_column_of_formulas_is_the_same_but_for_its_row(tmp_path: Path) -> None:
    """LibreOffice reads a column's formula once when row after row it is the same
    relative to its row: every quote listed with its task's others away from the table's
    edges, and every Tasks column but Best quote row (each task's best quote is in
    another row): the cells reading the best quote read it at the row that cell holds."""
    outcome = _processed(SAMPLES / "internet_marketer.xlsx", tmp_path)
    assert outcome.formulas is not None
    by_column: dict[tuple[str, int], set[str]] = {}
    for (sheet, row, column), formula in outcome.formulas.cells.items():
        if 4 <= row <= 21:  # up to three quotes of a task together: two rows off the edges
            by_column.setdefault((sheet, column), set()).add(_relative(formula, row))
    quotes = [forms for (sheet, _), forms in by_column.items() if sheet == schema.QUOTES]
    tasks = [forms for (sheet, _), forms in by_column.items() if sheet == schema.TASKS]
    assert [len(forms) for forms in quotes] == [1, 1, 1]
    assert sorted(len(forms) > 1 for forms in tasks) == [False] * 12 + [True]


def test_formulas_are_saved_with_the_engine_values(tmp_path: Path) -> None:
    """A reader that does not calculate (pandas, calamine) sees every figure at once."""
    outcome = _processed(SAMPLES / "internet_marketer.xlsx", tmp_path)
    book = openpyxl.load_workbook(outcome.output)
    grid = python_calamine.CalamineWorkbook.from_path(str(outcome.output)).get_sheet_by_name(
        schema.TASKS).to_python()
    (sheet, row, column), formula = next(iter(outcome.formulas.cells.items()))
    assert book[sheet].cell(row, column).value == "=" + formula
    reasons = [r[column - 1] for r in grid[1:]]
    assert all(isinstance(r, float) for r in reasons)  # the first column: occurrences
    task = outcome.decision.tasks
    assert [r[-2] for r in grid[1:]] == list(task["reason"])  # Best quote row is last
    best_rows = best_quote_rows(outcome.decision).astype(object).fillna("")  # blank: a task with no quote
    assert [r[-1] for r in grid[1:]] == list(best_rows) and "" in list(best_rows)
    # calamine reads an error as "": a blank figure must be saved blank, not as #NUM!
    saved = openpyxl.load_workbook(outcome.output, data_only=True)
    errors = [cell.coordinate for name in (schema.TASKS, schema.QUOTES)
              for row in saved[name].iter_rows() for cell in row if cell.data_type == "e"]
    assert errors == []


def test_rows_with_numbers_typed_as_text_keep_values_and_say_why(tmp_path: Path) -> None:
    outcome = _processed(MISTAKES_SAMPLE, tmp_path)
    kept = outcome.formulas.kept
    assert "Tasks row 10 (T8): values, not formulas: Quotes!C2 holds the text '$1,200', " \
           "which formulas cannot read as the tool does" in kept
    error_rows = set(outcome.decision.tasks.index[outcome.decision.tasks["error"].notna()])
    task_rows = {row for sheet, row, _ in outcome.formulas.cells if sheet == schema.TASKS}
    assert task_rows and not task_rows & error_rows


def _workbook(tmp_path: Path, hourly_worth: object, task_id: object = "T1",
              quote_id: object = "T1") -> Path:
    book = openpyxl.Workbook()
    book.active.title = schema.SETTINGS
    book.active.append(["Hourly worth", hourly_worth])
    book.defined_names["HourlyWorth"] = DefinedName("HourlyWorth", attr_text="Settings!$B$1")
    tasks = book.create_sheet(schema.TASKS)
    tasks.append(["Task ID", "Frequency", "Per", "Hours each"])
    tasks.append([task_id, 1, "week", 3])
    quotes = book.create_sheet(schema.QUOTES)
    quotes.append(["Task ID", "Price"])
    quotes.append([quote_id, 90])
    book.save(tmp_path / "small.xlsx")
    return tmp_path / "small.xlsx"


def test_formulas_read_each_setting_where_the_reader_found_it(tmp_path: Path) -> None:
    """By its defined name (here on a sheet whose name needs quotes), else beside its label."""
    path = _workbook(tmp_path, "not read: the name points elsewhere")
    book = openpyxl.load_workbook(path)
    book[schema.SETTINGS].append(["Fill rate", 0.5])
    book.create_sheet("It's mine")["C5"] = 120
    book.defined_names["HourlyWorth"] = DefinedName("HourlyWorth",
                                                    attr_text="'It''s mine'!$C$5")
    book.save(path)
    cells = reading.read_workbook(path).setting_cells
    assert (cells["HourlyWorth"], cells["FillRate"]) == (
        reading.SettingCell("It's mine", 5, 3, 120, named=True),
        reading.SettingCell(schema.SETTINGS, 2, 2, 0.5, named=False))
    outcome = _processed(path, tmp_path / "out")
    text = "".join(outcome.formulas.cells.values())
    assert "HourlyWorth" in text and "IF(Settings!$B$2>1,Settings!$B$2/100" in text


def test_settings_typed_as_text_keep_every_row(tmp_path: Path) -> None:
    outcome = _processed(_workbook(tmp_path, "$120"), tmp_path / "out")
    assert outcome.formulas.cells == {}
    assert outcome.formulas.kept[0].startswith("every row: the setting HourlyWorth")


def test_a_quote_whose_id_differs_in_case_keeps_its_task_as_values(tmp_path: Path) -> None:
    """The tool pairs "t1" with T1; LibreOffice may not (case-sensitive matching is an option)."""
    outcome = _processed(_workbook(tmp_path, 120, quote_id="t1"), tmp_path / "out")
    assert outcome.decision.tasks["verdict"].tolist() == ["OUTSOURCE"]
    assert outcome.formulas.cells == {}
    assert "spell the Task ID of Tasks!A2 differently" in outcome.formulas.kept[0]


def test_version_2_rows_are_formulas_but_the_columns_from_the_engine(tmp_path: Path) -> None:
    """A task nobody needs is live (its verdict a formula giving DROP); Margin of safety,
    Sensitive to and Plan are the engine's values on every row; a quote whose currency
    formulas cannot convert as the tool does keeps its task as values, and says why."""
    source = tmp_path / "v2.xlsx"
    book = openpyxl.load_workbook(SAMPLES / "internet_marketer.xlsx")
    tasks, quotes = book[schema.TASKS], book[schema.QUOTES]
    headers = {sheet.title: {cell.value: cell.column for cell in sheet[1]}
               for sheet in (tasks, quotes)}
    tasks.cell(2, headers[schema.TASKS]["Still needed"], "No")
    quotes.cell(6, headers[schema.QUOTES]["Currency"], "EUR")  # T2's quote, at a rate typed
    rate = exchange_rows(book[schema.SETTINGS])[0]  # typed with a space before it, in the
    rate.value, rate.offset(0, 1).value = " EUR", 1.1  # template's rate table
    book.save(source)
    outcome = _processed(source, tmp_path / "out")
    plan, decision = outcome.formulas, outcome.decision
    assert decision.version2 and decision.tasks["verdict"].iloc[0] == "DROP"
    assert plan.kept == [f"Tasks row 3 (T2): values, not formulas: Settings!{rate.coordinate} "
                         "holds the text ' EUR', which formulas cannot look up as the tool does: type the "
                         "code as three letters, the rate as a number"]
    placed = reading.read_workbook(outcome.output).tasks.result_columns
    written = {(row, column) for sheet, row, column in plan.cells if sheet == schema.TASKS}
    assert (2, placed["verdict"]) in written and (2, placed["payback"]) in written
    assert not {(row, placed[key]) for row in range(2, 16) for key in formulas.FROM_ENGINE
                } & written
    assert '"DROP"' in plan.cells[(schema.TASKS, 2, placed["verdict"])]
    notes = {cell.value: cell.comment.text for cell in
             openpyxl.load_workbook(outcome.output)[schema.TASKS][1] if cell.comment}
    assert notes["Margin of safety"].endswith(schema.FROM_ENGINE_NOTE)
    assert not notes["Payback months"].endswith(schema.FROM_ENGINE_NOTE)  # a live formula


def test_process_formulas_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["process", str(MISTAKES_SAMPLE), "-o",
                                       str(out), "--formulas"])
    assert result.exit_code == 1  # its mistakes are problems; the rest is decided and written
    assert "formulas: 2 tasks and their quotes; 4 kept as values" in result.output
    assert "Tasks row 10 (T8): values, not formulas" in result.output
    result = CliRunner().invoke(main, ["process", str(SAMPLES / "internet_marketer.xlsx"), "-o",
                                       str(out), "--formulas", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["formulas"] == {"live_tasks": 14, "kept_as_values": []}


# The engine's formatting at two edges docs/formulas.md describes. Spreadsheets cannot
# round as Python's format does, so the engine should round as they do; these turn into
# failures (strict) once it does, as a reminder to narrow tests/lo.py's engine_edges.

def test_the_engine_rounds_half_cents_as_spreadsheets_do() -> None:
    assert model.money_text(pd.Series([10.125, 0.125]), "USD").tolist() == ["10.13 USD",
                                                                             "0.13 USD"]


def test_the_engine_writes_a_zero_saving_as_spreadsheets_do() -> None:
    assert model.money_text(-pd.Series([0.0]), "USD").tolist() == ["0.00 USD"]


def test_batch_writes_formulas_and_redoes_a_workbook_decided_without(tmp_path: Path) -> None:
    from xlsheet_outsource.batch.run import run_batch
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "im.xlsx").write_bytes((SAMPLES / "internet_marketer.xlsx").read_bytes())
    run_batch(folder, tmp_path / "out", jobs=1)
    report = run_batch(folder, tmp_path / "out", jobs=1, formulas=True)
    assert [row.unchanged for row in report.rows] == [False]
    book = openpyxl.load_workbook(tmp_path / "out" / "im.outsourced.xlsx")
    assert str(book[schema.TASKS]["L2"].value).startswith("=$D2*CHOOSE(")
