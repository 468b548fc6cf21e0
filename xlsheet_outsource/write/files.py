"""The tool's output files: one run at a time, nothing half-written left, failures in words.

Files are written to a hidden temporary file beside their target and renamed over it
(ooxml.archive.write_atomically; copy_atomically here), so a reader, or Excel, sees the
old file or the new one, never half of one. A run killed while writing leaves at most
that temporary file, ``.~STEM.XXXXXXXX.tmp``: hidden, not a workbook by its name,
skipped by batch (it skips dotfiles), and deleted by the next run that writes the same
file. While a run writes a file it holds ``.~NAME.lock`` beside it with an OS lock,
which the OS releases even when the run is killed, so a second run for the same file
refuses at once instead of racing it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ..errors import FileError

HIDDEN = ".~"
TEMP_SUFFIX = ".tmp"
TEMP_RANDOM = "????????"  # what tempfile.mkstemp puts between prefix and suffix

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


class OutputBusy(FileError):
    """Another run is writing the same file; the message says so in plain words."""


def temp_file_names(target: Path) -> dict[str, object]:
    """tempfile.mkstemp's arguments for a temporary file that becomes ``target``: hidden,
    beside it, and found again by leftover_temp_files."""
    return {"prefix": f"{HIDDEN}{target.stem}.", "suffix": TEMP_SUFFIX, "dir": target.parent}


def leftover_temp_files(target: Path) -> list[Path]:
    """Temporary files a killed run left while writing ``target``."""
    pattern = f"{HIDDEN}{glob.escape(target.stem)}.{TEMP_RANDOM}{TEMP_SUFFIX}"
    return sorted(target.parent.glob(pattern))


def copy_atomically(source: Path, target: Path) -> None:
    """``target`` becomes a copy of ``source`` (dates and permissions too), all or
    nothing, and is on disk when this returns."""
    handle, temp_name = tempfile.mkstemp(**temp_file_names(target))
    os.close(handle)
    temp = Path(temp_name)
    try:
        shutil.copy2(source, temp)
        with open(temp, "rb+") as copy:
            os.fsync(copy.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


@contextlib.contextmanager
def exclusive(target: Path, *companions: Path) -> Iterator[None]:
    """Hold the right to write ``target`` and its ``companions`` (a backup), or raise
    OutputBusy if another run holds it; first delete what a killed run left of them."""
    lock_path = target.with_name(f"{HIDDEN}{target.name}.lock")
    descriptor = _acquire(lock_path, target)
    try:
        for leftover in (f for path in (target, *companions) for f in leftover_temp_files(path)):
            with contextlib.suppress(OSError):
                leftover.unlink()
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


if os.name == "nt":
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
