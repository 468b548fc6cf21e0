"""The OUTSOURCE_* worksheet functions: cell values in, the engine's figures out.

Each is a thin wrapper over the one engine: the single-task functions check their
arguments with the engine's own parsers (inputs) and decide the one task and its one
quote on the engine's scalar path (engine/single.py: the same figures, without a
table's overhead); OUTSOURCE_TABLE reads its ranges with the readers
every workbook goes through (grids). None of them raises into Excel: a bad argument
gives a short text such as "#VALUE! hours_each must be a number >= 0, got -1".

Classic xlwings (Windows Excel) imports them from the module named in a workbook's
xlwings.conf sheet ("UDF Modules" = xlsheet_outsource.udfs); xlwings Lite from its
main.py. Elsewhere xw.func and xw.arg do nothing, so each function also describes
itself in FUNCTIONS, which docs/excel.md and the tests are checked against.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import xlwings as xw

from .engine import inputs, schema, single
from .engine.model import Settings
from .engine.problems import BadValue
from .errors import UsageError

ERROR = "#VALUE! "
MAX_MESSAGES = 2  # a cell is small: the first problems, and how many more
MAX_LENGTH = 255  # enough to read in a cell; absurd values are cut
CATEGORY = "xlsheet-outsource"  # the group Excel's Insert Function dialog lists them under
TASK_ID = "T"  # the one task (and its one quote) of a single-task call


@dataclass(frozen=True)
class Argument:
    name: str
    doc: str
    default: str | None = None  # as documented; None when the argument is required
    is_range: bool = False  # a block of cells, read as rows

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def excel_doc(self) -> str:
        """The description Excel shows while the argument is typed."""
        return self.doc if self.required else f"{self.doc} Default: {self.default}."


@dataclass(frozen=True)
class WorksheetFunction:
    """What Excel sees of one function, whichever xlwings registers it."""
    excel_name: str
    python_name: str
    arguments: tuple[Argument, ...]
    doc: str
    figure: str | None = None  # the column of the engine's task row it returns

    @property
    def usage(self) -> str:
        """How it is typed, optional arguments in brackets: OUTSOURCE_X(a, b, [c])."""
        shown = (a.name if a.required else f"[{a.name}]" for a in self.arguments)
        return f"{self.excel_name}({', '.join(shown)})"


FUNCTIONS: dict[str, WorksheetFunction] = {}  # by Excel name, in the order defined


@dataclass(frozen=True)
class EngineInput:
    """Where an argument of the single-task functions goes: a task or quote column, or a setting."""
    argument: str
    source: str  # "task", "quote" or "setting"
    key: str  # the column key, or the setting's defined name

    @functools.cached_property  # looked up on every call of a single-task function
    def column(self) -> schema.Column:
        columns = schema.TASK_INPUTS if self.source == "task" else (*schema.QUOTE_INPUTS, RATE)
        return next(c for c in columns if c.key == self.key)

    @property
    def setting(self) -> schema.Setting:
        return next(s for s in schema.ALL_SETTINGS if s.name == self.key)

    @property
    def label(self) -> str:
        """How the engine's messages name it."""
        return self.setting.label.lower() if self.source == "setting" else self.column.header.lower()

    def in_own_terms(self, message: str) -> str:
        """The engine's message about this value, naming the argument instead."""
        if message.startswith(self.label):
            return self.argument + message[len(self.label):]
        return f"{self.argument}: {message}"

    def describe(self) -> Argument:
        default: object
        if self.source == "setting":
            help_text, kind, default = self.setting.help, self.setting.kind, self.setting.default
        else:
            help_text, kind = self.column.help, self.column.kind
            default = None if self.column.required else (
                "blank" if self.column.default is None else self.column.default)  # help says
        return Argument(self.argument, help_text, None if default is None else _shown(default, kind))


def _shown(default: object, kind: str) -> str:
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"
    if kind == "pct" and isinstance(default, float):
        return f"{default:.0%}"
    return f"{default:g}" if isinstance(default, float) else str(default)


# A quote's exchange rate, as the single-task functions take it: the workbook's
# exchange-rate table holds it by currency, but one quote needs only the number.
RATE = schema.Column(
    "rate", "Rate", "number",
    help="Only for a price in another currency: what one unit of that currency is worth in "
         "yours, e.g. 1.25 for a GBP price in a USD workbook (blank = same currency).")

# The single-task functions' arguments, in their Excel order: the first five required;
# version 2's (still_needed and after) added at the end, so earlier calls keep their meaning.
ENGINE_INPUTS: tuple[EngineInput, ...] = (
    EngineInput("hours_each", "task", "hours_each"),
    EngineInput("frequency", "task", "frequency"),
    EngineInput("per", "task", "per"),
    EngineInput("hourly_worth", "setting", "HourlyWorth"),
    EngineInput("price", "quote", "price"),
    EngineInput("basis", "quote", "basis"),
    EngineInput("review_hours", "quote", "review_hours_each"),
    EngineInput("expertise", "task", "expertise"),
    EngineInput("quality_critical", "task", "quality_critical"),
    EngineInput("setup_fee", "quote", "setup_fee"),
    EngineInput("setup_hours", "quote", "setup_hours"),
    EngineInput("platform_fee", "quote", "platform_fee"),
    EngineInput("vendor_hours", "quote", "vendor_hours_each"),
    EngineInput("fill_rate", "setting", "FillRate"),
    EngineInput("horizon_years", "setting", "HorizonYears"),
    EngineInput("margin", "setting", "MarginPct"),
    EngineInput("work_days", "setting", "WorkDaysPerYear"),
    EngineInput("work_weeks", "setting", "WorkWeeksPerYear"),
    EngineInput("currency", "setting", "Currency"),  # names the money in OUTSOURCE_REASON
    EngineInput("still_needed", "task", "still_needed"),
    EngineInput("kind", "quote", "kind"),
    EngineInput("rate", "quote", "rate"),
    EngineInput("fragile_below", "setting", "FragileBelow"),
)
TASK_ARGUMENTS = tuple(i.describe() for i in ENGINE_INPUTS)
_BY_ARGUMENT = {i.argument: i for i in ENGINE_INPUTS}
_BY_KEY = {(i.source, i.key): i.argument for i in ENGINE_INPUTS}

TABLE_ARGUMENTS = (
    Argument("tasks_range", "The Tasks table with its header row, best from A1 of the Tasks "
             "sheet (e.g. Tasks!A1:K501) so that problems name the right cells.", is_range=True),
    Argument("quotes_range", "The Quotes table with its header row (e.g. Quotes!A1:L1501).",
             is_range=True),
    Argument("settings_range", "The settings: labels in its first column, values in its second, "
             "and the exchange-rate table if you use one (e.g. Settings!A1:C20).",
             is_range=True),
)


def worksheet_function(arguments: tuple[Argument, ...], figure: str | None = None,
                       check: Callable[..., object] | None = None
                       ) -> Callable[[Callable], Callable]:
    """Describe ``function`` in FUNCTIONS, make it never raise, and register it with xlwings.

    ``check`` raises TypeError for a call that does not fit the arguments (default: the
    function's signature's bind)."""
    def register(function: Callable) -> Callable:
        names = list(inspect.signature(function).parameters)
        if names != [a.name for a in arguments]:
            raise TypeError(f"{function.__name__}: parameters {names} do not match its arguments")
        spec = WorksheetFunction(function.__name__.upper(), function.__name__, arguments,
                                 inspect.getdoc(function) or "", figure)
        FUNCTIONS[spec.excel_name] = spec
        guarded = _never_raises(function, check or inspect.signature(function).bind)
        guarded.__doc__ = spec.doc  # what Excel shows: without the source's indentation
        return register_with_xlwings(guarded, spec, xw)
    return register


def register_with_xlwings(function: Callable, spec: WorksheetFunction, xl: Any) -> Callable:
    """Apply ``xl``'s func and arg decorators (xlwings', or xlwings.udfs' in the tests)."""
    for argument in spec.arguments:
        options = {"ndim": 2} if argument.is_range else {}
        # err_to_str: a #N/A in a cell arrives as "#N/A", which the parsers name, not as blank.
        function = xl.arg(argument.name, doc=argument.excel_doc, err_to_str=True, **options)(function)
    # Last, as @xw.func on top: each xw.arg resets the function options to their defaults.
    return xl.func(category=CATEGORY)(function)


def _never_raises(function: Callable, check: Callable[..., object]) -> Callable:
    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)  # a wrong call from Python is the caller's to fix
        try:
            return function(*args, **kwargs)
        except Exception as exc:  # a cell can only show a value: show what went wrong
            return error_text([f"unexpected {type(exc).__name__}: {exc}"])
    return guarded


class ArgumentError(UsageError):
    """An argument the engine cannot use; the message names it."""


# What arrives from Excel as it is: anything else goes through the readers' excel_value.
_AS_GIVEN = frozenset((type(None), float, int, str, bool))


def _single_value(value: object, name: str) -> object:
    """A one-cell argument's value: a 1x1 range is its one value; a bigger one is refused."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        values = list(_flattened(value))
        if len(values) > 1:
            raise ArgumentError(f"{name} must be a single cell, got a range of {len(values)} cells")
        value = values[0] if values else None
    from .excel.grids import excel_value  # dates, numpy and pandas scalars: rare here
    return excel_value(value)


def _flattened(value: object) -> Iterator[object]:
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _flattened(item)
    else:
        yield value


# The engine row's figures each single-task function returns, from the scalar path's answer.
_FIGURES: dict[str, Callable[[single.Decided], object]] = {
    "verdict": lambda d: d.verdict,
    "reason": lambda d: d.reason,
    "saving": lambda d: d.best and d.best.saving,
    "freed": lambda d: d.best and d.best.freed,
    "breakeven": lambda d: d.best and d.best.breakeven,
    "max_price": lambda d: d.best and d.best.max_price,
    "payback": lambda d: d.best and d.best.payback,
    "margin": lambda d: d.margin,
}


def _figure(key: str, arguments: tuple[object, ...]) -> object:
    if not set(map(type, arguments)) <= _AS_GIVEN:
        try:
            arguments = tuple(_single_value(value, i.argument)
                              for value, i in zip(arguments, ENGINE_INPUTS))
        except ArgumentError as exc:
            return ERROR + str(exc)
    decided = _decided(*arguments)
    if isinstance(decided, str):
        return decided
    value = _FIGURES[key](decided)
    return None if isinstance(value, float) and not math.isfinite(value) else value


_PICK_SETTINGS = operator.itemgetter(*(position for position, i in enumerate(ENGINE_INPUTS)
                                       if i.source == "setting"))


@functools.lru_cache(maxsize=4096, typed=True)
def _decided(*cells: object) -> single.Decided | str:
    """The engine's answer for one task and one quote (engine/single.py), or the error text.

    Cached: OUTSOURCE_VERDICT, _SAVING, ... of the same row of cells decide once. ``typed``
    keeps TRUE apart from 1, which the parsers treat differently.
    """
    settings, setting_problems = _read_settings(*_PICK_SETTINGS(cells))
    task: dict[str, Any] = {}
    quote: dict[str, Any] = {}
    row_problems: dict[int, str] = {}
    for position, is_task, key, required in _ROW_INPUTS:
        cell = cells[position]
        if cell is None and not required:
            continue  # left out: single.Task's or Quote's default, the column's (tested)
        value, message = _parsed(position, cell)
        (task if is_task else quote)[key] = value
        if message:
            row_problems[position] = message
    if row_problems or settings is None:
        return error_text([i.in_own_terms(message) for position, i in enumerate(ENGINE_INPUTS)
                           if (message := row_problems.get(position)
                               or setting_problems.get(i.key))])
    if quote.get("platform_fee", 0.0) >= 1:  # the check clean_quotes makes of a whole row
        return error_text([_BY_ARGUMENT["platform_fee"].in_own_terms(
            inputs.fee_too_big(cells[_FEE_POSITION], quote["platform_fee"]))])
    return single.decide(settings, single.Task(**task), (single.Quote(**quote),))


_ROW_INPUTS = tuple((position, i.source == "task", i.key, i.column.required)
                    for position, i in enumerate(ENGINE_INPUTS) if i.source != "setting")
_FEE_POSITION = next(position for position, i in enumerate(ENGINE_INPUTS)
                     if i.key == "platform_fee")


def error_text(messages: list[str]) -> str:
    more = len(messages) - MAX_MESSAGES
    text = ERROR + "; ".join(messages[:MAX_MESSAGES]) + (f"; and {more} more" if more > 0 else "")
    return text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH - 1] + "…"


@functools.lru_cache(maxsize=256, typed=True)
def _read_settings(*values: object) -> tuple[Settings | None, dict[str, str]]:
    """Settings and their problems by defined name; cached: a sheet's rows mostly point at
    the same setting cells."""
    by_name = {i.key: value for i, value in zip(_SETTING_INPUTS, values)}
    settings, problems = inputs.read_settings(by_name, lambda name: name)
    return settings, {p.cell: p.message for p in problems}


_SETTING_INPUTS = tuple(i for i in ENGINE_INPUTS if i.source == "setting")


@functools.lru_cache(maxsize=1024, typed=True)
def _parsed(position: int, value: object) -> tuple[object, str | None]:
    """A task or quote argument's value (by its position) as the engine takes it, or what is
    wrong with it. Cached: a column of rows repeats most of its values (week, blanks)."""
    column = ENGINE_INPUTS[position].column
    try:
        parsed = inputs.parse_cell(value, column)
    except BadValue as exc:
        return None, str(exc)
    if column is RATE and parsed == 0:  # a number >= 0, and 0 is no rate (as in the table)
        return None, f"rate must be above 0, got {inputs.shown(value)}"
    return parsed, None


_TASK_NAMES = tuple(a.name for a in TASK_ARGUMENTS)
_TASK_POSITIONS = {name: position for position, name in enumerate(_TASK_NAMES)}
_REQUIRED = sum(a.required for a in TASK_ARGUMENTS)  # the first five
_UNSET = object()


def _task_arguments(*args: Any, **kwargs: Any) -> tuple[object, ...]:
    """The single-task functions' values in order, blanks None: what inspect's
    Signature.bind and apply_defaults give, and the same TypeErrors, at a tenth of the cost
    (it is called for every cell)."""
    if not kwargs and _REQUIRED <= len(args) <= len(_TASK_NAMES):  # Excel's way: in order
        return args + (None,) * (len(_TASK_NAMES) - len(args))
    if len(args) > len(_TASK_NAMES):
        raise TypeError(f"too many positional arguments: {len(args)}, at most {len(_TASK_NAMES)}")
    values = [*args, *[_UNSET] * (len(_TASK_NAMES) - len(args))]
    for name, value in kwargs.items():
        position = _TASK_POSITIONS.get(name)
        if position is None:
            raise TypeError(f"got an unexpected keyword argument {name!r}")
        if values[position] is not _UNSET:
            raise TypeError(f"multiple values for argument {name!r}")
        values[position] = value
    missing = [name for name, value in zip(_TASK_NAMES[:_REQUIRED], values) if value is _UNSET]
    if missing:  # by identity: a value may be an array, whose == is elementwise
        raise TypeError(f"missing a required argument: {missing[0]!r}")
    return tuple(None if value is _UNSET else value for value in values)


def _single_task_function(name: str, key: str, doc: str) -> Callable:
    """One of the single-task functions: the same arguments, one figure of the engine's row."""
    signature = inspect.Signature([
        inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          **({} if a.required else {"default": None}))
        for a in TASK_ARGUMENTS])

    def single_task(*args: Any, **kwargs: Any) -> Any:
        return _figure(key, _task_arguments(*args, **kwargs))

    single_task.__name__ = single_task.__qualname__ = name
    single_task.__doc__ = doc
    single_task.__signature__ = signature  # type: ignore[attr-defined]
    single_task.__annotations__ = {a.name: Any for a in TASK_ARGUMENTS} | {"return": Any}
    return worksheet_function(TASK_ARGUMENTS, figure=key, check=_task_arguments)(single_task)


outsource_verdict = _single_task_function(
    "outsource_verdict", "verdict",
    "The verdict for one task and one quote: OUTSOURCE, AUTOMATE, KEEP, REVIEW, NEEDS QUOTE "
    "or DROP.")
outsource_saving = _single_task_function(
    "outsource_saving", "saving",
    "The yearly saving of outsourcing the task at this quote (negative: doing it yourself "
    "is cheaper).")
outsource_hours_freed = _single_task_function(
    "outsource_hours_freed", "freed",
    "The hours a year outsourcing the task frees, after your review and setup hours.")
outsource_breakeven = _single_task_function(
    "outsource_breakeven", "breakeven",
    "The hourly worth above which this quote pays; blank when it frees no time.")
outsource_max_price = _single_task_function(
    "outsource_max_price", "max_price",
    "The most worth paying per occurrence, all costs considered; blank for a task that "
    "never occurs, or when no price would pay.")
outsource_reason = _single_task_function(
    "outsource_reason", "reason", "Why the verdict is what it is, in plain words.")
outsource_payback = _single_task_function(
    "outsource_payback", "payback",
    "The months of steady saving it takes to earn back what handing the task off costs "
    "once (setup fee, your setup hours); blank when it never pays back.")
outsource_margin = _single_task_function(
    "outsource_margin", "margin",
    "The margin of safety: the smallest change, as a share, of hourly worth, hours each or "
    "price that would change the verdict; blank when no such change would.")


@worksheet_function(TABLE_ARGUMENTS)
def outsource_table(tasks_range: Any, quotes_range: Any, settings_range: Any) -> Any:
    """The whole computed block for a Tasks table, with its header row: one row per row of
    tasks_range, so it lines up beside it. The same values the process command writes,
    bundles and the monthly budget included."""
    # The readers and the table engine load with the first call: a sheet of single-task
    # functions never needs them.
    from .excel.grids import GridInputs, as_grid, block_rows, decide_grids
    from .excel.grids import read_settings as read_settings_grid
    tasks = as_grid(tasks_range)
    outcome = decide_grids(GridInputs(schema.TASKS, tasks),
                           GridInputs(schema.QUOTES, as_grid(quotes_range)),
                           read_settings_grid(as_grid(settings_range)))
    if outcome.decision is None:
        return error_text([str(p) for p in outcome.fatal])
    table, _ = outcome.found.tables()
    results = schema.task_results(outcome.decision.version2)  # version 2's columns if used
    above_header: list[list[object]] = [[None] * len(results)
                                        for _ in range(table.header_row - 1)]
    return above_header + block_rows(table, outcome.decision.tasks, results, len(tasks))
