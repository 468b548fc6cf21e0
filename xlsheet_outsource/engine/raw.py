"""Cell values as the readers give them, before any parsing: what counts as blank, the
mark of a formula without a saved result, and the exchange-rate table's rows as typed.

Light on purpose (no pandas): the workbook reader uses it while calamine still parses
the sheets, and loads pandas (engine/inputs.py) only then (docs/performance.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class NoSavedResult:
    """Stands for a formula cell whose workbook holds no computed result."""

    def __repr__(self) -> str:
        return "a formula with no saved result"


NO_SAVED_RESULT = NoSavedResult()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


@dataclass(frozen=True)
class RateRow:
    """One row of the exchange-rate table as typed, with the cells it came from."""
    currency: object
    rate: object
    currency_cell: str
    rate_cell: str
