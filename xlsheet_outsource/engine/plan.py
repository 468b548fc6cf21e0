"""The budget plan (docs/decision-model.md, "7. Budget plan"): which of the items worth
paying for fit MonthlyBudget, the best value for money first.

An item is a task verdicted OUTSOURCE or AUTOMATE on its own, or a won bundle (its
members together). Items are tried by Save / Cash, highest first (no cash first; ties:
higher Save, then sheet order, a bundle at its first member's row); each is taken while
the cash a month of the items taken stays within the budget, else skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import AUTOMATE, IN_PLAN, OVER_BUDGET

PAID = ("OUTSOURCE", AUTOMATE)
# One row per item, in the order tried: "item" labels it ("bundle KEY" or "task ROW"),
# "task_id" and "name" name it (a bundle: no task ID, its name), "tasks" counts its tasks.
PLAN_COLUMNS = ("item", "task_id", "name", "tasks", "saving", "cash", "plan", "first_row")


def budget_plan(budget: float | None, t: pd.DataFrame, bundles: pd.DataFrame) -> pd.DataFrame:
    """The items in the order tried, each "in plan" or "over budget" (all in plan when
    there is no budget)."""
    paid = t["verdict"].isin(PAID)
    items = t[paid].assign(item=_items(t)[paid], first_row=np.flatnonzero(paid))
    g = items.groupby("item", sort=False)
    order = pd.DataFrame({"task_id": g["task_id"].first(), "name": g["task"].first(),
                          "tasks": g.size(), "saving": g["saving"].sum(),
                          "cash": g["cash"].sum(), "first_row": g["first_row"].first()})
    bundle = g["in_bundle"].first()
    order["task_id"] = order["task_id"].where(bundle.isna(), None)
    order["name"] = order["name"].where(bundle.isna(), bundle.map(bundles["name"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (order["saving"] / order["cash"]).where(order["cash"] > 0, np.inf)
    order = order.assign(value=value, costs=order["cash"] > 0).sort_values(
        ["costs", "value", "saving", "first_row"], ascending=[True, False, False, True],
        kind="stable")
    order["plan"] = _fits(budget, order["cash"].tolist())
    return order.rename_axis("item").reset_index()[list(PLAN_COLUMNS)]


def plan_column(t: pd.DataFrame, order: pd.DataFrame) -> pd.Series:
    """Each task's Plan: its item's, blank for tasks that are no item's."""
    plans = dict(zip(order["item"].tolist(), order["plan"].tolist(), strict=True))
    return _items(t).map(plans).astype(object).where(t["verdict"].isin(PAID), None)


def _items(t: pd.DataFrame) -> pd.Series:
    """Each task's item label: its won bundle's, else its own row's."""
    own = pd.Series([f"task {i}" for i in range(len(t))], index=t.index, dtype=object)
    return ("bundle " + t["in_bundle"].astype(str)).where(t["in_bundle"].notna(), own)


def _fits(budget: float | None, cash: list[float]) -> list[str]:
    """Greedy, in order: taken while sum(Cash) / 12 stays <= the budget."""
    taken, plans = 0.0, []
    for item_cash in cash:
        fits = budget is None or (taken + item_cash) / 12 <= budget
        taken += item_cash if fits else 0.0
        plans.append(IN_PLAN if fits else OVER_BUDGET)
    return plans
