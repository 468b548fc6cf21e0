"""The contract as data: what every computed column is told with, and its defaults."""

from __future__ import annotations

from xlsheet_outsource.engine import schema, settings


def test_every_computed_column_has_a_hover_note_and_no_note_is_left_over():
    keys = {key for results in (schema.TASK_RESULTS, schema.TASK_RESULTS_V2,
                                schema.QUOTE_RESULTS, (schema.BEST_ROW,)) for key, _, _ in results}
    assert set(schema.RESULT_NOTES) == keys
    assert all(text.endswith(".") and len(text) < 200 for text in schema.RESULT_NOTES.values())


def test_the_settings_rows_defaults_are_the_engines() -> None:
    """The template writes these defaults and the engine assumes them when blank: one
    number each (schema cannot import them: the import chains would grow too long)."""
    defaults = {s.name: s.default for s in schema.ALL_SETTINGS}
    assert defaults["FragileBelow"] == settings.FRAGILE_BELOW
    assert defaults["ReportingThreshold"] == settings.REPORTING_THRESHOLD
