"""The committed sample workbooks open, hold what make_samples.py says, and decide as promised.

Read back with plain openpyxl (not the package's reader) so these samples also check it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support.paths import MISTAKES_SAMPLE, SAMPLE_FILES, SAMPLES

from xlsheet_outsource import api
from xlsheet_outsource.engine import inputs, schema
from xlsheet_outsource.engine.model import Decision

DECIDED = {"OUTSOURCE", "KEEP", "REVIEW", "NEEDS QUOTE"}


def read_table(ws, columns: tuple[schema.Column, ...]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Non-blank rows by schema key, indexed by sheet row; and each key's column letter."""
    lookup = schema.header_lookup(columns)
    letters = {lookup[schema.normalise_header(c.value)]: c.column_letter
               for c in ws[1] if schema.normalise_header(c.value) in lookup}
    rows = {}
    for cells in ws.iter_rows(min_row=2):
        values = {key: ws[f"{letter}{cells[0].row}"].value for key, letter in letters.items()}
        if not all(inputs.is_blank(v) for v in values.values()):
            rows[cells[0].row] = values
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(letters)), letters


def decide_workbook(path: Path) -> tuple[Decision, dict[str, dict[str, str]]]:
    wb = openpyxl.load_workbook(path)
    settings = {}
    for setting in schema.SETTINGS_ROWS:
        sheet, coordinate = next(wb.defined_names[setting.name].destinations)
        settings[setting.name] = wb[sheet][coordinate].value
    tasks, task_letters = read_table(wb[schema.TASKS], schema.TASK_COLUMNS)
    quotes, quote_letters = read_table(wb[schema.QUOTES], schema.QUOTE_COLUMNS)
    decision = api.decide(settings, tasks, quotes,
                          task_locate=lambda row, key: f"{task_letters[key]}{row}",
                          quote_locate=lambda row, key: f"{quote_letters[key]}{row}")
    return decision, {schema.TASKS: task_letters, schema.QUOTES: quote_letters}


@pytest.fixture(scope="module")
def marketer() -> Decision:
    return decide_workbook(SAMPLES / "internet_marketer.xlsx")[0]


@pytest.fixture(scope="module")
def agency() -> Decision:
    return decide_workbook(SAMPLES / "small_agency.xlsx")[0]


# Added after the samples were made; tests/write/test_formulas_lo.py covers them.
NEWER_BASES = {"per week", "per day"}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.stem)
def test_sample_has_the_template_sheets(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES,
                             schema.VENDORS]


def test_marketer_shows_every_verdict_but_error(marketer: Decision) -> None:
    assert 12 <= len(marketer.tasks) <= 15
    assert marketer.problems == []
    assert set(marketer.tasks["verdict"]) == DECIDED
    assert set(marketer.quotes["basis"]) == set(schema.BASIS_VALUES) - NEWER_BASES


def test_marketer_keeps_for_each_reason(marketer: Decision) -> None:
    kept = marketer.tasks.loc[marketer.tasks["verdict"] == "KEEP", "reason"]
    assert kept.str.contains("core expertise").any()
    assert kept.str.contains("takes as long").any()
    assert kept.str.contains("yourself is cheaper").any()
    reviewed = marketer.tasks.loc[marketer.tasks["verdict"] == "REVIEW", "reason"]
    assert reviewed.str.contains("marginal").any()
    assert reviewed.str.contains("quality control").any()


def test_agency_is_big_and_varied(agency: Decision) -> None:
    tasks, quotes = agency.tasks, agency.quotes
    assert len(tasks) >= 40 and len(quotes) >= 100
    assert 6 <= tasks["category"].nunique() <= 8
    assert set(tasks["per"]) == set(schema.PER_VALUES)
    assert set(quotes["basis"]) == set(schema.BASIS_VALUES) - NEWER_BASES
    assert agency.problems == []
    assert set(tasks["verdict"]) == DECIDED


def test_agency_has_tied_quotes(agency: Decision) -> None:
    costs = agency.quotes.dropna(subset=["out_cost"])[["key", "out_cost"]].round(6)
    assert costs.duplicated().any()


def documented(section: str) -> list[str]:
    """The indented 'Sheet!A1: ...' lines of one section of make_samples.py's docstring."""
    doc = ast.get_docstring(ast.parse((SAMPLES / "make_samples.py").read_text(encoding="utf-8")))
    text = doc.split(section, 1)[1].split("\n\n", 2)[1]
    return [line.strip() for line in text.splitlines() if re.match(r"\s+\w+!\w+: ", line)]


def test_mistakes_give_exactly_the_documented_problems() -> None:
    decision, _ = decide_workbook(MISTAKES_SAMPLE)
    expected = documented("Expected problems")
    assert len(expected) == 6
    assert sorted(map(str, decision.problems)) == sorted(expected)


def bad_rows(decision: Decision, sheet: str) -> set[int]:
    return {int(re.sub(r"[A-Z]+", "", p.cell)) for p in decision.problems if p.sheet == sheet}


def test_mistakes_only_the_bad_rows_fail() -> None:
    decision, _ = decide_workbook(MISTAKES_SAMPLE)
    task_failed = decision.tasks["verdict"] == "ERROR"
    assert set(decision.tasks.index[task_failed]) == bad_rows(decision, schema.TASKS)
    quote_failed = decision.quotes["problem"].notna()
    assert set(decision.quotes.index[quote_failed]) == bad_rows(decision, schema.QUOTES)


def test_mistakes_understood_as_documented() -> None:
    decision, letters = decide_workbook(MISTAKES_SAMPLE)
    wb = openpyxl.load_workbook(MISTAKES_SAMPLE)
    frames = {schema.TASKS: decision.tasks, schema.QUOTES: decision.quotes}
    lines = documented("Understood as meant")
    assert len(lines) == 6
    for line in lines:
        sheet, column, row, typed, meant = re.fullmatch(
            r"(\w+)!([A-Z]+)(\d+): (.+) -> (.+)", line).groups()
        assert wb[sheet][f"{column}{row}"].value == ast.literal_eval(typed)
        key = next(k for k, letter in letters[sheet].items() if letter == column)
        meant = ast.literal_eval(meant)
        read = frames[sheet].at[int(row), key]
        assert read == (pytest.approx(meant) if isinstance(meant, float) else meant), line


def test_mistakes_headers_found_despite_user_typing() -> None:
    wb = openpyxl.load_workbook(MISTAKES_SAMPLE)
    headers = [c.value for c in wb[schema.TASKS][1] if c.value]
    assert "Owner" in headers and "hours  EACH" in headers
    _, letters = read_table(wb[schema.TASKS], schema.TASK_COLUMNS)
    assert set(letters) == {c.key for c in schema.TASK_COLUMNS}
