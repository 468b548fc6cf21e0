"""Where a report sheet's printed pages break: tables kept whole (write/pages.py)."""

from __future__ import annotations

from xlsheet_outsource.write.pages import breaks_before

ROWS = dict.fromkeys(range(1, 200), 15.0)


def test_a_table_that_fits_where_it_starts_gets_no_break() -> None:
    assert breaks_before([(3, 10), (12, 20)], ROWS, room=300, first=3) == []


def test_a_table_that_would_run_over_the_foot_starts_the_next_page() -> None:
    """Rows 3-12 take 150 points; rows 14-20 (105) would end at 270 of 240: the page
    breaks at row 13, the empty row that sets the table off on the next page."""
    assert breaks_before([(3, 12), (14, 20)], ROWS, room=240, first=3) == [13]


def test_a_table_longer_than_a_page_runs_on_and_the_next_is_kept_whole() -> None:
    """Rows 3-40 (570 points) cannot fit a 240-point page: they run over three pages,
    the last holding rows 35-40 (90 points); rows 42-55 (210 with the empty row above)
    no longer fit there, so they start the next page."""
    assert breaks_before([(3, 40), (42, 55)], ROWS, room=240, first=3) == [41]


def test_the_first_block_never_breaks_and_heights_count() -> None:
    tall = {**ROWS, 5: 200.0}
    assert breaks_before([(3, 6)], tall, room=100, first=3) == []
    assert breaks_before([(3, 3), (5, 6)], tall, room=240, first=3) == [4]


def test_a_long_table_does_not_leave_its_heading_alone_at_a_pages_foot() -> None:
    """Rows 3-14 take 180 of 240 points; rows 16-40 cannot fit a page, and only 60 points
    are left, room for three of its rows: it starts the next page (at row 15), its
    heading, header and first lines together."""
    assert breaks_before([(3, 14), (16, 40)], ROWS, room=240, first=3) == [15]
    assert breaks_before([(3, 8), (10, 40)], ROWS, room=240, first=3) == []  # 120 left
