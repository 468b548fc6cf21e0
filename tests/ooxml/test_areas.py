"""areas.area_of: the references Excel writes for ranges, merges, Tables and names."""

from __future__ import annotations

import pytest

from xlsheet_outsource.ooxml.areas import Area, Block, area_of
from xlsheet_outsource.ooxml.cells import EXCEL_ROWS


@pytest.mark.parametrize(("ref", "area"), [
    ("B2", (2, 2, 2, 2)), ("B2:D9", (2, 2, 4, 9)), ("$D$9:$B$2", (2, 2, 4, 9)),
    ("'It''s'!$K$1:$V$8", (11, 1, 22, 8)), ("Tasks!c3", (3, 3, 3, 3)),
    ("K:M", (11, 1, 13, EXCEL_ROWS)), ("3:3", None), ("", None), ("#REF!", None),
    ('"summary"', None)])
def test_a_reference_is_an_area_when_it_names_columns(ref, area):
    found = area_of(ref, "x")
    assert (found and (found.first_column, found.first_row, found.last_column,
                       found.last_row)) == area


def test_the_tools_block_holds_only_what_lies_wholly_in_it():
    block = Block(frozenset({11, 12, 14}), 1, 8)
    assert block.holds(Area(11, 2, 12, 8, ""))
    assert not block.holds(Area(11, 2, 11, 9, ""))  # a note below the block
    assert not block.holds(Area(12, 2, 14, 2, ""))  # across column 13, the user's
