"""The contract as data: what every computed column is told with."""

from __future__ import annotations

from xlsheet_outsource.engine import schema


def test_every_computed_column_has_a_hover_note_and_no_note_is_left_over():
    keys = {key for results in (schema.TASK_RESULTS, schema.TASK_RESULTS_V2,
                                schema.QUOTE_RESULTS) for key, _, _ in results}
    assert set(schema.RESULT_NOTES) == keys
    assert all(text.endswith(".") and len(text) < 200 for text in schema.RESULT_NOTES.values())
