"""The workbook contract as data: sheet names, headers, lists, formats.

Every reader, writer, template and formula takes names from here, so a renamed
header is one edit. See docs/workbook-contract.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SETTINGS = "Settings"
TASKS = "Tasks"
QUOTES = "Quotes"
START = "Start here"
SUMMARY = "Summary"
ACCOUNTANT = "For accountant"
OWNED_SHEETS = (SUMMARY, ACCOUNTANT)  # replaced on every run
# The tool's marks in a workbook, hidden names scoped to a sheet (docs/reliability.md):
BLOCK_MARKER = "_xlsheet_outsource_block"  # on Tasks and Quotes: the computed block's area
SHEET_MARKER = "_xlsheet_outsource_sheet"  # on the tool's own sheets: the text of its kind
SHEET_KINDS = {SUMMARY: "summary", ACCOUNTANT: "accountant"}
# The author of the notes the tool writes: how a run knows its own notes from the user's
COMMENT_AUTHOR = "xlsheet-outsource"

PER_VALUES = ("day", "week", "month", "quarter", "year", "once")
EXPERTISE_VALUES = ("Core", "Strong", "Weak")
YES_NO_VALUES = ("Yes", "No")
# Appended at the end: the live formulas pick a basis by its position in this list.
BASIS_VALUES = ("per occurrence", "per hour", "per month", "per year", "fixed", "per week",
                "per day")
VERDICTS = ("OUTSOURCE", "KEEP", "REVIEW", "NEEDS QUOTE", "ERROR")

# Workbook-level names holding each drop-down list (on the Settings sheet).
LIST_NAMES = {
    "per": ("ListPer", PER_VALUES),
    "expertise": ("ListExpertise", EXPERTISE_VALUES),
    "quality_critical": ("ListYesNo", YES_NO_VALUES),
    "basis": ("ListBasis", BASIS_VALUES),
}


@dataclass(frozen=True)
class Setting:
    name: str  # the defined name, e.g. HourlyWorth
    key: str  # the Python field name in model.Settings
    label: str
    default: float | str | None
    kind: str  # "money", "text", "pct", "number"
    help: str


SETTINGS_ROWS: tuple[Setting, ...] = (
    Setting("HourlyWorth", "hourly_worth", "Hourly worth", None, "money",
            "What one hour of your expert work earns you. Required."),
    Setting("Currency", "currency", "Currency", "USD", "text",
            "ISO code for display: USD, EUR, GBP, ..."),
    Setting("FillRate", "fill_rate", "Fill rate", 1.0, "pct",
            "Share of freed hours you really turn into expert work (100% = all)."),
    Setting("HorizonYears", "horizon_years", "Horizon (years)", 1.0, "number",
            "Years over which one-off costs (setup) are spread."),
    Setting("MarginPct", "margin_pct", "Margin", 0.2, "pct",
            "A saving below this share of the do-it-yourself cost is only 'marginal'."),
    Setting("WorkDaysPerYear", "work_days", "Work days per year", 250.0, "number",
            "Used for tasks counted per day."),
    Setting("WorkWeeksPerYear", "work_weeks", "Work weeks per year", 50.0, "number",
            "Used for tasks counted per week."),
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # "id", "text", "number", "money", "hours", "pct", "choice", "yesno"
    width: float = 14
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = field(default=())
    help: str = ""
    read: bool = True  # False: kept for the user (Notes), never used in a decision


TASK_COLUMNS: tuple[Column, ...] = (
    Column("task_id", "Task ID", "id", 9, help="A short code, e.g. T1. Quotes refer to it."),
    Column("task", "Task", "text", 32, synonyms=("task name", "name"),
           help="What the task is, in a few words."),
    Column("category", "Category", "text", 16, help="Group tasks: Content, Admin, Marketing, ..."),
    Column("frequency", "Frequency", "number", 11, required=True,
           help="How many times per period (see Per). A number >= 0."),
    Column("per", "Per", "choice", 10, required=True, choices=PER_VALUES,
           help="The period: day, week, month, quarter, year or once."),
    Column("hours_each", "Hours each", "hours", 11, required=True,
           synonyms=("hours", "hours per occurrence"),
           help="Your own hours each time you do it. A number >= 0."),
    Column("expertise", "Expertise", "choice", 11, default="Weak", choices=EXPERTISE_VALUES,
           help="Core = what earns your hourly worth; Strong = you are good at it; "
                "Weak = not your strength (blank = Weak)."),
    Column("quality_critical", "Quality critical", "yesno", 10, default=False,
           synonyms=("quality", "quality-critical"),
           help="Yes if a poor result would hurt the business (blank = No)."),
    Column("notes", "Notes", "text", 30, help="Anything else; the tool does not read it.",
           read=False),
)

QUOTE_COLUMNS: tuple[Column, ...] = (
    Column("task_id", "Task ID", "id", 9, required=True, help="The Task ID this quote is for."),
    Column("vendor", "Vendor", "text", 28, synonyms=("supplier", "freelancer"),
           help="Who quoted: a freelancer or an agency."),
    Column("price", "Price", "money", 11, required=True, help="The price quoted, on the Basis."),
    Column("basis", "Basis", "choice", 14, default="per occurrence", choices=BASIS_VALUES,
           help="per occurrence, per hour, per month, per year, or fixed (one price for "
                "the whole horizon). Blank = per occurrence."),
    Column("vendor_hours_each", "Vendor hours each", "hours", 11,
           help="Only for per hour: the vendor's hours each time (blank = your hours each)."),
    Column("setup_fee", "Setup fee", "money", 11, default=0.0,
           help="One-off cash to start (blank = 0)."),
    Column("setup_hours", "Your setup hours", "hours", 11, default=0.0,
           help="Your one-off hours: onboarding, writing the brief (blank = 0)."),
    Column("review_hours_each", "Your review hours each", "hours", 12, default=0.0,
           synonyms=("review hours each", "review hours"),
           help="Your hours each time for briefing and checking (blank = 0)."),
    Column("platform_fee", "Platform fee %", "pct", 10, default=0.0,
           synonyms=("platform fee",), help="A marketplace's cut, e.g. 5% (blank = 0)."),
    Column("notes", "Notes", "text", 30, help="Anything else; the tool does not read it.",
           read=False),
)

# (result key, header, number format kind)
TASK_RESULTS: tuple[tuple[str, str, str], ...] = (
    ("occurrences", "Occurrences a year", "count"),
    ("hours_year", "Your hours a year", "hours"),
    ("self_cost", "Cost to do yourself", "money"),
    ("best_vendor", "Best vendor", "text"),
    ("cash", "Cash to vendor a year", "money"),
    ("out_cost", "Cost to outsource", "money"),
    ("saving", "Annual saving", "money"),
    ("freed", "Hours freed", "hours"),
    ("breakeven", "Break-even hourly worth", "money"),
    ("max_price", "Max price each", "money"),
    ("verdict", "Verdict", "text"),
    ("reason", "Reason", "text"),
)

QUOTE_RESULTS: tuple[tuple[str, str, str], ...] = (
    ("cash", "Annual cash", "money"),
    ("out_cost", "All-in cost a year", "money"),
    ("rank", "Rank for task", "integer"),
    ("problem", "Problem", "text"),
)

HOURS_FORMAT = "#,##0.0"
COUNT_FORMAT = "#,##0.0"  # occurrences can be fractional (once over a 2-year horizon)
INTEGER_FORMAT = "0"
PERCENT_FORMAT = "0%"

_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def money_format(currency: str) -> str:
    """Excel number format for money in this currency, cents shown."""
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    if symbol:
        return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
    return f'#,##0.00 "{currency.upper()}";-#,##0.00 "{currency.upper()}"'


def number_format(kind: str, currency: str) -> str | None:
    return {"money": money_format(currency), "hours": HOURS_FORMAT, "count": COUNT_FORMAT,
            "integer": INTEGER_FORMAT, "pct": PERCENT_FORMAT}.get(kind)


def normalise_header(text: object) -> str:
    """Header text compared case- and space-insensitively ("Hours  Each" == "hourseach")."""
    return re.sub(r"[\s_\-]+", "", str(text or "")).lower()


def header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Normalised header or synonym -> column key."""
    lookup = {}
    for col in columns:
        for text in (col.header, col.key, *col.synonyms):
            lookup[normalise_header(text)] = col.key
    return lookup


# --- header variants: common rewordings of the headers ----------------------------------
# Tried only for a header that is no column's exact header or synonym, after loose_header
# (abbreviations spelled out, punctuation, units and filler words dropped). Listed for
# the user in docs/workbook-contract.md, "Header variants".
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "task_id": ("id", "task number", "task ref", "ref"),
    "task": ("task description", "description", "activity"),
    "frequency": ("quantity", "how often", "times", "how many times", "times per period"),
    "per": ("period", "per period", "every"),
    "hours_each": ("hours each", "hours per time", "hours per task"),
    "expertise": ("skill", "skill level", "expertise"),
    "quality_critical": ("quality critical", "critical", "quality matters"),
    "vendor": ("vendor name", "provider", "agency"),
    "price": ("price quoted", "quote", "quoted price", "cost", "rate"),
    "basis": ("price basis", "pricing basis", "billing", "charged"),
    "vendor_hours_each": ("vendor hours", "vendor hours per time"),
    "setup_fee": ("setup cost", "onboarding fee", "one off fee"),
    "setup_hours": ("setup hours", "onboarding hours"),
    "review_hours_each": ("review hours each", "review hours per time", "review hours",
                          "checking hours"),
    "platform_fee": ("platform fee", "platform cut", "marketplace fee"),
}
_ABBREVIATIONS = {"hrs": "hours", "hr": "hours", "h": "hours", "qty": "quantity",
                  "no": "number", "freq": "frequency", "pct": "", "percent": "",
                  "yr": "year", "yrs": "years", "wk": "week", "mo": "month"}
_FILLER = {"your", "my", "our", "the", "a", "level", "in", "time", "of", "s"}
_UNIT = re.compile(r"\((?:\s*(?:hours?|hrs?|h|%|\$|€|£|usd|eur|gbp|pct|percent|y/n|yes/no)"
                   r"\s*)\)", re.I)


def loose_header(text: object) -> str:
    """Header text with its wording loosened: "Review hrs (each time)" -> "reviewhourseach",
    "Quality critical?" -> "qualitycritical", "Hours each (h)" -> "hourseach"."""
    words = re.sub(r"[^\w%$€£]+", " ", _UNIT.sub(" ", str(text or "")).lower()).split()
    kept = [_ABBREVIATIONS.get(word, word) for word in words]
    return "".join(word for word in kept if word and word not in _FILLER)


def variant_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Loosened header, synonym or variant -> column key, for the columns given."""
    lookup = {}
    for col in columns:
        for text in (col.header, *col.synonyms, *HEADER_VARIANTS.get(col.key, ())):
            lookup[loose_header(text)] = col.key
    return lookup


# --- Version 2 of the contract (issue 13): all optional, added after version 1 ---------
# Kept apart from the version 1 tuples above, which the template, the add-in and the
# formulas lay out column by column: a workbook without these inputs is read, decided
# and written exactly as before. Readers look for both (TASK_INPUTS, QUOTE_INPUTS).

DROP = "DROP"
AUTOMATE = "AUTOMATE"
VERDICTS_V2 = (DROP, AUTOMATE)
ALL_VERDICTS = ("OUTSOURCE", AUTOMATE, "KEEP", "REVIEW", "NEEDS QUOTE", DROP, "ERROR")
KIND_VALUES = ("person", "agency", "tool")
TOOL = "tool"
IN_PLAN = "in plan"
OVER_BUDGET = "over budget"
EXCHANGE_HEADERS = ("Foreign currency", "Rate")  # the table's header row on Settings
EXCHANGE_NAME = "ExchangeRates"  # the defined name over the table, header row included
LIST_NAMES["kind"] = ("ListKind", KIND_VALUES)  # after version 1's lists: their places stay
LIST_NAMES["still_needed"] = LIST_NAMES["quality_critical"]  # the same Yes/No list

SETTINGS_ROWS_V2: tuple[Setting, ...] = (
    Setting("MonthlyBudget", "monthly_budget", "Monthly budget", None, "money",
            "The most cash a month you will pay vendors, e.g. 1500 (blank = no cap)."),
    Setting("FragileBelow", "fragile_below", "Fragile below", 0.15, "pct",
            "A verdict that a smaller change than this in one input would reverse is "
            "marked fragile (blank = 15%)."),
)
# For the accountant (issue 14): read for the For accountant sheet and the email only.
TAX_COUNTRY_VALUES = ("US", "GB", "other")
SETTINGS_ROWS_ACCOUNTANT: tuple[Setting, ...] = (
    Setting("TaxCountry", "tax_country", "Tax country", None, "text",
            "Where your business pays tax: US, GB or other. Points for your accountant to "
            "check on For accountant (blank = none)."),
    Setting("ReportingThreshold", "reporting_threshold", "Reporting threshold", 2000.0,
            "money", "US: payments to a person at or above this in 12 months need a "
            "1099-NEC (2,000 from 2026)."),
    Setting("YourName", "your_name", "Your name", None, "text",
            "Signs the email to your accountant (blank = the --from name)."),
)
ALL_SETTINGS = SETTINGS_ROWS + SETTINGS_ROWS_V2 + SETTINGS_ROWS_ACCOUNTANT

TASK_COLUMNS_V2: tuple[Column, ...] = (
    Column("still_needed", "Still needed", "yesno", 11, default=True,
           help="No if nobody needs this task any more: drop it (blank = Yes). E.g. No "
                "for a weekly report nobody reads."),
    Column("bundle", "Bundle", "text", 14,
           help="A name shared by small tasks that one vendor could take together, e.g. "
                "Admin VA; put the vendor's quote on Quotes with this name as its Task ID."),
)
QUOTE_COLUMNS_V2: tuple[Column, ...] = (
    Column("kind", "Kind", "choice", 10, default="person", choices=KIND_VALUES,
           help="person, agency or tool (software that does the task, e.g. a $29-a-month "
                "scheduling app). Blank = person."),
    Column("currency", "Currency", "text", 9,
           help="The quote's currency code, e.g. GBP (blank = the workbook's currency); "
                "give its rate in the exchange-rate table on Settings."),
)
TASK_INPUTS = TASK_COLUMNS + TASK_COLUMNS_V2  # every column the reader looks for
QUOTE_INPUTS = QUOTE_COLUMNS + QUOTE_COLUMNS_V2

# Written after "Max price each" once the writer lays version 2 out (see task_results).
TASK_RESULTS_V2: tuple[tuple[str, str, str], ...] = (
    ("payback", "Payback months", "count"),
    ("margin", "Margin of safety", "pct"),
    ("sensitive_to", "Sensitive to", "text"),
    ("plan", "Plan", "text"),
)


# Written last, and only with live formulas (--formulas): the Quotes row of each task's
# best quote, which the task's formulas read once instead of finding it in every cell
# (a project addition for LibreOffice's recalculation time, docs/formulas.md).
BEST_ROW = ("best_row", "Best quote row", "integer")


def task_results(version2: bool, formulas: bool = False) -> tuple[tuple[str, str, str], ...]:
    """The Tasks block's columns: version 1's, with version 2's after Max price each, and
    with live formulas the best quote's row last (so no other column moves)."""
    helper = (BEST_ROW,) if formulas else ()
    if not version2:
        return TASK_RESULTS + helper
    at = [key for key, _, _ in TASK_RESULTS].index("max_price") + 1
    return TASK_RESULTS[:at] + TASK_RESULTS_V2 + TASK_RESULTS[at:] + helper


# Every header a Tasks block of either version, with or without live formulas, may have,
# in the order written: a re-run finds the earlier block by these, whichever run wrote it.
ALL_TASK_RESULTS = task_results(version2=True, formulas=True)
# Version 2's columns written as the engine's values under --formulas, even on live rows:
# a formula for them would be unreadable (docs/formulas.md); each header's note says so.
FROM_ENGINE = ("margin", "sensitive_to", "plan")
FROM_ENGINE_NOTE = "From the engine: run again to update."

# The hover note on each computed header of Tasks and Quotes: what the figure means, in
# plain words (by result key; "cash" and "out_cost" read alike on both sheets).
RESULT_NOTES: dict[str, str] = {
    "occurrences": "How many times a year the task comes round: Frequency times the number "
                   "of its periods in a year.",
    "hours_year": "Your own hours on this task in a year: Occurrences a year times Hours each.",
    "self_cost": "What doing it yourself costs a year: your hours a year at your hourly worth "
                 "(times the fill rate).",
    "best_vendor": "The quote with the lowest all-in cost a year, from the Quotes sheet.",
    "cash": "Cash paid to the vendor a year: the price on its basis with any platform fee, "
            "plus the setup fee spread over the horizon.",
    "out_cost": "What outsourcing costs a year all in: the cash, plus your own time still "
                "spent briefing, checking and setting it up.",
    "saving": "Cost to do yourself minus cost to outsource: what handing it off saves a year "
              "(negative: doing it yourself is cheaper).",
    "freed": "Your hours a year handing it off gives back, after your review and setup hours.",
    "breakeven": "The hourly worth above which this quote pays: if your hour is worth more, "
                 "outsourcing saves money. Blank when it frees no hours.",
    "max_price": "The most worth paying the vendor each time for outsourcing to break even. "
                 "Blank when no price would.",
    "payback": "Months of steady saving it takes to earn back what handing off costs once "
               "(setup fee and your setup hours). Blank when it never pays back.",
    "margin": "How much one input (hourly worth, hours each or price) would have to change "
              "to flip the verdict: the smaller, the less sure.",
    "sensitive_to": "The input whose change would flip the verdict soonest.",
    "plan": "Within your monthly budget (in plan) or not (over budget), best saving for "
            "the cash first. Blank for tasks not to hand off.",
    "verdict": "What to do: OUTSOURCE, AUTOMATE, KEEP, REVIEW (look closer), NEEDS QUOTE, "
               "DROP (no longer needed) or ERROR (fix the row).",
    "reason": "Why, in a few words; for an error, the cell to fix.",
    "rank": "This quote's place among the task's quotes, 1 = the lowest all-in cost.",
    "problem": "What is wrong with this quote, if anything: the cell to fix.",
    "best_row": "The row on the Quotes sheet of this task's best quote (blank: no quote). "
                "The formulas beside it read the best quote's figures from that row. "
                "Written only with live formulas (--formulas).",
}

# --- the optional Vendors sheet (issue 14): for the accountant's paperwork points ------
VENDORS = "Vendors"
ENTITY_VALUES = ("individual", "company")
PAID_THROUGH_VALUES = ("bank", "card", "platform")
TAX_FORM_VALUES = ("W-9", "W-8BEN", "W-8BEN-E", "none")
VENDOR_COLUMNS: tuple[Column, ...] = (
    Column("vendor", "Vendor", "text", 28, required=True,
           help="The vendor's name as on Quotes."),
    Column("country", "Country", "text", 10,
           help="Where the vendor is: a country code such as US, GB, DE (blank = yours)."),
    Column("entity", "Entity", "choice", 11, choices=ENTITY_VALUES,
           help="individual or company."),
    Column("paid_through", "Paid through", "choice", 12, choices=PAID_THROUGH_VALUES,
           help="bank, card or platform (a marketplace pays them)."),
    Column("tax_form", "Tax form on file", "choice", 12, choices=TAX_FORM_VALUES,
           help="The tax form you hold from them: W-9, W-8BEN, W-8BEN-E or none."),
)
