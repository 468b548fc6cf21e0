"""Time the worksheet functions called as Python: the per-call overhead of
OUTSOURCE_VERDICT, and one OUTSOURCE_TABLE call over a 10,000-task table.

    .venv/bin/python benchmarks/bench_udfs.py [--calls 300] [--tasks 10000] [--repeat 3]

What Excel adds on top (xlwings' COM round trip per call) is not measured here.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import python_calamine as calamine
from bench_process import make_workbook

from xlsheet_outsource import udfs
from xlsheet_outsource.engine import schema


def per_call(calls: int) -> tuple[float, float]:
    """Seconds per call of outsource_verdict: each call new inputs, then the same inputs again
    (as when OUTSOURCE_SAVING and friends sit beside it on the row)."""
    udfs._decided.cache_clear()
    start = time.perf_counter()
    for n in range(calls):
        udfs.outsource_verdict(1 + n / calls, 1, "week", 120, 90, review_hours=0.5)
    fresh = (time.perf_counter() - start) / calls
    start = time.perf_counter()
    for n in range(calls):
        udfs.outsource_verdict(1 + n / calls, 1, "week", 120, 90, review_hours=0.5)
    return fresh, (time.perf_counter() - start) / calls


def grids(tasks: int) -> tuple[list, list, list]:
    folder = Path(tempfile.mkdtemp(prefix="bench_udfs_"))
    try:
        path = folder / "big.xlsx"
        make_workbook(path, tasks)
        book = calamine.CalamineWorkbook.from_path(str(path))
        return tuple(book.get_sheet_by_name(name).to_python()
                     for name in (schema.TASKS, schema.QUOTES, schema.SETTINGS))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    fresh, cached = min(per_call(args.calls) for _ in range(args.repeat))
    print(f"outsource_verdict, new inputs: {fresh * 1e6:,.0f} µs a call "
          f"({1 / fresh:,.0f} calls a second; best of {args.repeat} x {args.calls})")
    print(f"outsource_verdict, same inputs again: {cached * 1e6:,.1f} µs a call "
          f"({1 / cached:,.0f} calls a second)")

    tasks, quotes, settings = grids(args.tasks)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        table = udfs.outsource_table(tasks, quotes, settings)
        times.append(time.perf_counter() - start)
    assert len(table) == len(tasks), table
    best = min(times)
    print(f"outsource_table over {args.tasks:,} tasks and {len(quotes) - 1:,} quotes: "
          f"{best:.2f} s (best of {args.repeat}); {best / args.tasks * 1e6:,.0f} µs a task, "
          f"{fresh * args.tasks / best:,.0f}x faster than one outsource_verdict per task")


if __name__ == "__main__":
    main()
