"""`lgs generate`: a UCI-format CSV that behaves like London Gift Shop's real lines.

The real file cannot ship with the project, so demos and tests use this. It reproduces
what the marts and tests care about: wholesale customers whose order counts and basket
sizes are heavy-tailed, a catalogue with stable prices, UK-dominated countries, seasonality
peaking in November, and the quirks the business rules exist for, in roughly the real
proportions: cancellations (`C` invoices with negative quantities, referring to earlier
purchases of the same customer), a few `A` bad-debt adjustments, non-product stock codes,
guest lines without a customer, zero prices, stock adjustments with negative quantities and
exact duplicate lines. Same seed, same bytes.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from lgs.errors import LgsError
from lgs.settings import lgs_home

HEADER = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
FIRST_DAY = date(2009, 12, 1)
LAST_DAY = date(2011, 12, 9)
FIRST_INVOICE = 489434

# Share of invoices by month (November peak, January trough), as in the real data.
MONTH_WEIGHT = {1: 0.62, 2: 0.6, 3: 0.8, 4: 0.7, 5: 0.8, 6: 0.8, 7: 0.78, 8: 0.78, 9: 1.05, 10: 1.25, 11: 1.6, 12: 0.95}
# The shop sends almost nothing on Saturdays.
WEEKDAY_WEIGHT = [1.0, 1.05, 1.1, 1.2, 0.85, 0.0, 0.55]
COUNTRIES = [
    ("United Kingdom", 900), ("Germany", 22), ("France", 20), ("EIRE", 18), ("Netherlands", 8),
    ("Spain", 7), ("Belgium", 6), ("Switzerland", 5), ("Portugal", 5), ("Australia", 4), ("Sweden", 3),
    ("Italy", 3), ("Norway", 2), ("Channel Islands", 2), ("Finland", 2), ("Denmark", 2), ("Austria", 2),
    ("Japan", 1), ("Cyprus", 1), ("Poland", 1), ("USA", 1), ("Canada", 1), ("Iceland", 1),
]
ADJECTIVES = ["RED", "PINK", "BLUE", "WHITE", "IVORY", "VINTAGE", "RETRO", "HANGING", "HEART", "STAR", "JUMBO",
              "SMALL", "LARGE", "REGENCY", "PAISLEY", "GLASS", "WOODEN", "ENAMEL", "SPOTTY", "FLORAL", "CHRISTMAS",
              "PARTY", "GARDEN", "LOVE", "ANTIQUE", "SWEETHEART", "SKULL", "BIRD", "DOLLY GIRL", "SPACEBOY"]
NOUNS = ["T-LIGHT HOLDER", "LUNCH BAG", "CAKE STAND", "BUNTING", "TEACUP AND SAUCER", "MUG", "DOORMAT",
         "LANTERN", "CANDLE", "PHOTO FRAME", "NOTEBOOK", "JAM JAR", "BAKING SET", "CHALKBOARD", "WALL CLOCK",
         "HOT WATER BOTTLE", "SHOPPER BAG", "COAT RACK", "TISSUE BOX", "PAPER CHAIN KIT", "WATER BOTTLE",
         "STORAGE TIN", "NAPKINS", "CUSHION COVER", "GIFT WRAP", "ALARM CLOCK", "PURSE", "PICNIC BASKET"]
PACK_SIZES = [1, 2, 3, 4, 6, 8, 10, 12, 12, 12, 24, 24, 25, 36, 48, 72, 96, 100, 144]
STOCK_NOTES = ["damaged", "damages", "wet damaged", "lost", "missing", "?", "smashed", "sold as set on dotcom",
               "check", "mailout", "thrown away", None]
NON_PRODUCTS = {
    "POST": ("POSTAGE", 18.0),
    "DOT": ("DOTCOM POSTAGE", 0.0),
    "M": ("Manual", 0.0),
    "D": ("Discount", 0.0),
    "C2": ("CARRIAGE", 50.0),
    "BANK CHARGES": ("Bank Charges", 15.0),
    "AMAZONFEE": ("AMAZON FEE", 0.0),
    "S": ("SAMPLES", 0.0),
    "PADS": ("PADS TO MATCH ALL CUSHIONS", 0.001),
}


@dataclass
class Product:
    code: str
    description: str
    price: float
    popularity: float


@dataclass
class Customer:
    customer_id: int
    country: str
    start: int  # day offsets from FIRST_DAY
    end: int
    weight: float


@dataclass
class Line:
    invoice: str
    stock_code: str
    description: str | None
    quantity: int
    when: datetime
    price: float
    customer_id: int | None
    country: str


def _money(value: float) -> str:
    """Prices as the UCI export writes them: `2.55`, `18.0`, `0.001`."""
    return repr(round(value, 3))


class Generator:
    def __init__(self, lines: int, seed: int) -> None:
        if lines < 1:
            raise LgsError("--lines must be at least 1")
        self.target = lines
        self.rng = random.Random(seed)
        # Each seed numbers its invoices in a range of its own, so files generated with
        # different seeds (below 10,000 apart) never share an invoice number, as real invoice
        # numbers are unique; never negative.
        self.first_invoice = FIRST_INVOICE + 100_000 * (seed % 10_000)
        self.days = (LAST_DAY - FIRST_DAY).days + 1
        self.products = self._catalogue(max(60, min(4000, lines // 250)))
        self.product_cum = list(_cumulative(p.popularity for p in self.products))
        self.customers = self._customers(max(8, lines // 180))
        self.day_cum = list(_cumulative(self._day_weight(d) for d in range(self.days)))
        self.history: dict[int, list[list[Line]]] = {}

    # -- population ---------------------------------------------------------------------
    def _catalogue(self, n: int) -> list[Product]:
        rng = self.rng
        products, codes = [], set()
        while len(products) < n:
            code = str(rng.randint(10002, 90214))
            if rng.random() < 0.25:
                code += rng.choice("ABCDEFGLNPSW")
            if code in codes:
                continue
            codes.add(code)
            description = f"{rng.choice(ADJECTIVES)} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
            price = round(min(60.0, max(0.12, rng.lognormvariate(math.log(2.3), 0.75))), 2)
            products.append(Product(code, description, price, rng.paretovariate(1.1)))
        return products

    def _customers(self, n: int) -> list[Customer]:
        rng = self.rng
        ids = rng.sample(range(12346, 12346 + max(n * 2, 6000)), n)
        names, weights = zip(*COUNTRIES)
        customers = []
        for customer_id in ids:
            # Many customers were there from the start; the rest arrive over two years.
            start = 0 if rng.random() < 0.3 else rng.randrange(self.days)
            life = int(rng.expovariate(1 / 420))
            end = min(self.days - 1, start + max(1, life)) if rng.random() < 0.7 else self.days - 1
            weight = rng.lognormvariate(0, 1.3)  # heavy-tailed order counts
            customers.append(Customer(customer_id, rng.choices(names, weights)[0], start, end, weight))
        return customers

    def _day_weight(self, offset: int) -> float:
        day = FIRST_DAY + timedelta(days=offset)
        weight = MONTH_WEIGHT[day.month] * WEEKDAY_WEIGHT[day.weekday()]
        if day.month == 12 and day.day > 22 or day.month == 1 and day.day < 4:
            weight = 0.0  # closed over Christmas
        return weight

    # -- invoices -----------------------------------------------------------------------
    def _moment(self) -> tuple[int, datetime]:
        offset = bisect.bisect(self.day_cum, self.rng.random() * self.day_cum[-1])
        offset = min(offset, self.days - 1)
        minutes = int(min(20 * 60, max(7 * 60, self.rng.gauss(12.5 * 60, 150))))
        day = FIRST_DAY + timedelta(days=offset)
        return offset, datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)

    def _customer_on(self, offset: int) -> Customer | None:
        active = [c for c in self._sample_customers() if c.start <= offset <= c.end]
        if not active:
            return None
        return self.rng.choices(active, [c.weight for c in active])[0]

    def _sample_customers(self) -> list[Customer]:
        # A random slice keeps each pick cheap while every customer stays reachable.
        k = min(len(self.customers), 64)
        return self.rng.sample(self.customers, k)

    def _basket(self, size: int) -> list[Product]:
        """Distinct products, popular ones more often (a basket rarely lists an item twice)."""
        picks: dict[str, Product] = {}
        for _ in range(size * 2):
            index = bisect.bisect(self.product_cum, self.rng.random() * self.product_cum[-1])
            product = self.products[min(index, len(self.products) - 1)]
            picks.setdefault(product.code, product)
            if len(picks) == size:
                break
        return list(picks.values())

    def _quantity(self, big_buyer: bool) -> int:
        quantity = self.rng.choice(PACK_SIZES)
        return quantity * (self.rng.choice([1, 2, 4]) if big_buyer else 1)

    def _sale(self, offset: int, when: datetime, customer: Customer | None) -> list[Line]:
        rng = self.rng
        size = max(1, min(400, int(rng.lognormvariate(math.log(13 if customer else 30), 0.95))))
        country = customer.country if customer else rng.choices(["United Kingdom", "EIRE", "France"], [95, 3, 2])[0]
        who = customer.customer_id if customer else None
        big = customer is not None and customer.weight > 3
        lines = []
        for product in self._basket(size):
            quantity = self._quantity(big) if customer else rng.choice([1, 1, 2, 3, 4, 6])
            price = product.price
            if quantity >= 100:
                price = round(price * 0.85, 2)  # the wholesale tier
            if rng.random() < 0.006:
                price = 0.0  # free gifts and samples
            lines.append(Line("", product.code, product.description, quantity, when, price, who, country))
        if customer and country != "United Kingdom" and rng.random() < 0.6:
            lines.append(Line("", "POST", "POSTAGE", rng.randint(1, 3), when, 18.0 if rng.random() < 0.8 else 28.0, who, country))
        if customer is None and rng.random() < 0.5:
            lines.append(Line("", "DOT", "DOTCOM POSTAGE", 1, when, round(rng.uniform(2, 900), 2), None, country))
        if rng.random() < 0.01:
            lines.append(Line("", "M", "Manual", 1, when, round(rng.uniform(0.2, 40), 2), who, country))
        return lines

    def _cancellation(self, customer: Customer) -> list[Line] | None:
        """Part of one of the customer's purchases, cancelled up to a month after it."""
        earlier = self.history.get(customer.customer_id)
        if not earlier:
            return None
        original = self.rng.choice(earlier[-5:])
        when = original[0].when + timedelta(days=self.rng.randint(0, 30), minutes=self.rng.randint(1, 600))
        latest = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 20, 0)
        when = min(when, latest)
        picked = self.rng.sample(original, min(len(original), self.rng.choice([1, 1, 1, 2, 3])))
        lines = [
            Line("C", line.stock_code, line.description, -self.rng.randint(1, max(1, line.quantity)), when,
                 line.price, line.customer_id, line.country)
            for line in picked
        ]
        if self.rng.random() < 0.05:
            lines.append(Line("C", "D", "Discount", -1, when, round(self.rng.uniform(1, 60), 2),
                              customer.customer_id, customer.country))
        return lines

    def _stock_adjustment(self, when: datetime) -> list[Line]:
        product = self._basket(1)[0]
        note = self.rng.choice(STOCK_NOTES)
        return [Line("", product.code, note, -self.rng.choice([1, 2, 3, 6, 12, 24, 48, 100]), when, 0.0, None,
                     "United Kingdom")]

    def _adjustment(self, when: datetime) -> list[Line]:
        amount = round(self.rng.uniform(1000, 12000), 2)
        return [Line("A", "B", "Adjust bad debt", 1, when, amount if self.rng.random() < 0.7 else -amount, None,
                     "United Kingdom")]

    def _invoices(self) -> list[list[Line]]:
        rng = self.rng
        invoices: list[tuple[datetime, list[Line]]] = []
        produced = 0
        adjustments_due = max(1, self.target // 200_000 + 1)
        while produced < self.target:
            offset, when = self._moment()
            roll = rng.random()
            customer = None if roll < 0.15 else self._customer_on(offset)
            lines: list[Line] | None
            if roll >= 0.15 and customer is not None and rng.random() < 0.25:
                lines = self._cancellation(customer)
            elif roll < 0.04:
                lines = self._stock_adjustment(when)
            elif adjustments_due and rng.random() < 0.001:
                adjustments_due -= 1
                lines = self._adjustment(when)
            else:
                lines = self._sale(offset, when, customer)
                if customer is not None:
                    self.history.setdefault(customer.customer_id, []).append(lines)
            if not lines:
                continue
            invoices.append((lines[0].when, lines))
            produced += len(lines)
        while adjustments_due:
            adjustments_due -= 1
            invoices.append((self._moment()[1], self._adjustment(self._moment()[1])))
        invoices.sort(key=lambda item: item[0])
        return [lines for _, lines in invoices]

    def rows(self) -> list[list[str]]:
        rng = self.rng
        out: list[list[str]] = []
        number = self.first_invoice
        for lines in self._invoices():
            for line in lines:
                line.invoice = f"{line.invoice}{number}"
            number += 1
            for line in lines:
                row = [
                    line.invoice, line.stock_code, line.description or "", str(line.quantity),
                    line.when.strftime("%Y-%m-%d %H:%M:%S"), _money(line.price),
                    "" if line.customer_id is None else f"{line.customer_id}.0", line.country,
                ]
                out.append(row)
                if rng.random() < 0.012:
                    out.append(list(row))  # the shop's system wrote some lines twice
        # Cut to the exact size asked for, at a line boundary of the last invoice.
        return out[: self.target]


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


SAMPLES_REGISTER = "generated-samples.sha256"


def is_generated(checksum: str) -> bool:
    """True when `lgs generate` wrote a file with these bytes (its SHA-256 is registered
    under LGS_HOME), so a load can tell sample data from real data."""
    register = lgs_home() / SAMPLES_REGISTER
    return register.exists() and checksum in register.read_text().split()


def generate(lines: int, seed: int, out: Path) -> int:
    """Write `lines` sample lines to `out` (CSV, UCI header), and register its checksum as
    sample data. Returns the number written."""
    rows = Generator(lines, seed).rows()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    with open(out, "rb") as written:
        checksum = hashlib.file_digest(written, "sha256").hexdigest()
    with open(lgs_home() / SAMPLES_REGISTER, "a", encoding="ascii") as register:
        register.write(checksum + "\n")
    return len(rows)
