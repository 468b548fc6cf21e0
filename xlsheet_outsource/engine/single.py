"""One task and its quotes decided with plain Python floats: the worksheet functions' path.

The same rule book as model.compute (docs/decision-model.md), for one clean task and its
usable quotes, without pandas: a worksheet function's call costs microseconds, not the
milliseconds of a one-row table. Each figure is computed with the same operations in the
same order as the vectorised engine, so both give the same bits (IEEE float64 either
way); tests/engine/test_single.py checks that with hypothesis. Where numpy divides by
zero and gives inf or NaN, ``_divided`` gives the same instead of raising.

Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .model import REASONS, Settings, shown

NAN = math.nan


@dataclass(frozen=True)
class Task:
    """A clean task row: the values inputs.parse_cell gives (defaults filled in)."""
    frequency: float
    per: str
    hours_each: float
    expertise: str = "Weak"
    quality_critical: bool = False


@dataclass(frozen=True)
class Quote:
    """A clean, usable quote; vendor_hours_each None means the task's hours each."""
    price: float
    basis: str = "per occurrence"
    vendor_hours_each: float | None = None
    setup_fee: float = 0.0
    setup_hours: float = 0.0
    review_hours_each: float = 0.0
    platform_fee: float = 0.0
    vendor: str | None = None


@dataclass(frozen=True)
class QuoteFigures:
    """One quote priced against its task (NaN where the engine's figure is NaN)."""
    recurring: float
    setup_cash: float
    cash: float
    own_cost: float
    out_cost: float
    saving: float
    freed: float
    breakeven: float
    max_price: float


@dataclass(frozen=True)
class Decided:
    """The task's figures, its best quote's figures (None without a quote), each quote's
    rank (1 = best, in the order given), the verdict and its reason."""
    occurrences: float
    hours_year: float
    self_cost: float
    best: QuoteFigures | None
    best_vendor: str | None
    ranks: tuple[int, ...]
    verdict: str
    reason: str


def _divided(top: float, bottom: float) -> float:
    """top / bottom as numpy divides float64: x / 0 is +-inf, 0 / 0 and NaN / 0 are NaN."""
    if bottom:
        return top / bottom
    if top != top or not top:
        return NAN
    return math.copysign(math.inf, top) * math.copysign(1.0, bottom)


def _base(settings: Settings, n: float, hours_each: float, quote: Quote) -> float:
    """Base: the vendor's yearly price, by basis."""
    p, basis = quote.price, quote.basis
    if basis == "per occurrence":
        return p * n
    if basis == "per hour":
        vh = hours_each if quote.vendor_hours_each is None else quote.vendor_hours_each
        return p * vh * n
    if basis == "per day":
        return p * settings.work_days
    if basis == "per week":
        return p * settings.work_weeks
    if basis == "per month":
        return 12 * p
    if basis == "per year":
        return p
    if basis == "fixed":
        return _divided(p, settings.horizon_years)
    return NAN


def price_quote(settings: Settings, n: float, hours_each: float, self_cost: float,
                quote: Quote) -> QuoteFigures:
    """Cash, Own, Out, Save, Freed, BreakEvenWorth and MaxPrice of one quote."""
    years, value = settings.horizon_years, settings.hour_value
    fee_factor = 1 + quote.platform_fee
    recurring = _base(settings, n, hours_each, quote) * fee_factor
    cash = recurring + _divided(quote.setup_fee, years)
    own_cost = (n * quote.review_hours_each + _divided(quote.setup_hours, years)) * value
    out_cost = cash + own_cost
    freed = n * (hours_each - quote.review_hours_each) - _divided(quote.setup_hours, years)
    breakeven = _divided(cash, settings.fill_rate * freed) if freed > 0 else NAN
    left_for_vendor = self_cost - own_cost - _divided(quote.setup_fee, years)
    # Below zero no price would pay (the verdict's reason says why): blank, as the engine.
    max_price = (_divided(left_for_vendor, n * fee_factor)
                 if n > 0 and not left_for_vendor < 0 else NAN)
    return QuoteFigures(recurring, quote.setup_fee, cash, own_cost, out_cost,
                        self_cost - out_cost, freed, breakeven, max_price)


def _order(figures: QuoteFigures) -> tuple[bool, float, bool, float]:
    """The engine's sort key: lowest Out, then lowest Cash, NaN last (pandas' order)."""
    out, cash = figures.out_cost, figures.cash
    return (out != out, out if out == out else 0.0, cash != cash, cash if cash == cash else 0.0)


def decide(settings: Settings, task: Task, quotes: tuple[Quote, ...] | list[Quote]) -> Decided:
    """The engine's row for ``task`` with ``quotes`` (all usable, in the order listed)."""
    n = task.frequency * settings.per_factor()[task.per]
    hours_year = n * task.hours_each
    self_cost = hours_year * settings.hour_value
    priced = [price_quote(settings, n, task.hours_each, self_cost, q) for q in quotes]
    order = sorted(range(len(priced)), key=lambda i: (*_order(priced[i]), i)) if len(
        priced) > 1 else list(range(len(priced)))  # one quote (a worksheet function's)
    ranks = [0] * len(priced)
    for rank, position in enumerate(order, start=1):
        ranks[position] = rank
    best = priced[order[0]] if order else None
    vendor = quotes[order[0]].vendor if order else None
    verdict, reason = _verdict(settings, task, self_cost, best, vendor)
    return Decided(n, hours_year, self_cost, best, vendor, tuple(ranks), verdict, reason)


def _verdict(settings: Settings, task: Task, self_cost: float, best: QuoteFigures | None,
             vendor: str | None) -> tuple[str, str]:
    """The verdict table, first rule that applies (model.verdicts for one row)."""
    def money(value: float) -> str:
        return f"{shown(value, 2)} {settings.currency}"

    cash = NAN if best is None else best.cash
    saving = NAN if best is None else best.saving
    freed = NAN if best is None else best.freed
    if task.expertise == "Core":
        return "KEEP", REASONS["core"]
    if vendor is None and cash != cash:
        return "NEEDS QUOTE", REASONS["no_quote"]
    if freed <= 0:
        return "KEEP", REASONS["no_time_freed"]
    if saving <= 0:
        return "KEEP", f"doing it yourself is cheaper by {money(-saving)} a year"
    if saving < settings.margin_pct * self_cost:
        percent = saving / self_cost * 100 if self_cost > 0 else NAN
        return "REVIEW", f"saves only {shown(percent, 0)}% of its cost: marginal"
    if task.quality_critical and task.expertise != "Weak":
        return "REVIEW", (f"saves {money(saving)} a year, "
                          "but you would give up quality control")
    return "OUTSOURCE", f"saves {money(saving)} a year and frees {shown(freed, 1)} hours"
