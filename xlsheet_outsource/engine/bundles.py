"""Bundles: small tasks handed off together under one quote (docs/decision-model.md,
"6. Bundles"). Pure and vectorised, like model.py, which calls it once its tasks have
their own verdicts.

A bundle wins when its own verdict is OUTSOURCE (or AUTOMATE) and it costs less than its
members decided alone; each member then carries its share of the bundle, in whole cents
(largest remainders), so the members add up to the bundle to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import members
from .rules import OUTSOURCE, home_money, payback, ranked, words, yearly_base
from .schema import AUTOMATE, TOOL
from .settings import Settings

NEEDS_QUOTE = "NEEDS QUOTE"
PAID = (OUTSOURCE, AUTOMATE)
MICRO_CENTS = 1_000_000  # apportion counts each share in millionths of a cent
# One row per bundle with members, in the order of its first member's row.
BUNDLE_COLUMNS = ("name", "tasks", "vendor", "kind", "self_cost", "out_cost", "saving",
                  "freed", "alone", "cash", "recurring_cash", "one_off_cash", "breakeven",
                  "payback", "verdict", "won", "first_row")


def decide(settings: Settings, t: pd.DataFrame, quotes: pd.DataFrame
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Price every bundle quote and decide every bundle; a won bundle's members take its
    verdict, vendor and shares in ``t`` (``in_bundle`` names the bundle). Returns the
    priced bundle quotes (by quote row) and the bundles (BUNDLE_COLUMNS, by bundle key)."""
    t["in_bundle"] = None
    mine = t[members(t)]
    if mine.empty:
        return pd.DataFrame(columns=["cash", "out_cost", "rank"]), _empty_table()
    table = _aggregates(mine, pd.Series(np.arange(len(t)), index=t.index)[mine.index])
    q = _priced(settings, table, quotes)
    chosen = q[q["rank"] == 1].set_index("key")
    table = table.join(chosen[["vendor", "kind", "out_cost", "saving", "freed", "cash",
                               "recurring_cash", "one_off_cash", "breakeven", "payback"]])
    tool = table["kind"] == TOOL
    verdict = words(table["freed"], table["saving"], table["self_cost"], settings.margin_pct,
                    table["quality_kept"], tool)
    table["verdict"] = np.where(table["out_cost"].isna(), NEEDS_QUOTE, verdict)
    table["won"] = table["verdict"].isin(PAID) & (table["out_cost"] < table["alone"])
    for key in table.index[table["won"]]:
        _share_out(settings, t, mine.index[mine["bundle_key"] == key], chosen.loc[key],
                   table.loc[key])
    return q, table[list(BUNDLE_COLUMNS)]


def _aggregates(mine: pd.DataFrame, position: pd.Series) -> pd.DataFrame:
    """Per bundle: its name as first typed, members, sum(n), sum(n x h), Self_B, whether a
    member keeps quality control, Alone, and where its first member is."""
    alone_each = mine["out_cost"].where(mine["verdict"].isin(PAID), mine["self_cost"])
    quality = mine["quality_critical"].astype(bool) & (mine["expertise"] != "Weak")
    frame = mine.assign(alone_each=alone_each, quality_kept=quality,
                        position=position)
    g = frame.groupby("bundle_key", sort=False)
    return pd.DataFrame({
        "name": g["bundle"].first().map(lambda v: str(v).strip()),
        "tasks": g.size(), "occurrences": g["occurrences"].sum(),
        "hours_year": g["hours_year"].sum(), "self_cost": g["self_cost"].sum(),
        "quality_kept": g["quality_kept"].any(), "alone": g["alone_each"].sum(),
        "first_row": g["position"].first()})


def _priced(settings: Settings, table: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """Each usable bundle quote: Base_B, Cash_B, Own_B, Out_B, Save_B, Freed_B, O, R,
    BreakEven, Payback, and its rank within the bundle."""
    T, V = settings.horizon_years, settings.hour_value
    q = quotes[quotes["error"].isna() & quotes["key"].isin(table.index)]
    q = q.reset_index(names="quote_row").merge(
        table[["occurrences", "hours_year", "self_cost"]], left_on="key", right_index=True)
    p, S = home_money(settings, q)
    fee, fixed = 1 + q["platform_fee"], q["basis"] == "fixed"
    m, s = q["review_hours_each"], q["setup_hours"]
    base = yearly_base(settings, q["basis"], p, 1.0, q["hours_year"])
    q["recurring"] = base * fee
    q["setup_cash"] = S
    q["cash"] = q["recurring"] + S / T
    q["recurring_cash"] = q["recurring"].where(~fixed, 0.0)
    q["one_off_cash"] = S + (p * fee).where(fixed, 0.0)
    q["own_cost"] = (q["occurrences"] * m + s / T) * V
    q["out_cost"] = q["cash"] + q["own_cost"]
    q["saving"] = q["self_cost"] - q["out_cost"]
    q["freed"] = q["hours_year"] - q["occurrences"] * m - s / T
    q["breakeven"] = q["cash"] / (settings.fill_rate * q["freed"].where(q["freed"] > 0))
    q["payback"] = payback(q["one_off_cash"] + s * V,
                           q["self_cost"] - q["recurring_cash"] - q["occurrences"] * m * V)
    return ranked(q)


def _share_out(settings: Settings, t: pd.DataFrame, rows: pd.Index, quote: pd.Series,
               bundle: pd.Series) -> None:
    """The members of a won bundle take its verdict and vendor, and their share
    w_i = n_i x h_i / sum(n x h) of it: Cash_i = w_i x Cash_B, Own_i = (n_i x m + w_i x s
    / T) x V; every money figure in cents that add up to the bundle's."""
    T, V = settings.horizon_years, settings.hour_value
    m, s = quote["review_hours_each"], quote["setup_hours"]
    n = t.loc[rows, "occurrences"].to_numpy()
    weight = t.loc[rows, "hours_year"].to_numpy() / bundle["hours_year"]
    for column in ("cash", "recurring", "setup_cash", "recurring_cash", "one_off_cash"):
        t.loc[rows, column] = apportion(float(quote[column]), weight * quote[column])
    own = (n * m + weight * s / T) * V
    t.loc[rows, "out_cost"] = apportion(float(quote["out_cost"]), weight * quote["cash"] + own)
    t.loc[rows, "own_cost"] = t.loc[rows, "out_cost"] - t.loc[rows, "cash"]
    t.loc[rows, "saving"] = t.loc[rows, "self_cost"] - t.loc[rows, "out_cost"]
    t.loc[rows, "freed"] = n * (t.loc[rows, "hours_each"].to_numpy() - m) - weight * s / T
    t.loc[rows, ["breakeven", "max_price", "payback"]] = np.nan
    t.loc[rows, "best_vendor"] = quote["vendor"]
    t.loc[rows, "kind"] = quote["kind"]
    t.loc[rows, "verdict"] = bundle["verdict"]
    t.loc[rows, "in_bundle"] = str(bundle.name)


def apportion(total: float, parts: np.ndarray) -> np.ndarray:
    """``total`` split as ``parts`` (which add up to it) are, in whole cents that add up
    to the total rounded to the cent: each part's cents rounded down, the cents left
    over going to the largest remainders (ties: the first listed). Each part's cents are
    counted in whole millionths of a cent first: parts in the ratio 8 to 1 are not exactly
    so in floating point, and the noise must not break a tie the exact figures make (nor
    may the subtraction that takes the whole cents off: 80.645161 and 10080.645161 leave
    remainders a few billionths apart in floating point, none as whole numbers)."""
    cents = int(np.floor(total * 100 + 0.5))
    size = float(parts.sum())
    micro = [round(float(part) * (cents / size) * MICRO_CENTS) if size > 0 else 0
             for part in parts]
    whole = [share // MICRO_CENTS for share in micro]
    left = cents - sum(whole)
    order = sorted(range(len(micro)), key=lambda i: -(micro[i] % MICRO_CENTS))  # stable
    for i in order[:left]:
        whole[i] += 1
    return np.array(whole, dtype=np.int64) / 100


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(columns=list(BUNDLE_COLUMNS))
