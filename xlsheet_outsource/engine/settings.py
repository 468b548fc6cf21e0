"""Settings: the one-per-workbook inputs of the rule book (docs/decision-model.md), as
the engine takes them. A module of its own, importing nothing of the package, so that
whoever reads settings (inputs) stays below the engine's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FRAGILE_BELOW = 0.15  # phi when FragileBelow is blank


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
