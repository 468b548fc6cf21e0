"""summary.summarise: the headline figures and tables, from decisions built in memory."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema, summary
from xlsheet_outsource.engine.inputs import as_text, is_blank
from xlsheet_outsource.engine.model import Settings
from xlsheet_outsource.engine.summary import NO_CATEGORY, NO_VENDOR, TOP_COUNT, summarise

TASK_HEADERS = ["task_id", "task", "category", "frequency", "per", "hours_each", "expertise",
                "quality_critical"]
QUOTE_HEADERS = ["task_id", "vendor", "price", "basis", "setup_fee", "setup_hours",
                 "review_hours_each", "platform_fee"]


def decide(tasks: list[list[object]], quotes: list[list[object]], **settings: object):
    return api.decide(Settings(**{"hourly_worth": 120.0, **settings}),
                      pd.DataFrame(tasks, columns=TASK_HEADERS, index=range(2, 2 + len(tasks))),
                      pd.DataFrame(quotes, columns=QUOTE_HEADERS,
                                   index=range(2, 2 + len(quotes))))


TASKS = [
    ["T1", "Write weekly blog post", "Content", 1, "week", 3, "Strong", "No"],
    ["T2", "Bookkeeping", "Admin", 2, "month", 4, "Weak", "No"],
    ["T3", "Strategy", "", 1, "week", 5, "Core", "No"],
    ["T4", "Broken", "admin", -1, "week", 5, "Weak", "No"],
    ["T5", "Newsletter", "Content", 1, "week", 2, "Strong", "Yes"],
    ["T6", "Invoices", "admin ", 1, "month", 1, "Weak", "No"],
    ["T7", "Short email", None, 1, "week", 0.5, "Weak", "No"],
]
QUOTES = [
    ["T1", "Ann", 90, "per occurrence", 100, 0, 0.5, 0],
    ["T1", "Bob", 100, "per occurrence", 0, 0, 0.5, 0],
    ["T2", "Cy", 30, "per hour", 0, 2, 0.25, 0.05],
    ["T3", "Dee", 100, "per occurrence", 0, 0, 0.5, 0],
    ["T5", None, 60, "per occurrence", 50, 1, 0.25, 0],
    ["T7", "Eve", 10, "per occurrence", 0, 0, 0.5, 0],
]


@pytest.fixture
def decision():
    return decide(TASKS, QUOTES, horizon_years=2.0)


def test_worked_example_from_the_decision_model():
    d = decide([TASKS[0]], [["T1", "Ann", 90, "per occurrence", 0, 0, 0.5, 0]])
    s = summarise(d)
    assert s.self_cost_all == pytest.approx(18_000)
    assert s.cost_after == pytest.approx(7_500)
    assert s.saving == pytest.approx(10_500)
    assert s.hours_freed_year == pytest.approx(125)
    assert s.hours_freed_week == pytest.approx(2.5)
    assert s.cash_year == s.recurring_year == pytest.approx(4_500)
    assert s.setup_once == 0
    assert s.counts == {"OUTSOURCE": 1, "KEEP": 0, "REVIEW": 0, "NEEDS QUOTE": 0, "ERROR": 0}


def test_headline_is_the_sum_of_the_rows(decision):
    t, s = decision.tasks, summarise(decision)
    decidable, out = t[t["verdict"] != "ERROR"], t[t["verdict"] == "OUTSOURCE"]
    assert s.task_count == len(TASKS)
    assert s.counts["ERROR"] == 1 and sum(s.counts.values()) == len(TASKS)
    assert s.self_cost_all == pytest.approx(decidable["self_cost"].sum())
    assert s.saving == pytest.approx(out["saving"].sum())
    assert s.cost_after == pytest.approx(s.self_cost_all - s.saving)
    assert s.hours_freed_year == pytest.approx(out["freed"].sum())
    assert s.hours_freed_week == pytest.approx(out["freed"].sum() / 50)
    assert s.cash_year == pytest.approx(out["cash"].sum())
    assert s.recurring_year == pytest.approx(out["recurring"].sum())
    assert s.setup_once == pytest.approx(out["setup_cash"].sum())
    # Cash a year spreads the one-off setup over the horizon (2 years here).
    assert s.cash_year == pytest.approx(s.recurring_year + s.setup_once / 2)


def test_by_category_names_blanks_and_merges_spellings(decision):
    s = summarise(decision)
    table = s.by_category.set_index("category")
    assert set(table.index) == {"Content", "Admin", NO_CATEGORY}
    assert table.loc["Admin", "tasks"] == 3  # "Admin", "admin", "admin " (one an ERROR row)
    assert table.loc[NO_CATEGORY, "tasks"] == 2
    assert table["tasks"].sum() == s.task_count
    assert table["outsource"].sum() == s.counts["OUTSOURCE"]
    assert table["saving"].sum() == pytest.approx(s.saving)
    assert table["freed"].sum() == pytest.approx(s.hours_freed_year)
    assert table["cash"].sum() == pytest.approx(s.cash_year)
    assert table["self_cost"].sum() == pytest.approx(s.self_cost_all)
    assert list(s.by_category["saving"]) == sorted(s.by_category["saving"], reverse=True)


CELL_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-3, 3),
                        st.just(math.nan), st.sampled_from(["Admin", "admin", " admin ", "ADMIN",
                                                            "", "  ", "1", "True", "Straße",
                                                            "STRASSE"]))


@given(st.lists(CELL_VALUES, max_size=30))
def test_labels_are_pandas_first_spelling_of_each_casefolded_text(values):
    """_labels works each distinct value out once, in plain Python; it gives what
    grouping the labels by their casefolded text in pandas gives (1, 1.0 and True are
    equal as keys, not as labels)."""
    column = pd.Series(values, dtype=object)
    text = column.map(lambda v: NO_CATEGORY if is_blank(v) else as_text(v))
    expected = text.groupby(text.str.casefold(), sort=False).transform("first")
    assert summary._labels(column, NO_CATEGORY).tolist() == expected.tolist()


def test_by_verdict_has_every_verdict_in_order(decision):
    s = summarise(decision)
    assert list(s.by_verdict["verdict"]) == list(schema.VERDICTS)
    assert dict(zip(s.by_verdict["verdict"], s.by_verdict["tasks"])) == s.counts
    assert s.by_verdict["self_cost"].sum() == pytest.approx(s.self_cost_all)
    out = s.by_verdict.set_index("verdict").loc["OUTSOURCE"]
    assert out["saving"] == pytest.approx(s.saving)


def test_top_opportunities_are_outsource_and_review_by_saving(decision):
    s = summarise(decision)
    assert set(s.top["verdict"]) <= {"OUTSOURCE", "REVIEW"}
    assert "REVIEW" in set(s.top["verdict"])  # T5 is quality-critical
    assert list(s.top["saving"]) == sorted(s.top["saving"], reverse=True)


def test_top_keeps_ten():
    tasks = [[f"T{i}", f"Task {i}", "Admin", 1, "week", 2 + i / 10, "Weak", "No"]
             for i in range(15)]
    quotes = [[f"T{i}", "Ann", 50, "per occurrence", 0, 0, 0, 0] for i in range(15)]
    top = summarise(decide(tasks, quotes)).top
    assert len(top) == TOP_COUNT
    assert list(top["task_id"]) == [f"T{i}" for i in range(14, 4, -1)]


def test_accountant_tables_are_cash_of_outsource_tasks_only(decision):
    s = summarise(decision)
    out = decision.tasks[decision.tasks["verdict"] == "OUTSOURCE"]
    for table in (s.by_vendor, s.by_category_cash, s.outsourced):
        assert table["recurring"].sum() == pytest.approx(out["recurring"].sum())
        assert table["setup"].sum() == pytest.approx(out["setup_cash"].sum())
        assert table["cash"].sum() == pytest.approx(out["cash"].sum())
    assert s.by_vendor["tasks"].sum() == len(out) == len(s.outsourced)
    assert set(s.by_vendor["vendor"]) == {v if isinstance(v, str) else NO_VENDOR
                                          for v in out["best_vendor"]}


def test_vendor_without_a_name_is_named_for_the_accountant():
    d = decide([TASKS[0]], [["T1", None, 90, "per occurrence", 30, 0, 0.5, 0]])
    s = summarise(d)
    assert list(s.by_vendor["vendor"]) == [NO_VENDOR]
    assert s.by_vendor.loc[0, "setup"] == 30


def test_nothing_to_outsource_gives_zeros_not_nan():
    d = decide([TASKS[2]], [])
    s = summarise(d)
    assert s.counts["KEEP"] == 1 and s.saving == 0 and s.cash_year == 0
    assert s.by_vendor.empty and s.outsourced.empty and s.top.empty
    assert not any(math.isnan(v) for v in (s.cost_after, s.hours_freed_week, s.setup_once))


def test_no_tasks_at_all(decision):
    empty = type(decision)(decision.settings, decision.tasks.iloc[0:0], decision.quotes.iloc[0:0])
    s = summarise(empty)
    assert s.task_count == 0 and s.self_cost_all == 0 and s.by_category.empty
    assert list(s.by_verdict["tasks"]) == [0] * len(schema.VERDICTS)
