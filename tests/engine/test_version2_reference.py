"""Version 2 of the rule book against a slow, evidently right reading of it.

The reference below is written from docs/decision-model.md alone, one task and one quote
at a time, in exact fractions: no pandas, no vectorised rule, no shared code with the
engine. Its margin of safety recomputes a task's whole verdict at each trial value
instead of using the engine's lines. Inputs are numbers a binary float holds exactly
(quarter hours, whole prices, rates like 1.25), so the engine's figures are exact too and
verdicts can be compared word for word, ties included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction as F

import pandas as pd
import pytest
from hypothesis import event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xlsheet_outsource import api
from xlsheet_outsource.engine.model import Settings

PAID = ("OUTSOURCE", "AUTOMATE")
PERS = ["day", "week", "month", "quarter", "year", "once"]
BASES = ["per occurrence", "per hour", "per day", "per week", "per month", "per year", "fixed"]
BUNDLE_BASES = BASES[1:]


@dataclass
class Offer:
    """One usable quote, priced."""
    row: int
    vendor: str
    kind: str
    cash: F
    out: F
    saving: F
    freed: F
    recurring: F  # R
    one_off: F  # O
    payback: F | None


@dataclass
class Task:
    row: int
    task_id: str
    n: F
    h: F
    self_cost: F
    core: bool
    needed: bool
    quality_kept: bool
    bundle: str | None
    offers: list[Offer] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    verdict: str = ""
    figures: dict[str, object] = field(default_factory=dict)
    margin: F | None = None
    sensitive: set[str] = field(default_factory=set)  # the inputs of that margin (ties)
    plan: str | None = None


def key(text: object) -> str:
    return str(text).replace(" ", "").upper()


class Reference:
    def __init__(self, s: Settings) -> None:
        self.s = s
        self.E, self.u, self.T = F(s.hourly_worth), F(s.fill_rate), F(s.horizon_years)
        self.M = F(s.margin_pct)

    def occurrences(self, frequency: F, per: str) -> F:
        return frequency * {"day": F(self.s.work_days), "week": F(self.s.work_weeks),
                            "month": F(12), "quarter": F(4), "year": F(1),
                            "once": 1 / self.T}[per]

    def rate(self, q: dict) -> F:
        code = q.get("currency")
        return F(1) if code is None else F(self.s.exchange_rates[code])

    def base(self, basis: str, p: F, n: F, vendor_hours: F) -> F:
        return {"per occurrence": p * n, "per hour": p * vendor_hours * n,
                "per day": p * F(self.s.work_days), "per week": p * F(self.s.work_weeks),
                "per month": 12 * p, "per year": p, "fixed": p / self.T}[basis]

    def offer(self, q: dict, n: F, h: F, per: str, E: F | None = None) -> Offer:
        """A task's quote, straight from the formulas (E: another hourly worth)."""
        V = self.u * (self.E if E is None else E)
        p, S = F(q["price"]) * self.rate(q), F(q.get("setup_fee", 0)) * self.rate(q)
        f, m, s = F(q.get("platform_fee", 0)), F(q.get("review_hours_each", 0)), F(
            q.get("setup_hours", 0))
        vh = h if q.get("vendor_hours_each") is None else F(q["vendor_hours_each"])
        base = self.base(q["basis"], p, n, vh)
        cash = base * (1 + f) + S / self.T
        own = (n * m + s / self.T) * V
        self_cost = n * h * V
        if q["basis"] == "fixed":
            recurring, one_off = F(0), S + p * (1 + f)
        elif per == "once":
            recurring, one_off = F(0), S + base * self.T * (1 + f)
        else:
            recurring, one_off = base * (1 + f), S
        steady = self_cost - recurring - n * m * V
        payback = 12 * (one_off + s * V) / steady if steady > 0 else None
        return Offer(q["row"], q["vendor"], q.get("kind") or "person", cash, cash + own,
                     self_cost - cash - own, n * (h - m) - s / self.T, recurring, one_off,
                     payback)

    def word(self, freed: F, saving: F, self_cost: F, quality_kept: bool, tool: bool) -> str:
        if freed <= 0 or saving <= 0:
            return "KEEP"
        if saving < self.M * self_cost or quality_kept:
            return "REVIEW"
        return "AUTOMATE" if tool else "OUTSOURCE"

    def decide(self, tasks: list[Task]) -> None:
        for t in tasks:
            t.offers = [self.offer(q, t.n, t.h, q["per"]) for q in t.quotes]
            best = min(t.offers, key=lambda o: (o.out, o.cash, o.row), default=None)
            if not t.needed:
                t.verdict = "DROP"
                t.figures = {"cash": F(0), "out_cost": F(0), "saving": t.self_cost,
                             "freed": t.n * t.h, "payback": F(0), "best_vendor": None}
                continue
            if best is not None:
                t.figures = {"cash": best.cash, "out_cost": best.out, "saving": best.saving,
                             "freed": best.freed, "payback": best.payback,
                             "recurring_cash": best.recurring, "one_off_cash": best.one_off,
                             "best_vendor": best.vendor}
            if t.core:
                t.verdict = "KEEP"
            elif best is None:
                t.verdict = "NEEDS QUOTE"
            else:
                t.verdict = self.word(best.freed, best.saving, t.self_cost, t.quality_kept,
                                      best.kind == "tool")
                t.margin, t.sensitive = self.margin(t, t.quotes[t.offers.index(best)])

    def margin(self, t: Task, q: dict) -> tuple[F | None, set[str]]:
        """Each of hourly worth, hours each and price alone: the verdict recomputed from
        scratch at the roots of every boundary and just beyond them."""
        found: list[tuple[F, int, str]] = []
        trials = [("hourly worth", self.E, lambda x: self.offer(q, t.n, t.h, q["per"], E=x),
                   lambda x: t.n * t.h * self.u * x),
                  ("hours each", t.h, lambda x: self.offer(q, t.n, x, q["per"]),
                   lambda x: t.n * x * self.u * self.E),
                  ("price", F(q["price"]), lambda x: self.offer(q | {"price": x}, t.n, t.h,
                                                                 q["per"]),
                   lambda x: t.self_cost)]
        for order, (name, x, offer_at, self_at) in enumerate(trials):
            if x <= 0:
                continue

            def word_at(y: F, offer_at=offer_at, self_at=self_at) -> str:
                o = offer_at(y)
                return self.word(o.freed, o.saving, self_at(y), t.quality_kept,
                                 o.kind == "tool")

            def boundaries(y: F, offer_at=offer_at, self_at=self_at) -> list[F]:
                o = offer_at(y)
                return [o.freed, o.saving, o.saving - self.M * self_at(y)]

            at0, at1 = boundaries(F(0)), boundaries(F(1))
            roots = sorted({-a / (b - a) for a, b in zip(at0, at1, strict=True) if b != a})
            today = word_at(x)
            for r in roots:
                if r < 0:
                    continue
                sides = [-1, 1] if r == x else [1 if r > x else -1]
                for side in sides:
                    further = [o for o in roots if (o - r) * side > 0]
                    probe = (r + min(further, key=lambda o: abs(o - r))) / 2 if further \
                        else r + side * (abs(r - x) + abs(r) + 1)
                    if word_at(probe) != today:
                        found.append((abs(r - x) / x, order, name))
        if not found:
            return None, set()
        least = min(change for change, _, _ in found)
        return least, {name for change, _, name in found if change - least < F(1, 10**9)}


def bundle_figures(ref: Reference, members: list[Task], quotes: list[dict]) -> dict | None:
    V, T = ref.u * ref.E, ref.T
    hours = sum(t.n * t.h for t in members)
    count = sum(t.n for t in members)
    self_b = sum(t.self_cost for t in members)
    best = None
    for q in quotes:
        p, S = F(q["price"]) * ref.rate(q), F(q.get("setup_fee", 0)) * ref.rate(q)
        f, m, s = F(q.get("platform_fee", 0)), F(q.get("review_hours_each", 0)), F(
            q.get("setup_hours", 0))
        base = ref.base(q["basis"], p, F(1), hours)
        cash = base * (1 + f) + S / T
        out = cash + (count * m + s / T) * V
        figures = {"cash": cash, "out": out, "saving": self_b - out,
                   "freed": hours - count * m - s / T, "q": q, "self": self_b,
                   "m": m, "s": s, "hours": hours,
                   "recurring": F(0) if q["basis"] == "fixed" else base * (1 + f),
                   "one_off": S + (p * (1 + f) if q["basis"] == "fixed" else 0)}
        if best is None or (out, cash, q["row"]) < (best["out"], best["cash"], best["q"]["row"]):
            best = figures
    return best


def cents_apportioned(total: F, parts: list[F]) -> list[F]:
    """Largest remainders, in exact arithmetic: the cents of each part rounded down, the
    cents left over to the largest remainders, the first listed on a tie."""
    cents = int((total * 100 + F(1, 2)) // 1)
    scaled = [p * cents / sum(parts) if sum(parts) else F(0) for p in parts]
    whole = [int(x // 1) for x in scaled]
    left = cents - sum(whole)
    for i in sorted(range(len(parts)), key=lambda i: (-(scaled[i] - whole[i]), i))[:left]:
        whole[i] += 1
    return [F(w, 100) for w in whole]


def reference(settings: Settings, raw_tasks: list[dict], raw_quotes: list[dict]):
    ref = Reference(settings)
    tasks = []
    for row, r in enumerate(raw_tasks):
        n = ref.occurrences(F(r["frequency"]), r["per"])
        h = F(r["hours_each"])
        tasks.append(Task(row, r["task_id"], n, h, n * h * ref.u * ref.E,
                          r["expertise"] == "Core", r["still_needed"] == "Yes",
                          r["quality_critical"] == "Yes" and r["expertise"] != "Weak",
                          key(r["bundle"]) if r["bundle"] else None))
    by_id = {key(t.task_id): t for t in tasks}
    for q in raw_quotes:
        if key(q["task_id"]) in by_id:
            t = by_id[key(q["task_id"])]
            t.quotes.append(q | {"per": raw_tasks[t.row]["per"]})
    ref.decide(tasks)
    names = {}
    for t in tasks:
        if t.bundle:
            names.setdefault(t.bundle, raw_tasks[t.row]["bundle"].strip())
    bundles = {}
    for b, name in names.items():
        members = [t for t in tasks if t.bundle == b and t.needed and not t.core]
        quotes = [q for q in raw_quotes if key(q["task_id"]) == b
                  and q["basis"] != "per occurrence" and q.get("vendor_hours_each") is None]
        if not members:
            continue
        alone = sum(t.figures["out_cost"] if t.verdict in PAID else t.self_cost
                    for t in members)
        best = bundle_figures(ref, members, quotes) if quotes else None
        verdict = "NEEDS QUOTE" if best is None else ref.word(
            best["freed"], best["saving"], best["self"], any(t.quality_kept for t in members),
            (best["q"].get("kind") or "person") == "tool")
        won = verdict in PAID and best["out"] < alone
        bundles[b] = {"name": name, "verdict": verdict, "won": won, "alone": alone,
                      "best": best, "members": members}
        if won:
            share_out(ref, bundles[b], verdict)
    plan(settings, tasks, bundles)
    return tasks, bundles


def share_out(ref: Reference, bundle: dict, verdict: str) -> None:
    best, members = bundle["best"], bundle["members"]
    V, T = ref.u * ref.E, ref.T
    weights = [t.n * t.h / best["hours"] for t in members]
    cash = cents_apportioned(best["cash"], [w * best["cash"] for w in weights])
    outs = cents_apportioned(best["out"], [w * best["cash"] + (t.n * best["m"] + w * best["s"] / T)
                                           * V for t, w in zip(members, weights, strict=True)])
    for t, w, c, o in zip(members, weights, cash, outs, strict=True):
        t.verdict, t.margin, t.sensitive = verdict, None, set()
        t.figures = {"cash": c, "out_cost": o, "saving": t.self_cost - o,
                     "freed": t.n * (t.h - best["m"]) - w * best["s"] / T, "payback": None,
                     "best_vendor": best["q"]["vendor"], "in_bundle": bundle["name"]}


def plan(settings: Settings, tasks: list[Task], bundles: dict) -> None:
    items = []  # (sort key, cash, tasks)
    for t in tasks:
        if t.verdict in PAID and "in_bundle" not in t.figures:
            items.append((t.figures["saving"], t.figures["cash"], t.row, [t]))
    for b in bundles.values():
        if b["won"]:
            items.append((sum(t.figures["saving"] for t in b["members"]),
                          sum(t.figures["cash"] for t in b["members"]),
                          min(t.row for t in b["members"]), b["members"]))
    items.sort(key=lambda i: (i[1] > 0, -(i[0] / i[1]) if i[1] else 0, -i[0], i[2]))
    taken = F(0)
    for _saving, cash, _, members in items:
        fits = settings.monthly_budget is None or (taken + cash) / 12 <= F(settings.monthly_budget)
        taken += cash if fits else 0
        for t in members:
            t.plan = "in plan" if fits else "over budget"


# --- inputs binary floats hold exactly ---------------------------------------------------

settings_st = st.builds(
    Settings, hourly_worth=st.sampled_from([40, 100, 120, 250]),
    fill_rate=st.sampled_from([1, 0.75, 0.5]), horizon_years=st.sampled_from([1, 2, 4]),
    margin_pct=st.sampled_from([0, 0.25, 0.5]),
    monthly_budget=st.sampled_from([None, None, 0, 100, 250, 1000]),
    fragile_below=st.sampled_from([None, 0.125, 0.25]),
    exchange_rates=st.sampled_from([{}, {"EUR": 1.25}, {"EUR": 0.5}]))
task_st = st.fixed_dictionaries({
    "frequency": st.sampled_from([0, 1, 2, 3, 5, 12]), "per": st.sampled_from(PERS),
    "hours_each": st.sampled_from([0, 0.25, 0.5, 1, 2, 3, 4, 8]),
    "expertise": st.sampled_from(["Core", "Strong", "Weak", "Weak", "Weak"]),
    "quality_critical": st.sampled_from(["Yes", "No", "No"]),
    "still_needed": st.sampled_from(["Yes", "Yes", "Yes", "Yes", "Yes", "No"]),
    "bundle": st.sampled_from([None, "Admin", "admin ", "Errands"])})
quote_st = st.fixed_dictionaries({
    "to": st.sampled_from(["T0", "T1", "T2", "T3", "T6", "Admin", "Admin", "Errands"]),
    "price": st.sampled_from([0, 5, 10, 20, 25, 40, 90, 150, 300, 2000]),
    "basis": st.sampled_from(BASES), "review_hours_each": st.sampled_from([0, 0, 0.25, 0.5]),
    "setup_fee": st.sampled_from([0, 0, 100, 600]), "setup_hours": st.sampled_from([0, 0, 1, 4]),
    "platform_fee": st.sampled_from([0, 0, 0.25]),
    "vendor_hours_each": st.sampled_from([None, None, None, 0.5, 2]),
    "kind": st.sampled_from([None, "person", "agency", "tool"]),
    "currency": st.sampled_from([None, None, "EUR"])})


QUOTE_KEYS = ["task_id", "vendor", "price", "basis", "review_hours_each", "setup_fee",
              "setup_hours", "platform_fee", "vendor_hours_each", "kind", "currency"]


def close(expected: object, got: object) -> bool:
    missing = got is None or (isinstance(got, float) and math.isnan(got))
    if expected is None:
        return missing
    return not missing and float(got) == pytest.approx(float(expected), rel=1e-9, abs=1e-9)


def fills_version_2(settings: Settings, tasks: list[dict], quotes: list[dict]) -> bool:
    """A version 2 input holds something other than its blank's meaning."""
    return (settings.monthly_budget is not None or settings.fragile_below is not None
            or bool(settings.exchange_rates)
            or any(t["still_needed"] == "No" or t["bundle"] for t in tasks)
            or any(q["kind"] in ("agency", "tool") or q["currency"] for q in quotes))


def _task(frequency: float, per: str, hours: float, expertise: str, bundle: str | None) -> dict:
    return {"frequency": frequency, "per": per, "hours_each": hours, "expertise": expertise,
            "quality_critical": "No", "still_needed": "Yes", "bundle": bundle}


def _bundle_quote(price: float, basis: str, review: float, fee: float, hours: float) -> dict:
    return {"to": "Admin", "price": price, "basis": basis, "review_hours_each": review,
            "setup_fee": fee, "setup_hours": hours, "platform_fee": 0,
            "vendor_hours_each": None, "kind": None, "currency": None}


# Bundles whose members' cents tie in exact figures (floating point once broke the tie
# the other way: 714.28 for 714.29, 30.71 for 30.72, 0.80 for 0.81).
@example(Settings(hourly_worth=40, fill_rate=1, horizon_years=1, margin_pct=0),
         [_task(0, "day", 0, "Core", None), _task(1, "month", 2, "Strong", "Admin"),
          _task(5, "month", 0.25, "Strong", "Admin"), _task(1, "month", 0.25, "Strong", "Admin")],
         [_bundle_quote(5, "per day", 0, 0, 0)])
@example(Settings(hourly_worth=120, fill_rate=0.75, horizon_years=4, margin_pct=0),
         [_task(1, "year", 8, "Strong", "Admin"), _task(5, "year", 8, "Weak", "Admin"),
          _task(5, "month", 2, "Strong", "Admin")],
         [_bundle_quote(0, "per hour", 0.25, 600, 1)])
@example(Settings(hourly_worth=40, fill_rate=1, horizon_years=1, margin_pct=0),
         [_task(1, "year", 1, "Strong", "Admin"), _task(5, "quarter", 3, "Strong", "Admin"),
          _task(1, "day", 0.5, "Strong", "Admin")],
         [_bundle_quote(150, "per year", 0, 0, 0)])
@hsettings(max_examples=800, deadline=None)
@given(settings_st, st.lists(task_st, min_size=1, max_size=7), st.lists(quote_st, max_size=12))
def test_version_2_as_the_rule_book_says(settings, raw_tasks, raw_quotes):
    raw_tasks = [t | {"task_id": f"T{i}", "task": f"Task {i}"} for i, t in enumerate(raw_tasks)]
    raw_quotes = [{k: v for k, v in q.items() if k != "to"} | {
        "task_id": q["to"], "vendor": f"V{i}", "row": i} for i, q in enumerate(raw_quotes)]
    d = api.decide(settings, pd.DataFrame(raw_tasks),
                   pd.DataFrame([{k: v for k, v in q.items() if k != "row"} for q in raw_quotes],
                                columns=QUOTE_KEYS, dtype=object))
    usable = [q for q, problem in zip(raw_quotes, d.quotes["problem"], strict=True)
              if problem is None]
    tasks, bundles = reference(settings, raw_tasks, usable)
    version2 = fills_version_2(settings, raw_tasks, raw_quotes)
    assert d.version2 == version2
    for t, (_, row) in zip(tasks, d.tasks.iterrows(), strict=True):
        where = f"{t.task_id}: {row['reason']}"
        assert row["verdict"] == t.verdict, where
        for name, value in t.figures.items():
            if name == "in_bundle":
                assert bundles[key(row["in_bundle"])]["name"] == value, where
            elif name == "best_vendor":
                assert (None if pd.isna(row[name]) else row[name]) == value, where
            else:
                assert close(value, row[name]), (where, name, value, row[name])
        assert close(t.margin, row["margin"]), (where, t.margin, row["margin"])
        if t.margin is not None and abs(float(t.margin) - settings.fragile_limit) > 1e-9:
            assert row["fragile"] == (version2 and t.margin < settings.fragile_limit), where
            assert ("(fragile: " in row["reason"]) == row["fragile"], where
        assert (None if pd.isna(row["plan"]) else row["plan"]) == t.plan, where
        if t.sensitive:
            assert row["sensitive_to"] in t.sensitive, (where, t.sensitive)
        else:
            assert pd.isna(row["sensitive_to"]), where
    for feature in _features(d):
        event(feature)  # pytest --hypothesis-show-statistics: how often each was tried
    table = d.bundles
    assert set(table.index) == set(bundles)
    for b, mine in bundles.items():
        assert table.at[b, "verdict"] == mine["verdict"] and table.at[b, "won"] == mine["won"]
        assert close(mine["alone"], table.at[b, "alone"])
        if mine["won"]:  # the members add up to the bundle, to the cent
            members = d.tasks[d.tasks["in_bundle"] == b]
            for column in ("cash", "out_cost"):
                assert round(members[column].sum() * 100) == round(
                    float(mine["best"]["cash" if column == "cash" else "out"]) * 100 + 1e-9)


def _features(d) -> set[str]:
    t = d.tasks
    return ({f"verdict {v}" for v in t["verdict"]} | {f"plan {p}" for p in t["plan"].dropna()}
            | {f"bundle won {w}" for w in d.bundles["won"]}
            | ({"fragile"} if t["fragile"].any() else set())
            | {f"sensitive to {x}" for x in t["sensitive_to"].dropna()}
            | ({"payback"} if (t["payback"] > 0).any() else set()))


# --- the budget plan alone, where budgets bind often ---------------------------------------

@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["OUTSOURCE", "AUTOMATE", "KEEP"]),
                          st.sampled_from([0, 100, 250, 1000, 3000]),
                          st.sampled_from([0, 600, 1200, 2400, 6000])), min_size=1, max_size=9),
       st.sampled_from([None, 0, 50, 100, 275, 500]))
def test_budget_plan_as_the_rule_book_says(rows, budget):
    from xlsheet_outsource.engine import plan as engine_plan

    t = pd.DataFrame([{"verdict": v, "task_id": f"T{i}", "task": f"Task {i}", "saving": save,
                       "cash": cash, "in_bundle": None} for i, (v, save, cash) in enumerate(rows)])
    order = engine_plan.budget_plan(budget, t, pd.DataFrame(columns=["name"]))
    tasks = [Task(i, f"T{i}", F(0), F(0), F(0), False, True, False, None,
                  figures={"saving": F(save), "cash": F(cash)}, verdict=v)
             for i, (v, save, cash) in enumerate(rows)]
    plan(Settings(hourly_worth=1, monthly_budget=budget), tasks, {})
    assert list(engine_plan.plan_column(t, order)) == [x.plan for x in tasks]
