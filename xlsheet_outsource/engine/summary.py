"""What a decision adds up to: the one place the headline figures and tables are computed.

Pure (pandas only, no I/O): the Summary and For accountant sheets, the CLI, batch
reports and emails all show these numbers, so they can never disagree.

Conventions: "decidable" tasks are every task whose verdict is not ERROR; "paid" tasks
are those verdicted OUTSOURCE or AUTOMATE that are in the budget plan (every one of them
when there is no budget); the headline saving and hours count the paid tasks and the
dropped ones (DROP: stop doing it), cash the paid ones only. Every figure is unrounded;
rounding is for whoever shows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema
from .accountant import Accounts, accounts
from .inputs import as_text, is_blank
from .model import Decision

NO_CATEGORY = "(no category)"
NO_VENDOR = "(no vendor named)"
OUTSOURCE = "OUTSOURCE"
PAID = (OUTSOURCE, schema.AUTOMATE)
TOP_COUNT = 10

# Columns of the tables below, in order (the writers label them in plain words).
CATEGORY_COLUMNS = ("category", "tasks", "outsource", "self_cost", "saving", "freed", "cash")
VERDICT_COLUMNS = ("verdict", "tasks", "self_cost", "saving", "freed")
TOP_COLUMNS = ("task_id", "task", "category", "verdict", "best_vendor", "saving", "freed", "cash")
SPEND_COLUMNS = ("tasks", "recurring", "setup", "cash")  # after "vendor" or "category"
OUTSOURCED_COLUMNS = ("task_id", "task", "category", "best_vendor", "recurring", "setup", "cash")
# Version 2: every bundle, won or not, in the order of its first task
BUNDLE_COLUMNS = ("name", "tasks", "vendor", "self_cost", "out_cost", "saving", "freed",
                  "alone", "verdict", "won")


@dataclass(frozen=True)
class NextItem:
    """The first item of the budget plan that did not fit: what it would add."""
    task_id: str | None  # None for a bundle
    name: str  # the task's name, or the bundle's
    saving: float  # a year
    cash_month: float  # more cash a month


@dataclass(frozen=True, eq=False)
class Summary:
    currency: str
    horizon_years: float
    work_weeks: float
    task_count: int
    counts: dict[str, int]  # verdict -> tasks: every one of schema.VERDICTS, DROP and
    # AUTOMATE when present
    self_cost_all: float  # yearly cost of doing every decidable task yourself
    cost_after: float  # the same, with OUTSOURCE tasks at their all-in outsourcing cost
    saving: float  # self_cost_all - cost_after
    hours_freed_year: float
    hours_freed_week: float
    cash_year: float  # yearly cash to vendors, setup spread over the horizon
    recurring_year: float  # yearly cash to vendors before setup
    setup_once: float  # one-off setup fees, paid once
    by_category: pd.DataFrame  # CATEGORY_COLUMNS, biggest saving first
    by_verdict: pd.DataFrame  # VERDICT_COLUMNS, one row per verdict in schema order
    top: pd.DataFrame  # TOP_COLUMNS: OUTSOURCE and REVIEW tasks, biggest saving first
    by_vendor: pd.DataFrame  # "vendor" + SPEND_COLUMNS, OUTSOURCE tasks only
    by_category_cash: pd.DataFrame  # "category" + SPEND_COLUMNS, OUTSOURCE tasks only
    outsourced: pd.DataFrame  # OUTSOURCED_COLUMNS: the line items behind the spend tables
    # Version 2
    recurring_cash_year: float  # R of the paid tasks: recurring cash a year
    one_off_cash: float  # O of the paid tasks: setup fees, fixed prices, one-off tasks
    fragile_count: int  # verdicts marked fragile
    bundles: pd.DataFrame  # BUNDLE_COLUMNS
    monthly_budget: float | None
    plan_count: int  # items in the plan (a won bundle is one item)
    plan_cash_month: float  # their cash a month
    over_budget_count: int  # items worth paying for that did not fit
    next_item: NextItem | None  # the first of those
    version2: bool  # a version 2 input is filled in: the Summary shows the figures above
    accounts: Accounts  # the accountant's tables: vendors, schedule, currencies, paperwork

    def headline(self) -> dict[str, object]:
        """The headline figures as plain data (JSON output, reports, emails)."""
        names = ("currency", "task_count", "counts", "self_cost_all", "cost_after", "saving",
                 "hours_freed_year", "hours_freed_week", "cash_year", "recurring_year",
                 "setup_once")
        return {name: getattr(self, name) for name in names}


def summarise(decision: Decision) -> Summary:
    settings = decision.settings
    tasks = _prepared(decision.tasks)
    decidable = tasks[tasks["verdict"] != "ERROR"]
    out = tasks[tasks["paid"]]
    acted = tasks[tasks["paid"] | (tasks["verdict"] == schema.DROP)]
    self_cost_all = _total(decidable["self_cost"])
    saving = _total(acted["saving"])
    freed = _total(acted["freed"])
    plan = decision.plan
    in_plan = plan[plan["plan"] == schema.IN_PLAN] if len(plan) else plan
    return Summary(
        currency=settings.currency,
        horizon_years=settings.horizon_years,
        work_weeks=settings.work_weeks,
        task_count=len(tasks),
        counts=_counts(tasks["verdict"]),
        self_cost_all=self_cost_all,
        # Each task acted on costs its Out instead of its Self: this is self_cost_all - saving.
        cost_after=_total(decidable.loc[~decidable.index.isin(acted.index), "self_cost"])
        + _total(acted["out_cost"]),
        saving=saving,
        hours_freed_year=freed,
        hours_freed_week=freed / settings.work_weeks if settings.work_weeks else math.nan,
        cash_year=_total(out["cash"]),
        recurring_year=_total(out["recurring"]),
        setup_once=_total(out["setup"]),
        by_category=_by_category(tasks),
        by_verdict=_by_verdict(tasks),
        top=_top(tasks),
        by_vendor=_spend_by(out, "best_vendor", "vendor"),
        by_category_cash=_spend_by(out, "category", "category"),
        outsourced=out[list(OUTSOURCED_COLUMNS)].reset_index(drop=True),
        recurring_cash_year=_total(out["recurring_cash"]),
        one_off_cash=_total(out["one_off_cash"]),
        fragile_count=int(tasks["fragile"].sum()),
        bundles=decision.bundles.reindex(columns=list(BUNDLE_COLUMNS)).reset_index(drop=True),
        monthly_budget=settings.monthly_budget,
        plan_count=len(in_plan),
        plan_cash_month=_total(in_plan["cash"]) / 12 if len(plan) else 0.0,
        over_budget_count=len(plan) - len(in_plan),
        next_item=_next_item(plan),
        version2=decision.version2,
        accounts=accounts(settings, out, decision.quotes),
    )


def _verdicts(verdicts: pd.Series) -> list[str]:
    """Version 1's verdicts, always; DROP and AUTOMATE where a task has them."""
    shown = set(schema.VERDICTS) | set(verdicts.unique())
    return [v for v in schema.ALL_VERDICTS if v in shown]


def _counts(verdicts: pd.Series) -> dict[str, int]:
    counted = verdicts.value_counts()
    return {v: int(counted.get(v, 0)) for v in _verdicts(verdicts)}


def _next_item(plan: pd.DataFrame) -> NextItem | None:
    over = plan[plan["plan"] == schema.OVER_BUDGET] if len(plan) else plan
    if over.empty:
        return None
    first = over.iloc[0]
    return NextItem(None if is_blank(first["task_id"]) else str(first["task_id"]),
                    str(first["name"]), float(first["saving"]), float(first["cash"]) / 12)


def _prepared(tasks: pd.DataFrame) -> pd.DataFrame:
    """The columns the tables need, with blank labels named and the setup fee renamed."""
    t = tasks.copy(deep=False)  # columns are replaced or added below, none written into
    t["category"] = _labels(t["category"], NO_CATEGORY)
    t["paid"] = t["verdict"].isin(PAID) & (t["plan"] == schema.IN_PLAN)
    # Only the accountant's tables group by vendor, and they hold paid tasks only.
    named = _labels(t["best_vendor"], NO_VENDOR)
    t["best_vendor"] = named.where(t["paid"], t["best_vendor"])
    t["setup"] = t["setup_cash"]
    return t


def _labels(values: pd.Series, blank: str) -> pd.Series:
    """Text labels for grouping: numbers shown as typed, blanks named, and one spelling
    per label whatever its case ("admin" joins the "Admin" seen first)."""
    first_spelling: dict[str, str] = {}  # casefolded -> the spelling seen first
    known: dict[tuple[type, object], str] = {}  # each distinct value's label, worked out once
    labels = []
    for value in values.tolist():
        key = (type(value), value)  # typed: 1, 1.0 and True are equal keys, not equal labels
        label = known.get(key)
        if label is None:
            text = blank if is_blank(value) else as_text(value)
            label = known[key] = first_spelling.setdefault(text.casefold(), text)
        labels.append(label)
    return pd.Series(labels, index=values.index, dtype=object)


def _total(values: pd.Series) -> float:
    with np.errstate(over="ignore"):  # figures near the float limit add up to inf
        return float(values.sum(min_count=0, skipna=True))


def _sums(frame: pd.DataFrame, by: str, columns: list[str]) -> pd.DataFrame:
    return frame.groupby(by, sort=False)[columns].sum(min_count=0)


def _by_category(tasks: pd.DataFrame) -> pd.DataFrame:
    acted = tasks["paid"] | (tasks["verdict"] == schema.DROP)
    table = pd.DataFrame({"tasks": tasks.groupby("category", sort=False).size(),
                          "outsource": tasks["paid"].groupby(tasks["category"], sort=False).sum()})
    table = table.join(_sums(tasks[tasks["verdict"] != "ERROR"], "category", ["self_cost"]))
    table = table.join(_sums(tasks[acted], "category", ["saving", "freed", "cash"]))
    table = table.fillna(0.0).rename_axis("category").reset_index()
    table = table.sort_values(["saving", "self_cost"], ascending=False, kind="stable")
    return _typed(table[list(CATEGORY_COLUMNS)], counts=("tasks", "outsource"))


def _by_verdict(tasks: pd.DataFrame) -> pd.DataFrame:
    sums = _sums(tasks, "verdict", ["self_cost", "saving", "freed"])
    table = pd.DataFrame({"verdict": _verdicts(tasks["verdict"])})
    table["tasks"] = table["verdict"].map(tasks["verdict"].value_counts()).fillna(0)
    table = table.join(sums, on="verdict").fillna(0.0)
    return _typed(table[list(VERDICT_COLUMNS)], counts=("tasks",))


def _top(tasks: pd.DataFrame) -> pd.DataFrame:
    chosen = tasks["verdict"].isin([*PAID, "REVIEW"]) & tasks["saving"].notna()
    candidates = tasks.loc[chosen, list(TOP_COLUMNS)]  # the table's columns only: sorted below
    top = candidates.sort_values("saving", ascending=False, kind="stable").head(TOP_COUNT)
    return top.reset_index(drop=True)


def _spend_by(out: pd.DataFrame, by: str, label: str) -> pd.DataFrame:
    """Cash only, for the accountant: recurring a year, one-off setup, and cash a year."""
    table = pd.DataFrame({"tasks": out.groupby(by, sort=False).size()})
    table = table.join(_sums(out, by, ["recurring", "setup", "cash"]))
    table = table.rename_axis(label).reset_index()
    table = table.sort_values(["recurring", "setup"], ascending=False, kind="stable")
    return _typed(table[[label, *SPEND_COLUMNS]], counts=("tasks",))


def _typed(table: pd.DataFrame, counts: tuple[str, ...]) -> pd.DataFrame:
    table = table.reset_index(drop=True)
    for column in table.columns[1:]:
        table[column] = table[column].astype(int if column in counts else float)
    table[table.columns[0]] = table[table.columns[0]].astype(object)
    return table
