"""Pieces of the rule book (docs/decision-model.md) shared by a task's own quote, a
bundle's quote and the margin of safety, each written once: a quote's money in the
workbook's currency, its yearly Base, Payback, the ranking of quotes, and rules 3-7."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import AUTOMATE
from .settings import Settings

OUTSOURCE = "OUTSOURCE"
Array = np.ndarray | pd.Series | float


def yearly_base(settings: Settings, basis: pd.Series, price: Array, occurrences: Array,
                vendor_hours: Array) -> np.ndarray:
    """Base: the vendor's yearly price by basis (per hour: ``vendor_hours`` an occurrence;
    multiplied in this order, as version 1 did, so its figures stay bit for bit)."""
    per = {"per occurrence": price * occurrences, "per hour": price * vendor_hours * occurrences,
           "per day": price * settings.work_days, "per week": price * settings.work_weeks,
           "per month": 12 * price, "per year": price, "fixed": price / settings.horizon_years}
    codes, names = _distinct(basis)  # one pass over the texts, not one per basis
    number = {name: code for code, name in enumerate(names)}
    return np.select([codes == number.get(name, -2) for name in per], list(per.values()),
                     default=np.nan)


def home_money(settings: Settings, q: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Price and setup fee in the workbook's currency (the quote's Currency x its rate)."""
    codes, currencies = _distinct(q["currency"])  # a blank (code -1) is the workbook's own
    rates = np.array([*map(settings.rate, currencies), 1.0], dtype=float)
    rate = pd.Series(rates[codes], index=q.index)  # x 1.0 leaves a figure as it was
    return q["price"] * rate, q["setup_fee"] * rate


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Each value's code and the distinct values (None and NaN: code -1). Only for texts
    and blanks: numbers that compare equal (1, 1.0, True) would share a code."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return codes, list(uniques)


def payback(once: pd.Series, steady: pd.Series) -> pd.Series:
    """Months of steady saving that earn back what handing off costs once; blank when
    it never pays back."""
    return (12 * once / steady.where(steady > 0)).astype(float)


def ranked(q: pd.DataFrame) -> pd.DataFrame:
    """Lowest all-in cost first; ties to the lower cash, then to the quote listed first.
    (Each key's quotes are ordered by numpy, the frame itself not sorted: NaN last.)"""
    keys, _ = _distinct(q["key"])
    order = np.lexsort((q["quote_row"].to_numpy(), q["cash"].to_numpy(dtype=float),
                        q["out_cost"].to_numpy(dtype=float), keys))
    in_order = keys[order]
    starts = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(order)]))  # each place's group start
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first + 1
    by_row = q.set_index("quote_row")  # a new frame: the caller's is left as it was
    by_row["rank"] = rank
    return by_row.sort_index()


def chain(freed: Array, saving: Array, self_cost: Array, margin_pct: float,
          quality_kept: Array, tool: Array) -> list[tuple[np.ndarray, str]]:
    """Rules 3-7 in order, each (where it applies, its verdict word); the rest OUTSOURCE."""
    def at(mask: Array) -> np.ndarray:
        return np.asarray(mask, dtype=bool)
    return [(at(freed <= 0), "KEEP"), (at(saving <= 0), "KEEP"),
            (at(saving < margin_pct * self_cost), "REVIEW"), (at(quality_kept), "REVIEW"),
            (at(tool), AUTOMATE)]


def words(freed: Array, saving: Array, self_cost: Array, margin_pct: float,
          quality_kept: Array, tool: Array) -> np.ndarray:
    """The verdict word of rules 3-7 for figures that come from a quote."""
    rules = chain(freed, saving, self_cost, margin_pct, quality_kept, tool)
    return np.select([c for c, _ in rules], [w for _, w in rules], default=OUTSOURCE)
