"""The tool's output files: one run at a time, nothing half-written left, failures in words.

Every file the tool writes goes through write_atomically, the one place that renames a
file into place: it is written to a hidden temporary file beside its target, flushed to
disk and renamed over it, so a reader, or Excel, sees the old file or the new one, never
half of one. A run killed while writing leaves at most that temporary file,
``.~NAME.XXXXXXXX.tmp`` (the whole name: out.xlsx and out.xlsm never share one): hidden,
not a workbook by its name, skipped by batch (it skips dotfiles), and deleted by the next
write of the same file. While a run writes a workbook it holds ``.~NAME.lock`` beside it
with an OS lock, which the OS releases even when the run is killed, so a second run for
the same file refuses at once instead of racing it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from ..errors import FileError

HIDDEN = ".~"
TEMP_SUFFIX = ".tmp"
TEMP_RANDOM = "????????"  # the eight hex digits _new_temp_file puts after the name

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


class OutputBusy(FileError):
    """Another run is writing the same file; the message says so in plain words."""


class Saves(Protocol):
    """A workbook that saves itself into a binary stream: openpyxl's Workbook, or
    ooxml's WorkbookPackage."""

    def save(self, stream: BinaryIO, /) -> None: ...


# --- writing a file whole ----------------------------------------------------------------

def write_atomically(target: Path, write: Callable[[BinaryIO], object], *,
                     mode_from: Path | None = None) -> None:
    """``target`` becomes what ``write`` writes into the stream it is given, all or
    nothing, and is on disk when this returns. It keeps the permissions of the file it
    replaces; a new file takes those of ``mode_from``, else those any new file gets
    (0o666 less the umask)."""
    target = Path(target)
    _remove_leftovers(target)
    temp, stream = _new_temp_file(target)
    try:
        with stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        _copy_mode(target if target.exists() else mode_from, temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(target.parent)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    write_atomically(target, lambda stream: stream.write(data))


def write_text_atomically(target: Path, text: str) -> None:
    """As UTF-8, with the line ends ``text`` has (the same file on every system)."""
    write_bytes_atomically(target, text.encode("utf-8"))


def save_atomically(book: Saves, target: Path, *, mode_from: Path | None = None) -> None:
    """A workbook openpyxl made goes out in the form Excel writes (ooxml/excel_form.py)."""
    from ..ooxml.excel_form import in_excel_form  # openpyxl loads only when saving
    write_atomically(target, in_excel_form(book).save, mode_from=mode_from)


def copy_atomically(source: Path, target: Path) -> None:
    """``target`` becomes a copy of ``source`` (dates and permissions too), all or
    nothing, and is on disk when this returns."""
    with open(source, "rb") as original:
        write_atomically(target, lambda stream: shutil.copyfileobj(original, stream))
    shutil.copystat(source, target)


def move_atomically(source: Path, target: Path) -> None:
    """Move a whole file to ``target`` on the same file system; durable when this returns."""
    os.replace(source, target)
    _sync_folder(target.parent)
    _sync_folder(source.parent)


def leftover_temp_files(target: Path) -> list[Path]:
    """Temporary files a killed run left while writing ``target``."""
    pattern = f"{HIDDEN}{glob.escape(target.name)}.{TEMP_RANDOM}{TEMP_SUFFIX}"
    return sorted(target.parent.glob(pattern))


def _remove_leftovers(target: Path) -> None:
    for leftover in leftover_temp_files(target):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _new_temp_file(target: Path) -> tuple[Path, BinaryIO]:
    """A new hidden file beside ``target``, made as open() makes files, so with the
    permissions any new file gets (tempfile.mkstemp's would be 0o600)."""
    while True:
        temp = target.with_name(f"{HIDDEN}{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        with contextlib.suppress(FileExistsError):
            return temp, open(temp, "xb")


def _copy_mode(source: Path | None, temp: Path) -> None:
    if source is not None and source.exists():
        shutil.copymode(source, temp)


def _sync_folder(folder: Path) -> None:
    """Make a rename itself durable (POSIX; Windows has no directory handles to sync)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --- one run at a time -------------------------------------------------------------------

@contextlib.contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """Hold the right to write ``target``, or raise OutputBusy if another run holds it."""
    lock_path = target.with_name(f"{HIDDEN}{target.name}.lock")
    descriptor = _acquire(lock_path, target)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()  # while still locked: see _acquire
        _release(descriptor)


def _acquire(lock_path: Path, target: Path) -> int:
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(descriptor)
        except OSError:
            os.close(descriptor)
            raise OutputBusy(f"another xlsheet-outsource run is writing {target.name}; "
                             "wait for it to finish and try again") from None
        if _still_there(descriptor, lock_path):
            return descriptor
        os.close(descriptor)  # its holder removed it as we opened it: take a fresh one


def _still_there(descriptor: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


if sys.platform == "win32":
    import msvcrt

    def _lock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)

    def _release(descriptor: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
        os.close(descriptor)
else:
    import fcntl

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _release(descriptor: int) -> None:
        os.close(descriptor)  # closing releases the lock


def open_elsewhere(path: Path) -> str | None:
    """The lock file Excel or LibreOffice keeps beside a workbook it has open, if any."""
    for lock in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if lock.exists():
            return lock.name
    return None


def why_not_written(target: Path, error: OSError) -> str:
    """One line saying why ``target`` could not be written, and that nothing changed."""
    if error.errno in _FULL:
        reason = "the disk is full (or the file would be larger than allowed)"
    elif error.errno in _READ_ONLY:
        reason = (f"the folder {target.parent} is read-only or you may not write there; "
                  "write the results somewhere else")
    else:
        reason = error.strerror or str(error)
    return f"cannot write {target.name}: {reason}; nothing was changed"
