"""Time `process` on a 10,000-task, 30,000-quote workbook against a bare openpyxl
load-and-save of the same file, in the same run, and print the ratio: first as whole
commands (a new Python process each, start-up and imports included, as a user runs
them), then in this process (the work alone, and where it goes).

    .venv/bin/python benchmarks/bench_process.py [--tasks 10000] [--repeat 3]

Ratios, not seconds, are what to compare: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

import xlsheet_outsource
from xlsheet_outsource import process_workbook
from xlsheet_outsource.engine import schema

PERS = ["day", "week", "month", "quarter", "year", "once"]
BASES = ["per occurrence", "per hour", "per month", "per year", "fixed"]


def make_workbook(path: Path, tasks: int, quotes_per_task: int = 3, seed: int = 7) -> None:
    """A big, realistic workbook, written fast with openpyxl's write-only mode."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    settings = wb.create_sheet(schema.SETTINGS)
    settings.append(["Hourly worth", 120])
    settings.append(["Currency", "USD"])
    task_sheet = wb.create_sheet(schema.TASKS)
    task_sheet.append([c.header for c in schema.TASK_COLUMNS])
    for i in range(tasks):
        task_sheet.append([f"T{i}", f"Task {i}", f"Category {i % 12}", rng.randint(1, 5),
                           rng.choice(PERS), round(rng.uniform(0.1, 6), 2),
                           rng.choice(["Core", "Strong", "Weak", "Weak"]),
                           rng.choice(["Yes", "No", "No"]), ""])
    quote_sheet = wb.create_sheet(schema.QUOTES)
    quote_sheet.append([c.header for c in schema.QUOTE_COLUMNS])
    for i in range(tasks * quotes_per_task):
        quote_sheet.append([f"T{i // quotes_per_task}", f"Vendor {i % 97}",
                            round(rng.uniform(5, 400), 2), rng.choice(BASES), None,
                            rng.choice([0, 0, 100]), rng.choice([0, 1, 2]),
                            round(rng.uniform(0, 0.5), 2), rng.choice([0, 0.05, 0.1]), ""])
    wb.save(path)


def bare_openpyxl(path: Path, out: Path) -> None:
    openpyxl.load_workbook(path).save(out)


def timed(fn, *args) -> float:
    gc.collect()  # the garbage of the run before (openpyxl's cells) is not this one's to sweep
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


BARE_COMMAND = "import sys; from openpyxl import load_workbook; load_workbook(sys.argv[1]).save(sys.argv[2])"


def command(arguments: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one whole command, a process of its own."""
    start = time.perf_counter()
    child = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, arguments
    return seconds, usage.ru_maxrss / 1024


def whole_commands(book: Path, folder: Path, repeat: int) -> None:
    """`python -c "load_workbook(a).save(b)"` against `xlsheet-outsource process a -o b`.
    The package is compiled first, as pip compiles an installed one (openpyxl's is): an
    editable install under PYTHONDONTWRITEBYTECODE would compile it again in every run."""
    compileall.compile_dir(Path(xlsheet_outsource.__file__).parent, quiet=1)
    bare = [sys.executable, "-c", BARE_COMMAND, str(book), str(folder / "bare.xlsx")]
    ours = [sys.executable, "-m", "xlsheet_outsource", "process", str(book), "-o",
            str(folder / "out.xlsx")]
    baseline, runs = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        baseline.append(command(bare))
        runs.append(command(ours))
    b, o = min(t for t, _ in baseline), min(t for t, _ in runs)
    print(f"whole command, bare openpyxl load+save: {b:.2f} s (best of {repeat}: "
          f"{', '.join(f'{t:.2f}' for t, _ in baseline)})")
    print(f"whole command, xlsheet-outsource process: {o:.2f} s (best of {repeat}: "
          f"{', '.join(f'{t:.2f}' for t, _ in runs)}); peak memory "
          f"{max(m for _, m in runs):,.0f} MB")
    print(f"whole-command ratio process / openpyxl: {o / b:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_process_"))
    try:
        book = folder / "big.xlsx"
        make_workbook(book, args.tasks)
        print(f"workbook: {args.tasks:,} tasks, {3 * args.tasks:,} quotes, "
              f"{book.stat().st_size / 1e6:.1f} MB")
        whole_commands(book, folder, args.repeat)
        baseline, ours = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            baseline.append(timed(bare_openpyxl, book, folder / "bare.xlsx"))
            ours.append(timed(process_workbook, book, folder / "out.xlsx"))
        b, o = min(baseline), min(ours)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bare openpyxl load+save: {b:.2f} s (best of {args.repeat}: "
              f"{', '.join(f'{t:.2f}' for t in baseline)})")
        print(f"xlsheet-outsource process: {o:.2f} s (best of {args.repeat}: "
              f"{', '.join(f'{t:.2f}' for t in ours)})")
        print(f"ratio process / openpyxl: {o / b:.2f}")
        print(f"peak memory of this process: {peak_mb:,.0f} MB")
        phases: dict[str, float] = {}  # one more run, its phases timed
        gc.collect()
        process_workbook(book, folder / "out.xlsx", timings=phases)
        print("where process's time goes: " + ", ".join(
            f"{phase} {seconds:.2f} s" for phase, seconds in phases.items()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
