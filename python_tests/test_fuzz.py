"""Bad input, fuzzed: corrupted variants of valid files either load with their bad rows in
`raw.rejected_lines` (read = loaded + rejected, checked against the database) or are refused
whole with one line naming the file — never a traceback, never a partial batch."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import GOOD_ROWS, OLD_HEADER, UCI_HEADER, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

COUNTS = re.compile(r"read ([\d,]+), loaded ([\d,]+), rejected ([\d,]+)")
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _totals(lgs) -> tuple:
    if not lgs.scalar("select to_regclass('raw.retail_transactions') is not null"):
        return (0, 0, 0)
    return lgs.query("select (select count(*) from raw.retail_transactions), (select count(*) from raw.rejected_lines),"
                     " (select count(*) from raw.load_batches)")[0]


def load_outcome(lgs, path: Path, *options: str) -> tuple:
    """Load one file and check the invariants that hold whatever the file holds.

    Returns ("loaded", read, loaded, rejected) or ("refused", message)."""
    before = _totals(lgs)
    result = lgs("load", "--replace", *options, str(path), check=False)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert lines[0].startswith("lgs: error:") and path.name in lines[0], lines[0]
        assert _totals(lgs) == before, "a refused file left rows or a batch behind"
        return ("refused", lines[0])
    batches = [tuple(int(n.replace(",", "")) for n in m) for m in COUNTS.findall(result.stdout)]
    assert batches, result.stdout
    for read, loaded, rejected in batches:
        assert read == loaded + rejected, result.stdout
    # The newest batches in the database say the same, row for row.
    stored = lgs.query(
        "select b.rows_read, b.rows_loaded, b.rows_rejected,"
        " (select count(*) from raw.retail_transactions t where t.batch_id = b.batch_id),"
        " (select count(*) from raw.rejected_lines r where r.batch_id = b.batch_id)"
        " from raw.load_batches b where b.status = 'loaded' order by b.batch_id desc limit %s", (len(batches),))
    for read, loaded, rejected, rows, rejects in stored:
        assert (loaded, rejected) == (rows, rejects) and read == rows + rejects
    return ("loaded", *map(sum, zip(*batches)))


# --- Row level: Hypothesis mixes valid rows (with hostile text) and rows broken one way ---

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
SPICY = st.sampled_from(["O'Brien", 'say "hi"', "a;b", "$$", "\\", "\\.", "DROP TABLE raw.load_batches; --",
                         "tab\there", "line\nbreak", "\r", "\x01\x1f", "😀", ",,,"])
GOOD_ROW = st.builds(
    lambda invoice, code, description, quantity, day, minute, price, customer, country: [
        invoice, code, description, str(quantity), f"2010-{1 + day % 12:02d}-{1 + day % 28:02d} {minute // 60:02d}:{minute % 60:02d}:00",
        price, customer, country],
    st.sampled_from(["536365", "C536379", "A563185", "537000"]),
    st.sampled_from(["85123A", "POST", "22423", "gift_0001_10"]),
    st.one_of(TEXT, SPICY),
    st.integers(-10_000, 10_000),
    st.integers(0, 400),
    st.integers(0, 1439),
    st.sampled_from(["2.55", "0", "0.001", "-11062.06", "1e2", " 3.75 "]),
    st.sampled_from(["17850.0", "12346", "", " 13085 "]),
    st.one_of(TEXT, SPICY),
)
BREAKS = {
    # how a row is broken: (field index or None for the row shape, replacement values)
    "date": (4, ["yesterday", "32/13/2010 25:61", "2010-02-30 10:00", "2010-13-01", "01.12.2010 8h", "", "n/a"]),
    "quantity": (3, ["1,200", "twelve", "1.5", "", "12 pcs", "9999999999999"]),
    "price": (5, ["£2.55", "1,234.50", "abc", "", "NaN", "Infinity", "2..5"]),
    "customer": (6, ["abc", "13085.5", "NaN", "#N/A"]),
    "invoice": (0, ["", "   "]),
    "nul": (2, ["bad\x00byte"]),
    "shape": (None, ["drop", "extra"]),
}


@st.composite
def mixed_rows(draw):
    rows, bad = [], []
    for _ in range(draw(st.integers(1, 25))):
        row = draw(GOOD_ROW)
        kind = draw(st.sampled_from([None, None, None, *BREAKS]))
        if kind:
            field, values = BREAKS[kind]
            value = draw(st.sampled_from(values))
            if field is None:
                row = row[:-1] if value == "drop" else [*row, "surplus"]
            else:
                row[field] = value
            bad.append(len(rows) + 2)  # file row number: the header is row 1
        rows.append(row)
    return rows, bad


@FUZZ
@given(case=mixed_rows())
def test_fuzzed_rows_load_or_reject_one_for_one(empty, tmp_path, case):
    rows, bad = case
    path = tmp_path / "fuzzed.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([UCI_HEADER, *rows])
    outcome = load_outcome(empty, path)
    assert outcome == ("loaded", len(rows), len(rows) - len(bad), len(bad)), (outcome, bad)
    batch = empty.scalar("select max(batch_id) from raw.load_batches where status = 'loaded'")
    rejected = [r[0] for r in empty.query(
        "select source_row from raw.rejected_lines where batch_id = %s order by source_row", (batch,))]
    assert rejected == bad
    # Every loaded row is exactly the text that was written (nothing trimmed, escaped or run).
    stored = empty.query("select source_row, description, country from raw.retail_transactions"
                         " where batch_id = %s order by source_row", (batch,))
    good = [(number, row) for number, row in enumerate(rows, 2) if number not in bad]
    assert [(n, d or "", c or "") for n, d, c in stored] == [(n, row[2], row[7]) for n, row in good]


# --- File level: whole-file corruptions of a valid generated file ---

@pytest.fixture(scope="module")
def sample_csv(lgs, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "sample.csv"
    lgs("generate", "--lines", "300", "--seed", "5", "--out", str(path))
    return path.read_bytes()


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _without_last_column(data: bytes) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row[:-1] for row in csv.reader(io.StringIO(data.decode())))
    return out.getvalue().encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _parquet_with_a_damaged_page(data: bytes, column: int) -> bytes:
    """The CSV as Parquet (snappy), with the compressed data of one column's first page
    overwritten: its footer still reads, its values do not."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pacsv.read_csv(io.BytesIO(data)), buffer, compression="snappy", use_dictionary=False)
    damaged = bytearray(buffer.getvalue())
    chunk = pq.ParquetFile(io.BytesIO(bytes(damaged))).metadata.row_group(0).column(column)
    start = chunk.data_page_offset + 40  # past the page's header
    damaged[start:chunk.data_page_offset + chunk.total_compressed_size] = b"\xff" * (
        chunk.data_page_offset + chunk.total_compressed_size - start)
    return bytes(damaged)


# name -> (file name, make(bytes) -> bytes, expected: "loads", "rejects some" or a refusal reason)
VARIANTS = {
    "truncated mid-row": ("cut.csv", lambda d: d[: len(d) - 25], "rejects some"),
    "truncated inside a quoted field": ("quote.csv", lambda d: d + b'581587,22138,"BAKING SET 9 PIECE', "rejects some"),
    "extra column in every row": ("wide.csv", lambda d: b"".join(l.rstrip(b"\r\n") + b",x\n" for l in _lines(d)),
                                  "loads"),
    "extra field in some rows": ("ragged.csv", lambda d: b"".join(
        l.rstrip(b"\r\n") + (b",x\n" if i % 7 == 3 else b"\n") for i, l in enumerate(_lines(d))), "rejects some"),
    "a required column missing": ("narrow.csv", lambda d: _without_last_column(d), "missing column"),
    "UTF-8 BOM": ("bom.csv", lambda d: b"\xef\xbb\xbf" + d, "loads"),
    "UTF-16 with BOM": ("utf16.csv", lambda d: d.decode().encode("utf-16"), "UTF-16"),
    "CRLF line ends": ("crlf.csv", lambda d: d.replace(b"\n", b"\r\n"), "loads"),
    "garbage bytes in rows": ("garbage.csv", lambda d: b"".join(
        l[:20] + b"\xff\xfe\x80" + l[20:] if i % 50 == 10 else l for i, l in enumerate(_lines(d))), "rejects some"),
    "random binary": ("binary.csv", lambda d: bytes(range(256)) * 40, "not a text CSV"),
    "dates day.month.year": ("dotted.csv", lambda d: re.sub(rb"(\d{4})-(\d\d)-(\d\d) ", rb"\3.\2.\1 ", d),
                             "rejects some"),
    "quantities with thousands separators": ("thousands.csv", lambda d: re.sub(
        rb",(-?\d+),(\d{4}-)", rb',"\g<1>,000",\2', d), "rejects some"),
    "empty file": ("empty.csv", lambda d: b"", "empty file"),
    "header only": ("header.csv", lambda d: _lines(d)[0], "loads"),
    "blank lines only after the header": ("blank.csv", lambda d: _lines(d)[0] + b"\n\n\n", "loads"),
    "a 5 MB description": ("huge.csv", lambda d: _lines(d)[0] + b'581587,22138,"' + b"X" * 5_000_000
                           + b'",3,2011-12-09 12:50:00,4.95,12680.0,France\n', "loads"),
    "xlsx that is a zip of a CSV": ("book.xlsx", lambda d: _zip({"data.csv": d}), "no xl/workbook.xml"),
    "zip holding only a text file": ("bundle.zip", lambda d: _zip({"readme.txt": b"hello"}), "unknown file type"),
    "zip cut in half": ("half.zip", lambda d: _zip({"sample.csv": d})[: len(_zip({"sample.csv": d})) // 2],
                        "corrupt zip"),
    "SQL dump of another table": ("dump.sql", lambda d: b"COPY public.orders (id) FROM stdin;\n1\n\\.\n", "orders"),
    "SQL dump cut inside COPY": ("cut.sql", lambda d: b"COPY public.retail (invoice_no, stock_code, description,"
                                b" quantity, invoice_date, unit_price, customer_id, country) FROM stdin;\n"
                                b"489434\t85048\tLIGHTS\t12\t2009-12-01 07:45:00\t6.95\t13085\tUnited Kingdom\n"
                                b"489435\t850", "rejects some"),
    "Parquet with a damaged data page": ("page.parquet", lambda d: _parquet_with_a_damaged_page(d, 2),
                                         "unreadable Parquet data"),
    "old UCI header": ("old.csv", lambda d: b",".join(h.encode() for h in OLD_HEADER) + b"\n"
                       + b"".join(_lines(d)[1:]), "loads"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_corrupt_file_variant(empty, tmp_path, sample_csv, variant):
    name, make, expected = VARIANTS[variant]
    path = tmp_path / name
    path.write_bytes(make(sample_csv))
    outcome = load_outcome(empty, path)
    if expected == "loads":
        assert outcome[0] == "loaded" and outcome[3] == 0, outcome
    elif expected == "rejects some":
        assert outcome[0] == "loaded" and outcome[3] > 0, outcome
    else:
        assert outcome[0] == "refused" and expected in outcome[1], outcome


@FUZZ
@given(data=st.data())
def test_random_byte_damage_never_escapes_the_invariants(empty, tmp_path, sample_csv, data):
    """Flip, insert and delete random bytes anywhere in a valid file: whatever the damage,
    the load is accounted for row by row or refused whole."""
    damaged = bytearray(sample_csv[:4000])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        byte = data.draw(st.integers(0, 255))
        if action == "flip":
            damaged[position] = byte
        elif action == "insert":
            damaged.insert(position, byte)
        else:
            del damaged[position]
    suffix = data.draw(st.sampled_from([".csv", ".zip", ".xlsx", ".parquet", ".sql"]))
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(damaged))
    load_outcome(empty, path)


def test_hostile_file_names_are_data(empty, tmp_path):
    name = "o'brien; drop table raw.load_batches; -- $$ \\.csv"
    path = write_csv(tmp_path / name, UCI_HEADER, GOOD_ROWS)
    assert load_outcome(empty, path) == ("loaded", 5, 5, 0)
    assert empty.scalar("select source_file from raw.load_batches") == name
    assert empty.scalar("select count(distinct source_file) from raw.retail_transactions") == 1
