"""Policies and premium receipts.

A policy's whole future is decided when it is signed (cooling-off cancellation, the
second and later annual premiums paid on time / late / very late / never, surrender,
lapse, maturity of a short-term cover) and queued as *items* in the month they happen;
each month books the items that fall in it into POLICY status rows and RECEIPT rows.
Monthly-pay policies keep a compact in-force list instead and book one instalment a
month (PayCount 1 for the first twelve, 2 for the next twelve) until they lapse.
Amounts are int64 cents throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from amisdw.generate import config
from amisdw.generate.dates import NULL_DAY, abs_month, add_months, add_years

RISK_TYPE = np.array([p.risk_type for p in config.PRODUCTS])
PAY_INTV = np.array([p.pay_intv for p in config.PRODUCTS], dtype=np.int64)
PAY_YEARS = np.array([p.pay_years for p in config.PRODUCTS], dtype=np.int64)
FYC_RATE = np.array([p.fyc_rate for p in config.PRODUCTS])
SCALE = np.array([p.scale for p in config.PRODUCTS])
WEIGHT = np.array([p.weight for p in config.PRODUCTS]) / sum(p.weight for p in config.PRODUCTS)
RISK_CODE = np.array([p.risk_code for p in config.PRODUCTS])
STD_FACTOR = np.array(
    [config.standard_factor(p.risk_type, p.pay_intv, p.pay_years) for p in config.PRODUCTS]
)

# item kinds
FIRST, WT, RENEW, CT, LAPSE, MATURE = 1, 2, 3, 4, 5, 6
_STATUS = {WT: "2", CT: "3", LAPSE: "4", MATURE: "5"}
MONTHLY_INSTALMENTS = 24  # first two policy years of a monthly-pay policy

ITEM = np.dtype(
    [
        ("kind", "i1"),
        ("cont", "i8"),
        ("agent", "i4"),
        ("team", "i4"),
        ("county", "i4"),
        ("product", "i1"),
        ("sign", "i4"),
        ("cvali", "i4"),
        ("getpol", "i4"),
        ("fyp", "i8"),
        ("date", "i4"),
        ("due", "i4"),
        ("amount", "i8"),
        ("paycount", "i2"),
    ]
)
MONTHLY = np.dtype(
    [
        ("cont", "i8"),
        ("agent", "i4"),
        ("team", "i4"),
        ("county", "i4"),
        ("product", "i1"),
        ("sign", "i4"),
        ("cvali", "i4"),
        ("getpol", "i4"),
        ("fyp", "i8"),
        ("instalment", "i8"),
        ("lapse_k", "i2"),
    ]
)


def cents(x: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=np.float64)).astype(np.int64)


def produce_probability(grade: np.ndarray, skill: np.ndarray, season: float) -> np.ndarray:
    base = np.array(config.PRODUCE_BASE)[grade]
    return np.minimum(base * skill**0.6 * season**0.75, 0.95)


def extra_policy_rate(grade: np.ndarray, skill: np.ndarray, season: float) -> np.ndarray:
    sup = np.where(grade >= config.B01, config.SUPERVISOR_EXTRA, 1.0)
    return config.EXTRA_POLICY_RATE * season**0.45 * sup * skill**0.4


def draw_products(rng: np.random.Generator, k: int) -> np.ndarray:
    return rng.choice(len(config.PRODUCTS), size=k, p=WEIGHT).astype(np.int8)


def draw_premium_cents(
    rng: np.random.Generator, product: np.ndarray, skill: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(FirstYearPrem, first receipt amount) in cents for each policy."""
    k = len(product)
    yuan = (
        config.PREMIUM_SCALE
        * SCALE[product]
        * skill**0.25
        * rng.lognormal(0.0, config.PREMIUM_SIGMA, k)
    )
    monthly = PAY_INTV[product] == 1
    whole = np.maximum(np.rint(yuan), 50) * 100  # annual and single premiums in whole yuan
    inst = cents(yuan * 100 / 12)
    fyp = np.where(monthly, inst * 12, whole).astype(np.int64)
    first = np.where(monthly, inst, fyp).astype(np.int64)
    return fyp, first


@dataclass
class Book:
    """Queued items by absolute month, the monthly-pay in-force list, and id counters."""

    last_abs: int
    items: dict[int, list[np.ndarray]] = field(default_factory=dict)
    monthly: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=MONTHLY))
    next_cont: int = 1
    next_receipt: int = 1

    def queue(self, items: np.ndarray) -> None:
        if not len(items):
            return
        m = abs_month(items["date"])
        keep = m <= self.last_abs
        items, m = items[keep], m[keep]
        if not len(items):
            return
        order = np.argsort(m, kind="stable")
        items, m = items[order], m[order]
        bounds = np.flatnonzero(np.diff(m)) + 1
        for chunk, month in zip(np.split(items, bounds), m[np.r_[0, bounds]], strict=False):
            self.items.setdefault(int(month), []).append(chunk)

    def take(self, abs_month_: int) -> np.ndarray:
        chunks = self.items.pop(abs_month_, [])
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=ITEM)


@dataclass
class NewPolicies:
    cont: np.ndarray
    agent: np.ndarray
    team: np.ndarray
    county: np.ndarray
    product: np.ndarray
    sign: np.ndarray
    cvali: np.ndarray
    getpol: np.ndarray
    fyp: np.ndarray
    first: np.ndarray  # first receipt amount
    cancel: np.ndarray  # cooling-off cancellation date, NULL_DAY if none


def policy_items(k: int, kind: int, pol: NewPolicies, sel: np.ndarray) -> np.ndarray:
    """``k`` items of ``kind`` carrying the policy fields of policies ``sel``."""
    it = np.zeros(k, dtype=ITEM)
    it["kind"] = kind
    for name in ("cont", "agent", "team", "county", "product", "sign", "cvali", "getpol", "fyp"):
        it[name] = getattr(pol, name)[sel]
    return it


def renewal_outcomes(rng: np.random.Generator, base: np.ndarray, paycount: int) -> np.ndarray:
    """The year-``paycount`` outcome of annual-pay policies (items of kind RENEW/CT/LAPSE)."""
    k = len(base)
    if not k:
        return np.zeros(0, dtype=ITEM)
    it = base.copy()
    it["paycount"] = paycount
    due = add_years(it["cvali"], paycount - 1)
    it["due"] = due
    u = rng.random(k)
    c1 = config.RENEWAL_ON_TIME
    c2 = c1 + config.RENEWAL_LATE
    c3 = c2 + config.RENEWAL_VERY_LATE
    c4 = c3 + config.RENEWAL_SURRENDER
    offset = np.select(
        [u < c1, u < c2, u < c3, u < c4],
        [
            rng.integers(-20, 31, k),
            rng.integers(31, 61, k),
            rng.integers(61, 121, k),
            rng.integers(0, 31, k),
        ],
        default=config.GRACE_DAYS + 1,
    )
    it["date"] = due + offset
    it["kind"] = np.select([u < c3, u < c4], [RENEW, CT], default=LAPSE)
    it["amount"] = np.where(
        it["kind"] == CT, cents(it["fyp"] * rng.uniform(0.2, 0.6, k)), it["fyp"]
    )
    return it


def schedule(
    rng: np.random.Generator,
    pol: NewPolicies,
    book: Book,
    late_first: np.ndarray,
    first_conf: np.ndarray,
) -> None:
    """Queue every future item of newly signed policies."""
    cancel = pol.cancel != NULL_DAY
    live = ~cancel
    _queue_cooling_off(pol, book, cancel)
    _queue_late_first(pol, book, late_first & live, first_conf)
    intv = PAY_INTV[pol.product]
    years = PAY_YEARS[pol.product]
    rtype = RISK_TYPE[pol.product]
    # annual-pay long-term: the second premium's outcome
    sel = np.flatnonzero(live & (intv == 12) & (rtype == "L") & (years >= 2))
    book.queue(renewal_outcomes(rng, policy_items(len(sel), RENEW, pol, sel), 2))
    _queue_maturities(pol, book, np.flatnonzero(live & (rtype == "S")))
    _queue_single_surrenders(rng, pol, book, np.flatnonzero(live & (intv == 0)))
    _add_monthly(rng, pol, book, np.flatnonzero(live & (intv == 1)))


def _queue_cooling_off(pol: NewPolicies, book: Book, cancel: np.ndarray) -> None:
    """Cooling-off cancellations: status row + WT refund in the month of the StateDate."""
    sel = np.flatnonzero(cancel)
    it = policy_items(len(sel), WT, pol, sel)
    it["date"] = pol.cancel[sel]
    it["due"] = pol.sign[sel]
    it["amount"] = pol.first[sel]
    it["paycount"] = 1
    book.queue(it)


def _queue_late_first(
    pol: NewPolicies, book: Book, late: np.ndarray, first_conf: np.ndarray
) -> None:
    """First receipts booked in the next month (policies signed on the last days)."""
    sel = np.flatnonzero(late)
    it = policy_items(len(sel), FIRST, pol, sel)
    it["date"] = first_conf[sel]
    it["due"] = pol.sign[sel]
    it["amount"] = pol.first[sel]
    it["paycount"] = 1
    book.queue(it)


def _queue_maturities(pol: NewPolicies, book: Book, sel: np.ndarray) -> None:
    """Short-term covers mature a year after they start."""
    it = policy_items(len(sel), MATURE, pol, sel)
    it["date"] = add_years(pol.cvali[sel], 1) - 1
    book.queue(it)


def _queue_single_surrenders(
    rng: np.random.Generator, pol: NewPolicies, book: Book, sel: np.ndarray
) -> None:
    """Single-premium policies: an occasional surrender (CT) within five years."""
    wait = rng.geometric(config.SINGLE_SURRENDER_MONTHLY, len(sel))
    it = policy_items(len(sel), CT, pol, sel)
    it["date"] = add_months(pol.cvali[sel], wait) + rng.integers(0, 28, len(sel))
    it["due"] = NULL_DAY
    it["amount"] = cents(pol.fyp[sel] * rng.uniform(0.85, 0.97, len(sel)))
    years_in = (it["date"] - it["cvali"]) // 365
    it["paycount"] = 1 + np.maximum(years_in, 0)
    book.queue(it[wait < 60])


def _add_monthly(rng: np.random.Generator, pol: NewPolicies, book: Book, sel: np.ndarray) -> None:
    """Monthly-pay policies join the in-force list, each with the instalment it lapses at
    (999: none within ``MONTHLY_INSTALMENTS``)."""
    if not len(sel):
        return
    m = np.zeros(len(sel), dtype=MONTHLY)
    for name in ("cont", "agent", "team", "county", "product", "sign", "cvali", "getpol", "fyp"):
        m[name] = getattr(pol, name)[sel]
    m["instalment"] = pol.first[sel]
    lapse = 1 + rng.geometric(0.015, len(sel))
    m["lapse_k"] = np.where(lapse < MONTHLY_INSTALMENTS, lapse, 999)
    book.monthly = np.concatenate([book.monthly, m])


def monthly_due(book: Book, abs_month_: int) -> tuple[np.ndarray, np.ndarray]:
    """(instalment items, lapse items) of the monthly-pay list falling in a month."""
    m = book.monthly
    if not len(m):
        return np.zeros(0, dtype=ITEM), np.zeros(0, dtype=ITEM)
    k = abs_month_ - abs_month(m["cvali"])
    pay = (k >= 1) & (k < MONTHLY_INSTALMENTS) & (k < m["lapse_k"])
    lapse_due = add_months(m["cvali"], m["lapse_k"].astype(np.int64))
    lapse_day = lapse_due + config.GRACE_DAYS + 1
    lapse = (m["lapse_k"] < MONTHLY_INSTALMENTS) & (abs_month(lapse_day) == abs_month_)

    def to_items(sel: np.ndarray, kind: int) -> np.ndarray:
        it = np.zeros(int(sel.sum()), dtype=ITEM)
        it["kind"] = kind
        for name in (
            "cont",
            "agent",
            "team",
            "county",
            "product",
            "sign",
            "cvali",
            "getpol",
            "fyp",
        ):
            it[name] = m[name][sel]
        return it

    pays = to_items(pay, RENEW)
    pays["due"] = add_months(m["cvali"][pay], k[pay])
    pays["date"] = pays["due"]
    pays["amount"] = m["instalment"][pay]
    pays["paycount"] = 1 + k[pay] // 12
    lapses = to_items(lapse, LAPSE)
    lapses["date"] = lapse_day[lapse]
    lapses["due"] = lapse_due[lapse]
    done = (k >= MONTHLY_INSTALMENTS) | lapse | (k > m["lapse_k"] + 3)
    book.monthly = m[~done]
    return pays, lapses


def receipt_amounts(items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(TransType, TransMoney, TransStandMoney, FYC) of receipt items (cents, signed)."""
    kind = items["kind"]
    prod = items["product"]
    first_year = items["paycount"] == 1
    amount = items["amount"].astype(np.int64)
    stand = np.where(first_year, cents(amount * STD_FACTOR[prod]), 0)
    fyc = np.where(first_year, cents(amount * FYC_RATE[prod]), 0)
    ttype = np.select([kind == WT, kind == CT], ["WT", "CT"], default="ZC")
    sign = np.where((kind == WT) | (kind == CT), -1, 1)
    stand = np.where(kind == CT, 0, stand)
    fyc = np.where(kind == CT, 0, fyc)
    return ttype, sign * amount, sign * stand, sign * fyc


def status_of(kind: np.ndarray) -> np.ndarray:
    out = np.full(len(kind), "1", dtype="U1")
    for k, s in _STATUS.items():
        out[kind == k] = s
    return out
