"""The days a run may be dated with: taken before it and after it, because a run can
cross midnight. Written sheets carry the day they were decided on; comparing two runs
cell for cell must not fail because the clock passed 00:00 between them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

RUN_DATE = "<the run's date>"


class RunDays:
    """Started before the runs compared; ``days()`` is every day they can carry."""

    def __init__(self) -> None:
        self.first = dt.date.today()

    def days(self) -> list[dt.date]:
        return list(dict.fromkeys([self.first, dt.date.today()]))

    def __iter__(self) -> Iterator[dt.date]:
        return iter(self.days())

    def undated(self, rows: list[list[object]]) -> list[list[object]]:
        """The rows with every date (or midnight datetime) of the run replaced by RUN_DATE."""
        days = self.days()

        def plain(value: object) -> object:
            if isinstance(value, dt.datetime):
                return RUN_DATE if value.time() == dt.time() and value.date() in days else value
            return RUN_DATE if isinstance(value, dt.date) and value in days else value

        return [[plain(value) for value in row] for row in rows]
