"""The OUTSOURCE_* worksheet functions, called as plain Python: they agree exactly with the
engine, never raise, and are described (xlwings metadata, docs/excel.md) as they are."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import inspect
import math
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import DOCS, SAMPLE_FILES
from support.workbook_values import sheet_grid, through_file

from xlsheet_outsource import api, udfs
from xlsheet_outsource.engine import schema
from xlsheet_outsource.write.style import plain

SAMPLES = SAMPLE_FILES
SINGLE_TASK = [spec for spec in udfs.FUNCTIONS.values() if spec.figure]
WORKED = dict(hours_each=3, frequency=1, per="week", hourly_worth=120, price=90,
              review_hours=0.5)


def call(spec: udfs.WorksheetFunction, *args, **kwargs):
    return getattr(udfs, spec.python_name)(*args, **kwargs)


# --- hand cases: the worked example of the decision model -----------------------------

def test_worked_example() -> None:
    assert udfs.outsource_verdict(**WORKED) == "OUTSOURCE"
    assert udfs.outsource_saving(**WORKED) == 10_500
    assert udfs.outsource_hours_freed(**WORKED) == 125
    assert udfs.outsource_breakeven(**WORKED) == 36
    assert udfs.outsource_max_price(**WORKED) == 300
    assert udfs.outsource_reason(**WORKED) == "saves 10,500.00 USD a year and frees 125.0 hours"


def test_max_price_is_blank_when_no_price_would_pay() -> None:
    """A setup fee that leaves less than nothing for the vendor (-0.01 a post): blank, as
    on Tasks, and the reason says why."""
    costly = WORKED | {"setup_fee": 15_000.50}
    assert udfs.outsource_max_price(**costly) is None
    assert udfs.outsource_reason(**costly) == "doing it yourself is cheaper by 4,500.50 USD a year"
    assert udfs.outsource_max_price(**WORKED | {"setup_fee": 15_000}) == 0


def test_worked_example_priced_per_week_and_per_day() -> None:
    """The figures process and the live formulas give (tests/write/test_formulas_lo.py):
    100 a week x 50 work weeks, 16 a day x 250 work days (46 work weeks: 46 occurrences too)."""
    weekly, daily = WORKED | {"price": 100, "basis": "per week"}, WORKED | {"price": 16,
                                                                          "basis": "per day"}
    assert udfs.outsource_verdict(**weekly) == udfs.outsource_verdict(**daily) == "OUTSOURCE"
    assert udfs.outsource_saving(**weekly) == 10_000
    assert udfs.outsource_saving(**daily) == 11_000
    assert udfs.outsource_reason(**daily) == "saves 11,000.00 USD a year and frees 125.0 hours"
    assert udfs.outsource_saving(**weekly, work_weeks=46) == 9_200


def test_worked_example_variants() -> None:
    assert udfs.outsource_verdict(**WORKED, quality_critical=True, expertise="Strong") == "REVIEW"
    short = WORKED | {"hours_each": 0.5}
    assert udfs.outsource_verdict(**short) == "KEEP"
    assert udfs.outsource_breakeven(**short) is None  # undefined: left blank
    assert udfs.outsource_reason(**WORKED, currency="EUR").endswith("EUR a year and frees 125.0 hours")
    assert udfs.outsource_verdict(**WORKED, expertise="core") == "KEEP"


def test_positional_order_is_the_documented_one() -> None:
    positional = [3, 1, "week", 120, 90, "per occurrence", 0.5, "Weak", False, 0, 0, 0, None,
                  1, 1, 0.2, 250, 50, "USD"]
    assert udfs.outsource_saving(*positional) == 10_500


def test_blank_optional_arguments_take_the_model_defaults() -> None:
    blanks = dict.fromkeys([a.name for a in udfs.TASK_ARGUMENTS if not a.required], None)
    assert udfs.outsource_saving(**(blanks | WORKED)) == 10_500
    assert udfs.outsource_saving(**({k: "" for k in blanks} | WORKED)) == 10_500


@pytest.mark.parametrize("arguments, expected", [
    ({"hours_each": -1}, "#VALUE! hours_each must be a number >= 0, got -1"),
    ({"hours_each": None}, "#VALUE! hours_each is missing"),
    ({"per": "fortnight"}, "#VALUE! per must be one of day, week, month, quarter, year, once; "
                           "got 'fortnight'"),
    ({"hourly_worth": 0}, "#VALUE! hourly_worth must be a number above 0, got 0"),
    ({"price": "#N/A"}, "#VALUE! price holds the error #N/A"),
    ({"platform_fee": 1.5}, None),  # 1.5 in a percent argument is 1.5%
    ({"platform_fee": "150%"}, "#VALUE! platform_fee must be below 100%, got 150%"),
    ({"review_hours": [[1, 2]]}, "#VALUE! review_hours must be a single cell, got a range of 2 cells"),
    ({"quality_critical": "maybe"}, "#VALUE! quality_critical must be Yes or No; got 'maybe'"),
    ({"currency": "dollars"}, "#VALUE! currency must be a three-letter code such as USD, "
                              "got 'dollars'"),
])
def test_bad_arguments_give_a_short_error_naming_them(arguments, expected) -> None:
    result = udfs.outsource_verdict(**(WORKED | arguments))
    if expected is None:
        assert result == "OUTSOURCE"
    else:
        assert result == expected


def test_many_bad_arguments_are_summed_up() -> None:
    assert udfs.outsource_verdict(None, None, None, None, None) == (
        "#VALUE! hours_each is missing; frequency is missing; and 3 more")


def test_one_cell_ranges_and_excel_values_are_read_as_cells() -> None:
    as_range = {k: [[v]] for k, v in WORKED.items()}
    assert udfs.outsource_saving(**as_range) == 10_500
    assert udfs.outsource_saving(**(WORKED | {"hours_each": np.float64(3)})) == 10_500
    # Excel hands "3:00" typed in a time format over as a time on its day zero.
    assert udfs.outsource_saving(**(WORKED | {"hours_each": dt.datetime(1899, 12, 30, 3)})) == 10_500


def test_a_wrong_call_from_python_still_raises() -> None:
    with pytest.raises(TypeError):
        udfs.outsource_verdict(1, 2)
    for wrong in ({"hours_each": 3, "frequency": 1, "per": "week", "price": 90},  # no worth
                  WORKED | {"colour": "red"}):
        with pytest.raises(TypeError):
            udfs.outsource_verdict(**wrong)
    with pytest.raises(TypeError):
        udfs.outsource_verdict(3, 1, "week", 120, 90, hours_each=3)
    with pytest.raises(TypeError):
        udfs.outsource_verdict(*range(20))


# --- agreement with the engine ---------------------------------------------------------

def settings_arguments(settings) -> dict[str, object]:
    return dict(hourly_worth=settings.hourly_worth, fill_rate=settings.fill_rate,
                horizon_years=settings.horizon_years, margin=settings.margin_pct,
                work_days=settings.work_days, work_weeks=settings.work_weeks,
                currency=settings.currency)


def version1_pair(decision, task: pd.Series, quote: pd.Series) -> bool:
    """A task and its best quote that no version 2 input decides: still needed, not in a
    won bundle, the quote no tool and in the workbook's currency (the course creator's
    sample has each; the others none)."""
    return bool(task["still_needed"] and pd.isna(task["in_bundle"]) and quote["kind"] != "tool"
                and (pd.isna(quote["currency"]) or quote["currency"] == decision.settings.currency))


def best_quote_arguments(decision, tasks_raw: pd.DataFrame, quotes_raw: pd.DataFrame):
    """(task row, the single-task arguments of the task and its best quote) for every
    decided task that has one, from the raw values the engine was given; not for a task
    decided by a version 2 input these arguments do not carry (see version1_pair)."""
    best = decision.quotes[decision.quotes["rank"] == 1]
    for quote_row, quote in best.iterrows():
        rows = decision.tasks.index[decision.tasks["key"] == quote["key"]]
        if rows.empty:  # a bundle's quote: OUTSOURCE_TABLE's business
            continue
        task_row = rows[0]
        if decision.tasks.at[task_row, "verdict"] == "ERROR" or not version1_pair(
                decision, decision.tasks.loc[task_row], quote):
            continue
        task, raw_quote = tasks_raw.loc[task_row], quotes_raw.loc[quote_row]
        arguments = {i.argument: (task if i.source == "task" else raw_quote).get(i.key)
                     for i in udfs.ENGINE_INPUTS if i.source != "setting"}
        yield task_row, arguments | settings_arguments(decision.settings)


def assert_agrees(decision, tasks_raw, quotes_raw) -> int:
    checked = 0
    for task_row, arguments in best_quote_arguments(decision, tasks_raw, quotes_raw):
        for spec in SINGLE_TASK:
            expected = plain(decision.tasks.at[task_row, spec.figure])
            assert call(spec, **arguments) == expected, (spec.excel_name, task_row, arguments)
        checked += 1
    return checked


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_function_agrees_with_the_engine_on_each_sample(sample: Path) -> None:
    found, decision = api.decide_workbook(sample)
    assert assert_agrees(decision, found.tasks.raw, found.quotes.raw) > 0


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def amount(low: float, high: float):
    return st.floats(low, high, allow_nan=False).map(lambda x: round(x, 2))


task_rows = st.fixed_dictionaries({
    "frequency": amount(0, 60), "per": st.sampled_from(schema.PER_VALUES),
    "hours_each": amount(0, 12), "expertise": maybe(st.sampled_from(schema.EXPERTISE_VALUES)),
    "quality_critical": maybe(st.sampled_from([True, False, "Yes", "No"])),
})
quote_rows = st.fixed_dictionaries({
    "price": amount(0, 2000), "basis": maybe(st.sampled_from(schema.BASIS_VALUES)),
    "vendor_hours_each": maybe(amount(0, 12)), "setup_fee": maybe(amount(0, 3000)),
    "setup_hours": maybe(amount(0, 40)), "review_hours_each": maybe(amount(0, 4)),
    "platform_fee": maybe(amount(0, 0.3)),
})
settings_values = st.fixed_dictionaries({
    "HourlyWorth": amount(1, 400), "FillRate": amount(0.05, 1), "HorizonYears": amount(0.5, 5),
    "MarginPct": amount(0, 0.9), "WorkDaysPerYear": amount(100, 300),
    "WorkWeeksPerYear": amount(30, 52), "Currency": st.sampled_from(["USD", "EUR", "GBP"]),
})


@st.composite
def workbooks(draw):
    tasks = draw(st.lists(task_rows, min_size=1, max_size=6))
    quotes = []
    for number in range(len(tasks)):  # the first task always quoted: every example checks one
        quotes += [q | {"task_id": f"T{number}"}
                   for q in draw(st.lists(quote_rows, min_size=number == 0, max_size=3))]
    tasks = [t | {"task_id": f"T{n}"} for n, t in enumerate(tasks)]
    return draw(settings_values), pd.DataFrame(tasks), pd.DataFrame(quotes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workbooks())
def test_every_function_agrees_with_the_engine_on_generated_tables(book) -> None:
    """The engine decides whole tables at once; each function decides one task with its
    best quote alone. They must give the same figures, to the last bit."""
    settings_raw, tasks, quotes = book
    decision = api.decide(settings_raw, tasks, quotes)
    quoted_tasks = quotes["task_id"].nunique()
    assert assert_agrees(decision, tasks.astype(object), quotes.astype(object)) == quoted_tasks


# --- OUTSOURCE_TABLE: the computed block -------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_table_equals_the_block_process_writes(sample: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(sample)
    tasks = sheet_grid(book[schema.TASKS])
    table = udfs.outsource_table(tasks, sheet_grid(book[schema.QUOTES]),
                                 sheet_grid(book[schema.SETTINGS]))
    assert len(table) == len(tasks) and {len(row) for row in table} == {len(schema.TASK_RESULTS)}

    found, decision = api.decide_workbook(sample)
    header = found.tasks.header_row
    assert table[header - 1] == [h for _, h, _ in schema.TASK_RESULTS]
    for row in range(header + 1, len(tasks) + 1):
        expected = ([plain(decision.tasks.at[row, key]) for key, _, _ in schema.TASK_RESULTS]
                    if row in decision.tasks.index else [None] * len(schema.TASK_RESULTS))
        assert table[row - 1] == expected

    written = tmp_path / "processed.xlsx"
    assert api.process_workbook(sample, written).output == written
    ws = openpyxl.load_workbook(written)[schema.TASKS]
    left = found.tasks.block_column
    block = [[ws.cell(row, col).value for col in range(left, left + len(schema.TASK_RESULTS))]
             for row in range(header, len(tasks) + 1)]
    assert through_file(table[header - 1:], tmp_path) == block


def test_table_lines_up_with_its_range_and_reports_what_stops_it() -> None:
    tasks = [["My tasks"], [], ["Task ID", "Frequency", "Per", "Hours each"], ["T1", 1, "week", 3],
             [None], ["T2", "two", "week", 1]]
    quotes = [["Task ID", "Price", "Your review hours each"], ["T1", 90, 0.5]]
    table = udfs.outsource_table(tasks, quotes, [["Hourly worth", 120]])
    assert table[:2] == [[None] * 12] * 2
    assert table[2][-2:] == ["Verdict", "Reason"]
    assert table[3][-2:] == ["OUTSOURCE", "saves 10,500.00 USD a year and frees 125.0 hours"]
    assert table[4] == [None] * 12
    assert table[5][-2:] == ["ERROR", "Tasks!B6: frequency must be a number >= 0, got 'two'"]
    assert udfs.outsource_table(tasks, quotes, [["Currency", "EUR"]]) == (
        "#VALUE! Settings, B: hourly worth is missing: enter what one hour of your expert work earns")
    assert udfs.outsource_table([["x"]], quotes, [["Hourly worth", 120]]).startswith(
        "#VALUE! Tasks: no header row with the columns Frequency, Per, Hours each")


# --- never raises --------------------------------------------------------------------------

cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", " 3 ",
                                           "$1,200", "20%", "1:30", "week", "Core", "yes", ""]),
    st.datetimes(min_value=dt.datetime(1899, 12, 30), max_value=dt.datetime(2100, 1, 1)),
)
ranges = st.lists(st.lists(cell_values, max_size=4), max_size=4)
any_argument = st.one_of(cell_values, ranges, ranges.map(lambda r: np.array(r, dtype=object)
                                                         if r and len({len(x) for x in r}) == 1
                                                         else r))


def assert_cell_result(result) -> None:
    if isinstance(result, str) and result.startswith("#VALUE!"):
        assert "unexpected" not in result, result
        assert len(result) <= udfs.MAX_LENGTH, result
    elif isinstance(result, list):
        assert {len(row) for row in result} <= {len(schema.TASK_RESULTS)}
    else:
        assert result is None or isinstance(result, (str, float, int, bool)), result
        assert not (isinstance(result, float) and math.isnan(result))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SINGLE_TASK), st.lists(any_argument, min_size=19, max_size=19))
def test_single_task_functions_never_raise(spec, arguments) -> None:
    assert_cell_result(call(spec, *arguments))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SINGLE_TASK), st.sampled_from(udfs.TASK_ARGUMENTS), any_argument)
def test_each_argument_alone_never_breaks_a_good_call(spec, argument, value) -> None:
    assert_cell_result(call(spec, **(WORKED | {argument.name: value})))


table_cells = st.one_of(cell_values, st.sampled_from(
    ["Task ID", "Frequency", "Per", "Hours each", "Price", "Hourly worth", "T1", "week"]))
table_ranges = st.one_of(table_cells, st.lists(st.lists(table_cells, max_size=6), max_size=6))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_ranges, table_ranges, table_ranges)
def test_table_never_raises(tasks, quotes, settings_range) -> None:
    assert_cell_result(udfs.outsource_table(tasks, quotes, settings_range))


# --- what Excel sees: xlwings metadata and docs/excel.md ------------------------------------

def test_every_function_describes_itself() -> None:
    assert list(udfs.FUNCTIONS) == [
        "OUTSOURCE_VERDICT", "OUTSOURCE_SAVING", "OUTSOURCE_HOURS_FREED", "OUTSOURCE_BREAKEVEN",
        "OUTSOURCE_MAX_PRICE", "OUTSOURCE_REASON", "OUTSOURCE_TABLE"]
    for spec in SINGLE_TASK:
        names = [a.name for a in spec.arguments]
        assert names[:5] == ["hours_each", "frequency", "per", "hourly_worth", "price"]
        assert [a.required for a in spec.arguments] == [True] * 5 + [False] * (len(names) - 5)
    for spec in udfs.FUNCTIONS.values():
        function = getattr(udfs, spec.python_name)
        assert spec.excel_name == spec.python_name.upper()
        assert list(inspect.signature(function).parameters) == [a.name for a in spec.arguments]
        assert spec.doc and all(a.doc and len(a.excel_doc) <= 255 for a in spec.arguments)


def test_defaults_are_the_models() -> None:
    defaults = {a.name: a.default for a in udfs.TASK_ARGUMENTS}
    assert defaults == {
        "hours_each": None, "frequency": None, "per": None, "hourly_worth": None, "price": None,
        "basis": "per occurrence", "review_hours": "0", "expertise": "Weak",
        "quality_critical": "FALSE", "setup_fee": "0", "setup_hours": "0", "platform_fee": "0%",
        "vendor_hours": "blank", "fill_rate": "100%", "horizon_years": "1", "margin": "20%",
        "work_days": "250", "work_weeks": "50", "currency": "USD"}


@pytest.fixture
def windows_xlwings(monkeypatch):
    """xlwings' Windows decorators (xlwings.udfs), importable here once pywin32 is stubbed:
    the code that attaches the metadata Excel's Import Functions reads."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        stub = types.ModuleType(name)
        stub.CoInitialize = stub.Dispatch = lambda *a, **k: None
        stub.com_error = OSError
        monkeypatch.setitem(sys.modules, name, stub)
    location = Path(xlwings.__file__).parent / "udfs.py"
    spec = importlib.util.spec_from_file_location("xlwings._udfs_for_tests", location)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return types.SimpleNamespace(func=module.xlfunc, arg=module.xlarg)


@pytest.mark.parametrize("excel_name", list(udfs.FUNCTIONS))
def test_xlwings_metadata_as_windows_excel_imports_it(excel_name, windows_xlwings) -> None:
    spec = udfs.FUNCTIONS[excel_name]
    function = getattr(udfs, spec.python_name)
    probe = functools.wraps(function)(lambda *a, **k: function(*a, **k))
    probe.__dict__.pop("__xlfunc__", None)  # present on Windows, where xw.func is real
    udfs.register_with_xlwings(probe, spec, windows_xlwings)
    meta = probe.__xlfunc__
    assert meta["name"] == spec.python_name and not meta["sub"]
    assert meta["category"] == udfs.CATEGORY
    assert meta["ret"]["doc"] == spec.doc
    assert [a["name"] for a in meta["args"]] == [a.name for a in spec.arguments]
    for info, argument in zip(meta["args"], spec.arguments):
        assert info["doc"] == argument.excel_doc
        assert ("optional" in info) is not argument.required
        assert info.get("optional") is None
        assert info["options"]["err_to_str"] is True
        assert info["options"].get("ndim") == (2 if argument.is_range else None)


def test_docs_name_every_function_and_argument() -> None:
    docs = (DOCS / "excel.md").read_text(encoding="utf-8")
    for spec in udfs.FUNCTIONS.values():
        assert spec.usage in docs, spec.usage
        for argument in spec.arguments:
            row = re.search(rf"^\| `{argument.name}` \|.*$", docs, re.MULTILINE)
            assert row, argument.name
            if not argument.required:
                assert argument.default in row[0], (argument.name, argument.default)


def python_prints(code: str) -> str:
    """What a fresh Python process running ``code`` prints (it must succeed)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_worksheet_functions_load_without_calamine():
    """xlwings Lite (Python in the browser) has no python-calamine wheel."""
    assert python_prints("import sys; sys.modules['python_calamine'] = None\n"
                         "import xlsheet_outsource.udfs as u\n"
                         "print(u.outsource_verdict.__name__)") == "outsource_verdict"


def test_the_single_task_functions_load_neither_the_readers_nor_openpyxl():
    """A sheet of OUTSOURCE_VERDICT cells starts without the workbook machinery."""
    assert python_prints(
        "import sys\n"
        "import xlsheet_outsource.udfs as u\n"
        "assert u.outsource_verdict(3, 1, 'week', 120, 90) == 'OUTSOURCE'\n"
        "print(sorted(m for m in ('openpyxl', 'python_calamine', 'xlsheet_outsource.api')"
        " if m in sys.modules))") == "[]"
