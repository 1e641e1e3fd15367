"""`lgs generate`: deterministic, and shaped like the real data with its quirks."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import datetime

import pytest
from conftest import UCI_HEADER


@pytest.fixture(scope="module")
def sample(lgs, tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "sample.csv"
    out = lgs("generate", "--lines", "60000", "--seed", "7", "--out", str(path))
    assert "wrote 60,000 lines" in out.stdout
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return path, rows


def test_same_seed_same_bytes_other_seed_other_bytes(lgs, sample, tmp_path):
    path, _ = sample
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"
    lgs("generate", "--lines", "60000", "--seed", "7", "--out", str(again))
    lgs("generate", "--lines", "60000", "--seed", "8", "--out", str(other))
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(path) == digest(again)
    assert digest(path) != digest(other)


def test_uci_header_and_exact_line_count(sample):
    _, rows = sample
    assert rows[0] == UCI_HEADER
    assert len(rows) - 1 == 60000


def test_quirks_in_realistic_proportions(sample):
    _, rows = sample
    lines = rows[1:]
    n = len(lines)
    cancellations = [r for r in lines if r[0].startswith("C")]
    adjustments = [r for r in lines if r[0].startswith("A")]
    guests = [r for r in lines if r[6] == ""]
    zero_price = [r for r in lines if float(r[5]) == 0]
    stock_adjustments = [r for r in lines if r[0][0].isdigit() and int(r[3]) <= 0]
    non_products = [r for r in lines if not r[1][:5].isdigit()]
    duplicates = sum(c - 1 for c in Counter(tuple(r) for r in lines).values() if c > 1)
    assert 0.01 < len(cancellations) / n < 0.05
    assert all(int(r[3]) < 0 for r in cancellations)
    assert 1 <= len(adjustments) <= 10
    assert 0.15 < len(guests) / n < 0.35
    assert 0.002 < len(zero_price) / n < 0.03
    assert 0.001 < len(stock_adjustments) / n < 0.02 and all(r[6] == "" for r in stock_adjustments)
    assert 0.003 < len(non_products) / n < 0.05  # the real data: 0.6 %
    assert 0.005 < duplicates / n < 0.04
    assert all(r[6] == "" or r[6].endswith(".0") for r in lines)  # Customer ID written as a float


def test_cancellations_refer_to_earlier_purchases_of_the_same_customer(sample):
    _, rows = sample
    bought: dict[tuple[str, str], datetime] = {}
    for r in rows[1:]:
        if r[0][0].isdigit() and r[6]:
            key = (r[6], r[1])
            bought.setdefault(key, datetime.fromisoformat(r[4]))
    cancellations = [r for r in rows[1:] if r[0].startswith("C") and r[1] != "D"]
    matched = [r for r in cancellations if (r[6], r[1]) in bought and bought[(r[6], r[1])] <= datetime.fromisoformat(r[4])]
    assert len(matched) == len(cancellations)


def test_shape_heavy_tails_uk_and_november(sample):
    _, rows = sample
    lines = rows[1:]
    countries = Counter(r[7] for r in lines)
    assert countries.most_common(1)[0][0] == "United Kingdom"
    assert countries["United Kingdom"] / len(lines) > 0.8 and len(countries) >= 10
    months = Counter(r[4][5:7] for r in lines)
    assert months.most_common(1)[0][0] == "11"
    orders = Counter()
    for invoice, customer in {(r[0], r[6]) for r in lines if r[6] and r[0][0].isdigit()}:
        orders[customer] += 1
    counts = sorted(orders.values(), reverse=True)
    top_decile = sum(counts[: max(1, len(counts) // 10)])
    assert top_decile / sum(counts) > 0.3  # a few wholesalers place many of the orders
    prices = {}
    for r in lines:
        if r[0][0].isdigit() and int(r[3]) > 0 and int(r[3]) < 100 and float(r[5]) > 0 and r[1][:5].isdigit():
            prices.setdefault(r[1], set()).add(r[5])
    stable = sum(1 for p in prices.values() if len(p) == 1)
    assert stable / len(prices) > 0.9  # a catalogue with stable prices


def test_bad_arguments_are_one_line_errors(lgs, tmp_path):
    result = lgs("generate", "--lines", "0", "--out", str(tmp_path / "x.csv"), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
