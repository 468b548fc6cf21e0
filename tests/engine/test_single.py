"""The scalar path (engine/single.py) gives the engine's figures, verdict and reason for
one task and its quotes, to the last bit, over random inputs."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xlsheet_outsource import decide
from xlsheet_outsource.engine import schema, single
from xlsheet_outsource.engine.inputs import LARGEST
from xlsheet_outsource.engine.model import Settings

FIGURES = ("recurring", "setup_cash", "cash", "own_cost", "out_cost", "saving", "freed",
           "breakeven", "max_price", "recurring_cash", "one_off_cash", "payback")


def amounts(high: float) -> st.SearchStrategy[float]:
    """Numbers >= 0 as users type them (0, round, cents) and as floats reach (tiny, and huge
    up to the largest the parsers take)."""
    return st.one_of(st.just(0.0), st.integers(0, int(high)).map(float),
                     st.floats(0, high).map(lambda x: round(x, 2)),
                     st.floats(0, LARGEST, allow_subnormal=True))


def positive(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, exclude_min=low == 0)


settings_drawn = st.builds(
    Settings, hourly_worth=positive(0, 1e4), currency=st.sampled_from(["USD", "EUR"]),
    fill_rate=positive(0, 1), horizon_years=positive(0, 20), margin_pct=st.floats(0, 1),
    work_days=positive(0, 366), work_weeks=positive(0, 53),
    monthly_budget=st.one_of(st.none(), amounts(5000)),
    fragile_below=st.one_of(st.none(), st.floats(0, 1)))
tasks_drawn = st.builds(
    single.Task, frequency=amounts(100), per=st.sampled_from(schema.PER_VALUES),
    hours_each=amounts(40), expertise=st.sampled_from(schema.EXPERTISE_VALUES),
    quality_critical=st.booleans(), still_needed=st.sampled_from([True, True, True, False]))
quotes_drawn = st.builds(
    single.Quote, price=amounts(5000), basis=st.sampled_from(schema.BASIS_VALUES),
    vendor_hours_each=st.one_of(st.none(), amounts(40)), setup_fee=amounts(5000),
    setup_hours=amounts(100), review_hours_each=amounts(40),
    platform_fee=st.floats(0, 1, exclude_max=True),
    vendor=st.one_of(st.none(), st.sampled_from(["Ann", "Bob"])),
    kind=st.sampled_from(schema.KIND_VALUES),
    rate=st.one_of(st.none(), st.floats(1e-6, 1e6), st.just(1.0)))
# The version 1 rule book's inputs only: what every call made before version 2 gives.
version1_settings = st.builds(
    Settings, hourly_worth=positive(0, 1e4), currency=st.sampled_from(["USD", "EUR"]),
    fill_rate=positive(0, 1), horizon_years=positive(0, 20), margin_pct=st.floats(0, 1),
    work_days=positive(0, 366), work_weeks=positive(0, 53))
version1_tasks = tasks_drawn.map(lambda task: replace(task, still_needed=True))
version1_quotes = quotes_drawn.map(lambda quote: replace(quote, kind="person", rate=None))
CODES = ("AAA", "BBB", "CCC", "DDD")  # a foreign currency for each quote that has a rate


def engine_decides(settings: Settings, task: single.Task, quotes: list[single.Quote]):
    """The engine's task row and quote ranks for the same inputs; a quote's rate becomes a
    currency of its own with that rate in the exchange-rate table."""
    tasks = pd.DataFrame([{"task_id": "T1", "frequency": task.frequency, "per": task.per,
                           "hours_each": task.hours_each, "expertise": task.expertise,
                           "quality_critical": task.quality_critical,
                           "still_needed": task.still_needed}])
    rows = [{"task_id": "T1", "vendor": q.vendor, "price": q.price, "basis": q.basis,
             "vendor_hours_each": q.vendor_hours_each, "setup_fee": q.setup_fee,
             "setup_hours": q.setup_hours, "review_hours_each": q.review_hours_each,
             "platform_fee": q.platform_fee, "kind": q.kind,
             "currency": None if q.rate is None else code}
            for q, code in zip(quotes, CODES)]
    rates = {code: q.rate for q, code in zip(quotes, CODES) if q.rate is not None}
    settings = replace(settings, exchange_rates=rates)
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


def assert_decided_alike(settings: Settings, task: single.Task,
                         quotes: list[single.Quote]) -> single.Decided:
    row, ranks = engine_decides(settings, task, quotes)
    ours = single.decide(settings, task, quotes)
    assert (ours.verdict, ours.reason) == (row["verdict"], row["reason"])
    for name in ("occurrences", "hours_year", "self_cost", "margin"):
        assert same(getattr(ours, name), row[name]), name
    for name in FIGURES:
        assert same(None if ours.best is None else getattr(ours.best, name), row[name]), name
    assert ours.sensitive_to == (None if pd.isna(row["sensitive_to"]) else row["sensitive_to"])
    assert ours.fragile == row["fragile"]
    assert ours.best_vendor == (None if pd.isna(row["best_vendor"]) else row["best_vendor"])
    assert list(ours.ranks) == ranks
    return ours


@hsettings(max_examples=400, deadline=None)
@given(settings_drawn, tasks_drawn, st.lists(quotes_drawn, max_size=4))
def test_one_task_decided_as_the_engine_decides_it(settings, task, quotes) -> None:
    assert_decided_alike(settings, task, quotes)


@hsettings(max_examples=200, deadline=None)
@given(version1_settings, version1_tasks, st.lists(version1_quotes, max_size=4))
def test_a_version_1_task_is_never_marked_fragile(settings, task, quotes) -> None:
    """Nothing of version 2 filled in: the reason is version 1's, whatever the margin."""
    ours = assert_decided_alike(settings, task, quotes)
    assert not ours.version2 and "fragile" not in ours.reason


# Values as owners type them (whole prices, quarter hours, round fees), where verdicts sit
# near and on their boundaries: small margins of safety, fragile reasons, exact ties.
typical_settings = st.builds(
    Settings, hourly_worth=st.integers(20, 300).map(float),
    horizon_years=st.sampled_from([1.0, 2.0, 3.0]), margin_pct=st.sampled_from([0, 0.1, 0.2]),
    fill_rate=st.sampled_from([1.0, 0.8]),
    fragile_below=st.sampled_from([None, 0.0, 0.15, 0.5, 1.0]))
typical_tasks = st.builds(
    single.Task, frequency=st.integers(0, 10).map(float), per=st.sampled_from(schema.PER_VALUES),
    hours_each=st.integers(0, 32).map(lambda q: q / 4),
    expertise=st.sampled_from(["Strong", "Weak", "Weak"]), quality_critical=st.booleans())
typical_quotes = st.builds(
    single.Quote, price=st.integers(0, 2000).map(float), basis=st.sampled_from(schema.BASIS_VALUES),
    vendor_hours_each=st.sampled_from([None, None, 0.5, 2.0]),
    setup_fee=st.sampled_from([0.0, 100.0, 600.0]), setup_hours=st.sampled_from([0.0, 2.0, 5.0]),
    review_hours_each=st.sampled_from([0.0, 0.1, 0.25, 0.5]),
    platform_fee=st.sampled_from([0.0, 0.05, 0.2]), kind=st.sampled_from(schema.KIND_VALUES),
    rate=st.sampled_from([None, None, 0.5, 1.25]))


@hsettings(max_examples=400, deadline=None)
@given(typical_settings, typical_tasks, st.lists(typical_quotes, min_size=1, max_size=3))
def test_typical_values_and_their_margins_as_the_engine(settings, task, quotes) -> None:
    assert_decided_alike(settings, task, quotes)


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


# --- version 2, by hand: docs/decision-model.md's examples ---------------------------------

E100 = Settings(hourly_worth=100)
BOOKKEEPING = single.Task(frequency=1, per="month", hours_each=4)


def bookkeeping_quote(price: float, **changes: object) -> single.Quote:
    return replace(single.Quote(price=price, basis="per month", setup_fee=600, setup_hours=5,
                                review_hours_each=0.5), **changes)


def test_payback_and_margin_of_safety_worked_example() -> None:
    ours = assert_decided_alike(E100, BOOKKEEPING, [bookkeeping_quote(100)])
    assert ours.best is not None
    assert (ours.best.recurring_cash, ours.best.one_off_cash, ours.best.payback) == (
        1_200, 600, 4.4)
    assert (round(ours.margin, 4), ours.sensitive_to) == (0.2448, "hours each")
    assert not ours.fragile and ours.verdict == "OUTSOURCE"


def test_fragile_worked_example_says_so_only_in_a_version_2_call() -> None:
    """At 150 a month hours each 8.85% lower flips it; the default 15% marks it fragile
    once anything of version 2 is filled in (here FragileBelow), never before."""
    plain = single.decide(E100, BOOKKEEPING, [bookkeeping_quote(150)])
    assert plain.reason == "saves 1,300.00 USD a year and frees 37.0 hours"
    assert round(plain.margin, 4) == 0.0885 and not plain.fragile
    marked = assert_decided_alike(replace(E100, fragile_below=0.15), BOOKKEEPING,
                                  [bookkeeping_quote(150)])
    assert marked.reason == ("saves 1,300.00 USD a year and frees 37.0 hours "
                             "(fragile: a 9% change in hours each flips it)")
    assert single.decide(E100, BOOKKEEPING, [bookkeeping_quote(150, kind="agency")]).fragile


def test_on_a_boundary_the_margin_is_zero() -> None:
    """320 a month saves exactly 20% of 4,800: OUTSOURCE, and any lower hourly worth,
    fewer hours or higher price makes it REVIEW (each input's root is today's value;
    hourly worth is named first on the tie)."""
    ours = assert_decided_alike(replace(E100, fragile_below=0.15), BOOKKEEPING,
                                [single.Quote(price=320, basis="per month")])
    assert ours.best is not None and ours.best.saving == 960 and ours.verdict == "OUTSOURCE"
    assert (ours.margin, ours.sensitive_to) == (0, "hourly worth")
    assert ours.reason.endswith("(fragile: a 0% change in hourly worth flips it)")


def test_drop_comes_before_core_and_uses_no_quote() -> None:
    core = replace(BOOKKEEPING, expertise="Core", still_needed=False)
    ours = assert_decided_alike(E100, core, [bookkeeping_quote(100, vendor="Ann")])
    assert (ours.verdict, ours.reason) == (
        "DROP", "nobody needs it: stop doing it and save 4,800.00 USD a year")
    assert ours.best is not None and ours.best_vendor is None
    assert (ours.best.cash, ours.best.saving, ours.best.freed, ours.best.payback) == (
        0, 4_800, 48, 0)
    assert math.isnan(ours.margin) and ours.ranks == (1,)


def test_a_tool_automates_what_would_be_outsourced_only() -> None:
    tool = assert_decided_alike(E100, BOOKKEEPING, [bookkeeping_quote(100, kind="tool")])
    assert (tool.verdict, tool.reason) == (
        "AUTOMATE", "a tool does it: saves 1,900.00 USD a year and frees 37.0 hours")
    costly = assert_decided_alike(E100, BOOKKEEPING, [bookkeeping_quote(300, kind="tool")])
    assert costly.verdict == "KEEP"


def test_a_rate_turns_price_and_setup_fee_into_the_workbooks_currency() -> None:
    """80 GBP a month and a 480 GBP setup fee at 1.25 USD: 100 and 600 USD, as the
    worked example."""
    ours = assert_decided_alike(E100, BOOKKEEPING,
                                [bookkeeping_quote(80, setup_fee=480, rate=1.25)])
    assert ours.best is not None
    assert (ours.best.cash, ours.best.saving, ours.best.payback) == (1_800, 1_900, 4.4)
