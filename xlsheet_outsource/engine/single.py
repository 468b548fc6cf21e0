"""One task and its quotes decided with plain Python floats: the worksheet functions' path.

The same rule book as model.compute (docs/decision-model.md), for one clean task and its
usable quotes, without pandas: a worksheet function's call costs microseconds, not the
milliseconds of a one-row table. Each figure is computed with the same operations in the
same order as the vectorised engine (model, rules, margin), so both give the same bits
(IEEE float64 either way); tests/engine/test_single.py checks that with hypothesis. Where
numpy divides by zero and gives inf or NaN, ``_divided`` gives the same instead of raising.

Version 2 for one task: DROP, AUTOMATE, a quote's exchange rate, one-off and recurring
cash, Payback and the margin of safety. Bundles and the budget plan need every task at
once: OUTSOURCE_TABLE decides those with the whole engine.

Pure: no I/O. Its records are plain dataclasses, not frozen ones: a frozen one's __init__
sets each field through object.__setattr__, and a worksheet function's call builds four.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

from .margin import INPUTS
from .model import REASONS, Settings, shown
from .schema import AUTOMATE, DROP, TOOL

NAN = math.nan
INF = math.inf


@dataclass(slots=True)
class Task:
    """A clean task row: the values inputs.parse_cell gives (defaults filled in)."""
    frequency: float
    per: str
    hours_each: float
    expertise: str = "Weak"
    quality_critical: bool = False
    still_needed: bool = True


@dataclass(slots=True)
class Quote:
    """A clean, usable quote; vendor_hours_each None means the task's hours each; rate is
    what one unit of the quote's currency is worth in the workbook's (None: the workbook's
    own currency)."""
    price: float
    basis: str = "per occurrence"
    vendor_hours_each: float | None = None
    setup_fee: float = 0.0
    setup_hours: float = 0.0
    review_hours_each: float = 0.0
    platform_fee: float = 0.0
    vendor: str | None = None
    kind: str = "person"
    rate: float | None = None

    @property
    def price_home(self) -> float:
        """The price in the workbook's currency (x 1.0 in the engine leaves it as it is)."""
        return self.price if self.rate is None else self.price * self.rate

    @property
    def setup_home(self) -> float:
        return self.setup_fee if self.rate is None else self.setup_fee * self.rate


@dataclass(slots=True)
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
    recurring_cash: float  # R
    one_off_cash: float  # O
    payback: float


def _dropped(hours_year: float, self_cost: float) -> QuoteFigures:
    """A dropped task's figures (model.DROPPED_FIGURES): no vendor, no cash, all saved."""
    return QuoteFigures(0.0, 0.0, 0.0, 0.0, 0.0, self_cost, hours_year, NAN, NAN, 0.0, 0.0, 0.0)


@dataclass
class Decided:
    """The task's figures, its best quote's figures (None without a quote), each quote's
    rank (1 = best, in the order given), the verdict and its reason. The margin of safety
    is worked out when first asked for (a version 1 reason never needs it)."""
    settings: Settings
    task: Task
    quotes: tuple[Quote, ...] | list[Quote]
    occurrences: float
    hours_year: float
    self_cost: float
    best: QuoteFigures | None
    chosen: Quote | None  # the best quote, when the verdict rests on it (not DROP)
    best_vendor: str | None
    ranks: tuple[int, ...]
    verdict: str
    plain_reason: str  # the reason without the fragile mark

    @functools.cached_property
    def safety(self) -> tuple[float, str | None]:
        """Margin of safety and the input it is most sensitive to; (NaN, None) when blank."""
        best, chosen = self.best, self.chosen
        if (best is None or chosen is None or not self.task.still_needed
                or self.task.expertise == "Core" or best.cash != best.cash):
            return NAN, None
        return _margin_of_safety(self, best, chosen)

    @property
    def margin(self) -> float:
        return self.safety[0]

    @property
    def sensitive_to(self) -> str | None:
        return self.safety[1]

    @property
    def version2(self) -> bool:
        """A version 2 input is filled in (model's check): the reason may say "fragile"."""
        return (self.settings.version2 or not self.task.still_needed
                or any(q.kind != "person" or q.rate is not None for q in self.quotes))

    @property
    def fragile(self) -> bool:
        return self.version2 and self.margin < self.settings.fragile_limit

    @property
    def reason(self) -> str:
        if not self.fragile:
            return self.plain_reason
        return (f"{self.plain_reason} (fragile: a {shown(self.margin * 100, 0)}% change in "
                f"{self.sensitive_to} flips it)")


def _divided(top: float, bottom: float) -> float:
    """top / bottom as numpy divides float64: x / 0 is +-inf, 0 / 0 and NaN / 0 are NaN."""
    if bottom:
        return top / bottom
    if top != top or not top:
        return NAN
    return math.copysign(math.inf, top) * math.copysign(1.0, bottom)


def _base(settings: Settings, basis: str, p: float, n: float, vendor_hours: float) -> float:
    """Base: the vendor's yearly price, by basis (rules.yearly_base)."""
    if basis == "per occurrence":
        return p * n
    if basis == "per hour":
        return p * vendor_hours * n
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


def _vendor_hours(hours_each: float, quote: Quote) -> float:
    return hours_each if quote.vendor_hours_each is None else quote.vendor_hours_each


def price_quote(settings: Settings, n: float, hours_each: float, self_cost: float,
                quote: Quote, once: bool = False) -> QuoteFigures:
    """Cash, Own, Out, Save, Freed, BreakEvenWorth, MaxPrice, R, O and Payback of one
    quote (``once``: the task's Per is once)."""
    years, value = settings.horizon_years, settings.hour_value
    p, setup = quote.price_home, quote.setup_home
    setup_a_year, setup_hours_a_year = _divided(setup, years), _divided(quote.setup_hours, years)
    fee_factor = 1 + quote.platform_fee
    base = _base(settings, quote.basis, p, n, _vendor_hours(hours_each, quote))
    recurring = base * fee_factor
    cash = recurring + setup_a_year
    own_cost = (n * quote.review_hours_each + setup_hours_a_year) * value
    out_cost = cash + own_cost
    freed = n * (hours_each - quote.review_hours_each) - setup_hours_a_year
    breakeven = _divided(cash, settings.fill_rate * freed) if freed > 0 else NAN
    left_for_vendor = self_cost - own_cost - setup_a_year
    # Below zero no price would pay (the verdict's reason says why): blank, as the engine.
    max_price = (_divided(left_for_vendor, n * fee_factor)
                 if n > 0 and not left_for_vendor < 0 else NAN)
    fixed = quote.basis == "fixed"
    recurring_cash = 0.0 if fixed or once else recurring
    one_off_cash = setup + (p * fee_factor if fixed else base * years * fee_factor if once
                            else 0.0)
    steady = self_cost - recurring_cash - n * quote.review_hours_each * value
    payback = 12 * (one_off_cash + quote.setup_hours * value) / steady if steady > 0 else NAN
    return QuoteFigures(recurring, setup, cash, own_cost, out_cost, self_cost - out_cost,
                        freed, breakeven, max_price, recurring_cash, one_off_cash, payback)


def _order(figures: QuoteFigures) -> tuple[bool, float, bool, float]:
    """The engine's sort key: lowest Out, then lowest Cash, NaN last (pandas' order)."""
    out, cash = figures.out_cost, figures.cash
    return (out != out, out if out == out else 0.0, cash != cash, cash if cash == cash else 0.0)


def decide(settings: Settings, task: Task, quotes: tuple[Quote, ...] | list[Quote]) -> Decided:
    """The engine's row for ``task`` with ``quotes`` (all usable, in the order listed)."""
    n = task.frequency * settings.per_factor()[task.per]
    hours_year = n * task.hours_each
    self_cost = hours_year * settings.hour_value
    priced = [price_quote(settings, n, task.hours_each, self_cost, q, task.per == "once")
              for q in quotes]
    order = sorted(range(len(priced)), key=lambda i: (*_order(priced[i]), i)) if len(
        priced) > 1 else list(range(len(priced)))  # one quote (a worksheet function's)
    ranks = [0] * len(priced)
    for rank, position in enumerate(order, start=1):
        ranks[position] = rank
    best = priced[order[0]] if order else None
    chosen = quotes[order[0]] if order else None
    if not task.still_needed:  # DROP, before every other rule
        best, chosen = _dropped(hours_year, self_cost), None
    vendor = None if chosen is None else chosen.vendor
    verdict, reason = _verdict(settings, task, self_cost, best, chosen)
    return Decided(settings, task, quotes, n, hours_year, self_cost, best, chosen, vendor,
                   tuple(ranks), verdict, reason)


# Rules 3-7 (rules.chain) in order, and the word of each; OUTSOURCE when none applies.
CHAIN_WORDS = ("KEEP", "KEEP", "REVIEW", "REVIEW", AUTOMATE, "OUTSOURCE")


def _rule(freed: float, saving: float, self_cost: float, margin_pct: float,
          quality_kept: bool, tool: bool) -> int:
    """Which of rules 3-7 applies first to these figures (5: none, OUTSOURCE)."""
    if freed <= 0:
        return 0
    if saving <= 0:
        return 1
    if saving < margin_pct * self_cost:
        return 2
    if quality_kept:
        return 3
    return 4 if tool else 5


def _verdict(settings: Settings, task: Task, self_cost: float, best: QuoteFigures | None,
             chosen: Quote | None) -> tuple[str, str]:
    """The verdict table, first rule that applies (model.verdicts for one row)."""
    def money(value: float) -> str:
        return f"{shown(value, 2)} {settings.currency}"

    cash = NAN if best is None else best.cash
    saving = NAN if best is None else best.saving
    freed = NAN if best is None else best.freed
    if not task.still_needed:
        return DROP, f"nobody needs it: stop doing it and save {money(saving)} a year"
    if task.expertise == "Core":
        return "KEEP", REASONS["core"]
    if (chosen is None or chosen.vendor is None) and cash != cash:
        return "NEEDS QUOTE", REASONS["no_quote"]
    rule = _rule(freed, saving, self_cost, settings.margin_pct, _quality_kept(task),
                 chosen is not None and chosen.kind == TOOL)
    if rule == 0:
        return "KEEP", REASONS["no_time_freed"]
    if rule == 1:
        return "KEEP", f"doing it yourself is cheaper by {money(-saving)} a year"
    if rule == 2:
        percent = saving / self_cost * 100 if self_cost > 0 else NAN
        return "REVIEW", f"saves only {shown(percent, 0)}% of its cost: marginal"
    if rule == 3:
        return "REVIEW", (f"saves {money(saving)} a year, "
                          "but you would give up quality control")
    saves = f"saves {money(saving)} a year and frees {shown(freed, 1)} hours"
    return (AUTOMATE, f"a tool does it: {saves}") if rule == 4 else ("OUTSOURCE", saves)


def _quality_kept(task: Task) -> bool:
    return task.quality_critical and task.expertise != "Weak"


# --- margin of safety (engine/margin.py for one task) -------------------------------------

Line = tuple[float, float]  # a + b x
Lines = tuple[Line, Line, Line]  # Freed, Save, Self as lines in one input


def _margin_of_safety(decided: Decided, best: QuoteFigures, quote: Quote
                      ) -> tuple[float, str | None]:
    """The least relative change of hourly worth, hours each or price that changes the
    verdict word, and which; the first of INPUTS on a tie."""
    settings, task = decided.settings, decided.task
    quality_kept, tool = _quality_kept(task), quote.kind == TOOL

    def word(lines: Lines, y: float) -> str:
        (fa, fb), (sa, sb), (ca, cb) = lines
        return CHAIN_WORDS[_rule(fa + fb * y, sa + sb * y, ca + cb * y, settings.margin_pct,
                                 quality_kept, tool)]

    changes = [_smallest_change(x, lines, settings.margin_pct, decided.verdict, word)
               for x, lines in _lines(decided, best, quote)]
    if all(change != change for change in changes):
        return NAN, None
    filled = [INF if change != change else change for change in changes]
    which = filled.index(min(filled))  # the first of the least, as numpy's argmin
    return filled[which], INPUTS[which]


def _lines(decided: Decided, best: QuoteFigures, quote: Quote) -> list[tuple[float, Lines]]:
    """For hourly worth, hours each and price: today's value, and Freed, Save and Self as
    lines in it (the chosen quote and the other inputs held), as margin._lines."""
    settings, n, h = decided.settings, decided.occurrences, decided.task.hours_each
    T, u, E = settings.horizon_years, settings.fill_rate, settings.hourly_worth
    m, s = quote.review_hours_each, quote.setup_hours
    fee, p = 1 + quote.platform_fee, quote.price_home
    cash, own, freed = best.cash, best.own_cost, best.freed
    keeps = n * m + _divided(s, T)  # hours you still spend a year
    V = u * E
    # Cash per unit of price; and per hour each when a blank vendor hours follows it
    per_price = _base(settings, quote.basis, 1.0, n, _vendor_hours(h, quote)) * fee
    per_hour = p * n * fee if quote.basis == "per hour" and quote.vendor_hours_each is None \
        else 0.0
    cash_rest = cash - h * per_hour
    return [
        (float(E), ((freed, 0.0), (-cash, u * (n * h - keeps)), (0.0, n * h * u))),
        (h, ((-keeps, n), (-cash_rest - own, n * V - per_hour), (0.0, n * V))),
        (p, ((freed, 0.0), (decided.self_cost - own - (cash - p * per_price), -per_price),
             (decided.self_cost, 0.0))),
    ]


def _smallest_change(x: float, lines: Lines, margin_pct: float, verdict: str,
                     word: Callable[[Lines, float], str]) -> float:
    """The least |x* - x| / x over the roots x* >= 0 beyond which the word differs (NaN:
    none); margin._smallest_change for one task."""
    (fa, fb), (sa, sb), (ca, cb) = lines
    roots = (_root(fa, fb), _root(sa, sb), _root(sa - margin_pct * ca, sb - margin_pct * cb))
    best = NAN
    if not x > 0:  # an input that is 0 today cannot change by a share of itself
        return best
    for r in roots:
        if not (math.isfinite(r) and r >= 0):
            continue
        if any((side * (r - x) > 0 or r == x) and word(lines, _probe(roots, r, x, side)) != verdict
               for side in (-1.0, 1.0)):
            change = abs(r - x) / x
            best = change if best != best or change < best else best  # numpy's fmin
    return best


def _root(a: float, b: float) -> float:
    return -a / b if b != 0 else NAN


def _probe(roots: tuple[float, float, float], r: float, x: float, side: float) -> float:
    """A value just beyond ``r`` on ``side``: halfway to the next root that way, or past
    it by at least as far as today's value is (no root beyond)."""
    gap = min((abs(other - r) for other in roots if (other - r) * side > 0), default=INF)
    if math.isfinite(gap):
        return r + side * (gap / 2)
    far = max(abs(r - x), abs(r))  # r and x are numbers here: no NaN to carry
    return r + side * max(far, 1.0)
