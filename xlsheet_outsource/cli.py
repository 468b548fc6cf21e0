"""The xlsheet-outsource command: parse arguments, call the Python API, print, exit.

Exit codes (docs/commands.md): 0 everything decided; 1 the workbook, or some of its
rows, had problems (each printed on one line), or the output could not be written;
2 a usage error. Problems in a workbook are values the commands print; an error of the
family (errors.py) becomes its one line and its exit code in one place, _Commands.
"""

from __future__ import annotations

import json
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
    from .write.template import TEMPLATE_SHEETS, new_template
    if (path is None) == (existing is None):
        raise click.UsageError("give either PATH or --into EXISTING")
    if out and not existing:
        raise click.UsageError("-o goes with --into")
    written = out or path or existing
    assert written is not None  # one of path and --into was given: checked above
    if written != existing and written.exists() and not force:
        raise FileError(f"{written}: already exists; choose another name or add --force")
    if existing:
        outcome = api.add_template(existing, out)
        if outcome.fatal:
            click.echo(f"{existing.name}: {outcome.fatal[0]}", err=True)
            sys.exit(EXIT_PROBLEMS)
        click.echo(f"Sheets {', '.join(TEMPLATE_SHEETS)} added: {written}"
                   + (f" (previous version kept as {outcome.backup})" if outcome.backup else ""))
    else:
        with _writing(written):
            new_template(written)
        click.echo(f"Template written: {written}")
    click.echo(f"Open it, fill in Settings, Tasks and Quotes, then run:\n"
               f"  xlsheet-outsource process {written}")


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the decided workbook (default: NAME.outsourced.xlsx beside it).")
@click.option("--in-place", is_flag=True,
              help="Replace WORKBOOK itself (atomically), keeping the old one as NAME.bak.xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--formulas", is_flag=True,
              help="Write the computed cells as spreadsheet formulas over your inputs, each "
                   "with its value saved (docs/formulas.md).")
def process(workbook: Path, out: Path | None, in_place: bool, as_json: bool,
            formulas: bool) -> None:
    """Decide every task of WORKBOOK and write the results."""
    if out and in_place:
        raise click.UsageError("use either --out or --in-place, not both")
    from . import api  # here, not on top: --help and the other commands start faster
    outcome = api.process_workbook(workbook, out, in_place=in_place, formulas=formulas)
    _report(outcome, as_json)


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(workbook: Path, as_json: bool) -> None:
    """Check WORKBOOK without writing anything; exit 1 if it has problems."""
    from . import api
    _report(api.check_workbook(workbook), as_json)


def _report(outcome: api.Outcome, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(outcome.as_record(), indent=2, ensure_ascii=False))
    else:
        _print_outcome(outcome)
    sys.exit(EXIT_OK if outcome.ok else EXIT_PROBLEMS)


def _print_outcome(outcome: api.Outcome) -> None:
    name = outcome.source.name
    for problem in outcome.problems:
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
    from rich.table import Table

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
        # Not on a terminal (a log, a pipe): wide enough that the table is not squeezed.
        _print_batch(report, Console(highlight=False, width=None if sys.stdout.isatty() else 160))
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


def _print_batch(report: BatchReport, console: Console) -> None:
    if report.rows:
        console.print(_batch_table(report))
    else:
        console.print(f"No workbooks to decide in {report.folder}", markup=False)
    for row in report.rows:
        if row.error:
            console.print(f"{row.workbook}: {row.error}", markup=False, soft_wrap=True)
    for total in report.totals().to_dict("records"):
        console.print(f"Total of {_workbooks(total['workbooks'])} in {total['currency']}: saving "
                      f"{total['saving']:,.2f} a year; {total['hours_freed_year']:,.1f} hours freed "
                      f"a year ({total['hours_freed_week']:,.1f} a week); cash to vendors "
                      f"{total['cash_year']:,.2f} a year", markup=False, soft_wrap=True)
    for skipped in report.skipped:
        console.print(f"Skipped {skipped.path}: {skipped.reason}", markup=False, soft_wrap=True)
    console.print(f"Report: {report.report_path}", markup=False, soft_wrap=True)


def _batch_table(report: BatchReport) -> Table:
    """One row per workbook, narrow enough for 80 columns."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # Text, not str, for names: a file named "[red]x.xlsx" is not rich markup.
    currencies = sorted({row.currency or "" for row in report.rows if row.decided})
    one_currency = len(currencies) == 1  # then it goes in the title, saving a column
    title = f"Batch: {report.folder}" + (f", figures in {currencies[0]}" if one_currency else "")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=Text(title),
                  caption="A year: the saving, hours freed and cash to vendors of the tasks "
                          "to outsource. Status*: unchanged since the last run")
    table.add_column("Workbook", overflow="fold", min_width=12)  # whole names, wrapped
    table.add_column("Status", overflow="fold", min_width=9)
    headers = ("Tasks", "Outsource", "Saving", "Hours", "Cash") + (() if one_currency else ("Cur",))
    for header in headers:
        table.add_column(header, no_wrap=True, justify="right")
    for row in report.rows:
        figures = [f"{row.tasks:,}", f"{row.verdicts.get('OUTSOURCE', 0):,}", f"{row.saving:,.2f}",
                   f"{row.hours_freed_year:,.1f}", f"{row.cash_year:,.2f}",
                   row.currency] if row.decided else []
        table.add_row(Text(row.workbook), row.status + "*" * row.unchanged,
                      *figures[:len(headers)])
    return table


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
    keyring; never from the command line. Settings: mail.toml in your config folder
    (docs/commands.md).

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
    the main.py and requirements.txt of xlwings Lite. Set-up: docs/excel.md.
    """
    from .excel.addin import write_addin
    with _writing(path):
        files = write_addin(path, force=force)
    click.echo("Written:\n" + "\n".join(f"  {p}" for p in files.all()))
    click.echo("Set it up in Excel as docs/excel.md says (pip install xlsheet-outsource, "
               "xlwings addin install).")


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
