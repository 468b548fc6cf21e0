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


def exchange_rates(wb) -> list[inputs.RateRow]:
    """The filled rows of the table named ExchangeRates (its first row is the header);
    none in a workbook made before version 2's template."""
    if schema.EXCHANGE_NAME not in wb.defined_names:
        return []
    sheet, area = next(wb.defined_names[schema.EXCHANGE_NAME].destinations)
    return [inputs.RateRow(code.value, rate.value, code.coordinate, rate.coordinate)
            for code, rate in wb[sheet][area.replace("$", "")][1:] if code.value is not None]


def decide_workbook(path: Path) -> tuple[Decision, dict[str, dict[str, str]]]:
    wb = openpyxl.load_workbook(path)
    values = {}
    for setting in schema.ALL_SETTINGS:
        if setting.name not in wb.defined_names:  # made before version 2's template
            continue
        sheet, coordinate = next(wb.defined_names[setting.name].destinations)
        values[setting.name] = wb[sheet][coordinate].value
    settings, problems = inputs.read_settings(values, lambda name: name, exchange_rates(wb))
    assert settings is not None, problems
    tasks, task_letters = read_table(wb[schema.TASKS], schema.TASK_INPUTS)
    quotes, quote_letters = read_table(wb[schema.QUOTES], schema.QUOTE_INPUTS)
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


@pytest.fixture(scope="module")
def course() -> Decision:
    return decide_workbook(SAMPLES / "course_creator.xlsx")[0]


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


def test_marketer_and_agency_stay_version1(marketer: Decision, agency: Decision) -> None:
    """The proof that version 1 is unchanged: neither fills in a version 2 input."""
    assert not marketer.version2 and not agency.version2
    for decision in (marketer, agency):
        assert decision.settings.exchange_rates == {}
        assert decision.tasks["bundle"].isna().all() and decision.tasks["still_needed"].all()
        assert decision.quotes["kind"].isin(["person"]).all()


def verdicts(decision: Decision) -> dict[str, str]:
    return dict(zip(decision.tasks["task_id"], decision.tasks["verdict"], strict=True))


def by_id(decision: Decision, task_id: str) -> pd.Series:
    return decision.tasks.set_index("task_id").loc[task_id]


def test_course_creator_shows_each_version2_story(course: Decision) -> None:
    assert course.version2 and course.problems == []
    assert verdicts(course) == {
        "C1": "KEEP", "C2": "OUTSOURCE", "C3": "OUTSOURCE", "C4": "OUTSOURCE",
        "C5": "OUTSOURCE", "C6": "NEEDS QUOTE", "C7": "AUTOMATE", "C8": "DROP",
        "C9": "OUTSOURCE", "C10": "OUTSOURCE"}
    assert set(course.tasks["verdict"]) >= set(schema.VERDICTS_V2)


def test_course_creator_admin_bundle_wins_by_hand(course: Decision) -> None:
    """E = 100. Emails 250 x 0.2 h, travel 24 x 0.5 h, receipts 50 x 0.75 h: 99.5 h a
    year, Self 9,950. Alone the emails free nothing (KEEP), the others have no quote:
    Alone = 9,950. The VA at 30 an hour: Cash 2,985, Own (324 x 0.05 + 2) x 100 = 1,820,
    Out 4,805 < 9,950: won, saving 5,145; the emails' share of the cash 50/99.5."""
    members = course.tasks[course.tasks["bundle"] == "Admin VA"]
    assert members["best_vendor"].eq("Virtual assistant (retainer)").all()
    assert members["saving"].sum() == pytest.approx(5145)
    assert members["out_cost"].sum() == pytest.approx(4805)
    assert by_id(course, "C2")["cash"] == pytest.approx(1500)
    assert members["reason"].str.contains("in bundle Admin VA with 3 tasks").all()


def test_course_creator_support_bundle_loses_by_hand(course: Decision) -> None:
    """Proofreading alone: 50 x 20 + 50 x 0.1 h x 100 = 1,500; the CRM has no quote:
    Alone = 1,500 + 5,000 = 6,500. The agency: 500 x 12 + 150 x 0.1 x 100 = 7,500."""
    assert by_id(course, "C5")["best_vendor"] == "Fiverr: proofreader"
    assert by_id(course, "C5")["out_cost"] == pytest.approx(1500)
    assert by_id(course, "C6")["verdict"] == "NEEDS QUOTE"


def test_course_creator_tool_drop_currency_and_budget_by_hand(course: Decision) -> None:
    # The app: 30 x 12 = 360 cash, (250 x 0.1 + 3) x 100 = 2,800 own time; Self 12,500.
    tool = by_id(course, "C7")
    assert (tool["cash"], tool["saving"]) == (pytest.approx(360), pytest.approx(9340))
    # Nobody reads the report: 50 x 1.5 h x 100 saved, nothing paid.
    dropped = by_id(course, "C8")
    assert (dropped["saving"], dropped["cash"]) == (pytest.approx(7500), 0)
    # 150 GBP a month and a 200 GBP setup fee at 1.27: 2,286 + 254 = 2,540 USD, beating
    # the local 3,300; Own (12 x 0.5 + 3) x 100 = 900, Self 4,800, Save 1,360 (>= 960).
    # Payback 12 x (254 + 300) / (4,800 - 2,286 - 600) = 3.47 months. Save = 960 at
    # hours each 3,440 / 960 = 3.58: a 10.4% change, below 15%: fragile.
    books = by_id(course, "C9")
    assert books["best_vendor"] == "UK bookkeeper (remote)"
    assert (books["cash"], books["saving"]) == (pytest.approx(2540), pytest.approx(1360))
    assert books["payback"] == pytest.approx(12 * 554 / 1914)
    assert "(fragile: a 10% change in hours each flips it)" in books["reason"]
    # Budget 1,000 a month, best saving per cash first: app 30, proofreader 83.33, the VA
    # 248.75 (362.08); the video editor's 750 would make it 1,112.08: over; the
    # bookkeeper's 211.67 still fits (573.75).
    plans = dict(zip(course.tasks["task_id"], course.tasks["plan"], strict=True))
    assert plans["C10"] == schema.OVER_BUDGET
    assert [t for t, plan in plans.items() if plan == schema.IN_PLAN] == [
        "C2", "C3", "C4", "C5", "C7", "C9"]


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
