"""Reading what users type: numbers as text, percentages, choices, blanks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from xlsheet_outsource import schema
from xlsheet_outsource.inputs import (InputError, NO_SAVED_RESULT, parse_cell, parse_number,
                                      parse_number_text)

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
    with pytest.raises(InputError):
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
    (NO_SAVED_RESULT, "hours each is a formula with no saved result"),
    (None, "hours each is missing"),
])
def test_bad_hours(value, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_cell(value, COLUMNS["hours_each"])


@pytest.mark.parametrize("value, choice", [
    ("Week", "week"), (" weekly ", "week"), ("DAYS", "day"), ("one-off", "once"),
])
def test_per_choices(value, choice):
    assert parse_cell(value, COLUMNS["per"]) == choice


def test_unknown_unit():
    with pytest.raises(InputError, match="per must be one of day, week, month, quarter, "
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
    except InputError as exc:
        assert str(exc).startswith("price ")
    else:
        assert math.isfinite(number) and number >= 0
