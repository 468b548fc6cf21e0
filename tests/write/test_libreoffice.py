"""LibreOffice and pdftoppm failing or hanging: fake programs of the same names first on
PATH. The user sees one line and exit code 1, never a traceback, and a hung program is
stopped with the children it started."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.paths import TYPICAL_SAMPLE

from xlsheet_outsource import api
from xlsheet_outsource.cli import main
from xlsheet_outsource.write import libreoffice, render

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fake programs are shell scripts")

FAILING = "#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n"
# Starts a child that outlives it unless its whole session is stopped (not holding the
# pipes, so nothing else waits for it), then hangs.
HANGING = "#!/bin/sh\nsleep 300 >/dev/null 2>&1 &\necho $! > {pid_file}\nexec sleep 300\n"


def on_path(monkeypatch, folder: Path, name: str, script: str) -> Path:
    """A program ``name`` running ``script``, found before the real one on PATH."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text(script)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return program


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("decided") / "internet_marketer.outsourced.xlsx"
    assert api.process_workbook(TYPICAL_SAMPLE, out).output == out
    return out


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")  # a zombie has stopped, only not yet been waited for
    return not (state.exists() and state.read_text().split(")")[-1].split()[0] == "Z")


def left_running(pid_file: Path) -> bool:
    """Whether the child a HANGING program started still runs (then stopped: the test's own)."""
    child = int(pid_file.read_text())
    for _ in range(50):  # the kill is sent; the child may take a moment to go
        if not running(child):
            return False
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    return True


def test_libreoffice_failing_is_one_line(decided: Path, tmp_path: Path, monkeypatch) -> None:
    on_path(monkeypatch, tmp_path / "bin", "soffice", FAILING)
    result = CliRunner().invoke(main, ["render", str(decided), "--pdf", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert result.output == (f"LibreOffice could not convert {decided.name}: "
                             "Error: source file could not be loaded\n")
    assert not (tmp_path / "x.pdf").exists()


def test_libreoffice_hanging_is_stopped_with_its_children(decided: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    pid_file = tmp_path / "child.pid"
    on_path(monkeypatch, tmp_path / "bin", "soffice", HANGING.format(pid_file=pid_file))
    with pytest.raises(libreoffice.LibreOfficeError,
                       match=r"^LibreOffice did not finish within 2 s$"):
        libreoffice.convert([decided], "pdf", tmp_path / "out", seconds=2)
    assert not left_running(pid_file), "the hung program's child was left running"


def test_email_pdf_with_libreoffice_failing_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    workbook = tmp_path / "books" / TYPICAL_SAMPLE.name
    workbook.parent.mkdir()
    shutil.copy(TYPICAL_SAMPLE, workbook)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    on_path(monkeypatch, tmp_path / "bin", "soffice", FAILING)
    result = CliRunner().invoke(main, ["email", str(workbook), "--to", "ann@example.com", "--pdf"])
    assert result.exit_code == 1
    assert result.stderr == ("internet_marketer.outsourced.xlsx: LibreOffice could not convert "
                             "internet_marketer.outsourced.xlsx: Error: source file could not be "
                             "loaded\n")
    assert not (workbook.parent / "outbox").exists()


needs_libreoffice = pytest.mark.skipif(libreoffice.find_soffice() is None,
                                       reason="LibreOffice is not installed")


@needs_libreoffice
def test_pdftoppm_failing_is_one_line(decided: Path, tmp_path: Path, monkeypatch) -> None:
    on_path(monkeypatch, tmp_path / "bin", "pdftoppm", FAILING)
    result = CliRunner().invoke(main, ["render", str(decided), "--png", str(tmp_path / "png")])
    assert result.exit_code == 1
    assert result.output == ("pdftoppm could not make PNG pages: "
                             "Error: source file could not be loaded\n")


@needs_libreoffice
def test_pdftoppm_hanging_is_one_line(decided: Path, tmp_path: Path, monkeypatch,
                                      request) -> None:
    pid_file = tmp_path / "child.pid"
    on_path(monkeypatch, tmp_path / "bin", "pdftoppm", HANGING.format(pid_file=pid_file))
    request.addfinalizer(lambda: left_running(pid_file))
    real_run = subprocess.run

    def run_sooner(*args, **kwargs):  # render allows pdftoppm 120 s: 2 s here
        return real_run(*args, **{**kwargs, "timeout": 2} if "timeout" in kwargs else kwargs)

    monkeypatch.setattr(render.subprocess, "run", run_sooner)
    result = CliRunner().invoke(main, ["render", str(decided), "--png", str(tmp_path / "png")],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output == "pdftoppm did not finish within 2 s\n"
