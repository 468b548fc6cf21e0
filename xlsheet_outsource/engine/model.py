"""The decision engine: clean inputs in, every figure and a verdict out.

Pure and vectorised: no I/O, no openpyxl, no click, no loop over rows but the one that
writes each row's reason text. The rule book is docs/decision-model.md; names below
follow its symbols.

Inputs are the typed frames that ``inputs.clean_tasks`` / ``clean_quotes`` make:

tasks:  task_id, key, task, category, frequency, per, hours_each, expertise,
        quality_critical, error (None when the row is usable)
quotes: task_id, key, vendor, price, basis, vendor_hours_each (NaN = hours each),
        setup_fee, setup_hours, review_hours_each, platform_fee, error
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # only a type here: the import chain stays short
    from .problems import Problem

REASONS = {
    "core": "your core expertise: it is what earns your hourly worth",
    "no_quote": "no usable quote yet",
    "no_time_freed": "handing it off takes as long as doing it",
}


@dataclass(frozen=True)
class Settings:
    hourly_worth: float
    currency: str = "USD"
    fill_rate: float = 1.0
    horizon_years: float = 1.0
    margin_pct: float = 0.2
    work_days: float = 250.0
    work_weeks: float = 50.0

    @property
    def hour_value(self) -> float:
        """V: what one freed hour is really worth."""
        return self.fill_rate * self.hourly_worth

    def per_factor(self) -> dict[str, float]:
        """Occurrences a year for a frequency of 1 per unit."""
        return {"day": self.work_days, "week": self.work_weeks, "month": 12.0,
                "quarter": 4.0, "year": 1.0, "once": 1.0 / self.horizon_years}


@dataclass
class Decision:
    """What the engine returns: one row per task and per quote, aligned with the inputs."""
    settings: Settings
    tasks: pd.DataFrame
    quotes: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)  # what the user can fix, and where


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
    """Every usable quote priced against its task: Base, Cash, Own, Out, Save, Freed, rank."""
    T, V = settings.horizon_years, settings.hour_value
    usable_tasks = tasks[tasks["error"].isna() & tasks["key"].notna()]
    task_cols = usable_tasks[["key", "occurrences", "hours_each", "self_cost"]]
    q = quotes[quotes["error"].isna()].reset_index(names="quote_row")
    q = q.merge(task_cols, on="key", how="inner")
    n, h, p = q["occurrences"], q["hours_each"], q["price"]
    vh = q["vendor_hours_each"].fillna(h)
    basis = q["basis"]
    base = np.select(
        [basis == "per occurrence", basis == "per hour", basis == "per month",
         basis == "per year", basis == "fixed"],
        [p * n, p * vh * n, 12 * p, p, p / T], default=np.nan)
    q["recurring"] = base * (1 + q["platform_fee"])
    q["setup_cash"] = q["setup_fee"]
    q["cash"] = q["recurring"] + q["setup_fee"] / T
    q["own_cost"] = (n * q["review_hours_each"] + q["setup_hours"] / T) * V
    q["out_cost"] = q["cash"] + q["own_cost"]
    q["saving"] = q["self_cost"] - q["out_cost"]
    q["freed"] = n * (h - q["review_hours_each"]) - q["setup_hours"] / T
    positive_freed = q["freed"].where(q["freed"] > 0)
    q["breakeven"] = q["cash"] / (settings.fill_rate * positive_freed)
    per_occurrence = (n * (1 + q["platform_fee"])).where(n > 0)
    q["max_price"] = (q["self_cost"] - q["own_cost"] - q["setup_fee"] / T) / per_occurrence
    # Lowest all-in cost first; ties to the lower cash, then to the quote listed first.
    q = q.sort_values(["key", "out_cost", "cash", "quote_row"], kind="stable")
    q["rank"] = q.groupby("key", sort=False).cumcount() + 1
    return q.set_index("quote_row").sort_index()


def verdicts(settings: Settings, t: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Apply the verdict table, first rule that applies, to tasks joined with their best quote."""
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

    # (applies, verdict, reason of row i): a fixed seven rules, then OUTSOURCE
    rules = [
        (t["error"].notna(), "ERROR", lambda i: error[i]),
        (core, "KEEP", lambda i: REASONS["core"]),
        (~has_quote, "NEEDS QUOTE", lambda i: REASONS["no_quote"]),
        (t["freed"] <= 0, "KEEP", lambda i: REASONS["no_time_freed"]),
        (t["saving"] <= 0, "KEEP",
         lambda i: f"doing it yourself is cheaper by {money(-saving[i])} a year"),
        (t["saving"] < settings.margin_pct * t["self_cost"], "REVIEW",
         lambda i: f"saves only {shown(percent[i], 0)}% of its cost: marginal"),
        (quality_kept, "REVIEW",
         lambda i: f"saves {money(saving[i])} a year, but you would give up quality control"),
    ]
    conditions = [c.to_numpy() for c, _, _ in rules]
    verdict = np.select(conditions, [v for _, v, _ in rules], default="OUTSOURCE")
    # Each row's reason is written by the rule that decided it, and only by that one.
    winner = np.select(conditions, list(range(len(rules))), default=len(rules))
    write = [text for _, _, text in rules] + [
        lambda i: f"saves {money(saving[i])} a year and frees {shown(freed[i], 1)} hours"]
    reason = np.fromiter((write[w](i) for i, w in enumerate(winner.tolist())), object, len(t))
    return verdict, pd.Series(reason, index=t.index, dtype=object)


QUOTE_FIGURES = ["vendor", "recurring", "setup_cash", "cash", "own_cost", "out_cost",
                 "saving", "freed", "breakeven", "max_price"]


def compute(settings: Settings, tasks: pd.DataFrame, quotes: pd.DataFrame) -> Decision:
    """Decide every task; rows with an ``error`` get verdict ERROR and the error as reason."""
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
    t["verdict"], t["reason"] = verdicts(settings, t)
    qr = quotes.copy()
    for col in ("cash", "out_cost", "rank"):
        qr[col] = q[col].reindex(qr.index)
    qr["problem"] = quotes["error"]
    return Decision(settings=settings, tasks=t, quotes=qr)
