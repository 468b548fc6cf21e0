"""Spreadsheet formula text: literals, references, choice keys, numbers spelled as the
reasons show them, and the check of which functions a formula calls."""

from __future__ import annotations

import re

# Excel 2010's own functions that LibreOffice and Google Sheets evaluate alike; a test
# checks that every written formula uses these only.
ALLOWED_FUNCTIONS = frozenset({
    "ABS", "AND", "CHOOSE", "COUNTIFS", "IF", "INDEX", "INT", "ISNUMBER", "LOWER", "MATCH", "N",
    "NOT", "REPLACE", "RIGHT", "ROUND", "ROW", "SUBSTITUTE", "SUMIFS", "SUMPRODUCT", "TRIM", "UPPER",
    "TRUE", "FALSE",
})
# Functions newer than Excel 2007, which a file must spell with _xlfn. (else Excel shows
# #NAME?). None is allowed here; the list lets the check name that mistake.
PREFIXED_FUNCTIONS = frozenset({
    "AGGREGATE", "CONCAT", "FILTER", "IFNA", "IFS", "LAMBDA", "LET", "MAXIFS", "MINIFS",
    "SEQUENCE", "SORT", "SORTBY", "SWITCH", "TEXTJOIN", "UNIQUE", "XLOOKUP", "XMATCH",
})

# The logical values as functions, as LibreOffice writes them back: it reads a column's
# formulas once only when each row's text is the row above's as it would write it.
TRUE, FALSE = "TRUE()", "FALSE()"


def text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def number(value: float) -> str:
    return repr(float(value)).removesuffix(".0")


def array(values: tuple[str, ...] | list[str] | list[int]) -> str:
    return "{" + ",".join(text(v) if isinstance(v, str) else str(v) for v in values) + "}"


def sheet_prefix(sheet: str) -> str:
    return f"{sheet}!" if re.fullmatch(r"[A-Za-z]+", sheet) else "'" + sheet.replace("'", "''") + "'!"


def choice_key(cell: str) -> str:
    """The cell's text as schema.normalise_header makes it: no spaces, - or _, lower case."""
    return f'LOWER(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell}," ",""),"-",""),"_",""))'


def _grouped(whole: str) -> str:
    """A whole number >= 0 below MAX_SPELLED (twelve digits) with thousands commas:
    1,234,567. Padded with spaces to twelve characters, a comma put before each group of
    three, the commas that follow a space taken out, then the spaces: the number is
    written once (LibreOffice's time follows the length of the formula text), not once
    per group."""
    padded = f'RIGHT("{" " * (_DIGITS - 1)}"&{whole},{_DIGITS})'
    for position in range(_DIGITS - 2, 1, -3):  # 10, 7, 4: before the last three groups
        padded = f'REPLACE({padded},{position},0,",")'
    return f'TRIM(SUBSTITUTE({padded}," ,",""))'


_DIGITS = 12  # MAX_SPELLED: below a trillion


def money_text(value: str) -> str:
    """``value`` (>= 0) as the reasons show money: 10,500.00, rounded half away from zero."""
    cents = f"ROUND({value}*100,0)"
    return f'{_grouped(f"INT({cents}/100)")}&"."&RIGHT("0"&{cents},2)'


def hours_text(value: str) -> str:
    """``value`` (>= 0) with one decimal: 1,250.5."""
    tenths = f"ROUND({value}*10,0)"
    return f'{_grouped(f"INT({tenths}/10)")}&"."&RIGHT({tenths},1)'


def percent_text(value: str) -> str:
    return f'ROUND({value}*100,0)&"%"'


def formula_problems(formula: str) -> list[str]:
    """What is wrong with a formula's functions: outside ALLOWED_FUNCTIONS, or an _xlfn.
    function without its prefix."""
    code = re.sub(r'"(?:[^"]|"")*"', '""', formula)  # text literals hold no calls
    problems = []
    for name in re.findall(r"((?:_xlfn\.)?[A-Za-z][A-Za-z0-9.]*)\(", code):
        bare = name.removeprefix("_xlfn.").upper()
        if bare in PREFIXED_FUNCTIONS and not name.startswith("_xlfn."):
            problems.append(f"{bare} lacks the _xlfn. prefix Excel requires")
        elif bare not in ALLOWED_FUNCTIONS:
            problems.append(f"{name} is not in the allowed set")
    return problems
