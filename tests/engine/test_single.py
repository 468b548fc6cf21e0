"""The scalar path (engine/single.py) gives the engine's figures, verdict and reason for
one task and its quotes, to the last bit, over random inputs."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xlsheet_outsource import decide
from xlsheet_outsource.engine import schema, single
from xlsheet_outsource.engine.model import Settings

FIGURES = ("recurring", "setup_cash", "cash", "own_cost", "out_cost", "saving", "freed",
           "breakeven", "max_price")


def amounts(high: float) -> st.SearchStrategy[float]:
    """Numbers >= 0 as users type them (0, round, cents) and as floats reach (tiny, huge)."""
    return st.one_of(st.just(0.0), st.integers(0, int(high)).map(float),
                     st.floats(0, high).map(lambda x: round(x, 2)),
                     st.floats(0, 1e300, allow_subnormal=True))


def positive(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, exclude_min=low == 0)


settings_drawn = st.builds(
    Settings, hourly_worth=positive(0, 1e4), currency=st.sampled_from(["USD", "EUR"]),
    fill_rate=positive(0, 1), horizon_years=positive(0, 20), margin_pct=st.floats(0, 1),
    work_days=positive(0, 366), work_weeks=positive(0, 53))
tasks_drawn = st.builds(
    single.Task, frequency=amounts(100), per=st.sampled_from(schema.PER_VALUES),
    hours_each=amounts(40), expertise=st.sampled_from(schema.EXPERTISE_VALUES),
    quality_critical=st.booleans())
quotes_drawn = st.builds(
    single.Quote, price=amounts(5000), basis=st.sampled_from(schema.BASIS_VALUES),
    vendor_hours_each=st.one_of(st.none(), amounts(40)), setup_fee=amounts(5000),
    setup_hours=amounts(100), review_hours_each=amounts(40),
    platform_fee=st.floats(0, 1, exclude_max=True),
    vendor=st.one_of(st.none(), st.sampled_from(["Ann", "Bob"])))


def engine_decides(settings: Settings, task: single.Task, quotes: list[single.Quote]):
    tasks = pd.DataFrame([{"task_id": "T1", "frequency": task.frequency, "per": task.per,
                           "hours_each": task.hours_each, "expertise": task.expertise,
                           "quality_critical": task.quality_critical}])
    rows = [{"task_id": "T1", "vendor": q.vendor, "price": q.price, "basis": q.basis,
             "vendor_hours_each": q.vendor_hours_each, "setup_fee": q.setup_fee,
             "setup_hours": q.setup_hours, "review_hours_each": q.review_hours_each,
             "platform_fee": q.platform_fee} for q in quotes]
    decision = decide(settings, tasks, pd.DataFrame(rows, columns=["task_id", "price"]
                                                    if not rows else None, dtype=object))
    assert not decision.problems
    return decision.tasks.iloc[0], decision.quotes["rank"].tolist()


def same(ours: float | None, engines: object) -> bool:
    """Bit for bit: NaN (the engine's blank) matches NaN or None, 0.0 is not -0.0."""
    value = math.nan if engines is None else float(engines)  # type: ignore[arg-type]
    ours = math.nan if ours is None else ours
    if math.isnan(value) or math.isnan(ours):
        return math.isnan(value) and math.isnan(ours)
    return ours == value and math.copysign(1, ours) == math.copysign(1, value)


@hsettings(max_examples=400, deadline=None)
@given(settings_drawn, tasks_drawn, st.lists(quotes_drawn, max_size=4))
def test_one_task_decided_as_the_engine_decides_it(settings, task, quotes) -> None:
    row, ranks = engine_decides(settings, task, quotes)
    ours = single.decide(settings, task, quotes)
    assert (ours.verdict, ours.reason) == (row["verdict"], row["reason"])
    for name in ("occurrences", "hours_year", "self_cost"):
        assert same(getattr(ours, name), row[name]), name
    for name in FIGURES:
        assert same(None if ours.best is None else getattr(ours.best, name), row[name]), name
    assert ours.best_vendor == (None if pd.isna(row["best_vendor"]) else row["best_vendor"])
    assert list(ours.ranks) == ranks


def test_worked_example() -> None:
    """docs/decision-model.md's hand-checked example."""
    blog = single.Task(frequency=1, per="week", hours_each=3, expertise="Strong")
    ours = single.decide(Settings(hourly_worth=120), blog, [single.Quote(price=90,
                                                                         review_hours_each=0.5)])
    assert ours.best is not None
    assert (ours.self_cost, ours.best.cash, ours.best.own_cost, ours.best.saving) == (
        18_000, 4_500, 3_000, 10_500)
    assert (ours.best.freed, ours.best.breakeven, ours.best.max_price) == (125, 36, 300)
    assert ours.verdict == "OUTSOURCE"
    assert ours.reason == "saves 10,500.00 USD a year and frees 125.0 hours"


def test_no_price_would_pay_leaves_max_price_blank() -> None:
    """As the engine: less than nothing left for the vendor per post (-0.01) is blank."""
    blog = single.Task(frequency=1, per="week", hours_each=3, expertise="Strong")
    ours = single.decide(Settings(hourly_worth=120), blog, [single.Quote(
        price=90, review_hours_each=0.5, setup_fee=15_000.50)])
    assert ours.best is not None and math.isnan(ours.best.max_price)
    assert (ours.verdict, ours.reason) == (
        "KEEP", "doing it yourself is cheaper by 4,500.50 USD a year")


def test_the_best_quote_is_the_lowest_all_in_cost_ties_to_the_first() -> None:
    blog = single.Task(frequency=1, per="week", hours_each=3)
    quotes = [single.Quote(price=90, vendor="A"), single.Quote(price=80, vendor="B"),
              single.Quote(price=80, vendor="C")]
    ours = single.decide(Settings(hourly_worth=120), blog, quotes)
    assert ours.best_vendor == "B" and ours.ranks == (3, 1, 2)
