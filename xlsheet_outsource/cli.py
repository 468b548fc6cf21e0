"""The xlsheet-outsource command: parse arguments, call the Python API, print, exit.

Exit codes (docs/commands.md): 0 everything decided; 1 the workbook, or some of its
rows, had problems (each printed on one line), or the output could not be written;
2 a usage error. Problems in a workbook are values the commands print; an error of the
family (errors.py) becomes its one line and its exit code in one place, _Commands.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import FileError, XlsheetOutsourceError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Commands(click.Group):
    """Where an error of the family reaches the user: its one-line message on stderr and
    its kind's exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except XlsheetOutsourceError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # Ctrl-C outside a command's own handling (e.g. a second
            click.echo("Stopped.", err=True)  # one as batch finishes): the shell's code,
            ctx.exit(128 + signal.SIGINT)  # not click's "Aborted!" and 1


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xlsheet-outsource")
def main() -> None:
    """Decide which of a small business's tasks to outsource, from an Excel workbook."""


@main.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", "existing", type=click.Path(dir_okay=False, path_type=Path),
              help="Add the template's sheets to this workbook instead, keeping all of it "
                   "(the previous version is kept as NAME.bak.xlsx, unless -o).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --into: write the workbook with the sheets added here instead.")
@click.option("--force", is_flag=True, help="Overwrite PATH (or OUT) if it exists.")
def new(path: Path | None, existing: Path | None, out: Path | None, force: bool) -> None:
    """Write a blank template to PATH (an .xlsx) to fill in, or add its sheets to an
    existing workbook with --into."""
    from . import api
    from .write.template import new_template
    if (path is None) == (existing is None):
        raise click.UsageError("give either PATH or --into EXISTING")
    if out and not existing:
        raise click.UsageError("-o goes with --into")
    if path is not None:
        path = _xlsx_name(path)
    written = out or path or existing
    assert written is not None  # one of path and --into was given: checked above
    if written != existing and written.exists() and not force:
        raise FileError(f"{written}: already exists; choose another name or add --force")
    if existing:
        outcome = api.add_template(existing, out)
        if outcome.fatal:
            click.echo(f"{existing.name}: {outcome.fatal[0]}", err=True)
            sys.exit(EXIT_PROBLEMS)
        click.echo(f"Sheets {', '.join(outcome.sheets_added)} added: {written}"
                   + (f" (previous version kept as {outcome.backup})" if outcome.backup else ""))
    else:
        with _writing(written):
            new_template(written)
        click.echo(f"Template written: {written}")
    click.echo(f"Open it, fill in Settings, Tasks and Quotes, then run:\n"
               f"  xlsheet-outsource process {written}")


def _xlsx_name(path: Path) -> Path:
    """The template is an .xlsx: the extension is added when none is given, and refused
    when another one is (an .xlsx named .csv would not open)."""
    if not path.suffix:
        return path.with_name(path.name + ".xlsx")
    if path.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{path.name}: the template is an .xlsx workbook; "
                               f"name it {path.stem}.xlsx")
    return path


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the decided workbook (default: NAME.outsourced.xlsx beside it).")
@click.option("--in-place", is_flag=True,
              help="Replace WORKBOOK itself (atomically), keeping the old one as NAME.bak.xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--formulas", is_flag=True,
              help="Write the computed cells as spreadsheet formulas over your inputs, each "
                   "with its value saved.")
@click.option("--show", is_flag=True,
              help="Also print the table of tasks, as the show command does.")
@click.option("--open", "open_result", is_flag=True,
              help="Open the result in your spreadsheet program.")
def process(workbook: Path, out: Path | None, in_place: bool, as_json: bool,
            formulas: bool, show: bool, open_result: bool) -> None:
    """Decide every task of WORKBOOK and write the results."""
    if out and in_place:
        raise click.UsageError("use either --out or --in-place, not both")
    from . import api  # here, not on top: --help and the other commands start faster
    outcome = api.process_workbook(workbook, out, in_place=in_place, formulas=formulas)
    if open_result and outcome.output:
        try:
            api.open_in_spreadsheet(outcome.output)
        except FileError as exc:  # the result is written all the same: a warning
            _warn(str(exc))
    _report(outcome, as_json, show)


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(workbook: Path, as_json: bool) -> None:
    """Check WORKBOOK without writing anything; exit 1 if it has problems."""
    from . import api
    _report(api.check_workbook(workbook), as_json)


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print every task as a JSON object, with every figure.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every task as a CSV row.")
def show(workbook: Path, as_json: bool, as_csv: bool) -> None:
    """Show every task of WORKBOOK, biggest saving first: its verdict, saving, hours
    freed, vendor and reason. Writes nothing; exit 1 if it has problems."""
    if as_json and as_csv:
        raise click.UsageError("use either --json or --csv, not both")
    from . import api
    outcome = api.check_workbook(workbook)
    for problem in outcome.problems:
        click.echo(f"{workbook.name}: {problem}", err=True)
    records = outcome.task_records()
    if as_json:
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    elif as_csv:
        _print_csv(records)
    elif outcome.decision is not None:
        _print_tasks(records)
    sys.exit(EXIT_OK if outcome.ok else EXIT_PROBLEMS)


def _report(outcome: api.Outcome, as_json: bool, show: bool = False) -> None:
    if as_json:
        record = outcome.as_record() | ({"tasks": outcome.task_records()} if show else {})
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        _print_outcome(outcome)
        if show and outcome.decision is not None:
            _print_tasks(outcome.task_records())
    sys.exit(EXIT_OK if outcome.ok else EXIT_PROBLEMS)


def _print_outcome(outcome: api.Outcome) -> None:
    name = outcome.source.name
    for problem in outcome.problems + outcome.notices:
        click.echo(f"{name}: {problem}", err=True)
    if outcome.decision is None or outcome.summary is None:
        return
    s = outcome.summary
    cur = outcome.decision.settings.currency
    counts = ", ".join(f"{n} {v}" for v, n in s.counts.items() if n)
    click.echo(f"{name}: {s.task_count} tasks: {counts or 'none'}")
    click.echo(f"  yearly saving {s.saving:,.2f} {cur}; hours freed {s.hours_freed_year:,.1f} a year "
               f"({s.hours_freed_week:,.1f} a week); cash to vendors {s.cash_year:,.2f} {cur} a year")
    if outcome.output:
        click.echo(f"  results: {outcome.output}")
    if outcome.formulas is not None:
        for line in outcome.formulas.described():
            click.echo(f"  {line}")
    if outcome.backup:
        click.echo(f"  previous version kept as {outcome.backup}")


def _print_csv(records: list[dict[str, object]]) -> None:
    import csv
    import io

    from . import api
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["row", *api.TASK_RECORD_COLUMNS, "currency"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    click.echo(text.getvalue(), nl=False)


# A column of a table printed to the terminal: header, record key, a figure (aligned
# right)?, the narrowest its texts may be shortened to (0: never shortened).
_Column = tuple[str, str, bool, int]
_TASK_COLUMNS: tuple[_Column, ...] = (
    ("Task", "task", False, 16), ("Verdict", "verdict", False, 0), ("Saving", "saving", True, 0),
    ("Hours freed", "hours_freed", True, 0), ("Vendor", "vendor", False, 12),
    ("Reason", "reason", False, 20))
_GAP = "  "


def _print_tasks(records: list[dict[str, object]]) -> None:
    cells = [{key: _cell(record, key) for _, key, _, _ in _TASK_COLUMNS} for record in records]
    _print_table(_TASK_COLUMNS, cells, dropped_first=("hours_freed", "vendor", "reason"))
    currency = records[0]["currency"] if records else ""
    click.echo(f"Saving and hours freed: a year, in {currency}, if the task went to the vendor."
               if records else "No tasks.")


def _cell(record: dict[str, object], key: str) -> str:
    value = record[key]
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}" if key.startswith("hours") else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return " ".join(str(value).split())  # one line: no tabs or line breaks from a cell


def _print_table(columns: tuple[_Column, ...], rows: list[dict[str, str]],
                 dropped_first: tuple[str, ...]) -> None:
    """A table as wide as the terminal, and at least 80 columns: the columns of
    ``dropped_first`` go, in turn, while the rest would not fit; then the widest texts
    are shortened."""
    import shutil
    width = max(80, shutil.get_terminal_size((80, 24)).columns)
    texts = {key: [header, *(row[key] for row in rows)] for header, key, _, _ in columns}
    widths = _fitted(columns, texts, dropped_first, width)
    lines = [[_fit(texts[key][i], widths[key], figure) for _, key, figure, _ in columns
              if key in widths] for i in range(len(rows) + 1)]
    lines.insert(1, ["-" * size for size in widths.values()])
    for line in lines:
        click.echo(_GAP.join(line).rstrip())


def _fitted(columns: tuple[_Column, ...], texts: dict[str, list[str]],
            dropped_first: tuple[str, ...], width: int) -> dict[str, int]:
    """The width of each column shown, in table order."""
    natural = {key: max(map(len, cells)) for key, cells in texts.items()}
    floor = {key: min(natural[key], narrowest or natural[key]) for _, key, _, narrowest in columns}

    def too_wide(sizes: dict[str, int]) -> bool:
        return sum(sizes.values()) + len(_GAP) * (len(sizes) - 1) > width
    shown = dict(floor)
    for key in dropped_first:
        if not too_wide(shown):
            break
        shown.pop(key, None)  # a column this table may not have
    sizes = {key: natural[key] for key in shown}
    while too_wide(sizes):
        shrinkable = [key for key in sizes if sizes[key] > floor[key]]
        if not shrinkable:
            break
        sizes[max(shrinkable, key=sizes.__getitem__)] -= 1
    return sizes


def _fit(text: str, width: int, figure: bool) -> str:
    if len(text) > width:
        text = text[:width - 1] + "…"
    return text.rjust(width) if figure else text.ljust(width)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """An OSError while writing ``path`` becomes the family's one line about it."""
    try:
        yield
    except OSError as exc:
        raise FileError(f"{path}: cannot write: {exc.strerror or exc}") from None


# --- batch -------------------------------------------------------------------------------

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:  # for annotations only: batch and rich load when the command runs
    from rich.console import Console

    from . import api
    from .batch.report import BatchReport, WorkbookRow


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the results here, mirroring FOLDER's tree (default: beside each input).")
@click.option("-r", "--recursive", is_flag=True, help="Include the workbooks in subfolders.")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes (default: one per core).")
@click.option("--in-place", is_flag=True,
              help="Replace each workbook itself, keeping the old one as NAME.bak.xlsx.")
@click.option("--force", is_flag=True, help="Decide again workbooks unchanged since the last run.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds one workbook may take before it counts as failed.")
@click.option("--formulas", is_flag=True,
              help="Write the computed cells as spreadsheet formulas, as process --formulas.")
@click.option("--email-to", multiple=True, metavar="ADDRESS",
              help="Email each decided workbook to ADDRESS (repeat for more); server and "
                   "sender from mail.toml, else .eml files in an outbox folder.")
@click.option("--digest", is_flag=True,
              help="With --email-to: one message with the report and every workbook.")
def batch(folder: Path, outdir: Path | None, recursive: bool, jobs: int | None, in_place: bool,
          force: bool, as_json: bool, timeout: float, formulas: bool,
          email_to: tuple[str, ...], digest: bool) -> None:
    """Decide every workbook in FOLDER and write batch-report.xlsx.

    Exit codes: 0 every workbook decided without problems; 1 some failed or had
    problems; 2 a usage error; 130 (143) stopped by Ctrl-C (SIGTERM).
    """
    from rich.console import Console

    from .batch.run import run_batch
    if outdir and in_place:
        raise click.UsageError("use either --out or --in-place, not both")
    if digest and not email_to:
        raise click.UsageError("--digest goes with --email-to")
    with _BatchProgress(Console(stderr=True)) as progress:
        report = run_batch(folder, outdir, recursive=recursive, jobs=jobs, in_place=in_place,
                           force=force, timeout=timeout, progress=progress, formulas=formulas)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_batch(report)
    if email_to and not report.interrupted_by:
        _email_batch(report, email_to, digest)
    if report.interrupted_by:
        sys.exit(128 + report.interrupted_by)
    sys.exit(EXIT_OK if report.all_ok else EXIT_PROBLEMS)


class _BatchProgress:
    """Files done, errors so far and the current file: a bar on a terminal, else plain lines."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        self.console, self.done, self.errors, self.total = console, 0, 0, 0
        self.bar = Progress(TextColumn("Deciding"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[errors]} with errors  {task.fields[current]}"),
                            console=console) if console.is_terminal else None

    def __enter__(self) -> _BatchProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

    def start(self, to_run: int, unchanged: int) -> None:
        self.total = to_run
        if unchanged:
            self._say(f"{_workbooks(unchanged)} unchanged since the last run: not decided "
                      "again (add --force to redo them)")
        if self.bar and to_run:
            self.bar.start()
            self.task = self.bar.add_task("", total=to_run, errors=0, current="")
        else:
            self.bar = None

    def file_started(self, workbook: str) -> None:
        if self.bar:
            self.bar.update(self.task, current=workbook)

    def file_done(self, row: WorkbookRow) -> None:
        self.done += 1
        self.errors += row.status != "ok"
        if row.status != "ok" or not self.bar:
            error = f": {row.error}" if row.error else ""
            self._say(f"[{self.done}/{self.total}] {row.status} {row.workbook}{error}")
        if self.bar:
            self.bar.update(self.task, advance=1, errors=self.errors)

    def stopping(self, running: int) -> None:
        self._say(f"Stopping: finishing the {_workbooks(running)} in progress "
                  "(press Ctrl-C again to stop at once)")

    def _say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)


def _workbooks(count: int) -> str:
    return f"{count} workbook{'' if count == 1 else 's'}"


def _print_batch(report: BatchReport) -> None:
    rows = report.table_rows()
    currencies = {row["currency"] for row in rows if row["currency"]}
    # Version 2's verdicts when a workbook has them: to automate after to outsource, to drop
    version2 = tuple(c for c in _VERDICT_COLUMNS_V2 if c[1] in rows[0]) if rows else ()
    columns = _BATCH_COLUMNS[:4] + version2 + _BATCH_COLUMNS[4:]
    if len(currencies) == 1:  # then it goes in the title, saving a column
        columns = tuple(c for c in columns if c[1] != "currency")
        click.echo(f"Batch: {report.folder}, figures in {currencies.pop()}")
    else:
        click.echo(f"Batch: {report.folder}")
    if rows:
        _print_table(columns, [{key: _cell(row, key) for _, key, _, _ in columns} for row in rows],
                     dropped_first=("drop", "automate", "outsource", "hours_freed_year"))
        click.echo("A year: the saving, hours freed and cash to vendors of the tasks to outsource."
                   + ("\n*: unchanged since the last run" if report.counts["unchanged"] else ""))
    else:
        click.echo(f"No workbooks to decide in {report.folder}")
    for _, output in report.outputs():
        click.echo(f"Result: {output}")
    for row in report.rows:  # every problem on its line, as process prints them
        for problem in row.problems or ([row.error] if row.error else []):
            click.echo(f"{row.workbook}: {problem}")
    for total in report.totals().to_dict("records"):
        click.echo(f"Total of {_workbooks(total['workbooks'])} in {total['currency']}: saving "
                   f"{total['saving']:,.2f} a year; {total['hours_freed_year']:,.1f} hours freed "
                   f"a year ({total['hours_freed_week']:,.1f} a week); cash to vendors "
                   f"{total['cash_year']:,.2f} a year")
    for skipped in report.skipped:
        click.echo(f"Skipped {skipped.path}: {skipped.reason}")
    click.echo(f"Report: {report.report_path}")


_BATCH_COLUMNS: tuple[_Column, ...] = (
    ("Workbook", "workbook", False, 28), ("Status", "status", False, 0),
    ("Tasks", "tasks", True, 0), ("Outsource", "outsource", True, 0),
    ("Saving", "saving", True, 0), ("Hours", "hours_freed_year", True, 0),
    ("Cash", "cash_year", True, 0), ("Cur", "currency", False, 0))
_VERDICT_COLUMNS_V2: tuple[_Column, ...] = (("Automate", "automate", True, 0),
                                            ("Drop", "drop", True, 0))


def _email_batch(report: BatchReport, to: tuple[str, ...], digest: bool) -> None:
    """Mail the batch's outputs; a mail problem is one line (the CLI's error mapping)."""
    from . import mail
    deliveries = mail.email_batch(report, to, digest=digest, warn=_warn)
    for delivery in deliveries:
        click.echo(f"Sent to {', '.join(delivery.sent_to)}: {delivery.path}" if delivery.sent_to
                   else f"Written: {delivery.path}")


# --- email -------------------------------------------------------------------------------

@main.command("email")
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", multiple=True, metavar="ADDRESS",
              help="A recipient; repeat for more (default: to in mail.toml).")
@click.option("--cc", multiple=True, metavar="ADDRESS", help="A copy to; repeat for more.")
@click.option("--from", "sender", metavar="ADDRESS",
              help="Your address (default: from in mail.toml); needed to send.")
@click.option("--subject", metavar="TEXT",
              help="Default: Outsourcing spend for the accounts: WORKBOOK.")
@click.option("--message", "note", metavar="TEXT", default="",
              help="A few words of your own, put first in the body.")
@click.option("--pdf", is_flag=True,
              help="Also attach a PDF of the For accountant and Summary sheets (LibreOffice).")
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the .eml (default: outbox beside WORKBOOK).")
@click.option("--smtp-host", metavar="HOST",
              help="Send through this server (default: smtp.host in mail.toml; none: "
                   "only write the .eml).")
@click.option("--smtp-port", type=click.IntRange(1, 65535),
              help="Default: 587 for starttls, 465 for ssl, 25 for none.")
@click.option("--smtp-security", type=click.Choice(["starttls", "ssl", "none"]),
              help="Default: starttls.")
@click.option("--dry-run", is_flag=True, help="Write the .eml to the outbox, send nothing.")
@click.option("--resend", "kept", metavar="OUTBOX_FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Send a message kept in the outbox after a failed send.")
def email_command(workbook: Path | None, to: tuple[str, ...], cc: tuple[str, ...],
                  sender: str | None, subject: str | None, note: str, pdf: bool,
                  outbox: Path | None, smtp_host: str | None, smtp_port: int | None,
                  smtp_security: str | None, dry_run: bool, kept: Path | None) -> None:
    """Email WORKBOOK, decided afresh from its current inputs, to your accountant.

    With no SMTP server set up, the message is written as a .eml file to the outbox
    for your mail client to send. The SMTP login comes from XLSHEET_OUTSOURCE_SMTP_USER
    (or smtp.user in mail.toml) and XLSHEET_OUTSOURCE_SMTP_PASSWORD or the system
    keyring; never from the command line. Settings (server, sender, recipients):
    xlsheet-outsource/mail.toml in your config folder ($XDG_CONFIG_HOME, %APPDATA% or
    ~/.config).

    Exit codes: 0 sent, or written to the outbox; 1 not sent (the message is kept in
    the outbox: send it later with --resend FILE); 2 a usage error.
    """
    from . import mail
    config = mail.load_config()
    server = None if dry_run else config.server(smtp_host, smtp_port, smtp_security)
    if kept:
        if workbook or to or cc or subject or note or pdf or outbox or dry_run:
            raise click.UsageError("--resend sends the kept message as it is: give only "
                                   "the --smtp-* options (and --from if it has none)")
        if server is None:
            raise click.UsageError("--resend needs a server: give --smtp-host "
                                   "(or set smtp.host in mail.toml)")
        delivery = mail.resend(kept, server, mail.find_login(server), sender or config.sender)
    elif workbook is None:
        raise click.UsageError("give the WORKBOOK to email (or --resend OUTBOX_FILE)")
    else:
        envelope = mail.envelope_from(
            config, to=to, cc=cc, sender=sender, note=note, sending=server is not None,
            subject=subject or mail.default_subject([workbook.stem]))
        delivery = mail.email_workbook(workbook, envelope, config, server, pdf=pdf,
                                       outbox=outbox, warn=_warn)
    if delivery.sent_to:
        click.echo(f"Sent to {', '.join(delivery.sent_to)}; a copy is in {delivery.path}")
    else:
        click.echo(f"Written: {delivery.path} (open it in your mail client to send it)")
    for refused in delivery.refused:
        click.echo(f"not delivered to {refused}", err=True)
    sys.exit(EXIT_PROBLEMS if delivery.refused else EXIT_OK)


def _warn(line: str) -> None:
    click.echo(line, err=True)

# --- Excel (xlwings): addin, freeze -------------------------------------------------------

@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the files if they exist.")
def addin(path: Path, force: bool) -> None:
    """Write the template as a macro-enabled workbook PATH (.xlsm) wired for xlwings.

    Beside it: PATH's name with .py (what its Decide macro runs) and a folder with
    the main.py and requirements.txt of xlwings Lite. Set-up: its Start here sheet,
    and docs/excel.md in the project's folder.
    """
    from .excel.addin import write_addin
    with _writing(path):
        files = write_addin(path, force=force)
    click.echo("Written:\n" + "\n".join(f"  {p}" for p in files.all()))
    click.echo("Set it up in Excel as its Start here sheet says (xlwings addin install; "
               "more in docs/excel.md in the project's folder).")


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: NAME.frozen.xlsx beside it; WORKBOOK itself "
                   "replaces it, atomically).")
def freeze(workbook: Path, out: Path | None) -> None:
    """Replace every OUTSOURCE_* formula of WORKBOOK by its value, for Excel without the add-in.

    Exit codes: 0 every such formula frozen; 1 some could not be (each printed), or
    the workbook could not be read or written.
    """
    from .excel.freeze import freeze_workbook
    outcome = freeze_workbook(workbook, out)
    for problem in outcome.problems:
        click.echo(f"{workbook.name}: {problem}", err=True)
    if outcome.output:
        click.echo(f"{workbook.name}: {outcome.frozen} formulas frozen: {outcome.output}")
        if outcome.lost:
            click.echo(f"  rewriting it dropped {', '.join(outcome.lost)}", err=True)
    sys.exit(EXIT_PROBLEMS if outcome.problems else EXIT_OK)


# --- render ------------------------------------------------------------------------------

@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", "sheets", multiple=True, metavar="NAME",
              help="A sheet to render; repeat for more (default: Summary and For accountant).")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the PDF here (default: NAME.pdf beside WORKBOOK, unless --png).")
@click.option("--png", "png_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write each page of each sheet as a PNG into this folder.")
def render(workbook: Path, sheets: tuple[str, ...], pdf: Path | None,
           png_dir: Path | None) -> None:
    """Print the Summary and For accountant sheets of a decided WORKBOOK to PDF and PNG,
    through LibreOffice (and pdftoppm for PNG).

    Exit codes: 0 written; 1 not (LibreOffice or pdftoppm missing, no such sheet, ...).
    """
    from .write.render import SHEETS
    from .write.render import render as render_sheets
    if pdf is None and png_dir is None:
        pdf = workbook.with_suffix(".pdf")
    rendered = render_sheets(workbook, sheets or SHEETS, pdf=pdf, png_dir=png_dir)
    for written in ([rendered.pdf] if rendered.pdf else []) + rendered.pngs:
        click.echo(f"Written: {written}")


if __name__ == "__main__":
    main()
