"""The accountant's tables (engine/accountant.py): the cash split per vendor, the expense
types, quotes in other currencies, the 12-month schedule and every paperwork rule, each
on a small case; every table adds up to the headline to the cent."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from xlsheet_outsource import api
from xlsheet_outsource.engine import accountant as acc
from xlsheet_outsource.engine.settings import Settings, VendorDetails
from xlsheet_outsource.engine.summary import summarise


def task(task_id: str, frequency: float, per: str, hours: float, **kw: object) -> dict:
    return {"task_id": task_id, "task": f"task {task_id}", "frequency": frequency, "per": per,
            "hours_each": hours} | kw


def quote(task_id: str, vendor: str, price: float, basis: str, **kw: object) -> dict:
    return {"task_id": task_id, "vendor": vendor, "price": price, "basis": basis} | kw


def books(tasks: list[dict], quotes: list[dict], **settings: object) -> acc.Accounts:
    chosen = Settings(**{"hourly_worth": 100.0, **settings})  # type: ignore[arg-type]
    decision = api.decide(chosen, pd.DataFrame(tasks, index=range(2, 2 + len(tasks))),
                          pd.DataFrame(quotes, index=range(2, 2 + len(quotes)), dtype=object))
    return summarise(decision).accounts


# A one-off logo (fixed price + 20% platform fee), a monthly bookkeeper with a setup fee,
# a newsletter quoted in euros and a scheduling tool.
TASKS = [task("T1", 1, "once", 20), task("T2", 1, "month", 6), task("T3", 2, "month", 3),
         task("T4", 1, "week", 1)]
QUOTES = [quote("T1", "Lia", 500, "fixed", platform_fee=0.2),
          quote("T2", "Acme Books", 150, "per month", setup_fee=100, kind="agency"),
          quote("T3", "Lia", 100, "per occurrence", currency="EUR"),
          quote("T4", "Calendly", 10, "per month", kind="tool")]
RATES = {"EUR": 1.1}


@pytest.fixture(scope="module")
def example() -> acc.Accounts:
    return books(TASKS, QUOTES, exchange_rates=RATES)


def vendor(accounts: acc.Accounts, name: str) -> dict:
    [row] = accounts.vendors[accounts.vendors["vendor"] == name].to_dict("records")
    return row


def test_one_off_and_recurring_per_vendor(example):
    lia = vendor(example, "Lia")
    # the logo is one-off: 500 + 20%; the newsletter recurring: 24 x 100 EUR x 1.1
    assert (lia["one_off"], lia["recurring"], lia["first_year"]) == (600, 2_640, 3_240)
    books_row = vendor(example, "Acme Books")
    assert (books_row["one_off"], books_row["recurring"]) == (100, 1_800)  # the setup fee


def test_cash_split_per_vendor(example):
    lia = vendor(example, "Lia")
    assert (lia["vendor_price"], lia["platform_fees"], lia["setup_fees"]) == (3_140, 100, 0)
    books_row = vendor(example, "Acme Books")
    assert (books_row["vendor_price"], books_row["platform_fees"],
            books_row["setup_fees"]) == (1_800, 0, 100)


def test_expense_type_by_kind(example):
    types = dict(zip(example.vendors["vendor"], example.vendors["expense_type"], strict=True))
    assert types == {"Lia": acc.CONTRACT_LABOUR, "Acme Books": acc.CONTRACT_LABOUR,
                     "Calendly": acc.SOFTWARE}


def test_tasks_listed_under_each_vendor(example):
    assert vendor(example, "Lia")["task_list"] == "T1 task T1; T3 task T3"


def test_vendors_biggest_first_year_cash_first(example):
    assert list(example.vendors["vendor"]) == ["Lia", "Acme Books", "Calendly"]


def test_schedule_recurring_spread_one_off_in_month_one(example):
    lia = example.schedule[example.schedule["vendor"] == "Lia"].iloc[0]
    assert lia["m1"] == 600 + 220 and all(lia[f"m{n}"] == 220 for n in range(2, 13))
    assert example.monthly_totals()[0] == 820 + 250 + 10
    assert sum(example.monthly_totals()) == pytest.approx(example.first_year)


def test_month_labels_start_at_the_run_month():
    labels = acc.month_labels(dt.date(2026, 12, 5))
    assert labels[:2] == ["Dec 2026", "Jan 2027"] and labels[-1] == "Nov 2027"


# --- currencies --------------------------------------------------------------------------

def test_foreign_quote_shows_its_amount_and_rate(example):
    [row] = example.foreign.to_dict("records")
    assert (row["vendor"], row["task_id"], row["currency"]) == ("Lia", "T3", "EUR")
    assert (row["foreign_amount"], row["rate"], row["home_amount"]) == (2_400, 1.1, 2_640)


def test_quote_in_the_workbooks_own_currency_is_not_foreign():
    accounts = books([task("T1", 1, "month", 5)],
                     [quote("T1", "Ann", 100, "per month", currency="GBP")],
                     currency="GBP")
    assert accounts.foreign.empty and accounts.first_year == 1_200


def test_foreign_setup_fee_and_fixed_price_convert_at_the_rate():
    accounts = books([task("T1", 1, "once", 40)],
                     [quote("T1", "Jo", 1_000, "fixed", setup_fee=50, currency="EUR")],
                     exchange_rates={"EUR": 1.17})
    [row] = accounts.foreign.to_dict("records")
    assert (row["foreign_amount"], row["home_amount"]) == (1_050, 1_228.5)
    assert (accounts.one_off, accounts.recurring) == (1_228.5, 0)
    assert vendor(accounts, "Jo")["setup_fees"] == 58.5


def test_bundle_quote_in_another_currency():
    accounts = books([task("T1", 5, "week", 0.2, bundle="Admin"),
                      task("T2", 2, "month", 0.5, bundle="Admin")],
                     [quote("Admin", "Ada", 25, "per hour", currency="EUR", platform_fee=0.1)],
                     exchange_rates={"EUR": 1.2})
    assert list(accounts.foreign["task_id"]) == ["T1", "T2"]
    assert accounts.foreign["rate"].tolist() == [1.2, 1.2]
    ada = vendor(accounts, "Ada")
    # 62 hours x 25 EUR x 1.2 x 1.1
    assert ada["first_year"] == pytest.approx(2_046) and ada["platform_fees"] == 186


# --- to the cent -------------------------------------------------------------------------

def test_sums_tie_out_to_the_cent_with_odd_amounts():
    accounts = books([task(f"T{n}", 1, "week", 2) for n in range(1, 8)],
                     [quote(f"T{n}", f"V{n % 3}", 33.37 + n / 7, "per occurrence",
                            platform_fee=0.07, setup_fee=10 / 3) for n in range(1, 8)],
                     work_weeks=47)
    v = accounts.vendors
    cents = lambda s: round(float(s.sum()) * 100)  # noqa: E731
    assert cents(v["vendor_price"] + v["platform_fees"] + v["setup_fees"]) == cents(
        v["first_year"])
    assert cents(v["recurring"] + v["one_off"]) == cents(v["first_year"])
    for row in accounts.schedule.to_dict("records"):
        assert round(sum(row[f"m{n}"] for n in range(1, 13)) * 100) == round(row["total"] * 100)
    assert round(sum(accounts.monthly_totals()) * 100) == round(accounts.first_year * 100)
    for column in ("recurring", "one_off", "first_year", "platform_fees"):
        assert all(round(x * 100, 6).is_integer() for x in v[column])


def test_headline_r_and_o_match_the_summary():
    decision = api.decide(Settings(hourly_worth=100.0, exchange_rates=RATES),
                          pd.DataFrame(TASKS, index=range(2, 6)),
                          pd.DataFrame(QUOTES, index=range(2, 6), dtype=object))
    summary = summarise(decision)
    assert summary.accounts.recurring == round(summary.recurring_cash_year, 2)
    assert summary.accounts.one_off == round(summary.one_off_cash, 2)


def test_record_round_trip(example):
    again = acc.Accounts.of_record(json.loads(json.dumps(example.record())), "EUR")
    assert again.currency == "USD"
    for name in ("vendors", "schedule", "foreign"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(example, name),
                                      check_dtype=False)


# --- paperwork ---------------------------------------------------------------------------

def point(tax_country: str | None, details: VendorDetails | None, price: float = 300,
          **settings: object) -> str | None:
    """The point for one vendor paid ``price`` a month (3,600 in the first 12 months)."""
    vendors = None if details is None else {details.name.casefold(): details}
    accounts = books([task("T1", 1, "month", 5)], [quote("T1", "Ann", price, "per month")],
                     tax_country=tax_country, vendors=vendors, **settings)
    found = accounts.paperwork["point"].tolist()
    return found[0] if found else None


def ann(country: str | None = "US", entity: str | None = "individual",
        paid_through: str | None = "bank", tax_form: str | None = None) -> VendorDetails:
    return VendorDetails("Ann", country, entity, paid_through, tax_form)


def test_us_individual_paid_by_bank_over_the_threshold():
    assert point("US", ann()) == acc.W9_NEEDED
    assert point("US", ann(tax_form="W-9")) == acc.W9_ON_FILE


def test_us_threshold_is_inclusive_and_settable():
    assert point("US", ann(), price=2_000 / 12) == acc.W9_NEEDED  # exactly 2,000
    assert point("US", ann(), price=166) is None  # 1,992
    assert point("US", ann(), reporting_threshold=5_000) is None


def test_us_card_or_platform_is_reported_by_the_platform():
    assert point("US", ann(paid_through="card")) == acc.REPORTED_1099K
    assert point("US", ann(paid_through="platform")) == acc.REPORTED_1099K


def test_us_foreign_vendor():
    assert point("US", ann(country="DE")) == acc.FOREIGN_US
    assert point("US", ann(country="United Kingdom", entity="company")) == acc.FOREIGN_US


def test_us_company():
    assert point("US", ann(entity="company")) == acc.COMPANY_US


def test_blanks_count_as_a_home_individual_paid_by_bank():
    assert point("US", ann(country=None, entity=None, paid_through=None)) == acc.W9_NEEDED
    assert point("US", ann(country="usa")) == acc.W9_NEEDED


def test_gb_services_from_abroad():
    assert point("GB", ann(country="FR")) == acc.REVERSE_CHARGE
    assert point("GB", ann(country="UK")) is None
    assert point("GB", ann(country=None)) is None


def test_other_tax_country_has_no_form_points():
    assert point("other", ann(country="DE")) is None


def test_vendor_missing_from_vendors():
    assert point("US", VendorDetails("Someone else")) == acc.NO_DETAILS
    assert point(None, VendorDetails("Someone else")) == acc.NO_DETAILS


def test_paperwork_row_shows_the_details_and_what_is_paid():
    vendors = {"ann": ann()}
    accounts = books([task("T1", 1, "month", 5)],
                     [quote("T1", "ann", 300, "per month", platform_fee=0.1)],
                     tax_country="US", vendors=vendors)
    [row] = accounts.paperwork.to_dict("records")
    assert (row["country"], row["entity"], row["paid_through"]) == ("US", "individual", "bank")
    assert row["paid_to_vendor"] == 3_600  # the platform's fee is not paid to the vendor


def test_no_vendors_sheet_and_no_tax_country_no_points(example):
    assert example.paperwork.empty and example.threshold is None


def test_nothing_to_pay():
    accounts = books([task("T1", 1, "month", 5, expertise="Core")],
                     [quote("T1", "Ann", 300, "per month")], tax_country="US",
                     vendors={})
    assert accounts.vendors.empty and accounts.schedule.empty and accounts.paperwork.empty
    assert accounts.first_year == 0 and accounts.monthly_totals() == [0.0] * 12


def test_foreign_currency_at_par_is_still_listed():
    accounts = books([task("T1", 1, "month", 5)],
                     [quote("T1", "Bo", 100, "per month", currency="HKD")],
                     exchange_rates={"HKD": 1.0})
    assert accounts.foreign["currency"].tolist() == ["HKD"]
