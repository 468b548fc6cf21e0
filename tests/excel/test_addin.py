"""`addin` writes a macro-enabled workbook wired for xlwings that openpyxl and LibreOffice
open; `freeze` turns its OUTSOURCE_* formulas into the values the engine gives."""

from __future__ import annotations

import ast
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from support.lo import sheets_as_csv
from support.workbook_values import through_file

from xlsheet_outsource import api, udfs
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel import addin
from xlsheet_outsource.excel.freeze import freeze_workbook
from xlsheet_outsource.excel.grids import block_rows
from xlsheet_outsource.write.template import LAST_INPUT_ROW

TASKS = [  # Task ID, Task, Category, Frequency, Per, Hours each, Expertise, Quality critical
    ("T1", "Blog post", "Content", 1, "week", 3, "Strong", "No"),
    ("T2", "Client emails", "Admin", 30, "day", 0.1, "Strong", "No"),
    ("T3", "Programming", "Core work", 1, "week", 10, "Core", "No"),
    ("T4", "SEO audit", "Marketing", 1, "quarter", 6, "Strong", "Yes"),
]
TRIES = {2: (90, "per occurrence", 0.5), 3: (5, None, 0.1), 4: (300, None, 1), 5: (400, None, 1)}
QUOTES = [("T1", "Writer", 90, None, None, None, None, 0.5), ("T4", "Agency", "$400", "fixed")]


def formula_text(cell) -> str:
    return cell.value.text if isinstance(cell.value, ArrayFormula) else str(cell.value)


def our_formulas(book: openpyxl.Workbook) -> list[str]:
    return [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f" and "OUTSOURCE_" in formula_text(c).upper()]


needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> addin.AddinFiles:
    return addin.write_addin(tmp_path_factory.mktemp("addin") / "outsourcing.xlsm")


@pytest.fixture(scope="module")
def tasks_letters(written) -> dict[str, str]:
    """Each column of Tasks by its header: the template's inputs, then the Try columns."""
    ws = openpyxl.load_workbook(written.workbook, keep_vba=True)[schema.TASKS]
    return {cell.value: cell.column_letter for cell in ws[1] if cell.value is not None}


@pytest.fixture(scope="module")
def filled(written, tasks_letters, tmp_path_factory) -> Path:
    """The add-in workbook with a few tasks, quotes and prices to try, as a user saves it."""
    book = openpyxl.load_workbook(written.workbook, keep_vba=True)
    book[schema.SETTINGS]["B2"] = 120
    for row, values in enumerate(TASKS, start=2):
        for col, value in enumerate(values, start=1):
            book[schema.TASKS].cell(row, col, value)
    price_column, basis_column, review_column = (tasks_letters[header]
                                                 for header, _, _ in addin.TRY_COLUMNS)
    for row, (price, basis, review) in TRIES.items():
        tasks = book[schema.TASKS]
        tasks[f"{price_column}{row}"], tasks[f"{basis_column}{row}"] = price, basis
        tasks[f"{review_column}{row}"] = review
    for row, values in enumerate(QUOTES, start=2):
        for col, value in enumerate(values, start=1):
            book[schema.QUOTES].cell(row, col, value)
    path = tmp_path_factory.mktemp("filled") / "filled.xlsm"
    book.save(path)
    return path


def test_addin_writes_the_workbook_its_macro_module_and_the_lite_files(written) -> None:
    assert [p.name for p in written.all()] == ["outsourcing.xlsm", "outsourcing.py", "main.py",
                                               "requirements.txt"]
    assert all(p.is_file() for p in written.all())
    module = ast.parse(written.macro_module.read_text())
    assert [f.name for f in module.body if isinstance(f, ast.FunctionDef)] == ["main"]
    assert "decide_caller()" in written.macro_module.read_text()
    lite = written.lite_folder / "main.py"
    imported = {alias.name for node in ast.walk(ast.parse(lite.read_text()))
                if isinstance(node, ast.ImportFrom) and node.module == "xlsheet_outsource.udfs"
                for alias in node.names}
    assert imported == {spec.python_name for spec in udfs.FUNCTIONS.values()}
    assert (written.lite_folder / "requirements.txt").read_text().startswith("xlsheet-outsource==")
    assert os.stat(written.workbook).st_mode & 0o044  # readable as any saved workbook is


def test_addin_keeps_xlwings_vba_project(written) -> None:
    with zipfile.ZipFile(written.workbook) as ours, zipfile.ZipFile(addin.QUICKSTART) as theirs:
        assert ours.read("xl/vbaProject.bin") == theirs.read("xl/vbaProject.bin")
        assert b"macroEnabled" in ours.read("[Content_Types].xml")


def test_addin_opens_with_openpyxl_with_conf_sheet_and_live_formulas(written,
                                                                     tasks_letters) -> None:
    book = openpyxl.load_workbook(written.workbook, keep_vba=True)
    assert book.vba_archive is not None
    assert book.sheetnames == [schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES,
                               addin.LIVE_SHEET, addin.CONF_SHEET]
    conf = {row[0]: row[1] for row in book[addin.CONF_SHEET].iter_rows(values_only=True) if row[0]}
    assert conf["UDF Modules"] == "xlsheet_outsource.udfs"
    tasks = book[schema.TASKS]
    letter = {header: f"${column}" for header, column in tasks_letters.items()}
    # The Try columns come right after the template's own columns, whatever those are.
    assert list(tasks_letters)[-4:] == [*(h for h, _, _ in addin.TRY_COLUMNS), addin.TRY_VERDICT]
    price, basis, review = (letter[header] for header, _, _ in addin.TRY_COLUMNS)

    def expected_call(row: int) -> str:
        """The row's cells and the settings' names; version 2's Still needed and
        FragileBelow once the template has them; left-out arguments at the end dropped."""
        arguments = [
            f"{letter['Hours each']}{row}", f"{letter['Frequency']}{row}",
            f"{letter['Per']}{row}", "HourlyWorth", f"{price}{row}", f"{basis}{row}",
            f"{review}{row}", f"{letter['Expertise']}{row}", f"{letter['Quality critical']}{row}",
            "", "", "", "", "FillRate", "HorizonYears", "MarginPct", "WorkDaysPerYear",
            "WorkWeeksPerYear", "Currency",
            f"{letter['Still needed']}{row}" if "Still needed" in letter else "", "", "",
            "FragileBelow" if "FragileBelow" in book.defined_names else ""]
        while not arguments[-1]:
            arguments.pop()
        return (f'=IF(OR($A{row}="",{price}{row}=""),"",'
                f'OUTSOURCE_VERDICT({",".join(arguments)}))')

    for row in range(2, LAST_INPUT_ROW + 1):
        assert tasks[f"{tasks_letters[addin.TRY_VERDICT]}{row}"].value == expected_call(row)
    table = book[addin.LIVE_SHEET]["B1"].value
    last_input = get_column_letter(column_index_from_string(price[1:]) - 1)
    assert isinstance(table, ArrayFormula) and table.text == (
        f"=OUTSOURCE_TABLE('Tasks'!$A$1:${last_input}${LAST_INPUT_ROW},'Quotes'!$A$1:"
        f"${get_column_letter(book[schema.QUOTES].max_column)}${LAST_INPUT_ROW},'Settings'!$A$1:"
        f"${get_column_letter(book[schema.SETTINGS].max_column)}${LAST_INPUT_ROW})")
    width = len(schema.task_results(version2=True))  # as wide as version 2's block
    assert table.ref == f"B1:{get_column_letter(1 + width)}{LAST_INPUT_ROW}"
    assert book.active.title == schema.START


def test_addin_is_still_a_workbook_process_reads(written, tmp_path: Path) -> None:
    outcome = api.check_workbook(written.workbook)
    assert [str(p) for p in outcome.problems] == [
        "Settings!B2: hourly worth is missing: enter what one hour of your expert work earns"]


@pytest.mark.parametrize("name, message", [
    ("outsourcing.xlsx", "must end in .xlsm"), ("my book.xlsm", "letters, digits and underscores"),
    ("import.xlsm", "letters, digits and underscores")])
def test_addin_refuses_names_that_cannot_work(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        addin.write_addin(tmp_path / name)


def test_addin_command(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "mine.xlsm"
    result = runner.invoke(main, ["addin", str(path)])
    assert result.exit_code == 0 and "mine_xlwings_lite" in result.output
    again = runner.invoke(main, ["addin", str(path)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(main, ["addin", str(path), "--force"]).exit_code == 0


@needs_libreoffice
def test_libreoffice_opens_the_addin_workbook(written, tasks_letters, tmp_path: Path) -> None:
    sheets = sheets_as_csv(written.workbook, tmp_path)
    column = column_index_from_string(tasks_letters[addin.TRY_VERDICT]) - 1
    assert sheets[schema.TASKS][0][column] == addin.TRY_VERDICT
    assert sheets[addin.CONF_SHEET][5][:2] == ["UDF Modules", "xlsheet_outsource.udfs"]


# --- freeze ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def frozen(filled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("frozen") / "frozen.xlsm"
    outcome = freeze_workbook(filled, out)
    assert outcome.problems == [] and outcome.output == out
    assert outcome.frozen == LAST_INPUT_ROW  # 500 Tasks rows and the Live results table
    return out


def test_freeze_leaves_no_outsource_formula(frozen) -> None:
    book = openpyxl.load_workbook(frozen, keep_vba=True)
    assert our_formulas(book) == []
    assert book.vba_archive is not None


def test_frozen_verdicts_are_the_engines(filled, frozen, tasks_letters) -> None:
    tasks = openpyxl.load_workbook(frozen)[schema.TASKS]
    verdict_column, price_column = tasks_letters[addin.TRY_VERDICT], tasks_letters["Try price"]
    for row, (price, basis, review) in TRIES.items():
        task = TASKS[row - 2]
        expected = udfs.outsource_verdict(task[5], task[3], task[4], 120, price, basis, review,
                                          task[6], task[7])
        assert expected in {"OUTSOURCE", "KEEP", "REVIEW"}
        assert tasks[f"{verdict_column}{row}"].value == (
            f'=IF(OR($A{row}="",${price_column}{row}=""),"","{expected}")')


def test_frozen_table_is_the_engines_block(filled, frozen, tmp_path: Path) -> None:
    found, decision = api.decide_workbook(filled)
    results = schema.task_results(decision.version2)
    expected = block_rows(found.tasks, decision.tasks, results, LAST_INPUT_ROW)
    live = openpyxl.load_workbook(frozen)[addin.LIVE_SHEET]
    width = len(schema.task_results(version2=True))  # the array formula's columns
    values = [[live.cell(r, c).value for c in range(2, 2 + width)]
              for r in range(1, LAST_INPUT_ROW + 1)]
    assert [row[:len(results)] for row in values] == through_file(expected, tmp_path)
    assert {value for row in values for value in row[len(results):]} <= {None}
    assert [v for v in decision.tasks["verdict"]] == ["OUTSOURCE", "NEEDS QUOTE", "KEEP", "REVIEW"]


@needs_libreoffice
def test_libreoffice_shows_the_frozen_values(frozen, tasks_letters, tmp_path: Path) -> None:
    sheets = sheets_as_csv(frozen, tmp_path)
    column = column_index_from_string(tasks_letters[addin.TRY_VERDICT]) - 1
    verdicts = [row[column] for row in sheets[schema.TASKS][1:6]]
    assert verdicts[:4] == [udfs.outsource_verdict(t[5], t[3], t[4], 120, *TRIES[n + 2], t[6], t[7])
                            for n, t in enumerate(TASKS)]
    verdict = 1 + sheets[addin.LIVE_SHEET][0][1:].index("Verdict")
    assert [row[verdict] for row in sheets[addin.LIVE_SHEET][1:5]] == [
        "OUTSOURCE", "NEEDS QUOTE", "KEEP", "REVIEW"]


def a_workbook_with(formulas: dict[str, object], tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Calc"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"], ws["A5"] = 3, 1, "week", 120, 90
    book.create_sheet("Other sheet")["B2"] = 0.5
    book.defined_names["Worth"] = DefinedName("Worth", attr_text="Calc!$A$4")
    tables = {"T": [["Task ID", "Frequency", "Per", "Hours each"], ["T1", 1, "week", 3]],
              "Q": [["Task ID", "Price", "Your review hours each"], ["T1", 90, 0.5]],
              "S": [["Hourly worth", 120]]}
    for title, rows in tables.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    for cell, formula in formulas.items():
        ws[cell] = formula
    path = tmp_path / "calc.xlsx"
    book.save(path)
    return path


def test_freeze_evaluates_references_names_literals_and_nested_calls(tmp_path: Path) -> None:
    path = a_workbook_with({
        "C1": "=OUTSOURCE_SAVING(A1,A2,A3,Worth,A5,,'Other sheet'!B2)",
        "C2": '=outsource_verdict($A$1, 1, "week", 120, 90, "per occurrence", 0.5, , TRUE)',
        "C3": "=OUTSOURCE_HOURS_FREED(A1,A2,A3,A4,OUTSOURCE_MAX_PRICE(A1,A2,A3,A4,A5))",
        "C4": '=IF(A1>0,OUTSOURCE_REASON(A1,A2,A3,A4,A5,,0.5),"none")',
        "C5": "=OUTSOURCE_VERDICT(C1,A2,A3,A4,A5)",  # a frozen value feeds another call
        "C6": "=OUTSOURCE_SAVING(-1,A2,A3,A4,A5)",
        "C7": "=SUM(A1:A2)",
        "E1": "=OUTSOURCE_TABLE(T!A1:D2,Q!A1:C2,S!A1:B1)",  # spills into empty cells
    }, tmp_path)
    outcome = freeze_workbook(path)
    assert outcome.problems == [] and outcome.frozen == 7
    ws = openpyxl.load_workbook(outcome.output)["Calc"]
    assert ws["C1"].value == 10_500
    assert ws["C2"].value == "OUTSOURCE"  # TRUE: quality critical, but Weak expertise
    assert ws["C3"].value == udfs.outsource_hours_freed(3, 1, "week", 120, 360)
    assert ws["C4"].value == ('=IF(A1>0,"saves 10,500.00 USD a year and frees 125.0 hours",'
                              '"none")')
    assert ws["C5"].value == udfs.outsource_verdict(10_500, 1, "week", 120, 90)
    assert ws["C6"].value == "#VALUE! hours_each must be a number >= 0, got -1"
    assert ws["C7"].value == "=SUM(A1:A2)"
    assert [[c.value for c in row] for row in ws["O1:P2"]] == [["Verdict", "Reason"], [
        "OUTSOURCE", "saves 10,500.00 USD a year and frees 125.0 hours"]]


def test_freeze_leaves_what_it_cannot_evaluate_and_says_why(tmp_path: Path) -> None:
    path = a_workbook_with({
        "C1": "=OUTSOURCE_SAVING(A1*2,A2,A3,A4,A5)",
        "C2": "=OUTSOURCE_UNKNOWN(A1)",
        "C3": "=OUTSOURCE_VERDICT(C3,A2,A3,A4,A5)",
        "C4": "=OUTSOURCE_VERDICT(A1,A2,A3,Nowhere,A5)",
        "C5": '=IF(A1,OUTSOURCE_TABLE(T!A1:D2,Q!A1:C2,S!A1:B1),"")',
        "D1": "=OUTSOURCE_TABLE(T!A1:D2,Q!A1:C2,S!A1:B1)",
        "D2": "in the way",
    }, tmp_path)
    outcome = freeze_workbook(path)
    assert outcome.frozen == 0
    assert outcome.problems == [
        "Calc!C1: not frozen: argument 1 (A1*2) is an expression; only values, cell references, "
        "names and OUTSOURCE_* calls can be frozen",
        "Calc!D1: not frozen: its result would overwrite D2",
        "Calc!C3: not frozen: Calc!C3 refers to itself",
        "Calc!C4: not frozen: Nowhere is not a cell, range or defined name of this workbook",
        "Calc!C5: not frozen: OUTSOURCE_TABLE inside another formula; give it a cell of its own",
    ]
    ws = openpyxl.load_workbook(outcome.output)["Calc"]
    assert ws["C2"].value == "=OUTSOURCE_UNKNOWN(A1)"
    assert ws["C1"].value == "=OUTSOURCE_SAVING(A1*2,A2,A3,A4,A5)"


def test_freeze_command(filled, tmp_path: Path) -> None:
    runner = CliRunner()
    copy = tmp_path / "book.xlsm"
    shutil.copy(filled, copy)
    result = runner.invoke(main, ["freeze", str(copy)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "book.frozen.xlsm").exists()
    accountant = runner.invoke(main, ["freeze", str(copy), "-o", str(tmp_path / "plain.xlsx")])
    assert accountant.exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "plain.xlsx").vba_archive is None
    missing = runner.invoke(main, ["freeze", str(tmp_path / "missing.xlsx")])
    assert missing.exit_code == 1 and "file not found" in missing.output
