"""The formulas of the computed blocks: the settings as terms, then every computed cell of
a task row and of a quote row, following docs/decision-model.md rule by rule."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ...engine import schema
from ...engine.model import REASONS
from ...ooxml.cells import column_letter
from .expressions import (
    FALSE,
    TRUE,
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
from .placed import Placed, RateTable, SettingSource

_SETTING_FORMS = {
    "money": "{r}",
    "number": 'IF({r}="",{d},{r})',
    "pct": 'IF({r}="",{d},IF({r}>1,{r}/100,{r}))',  # 80 typed for 80%
    "text": 'IF({r}="",{d},UPPER(TRIM({r})))',
}
_TERM_OF = {"HourlyWorth": "E", "FillRate": "u", "HorizonYears": "T", "MarginPct": "M",
            "WorkDaysPerYear": "D", "WorkWeeksPerYear": "W", "Currency": "CUR",
            "FragileBelow": "phi"}
_TERM_SETTINGS = (*schema.SETTINGS_ROWS,
                  *(setting for setting in schema.SETTINGS_ROWS_V2 if setting.name in _TERM_OF))


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
    phi: str  # FragileBelow (version 2)

    @property
    def V(self) -> str:
        """The value of one freed hour, multiplied in the engine's order."""
        return f"({self.u}*{self.E})"


def settings_terms(sources: Mapping[str, SettingSource]) -> tuple[Terms | None, str | None]:
    """The settings as formula terms, or None and why a spreadsheet cannot read them."""
    terms = {}
    for setting in _TERM_SETTINGS:
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
WINDOW_MOST = 10  # quotes of a task ranked over the rows around each (more: over their own)
AtBest = Callable[[str], str | None]  # the best quote's cell of a column (None: no column)


class Refs:
    """References into the written Tasks and Quotes tables, and the formulas of a row.

    A quote whose task's quotes are listed one under another (``quote_spans``: by Task
    ID as the spreadsheet compares it, from live.together) is ranked among the rows
    around it (_rows_around), guarded by a check that no other row has joined the task
    since; else over the whole Quotes column. A task finds its best quote's row once, in
    its Best quote row cell (``best``: task row -> the Quotes row the engine ranked
    first, taken when that row still holds the task's rank 1; else searched for in the
    whole column), and its other cells read the best quote at that row: short formulas,
    the same in every row, which LibreOffice compiles once for the column."""

    def __init__(self, tasks: Placed, quotes: Placed, terms: Terms,
                 best: Mapping[int, int] | None = None,
                 quote_spans: Mapping[int, Span] | None = None, *,
                 version2: bool = False, rates: RateTable | None = None) -> None:
        self.tasks, self.quotes, self.t = tasks, quotes, terms
        self.best, self.quote_spans = best or {}, quote_spans or {}
        self.reach = max((bottom - top for top, bottom in self.quote_spans.values()
                          if bottom - top < WINDOW_MOST), default=0)
        self.version2, self.rates = version2, rates

    @staticmethod
    def cells(placed: Placed, row: int) -> dict[str, str]:
        """The row's cell of every column placed (the block's first), by key. Column
        fixed, row relative: a formula copied down still reads its own row."""
        columns = {**placed.table.columns, **placed.block}
        return {key: f"${column_letter(column)}{row}" for key, column in columns.items()}

    @staticmethod
    def range(placed: Placed, key: str, prefix: bool = True, rows: Span | None = None
              ) -> str | None:
        """The column of ``key`` over the table's data rows; or over ``rows`` alone, rows
        relative (the rows around a formula's own, wherever it is copied)."""
        column = placed.column(key)
        if column is None:
            return None
        letter, (first, last) = column_letter(column), rows or placed.rows
        sheet = sheet_prefix(placed.table.sheet) if prefix else ""
        fixed = "" if rows else "$"
        return f"{sheet}${letter}{fixed}{first}:${letter}{fixed}{last}"

    def task_formulas(self, row: int) -> dict[str, str]:
        cell = self.cells(self.tasks, row)
        at_best = functools.partial(self._at_best, cell["best_row"])

        def best(key: str) -> str:
            """The best quote's value of ``key``; its column's default when there is none."""
            return at_best(key) or number(_default(schema.QUOTE_COLUMNS, key))
        return {**self._task_formulas(cell, best, at_best), "best_row": self._best_row(row, cell)}

    def _best_row(self, row: int, cell: Mapping[str, str]) -> str:
        """The Quotes row of the task's rank 1: the row the engine ranked first if it still
        holds this task's rank 1 (exactly one quote of a task has it), else the one found
        among the whole column; blank when no quote of the task is ranked."""
        ident = cell.get("task_id") or '""'
        ids, ranks = (self.range(self.quotes, key) for key in ("task_id", "rank"))
        found = (f'IF(COUNTIFS({ids},{ident},{ranks},1)=0,"",'
                 f"SUMPRODUCT(({ids}={ident})*({ranks}=1)*ROW({ids})))")
        best_row = self.best.get(row)
        if best_row is None:
            return found
        quote = self.cells(self.quotes, best_row)
        prefix = sheet_prefix(self.quotes.table.sheet)
        return (f"IF(AND({prefix}{quote['task_id']}={ident},{prefix}{quote['rank']}=1),"
                f"{best_row},{found})")

    def _at_best(self, best_row: str, key: str) -> str | None:
        """The best quote's cell of ``key``, at the row the task's Best quote row cell
        holds (None: no such column). INDEX of a blank row is an error: every read sits
        under a test that the task has a quote."""
        column = self.quotes.column(key)
        if column is None:
            return None
        letter, last = column_letter(column), self.quotes.rows[1]
        return f"INDEX({sheet_prefix(self.quotes.table.sheet)}${letter}$1:${letter}${last},{best_row})"

    def _task_formulas(self, cell: Mapping[str, str], best: Callable[[str], str],
                       at_best: AtBest) -> dict[str, str]:
        t = self.t
        n, hours_year, self_cost = cell["occurrences"], cell["hours_year"], cell["self_cost"]
        has_quote, freed, saving = f"ISNUMBER({cell['out_cost']})", cell["freed"], cell["saving"]
        fee = best("platform_fee")
        vendor = at_best("vendor")
        out_cost = f'IF({cell["best_row"]}="","",{best("out_cost")})'
        setup_fee = best("setup_fee") + self._best_rate(at_best)
        left_for_vendor = (f'({self_cost}-({n}*{best("review_hours_each")}'
                           f'+{best("setup_hours")}/{t.T})*{t.V}-{setup_fee}/{t.T})')
        formulas = {
            "occurrences": f"{cell['frequency']}*CHOOSE({_unit(cell['per'], 'per')},"
                           f"{t.D},{t.W},12,4,1,1/{t.T})",
            "hours_year": f"{n}*{cell['hours_each']}",
            "self_cost": f"{hours_year}*{t.V}",
            "best_vendor": f'IF({has_quote},{vendor}&"","")' if vendor else '""',
            "cash": f'IF({has_quote},{best("cash")},"")',
            "out_cost": out_cost,
            "saving": f'IF({has_quote},{self_cost}-{cell["out_cost"]},"")',
            "freed": f'IF({has_quote},{n}*({cell["hours_each"]}-{best("review_hours_each")})'
                     f'-{best("setup_hours")}/{t.T},"")',
            "breakeven": f'IF(N({freed})>0,{cell["cash"]}/({t.u}*{freed}),"")',
            # Blank, as the engine, when no price would pay (less than nothing left for it)
            "max_price": f'IF(AND({has_quote},{n}>0),IF({left_for_vendor}<0,"",'
                         f'{left_for_vendor}/({n}*(1+{fee}/IF({fee}>1,100,1)))),"")',
        }
        core, strong, quality = self._expertise(cell)

        def by_rule(core_: str, no_quote: str, no_time: str, by_saving: str) -> str:
            """The verdict table of docs/decision-model.md, first rule that applies; from
            rule 4 on (cheaper, marginal, ...) the rules read the saving: ``by_saving``."""
            return (f"IF({core},{core_},IF(NOT({has_quote}),{no_quote},"
                    f"IF({freed}<=0,{no_time},{by_saving})))")
        marginal = f"{saving}<{t.M}*{self_cost}"
        quality_kept = f"AND({quality},{strong})"
        tool = self._best_is_tool(at_best)
        delegated = f'IF({tool},"{schema.AUTOMATE}","OUTSOURCE")' if tool else '"OUTSOURCE"'
        formulas["verdict"] = by_rule('"KEEP"', '"NEEDS QUOTE"', '"KEEP"',
                                      f'IF({saving}<=0,"KEEP",IF({marginal},"REVIEW",'
                                      f'IF({quality_kept},"REVIEW",{delegated})))')
        formulas["reason"] = by_rule(text(REASONS["core"]), text(REASONS["no_quote"]),
                                     text(REASONS["no_time_freed"]),
                                     self._reason_of_saving(cell, marginal, bool(tool)))
        if self.version2:
            formulas["payback"] = self._payback(cell, best, at_best)
            self._dropped_and_fragile(formulas, cell)
        return formulas

    def _reason_of_saving(self, cell: Mapping[str, str], marginal: str, tool: bool) -> str:
        """The reason from rule 4 on. Rule 5 (marginal) is tested first, when there is a
        saving, so that rules 4 and 6-7 (cheaper by, saves) share one spelling of the
        amount; the last rule's choices (quality kept, a tool) are read from the Verdict
        beside it. A third shorter than the rule table written out for the Reason again."""
        saving, verdict = cell["saving"], cell["verdict"]
        by_a_tool = f'IF({verdict}="{schema.AUTOMATE}","a tool does it: ","")&' if tool else ""
        saves = (f'IF({saving}<=0,"doing it yourself is cheaper by ",{by_a_tool}"saves ")&'
                 f'{money_text(f"ABS({saving})")}&" "&{self.t.CUR}&" a year"&IF({saving}<=0,"",'
                 f'IF({verdict}="REVIEW",", but you would give up quality control",'
                 f'" and frees "&{hours_text(cell["freed"])}&" hours"))')
        only = percent_text(f"{saving}/{cell['self_cost']}")
        return f'IF(AND({saving}>0,{marginal}),"saves only "&{only}&" of its cost: marginal",{saves})'

    # --- version 2 (docs/formulas.md): DROP, AUTOMATE, currencies, Payback, fragile --------

    def _best_rate(self, at_best: AtBest) -> str:
        """``*rate`` of the best quote's currency (version 2; else nothing)."""
        currency = at_best("currency")
        if not self.version2 or currency is None:
            return ""
        return "*" + self.rate(currency)

    def rate(self, code: str) -> str:
        """What one unit of the currency in ``code`` is worth in the workbook's: 1 for
        blank or the workbook's own, else its rate in the exchange-rate table."""
        foreign = (f"SUMIFS({self.rates.rates},{self.rates.codes},TRIM({code}))" if self.rates
                   else '""')  # a foreign code with no table: #VALUE!, never a number
        return f'IF({code}="",1,IF(UPPER(TRIM({code}))={self.t.CUR},1,{foreign}))'

    def _best_is_tool(self, at_best: AtBest) -> str:
        """The condition that the best quote's Kind is tool (version 2; else none)."""
        kind = at_best("kind")
        if not self.version2 or kind is None:
            return ""
        column = next(c for c in schema.QUOTE_COLUMNS_V2 if c.key == "kind")
        tools = [word for word, choice in choice_words(column).items() if choice == schema.TOOL]
        return f"ISNUMBER(MATCH({choice_key(kind)},{array(tools)},0))"

    def _payback(self, cell: Mapping[str, str], best: Callable[[str], str],
                 at_best: AtBest) -> str:
        """Months of steady saving that earn back the one-off cost (blank: never)."""
        t, n = self.t, cell["occurrences"]
        setup = f'{best("setup_fee")}{self._best_rate(at_best)}'
        recurring = f"({cell['cash']}-{setup}/{t.T})"  # R, unless paid in one go
        basis = at_best("basis")
        fixed = f'IF({basis}="",{FALSE},{_unit(basis, "basis")}=5)' if basis else FALSE
        lump = f"IF({fixed},{TRUE},{_unit(cell['per'], 'per')}=6)"  # fixed, or a task done once
        once = f"({setup}+IF({lump},{recurring}*{t.T},0)+{best('setup_hours')}*{t.V})"
        steady = (f"({cell['self_cost']}-IF({lump},0,{recurring})"
                  f"-{n}*{best('review_hours_each')}*{t.V})")
        return (f'IF(ISNUMBER({cell["out_cost"]}),IF({steady}>0,12*{once}/{steady},""),"")')

    def _dropped_and_fragile(self, formulas: dict[str, str], cell: Mapping[str, str]) -> None:
        """DROP before every rule (Still needed = No); and the reason's fragile note, from
        the margin of safety the engine wrote beside it."""
        needed = cell.get("still_needed")
        if needed:
            yes = f"ISNUMBER(MATCH({choice_key(needed)},{array(YES_WORDS)},0))"
            dropped = f'NOT(IF({needed}="",{TRUE},{yes}))'
            saved = (f'"nobody needs it: stop doing it and save "&{money_text(cell["saving"])}'
                     f'&" "&{self.t.CUR}&" a year"')
            instead = {**_DROPPED, "saving": cell["self_cost"], "freed": cell["hours_year"],
                       "verdict": f'"{schema.DROP}"', "reason": saved}
            for key, value in instead.items():
                formulas[key] = f"IF({dropped},{value},{formulas[key]})"
        margin = cell["margin"]
        formulas["reason"] += (f'&IF(AND(ISNUMBER({margin}),{margin}<{self.t.phi}),'
                               f'" (fragile: a "&{percent_text(margin)}&" change in "&'
                               f'{cell["sensitive_to"]}&" flips it)","")')

    @staticmethod
    def _expertise(cell: Mapping[str, str]) -> tuple[str, str, str]:
        """Conditions: expertise is Core; is Strong; quality critical is yes."""
        expertise, quality = cell.get("expertise"), cell.get("quality_critical")
        core = f'{choice_key(expertise)}="core"' if expertise else FALSE
        strong = f'{choice_key(expertise)}="strong"' if expertise else FALSE
        yes = f"ISNUMBER(MATCH({choice_key(quality)},{array(YES_WORDS)},0))" if quality else FALSE
        return core, strong, yes

    def quote_formulas(self, row: int) -> dict[str, str]:
        whole = self._quote_formulas(row, None)
        around = self._rows_around(row)
        if around is None:
            return whole
        ident = self.cells(self.quotes, row)["task_id"]
        ids = self.range(self.quotes, "task_id", prefix=False)
        own = self.range(self.quotes, "task_id", prefix=False, rows=around)
        # The rows around hold every quote of the task unless a row elsewhere took its ID since.
        return _either(f"COUNTIFS({own},{ident})=COUNTIFS({ids},{ident})",
                       self._quote_formulas(row, around), whole)

    def _rows_around(self, row: int) -> Span | None:
        """The rows a quote listed with its task's others is ranked over: as many above
        and below it as any such task has quotes but one (within the table), so that every
        quote's formula is the same relative to its row and LibreOffice reads it once for
        the whole column; a task with more than WINDOW_MOST quotes is ranked over its own."""
        span = self.quote_spans.get(row)
        if span is None or span[1] - span[0] >= WINDOW_MOST:
            return span
        first, last = self.quotes.rows
        return max(first, row - self.reach), min(last, row + self.reach)

    def _quote_formulas(self, row: int, around: Span | None) -> dict[str, str]:
        t, quotes = self.t, self.quotes
        cell = self.cells(quotes, row)

        def given(key: str) -> str:
            return cell.get(key) or number(_default(schema.QUOTE_COLUMNS, key))
        task = f"MATCH({cell['task_id']},{self.range(self.tasks, 'task_id')},0)"
        n = f"INDEX({self.range(self.tasks, 'occurrences')},{task})"
        h = f"INDEX({self.range(self.tasks, 'hours_each')},{task})"
        p, vendor_hours, fee = cell["price"], cell.get("vendor_hours_each"), cell.get("platform_fee")
        setup_fee = given("setup_fee")
        if self.version2 and "currency" in cell:  # into the workbook's currency
            rate = self.rate(cell["currency"])
            p, setup_fee = f"({p}*{rate})", f"({setup_fee}*{rate})"
        vh = f'IF({vendor_hours}="",{h},{vendor_hours})' if vendor_hours else h
        basis = cell.get("basis")
        unit = f'IF({basis}="",1,{_unit(basis, "basis")})' if basis else "1"
        base = f"CHOOSE({unit},{p}*{n},{p}*{vh}*{n},12*{p},{p},{p}/{t.T},{p}*{t.W},{p}*{t.D})"
        fee_share = f"{fee}/IF({fee}>1,100,1)" if fee else "0"  # 5 typed for 5%
        ids, outs, cashes = (self.range(quotes, key, prefix=False, rows=around)
                             for key in ("task_id", "out_cost", "cash"))
        out, cash, ident = cell["out_cost"], cell["cash"], cell["task_id"]
        # Lower all-in cost first; ties to the lower cash, then to the quote listed first.
        # SUMPRODUCT compares the numbers themselves: COUNTIFS would need "<"&number,
        # which rounds the number to 15 digits and can count the quote against itself.
        ahead = (f"({outs}<{out})+({outs}={out})*(({cashes}<{cash})"
                 f"+({cashes}={cash})*(ROW({ids})<ROW({ident})))")
        return {
            "cash": f"{base}*(1+{fee_share})+{setup_fee}/{t.T}",
            "out_cost": f"{cash}+({n}*{given('review_hours_each')}+{given('setup_hours')}/{t.T})*{t.V}",
            "rank": f"1+SUMPRODUCT(({ids}={ident})*ISNUMBER({outs})*({ahead}))",
        }


# What a dropped task's cells hold: no vendor, no cash (its saving and freed hours: all of it)
_DROPPED = {"best_vendor": '""', "cash": "0", "out_cost": "0", "breakeven": '""',
            "max_price": '""', "payback": "0"}


def _either(condition: str, fast: dict[str, str], whole: dict[str, str]) -> dict[str, str]:
    """Each formula the quick way (the rows around) when ``condition`` holds, else over
    the whole column; formulas that read no quote range stay as they are."""
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
