"""The decision model: the worked example, hand-computed cases and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import find, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xlsheet_outsource import Settings, decide
from xlsheet_outsource.engine import model, schema

E120 = Settings(hourly_worth=120)
BLOG = dict(task_id="T1", task="Write weekly blog post", frequency=1, per="week",
            hours_each=3, expertise="Strong", quality_critical="No")


def run(task: dict | list[dict], quotes: list[dict], settings: Settings = E120):
    tasks = pd.DataFrame(task if isinstance(task, list) else [task])
    decision = decide(settings, tasks, pd.DataFrame(quotes, columns=["task_id", "vendor", "price"])
                      if not quotes else pd.DataFrame(quotes))
    return decision.tasks.iloc[0], decision


def quote(**kw) -> dict:
    return {"task_id": "T1", "vendor": "V", "price": 90, "review_hours_each": 0.5} | kw


def test_worked_example():
    row, _ = run(BLOG, [quote()])
    assert row["occurrences"] == 50
    assert row["self_cost"] == 18_000
    assert row["cash"] == 4_500
    assert row["own_cost"] == 3_000
    assert row["out_cost"] == 7_500
    assert row["saving"] == 10_500
    assert row["freed"] == 125
    assert row["breakeven"] == 36
    assert row["max_price"] == 300
    assert row["verdict"] == "OUTSOURCE"
    assert row["reason"] == "saves 10,500.00 USD a year and frees 125.0 hours"


def test_no_price_would_pay_leaves_max_price_blank():
    """A setup fee of 15,000.50 leaves less than nothing to pay the vendor per post (-0.01
    before this rule): Max price each is blank, and the verdict's reason
    says why."""
    row, _ = run(BLOG, [quote(setup_fee=15_000.50)])
    assert math.isnan(row["max_price"])
    assert row["verdict"] == "KEEP"
    assert row["reason"] == "doing it yourself is cheaper by 4,500.50 USD a year"
    row, _ = run(BLOG, [quote(setup_fee=15_000)])  # nothing left, but not less: 0 stays
    assert row["max_price"] == 0


def test_quality_critical_strong_is_review():
    row, _ = run(BLOG | {"quality_critical": "Yes"}, [quote()])
    assert row["verdict"] == "REVIEW"
    assert row["reason"] == "saves 10,500.00 USD a year, but you would give up quality control"


def test_quality_critical_weak_is_outsourced():
    row, _ = run(BLOG | {"quality_critical": "Yes", "expertise": "Weak"}, [quote()])
    assert row["verdict"] == "OUTSOURCE"


def test_short_email_frees_nothing():
    row, _ = run(BLOG | {"hours_each": 0.5}, [quote()])
    assert row["freed"] == 0
    assert math.isnan(row["breakeven"])
    assert (row["verdict"], row["reason"]) == ("KEEP", "handing it off takes as long as doing it")


def test_core_is_kept_but_figures_shown():
    row, _ = run(BLOG | {"expertise": "Core"}, [quote()])
    assert row["verdict"] == "KEEP"
    assert row["reason"] == "your core expertise: it is what earns your hourly worth"
    assert row["saving"] == 10_500


def test_no_quote_needs_quote():
    row, _ = run(BLOG, [])
    assert (row["verdict"], row["reason"]) == ("NEEDS QUOTE", "no usable quote yet")
    assert row["self_cost"] == 18_000
    assert math.isnan(row["cash"])


def test_tie_goes_to_lower_cash_then_first_listed():
    quotes = [quote(vendor="A"), quote(vendor="B", price=60, review_hours_each=0.75),
              quote(vendor="C", price=60, review_hours_each=0.75)]
    row, decision = run(BLOG, quotes)
    assert row["best_vendor"] == "B"
    assert list(decision.quotes["out_cost"]) == [7_500] * 3
    assert list(decision.quotes["rank"]) == [3, 1, 2]


@pytest.mark.parametrize("basis, extra, cash", [
    ("per occurrence", {}, 4_500),
    ("per hour", {"price": 30, "vendor_hours_each": 2}, 3_000),
    ("per hour", {"price": 30}, 4_500),  # vendor hours default to yours
    ("per month", {"price": 400}, 4_800),
    ("per year", {"price": 5_000}, 5_000),
    ("fixed", {"price": 6_000}, 6_000),
])
def test_every_basis(basis, extra, cash):
    row, _ = run(BLOG, [quote(basis=basis, **extra)])
    assert row["cash"] == pytest.approx(cash)


def test_fixed_price_spread_over_horizon():
    row, _ = run(BLOG, [quote(basis="fixed", price=6_000)], Settings(120, horizon_years=2))
    assert row["cash"] == 3_000


@pytest.mark.parametrize("per, horizon, n", [
    ("day", 1, 500), ("week", 1, 100), ("month", 1, 24), ("quarter", 1, 8), ("year", 1, 2),
    ("once", 1, 2), ("once", 2, 1),
])
def test_every_unit(per, horizon, n):
    row, _ = run(BLOG | {"frequency": 2, "per": per}, [quote()], Settings(120, horizon_years=horizon))
    assert row["occurrences"] == pytest.approx(n)


def test_platform_fee():
    row, _ = run(BLOG, [quote(platform_fee=0.1)])
    assert row["cash"] == pytest.approx(4_950)
    assert row["max_price"] == pytest.approx(15_000 / 55)


def test_setup_spread_over_two_years():
    row, _ = run(BLOG, [quote(setup_fee=1_000, setup_hours=10)], Settings(120, horizon_years=2))
    assert row["cash"] == pytest.approx(5_000)
    assert row["own_cost"] == pytest.approx(3_600)
    assert row["saving"] == pytest.approx(9_400)
    assert row["freed"] == pytest.approx(120)
    assert row["breakeven"] == pytest.approx(5_000 / 120)
    assert row["max_price"] == pytest.approx(278)


def test_fill_rate_below_full():
    row, _ = run(BLOG, [quote()], Settings(120, fill_rate=0.5))
    assert row["self_cost"] == 9_000
    assert row["saving"] == 3_000
    assert row["breakeven"] == 72
    assert row["max_price"] == 150
    assert row["verdict"] == "OUTSOURCE"


def test_marginal_saving_is_review():
    row, _ = run(BLOG, [quote(price=260)])
    assert row["saving"] == 2_000
    assert (row["verdict"], row["reason"]) == ("REVIEW", "saves only 11% of its cost: marginal")


def test_expensive_quote_is_kept():
    row, _ = run(BLOG, [quote(price=400)])
    assert row["verdict"] == "KEEP"
    assert row["reason"] == "doing it yourself is cheaper by 5,000.00 USD a year"


def test_one_off_task_over_two_years():
    task = BLOG | {"per": "once", "hours_each": 20}
    row, _ = run(task, [quote(basis="fixed", price=1_000, review_hours_each=0)],
                 Settings(120, horizon_years=2))
    assert (row["occurrences"], row["self_cost"], row["cash"]) == (0.5, 1_200, 500)
    assert (row["saving"], row["freed"], row["breakeven"]) == (700, 10, 50)
    assert row["max_price"] == 2_400


def test_bad_row_is_error_and_others_still_decided():
    bad = BLOG | {"task_id": "T2", "hours_each": "two"}
    tasks = pd.DataFrame([BLOG, bad], index=[2, 3])
    decision = decide(E120, tasks, pd.DataFrame([quote()]))
    assert list(decision.tasks["verdict"]) == ["OUTSOURCE", "ERROR"]
    assert "hours each must be a number >= 0, got 'two'" in decision.tasks.loc[3, "reason"]
    assert len(decision.problems) == 1


# --- invariants --------------------------------------------------------------

PERS = ["day", "week", "month", "quarter", "year", "once"]
BASES = ["per occurrence", "per hour", "per month", "per year", "fixed"]
money = st.floats(0, 5_000, allow_nan=False)
hours = st.floats(0, 40, allow_nan=False)

task_st = st.fixed_dictionaries({
    "frequency": st.floats(0, 30, allow_nan=False), "per": st.sampled_from(PERS),
    "hours_each": hours, "expertise": st.sampled_from(["Core", "Strong", "Weak"]),
    "quality_critical": st.booleans()})
# Every quote input the engine reads (not the task it is for, nor who quoted).
QUOTE_INPUTS = [c.key for c in schema.QUOTE_COLUMNS if c.read and c.key not in ("task_id", "vendor")]
QUOTE_DRAWS = {
    "task": st.integers(0, 7), "price": money, "basis": st.sampled_from(BASES),
    "vendor_hours_each": st.none() | hours,
    "review_hours_each": st.floats(0, 5, allow_nan=False), "setup_fee": money,
    "setup_hours": hours, "platform_fee": st.floats(0, 0.5, allow_nan=False)}
quote_st = st.fixed_dictionaries(QUOTE_DRAWS)
settings_st = st.builds(Settings, hourly_worth=st.floats(1, 500), fill_rate=st.floats(0.1, 1),
                        horizon_years=st.floats(0.5, 5), margin_pct=st.floats(0, 0.5))


def quote_frame(quotes: list[dict]) -> pd.DataFrame:
    """Drawn quotes as the engine takes them: every input column, each quote for task T{task}."""
    rows = [{k: v for k, v in q.items() if k != "task"} | {"task_id": f"T{q['task']}",
                                                            "vendor": f"V{i}"}
            for i, q in enumerate(quotes)]
    return pd.DataFrame(rows, columns=["task_id", "vendor", *QUOTE_INPUTS])


def test_every_drawn_quote_input_reaches_the_engine():
    assert set(QUOTE_DRAWS) == {"task", *QUOTE_INPUTS}
    drawn = find(quote_st, lambda q: q["task"] == 1 and all(q[k] for k in QUOTE_INPUTS))
    tasks = pd.DataFrame([BLOG | {"task_id": "T1"}])
    arrived = decide(E120, tasks, quote_frame([drawn])).quotes.iloc[0]
    assert {k: arrived[k] for k in QUOTE_INPUTS} == {k: drawn[k] for k in QUOTE_INPUTS}


@hsettings(max_examples=150, deadline=None)
@given(settings_st, st.lists(task_st, min_size=1, max_size=8), st.lists(quote_st, max_size=20))
def test_invariants(settings, tasks, quotes):
    tasks = pd.DataFrame([t | {"task_id": f"T{i}"} for i, t in enumerate(tasks)])
    quotes = quote_frame(quotes)
    d = decide(settings, tasks, quotes)
    t, q = d.tasks, d.quotes
    quoted = t["cash"].notna()
    gap = t.loc[quoted, "saving"] - (t.loc[quoted, "self_cost"] - t.loc[quoted, "out_cost"])
    assert (gap.abs() <= 1e-6).all()
    assert (t.loc[t["expertise"] == "Core", "verdict"] == "KEEP").all()
    assert set(t["verdict"]) <= {"OUTSOURCE", "KEEP", "REVIEW", "NEEDS QUOTE"}
    for _, task in t.iterrows():
        mine = q[q["task_id"] == task["task_id"]]
        if mine.empty:
            assert math.isnan(task["cash"])
            continue
        assert task["out_cost"] == mine["out_cost"].min()
        assert (mine["rank"] == 1).sum() == 1
    outsourced = t[t["verdict"] == "OUTSOURCE"]
    assert (outsourced["saving"] >= settings.margin_pct * outsourced["self_cost"]).all()
    assert (outsourced["freed"] > 0).all()


# --- the fast ways against the plain ones -------------------------------------------

@pytest.mark.parametrize("value", [0.125, 2.5, -2.5, 0.5, -0.5, 0.005, 1.005, 2.675, -0.0, 0.0,
                                   -0.004, 0.4999999999999999, 1e15 + 0.5, 2.0 ** 52 + 0.5,
                                   2.0 ** 53, 9.1e15, 1e28, 1.7e308, -1e300, 5e-324,
                                   math.inf, -math.inf, math.nan, 1234567.125, 10_500.0])
@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_shown_as_the_decimal_way(value, decimals):
    assert model.shown(value, decimals) == model._shown_decimal(value, decimals)


@hsettings(max_examples=1000)
@given(st.one_of(st.floats(), st.floats(-1e6, 1e6), st.floats(-1e17, 1e17),
                 st.integers(-10**9, 10**9).map(lambda n: n / 1000),
                 st.integers(-10**9, 10**9).map(lambda n: n / 200)),
       st.sampled_from([0, 1, 2, 3]))
def test_shown_rounds_exactly_as_decimal(value, decimals):
    assert model.shown(value, decimals) == model._shown_decimal(value, decimals)


def reference_verdicts(settings, t):
    """verdicts as first written: every rule's text for every row, the first that applies."""
    cur = settings.currency
    has_quote = t["best_vendor"].notna() | t["cash"].notna()
    core = t["expertise"] == "Core"
    quality_kept = t["quality_critical"].astype(bool) & (t["expertise"] != "Weak")
    share = (t["saving"] / t["self_cost"]).where(t["self_cost"] > 0)
    money_text, shown_series = model.money_text, model.shown_series
    rules = [
        (t["error"].notna(), "ERROR", t["error"]),
        (core, "KEEP", model.REASONS["core"]),
        (~has_quote, "NEEDS QUOTE", model.REASONS["no_quote"]),
        (t["freed"] <= 0, "KEEP", model.REASONS["no_time_freed"]),
        (t["saving"] <= 0, "KEEP",
         "doing it yourself is cheaper by " + money_text(-t["saving"], cur) + " a year"),
        (t["saving"] < settings.margin_pct * t["self_cost"], "REVIEW",
         "saves only " + shown_series(share * 100, 0) + "% of its cost: marginal"),
        (quality_kept, "REVIEW", "saves " + money_text(t["saving"], cur)
         + " a year, but you would give up quality control"),
    ]
    outsource_reason = ("saves " + money_text(t["saving"], cur) + " a year and frees "
                        + shown_series(t["freed"], 1) + " hours")
    verdict = np.select([c.to_numpy() for c, _, _ in rules], [v for _, v, _ in rules],
                        default="OUTSOURCE")
    reason = pd.Series(outsource_reason, index=t.index, dtype=object)
    taken = pd.Series(False, index=t.index)
    for cond, _, text in rules:
        use = cond & ~taken
        reason = reason.mask(use, text)
        taken |= cond
    return verdict, reason


mixed_task_st = task_st | st.fixed_dictionaries({
    "frequency": st.sampled_from([1, "two", -1, None]), "per": st.sampled_from(PERS + ["x"]),
    "hours_each": st.sampled_from([0, 0.5, 3, "x"]),
    "expertise": st.sampled_from(["Core", "Strong", "Weak", None]),
    "quality_critical": st.sampled_from([True, False, "maybe"])})


@hsettings(max_examples=150, deadline=None)
@given(settings_st.map(lambda s: Settings(**{**s.__dict__, "currency": "EUR"})) | settings_st,
       st.lists(mixed_task_st, min_size=1, max_size=8), st.lists(quote_st, max_size=20))
def test_verdicts_as_first_written(settings, tasks, quotes):
    tasks = pd.DataFrame([t | {"task_id": f"T{i % 6}"} for i, t in enumerate(tasks)],
                         index=range(2, 2 + len(tasks)))
    quotes = quote_frame(quotes)
    t = decide(settings, tasks, quotes).tasks
    verdict, reason = model.verdicts(settings, t)
    expected_verdict, expected_reason = reference_verdicts(settings, t)
    assert verdict.tolist() == expected_verdict.tolist() and verdict.dtype == expected_verdict.dtype
    pd.testing.assert_series_equal(reason, expected_reason, check_exact=True)
    assert [type(r) for r in reason] == [type(r) for r in expected_reason]
