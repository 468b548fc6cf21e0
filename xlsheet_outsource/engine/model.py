"""The decision engine: clean inputs in, every figure and a verdict out.

Pure and vectorised: no I/O, no openpyxl, no click, no loop over rows but the one that
writes each row's reason text. The rule book is docs/decision-model.md; names below
follow its symbols.

Inputs are the typed frames that ``inputs.clean_tasks`` / ``clean_quotes`` make:

tasks:  task_id, key, task, category, frequency, per, hours_each, expertise,
        quality_critical, still_needed, bundle, bundle_key, error (None when usable)
quotes: task_id, key, vendor, price, basis, vendor_hours_each (NaN = hours each),
        setup_fee, setup_hours, review_hours_each, platform_fee, kind, currency, error

Version 2 (bundles, margin of safety, budget plan) adds to each task: recurring_cash (R),
one_off_cash (O), payback, margin, sensitive_to, fragile, plan and in_bundle (the key of
the won bundle it went with); ``Decision.bundles`` and ``Decision.plan`` hold the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .schema import DROP, TOOL
from .settings import Settings

if TYPE_CHECKING:  # only a type here: the import chain stays short
    from .problems import Problem

REASONS = {
    "core": "your core expertise: it is what earns your hourly worth",
    "no_quote": "no usable quote yet",
    "no_time_freed": "handing it off takes as long as doing it",
}


@dataclass
class Decision:
    """What the engine returns: one row per task and per quote, aligned with the inputs."""
    settings: Settings
    tasks: pd.DataFrame
    quotes: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)  # what the user can fix, and where
    bundles: pd.DataFrame = field(default_factory=pd.DataFrame)  # bundles.BUNDLE_COLUMNS
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)  # plan.PLAN_COLUMNS, in order
    version2: bool = False  # a version 2 input is filled in (reasons may say "fragile")


_EXACT = Context(prec=400)


def shown(value: float, decimals: int) -> str:
    """A number as a spreadsheet's ROUND shows it: half away from zero (Python's format
    rounds the binary value half to even), and never "-0.00"."""
    scaled = value * 10 ** decimals
    size = abs(scaled)
    if not size < _EXACT_BELOW:  # also NaN and infinities
        return _shown_decimal(value, decimals)
    whole = math.floor(size)
    whole += size - whole >= 0.5  # the fraction is exact: half away from zero, as ROUND
    sign = "-" if scaled < 0 and whole else ""
    if not decimals:
        return f"{sign}{whole:,}"
    units, cents = divmod(whole, 10 ** decimals)
    return f"{sign}{units:,}.{cents:0{decimals}d}"


_EXACT_BELOW = 2.0 ** 53  # below, shown's integer arithmetic; above, the Decimal way


def _shown_decimal(value: float, decimals: int) -> str:
    """shown() the slow, evidently right way (tests check the two agree)."""
    scaled = value * 10 ** decimals
    if not math.isfinite(scaled):
        return f"{value:,.{decimals}f}"
    whole = Decimal(scaled).quantize(Decimal(1), ROUND_HALF_UP, _EXACT) + 0
    return f"{whole.scaleb(-decimals, _EXACT):,.{decimals}f}"


def shown_series(values: pd.Series, decimals: int) -> pd.Series:
    return values.map(lambda v: shown(v, decimals)).astype(object)


def money_text(value: pd.Series, currency: str) -> pd.Series:
    return shown_series(value, 2) + f" {currency}"


def compute_quotes(settings: Settings, tasks: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """Every usable quote priced against its task: Base, Cash, Own, Out, Save, Freed, O,
    R, Payback, rank. Price and setup fee are first turned into the workbook's currency."""
    from .rules import home_money, payback, ranked, yearly_base  # see compute

    T, V = settings.horizon_years, settings.hour_value
    usable_tasks = tasks[tasks["error"].isna() & tasks["key"].notna()]
    task_cols = usable_tasks[["key", "occurrences", "hours_each", "self_cost", "per"]]
    q = quotes[quotes["error"].isna()].reset_index(names="quote_row")
    q = q.merge(task_cols, on="key", how="inner")
    n, h = q["occurrences"], q["hours_each"]
    q["price_home"], q["setup_home"] = home_money(settings, q)
    p, S, fee = q["price_home"], q["setup_home"], 1 + q["platform_fee"]
    base = yearly_base(settings, q["basis"], p, n, q["vendor_hours_each"].fillna(h))
    q["recurring"] = base * fee
    q["setup_cash"] = S
    q["cash"] = q["recurring"] + S / T
    fixed, once = q["basis"] == "fixed", q["per"] == "once"
    q["recurring_cash"] = q["recurring"].where(~(fixed | once), 0.0)
    q["one_off_cash"] = S + np.select([fixed, once], [p * fee, base * T * fee], 0.0)
    q["own_cost"] = (n * q["review_hours_each"] + q["setup_hours"] / T) * V
    q["out_cost"] = q["cash"] + q["own_cost"]
    q["saving"] = q["self_cost"] - q["out_cost"]
    q["freed"] = n * (h - q["review_hours_each"]) - q["setup_hours"] / T
    positive_freed = q["freed"].where(q["freed"] > 0)
    q["breakeven"] = q["cash"] / (settings.fill_rate * positive_freed)
    per_occurrence = (n * fee).where(n > 0)
    # Below zero no price would pay (the verdict's reason says why): left blank.
    left_for_vendor = q["self_cost"] - q["own_cost"] - S / T
    q["max_price"] = (left_for_vendor / per_occurrence).mask(left_for_vendor < 0)
    q["payback"] = payback(q["one_off_cash"] + q["setup_hours"] * V,
                           q["self_cost"] - q["recurring_cash"] - n * q["review_hours_each"] * V)
    return ranked(q)


def verdicts(settings: Settings, t: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Apply the verdict table, first rule that applies, to tasks joined with their best quote."""
    from .rules import chain  # see compute

    cur = settings.currency
    has_quote = t["best_vendor"].notna() | t["cash"].notna()
    core = t["expertise"] == "Core"
    quality_kept = t["quality_critical"].astype(bool) & (t["expertise"] != "Weak")
    share = (t["saving"] / t["self_cost"]).where(t["self_cost"] > 0)
    # Python floats, as Series.map would pass them to shown()
    saving, freed = t["saving"].tolist(), t["freed"].tolist()
    percent, error = (share * 100).tolist(), t["error"].tolist()

    def money(value: float) -> str:
        return f"{shown(value, 2)} {cur}"

    def saves(i: int) -> str:
        return f"saves {money(saving[i])} a year and frees {shown(freed[i], 1)} hours"

    texts_3_to_7 = [
        lambda i: REASONS["no_time_freed"],
        lambda i: f"doing it yourself is cheaper by {money(-saving[i])} a year",
        lambda i: f"saves only {shown(percent[i], 0)}% of its cost: marginal",
        lambda i: f"saves {money(saving[i])} a year, but you would give up quality control",
        lambda i: f"a tool does it: {saves(i)}",
    ]
    # (applies, verdict, reason of row i): ERROR, DROP, rules 1-7, then OUTSOURCE
    rules = [
        (t["error"].notna(), "ERROR", lambda i: error[i]),
        (~t["still_needed"].astype(bool), DROP,
         lambda i: f"nobody needs it: stop doing it and save {money(saving[i])} a year"),
        (core, "KEEP", lambda i: REASONS["core"]),
        (~has_quote, "NEEDS QUOTE", lambda i: REASONS["no_quote"]),
        *((applies, word, text) for (applies, word), text in zip(
            chain(t["freed"], t["saving"], t["self_cost"], settings.margin_pct, quality_kept,
                  t["kind"] == TOOL), texts_3_to_7, strict=True)),
    ]
    conditions = [np.asarray(c, dtype=bool) for c, _, _ in rules]
    verdict = np.select(conditions, [v for _, v, _ in rules], default="OUTSOURCE")
    # Each row's reason is written by the rule that decided it, and only by that one.
    winner = np.select(conditions, list(range(len(rules))), default=len(rules))
    write = [text for _, _, text in rules] + [saves]
    reason = np.fromiter((write[w](i) for i, w in enumerate(winner.tolist())), object, len(t))
    return verdict, pd.Series(reason, index=t.index, dtype=object)


QUOTE_FIGURES = ["vendor", "recurring", "setup_cash", "cash", "own_cost", "out_cost",
                 "saving", "freed", "breakeven", "max_price",
                 # version 2: the chosen quote's kind, O, R and Payback, and what the
                 # margin of safety varies
                 "kind", "recurring_cash", "one_off_cash", "payback", "price_home",
                 "setup_home", "basis", "vendor_hours_each", "review_hours_each",
                 "setup_hours", "platform_fee"]
DROPPED_FIGURES = {"cash": 0.0, "own_cost": 0.0, "out_cost": 0.0, "recurring": 0.0,
                   "setup_cash": 0.0, "recurring_cash": 0.0, "one_off_cash": 0.0,
                   "payback": 0.0, "breakeven": np.nan, "max_price": np.nan}


def compute(settings: Settings, tasks: pd.DataFrame, quotes: pd.DataFrame) -> Decision:
    """Decide every task; rows with an ``error`` get verdict ERROR and the error as reason."""
    # The rule book's stages load when first deciding: every writer imports Decision from
    # here, and needs none of them (tests/test_architecture.py: short import chains).
    from . import margin, plan
    from .bundles import decide as decide_bundles

    t = tasks.copy()
    usable = t["error"].isna()
    n = t["frequency"] * t["per"].map(settings.per_factor()).astype(float)
    t["occurrences"] = n.where(usable)
    t["hours_year"] = (n * t["hours_each"]).where(usable)
    t["self_cost"] = (t["hours_year"] * settings.hour_value).where(usable)
    q = compute_quotes(settings, t, quotes)
    best = q[q["rank"] == 1].set_index("key")[QUOTE_FIGURES]
    best = best.rename(columns={"vendor": "best_vendor"})
    t = t.join(best, on="key")
    # A task ID given twice must not pick up a quote through its erroneous twin.
    t.loc[~usable, best.columns] = np.nan
    _drop(t)
    t["verdict"], t["reason"] = verdicts(settings, t)
    version2 = settings.version2 or _fills_version2(t, quotes)
    bundle_quotes, table = decide_bundles(settings, t, quotes)
    _bundle_reasons(settings, t, table)
    t["margin"], t["sensitive_to"] = margin.of_safety(settings, t)
    _mark_fragile(settings, t, version2)
    order = plan.budget_plan(settings.monthly_budget, t, table)
    t["plan"] = plan.plan_column(t, order)
    qr = quotes.copy()
    priced = pd.concat([q, bundle_quotes]) if len(bundle_quotes) else q
    for col in ("cash", "out_cost", "rank"):
        qr[col] = priced[col].reindex(qr.index)
    qr["problem"] = quotes["error"]
    return Decision(settings=settings, tasks=t, quotes=qr, bundles=table, plan=order,
                    version2=version2)


def _drop(t: pd.DataFrame) -> None:
    """DROP: nobody needs it, so no vendor, no cash, and all its hours and cost saved."""
    dropped = t["error"].isna() & ~t["still_needed"].astype(bool)
    if not dropped.any():
        return
    t.loc[dropped, ["best_vendor", "kind"]] = None
    for column, value in DROPPED_FIGURES.items():
        t.loc[dropped, column] = value
    t.loc[dropped, "saving"] = t.loc[dropped, "self_cost"]
    t.loc[dropped, "freed"] = t.loc[dropped, "hours_year"]


def _fills_version2(t: pd.DataFrame, quotes: pd.DataFrame) -> bool:
    """A version 2 column holds something other than its blank's meaning."""
    return bool((~t["still_needed"].astype(bool)).any() or t["bundle"].notna().any()
                or quotes["kind"].isin(["agency", "tool"]).any()
                or quotes["currency"].notna().any())


def _bundle_reasons(settings: Settings, t: pd.DataFrame, table: pd.DataFrame) -> None:
    won = t["in_bundle"].notna()
    for row, key in t.loc[won, "in_bundle"].items():
        bundle = table.loc[key]
        t.at[row, "reason"] = (f"in bundle {bundle['name']} with {bundle['tasks']} tasks: "
                               f"together they save {shown(bundle['saving'], 2)} "
                               f"{settings.currency} a year")


def _mark_fragile(settings: Settings, t: pd.DataFrame, version2: bool) -> None:
    """A verdict that a change smaller than FragileBelow in one input would reverse says
    so (version 2 only: a version 1 workbook's reasons stay as they were)."""
    t["fragile"] = version2 & (t["margin"] < settings.fragile_limit)
    fragile = t[t["fragile"]]
    t.loc[fragile.index, "reason"] = [
        f"{reason} (fragile: a {shown(change * 100, 0)}% change in {name} flips it)"
        for reason, change, name in zip(fragile["reason"], fragile["margin"],
                                        fragile["sensitive_to"], strict=True)]
