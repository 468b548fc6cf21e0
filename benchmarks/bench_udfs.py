"""Time the worksheet functions called as Python: OUTSOURCE_VERDICT with fresh arguments
against a plain-Python function of the same arithmetic in the same run, and one
OUTSOURCE_TABLE call over a 10,000-task table.

    .venv/bin/python benchmarks/bench_udfs.py [--calls 20000] [--tasks 10000] [--repeat 3]

What Excel adds on top (xlwings' COM round trip per call) is not measured here.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from pathlib import Path

import python_calamine as calamine
from bench_process import make_workbook

from xlsheet_outsource import udfs
from xlsheet_outsource.engine import schema

PER = {"day": 250.0, "week": 50.0, "month": 12.0, "quarter": 4.0, "year": 1.0, "once": 1.0}


def plain_verdict(hours_each: float, frequency: float, per: str, hourly_worth: float,
                  price: float, basis: str, review_hours: float, expertise: str,
                  quality_critical: bool, setup_fee: float, setup_hours: float,
                  platform_fee: float) -> tuple[str, str, float, float]:
    """The baseline: the rule book's arithmetic, verdict and reason for typed values, with
    the default settings, no checking, no parsing, nothing cached."""
    n = frequency * PER[per]
    self_cost = n * hours_each * hourly_worth
    base = {"per occurrence": price * n, "per hour": price * hours_each * n,
            "per month": 12 * price, "per year": price, "fixed": price}[basis]
    cash = base * (1 + platform_fee) + setup_fee
    own = (n * review_hours + setup_hours) * hourly_worth
    saving = self_cost - (cash + own)
    freed = n * (hours_each - review_hours) - setup_hours
    breakeven = cash / freed if freed > 0 else math.nan
    max_price = (self_cost - own - setup_fee) / (n * (1 + platform_fee)) if n > 0 else math.nan
    if expertise == "Core":
        verdict, reason = "KEEP", "your core expertise"
    elif freed <= 0:
        verdict, reason = "KEEP", "handing it off takes as long as doing it"
    elif saving <= 0:
        verdict, reason = "KEEP", f"doing it yourself is cheaper by {-saving:,.2f} USD a year"
    elif saving < 0.2 * self_cost:
        verdict, reason = "REVIEW", f"saves only {saving / self_cost:.0%} of its cost: marginal"
    elif quality_critical and expertise != "Weak":
        verdict, reason = "REVIEW", f"saves {saving:,.2f} USD a year, but quality control"
    else:
        verdict, reason = "OUTSOURCE", f"saves {saving:,.2f} USD a year and frees {freed:,.1f} hours"
    return verdict, reason, breakeven, max_price


def fresh_rows(calls: int, offset: int) -> list[tuple]:
    """A sheet's rows, each new: hours, frequency, price and review hours differ on every
    row (so nothing of a row is cached), the settings cells are the same."""
    pers, bases = list(PER), ["per occurrence", "per hour", "per month", "per year"]
    return [(1 + (offset + n) / calls, 1 + n % 7, pers[n % 5], 120.0, 20 + (offset + n) / 3,
             bases[n % 4], ((offset + n) % 50) / 100, "Weak" if n % 3 else "Strong",
             bool(n % 2), 0.0, 0.0, 0.05) for n in range(calls)]


def per_call(calls: int, offset: int) -> tuple[float, float, float]:
    """Seconds per call: outsource_verdict with fresh arguments, the same again (as when
    OUTSOURCE_SAVING and friends sit beside it on the row), and the plain function."""
    rows = fresh_rows(calls, offset)
    start = time.perf_counter()
    for row in rows:
        udfs.outsource_verdict(*row)
    fresh = (time.perf_counter() - start) / calls
    recent = rows[-1000:]  # still in the cache
    start = time.perf_counter()
    for row in recent:
        udfs.outsource_verdict(*row)
    cached = (time.perf_counter() - start) / len(recent)
    start = time.perf_counter()
    for row in rows:
        plain_verdict(*row)
    return fresh, cached, (time.perf_counter() - start) / calls


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
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    runs = [per_call(args.calls, offset=run * args.calls) for run in range(args.repeat)]
    fresh, cached, plain = (min(times) for times in zip(*runs))
    print(f"outsource_verdict, fresh arguments: {fresh * 1e6:,.1f} µs a call "
          f"({1 / fresh:,.0f} calls a second; best of {args.repeat} x {args.calls:,})")
    print(f"outsource_verdict, same arguments again: {cached * 1e6:,.1f} µs a call "
          f"({1 / cached:,.0f} calls a second)")
    print(f"plain-Python function of the same arithmetic: {plain * 1e6:,.2f} µs a call; "
          f"outsource_verdict with fresh arguments takes {fresh / plain:,.1f}x as long")

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
          f"against {fresh * args.tasks:.2f} s for one outsource_verdict a task "
          f"(it also ranks the quotes, which one call a row does not)")


if __name__ == "__main__":
    main()
