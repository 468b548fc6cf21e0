"""The xlsheet-outsource command: parse arguments, call the Python API, print, exit.

Exit codes (docs/commands.md): 0 everything decided; 1 the workbook, or some of its
rows, had problems (each printed on one line), or the output could not be written;
2 a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import api
from .summary import summarise

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xlsheet-outsource")
def main() -> None:
    """Decide which of a small business's tasks to outsource, from an Excel workbook."""


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def new(path: Path, force: bool) -> None:
    """Write a blank template to PATH (an .xlsx) to fill in."""
    from .template import new_template
    if path.exists() and not force:
        _fail(f"{path}: already exists; choose another name or add --force")
    try:
        new_template(path)
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror or exc}")
    click.echo(f"Template written: {path}\nOpen it, fill in Settings, Tasks and Quotes, then run:\n"
               f"  xlsheet-outsource process {path}")


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the decided workbook (default: NAME.outsourced.xlsx beside it).")
@click.option("--in-place", is_flag=True,
              help="Replace WORKBOOK itself (atomically), keeping the old one as NAME.bak.xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def process(workbook: Path, out: Path | None, in_place: bool, as_json: bool) -> None:
    """Decide every task of WORKBOOK and write the results."""
    if out and in_place:
        raise click.UsageError("use either --out or --in-place, not both")
    outcome = api.process_workbook(workbook, out, in_place=in_place)
    _report(outcome, as_json)


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(workbook: Path, as_json: bool) -> None:
    """Check WORKBOOK without writing anything; exit 1 if it has problems."""
    _report(api.check_workbook(workbook), as_json)


def _report(outcome: api.Outcome, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(outcome_record(outcome), indent=2, ensure_ascii=False))
    else:
        _print_outcome(outcome)
    sys.exit(EXIT_OK if outcome.ok else EXIT_PROBLEMS)


def outcome_record(outcome: api.Outcome) -> dict[str, object]:
    """The outcome as plain JSON-ready data (also used by batch reports)."""
    record: dict[str, object] = {
        "workbook": str(outcome.source),
        "output": str(outcome.output) if outcome.output else None,
        "status": "ok" if outcome.ok else ("failed" if outcome.fatal else "problems"),
        "problems": [str(p) for p in outcome.problems],
        "separate_because": outcome.separate_because,
        "backup": str(outcome.backup) if outcome.backup else None,
    }
    if outcome.decision is not None:
        record["summary"] = summarise(outcome.decision).headline()
    return record


def _print_outcome(outcome: api.Outcome) -> None:
    name = outcome.source.name
    for problem in outcome.problems:
        click.echo(f"{name}: {problem}", err=True)
    if outcome.decision is None:
        return
    s = summarise(outcome.decision)
    cur = outcome.decision.settings.currency
    counts = ", ".join(f"{n} {v}" for v, n in s.counts.items() if n)
    click.echo(f"{name}: {s.task_count} tasks: {counts or 'none'}")
    click.echo(f"  yearly saving {s.saving:,.2f} {cur}; hours freed {s.hours_freed_year:,.1f} a year "
               f"({s.hours_freed_week:,.1f} a week); cash to vendors {s.cash_year:,.2f} {cur} a year")
    if outcome.separate_because:
        click.echo(f"  {name} was not written into: {outcome.separate_because}")
    if outcome.output:
        click.echo(f"  results: {outcome.output}")
    if outcome.backup:
        click.echo(f"  previous version kept as {outcome.backup}")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_PROBLEMS)


if __name__ == "__main__":
    main()
