"""Reading what users type: numbers as text, percentages, choices, blanks."""

from __future__ import annotations

import math
import re
from datetime import datetime, time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xlsheet_outsource.engine import inputs, schema
from xlsheet_outsource.engine.inputs import (
    NO_SAVED_RESULT,
    parse_cell,
    parse_number,
    parse_number_text,
)
from xlsheet_outsource.engine.problems import BadValue, Problem
from xlsheet_outsource.engine.settings import Settings

COLUMNS = {c.key: c for c in schema.TASK_COLUMNS + schema.QUOTE_COLUMNS}


@pytest.mark.parametrize("text, number", [
    ("$1,200", 1200), ("1 200,50", 1200.5), (" 3 ", 3), ("20%", 0.2), ("1.5", 1.5),
    ("1,5", 1.5), ("1.200.000", 1_200_000), ("1,200,000.25", 1_200_000.25),
    ("1.200,25", 1200.25), ("€ 99", 99), ("99 EUR", 99), ("USD 1,000", 1000),
    ("1:30", 1.5), ("0,250", 0.25), ("1\u00a0234", 1234), ("1'234.5", 1234.5), (".5", 0.5),
])
def test_number_text(text, number):
    assert parse_number_text(text) == pytest.approx(number)


@pytest.mark.parametrize("text", ["two", "", "1..2", "1,2,3,4x", "--3", "$"])
def test_number_text_refused(text):
    with pytest.raises(BadValue):
        parse_number_text(text)


def test_percentages():
    assert parse_number(0.05, "fee", percent=True) == 0.05
    assert parse_number(5, "fee", percent=True) == 0.05  # 5 typed without % means 5%
    assert parse_number("5", "fee", percent=True) == 0.05
    assert parse_number("20%", "fee", percent=True) == 0.2
    assert parse_number(1, "fee", percent=True) == 1


@pytest.mark.parametrize("value, message", [
    ("two", "hours each must be a number >= 0, got 'two'"),
    (-2, "hours each must be a number >= 0, got -2"),
    (True, "hours each must be a number >= 0, got TRUE"),
    ("#DIV/0!", "hours each holds the error #DIV/0!"),
    (NO_SAVED_RESULT, "hours each has a formula with no saved result"),
    (None, "hours each is missing"),
    (1e308, "hours each must be at most 1,000,000,000,000, got 1e+308"),
    ("2e12", "hours each must be at most 1,000,000,000,000, got '2e12'"),
])
def test_bad_hours(value, message):
    with pytest.raises(BadValue, match=re.escape(message)):
        parse_cell(value, COLUMNS["hours_each"])


@pytest.mark.parametrize("value, choice", [
    ("Week", "week"), (" weekly ", "week"), ("DAYS", "day"), ("one-off", "once"),
])
def test_per_choices(value, choice):
    assert parse_cell(value, COLUMNS["per"]) == choice


def test_unknown_unit():
    with pytest.raises(BadValue, match="per must be one of day, week, month, quarter, "
                                         "year, once; got 'fortnight'"):
        parse_cell("fortnight", COLUMNS["per"])


def test_blanks_take_defaults():
    assert parse_cell(None, COLUMNS["expertise"]) == "Weak"
    assert parse_cell("  ", COLUMNS["quality_critical"]) is False
    assert parse_cell(None, COLUMNS["basis"]) == "per occurrence"
    assert parse_cell(None, COLUMNS["setup_fee"]) == 0.0
    assert parse_cell("core", COLUMNS["expertise"]) == "Core"
    assert parse_cell("y", COLUMNS["quality_critical"]) is True


@given(st.floats(0, 1e9, allow_nan=False))
def test_formatted_money_reads_back(number):
    text = f"${number:,.2f}"
    assert math.isclose(parse_number_text(text), round(number, 2), rel_tol=1e-12, abs_tol=1e-9)


@given(st.one_of(st.text(max_size=20), st.floats(), st.integers(), st.booleans(), st.none()))
def test_any_value_gives_a_number_or_a_clear_error(value):
    try:
        number = parse_number(value, "price")
    except BadValue as exc:
        assert str(exc).startswith("price ")
    else:
        assert math.isfinite(number) and number >= 0


# --- the fast clean_frame against the straightforward one -------------------------

def reference_clean_frame(raw, columns, sheet, locate=None):
    """clean_frame as it was first written: parse_cell for every cell, one at a time."""
    locate = locate or inputs.default_locator(sheet, columns)
    clean = pd.DataFrame(index=raw.index)
    problems = []
    row_errors = pd.Series([[] for _ in range(len(raw))], index=raw.index, dtype=object)
    for column in columns:
        values = raw[column.key] if column.key in raw else pd.Series(None, index=raw.index,
                                                                     dtype=object)
        parsed = values.astype(object).map(lambda v, c=column: inputs._parse_or_bad(v, c))
        bad = parsed.map(lambda v: isinstance(v, inputs._Bad))
        for row, item in parsed[bad].items():
            problem = Problem(sheet, locate(row, column.key), item.message)
            problems.append(problem)
            row_errors[row].append(str(problem))
        clean[column.key] = parsed.where(~bad, None)
    clean["error"] = pd.Series([("; ".join(e) if e else None) for e in row_errors],
                               index=raw.index, dtype=object)
    return clean, problems


def same_value(a, b) -> bool:
    """Equal and of the same type; NaN is NaN, and -0.0 is not 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a is b or a == b


def assert_same_frames(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert type(fast.index) is type(slow.index) and list(fast.index) == list(slow.index)
    for key in slow.columns:
        for a, b in zip(fast[key].tolist(), slow[key].tolist()):
            assert same_value(a, b), (key, a, b)


TEXTS = ["$1,200", "20%", " 3 ", "", "   ", "two", "#DIV/0!", " #N/A ", "1:30", "1 200,50",
         "-5", "5", "0", "1.5", "150", "5%", "€ 99", "Week", " weekly ", "DAYS", "fortnight",
         "core", "Strong", "weak", "Yes", "n", "x", "TRUE", "false", "1", "T1", " t 1 ",
         "t_1", "per hour", "hourly", "fixed", "inf", "nan", "NaN", "1e400", "-0", "1e12",
         "2e12", "5e13"]
cell_st = st.one_of(
    st.floats(), st.floats(-5, 500), st.integers(-10, 10**18), st.booleans(), st.none(),
    st.sampled_from(TEXTS), st.text(max_size=4), st.just(NO_SAVED_RESULT),
    st.just(float("nan")), st.just(-0.0), st.just(math.inf),
    st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)), st.times(),
    st.sampled_from([np.float64(2.5), np.int64(3), np.nan, np.float64(-1)]),
)
numbers_st = st.one_of(st.floats(), st.floats(0, 500), st.integers(0, 10**6))


@st.composite
def raw_frames(draw):
    """A raw table: some of a sheet's columns, each of mixed values or of one dtype."""
    columns = draw(st.sampled_from([schema.TASK_COLUMNS, schema.QUOTE_COLUMNS]))
    size = draw(st.integers(0, 12))
    kind = draw(st.sampled_from(["rows", "gaps", "labels"]))
    index = {"rows": range(2, 2 + size), "gaps": [2 + 3 * i for i in range(size)],
             "labels": [f"r{i}" for i in range(size)]}[kind]
    data = {}
    for column in draw(st.permutations(columns)):
        how = draw(st.sampled_from(["absent", "mixed", "mixed", "numbers", "inferred"]))
        if how == "absent":
            continue
        if how == "numbers":  # e.g. a float64 column of a DataFrame made in Python
            data[column.key] = pd.Series(draw(st.lists(numbers_st, min_size=size,
                                                       max_size=size)), index=index)
            continue
        cells = draw(st.lists(st.one_of(cell_st, st.sampled_from(column.choices or ["x"])),
                              min_size=size, max_size=size))
        data[column.key] = pd.Series(cells, index=index,
                                     dtype=object if how == "mixed" else None)
    raw = pd.DataFrame(data, index=index)
    return raw, columns


@hsettings(max_examples=300, deadline=None)
@given(raw_frames(), st.booleans())
def test_clean_frame_is_the_cell_by_cell_result(frame, own_locator):
    raw, columns = frame
    locate = (lambda row, key: f"{key}@{row}") if own_locator else None
    fast, fast_problems = inputs.clean_frame(raw, columns, "Sheet", locate)
    slow, slow_problems = reference_clean_frame(raw, columns, "Sheet", locate)
    assert_same_frames(fast, slow)
    assert fast_problems == slow_problems


@pytest.mark.parametrize("column", ["price", "platform_fee", "task_id", "basis", "notes"])
def test_clean_frame_big_mixed_column(column):
    """Many rows: every path of _parse_column at once, in one column."""
    cells = [1.5, 2, "$1,200", "", None, float("nan"), True, -3.0, "20%", math.inf, "x",
             NO_SAVED_RESULT, "#DIV/0!", 0.0, -0.0, 150, "T1", " t1 ", "per hour",
             datetime(2020, 1, 1), time(1, 30), np.int64(4)] * 50
    raw = pd.DataFrame({column: pd.Series(cells, dtype=object)}, index=range(5, 5 + len(cells)))
    fast, fast_problems = inputs.clean_frame(raw, schema.QUOTE_COLUMNS, "Quotes")
    slow, slow_problems = reference_clean_frame(raw, schema.QUOTE_COLUMNS, "Quotes")
    assert_same_frames(fast, slow)
    assert fast_problems == slow_problems


def reference_id_key(ids: pd.Series) -> pd.Series:
    return ids.map(lambda v: None if inputs.is_blank(v) else schema.normalise_header(v).upper())


@given(st.lists(st.one_of(st.none(), st.just(float("nan")), st.text(max_size=4),
                          st.sampled_from(["T1", "t1", " T 1", "t_1", "T-1", "ß", "İd", "  ",
                                           "Ab9", "ａ1"])), max_size=15),
       st.sampled_from([object, "str"]))
def test_id_keys_as_one_by_one(ids, dtype):
    series = pd.Series(ids, dtype=dtype, name="task_id", index=range(3, 3 + len(ids)))
    fast, slow = inputs._id_key(series), reference_id_key(series)
    pd.testing.assert_series_equal(fast, slow, check_exact=True)
    assert all(same_value(a, b) for a, b in zip(fast.tolist(), slow.tolist()))


blank_st = st.sampled_from([None, "", "  ", "\t", float("nan")])


@hsettings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(blank_st, blank_st, cell_st), max_size=11), max_size=12),
       st.integers(1, 3))
def test_table_from_grid_drops_the_blank_rows(body, header_row):
    """Rows blank in every input column are dropped, as raw.map(is_blank) found them."""
    from xlsheet_outsource import reading
    header = [c.header for c in schema.QUOTE_COLUMNS]
    grid = [["title"]] * (header_row - 1) + [header] + body
    table, problems = reading.table_from_grid("Quotes", grid, schema.QUOTE_COLUMNS,
                                              schema.QUOTE_RESULTS)
    assert not problems
    data = {key: [row[col - 1] if col - 1 < len(row) else None for row in body]
            for key, col in table.columns.items()}
    raw = pd.DataFrame(data, index=range(header_row + 1, header_row + 1 + len(body)),
                       dtype=object)
    expected = raw[~raw.map(inputs.is_blank).all(axis=1)]
    pd.testing.assert_frame_equal(table.raw, expected, check_exact=True)
    assert type(table.raw.index) is type(expected.index)


@pytest.mark.parametrize("typed, hours", [
    ("2 hours", 2), ("2h", 2), ("90 min", 1.5), ("1:30", 1.5), ("1h 30m", 1.5),
    ("1.5 hrs", 1.5), ("2,5 h", 2.5), ("45 minutes", 0.75), ("1 hour", 1)])
def test_hours_as_people_type_them(typed, hours):
    assert parse_cell(typed, COLUMNS["hours_each"]) == pytest.approx(hours)


@pytest.mark.parametrize("typed", ["2 days", "h", "-2h", "2 hours ago"])
def test_other_texts_are_not_hours(typed):
    with pytest.raises(BadValue, match="hours each must be a number >= 0"):
        parse_cell(typed, COLUMNS["hours_each"])


def test_durations_only_in_hours_columns():
    with pytest.raises(BadValue):
        parse_cell("2h", COLUMNS["frequency"])


def _quotes_with_fee(fee: object) -> list[str]:
    tasks, _ = inputs.clean_tasks(pd.DataFrame([{"task_id": "T1", "frequency": 1,
                                                 "per": "week", "hours_each": 1}]))
    _, problems = inputs.clean_quotes(pd.DataFrame(
        [{"task_id": "T1", "price": 10, "platform_fee": fee}], index=[2]), tasks,
        settings=Settings(hourly_worth=100))
    return [p.message for p in problems]


def test_a_fee_of_1_suggests_one_percent():
    """Platform fee % cannot be 100%: a plain 1 is named, with 1% suggested, never used."""
    assert _quotes_with_fee(1) == ["platform fee % must be below 100%, got 1, which reads "
                                   "as 100%: for one percent, type 1%"]
    assert _quotes_with_fee("100%") == ["platform fee % must be below 100%, got 100%"]
    assert _quotes_with_fee(0.5) == [] and _quotes_with_fee("1%") == []
