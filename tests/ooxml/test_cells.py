"""One cell's XML: numbers, inline strings, formulas with their results."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlsheet_outsource.ooxml.cells import (
    Cell,
    Formula,
    cell_xml,
    column_xml,
    render,
    rows_xml,
)


def test_cells_as_xml():
    assert render("A1", Cell(" _x0041_ <&> ")) == (
        b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> _x005F_x0041_ &lt;&amp;&gt; </t>'
        b'</is></c>')
    assert render("A1", Cell("bell\x07")) == b'<c r="A1" t="inlineStr"><is><t>bell</t></is></c>'
    assert render("A1", Cell(None)) == b"" and render("A1", Cell(None, 3)) == b'<c r="A1" s="3"/>'
    assert render("B2", Cell(1 / 3, 2)) == b'<c r="B2" s="2"><v>0.3333333333333333</v></c>'
    assert render("B2", Cell(True)) == b'<c r="B2" t="b"><v>1</v></c>'
    assert render("C3", Cell(Formula('IF(A1>0,"a&b","")', "a&b"))) == (
        b'<c r="C3" t="str"><f>IF(A1&gt;0,"a&amp;b","")</f><v>a&amp;b</v></c>')
    assert render("C3", Cell(Formula("1/0", float("inf")))) == \
        b'<c r="C3" t="e"><f>1/0</f><v>#NUM!</v></c>'
    assert render("C3", Cell(Formula("A1", None))) == b'<c r="C3" t="str"><f>A1</f><v></v></c>'
    # a blank figure (NaN) is saved as the "" its formula gives, not as an error
    assert render("C3", Cell(Formula('IF(A1>0,1,"")', float("nan")))) == (
        b'<c r="C3" t="str"><f>IF(A1&gt;0,1,"")</f><v></v></c>')
    with pytest.raises(ValueError):
        render("A1", Cell(float("nan")))


CELL_VALUES = st.one_of(st.none(), st.floats(), st.integers(-10**6, 10**6), st.booleans(),
                        st.sampled_from(["OUTSOURCE", " padded ", "a<b & c", "_x0041_", "=1+1"]),
                        st.text(max_size=8),
                        st.builds(Formula, st.just("A1*2"), st.floats(allow_nan=False)))


@given(st.lists(CELL_VALUES, max_size=30), st.integers(0, 5))
def test_a_column_renders_as_its_cells_one_by_one(values, style):
    rows = range(7, 7 + len(values))
    one_by_one = ["" if value is None or (isinstance(value, float) and value - value != 0)
                  else cell_xml(f"AB{row}", Cell(value, 0 if isinstance(value, str) else style))
                  for row, value in zip(rows, values)]
    assert column_xml("AB", rows, values, style) == one_by_one


NUMBERS = st.one_of(st.floats(), st.integers(-10**18, 10**18))


COLUMNS = st.one_of(*(st.lists(values, min_size=4, max_size=4) for values in (
    NUMBERS, CELL_VALUES, st.one_of(st.text(max_size=5), st.sampled_from(["a<b", " x", "%s"])),
    st.none())))


@given(st.lists(COLUMNS, min_size=1, max_size=4), st.integers(0, 5))
def test_rows_render_as_their_columns_cells(columns, style):
    """A row at a time, a column of finite numbers or of text formatted into the row's
    template (the others rendered a column at a time): the same as column_xml's, joined."""
    rows = range(3, 7)
    given_columns = [(letter, values, style) for letter, values in zip("BCDE", columns)]
    by_column = [column_xml(letter, rows, values, style) for letter, values, _ in given_columns]
    assert rows_xml(rows, given_columns) == ["".join(cells) for cells in zip(*by_column)]
