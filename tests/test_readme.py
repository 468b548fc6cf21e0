"""The README's Python example runs as written (in a folder without my-business.xlsx,
process_workbook answers with a problem instead of raising)."""

from __future__ import annotations

import re

import pytest
from support.paths import PROJECT


def test_the_python_example_runs(tmp_path, monkeypatch, capsys):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", readme, re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "file not found" in printed  # the first print: my-business.xlsx is not here
    assert "Weekly blog post" in printed and "OUTSOURCE" in printed


def test_the_public_api_names_what_the_readme_says() -> None:
    import xlsheet_outsource as xo
    for name in ("check_workbook", "add_template", "new_template", "run_batch",
                 "XlsheetOutsourceError", "InputError", "FileError", "UsageError"):
        assert callable(getattr(xo, name)), name
    with pytest.raises(AttributeError):
        xo.no_such_thing  # noqa: B018
