"""The formulas of the computed blocks: the settings as terms, then every computed cell of
a task row and of a quote row, following docs/decision-model.md rule by rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from ...engine import schema
from ...engine.model import REASONS
from .expressions import (
    array,
    choice_key,
    hours_text,
    money_text,
    number,
    percent_text,
    sheet_prefix,
    text,
)
from .live import YES_WORDS, as_typed, choice_words, empty, plain_number
from .placed import Placed, SettingSource

_SETTING_FORMS = {
    "money": "{r}",
    "number": 'IF({r}="",{d},{r})',
    "pct": 'IF({r}="",{d},IF({r}>1,{r}/100,{r}))',  # 80 typed for 80%
    "text": 'IF({r}="",{d},UPPER(TRIM({r})))',
}
_TERM_OF = {"HourlyWorth": "E", "FillRate": "u", "HorizonYears": "T", "MarginPct": "M",
            "WorkDaysPerYear": "D", "WorkWeeksPerYear": "W", "Currency": "CUR"}


@dataclass(frozen=True)
class Terms:
    """Each setting as an expression giving the value the engine uses."""
    E: str  # HourlyWorth
    u: str  # FillRate
    T: str  # HorizonYears
    M: str  # MarginPct
    D: str  # WorkDaysPerYear
    W: str  # WorkWeeksPerYear
    CUR: str  # Currency

    @property
    def V(self) -> str:
        """The value of one freed hour, multiplied in the engine's order."""
        return f"({self.u}*{self.E})"


def settings_terms(sources: Mapping[str, SettingSource]) -> tuple[Terms | None, str | None]:
    """The settings as formula terms, or None and why a spreadsheet cannot read them."""
    terms = {}
    for setting in schema.SETTINGS_ROWS:
        source = sources.get(setting.name, SettingSource(None))
        if setting.kind == "text":
            default, readable = text(str(setting.default)), isinstance(source.raw, str)
        else:
            default = number(setting.default) if plain_number(setting.default) else ""
            readable = plain_number(source.raw) or empty(source.raw)
        if source.reference is None:
            terms[_TERM_OF[setting.name]] = default
        elif readable:
            terms[_TERM_OF[setting.name]] = _SETTING_FORMS[setting.kind].format(
                r=source.reference, d=default)
        else:
            return None, (f"the setting {setting.name} ({source.reference}) holds "
                          f"{as_typed(source.raw)}, which formulas cannot read as the "
                          "tool does: type it as a plain number")
    return Terms(**terms), None


Span = tuple[int, int]  # first and last row of a task's quotes, listed one under another


class Refs:
    """References into the written Tasks and Quotes tables, and the formulas of a row.

    A task whose quotes are listed one under another (``spans``: by Task ID as the
    spreadsheet compares it, from live.together) gets formulas over those rows alone,
    so the cost is linear in the quotes, guarded by a cheap check that no other row
    has joined the task since; without the check passing, or without a span, the
    formulas read the whole Quotes column, as before (the same results, quadratic)."""

    def __init__(self, tasks: Placed, quotes: Placed, terms: Terms,
                 spans: Mapping[int, Span] | None = None,
                 quote_spans: Mapping[int, Span] | None = None) -> None:
        self.tasks, self.quotes, self.t = tasks, quotes, terms
        self.spans, self.quote_spans = spans or {}, quote_spans or {}

    @staticmethod
    def cells(placed: Placed, row: int) -> dict[str, str]:
        """The row's cell of every column placed (the block's first), by key. Column
        fixed, row relative: a formula copied down still reads its own row."""
        columns = {**placed.table.columns, **placed.block}
        return {key: f"${get_column_letter(column)}{row}" for key, column in columns.items()}

    @staticmethod
    def range(placed: Placed, key: str, prefix: bool = True, rows: Span | None = None
              ) -> str | None:
        """The column of ``key`` over the table's data rows, or over ``rows`` alone."""
        column = placed.column(key)
        if column is None:
            return None
        letter, (first, last) = get_column_letter(column), rows or placed.rows
        sheet = sheet_prefix(placed.table.sheet) if prefix else ""
        return f"{sheet}${letter}${first}:${letter}${last}"

    def task_formulas(self, row: int) -> dict[str, str]:
        whole = self._task_formulas(row, None)
        span = self.spans.get(row)
        if span is None:
            return whole
        ident = self.cells(self.tasks, row)["task_id"]
        ids, ranks = (self.range(self.quotes, key, rows=span) for key in ("task_id", "rank"))
        # Exactly one quote of a task has rank 1: found among the span, it is the best.
        return _either(f"COUNTIFS({ids},{ident},{ranks},1)=1",
                       self._task_formulas(row, span), whole)

    def _task_formulas(self, row: int, span: Span | None) -> dict[str, str]:
        t, tasks = self.t, self.tasks
        cell = self.cells(tasks, row)
        ident = cell.get("task_id") or '""'
        ids, ranks = (self.range(self.quotes, key, rows=span) for key in ("task_id", "rank"))

        def best(key: str) -> str:
            """The value of this task's rank-1 quote: one quote has rank 1, so its sum."""
            values = self.range(self.quotes, key, rows=span)
            if values is None:
                return number(_default(schema.QUOTE_COLUMNS, key))
            return f"SUMIFS({values},{ids},{ident},{ranks},1)"
        n, hours_year, self_cost = cell["occurrences"], cell["hours_year"], cell["self_cost"]
        has_quote, freed, saving = f"ISNUMBER({cell['out_cost']})", cell["freed"], cell["saving"]
        fee = best("platform_fee")
        vendor = self.range(self.quotes, "vendor", rows=span)
        first_row = (span[0] if span else self.quotes.rows[0]) - 1
        left_for_vendor = (f'({self_cost}-({n}*{best("review_hours_each")}'
                           f'+{best("setup_hours")}/{t.T})*{t.V}-{best("setup_fee")}/{t.T})')
        best_row = f"SUMPRODUCT(({ids}={ident})*({ranks}=1)*(ROW({ids})-{first_row}))"
        formulas = {
            "occurrences": f"{cell['frequency']}*CHOOSE({_unit(cell['per'], 'per')},"
                           f"{t.D},{t.W},12,4,1,1/{t.T})",
            "hours_year": f"{n}*{cell['hours_each']}",
            "self_cost": f"{hours_year}*{t.V}",
            "best_vendor": (f'IF({has_quote},INDEX({vendor},{best_row})&"","")' if vendor
                            else '""'),
            "cash": f'IF({has_quote},{best("cash")},"")',
            "out_cost": f'IF(COUNTIFS({ids},{ident},{ranks},1)=0,"",{best("out_cost")})',
            "saving": f'IF({has_quote},{self_cost}-{cell["out_cost"]},"")',
            "freed": f'IF({has_quote},{n}*({cell["hours_each"]}-{best("review_hours_each")})'
                     f'-{best("setup_hours")}/{t.T},"")',
            "breakeven": f'IF(N({freed})>0,{cell["cash"]}/({t.u}*{freed}),"")',
            # Blank, as the engine, when no price would pay (less than nothing left for it)
            "max_price": f'IF(AND({has_quote},{n}>0),IF({left_for_vendor}<0,"",'
                         f'{left_for_vendor}/({n}*(1+IF({fee}>1,{fee}/100,{fee})))),"")',
        }
        core, strong, quality = self._expertise(cell)

        def by_rule(core_: str, no_quote: str, no_time: str, cheaper: str, marginal: str,
                    otherwise: str) -> str:
            """The verdict table of docs/decision-model.md, first rule that applies."""
            return (f"IF({core},{core_},IF(NOT({has_quote}),{no_quote},IF({freed}<=0,{no_time},"
                    f"IF({saving}<=0,{cheaper},IF({saving}<{t.M}*{self_cost},{marginal},"
                    f"{otherwise})))))")
        quality_kept = f"AND({quality},{strong})"
        formulas["verdict"] = by_rule('"KEEP"', '"NEEDS QUOTE"', '"KEEP"', '"KEEP"', '"REVIEW"',
                                      f'IF({quality_kept},"REVIEW","OUTSOURCE")')
        a_year = f'&" "&{t.CUR}&" a year"'
        formulas["reason"] = by_rule(
            text(REASONS["core"]), text(REASONS["no_quote"]), text(REASONS["no_time_freed"]),
            f'"doing it yourself is cheaper by "&{money_text("-" + saving)}{a_year}',
            f'"saves only "&{percent_text(f"{saving}/{self_cost}")}&" of its cost: marginal"',
            f'"saves "&{money_text(saving)}{a_year}&IF({quality_kept},'
            f'", but you would give up quality control"," and frees "&{hours_text(freed)}&" hours")')
        return formulas

    @staticmethod
    def _expertise(cell: Mapping[str, str]) -> tuple[str, str, str]:
        """Conditions: expertise is Core; is Strong; quality critical is yes."""
        expertise, quality = cell.get("expertise"), cell.get("quality_critical")
        core = f'{choice_key(expertise)}="core"' if expertise else "FALSE"
        strong = f'{choice_key(expertise)}="strong"' if expertise else "FALSE"
        yes = f"ISNUMBER(MATCH({choice_key(quality)},{array(YES_WORDS)},0))" if quality else "FALSE"
        return core, strong, yes

    def quote_formulas(self, row: int) -> dict[str, str]:
        whole = self._quote_formulas(row, None)
        span = self.quote_spans.get(row)
        if span is None:
            return whole
        ident = self.cells(self.quotes, row)["task_id"]
        ids = self.range(self.quotes, "task_id", prefix=False)
        own = self.range(self.quotes, "task_id", prefix=False, rows=span)
        # The span holds every quote of the task unless a row elsewhere took its ID since.
        return _either(f"COUNTIFS({own},{ident})=COUNTIFS({ids},{ident})",
                       self._quote_formulas(row, span), whole)

    def _quote_formulas(self, row: int, span: Span | None) -> dict[str, str]:
        t, quotes = self.t, self.quotes
        cell = self.cells(quotes, row)

        def given(key: str) -> str:
            return cell.get(key) or number(_default(schema.QUOTE_COLUMNS, key))
        task = f"MATCH({cell['task_id']},{self.range(self.tasks, 'task_id')},0)"
        n = f"INDEX({self.range(self.tasks, 'occurrences')},{task})"
        h = f"INDEX({self.range(self.tasks, 'hours_each')},{task})"
        p, vendor_hours, fee = cell["price"], cell.get("vendor_hours_each"), cell.get("platform_fee")
        vh = f'IF({vendor_hours}="",{h},{vendor_hours})' if vendor_hours else h
        basis = cell.get("basis")
        unit = f'IF({basis}="",1,{_unit(basis, "basis")})' if basis else "1"
        base = f"CHOOSE({unit},{p}*{n},{p}*{vh}*{n},12*{p},{p},{p}/{t.T},{p}*{t.W},{p}*{t.D})"
        fee_share = f"IF({fee}>1,{fee}/100,{fee})" if fee else "0"
        ids, outs, cashes = (self.range(quotes, key, prefix=False, rows=span)
                             for key in ("task_id", "out_cost", "cash"))
        out, cash, ident = cell["out_cost"], cell["cash"], cell["task_id"]
        # Lower all-in cost first; ties to the lower cash, then to the quote listed first.
        # SUMPRODUCT compares the numbers themselves: COUNTIFS would need "<"&number,
        # which rounds the number to 15 digits and can count the quote against itself.
        ahead = (f"({outs}<{out})+({outs}={out})*({cashes}<{cash})"
                 f"+({outs}={out})*({cashes}={cash})*(ROW({ids})<ROW({ident}))")
        return {
            "cash": f"{base}*(1+{fee_share})+{given('setup_fee')}/{t.T}",
            "out_cost": f"{cash}+({n}*{given('review_hours_each')}+{given('setup_hours')}/{t.T})*{t.V}",
            "rank": f"1+SUMPRODUCT(({ids}={ident})*ISNUMBER({outs})*({ahead}))",
        }


def _either(condition: str, fast: dict[str, str], whole: dict[str, str]) -> dict[str, str]:
    """Each formula over the span when ``condition`` holds, else over the whole column;
    formulas that read no quote range stay as they are."""
    return {key: formula if fast[key] == formula else f"IF({condition},{fast[key]},{formula})"
            for key, formula in whole.items()}


def _unit(cell: str, key: str) -> str:
    """The position of the cell's choice (or synonym) in the column's list of choices."""
    column = next(c for c in (*schema.TASK_COLUMNS, *schema.QUOTE_COLUMNS) if c.key == key)
    words = choice_words(column)
    positions = [column.choices.index(choice) + 1 for choice in words.values()]
    return f"INDEX({array(positions)},MATCH({choice_key(cell)},{array(list(words))},0))"


def _default(columns: tuple[schema.Column, ...], key: str) -> float:
    default = next(c.default for c in columns if c.key == key)
    return default if plain_number(default) else 0.0
