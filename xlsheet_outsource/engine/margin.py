"""Margin of safety (docs/decision-model.md, "5. Margin of safety"): the smallest relative
change of hourly worth, hours each or price, each alone, that changes a verdict's word.

Hours freed, saving and the do-it-yourself cost are each affine in any one of the three
(a + b x), so every boundary of rules 3-7 (Freed = 0, Save = 0, Save = M x Self) has at
most one root; between two neighbouring roots the word cannot change. A root counts when
it is >= 0 and the word just beyond it, away from today's value, differs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .rules import words, yearly_base
from .schema import TOOL
from .settings import Settings

INPUTS = ("hourly worth", "hours each", "price")  # in this order when two tie
Line = tuple[np.ndarray, np.ndarray]  # a + b x
Lines = dict[str, Line]  # "freed", "saving", "self_cost"
Word = Callable[[Lines, np.ndarray], np.ndarray]


def of_safety(settings: Settings, t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Margin of safety and the input it is most sensitive to, for every task decided by
    rules 3-7 on its own chosen quote; blank for the rest and where no change flips it."""
    margin = pd.Series(np.nan, index=t.index, dtype=float)
    sensitive = pd.Series(None, index=t.index, dtype=object)
    own = (t["error"].isna() & t["still_needed"].astype(bool) & (t["expertise"] != "Core")
           & t["cash"].notna() & t["in_bundle"].isna())
    d = t[own]
    if d.empty:
        return margin, sensitive
    quality_kept = (d["quality_critical"].astype(bool) & (d["expertise"] != "Weak")).to_numpy()
    tool = (d["kind"] == TOOL).to_numpy()
    verdict = d["verdict"].to_numpy(dtype=str)  # as words() gives them: compared in C, not per cell

    def word(lines: Lines, y: np.ndarray) -> np.ndarray:
        at = {name: a + b * y for name, (a, b) in lines.items()}
        return words(at["freed"], at["saving"], at["self_cost"], settings.margin_pct,
                     quality_kept, tool)

    with np.errstate(all="ignore"):  # figures near the float limit: inf, as the rest shows
        changes = np.column_stack([
            _smallest_change(x, lines, settings.margin_pct, verdict, word)
            for x, lines in _lines(settings, d)])
    has = ~np.isnan(changes).all(axis=1)
    filled = np.where(np.isnan(changes), np.inf, changes)
    which = np.argmin(filled, axis=1)  # the first of INPUTS on a tie
    margin[d.index[has]] = filled[has, which[has]]
    sensitive[d.index[has]] = np.array(INPUTS, dtype=object)[which[has]]
    return margin, sensitive


def _lines(settings: Settings, d: pd.DataFrame) -> list[tuple[np.ndarray, Lines]]:
    """For hourly worth, hours each and price: today's value, and Freed, Save and Self as
    lines in it (the chosen quote and the other inputs held)."""
    T, u, E = settings.horizon_years, settings.fill_rate, settings.hourly_worth
    n, h = d["occurrences"].to_numpy(), d["hours_each"].to_numpy()
    m, s = d["review_hours_each"].to_numpy(), d["setup_hours"].to_numpy()
    fee, p = 1 + d["platform_fee"].to_numpy(), d["price_home"].to_numpy()
    cash, own = d["cash"].to_numpy(), d["own_cost"].to_numpy()
    self_cost, freed = d["self_cost"].to_numpy(), d["freed"].to_numpy()
    keeps = n * m + s / T  # hours you still spend a year
    zero, V = np.zeros(len(d)), u * E
    # Cash per unit of price; and per hour each when a blank vendor hours follows it
    per_price = yearly_base(settings, d["basis"], 1.0, n, d["vendor_hours_each"].fillna(
        d["hours_each"]).to_numpy()) * fee
    per_hour = np.where((d["basis"] == "per hour") & d["vendor_hours_each"].isna(),
                        p * n * fee, 0.0)
    cash_rest = cash - h * per_hour
    return [
        (np.full(len(d), float(E)), {"freed": (freed, zero), "self_cost": (zero, n * h * u),
                                     "saving": (-cash, u * (n * h - keeps))}),
        (h, {"freed": (-keeps, n), "self_cost": (zero, n * V),
             "saving": (-cash_rest - own, n * V - per_hour)}),
        (p, {"freed": (freed, zero), "self_cost": (self_cost, zero),
             "saving": (self_cost - own - (cash - p * per_price), -per_price)}),
    ]


def _smallest_change(x: np.ndarray, lines: Lines, margin_pct: float, verdict: np.ndarray,
                     word: Word) -> np.ndarray:
    """The least |x* - x| / x over the roots x* >= 0 beyond which the word differs."""
    (fa, fb), (sa, sb), (ca, cb) = lines["freed"], lines["saving"], lines["self_cost"]
    with np.errstate(all="ignore"):  # roots of flat lines and huge ratios: NaN, inf
        roots = np.column_stack([_root(fa, fb), _root(sa, sb),
                                 _root(sa - margin_pct * ca, sb - margin_pct * cb)])
        best = np.full(len(x), np.nan)
        for r in roots.T:
            differs = np.zeros(len(x), dtype=bool)
            for side in (-1.0, 1.0):
                beyond = word(lines, _probe(roots, r, x, side))
                facing = (side * (r - x) > 0) | (r == x)
                differs |= facing & (beyond != verdict)
            counts = np.isfinite(r) & (r >= 0) & (x > 0) & differs
            best = np.fmin(best, np.where(counts, np.abs(r - x) / x, np.nan))
    return best


def _root(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b != 0, -a / np.where(b != 0, b, 1.0), np.nan)


def _probe(roots: np.ndarray, r: np.ndarray, x: np.ndarray, side: float) -> np.ndarray:
    """A value just beyond ``r`` on ``side``: halfway to the next root that way, or past
    it by at least as far as today's value is (no root beyond)."""
    beyond = (roots - r[:, None]) * side > 0
    gaps = np.where(beyond, np.abs(roots - r[:, None]), np.inf).min(axis=1)
    far = np.maximum(np.maximum(np.abs(r - x), np.abs(r)), 1.0)
    return r + side * np.where(np.isfinite(gaps), gaps / 2, far)
