"""A realistic synthetic data set in the layout of SPEC §1, deterministic for a seed.

The business is a subscription service with a shop for add-ons, selling to consumers, small businesses
(smb) and enterprises. Customers arrive through channels and referrals, most subscribe, some order, and
they leave after lifetimes of their own (some come back); tickets spread over channels, teams and agents
with skewed response and resolution times; CSAT and CES (on different scales) depend on how long the
ticket took; NPS differs by segment; web sessions and carts lead to some of the orders. Records change in
later extracts (tickets are resolved, orders refunded, carts bought, subscriptions end) and a small share
of rows is dirty. Everything is generated with numpy arrays, never a loop over customers.

The headline figures are calibrated to public benchmarks (see ``BENCHMARKS``), so that the demo's first
numbers look like a business and not like noise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SEGMENTS = np.array(["consumer", "smb", "enterprise"])
SEGMENT_SHARE = [0.7, 0.22, 0.08]
REGIONS = np.array(["na", "emea", "apac", "latam"])
REGION_CURRENCY = {"na": "USD", "emea": "EUR", "apac": "USD", "latam": "USD"}
ACQUISITION = np.array(["search", "ads", "social", "email", "referral"])
TEAMS = np.array(["billing", "technical", "general"])
TICKET_CHANNELS = np.array(["email", "chat", "phone", "web"])
ORDER_CHANNELS = np.array(["web", "app", "store"])
PLANS = np.array(["basic", "standard", "premium"])
PLAN_PRICE = np.array([19.0, 49.0, 99.0])
DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")


@dataclasses.dataclass(frozen=True)
class Benchmark:
    low: float
    high: float
    source: str


BENCHMARKS = {
    "csat_pct": Benchmark(75, 90, "ACSI-based CSAT benchmarks: 75–85 % is good in most industries, "
                                  "e-commerce 80–82 %, B2B software 78 %"),
    "nps": Benchmark(20, 50, "B2B SaaS NPS: median about +36, SMB above enterprise (Retently, Userpilot, "
                             "CustomerGauge; GTMStack 2026: SMB +42, enterprise +32)"),
    "ces_avg": Benchmark(1.6, 2.8, "CES on 1–5, low = easy: the seeds' example averages 2.2; 4 or more on a "
                                   "1–5 ease scale (2 or less here) is good"),
    "ces_easy_pct": Benchmark(60, 80, "the seeds' CES example: 70 % easy"),
    "churn_rate": Benchmark(1, 6, "monthly logo churn: SMB 3–5 %, enterprise 0.7–2 %, consumer subscriptions "
                                  "5–10 % (SaaS churn benchmarks 2026; Recurly: B2B 5 %, B2C 7 %)"),
    "first_response_hours_median": Benchmark(0.25, 12, "first response: e-mail 12 h on average and good under "
                                                       "4 h, live chat under 2 min (SuperOffice, Zendesk)"),
    "resolution_hours_median": Benchmark(1, 24, "B2B SaaS median resolution under 24 h; e-mail 12–24 h, chat "
                                                "minutes"),
    "conversion_rate": Benchmark(1, 4, "e-commerce sessions to orders: 1–4 %, about 2.5 % on average "
                                       "(Monetate, Invesp)"),
    "cart_abandonment_rate": Benchmark(60, 80, "Baymard Institute: 70.19 % average documented abandonment"),
}
"""The range each headline figure of a generated data set falls in (dimension 'all', whole months of a few
thousand customers), and the public benchmark it is calibrated to."""

ACTIVATION = 0.7
"""Share of the CRM's customers who ever subscribe or buy; the rest signed up for a trial and never did
(they still write to support). It keeps the active base near half the CRM, as in a real one."""

# Per segment: consumer, smb, enterprise.
LIFETIME_DAYS = np.array([600.0, 1000.0, 2500.0])
"""Mean customer lifetime: monthly churn about 30 / lifetime, i.e. 5 %, 3 % and 1.2 %."""
SUBSCRIBER_SHARE = np.array([0.85, 0.92, 0.97])
PLAN_MIX = np.array([[0.7, 0.25, 0.05], [0.3, 0.5, 0.2], [0.05, 0.35, 0.6]])
ORDERS_PER_MONTH = np.array([0.14, 0.18, 0.23])
"""Median add-on orders per customer and month (lognormal across customers)."""
TICKETS_PER_MONTH = np.array([0.3, 0.45, 0.8])
NPS_ANSWERS_PER_DAY = 0.35 / 90
"""A relationship NPS survey each quarter, answered by about a third of the customers."""
NPS_SHARES = np.array([[0.46, 0.18], [0.53, 0.11], [0.47, 0.14]])
"""(promoters, detractors) among NPS answers: NPS +28, +42 and +33."""

CONVERSION = 0.028
"""Share of web sessions that lead to an order."""
CART_ABANDONMENT = 0.70
FIRST_RESPONSE_HOURS = np.array([3.0, 0.03, 0.05, 4.0])
"""Median hours to the first response by ticket channel: email, chat, phone, web form."""
RESOLUTION_HOURS = np.array([14.0, 0.5, 0.4, 18.0])
"""Median hours of work after the first response, by channel; the technical team takes longer."""

FORMATS = {
    "crm/customers": "csv", "crm/subscriptions": "csv", "crm/nps_responses": "csv",
    "helpdesk/tickets": "jsonl", "helpdesk/surveys": "csv",
    "ecommerce/orders": "csv.gz", "ecommerce/carts": "csv", "ecommerce/sessions": "parquet",
    "ecommerce/referrals": "jsonl", "reference/fx_rates": "csv",
}


@dataclasses.dataclass
class GenerationSummary:
    files: int
    rows: dict[str, int]
    dirty_rows: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


LAYOUTS = ("section1", "vendors", "section1_as_vendors")
"""``section1``: every table in the layout of SPEC §1. ``vendors``: customers, subscriptions, NPS and CES
answers, tickets, CSAT answers, orders and carts as HubSpot, Stripe, Qualtrics, Zendesk and Shopify objects
(SPEC §6), sessions, referrals and exchange rates in SPEC §1 layout. ``section1_as_vendors``: the same data as
``vendors`` (only what the vendors can say), all in SPEC §1 layout."""


def generate(out: Path, start: dt.date, end: dt.date, customers: int, seed: int,
             dirty_share: float = 0.002, layout: str = "section1") -> GenerationSummary:
    """Write a data set for extract dates start..end into ``out``, in one of the ``LAYOUTS``."""
    from cx_pipeline import generate_vendors

    if end < start:
        raise ValueError("--end is before --start")
    g = _Generator(np.random.default_rng(seed), start, end, customers)
    tables = {path: _one_version_per_day(path, frame) for path, frame in g.build().items()}
    if layout != "section1":
        tables = generate_vendors.vendor_expressible(tables)
    dirty = 0
    if dirty_share > 0:
        dirty = _make_dirty(g.rng, tables, dirty_share)
    files = 0
    if layout == "vendors":
        objects = generate_vendors.vendor_objects(tables, g.start)
        files += generate_vendors.write_objects(Path(out), objects, g.start)
        rows = {path: len(dated) for path, dated in objects.items()}
        tables = generate_vendors.beside_vendor_objects(tables)
    else:
        rows = {}
    for path, frame in tables.items():
        files += _write_by_extract_date(Path(out), path, frame, g.start)
    return GenerationSummary(files, {**rows, **{p: len(f) for p, f in tables.items()}}, dirty)


class _Generator:
    def __init__(self, rng: np.random.Generator, start: dt.date, end: dt.date, n: int):
        self.rng = rng
        self.start = np.datetime64(start, "D")
        self.days = (end - start).days + 1
        self.end = self.start + self.days * DAY  # exclusive
        self.n = n

    def _at(self, day_offsets: np.ndarray) -> np.ndarray:
        """Timestamps at a random second of the given day offsets from start (may be fractional)."""
        seconds = (np.asarray(day_offsets, dtype="float64") * 86400).astype("int64")
        jitter = self.rng.integers(0, 86400, len(seconds)) if np.all(np.mod(day_offsets, 1) == 0) else 0
        return self.start.astype("datetime64[s]") + (seconds + jitter) * SECOND

    def build(self) -> dict[str, pd.DataFrame]:
        rng, n = self.rng, self.n
        ids = np.array([f"C{i:07d}" for i in range(n)])
        # A third of the base existed before the first day; the rest arrive over the period.
        signup = np.where(rng.random(n) < 0.33, -rng.integers(1, 365, n), rng.integers(0, self.days, n))
        tier = rng.choice(3, n, p=SEGMENT_SHARE)
        segment = SEGMENTS[tier]
        region = REGIONS[rng.choice(4, n, p=[0.45, 0.3, 0.15, 0.1])]
        acquisition = ACQUISITION[rng.choice(5, n, p=[0.3, 0.2, 0.15, 0.15, 0.2])]
        referred_by = np.where((acquisition == "referral") & (np.arange(n) > 0),
                               ids[(rng.random(n) * np.maximum(np.arange(n), 1)).astype(int)], None)
        churn_day = signup + rng.exponential(LIFETIME_DAYS[tier])
        comes_back = rng.random(n) < 0.15
        return_day = churn_day + rng.integers(30, 150, n)
        return_end = return_day + rng.exponential(120, n)
        activated = rng.random(n) < ACTIVATION
        rate = rng.lognormal(np.log(ORDERS_PER_MONTH[tier]), 0.8) * activated

        created_at = self._at(signup)
        customers = pd.DataFrame({
            "customer_id": ids, "email": [f"user{i}@example.com" for i in range(n)],
            "phone": None, "created_at": created_at, "segment": segment, "region": region,
            "referred_by_customer_id": referred_by, "updated_at": created_at,
            "_day": np.maximum(signup, 0),
        })
        # Some customers change segment later: a second version in a later extract. A move that falls after the
        # last day is not in the data set (piled onto the last day, it made that night unlike any other).
        moved = np.flatnonzero(rng.random(n) < 0.03)
        moved_day = np.maximum(signup[moved], 0) + rng.integers(10, 200, len(moved))
        moved_to, moved_at = SEGMENTS[rng.choice(3, len(moved))], self._at(moved_day)
        within = moved_day < self.days
        later = customers.iloc[moved[within]].copy()
        later["segment"], later["updated_at"], later["_day"] = moved_to[within], moved_at[within], moved_day[within]
        customers = pd.concat([customers, later], ignore_index=True)

        orders = self._orders(ids, signup, churn_day, comes_back, return_day, return_end, rate, region)
        subscriptions = self._subscriptions(ids, signup, churn_day, tier, region, activated)
        tickets, surveys = self._support(ids, signup, churn_day, tier)
        carts, sessions = self._funnel(orders, ids)
        return {
            "crm/customers": customers,
            "crm/subscriptions": subscriptions,
            "crm/nps_responses": self._nps(ids, signup, churn_day, tier, activated),
            "helpdesk/tickets": tickets,
            "helpdesk/surveys": surveys,
            "ecommerce/orders": orders,
            "ecommerce/carts": carts,
            "ecommerce/sessions": sessions,
            "ecommerce/referrals": self._referrals(ids, signup, referred_by),
            "reference/fx_rates": self._fx_rates(),
        }

    def _spread(self, first: np.ndarray, last: np.ndarray, per_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Events of a Poisson process per customer between first and last (clipped to the period)."""
        first = np.clip(first, 0, self.days)
        last = np.clip(last, 0, self.days)
        span = np.maximum(last - first, 0)
        counts = self.rng.poisson(per_day * span)
        owner = np.repeat(np.arange(len(first)), counts)
        offset = first[owner] + self.rng.random(len(owner)) * span[owner]
        return owner, offset

    def _orders(self, ids, signup, churn_day, comes_back, return_day, return_end, rate, region) -> pd.DataFrame:
        rng = self.rng
        owner1, day1 = self._spread(signup, churn_day, rate / 30)
        owner2, day2 = self._spread(np.where(comes_back, return_day, 0), np.where(comes_back, return_end, 0), rate / 30)
        owner, day = np.concatenate([owner1, owner2]), np.concatenate([day1, day2])
        m = len(owner)
        ordered_at = self._at(day)
        status = np.where(rng.random(m) < 0.06, "cancelled", "completed")
        currency = np.array([REGION_CURRENCY[r] for r in region])[owner]
        currency = np.where((currency == "EUR") & (rng.random(m) < 0.3), "GBP", currency)
        currency = np.where((region[owner] == "na") & (rng.random(m) < 0.1), "CAD", currency)
        guest = rng.random(m) < 0.06
        emails = np.char.add(np.char.add("user", owner.astype(str)), "@example.com")
        # Guests give an e-mail only: most match a CRM customer (in other case and spacing), some are new.
        shown_email = np.where(rng.random(m) < 0.5, np.char.upper(emails), np.char.add("  ", emails))
        unknown = rng.random(m) < 0.3
        shown_email = np.where(unknown, np.char.add(np.char.add("guest", np.arange(m).astype(str)), "@mail.test"),
                               shown_email)
        frame = pd.DataFrame({
            "order_id": np.char.add("O", np.arange(m).astype(str)),
            "ordered_at": ordered_at,
            "updated_at": ordered_at,
            "status": status,
            "amount": np.round(rng.lognormal(np.log(45), 0.7, m), 2),
            "currency": currency,
            "customer_id": np.where(guest, None, ids[owner]),
            "customer_email": np.where(guest, shown_email, None),
            "channel": ORDER_CHANNELS[rng.choice(3, m, p=[0.55, 0.35, 0.1])],
            "is_upsell": rng.random(m) < 0.12,
            "_day": np.floor(day).astype(int),
        })
        frame = frame[(frame["_day"] >= 0) & (frame["_day"] < self.days)]
        # Some completed orders are refunded a few days later: a second version in a later extract.
        refunded = frame[(frame["status"] == "completed") & (rng.random(len(frame)) < 0.04)].copy()
        refunded["_day"] = refunded["_day"] + rng.integers(1, 20, len(refunded))
        refunded["status"] = "refunded"
        refunded["updated_at"] = self._at(refunded["_day"].to_numpy())
        refunded = refunded[refunded["_day"] < self.days]
        return pd.concat([frame, refunded], ignore_index=True)

    def _subscriptions(self, ids, signup, churn_day, tier, region, activated) -> pd.DataFrame:
        rng = self.rng
        who = np.flatnonzero(activated & (rng.random(self.n) < SUBSCRIBER_SHARE[tier]))
        k = len(who)
        start = signup[who] + rng.integers(0, 20, k)
        plan = (rng.random(k)[:, None] > np.cumsum(PLAN_MIX[tier[who]], axis=1)).sum(axis=1)
        started_at = self._at(start)
        ended_day = np.floor(churn_day[who]).astype(int)
        base = pd.DataFrame({
            "subscription_id": np.char.add("S", np.arange(k).astype(str)),
            "customer_id": ids[who],
            "started_at": started_at,
            "updated_at": started_at,
            "ended_at": pd.NaT,
            "plan": PLANS[plan],
            "monthly_amount": PLAN_PRICE[plan],
            "currency": np.array([REGION_CURRENCY[r] for r in region])[who],
            "_day": np.maximum(start, 0),
        })
        base = base[base["_day"] < self.days]
        # A subscription that ended before the first day is in the first extract with its own end date:
        # the CRM's first export holds the past as it was, not every old customer leaving on day one.
        ends = (ended_day < self.days) & (ended_day > start)
        ended = base[ends[base.index]].copy()
        ended["ended_at"] = self._at(ended_day[ended.index])
        ended["updated_at"] = ended["ended_at"]
        ended["_day"] = np.maximum(ended_day[ended.index], 0)
        return pd.concat([base, ended], ignore_index=True)

    def _support(self, ids, signup, churn_day, tier) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng = self.rng
        owner, day = self._spread(signup, np.minimum(churn_day + 20, self.days), TICKETS_PER_MONTH[tier] / 30)
        m = len(owner)
        channel = rng.choice(4, m, p=[0.45, 0.25, 0.1, 0.2])
        team = rng.choice(3, m, p=[0.35, 0.45, 0.2])
        agent_number = team * 10 + rng.integers(0, 10, m)
        # Agents differ in speed (some are much slower); the technical team needs longer to resolve.
        agent_speed = np.exp(np.random.default_rng(7).normal(0, 0.4, 30))[agent_number]
        response_hours = rng.lognormal(np.log(FIRST_RESPONSE_HOURS[channel]), 1.0) * agent_speed
        team_pace = np.array([0.8, 1.6, 0.7])[team]
        work_hours = rng.lognormal(np.log(RESOLUTION_HOURS[channel]), 1.0) * agent_speed * team_pace
        resolution_hours = response_hours + work_hours
        created = self._at(day)
        first_response = created + (response_hours * 3600).astype("int64") * SECOND
        resolved = created + (resolution_hours * 3600).astype("int64") * SECOND
        resolved_day = day + resolution_hours / 24
        is_resolved = (resolved_day < self.days) & (rng.random(m) < 0.95)
        by_email = rng.random(m) < 0.3
        emails = np.char.add(np.char.add(" User", owner.astype(str)), "@Example.com ")
        opened = pd.DataFrame({
            "ticket_id": np.char.add("T", np.arange(m).astype(str)),
            "created_at": created, "updated_at": created,
            "customer_id": np.where(by_email, None, ids[owner]),
            "requester_email": np.where(by_email, emails, None),
            "channel": np.array(["E-mail", "chat", "phone", "web"])[channel],
            "agent_id": np.char.add("A", agent_number.astype(str)),
            "team": TEAMS[team],
            "priority": np.array(["low", "normal", "high", "urgent"])[rng.choice(4, m, p=[0.3, 0.5, 0.15, 0.05])],
            "status": "open", "first_response_at": pd.NaT, "resolved_at": pd.NaT,
            "_day": np.floor(day).astype(int),
        })
        closed = opened[is_resolved].copy()
        closed["status"] = "solved"
        closed["first_response_at"] = first_response[is_resolved]
        closed["resolved_at"] = resolved[is_resolved]
        closed["updated_at"] = resolved[is_resolved]
        closed["_day"] = np.floor(resolved_day[is_resolved]).astype(int)
        tickets = pd.concat([opened, closed], ignore_index=True)
        return tickets, self._surveys(closed)

    def _surveys(self, closed: pd.DataFrame) -> pd.DataFrame:
        """CSAT and CES answers to a third of the resolved tickets, on 5-, 7- and 10-point scales: the longer
        a ticket took, the fewer satisfied and the fewer easy answers."""
        rng = self.rng
        answered = closed[rng.random(len(closed)) < 0.35]
        k = len(answered)
        hours = ((answered["resolved_at"] - answered["created_at"]).dt.total_seconds() / 3600).to_numpy()
        slowness = np.log2(1 + hours)
        is_csat = rng.random(k) < 0.6
        good = rng.random(k) < np.where(is_csat, np.clip(0.93 - 0.03 * slowness, 0.5, 0.97),
                                        np.clip(0.82 - 0.035 * slowness, 0.4, 0.95))
        ten_point = rng.random(k) < 0.3
        scale_min = np.where(is_csat & ten_point, 0, 1)
        scale_max = np.where(is_csat, np.where(ten_point, 10, 5), np.where(ten_point, 7, 5))
        score = np.zeros(k, dtype=int)
        for low, high in {(0, 10), (1, 5), (1, 7)}:
            for csat in (True, False):
                for answer_is_good in (True, False):
                    picked = np.flatnonzero((scale_min == low) & (scale_max == high) & (is_csat == csat)
                                            & (good == answer_is_good))
                    score[picked] = _scores(rng, len(picked), low, high, csat, answer_is_good)
        responded_day = answered["_day"].to_numpy() + rng.integers(0, 4, k)
        surveys = pd.DataFrame({
            "response_id": np.char.add("R", np.arange(k).astype(str)),
            "survey_type": np.where(is_csat, "csat", "ces"),
            # Survey tool writes local time without an offset (read in the source time zone).
            "responded_at": self._at(responded_day).astype("datetime64[s]").astype(str),
            "score": score, "scale_min": scale_min, "scale_max": scale_max,
            "ticket_id": answered["ticket_id"].to_numpy(),
            "customer_id": None, "requester_email": None, "channel": None, "comment": None,
            "_day": responded_day,
        })
        surveys["responded_at"] = surveys["responded_at"].str.replace("T", " ")
        return surveys[surveys["_day"] < self.days]

    def _nps(self, ids, signup, churn_day, tier, activated) -> pd.DataFrame:
        rng = self.rng
        owner, day = self._spread(signup, np.minimum(churn_day, self.days), activated * NPS_ANSWERS_PER_DAY)
        m = len(owner)
        promoters, detractors = NPS_SHARES[tier[owner]].T
        draw = rng.random(m)
        score = np.where(draw < promoters, rng.choice([9, 10], m, p=[0.45, 0.55]),
                         np.where(draw < promoters + detractors,
                                  rng.choice(7, m, p=[0.03, 0.03, 0.05, 0.09, 0.15, 0.25, 0.40]),
                                  rng.choice([7, 8], m, p=[0.45, 0.55])))
        return pd.DataFrame({
            "response_id": np.char.add("N", np.arange(m).astype(str)),
            "customer_id": ids[owner], "responded_at": self._at(day), "score": score,
            "channel": np.array(["email", "app", "web"])[rng.choice(3, m, p=[0.6, 0.25, 0.15])],
            "comment": None, "_day": np.floor(day).astype(int),
        })

    def _funnel(self, orders: pd.DataFrame, ids) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Carts of the web and app orders beside the carts abandoned (CART_ABANDONMENT of all), and web
        sessions: one per web order beside the sessions that bought nothing (CONVERSION of all). A cart
        and a session are not linked in the extracts, so they are two separate rates, not one funnel."""
        rng = self.rng
        first = orders.drop_duplicates("order_id")
        first = first[first["channel"] != "store"]
        m = len(first)
        extra = int(m * CART_ABANDONMENT / (1 - CART_ABANDONMENT))
        # Carts and sessions that bought nothing follow the orders over time, so both rates hold steady
        # while the base grows.
        abandoned_day = rng.choice(first["_day"].to_numpy(), extra) if m else np.zeros(0, dtype=int)
        who = rng.integers(0, self.n, extra)
        created = np.concatenate([first["ordered_at"].to_numpy() - rng.integers(60, 3600, m) * SECOND,
                                  self._at(abandoned_day)])
        day = np.concatenate([first["_day"].to_numpy(), abandoned_day])
        carts = pd.DataFrame({
            "cart_id": np.char.add("K", np.arange(m + extra).astype(str)),
            "created_at": created, "updated_at": created,
            "customer_id": np.concatenate([first["customer_id"].to_numpy(), ids[who]]),
            "customer_email": np.concatenate([first["customer_email"].to_numpy(), np.full(extra, None)]),
            "order_id": None, "_day": day,
        })
        bought = carts.iloc[:m].copy()
        bought["order_id"] = first["order_id"].to_numpy()
        bought["updated_at"] = first["ordered_at"].to_numpy()
        carts = pd.concat([carts, bought], ignore_index=True)

        web = first[first["channel"] == "web"]
        w = len(web)
        visits = int(w * (1 - CONVERSION) / CONVERSION)
        visit_day = rng.choice(web["_day"].to_numpy(), visits) if w else np.zeros(0, dtype=int)
        sessions = pd.DataFrame({
            "session_id": np.char.add("W", np.arange(w + visits).astype(str)),
            "started_at": np.concatenate([web["ordered_at"].to_numpy() - rng.integers(120, 3600, w) * SECOND,
                                          self._at(visit_day)]),
            "customer_id": np.concatenate([web["customer_id"].to_numpy(), np.where(
                rng.random(visits) < 0.6, None, ids[rng.integers(0, self.n, visits)])]),
            "customer_email": None,
            "order_id": np.concatenate([web["order_id"].to_numpy(), np.full(visits, None)]),
            "_day": np.concatenate([web["_day"].to_numpy(), visit_day]),
        })
        return carts, sessions

    def _referrals(self, ids, signup, referred_by) -> pd.DataFrame:
        rng = self.rng
        referred = np.flatnonzero(referred_by != None)  # noqa: E711 - numpy element-wise comparison
        converted = pd.DataFrame({
            "referrer_customer_id": referred_by[referred],
            "sent_at": self._at(signup[referred] - rng.integers(1, 15, len(referred))),
            "invitee_email": np.char.add(np.char.add("user", referred.astype(str)), "@example.com"),
            "signed_up_customer_id": ids[referred],
        })
        k = len(referred) * 2
        sent_day = rng.integers(0, self.days, k)
        unconverted = pd.DataFrame({
            "referrer_customer_id": ids[rng.integers(0, self.n, k)], "sent_at": self._at(sent_day),
            "invitee_email": np.char.add(np.char.add("friend", np.arange(k).astype(str)), "@mail.test"),
            "signed_up_customer_id": None,
        })
        frame = pd.concat([converted, unconverted], ignore_index=True)
        frame.insert(0, "referral_id", np.char.add("F", np.arange(len(frame)).astype(str)))
        frame["_day"] = ((frame["sent_at"].to_numpy() - self.start.astype("datetime64[s]")) // DAY).astype(int)
        return frame[(frame["_day"] >= 0) & (frame["_day"] < self.days)]

    def _fx_rates(self) -> pd.DataFrame:
        rng = self.rng
        frames = []
        for currency, level in (("EUR", 1.08), ("GBP", 1.27), ("CAD", 0.74)):
            walk = level * np.exp(np.cumsum(rng.normal(0, 0.004, self.days)))
            frames.append(pd.DataFrame({
                "date": (self.start + np.arange(self.days) * DAY).astype(str),
                "currency": currency, "rate_to_base": np.round(walk, 6), "_day": np.arange(self.days),
            }))
        # The first extract also carries the rates of the year before, so that older records convert.
        history = [f.iloc[[0]].assign(date=str(self.start - 400 * DAY), _day=0) for f in frames]
        return pd.concat(history + frames, ignore_index=True)


def _scores(rng: np.random.Generator, count: int, low: int, high: int, csat: bool, good: bool) -> np.ndarray:
    """``count`` scores on the scale low..high that are all satisfied (CSAT, position ≥ 0.75) or all easy
    (CES with low = easy, position ≤ 0.25) when ``good``, else all not; the SPEC §4 thresholds. Answers lean
    to the good end of their side: a satisfied answer is more often the top score, an unsatisfied one
    more often just below the line."""
    points = np.arange(low, high + 1)
    position = (points - low) / (high - low)
    if csat:
        side, lean = (position >= 0.75, position) if good else (position < 0.75, position)
    else:
        side, lean = (position <= 0.25, 1 - position) if good else (position > 0.25, 1 - position)
    weights = np.where(side, 0.5 + lean, 0.0)
    return rng.choice(points, count, p=weights / weights.sum())


def _one_version_per_day(path: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A daily extract carries each record once, in its state at the end of that day."""
    key = ["date", "currency"] if path == "reference/fx_rates" else [frame.columns[0], "_day"]
    return frame.drop_duplicates(key, keep="last")


def _make_dirty(rng: np.random.Generator, tables: dict[str, pd.DataFrame], share: float) -> int:
    """Break a small share of rows the ways SPEC §3 lists; each becomes a quarantined row."""
    breakers = {
        "crm/nps_responses": [("score", 11), ("customer_id", None)],
        "helpdesk/surveys": [("responded_at", "yesterday-ish")],
        "ecommerce/orders": [("amount", -5.0), ("currency", "XYZ")],
        "helpdesk/tickets": [("created_at", "not a timestamp")],
    }
    dirty = 0
    for path, rules in breakers.items():
        frame = tables[path].astype({c: "object" for c, _ in rules})
        picks = np.flatnonzero(rng.random(len(frame)) < share)
        for i, row in enumerate(picks):
            column, value = rules[i % len(rules)]
            frame.iat[row, frame.columns.get_loc(column)] = value
        dirty += len(picks)
        # One duplicated key within a file.
        if len(frame):
            frame = pd.concat([frame, frame.iloc[[len(frame) // 2]]], ignore_index=True)
            dirty += 2
        tables[path] = frame
    return dirty


def _write_by_extract_date(out: Path, path: str, frame: pd.DataFrame, first_day: np.datetime64) -> int:
    """One file per extract date; ``_day`` is the extract date as days after ``first_day``."""
    folder = out / path
    folder.mkdir(parents=True, exist_ok=True)
    fmt = FORMATS[path]
    frame = frame.sort_values("_day", kind="stable")
    days = frame.pop("_day").to_numpy()
    table = _as_text_friendly(frame)
    boundaries = np.flatnonzero(np.diff(days)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(days)]])
    written = 0
    for a, b in zip(starts, ends):
        if a == b:
            continue
        date = (first_day + int(days[a]) * DAY).astype(str)
        part = table.slice(a, b - a)
        target = folder / f"{date}.{fmt}"
        if fmt == "csv":
            pacsv.write_csv(part, target)
        elif fmt == "csv.gz":
            with pa.CompressedOutputStream(str(target), "gzip") as stream:
                pacsv.write_csv(part, stream)
        elif fmt == "parquet":
            pq.write_table(part, target)
        else:
            part.to_pandas().to_json(target, orient="records", lines=True, date_format="iso")
        written += 1
    return written


def _as_text_friendly(frame: pd.DataFrame) -> pa.Table:
    """Timestamps as ISO 8601 text with an offset (UTC, 'Z'), the way the source systems write them."""
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            columns[name] = text.where(values.notna(), None)
        else:
            columns[name] = values
    return pa.Table.from_pydict({name: _text_array(values) for name, values in columns.items()})


def _text_array(values: pd.Series) -> pa.Array:
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a dirty value of another type in the column
        array = pa.array([None if v is None or v != v else str(v) for v in values], type=pa.string())
    return array if pa.types.is_string(array.type) else array.cast(pa.string())
