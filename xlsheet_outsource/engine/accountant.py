"""What the accountant needs of a decision (docs/accountant.md): per vendor, what is
paid, of what kind and when; quotes in other currencies; and points to check before
paying (paperwork), which are not tax advice.

Pure (pandas only, no I/O). Every amount is in whole cents of the workbook's currency,
split from the unrounded totals so that each table adds up, to the cent, to the
headline: a vendor's recurring (R) and one-off (O) cash, its first-year cash R + O,
its split into vendor price, platform fees and setup fees, and the 12 months of the
cash schedule (R spread evenly, O in the first month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .inputs import as_text, is_blank
from .schema import TOOL
from .settings import Settings, VendorDetails, country_code

MONTHS = 12
CONTRACT_LABOUR = "contract labour"
SOFTWARE = "software and subscriptions"
# Points for the accountant, word for word as docs/accountant.md lists them.
W9_NEEDED = "1099-NEC likely: collect a W-9"
W9_ON_FILE = "W-9 on file"
REPORTED_1099K = "reported by the payment platform (1099-K): no 1099-NEC"
FOREIGN_US = "foreign vendor: collect W-8BEN (individual) or W-8BEN-E (company); no 1099"
COMPANY_US = "company: usually no 1099-NEC"
REVERSE_CHARGE = "services from abroad: reverse charge if you are VAT-registered"
NO_DETAILS = "no vendor details yet"

# The headline figures in words, one text each wherever they are shown (For accountant,
# its tables, the email; docs/accountant.md): as paid, R and O ...
RECURRING_CASH = "Recurring cash a year (paid every year)"
ONE_OFF_CASH = "One-off cash (paid once, in the first month)"
FIRST_YEAR_CASH = "Cash in the first 12 months (the two above)"
# ... and as the decisions count them, a year of the horizon (Base x (1 + f), S, Cash)
PRICES_SPREAD = "Vendors' prices a year, one-off spread"
SETUP_FEES = "Setup fees (paid once)"
CASH_SPREAD = "Cash to vendors a year, one-off spread"


def years_of(horizon_years: float) -> str:
    """The horizon in words: "1 year", "2 years", "2.5 years"."""
    return f"{horizon_years:g} year{'' if horizon_years == 1 else 's'}"


# The tables' columns, in order (the writers label them in plain words).
VENDOR_COLUMNS = ("vendor", "expense_type", "tasks", "task_list", "recurring", "one_off",
                  "vendor_price", "platform_fees", "setup_fees", "first_year")
SCHEDULE_COLUMNS = ("vendor", *(f"m{n}" for n in range(1, MONTHS + 1)), "total")
FOREIGN_COLUMNS = ("vendor", "task_id", "task", "currency", "foreign_amount", "rate",
                   "home_amount")
PAPERWORK_COLUMNS = ("vendor", "country", "entity", "paid_through", "tax_form",
                     "paid_to_vendor", "point")
_TABLES = {"vendors": VENDOR_COLUMNS, "schedule": SCHEDULE_COLUMNS,
           "foreign": FOREIGN_COLUMNS, "paperwork": PAPERWORK_COLUMNS}


@dataclass(frozen=True, eq=False)
class Accounts:
    """The accountant's tables; money in whole cents of ``currency`` (as floats)."""
    currency: str
    vendors: pd.DataFrame  # VENDOR_COLUMNS, first-year cash biggest first
    schedule: pd.DataFrame  # SCHEDULE_COLUMNS: the vendors' rows in the same order
    foreign: pd.DataFrame  # FOREIGN_COLUMNS: tasks whose chosen quote is in another currency
    paperwork: pd.DataFrame  # PAPERWORK_COLUMNS: vendors with a point to check
    threshold: float | None = None  # ReportingThreshold, when the tax country is US
    your_name: str | None = None  # Settings' Your name: signs the email

    def total(self, column: str) -> float:
        """A money column of the vendors' table, added up in cents."""
        return _cents_sum(self.vendors[column])

    @property
    def recurring(self) -> float:
        return self.total("recurring")

    @property
    def one_off(self) -> float:
        return self.total("one_off")

    @property
    def first_year(self) -> float:
        return self.total("first_year")

    def threshold_note(self) -> str | None:
        """The threshold the US points used, in words (None: no US points)."""
        if self.threshold is None:
            return None
        return (f"US reporting threshold used: {self.threshold:,.2f} {self.currency} paid "
                "to a person in 12 months (Settings, Reporting threshold).")

    def monthly_totals(self) -> list[float]:
        return [_cents_sum(self.schedule[f"m{n}"]) for n in range(1, MONTHS + 1)]

    def record(self) -> dict[str, Any]:
        """As plain JSON data (a batch keeps it for its report and mail)."""
        tables = {name: getattr(self, name).astype(object).where(
            getattr(self, name).notna(), None).to_dict("records") for name in _TABLES}
        return {"currency": self.currency, "threshold": self.threshold,
                "your_name": self.your_name, **tables}

    @classmethod
    def of_record(cls, record: Mapping[str, Any], currency: str) -> Accounts:
        """Back from record(); an empty record (a row that was not decided) gives empty
        tables."""
        tables = {name: pd.DataFrame(list(record.get(name, [])), columns=list(columns))
                  for name, columns in _TABLES.items()}
        return cls(record.get("currency", currency), threshold=record.get("threshold"),
                   your_name=record.get("your_name"), **tables)


def month_labels(run_date: dt.date) -> list[str]:
    """The schedule's months from the run's month: "Dec 2026", "Jan 2027", ..."""
    first = run_date.year * 12 + run_date.month - 1
    return [f"{dt.date((first + n) // 12, (first + n) % 12 + 1, 1):%b %Y}"
            for n in range(MONTHS)]


def accounts(settings: Settings, paid: pd.DataFrame, quotes: pd.DataFrame) -> Accounts:
    """The tables for the paid tasks (``paid``: summary's, vendors named) priced by
    their chosen quotes (``quotes``: Decision.quotes, ranked)."""
    lines = _lines(settings, paid, quotes)
    vendors = _vendors(lines)
    paperwork = _paperwork(settings, vendors)
    us = settings.tax_country == "US"
    return Accounts(settings.currency, vendors, _schedule(vendors),
                    _foreign(lines, settings.currency),
                    paperwork, settings.reporting_threshold if us else None,
                    settings.your_name)


def _lines(settings: Settings, paid: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """One line per paid task: its cash R and O, setup and platform fees, and the
    currency and rate of the quote chosen for it (a bundle's, for a bundle's member)."""
    chosen = quotes.loc[quotes["rank"] == 1, ["key", "platform_fee", "currency"]]
    chosen = chosen.drop_duplicates("key").set_index("key")
    key = paid["in_bundle"].where(paid["in_bundle"].notna(), paid["key"])
    fee = key.map(chosen["platform_fee"]).fillna(0.0).astype(float)
    currency = key.map(chosen["currency"]).where(lambda c: c.notna(), settings.currency)
    lines = pd.DataFrame({
        "vendor": paid["best_vendor"], "task_id": paid["task_id"], "task": paid["task"],
        "kind": paid["kind"], "recurring": paid["recurring_cash"].astype(float),
        "one_off": paid["one_off_cash"].astype(float),
        "setup_fees": paid["setup_cash"].astype(float), "currency": currency.astype(object),
        "rate": currency.map({code: settings.rate(code) for code in currency.unique()}
                             ).astype(float)})  # each currency's rate looked up once
    lines["first_year"] = lines["recurring"] + lines["one_off"]
    lines["platform_fees"] = (lines["first_year"] - lines["setup_fees"]) * fee / (1 + fee)
    return lines.reset_index(drop=True)


def _vendors(lines: pd.DataFrame) -> pd.DataFrame:
    """Per vendor, biggest first-year cash first; amounts split from the totals in cents."""
    if lines.empty:
        return pd.DataFrame(columns=list(VENDOR_COLUMNS))
    g = lines.groupby("vendor", sort=False)
    summed = g[["recurring", "one_off", "setup_fees", "platform_fees", "first_year"]].sum()
    kinds, tasks = _by_vendor(lines)
    table = pd.DataFrame({
        "expense_type": [_expense_type(kinds[vendor]) for vendor in summed.index],
        "tasks": g.size(), "task_list": ["; ".join(tasks[vendor]) for vendor in summed.index],
        **summed})
    table = table.sort_values("first_year", ascending=False, kind="stable")
    table = table.rename_axis("vendor").reset_index()
    cents = {column: _split_cents(table[column]) for column in
             ("recurring", "one_off", "setup_fees", "platform_fees")}
    first_year = cents["recurring"] + cents["one_off"]
    cents["vendor_price"] = first_year - cents["setup_fees"] - cents["platform_fees"]
    for column, values in {**cents, "first_year": first_year}.items():
        table[column] = values / 100
    table["tasks"] = table["tasks"].astype(int)
    return table[list(VENDOR_COLUMNS)]


def _by_vendor(lines: pd.DataFrame) -> tuple[dict[object, list[object]], dict[object, list[str]]]:
    """Each vendor's kinds of quote and its tasks' labels, in the order of the lines (in
    plain Python: pandas' cost per group is most of the work for a few tasks a vendor)."""
    kinds: dict[object, list[object]] = {}
    tasks: dict[object, list[str]] = {}
    for vendor, kind, label in zip(lines["vendor"].tolist(), lines["kind"].tolist(),
                                   _task_labels(lines), strict=True):
        kinds.setdefault(vendor, []).append(kind)
        tasks.setdefault(vendor, []).append(label)
    return kinds, tasks


def _expense_type(kinds: list[object]) -> str:
    types = dict.fromkeys(SOFTWARE if kind == TOOL else CONTRACT_LABOUR for kind in kinds)
    return "; ".join(types)


def _task_labels(lines: pd.DataFrame) -> list[str]:
    """Each task as "T1 Logo design" (its ID, or its name alone when it has none)."""
    return [" ".join(as_text(part) for part in (task_id, task) if not is_blank(part))
            for task_id, task in zip(lines["task_id"].tolist(), lines["task"].tolist(),
                                     strict=True)]


def _split_cents(amounts: pd.Series) -> np.ndarray:
    """Each amount in whole cents, adding up to the total rounded to the cent."""
    if amounts.empty:
        return np.zeros(0, dtype=np.int64)
    return _apportioned(float(amounts.sum()), amounts.to_numpy(dtype=float))


def _apportioned(total: float, parts: np.ndarray) -> np.ndarray:
    """bundles.apportion in whole cents (imported here: at the top it would make an
    import chain longer than tests/test_architecture.py allows)."""
    from .bundles import apportion

    return np.rint(apportion(total, parts) * 100).astype(np.int64)


def _schedule(vendors: pd.DataFrame) -> pd.DataFrame:
    """Per vendor, 12 months: its recurring cash in equal cents (the odd cents in the
    first months), its one-off cash on top in the first month."""
    months = []
    for recurring, one_off in zip(vendors["recurring"], vendors["one_off"], strict=True):
        spread = _apportioned(recurring, np.full(MONTHS, recurring / MONTHS))
        spread[0] += round(one_off * 100)
        months.append(spread / 100)
    table = pd.DataFrame(np.array(months).reshape(len(vendors), MONTHS),
                         columns=list(SCHEDULE_COLUMNS[1:-1]))
    table.insert(0, "vendor", vendors["vendor"].to_numpy())
    table["total"] = vendors["first_year"].to_numpy()
    return table


def _foreign(lines: pd.DataFrame, home: str) -> pd.DataFrame:
    """Tasks quoted in another currency: the first-year cash in it, the rate, and in
    the workbook's currency (that amount divided by the rate)."""
    foreign = lines[lines["currency"] != home].copy()
    home = np.rint(foreign["first_year"].to_numpy() * 100) / 100
    foreign["home_amount"] = home
    foreign["foreign_amount"] = np.rint(foreign["first_year"] / foreign["rate"] * 100) / 100
    return foreign.reset_index(drop=True)[list(FOREIGN_COLUMNS)]


def _paperwork(settings: Settings, vendors: pd.DataFrame) -> pd.DataFrame:
    """A row for each vendor with a point to check; none unless the workbook has a
    Vendors sheet or a tax country."""
    if settings.vendors is None and settings.tax_country is None:
        return pd.DataFrame(columns=list(PAPERWORK_COLUMNS))
    known = settings.vendors or {}
    rows = []
    for vendor, first_year, platform in zip(vendors["vendor"], vendors["first_year"],
                                            vendors["platform_fees"], strict=True):
        details = known.get(str(vendor).casefold())
        paid_to_vendor = round(first_year - platform, 2)
        point = (NO_DETAILS if details is None
                 else paperwork_point(settings, details, paid_to_vendor))
        if point:
            shown = details or VendorDetails(str(vendor))
            rows.append((vendor, shown.country, shown.entity, shown.paid_through,
                         shown.tax_form, paid_to_vendor, point))
    return pd.DataFrame(rows, columns=list(PAPERWORK_COLUMNS))


def paperwork_point(settings: Settings, vendor: VendorDetails, paid_to_vendor: float
                    ) -> str | None:
    """The point for the accountant to check about one vendor, or None.

    A blank Country is the business's own; a blank Entity an individual and a blank
    Paid through the bank (the cases that need the most paperwork)."""
    home = settings.tax_country
    country = country_code(vendor.country)
    foreign = country is not None and home is not None and country != home
    if home == "GB":
        return REVERSE_CHARGE if foreign else None
    if home != "US":
        return None
    if foreign:
        return FOREIGN_US
    if vendor.entity == "company":
        return COMPANY_US
    if vendor.paid_through in ("card", "platform"):
        return REPORTED_1099K
    if paid_to_vendor >= settings.reporting_threshold:
        return W9_ON_FILE if vendor.tax_form == "W-9" else W9_NEEDED
    return None


def _cents_sum(values: pd.Series) -> float:
    return int(np.rint(values.to_numpy(dtype=float) * 100).sum()) / 100
