"""One error family: every exception the package raises is of it (but the two layers'
own), and the command line turns each kind into its one line and its exit code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from support.paths import TYPICAL_SAMPLE

import xlsheet_outsource
from xlsheet_outsource import errors
from xlsheet_outsource.cli import main

LAYERS = ("xlsheet_outsource.engine", "xlsheet_outsource.ooxml")  # import nothing outside


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined anywhere in the package, found by importing it all."""
    found = []
    for module_info in pkgutil.walk_packages(xlsheet_outsource.__path__, "xlsheet_outsource."):
        if module_info.name.endswith("__main__"):  # runs the command when imported
            continue
        module = importlib.import_module(module_info.name)
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, BaseException) and cls.__module__ == module.__name__]
    return found


def layer_internal(cls: type) -> bool:
    return cls.__module__.startswith(LAYERS)


def test_every_exception_of_the_package_is_of_the_family() -> None:
    classes = exception_classes()
    outside = [cls.__qualname__ for cls in classes if not layer_internal(cls)
               and not issubclass(cls, errors.XlsheetOutsourceError)]
    assert not outside
    assert {"RenderError", "OutputBusy", "MailUsageError", "BatchError",
            "_CannotMakeFolder"} <= {cls.__name__ for cls in classes}


def test_only_the_documented_layer_exceptions_stand_apart() -> None:
    internal = [cls for cls in exception_classes() if layer_internal(cls)]
    assert sorted(cls.__name__ for cls in internal) == ["BadValue", "PackageError"]
    documented = " ".join(errors.__doc__.split())
    assert all(f"{cls.__name__} ({cls.__module__.split('.', 1)[1].replace('.', '/')}.py)"
               in documented for cls in internal)


def test_each_kind_has_its_exit_code_and_usage_errors_stay_usage_errors() -> None:
    assert (errors.InputError.exit_code, errors.FileError.exit_code,
            errors.UsageError.exit_code) == (1, 1, 2)
    from xlsheet_outsource import mail
    assert issubclass(mail.MailUsageError, errors.UsageError)
    assert mail.MailUsageError.exit_code == 2


def test_decide_refuses_bad_settings_with_the_public_input_error() -> None:
    empty = pd.DataFrame()
    with pytest.raises(xlsheet_outsource.InputError, match="hourly worth is missing") as raised:
        xlsheet_outsource.decide({"Currency": "USD"}, empty, empty)
    assert isinstance(raised.value, ValueError)  # what it was before the family


# --- the command line: one line on stderr, the kind's exit code, no traceback -------------

def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line(result, code: int, message: str) -> None:
    assert result.exit_code == code
    assert isinstance(result.exception, SystemExit), result.exception  # nothing escaped
    assert result.stderr == f"{message}\n"
    assert "Traceback" not in result.output


def test_a_file_error_without_libreoffice(tmp_path: Path, monkeypatch) -> None:
    decided = tmp_path / "decided.xlsx"
    assert run("process", TYPICAL_SAMPLE, "-o", decided).exit_code == 0
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("xlsheet_outsource.write.libreoffice.SOFFICE_PLACES", ())
    result = run("render", decided, "--pdf", tmp_path / "x.pdf")
    assert_one_line(result, 1, "LibreOffice is not installed here (no soffice found): install "
                               "it from libreoffice.org, or Debian's libreoffice-calc-nogui")


def test_a_file_error_for_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    result = run("new", blocker / "mine.xlsx")
    assert_one_line(result, 1, f"{blocker / 'mine.xlsx'}: cannot write: Not a directory")
    result = run("batch", tmp_path, "-o", blocker / "out")
    assert_one_line(result, 1, f"cannot make the output folder {blocker / 'out'}: "
                               "Not a directory")


def test_a_file_that_is_no_workbook_is_one_line_not_a_package_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("just text")
    result = run("render", text)
    assert_one_line(result, 1, "notes.xlsx: is not an Excel workbook (.xlsx/.xlsm): "
                               "it is not a zip package")


def test_an_input_error(tmp_path: Path) -> None:
    result = run("addin", tmp_path / "outsourcing.xlsx")
    assert_one_line(result, 1, "outsourcing.xlsx: the workbook carries macros, so its name "
                               "must end in .xlsm")


def test_a_usage_error(sample: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = run("email", sample, "--to", "ann at example.com")
    assert_one_line(result, 2, "--to: not a valid email address: 'ann at example.com' "
                               "(one address each, like ann@example.com)")
