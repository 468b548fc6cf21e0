"""Build the sample workbooks from the template:  python sample_workbooks/make_samples.py

internet_marketer.xlsx
    A solo internet marketer whose Core expertise is programming; USD, hourly worth
    120. Every verdict but ERROR appears: OUTSOURCE (blog posts, ...), KEEP for each
    reason (Core programming; short client emails, where briefing and checking take
    as long as the task; landing pages, where the designer is dearer than doing it),
    REVIEW (a marginal newsletter quote; quality-critical SEO audits) and NEEDS QUOTE.

course_creator.xlsx
    Version 2 in use: a solo online-course creator; USD, hourly worth 100, a monthly
    budget of 1,000, one exchange rate (GBP 1.27). Each version 2 input in a real story:
    a Bundle of three small admin tasks that a virtual assistant takes together and wins
    (each alone is too small to hand off: the student emails are the 50-word email); a
    bundle that loses (an agency's retainer costs more than handing off the proofreading
    alone); a tool quote (a scheduling app: AUTOMATE); a report nobody reads (Still
    needed = No: DROP); a bookkeeper quoting in GBP (its rate in the table; a fragile
    verdict, on the owner's 4-hour estimate); the video editor left over budget.

small_agency.xlsx
    A seven-person design agency; EUR, hourly worth 95, a two-year horizon. 43 tasks
    in 7 categories, 100+ quotes drawn with a fixed seed from realistic vendor rates,
    every Per and every Basis, tied quotes, every verdict but ERROR.

../docs/examples/input_mistakes.xlsx
    Typical input mistakes (where the guide shows `check`, away from the samples so
    that deciding this folder is a clean first run), each on its own row among good rows. On Tasks the user
    typed the headers in their own way ("task id", "hours  EACH", "QUALITY critical")
    and inserted a column "Owner" between Task and Category: both are fine, the
    reader finds columns by header text. Every other row is decidable.

    Expected problems (sheet!cell: message), exactly these:

        Tasks!G4: hours each must be a number >= 0, got 'two'
        Tasks!F5: per must be one of day, week, month, quarter, year, once; got 'fortnight'
        Tasks!G6: hours each must be a number >= 0, got -1.5
        Tasks!E7: frequency is missing
        Tasks!A8: task ID 'T2' is used twice (first at A3)
        Quotes!A10: no task with ID 'T99' on Tasks

    Understood as meant, no problem (sheet!cell: typed -> read as):

        Quotes!C2: '$1,200' -> 1200.0
        Quotes!C4: '1 200,50' -> 1200.5
        Quotes!C6: ' 3 ' -> 3.0
        Quotes!I3: '20%' -> 0.2
        Quotes!I7: 5 -> 0.05
        Tasks!H9: 'core' -> 'Core'
"""

from __future__ import annotations

import os
import random
import sys
from copy import copy
from pathlib import Path

# openpyxl writes its XML with lxml when it is installed, in other spellings (an empty
# cell as <c ...></c>, not <c ... />): the committed samples are written without it,
# whatever this Python has, so tests that edit their bytes find what they look for.
os.environ["OPENPYXL_LXML"] = "False"

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
MISTAKES = HERE.parent / "docs" / "examples" / "input_mistakes.xlsx"
sys.path.insert(0, str(HERE.parent))  # run as a script from a checkout

from xlsheet_outsource.engine import schema  # noqa: E402
from xlsheet_outsource.engine.model import Settings  # noqa: E402
from xlsheet_outsource.write.files import save_atomically  # noqa: E402
from xlsheet_outsource.write.template import new_template  # noqa: E402

Row = dict[str, object]


def task(task_id: str, name: str, category: str, frequency: object, per: str, hours: object,
         expertise: str = "Weak", quality: str = "No", notes: str | None = None, *,
         needed: str | None = None, bundle: str | None = None) -> Row:
    return {"task_id": task_id, "task": name, "category": category, "frequency": frequency,
            "per": per, "hours_each": hours, "expertise": expertise,
            "quality_critical": quality, "notes": notes, "still_needed": needed,
            "bundle": bundle}


def quote(task_id: str, vendor: str, price: object, basis: str = "per occurrence", *,
          vendor_hours: float | None = None, setup_fee: object = None,
          setup_hours: float | None = None, review: float | None = None,
          fee: object = None, notes: str | None = None, kind: str | None = None,
          currency: str | None = None) -> Row:
    return {"task_id": task_id, "vendor": vendor, "price": price, "basis": basis,
            "vendor_hours_each": vendor_hours, "setup_fee": setup_fee,
            "setup_hours": setup_hours, "review_hours_each": review,
            "platform_fee": fee, "notes": notes, "kind": kind, "currency": currency}


# ---------------------------------------------------------------- writing into the template

def fill_settings(wb: openpyxl.Workbook, settings: Settings) -> None:
    """Write each setting into the cell its defined name points at, and the exchange
    rates into the rows of the table named ExchangeRates."""
    for setting in schema.ALL_SETTINGS:
        sheet, coordinate = next(wb.defined_names[setting.name].destinations)
        wb[sheet][coordinate.replace("$", "")].value = getattr(settings, setting.key)
    sheet, area = next(wb.defined_names[schema.EXCHANGE_NAME].destinations)
    rows = wb[sheet][area.replace("$", "")][1:]
    assert len(settings.exchange_rates) <= len(rows), "more rates than the table's rows"
    for (code, rate), (code_cell, rate_cell) in zip(settings.exchange_rates.items(), rows):
        code_cell.value, rate_cell.value = code, rate


def fill_rows(ws: Worksheet, columns: tuple[schema.Column, ...], rows: list[Row]) -> None:
    """Write rows under the sheet's headers, found by text as the reader finds them."""
    lookup = schema.header_lookup(columns)
    column_of = {lookup[schema.normalise_header(cell.value)]: cell.column
                 for cell in ws[1] if schema.normalise_header(cell.value) in lookup}
    for row_number, row in enumerate(rows, 2):
        for key, value in row.items():
            ws.cell(row_number, column_of[key], value)


def build(path: Path, settings: Settings, tasks: list[Row], quotes: list[Row]) -> None:
    wb = new_template(currency=settings.currency)
    fill_settings(wb, settings)
    fill_rows(wb[schema.TASKS], schema.TASK_INPUTS, tasks)
    fill_rows(wb[schema.QUOTES], schema.QUOTE_INPUTS, quotes)
    save_atomically(wb, path)


# ---------------------------------------------------------------- (a) the internet marketer

def internet_marketer() -> tuple[list[Row], list[Row]]:
    tasks = [
        task("T1", "Write weekly blog post", "Content", 1, "week", 3, "Strong"),
        task("T2", "Reply to short client emails", "Admin", 30, "day", 0.1, "Strong",
             notes="Two-line answers; briefing someone takes as long"),
        task("T3", "Bookkeeping and receipts", "Finance", 1, "month", 4),
        task("T4", "SEO audit of client sites", "Marketing", 1, "quarter", 6, "Strong", "Yes",
             notes="Clients judge me on these reports"),
        task("T5", "Schedule social media posts", "Marketing", 5, "week", 0.5),
        task("T6", "Customer support tickets", "Support", 10, "day", 0.15),
        task("T7", "Design landing pages", "Design", 1, "month", 8, "Strong"),
        task("T8", "Edit YouTube videos", "Content", 2, "week", 2),
        task("T9", "Write weekly newsletter", "Content", 1, "week", 1.5, "Strong"),
        task("T10", "Program client WordPress plugins", "Development", 1, "day", 4, "Core"),
        task("T11", "Keyword research for new niches", "Marketing", 2, "month", 2),
        task("T12", "Yearly tax return", "Finance", 1, "year", 20, quality="Yes"),
        task("T13", "Move site to a new theme", "Design", 1, "once", 40, "Strong"),
        task("T14", "Ad banners and graphics", "Design", 8, "month", 1),
    ]
    quotes = [
        quote("T1", "Content writer (referral)", 90, review=0.5),
        quote("T1", "Upwork: blog writer", 70, review=0.75, fee=0.1, notes="Needs more editing"),
        quote("T1", "Content agency", 150, review=0.25),
        quote("T2", "Upwork: virtual assistant", 15, "per hour", vendor_hours=0.1, review=0.1,
              fee=0.1, notes="I would still brief and check every reply"),
        quote("T2", "VA agency", 400, "per month", setup_fee=100, review=0.1),
        quote("T3", "Bookkeeper (local)", 250, "per month", setup_fee=300, setup_hours=3, review=0.5),
        quote("T3", "Online bookkeeping service", 2400, "per year", setup_hours=2, review=0.75),
        quote("T4", "SEO agency", 400, review=1),
        quote("T5", "Social media manager", 600, "per month", setup_hours=2, review=0.05),
        quote("T5", "Upwork: social media VA", 12, "per hour", vendor_hours=0.5, review=0.1, fee=0.1),
        quote("T6", "Support desk agency", 1200, "per month", setup_fee=500, setup_hours=8, review=0.02),
        quote("T6", "Upwork: support freelancer", 18, "per hour", review=0.03, fee=0.1),
        quote("T7", "Web designer", 900, review=1.5, notes="Dearer than doing it myself"),
        quote("T8", "Video editor (freelance)", 60, "per hour", vendor_hours=1.5, review=0.25),
        quote("T8", "Fiverr: video editor", 70, review=0.5, fee=0.05),
        quote("T9", "Newsletter writer", 120, review=0.25),
        quote("T10", "Offshore dev shop", 35, "per hour", review=1),
        quote("T12", "CPA firm", 1500, "per year", review=2),
        quote("T13", "Theme developer", 2500, "fixed", setup_hours=4),
        quote("T13", "Upwork: WordPress agency", 2100, "fixed", setup_hours=6, fee=0.1),
        quote("T14", "Designer on retainer", 6000, "per year", review=0.2),
        quote("T14", "Fiverr: banner designer", 25, review=0.3, fee=0.05),
    ]
    return tasks, quotes


# ---------------------------------------------------------------- (b) the course creator

COURSE_SETTINGS = Settings(hourly_worth=100, currency="USD", monthly_budget=1000,
                           exchange_rates={"GBP": 1.27})


def course_creator() -> tuple[list[Row], list[Row]]:
    tasks = [
        task("C1", "Record course lessons", "Video", 2, "week", 3, "Core"),
        task("C2", "Answer student emails", "Admin", 5, "week", 0.2, bundle="Admin VA",
             notes="Each is a two-line answer: alone, briefing takes as long"),
        task("C3", "Book travel for workshops", "Admin", 2, "month", 0.5, bundle="Admin VA"),
        task("C4", "File receipts", "Finance", 1, "week", 0.75, bundle="Admin VA"),
        task("C5", "Proofread lesson handouts", "Content", 1, "week", 1,
             bundle="Course support"),
        task("C6", "Update the student CRM", "Admin", 2, "week", 0.5, bundle="Course support"),
        task("C7", "Schedule social media posts", "Marketing", 5, "week", 0.5),
        task("C8", "Weekly traffic report", "Marketing", 1, "week", 1.5, needed="No",
             notes="Nobody has read it since the site moved"),
        task("C9", "Bookkeeping", "Finance", 1, "month", 4, notes="4 hours is my guess"),
        task("C10", "Edit course videos", "Video", 2, "week", 2),
    ]
    quotes = [
        quote("C2", "Upwork: virtual assistant", 8, review=0.2,
              notes="Briefing and checking each reply takes as long as writing it"),
        quote("Admin VA", "Virtual assistant (retainer)", 30, "per hour", setup_hours=2,
              review=0.05, notes="Takes the three admin tasks together"),
        quote("C5", "Fiverr: proofreader", 20, review=0.1),
        quote("Course support", "Course support agency", 500, "per month", review=0.1,
              kind="agency", notes="Proofreading and the CRM together"),
        quote("C7", "Scheduling app (yearly plan)", 30, "per month", setup_hours=3, review=0.1,
              kind="tool"),
        quote("C7", "Upwork: social media VA", 12, "per hour", vendor_hours=0.5, review=0.1,
              fee=0.1),
        quote("C8", "Upwork: report builder", 40, review=0.2),
        quote("C9", "UK bookkeeper (remote)", 150, "per month", setup_fee=200, setup_hours=3,
              review=0.5, currency="GBP"),
        quote("C9", "Local bookkeeper", 250, "per month", setup_fee=300, setup_hours=3,
              review=0.5),
        quote("C10", "Video editor (freelance)", 60, "per hour", vendor_hours=1.5, review=0.25),
    ]
    return tasks, quotes


# ---------------------------------------------------------------- (c) the small agency

AGENCY_SEED = 20260101

# (task, category, per, frequency, hours each, expertise, quality critical)
AGENCY_TASKS = (
    ("Sort and answer the shared inbox", "Admin", "day", 1, 1.0, "Weak", "No"),
    ("Schedule client meetings", "Admin", "week", 8, 0.15, "Weak", "No"),
    ("Quick replies to supplier emails", "Admin", "day", 10, 0.05, "Weak", "No"),
    ("Order office supplies", "Admin", "month", 2, 0.5, "Weak", "No"),
    ("Renew software licences", "Admin", "year", 6, 0.75, "Weak", "No"),
    ("File contracts and documents", "Admin", "week", 1, 1.0, "Weak", "No"),
    ("Move to the new office", "Admin", "once", 1, 30, "Weak", "No"),
    ("Bookkeeping and receipts", "Finance", "week", 1, 3, "Weak", "No"),
    ("Send client invoices", "Finance", "month", 12, 0.25, "Weak", "No"),
    ("Chase late payments", "Finance", "month", 4, 0.5, "Weak", "No"),
    ("Run payroll", "Finance", "month", 1, 3, "Weak", "Yes"),
    ("VAT return", "Finance", "quarter", 1, 5, "Weak", "Yes"),
    ("Annual accounts", "Finance", "year", 1, 16, "Weak", "Yes"),
    ("Set up new accounting software", "Finance", "once", 1, 12, "Weak", "No"),
    ("Write project proposals", "Sales", "month", 3, 4, "Strong", "Yes"),
    ("Research new leads", "Sales", "week", 1, 3, "Weak", "No"),
    ("Update the CRM", "Sales", "day", 1, 0.3, "Weak", "No"),
    ("Pitch meetings with prospects", "Sales", "month", 4, 2, "Core", "Yes"),
    ("Quarterly sales report", "Sales", "quarter", 1, 6, "Weak", "No"),
    ("Schedule social media posts", "Marketing", "day", 1, 0.4, "Weak", "No"),
    ("Write the monthly newsletter", "Marketing", "month", 1, 4, "Strong", "No"),
    ("Run paid ad campaigns", "Marketing", "week", 1, 2.5, "Weak", "No"),
    ("SEO audit of the agency site", "Marketing", "quarter", 1, 8, "Weak", "No"),
    ("Collect client testimonials", "Marketing", "month", 2, 0.5, "Strong", "No"),
    ("Plan the yearly marketing calendar", "Marketing", "year", 1, 12, "Strong", "Yes"),
    ("Write agency blog posts", "Content", "week", 1, 4, "Strong", "Yes"),
    ("Write case studies", "Content", "month", 1, 6, "Strong", "No"),
    ("Proofread client deliverables", "Content", "week", 10, 0.3, "Strong", "Yes"),
    ("Transcribe client interviews", "Content", "month", 4, 2, "Weak", "No"),
    ("Translate web copy into French", "Content", "month", 2, 3, "Weak", "No"),
    ("Edit short client videos", "Content", "month", 3, 5, "Weak", "No"),
    ("Brand strategy workshops", "Design", "month", 2, 6, "Core", "Yes"),
    ("Logo and identity design", "Design", "month", 3, 10, "Core", "Yes"),
    ("Resize and export campaign assets", "Design", "week", 20, 0.2, "Weak", "No"),
    ("Retouch product photos", "Design", "month", 40, 0.25, "Weak", "No"),
    ("Build presentation decks", "Design", "month", 4, 3, "Strong", "No"),
    ("Stock photo research", "Design", "week", 3, 0.5, "Weak", "No"),
    ("Website maintenance and updates", "IT & Web", "week", 1, 2, "Weak", "No"),
    ("Backups and security checks", "IT & Web", "month", 1, 2, "Weak", "Yes"),
    ("Fix laptops and the printer", "IT & Web", "month", 2, 1.5, "Weak", "No"),
    ("Migrate email to a new provider", "IT & Web", "once", 1, 16, "Weak", "No"),
    ("Build client landing pages", "IT & Web", "month", 4, 8, "Strong", "No"),
    ("Set up new staff accounts", "IT & Web", "year", 4, 1.5, "Weak", "No"),
)

# (vendor, platform fee): marketplaces take a cut, agencies and local firms do not.
AGENCY_VENDORS = {
    "Admin": (("Virtual Office Team", 0), ("Upwork: Maria K. (VA)", 0.05),
              ("Fiverr: AdminPro", 0.055), ("Büro Service Lange", 0)),
    "Finance": (("Klein & Partner Steuerberatung", 0), ("BookKeep Online", 0),
                ("Upwork: Ana R. (bookkeeper)", 0.05), ("Zahlwerk GmbH", 0)),
    "Sales": (("LeadForge", 0), ("Upwork: Tom B. (researcher)", 0.05),
              ("SalesDesk Outsourcing", 0)),
    "Marketing": (("Social Sprout Agentur", 0), ("Upwork: Jana P. (ads)", 0.05),
                  ("Fiverr: Growth Studio", 0.055), ("Kampagnenwerk", 0)),
    "Content": (("Textbüro Weiss", 0), ("Upwork: Claire D. (writer)", 0.05),
                ("Fiverr: MediaWorks", 0.055), ("Lingua Content Services", 0)),
    "Design": (("Pixelhof Studio", 0), ("Fiverr: Pixel Crew", 0.055),
               ("Upwork: Ivan S. (designer)", 0.05)),
    "IT & Web": (("Nordlicht IT", 0), ("Upwork: Sam L. (WordPress)", 0.05),
                 ("HostCare Managed IT", 0)),
}

REFERRED_FREELANCERS = ("Freelancer via referral: Jonas M.", "Freelancer via referral: Lea T.")

# Which ways of pricing fit a task done this often.
BASES_FOR_PER = {
    "day": ("per occurrence", "per hour", "per month"),
    "week": ("per occurrence", "per hour", "per month", "per year"),
    "month": ("per occurrence", "per hour", "per month", "per year"),
    "quarter": ("per occurrence", "per hour", "per year"),
    "year": ("per occurrence", "per hour", "per year"),
    "once": ("fixed", "per hour", "per occurrence"),
}

AGENCY_SETTINGS = Settings(hourly_worth=95, currency="EUR", fill_rate=0.8, horizon_years=2,
                           margin_pct=0.2, work_days=230, work_weeks=46)


def small_agency() -> tuple[list[Row], list[Row]]:
    rng = random.Random(AGENCY_SEED)
    tasks, quotes = [], []
    for number, (name, category, per, frequency, hours, expertise, quality) in enumerate(
            AGENCY_TASKS, 1):
        task_id = f"A{number:02d}"
        tasks.append(task(task_id, name, category, frequency, per, hours, expertise, quality))
        quote_count = 0 if rng.random() < 0.12 else rng.randint(2, 4)
        pool = AGENCY_VENDORS[category]
        vendors = rng.sample(pool, min(quote_count, len(pool)))
        for vendor, fee in vendors:
            quotes.append(agency_quote(rng, task_id, per, frequency, hours, vendor, fee))
        if vendors and rng.random() < 0.15:  # two vendors asking exactly the same: a tie
            quotes.append({**quotes[-1], "vendor": rng.choice(REFERRED_FREELANCERS),
                           "notes": f"Matched the offer of {quotes[-1]['vendor']}"})
    return tasks, quotes


def agency_quote(rng: random.Random, task_id: str, per: str, frequency: float, hours: float,
                 vendor: str, fee: float) -> Row:
    """A plausible quote: a vendor rate and speed turned into a price on a fitting basis."""
    rate = rng.randrange(25, 115)  # EUR per hour
    vendor_hours = round(hours * rng.uniform(0.7, 1.3), 2)
    yearly = frequency * AGENCY_SETTINGS.per_factor()[per]
    basis = rng.choice(BASES_FOR_PER[per])
    price = {"per occurrence": rate * vendor_hours, "per hour": rate,
             "per month": rate * vendor_hours * yearly / 12, "per year": rate * vendor_hours * yearly,
             "fixed": rate * vendor_hours}[basis]
    # Briefing and checking: a share of the task, never less than three minutes.
    review = max(0.05, round(hours * rng.choice((0.1, 0.15, 0.2, 0.3)), 2))
    if hours <= 0.05:
        review = hours  # a two-line email: checking it takes as long as writing it
    setup = rng.random() < 0.25
    return quote(task_id, vendor, nice_price(price), basis,
                 vendor_hours=vendor_hours if basis == "per hour" else None,
                 setup_fee=rng.randrange(100, 700, 50) if setup else None,
                 setup_hours=rng.choice((1, 2, 4)) if setup else None,
                 review=review, fee=fee or None)


def nice_price(price: float) -> float:
    """Prices as vendors write them: cents for small sums, round tens for big ones."""
    if price < 20:
        return round(price, 2)
    if price < 500:
        return float(round(price))
    return float(round(price, -1))


# ---------------------------------------------------------------- (d) typical input mistakes

def input_mistakes() -> tuple[list[Row], list[Row]]:
    """Rows as listed in the module docstring; row 2 is the first under the header."""
    tasks = [
        task("T1", "Write weekly blog post", "Content", 1, "week", 3, "Strong"),
        task("T2", "Bookkeeping", "Finance", 1, "month", 4),
        task("T3", "Edit podcast episode", "Content", 1, "week", "two"),
        task("T4", "Social media posts", "Marketing", 1, "fortnight", 1),
        task("T5", "Update product pages", "Marketing", 2, "month", -1.5),
        task("T6", "Design the newsletter", "Content", None, "week", 1.5),
        task("T2", "Payroll", "Finance", 1, "month", 2),
        task("T7", "Client plugin development", "Development", 2, "week", 6, "core"),
        task("T8", "Website redesign", "Design", 1, "once", 40, "Strong"),
        task("T9", "Customer support", "Support", 10, "day", 0.15),
        task("T10", "Resize product images", "Design", 20, "week", 0.1),
    ]
    quotes = [
        quote("T8", "Web agency", "$1,200", "fixed", setup_hours=5),
        quote("T1", "Upwork: blog writer", 70, review=0.5, fee="20%"),
        quote("T9", "Support desk agency", "1 200,50", "per month", review=0.02),
        quote("T2", "Local bookkeeper", 250, "per month", review=0.5),
        quote("T10", "Fiverr: image resizer", " 3 ", review=0.02),
        quote("T1", "Fiverr: content writer", 80, review=0.5, fee=5),
        quote("T3", "Podcast editor", 60, review=0.3),
        quote("T7", "Dev shop", 45, "per hour", review=1),
        quote("T99", "Translator", 40, review=0.2, notes="No task T99"),
    ]
    return tasks, quotes


OWNER_COLUMN = 3  # C: between Task and Category
OWNERS = ("Me", "Me", "Sam", "Sam", "Me", "Sam", "Me", "Me", "Sam", "Sam", "Me")
USER_HEADERS = {"task_id": "task id", "hours_each": "hours  EACH",
                "quality_critical": "QUALITY critical"}


def build_input_mistakes(path: Path) -> None:
    wb = new_template()
    fill_settings(wb, Settings(hourly_worth=100, currency="USD"))
    tasks_sheet = wb[schema.TASKS]
    insert_user_column(tasks_sheet, OWNER_COLUMN, "Owner")
    retype_headers(tasks_sheet, schema.TASK_COLUMNS, USER_HEADERS)
    tasks, quotes = input_mistakes()
    fill_rows(tasks_sheet, schema.TASK_INPUTS, tasks)
    for row, owner in enumerate(OWNERS, 2):
        tasks_sheet.cell(row, OWNER_COLUMN, owner)
    fill_rows(wb[schema.QUOTES], schema.QUOTE_INPUTS, quotes)
    save_atomically(wb, path)


def insert_user_column(ws: Worksheet, index: int, header: str) -> None:
    """Insert a column as Excel would: drop-downs and widths move along with their columns."""
    last = ws.max_column
    ws.insert_cols(index)
    for validation in ws.data_validations.dataValidation:
        validation.sqref = MultiCellRange([shift_right(r, index) for r in validation.sqref.ranges])
    for col in range(last + 1, index, -1):
        ws.column_dimensions[get_column_letter(col)].width = \
            ws.column_dimensions[get_column_letter(col - 1)].width
    ws.column_dimensions[get_column_letter(index)].width = 10
    ws.cell(1, index, header)._style = copy(ws.cell(1, index + 1)._style)


def shift_right(cells: CellRange, index: int) -> CellRange:
    shifted = CellRange(cells.coord)
    if shifted.min_col >= index:
        shifted.shift(col_shift=1)
    return shifted


def retype_headers(ws: Worksheet, columns: tuple[schema.Column, ...],
                   texts: dict[str, str]) -> None:
    """Headers as a user might type them; the help comments stay where they were."""
    wanted = {next(c.header for c in columns if c.key == key): text for key, text in texts.items()}
    for cell in ws[1]:
        if cell.value in wanted:
            cell.value = wanted[cell.value]


def main() -> None:
    build(HERE / "internet_marketer.xlsx", Settings(hourly_worth=120, currency="USD"),
          *internet_marketer())
    build(HERE / "course_creator.xlsx", COURSE_SETTINGS, *course_creator())
    build(HERE / "small_agency.xlsx", AGENCY_SETTINGS, *small_agency())
    build_input_mistakes(MISTAKES)


if __name__ == "__main__":
    main()
