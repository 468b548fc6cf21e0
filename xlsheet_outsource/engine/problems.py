"""What is wrong with the user's values, as the engine says it.

A Problem is a value, not an exception: a place the user can find (a sheet and a cell)
and what is wrong there; readers, the engine and writers pass it on, and every way in
shows it on one line. ``xlsheet_outsource.errors`` re-exports it with the exception family.

BadValue is the cleaning code's own signal that one value cannot be used. It stays inside
the package (the engine imports nothing outside itself, so it cannot join the family):
whoever parses a value catches it and turns it into a Problem or an error text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something the user can fix, at a place they can find."""
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        if not self.cell:
            return f"{self.sheet}: {self.message}"
        mark = "!" if re.fullmatch(r"[A-Z]{1,3}\d+", self.cell) else ", "
        return f"{self.sheet}{mark}{self.cell}: {self.message}"


class BadValue(ValueError):
    """A value that cannot be used; the message completes "<label> ..."."""
