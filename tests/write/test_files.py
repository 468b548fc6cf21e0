"""The one atomic writer (write/files.py): whole files or none, no temporary file left for
long, the permissions a user expects; and every file the tool writes goes through it."""

from __future__ import annotations

import ast
import multiprocessing
import os
import shutil
import signal
import stat
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO

import openpyxl
import pytest
from support.paths import PROJECT, SAMPLES

from xlsheet_outsource import api
from xlsheet_outsource.excel import addin
from xlsheet_outsource.mail import transport
from xlsheet_outsource.write import files, template

PACKAGE = PROJECT / "xlsheet_outsource"
SAMPLE = SAMPLES / "small_agency.xlsx"
POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="POSIX permissions, fork and SIGKILL")


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".~*"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """Set the process's umask for the test; the old one comes back after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


# --- all or nothing ---------------------------------------------------------------------

def test_writes_the_stream_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "book.xlsx"
    files.write_atomically(target, lambda stream: stream.write(b"new"))
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")

    def fails_half_way(stream: BinaryIO) -> None:
        stream.write(b"half a workbook")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.write_atomically(target, fails_half_way)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def _killed_while_writing(target: str) -> None:
    def write(stream: BinaryIO) -> None:
        stream.write(b"half a workbook")
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    files.write_atomically(Path(target), write)


@posix_only
def test_the_next_write_deletes_what_a_killed_run_left_of_the_same_file(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    other = tmp_path / ".~other.0badf00d.tmp"  # left while writing another file: kept
    other.write_bytes(b"not ours")
    child = multiprocessing.get_context("fork").Process(target=_killed_while_writing,
                                                         args=(str(target),))
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    [left] = files.leftover_temp_files(target)
    assert left.name.startswith(".~book.") and target.read_bytes() == b"old"
    files.write_bytes_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert hidden_files(tmp_path) == [other.name]


# --- permissions ------------------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=oct)
def test_a_new_file_gets_the_permissions_any_new_file_gets(tmp_path, umask, mask):
    umask(mask)
    files.write_bytes_atomically(tmp_path / "new.xlsx", b"data")
    assert mode(tmp_path / "new.xlsx") == 0o666 & ~mask


@posix_only
def test_a_replaced_file_keeps_its_permissions(tmp_path, umask):
    target, other = tmp_path / "book.xlsx", tmp_path / "other.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    other.write_bytes(b"other")
    other.chmod(0o604)
    files.write_bytes_atomically(target, b"new")
    assert mode(target) == 0o640
    files.write_atomically(target, lambda stream: stream.write(b"newer"), mode_from=other)
    assert mode(target) == 0o640  # mode_from is for a new file only


@posix_only
def test_a_new_file_may_take_the_permissions_of_another(tmp_path, umask):
    source = tmp_path / "source.xlsx"
    source.write_bytes(b"source")
    source.chmod(0o600)
    files.write_atomically(tmp_path / "out.xlsx", lambda stream: stream.write(b"out"),
                           mode_from=source)
    assert mode(tmp_path / "out.xlsx") == 0o600


# --- the helpers ------------------------------------------------------------------------

def test_text_is_utf8_with_its_own_line_ends(tmp_path):
    files.write_text_atomically(tmp_path / "main.py", "# café\nprint()\n")
    assert (tmp_path / "main.py").read_bytes() == "# café\nprint()\n".encode()


def test_a_copy_keeps_the_dates_and_permissions_of_its_source(tmp_path):
    source, copy = tmp_path / "book.xlsx", tmp_path / "book.bak.xlsx"
    source.write_bytes(b"workbook")
    source.chmod(0o640)
    os.utime(source, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    copy.write_bytes(b"an older backup")
    files.copy_atomically(source, copy)
    assert copy.read_bytes() == b"workbook"
    assert copy.stat().st_mtime_ns == source.stat().st_mtime_ns
    assert mode(copy) == 0o640 or not POSIX


def test_a_move_takes_the_file_whole(tmp_path):
    source, target = tmp_path / "outbox" / "a.eml", tmp_path / "outbox" / "sent" / "a.eml"
    target.parent.mkdir(parents=True)
    source.write_bytes(b"message")
    files.move_atomically(source, target)
    assert target.read_bytes() == b"message" and not source.exists()


# --- every file the tool writes goes through the one writer -----------------------------

def _template_into(folder: Path) -> None:
    openpyxl.Workbook().save(folder / "mine.xlsx")
    assert api.add_template(folder / "mine.xlsx", folder / "added.xlsx").output


def _results(folder: Path, in_place: bool = False) -> None:
    shutil.copy(SAMPLE, folder / "agency.xlsx")
    assert api.process_workbook(folder / "agency.xlsx", in_place=in_place).output


# what each writer writes (beside each a killed run left a temporary file), and the writing
WRITERS: dict[str, tuple[tuple[str, ...], Callable[[Path], object]]] = {
    "new": (("blank.xlsx",), lambda folder: template.new_template(folder / "blank.xlsx")),
    "new --into": (("added.xlsx",), _template_into),
    "addin": (("outsourcing.xlsm", "outsourcing.py", "outsourcing_xlwings_lite/main.py",
               "outsourcing_xlwings_lite/requirements.txt"),
              lambda folder: addin.write_addin(folder / "outsourcing.xlsm")),
    "process": (("agency.outsourced.xlsx",), _results),
    "process --in-place": (("agency.xlsx", "agency.bak.xlsx"),
                           lambda folder: _results(folder, in_place=True)),
}


@posix_only
@pytest.mark.parametrize("writer", WRITERS)
def test_every_written_file_is_whole_with_usual_permissions_and_leaves_nothing(
        tmp_path, umask, writer):
    """Each goes through the one writer: what a killed run left beside a file is deleted
    by the next run writing it, and each file is readable as any saved file is."""
    written, write = WRITERS[writer]
    (tmp_path / "outsourcing_xlwings_lite").mkdir()
    for name in written:
        path = tmp_path / name
        path.with_name(f".~{path.name}.0badf00d.tmp").write_bytes(b"left by a killed run")
    write(tmp_path)
    assert {name: mode(tmp_path / name) for name in written} == dict.fromkeys(written, 0o644)
    assert hidden_files(tmp_path) == []


@posix_only
def test_an_outbox_message_is_readable_as_any_file_and_moves_whole(tmp_path, umask):
    message = EmailMessage()
    message["To"] = "ann@example.com"
    message.set_content("the plan")
    kept = transport.write_to_outbox(message, tmp_path / "outbox", "plan")
    assert mode(kept) == 0o644  # not tempfile.mkstemp's 0o600
    sent = transport.mark_sent(kept)
    assert sent.parent.name == transport.SENT_FOLDER and not kept.exists()
    assert transport.read_kept(sent)["To"] == "ann@example.com"
    assert hidden_files(tmp_path) == []


RENAMES = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("shutil", "move")}


def _renames_in(path: Path) -> list[int]:
    """Lines that rename a file: os.replace/rename, shutil.move, or a one-argument
    .replace()/.rename() as pathlib's (str.replace takes two, pandas' rename keywords)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
            one_path = len(node.args) == 1 and not node.keywords
            if (owner, node.func.attr) in RENAMES or (
                    node.func.attr in ("replace", "rename") and one_path):
                lines.append(node.lineno)
    return lines


def test_only_the_files_module_renames_files_into_place():
    found = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
             if (lines := _renames_in(path))}
    assert set(found) == {"write/files.py"}, found
