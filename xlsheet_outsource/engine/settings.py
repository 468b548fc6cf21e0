"""Settings: the one-per-workbook inputs of the rule book (docs/decision-model.md), as
the engine takes them. A module of its own, importing nothing of the package, so that
whoever reads settings (inputs) stays below the engine's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FRAGILE_BELOW = 0.15  # phi when FragileBelow is blank
REPORTING_THRESHOLD = 2000.0  # the US 1099-NEC threshold for payments from 2026


_COUNTRY_NAMES = {"US": ("US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"),
                  "GB": ("GB", "UK", "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "SCOTLAND",
                         "WALES", "NORTHERN IRELAND")}


def country_code(country: str | None) -> str | None:
    """US and GB by their usual names ("USA", "UK", "United Kingdom"); others as typed,
    in capitals."""
    if country is None:
        return None
    text = " ".join(country.upper().replace(".", "").split())
    return next((code for code, names in _COUNTRY_NAMES.items() if text in names), text)


@dataclass(frozen=True)
class VendorDetails:
    """One row of the optional Vendors sheet (for the accountant's paperwork points);
    a blank cell is None."""
    name: str
    country: str | None = None  # as typed, upper-cased: US, GB, DE, ...
    entity: str | None = None  # individual | company
    paid_through: str | None = None  # bank | card | platform
    tax_form: str | None = None  # W-9 | W-8BEN | W-8BEN-E | none


@dataclass(frozen=True)
class Settings:
    hourly_worth: float
    currency: str = "USD"
    fill_rate: float = 1.0
    horizon_years: float = 1.0
    margin_pct: float = 0.2
    work_days: float = 250.0
    work_weeks: float = 50.0
    # Version 2 (None or empty: not filled in)
    monthly_budget: float | None = None  # B: the most cash a month to vendors
    fragile_below: float | None = None  # phi
    exchange_rates: Mapping[str, float] = field(default_factory=dict)  # code -> home units
    # For the accountant only (no verdict depends on them)
    tax_country: str | None = None  # US, GB or other; None: not filled in
    reporting_threshold: float = REPORTING_THRESHOLD
    your_name: str | None = None
    vendors: Mapping[str, VendorDetails] | None = None  # by casefolded name; None: none
    # listed (no Vendors sheet, or an empty one)

    @property
    def fragile_limit(self) -> float:
        return FRAGILE_BELOW if self.fragile_below is None else self.fragile_below

    @property
    def version2(self) -> bool:
        """A version 2 setting is filled in."""
        return (self.monthly_budget is not None or self.fragile_below is not None
                or bool(self.exchange_rates))

    def rate(self, code: object) -> float | None:
        """What one unit of ``code`` is worth in the workbook's currency (blank: 1)."""
        if not isinstance(code, str) or code == self.currency:  # None or NaN: blank
            return 1.0
        return self.exchange_rates.get(code)

    @property
    def hour_value(self) -> float:
        """V: what one freed hour is really worth."""
        return self.fill_rate * self.hourly_worth

    def per_factor(self) -> dict[str, float]:
        """Occurrences a year for a frequency of 1 per unit."""
        return {"day": self.work_days, "week": self.work_weeks, "month": 12.0,
                "quarter": 4.0, "year": 1.0, "once": 1.0 / self.horizon_years}
