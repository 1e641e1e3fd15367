"""`lgs load`: every accepted file type, rejects, refusals, idempotency — on a real server."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import GOOD_ROWS, OLD_HEADER, SHARED_DATA, UCI_HEADER, raw_counts, write_csv


def _loaded(lgs, batch_file: str | None = None) -> list[tuple]:
    where = "where source_file = %s" if batch_file else ""
    return lgs.query(
        f"select source_sheet, source_row, invoice, stock_code, description, quantity, invoice_date, unit_price,"
        f" customer_id, country from raw.retail_transactions {where} order by source_sheet nulls first, source_row",
        (batch_file,) if batch_file else None,
    )


def _batch(lgs, name: str) -> tuple:
    return lgs.query(
        "select rows_read, rows_loaded, rows_rejected, file_type, status from raw.load_batches"
        " where source_file = %s and status = 'loaded'",
        (name,),
    )[0]


def test_uci_csv_loads_with_types_and_lineage(empty, tmp_path):
    path = write_csv(tmp_path / "uci.csv", UCI_HEADER, GOOD_ROWS)
    result = empty("load", str(path))
    assert "read 5, loaded 5, rejected 0" in result.stdout
    rows = _loaded(empty)
    assert [r[1] for r in rows] == [2, 3, 4, 5, 6]  # spreadsheet row numbers, header = row 1
    first = rows[0]
    assert first[2:6] == ("489434", "85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12)
    assert first[6] == datetime(2009, 12, 1, 7, 45)
    assert str(first[7]) == "6.95" and int(first[8]) == 13085
    assert rows[3][8] is None  # a guest line keeps its empty customer
    assert _batch(empty, "uci.csv") == (5, 5, 0, "csv", "loaded")


def test_old_uci_header_and_us_dates(empty, tmp_path):
    rows = [["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"]]
    path = write_csv(tmp_path / "data.csv", OLD_HEADER, rows)
    empty("load", str(path))
    loaded = _loaded(empty)
    assert loaded[0][6] == datetime(2010, 12, 1, 8, 26)  # month/day/year, as the UCI export writes
    assert loaded[0][3] == "85123A"


def test_bad_rows_go_to_rejects_with_reasons(empty, tmp_path):
    bad = [
        ["489500", "22000", "BAD DATE", "1", "not a date", "1.0", "12345", "UK"],
        ["489501", "22001", "BAD QTY", "three", "2010-01-01 10:00:00", "1.0", "12345", "UK"],
        ["489502", "22002", "BAD PRICE", "1", "2010-01-01 10:00:00", "1,234.50", "12345", "UK"],
        ["489503", "22003", "FRACTIONAL CUSTOMER", "1", "2010-01-01 10:00:00", "1.0", "12345.5", "UK"],
        ["489504", "22004", "TODAY IS NOT A DATE", "1", "today", "1.0", "12345", "UK"],
        ["489505", "22005", "NAN PRICE", "1", "2010-01-01 10:00:00", "NaN", "12345", "UK"],
        ["", "22006", "NO INVOICE", "1", "2010-01-01 10:00:00", "1.0", "12345", "UK"],
    ]
    path = tmp_path / "mixed.csv"
    write_csv(path, UCI_HEADER, GOOD_ROWS + bad)
    with open(path, "a") as handle:
        handle.write("489506,22007,TOO MANY FIELDS,1,2010-01-01 10:00:00,1.0,12345,UK,extra\n")
        handle.write("489507,22008,TOO FEW\n")
    result = empty("load", str(path))
    assert "read 14, loaded 5, rejected 9" in result.stdout
    reasons = dict(empty.query("select source_row, reason from raw.rejected_lines"))
    assert reasons[7].startswith("InvoiceDate is not a date-time")
    assert reasons[8].startswith("Quantity is not a whole number")
    assert reasons[9].startswith("Price is not a number")
    assert reasons[10].startswith("Customer ID is not a whole number")
    assert reasons[11].startswith("InvoiceDate is not a date-time")
    assert reasons[12].startswith("Price is not a number")
    assert reasons[13] == "missing Invoice"
    assert reasons[14] == "expected 8 fields, found 9"
    assert reasons[15] == "expected 8 fields, found 3"
    raw_content = empty.scalar("select raw_content from raw.rejected_lines where source_row = 15")
    assert "TOO FEW" in raw_content
    read, loaded, rejected = _batch(empty, "mixed.csv")[:3]
    assert read == loaded + rejected == 14


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (4, "01.12.2010 10:00", "InvoiceDate is not a date-time in a known format"),
        (4, "2010-12-01 10:00:00+02", "InvoiceDate is not a date-time in a known format"),
        (4, "2010-12-01 10:00:00.5 AM", "InvoiceDate is not a date-time in a known format"),
        (4, "2010-12-01 10:00:00.5+02", "InvoiceDate is not a date-time in a known format"),
        (4, "today", "InvoiceDate is not a date-time in a known format"),
        (3, "2.5", "Quantity is not a whole number"),
        (5, "NaN", "Price is not a number"),
        (5, "Infinity", "Price is not a number"),
        (6, "12345.5", "Customer ID is not a whole number"),
        (6, "-Infinity", "Customer ID is not a number"),
        (0, "  ", "missing Invoice"),
        (1, "", "missing StockCode"),
    ],
)
def test_one_bad_row_among_clean_ones_is_rejected_alone(empty, tmp_path, field, value, reason):
    # The clean rows take the one-statement path; the single bad row must still be caught.
    row = ["489600", "22100", "ONE BAD FIELD", "1", "2010-01-01 10:00:00", "1.0", "12345", "UK"]
    row[field] = value
    path = write_csv(tmp_path / "one_bad.csv", UCI_HEADER, GOOD_ROWS + [row])
    result = empty("load", str(path))
    assert "read 6, loaded 5, rejected 1" in result.stdout
    assert empty.query("select source_row, reason from raw.rejected_lines")[0][0] == 7
    assert empty.scalar("select reason from raw.rejected_lines").startswith(reason)


def test_clean_rows_in_every_accepted_timestamp_shape_load(empty, tmp_path):
    shapes = ["2010-01-02 03:04:05", "2010-01-02 03:04:05.250000000", "2010-01-02 03:04", "2010-1-2 3:04:05",
              "1/2/2010 3:04", " 2010-01-02 03:04:05 ", "2010-01-02T03:04:05", "2010-01-02"]
    rows = [["489700", "22200", "SHAPE", " 7 ", shape, " 1.5 ", " 12345 ", "UK"] for shape in shapes]
    path = write_csv(tmp_path / "shapes.csv", UCI_HEADER, rows)
    assert f"read {len(shapes)}, loaded {len(shapes)}, rejected 0" in empty("load", str(path)).stdout
    loaded = _loaded(empty)
    assert [r[6].date() for r in loaded] == [datetime(2010, 1, 2).date()] * len(shapes)
    assert loaded[1][6] == datetime(2010, 1, 2, 3, 4, 5, 250000)
    assert {(r[5], str(r[7]), int(r[8])) for r in loaded} == {(7, "1.5", 12345)}


def test_parquet_with_either_header(empty, tmp_path):
    table = pa.table({
        "Invoice": ["489434", "C489449"], "StockCode": ["85048", "22087"], "Description": ["A", None],
        "Quantity": [12, -12], "InvoiceDate": [datetime(2009, 12, 1, 7, 45), datetime(2009, 12, 1, 10, 33)],
        "Price": [6.95, 2.95], "Customer ID": [13085.0, None], "Country": ["United Kingdom", "Australia"],
    })
    pq.write_table(table, tmp_path / "new.parquet")
    old = table.rename_columns(OLD_HEADER)
    pq.write_table(old, tmp_path / "old.parquet")
    empty("load", str(tmp_path / "new.parquet"), str(tmp_path / "old.parquet"))
    for name in ("new.parquet", "old.parquet"):
        rows = _loaded(empty, name)
        assert [r[1] for r in rows] == [1, 2]
        assert rows[0][6] == datetime(2009, 12, 1, 7, 45) and str(rows[0][7]) == "6.95"
        assert int(rows[0][8]) == 13085 and rows[1][8] is None and rows[1][4] is None
        assert _batch(empty, name) == (2, 2, 0, "parquet", "loaded")


def test_xlsx_workbook_both_sheets(empty, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Year 2009-2010"
    second = workbook.create_sheet("Year 2010-2011")
    for sheet, rows in ((first, GOOD_ROWS[:3]), (second, GOOD_ROWS[3:])):
        sheet.append(UCI_HEADER)
        for row in rows:
            sheet.append([row[0], row[1], row[2], int(row[3]), datetime.fromisoformat(row[4]), float(row[5]),
                          float(row[6]) if row[6] else None, row[7]])
    workbook.save(tmp_path / "online_retail_II.xlsx")
    result = empty("load", str(tmp_path / "online_retail_II.xlsx"))
    assert "read 5, loaded 5, rejected 0" in result.stdout
    rows = _loaded(empty)
    assert [(r[0], r[1]) for r in rows] == [
        ("Year 2009-2010", 2), ("Year 2009-2010", 3), ("Year 2009-2010", 4), ("Year 2010-2011", 2), ("Year 2010-2011", 3)
    ]
    assert rows[0][6] == datetime(2009, 12, 1, 7, 45) and int(rows[0][8]) == 13085


COPY_DUMP = """--
-- PostgreSQL database dump
--
SET statement_timeout = 0;
CREATE TABLE public.retail (
    invoice_no text,
    stock_code text,
    description text,
    quantity integer,
    invoice_date timestamp without time zone,
    unit_price real,
    customer_id real,
    country text
);
COPY public.retail (invoice_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country) FROM stdin;
489434\t85048\t15CM CHRISTMAS GLASS BALL 20 LIGHTS\t12\t2009-12-01 07:45:00\t6.95\t13085\tUnited Kingdom
489435\t22350\tCAT BOWL\\twith a tab\t12\t2009-12-01 07:46:00\t2.55\t\\N\tUnited Kingdom
489436\t22351\tBAD\tx\t2009-12-01 07:46:00\t2.55\t13085\tUnited Kingdom
\\.
DROP TABLE public.retail;
"""

INSERT_DUMP = """CREATE TABLE retail (invoice_no text, stock_code text, description text, quantity integer,
  invoice_date timestamp, unit_price real, customer_id real, country text);
INSERT INTO retail VALUES ('489434', '85048', 'O''Brien; DROP TABLE raw.load_batches; --', 12, '2009-12-01 07:45:00', 6.95, 13085, 'United Kingdom');
INSERT INTO public.retail (invoice_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country) VALUES
  ('489435', '22350', NULL, 6, '2009-12-01 07:46:00', 2.55, NULL, 'EIRE'),
  ('489436', '22351', 'multi
line', 1, '2009-12-01 07:47:00'::timestamp, 1.25, 12345, 'France');
"""


def test_sql_dump_copy_form_is_parsed_not_executed(empty, tmp_path):
    path = tmp_path / "retail.sql"
    path.write_text(COPY_DUMP)
    result = empty("load", str(path))
    assert "read 3, loaded 2, rejected 1" in result.stdout
    rows = _loaded(empty)
    assert rows[1][4] == "CAT BOWL\twith a tab" and rows[1][8] is None
    assert empty.scalar("select reason from raw.rejected_lines").startswith("Quantity is not a whole number")


def test_sql_dump_insert_form_keeps_hostile_text_as_data(empty, tmp_path):
    path = tmp_path / "retail_inserts.sql"
    path.write_text(INSERT_DUMP)
    result = empty("load", str(path))
    assert "read 3, loaded 3, rejected 0" in result.stdout
    rows = _loaded(empty)
    assert rows[0][4] == "O'Brien; DROP TABLE raw.load_batches; --"
    assert rows[2][4] == "multi\nline" and rows[2][9] == "France"
    assert empty.scalar("select count(*) from raw.load_batches") == 1  # nothing was executed


def test_sql_dump_of_another_table_is_refused(empty, tmp_path):
    path = tmp_path / "other.sql"
    path.write_text("COPY public.customers (id, name) FROM stdin;\n1\tAda\n\\.\n")
    result = empty("load", str(path), check=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "other.sql" in result.stderr and "customers" in result.stderr
    assert raw_counts(empty) == (0, 0, 0)


def test_zip_holding_several_files(empty, tmp_path):
    write_csv(tmp_path / "a.csv", UCI_HEADER, GOOD_ROWS[:2])
    (tmp_path / "retail.sql").write_text(COPY_DUMP)
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.write(tmp_path / "a.csv", "a.csv")
        archive.write(tmp_path / "retail.sql", "dumps/retail.sql")
        archive.writestr("__MACOSX/._a.csv", b"junk")
    result = empty("load", str(tmp_path / "bundle.zip"))
    assert "bundle.zip/a.csv: batch" in result.stdout and "bundle.zip/dumps/retail.sql: batch" in result.stdout
    assert raw_counts(empty) == (4, 1, 2)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("notes.txt", b"hello", "unknown file type"),
        ("empty.csv", b"", "empty file"),
        ("wrong.csv", b"a,b,c\n1,2,3\n", "missing column(s)"),
        ("fake.parquet", b"this is not parquet", "not a parquet file"),
        ("fake.xlsx", b"PK\x03\x04garbage", "not an xlsx workbook"),
        ("broken.zip", b"PK\x03\x04 truncated archive", "corrupt zip archive"),
    ],
)
def test_non_retail_files_are_refused_whole(empty, tmp_path, name, content, reason):
    good = write_csv(tmp_path / "good.csv", UCI_HEADER, GOOD_ROWS)
    bad = tmp_path / name
    bad.write_bytes(content)
    result = empty("load", str(good), str(bad), check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and reason in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert raw_counts(empty) == (0, 0, 0)  # the good file was not loaded either


def test_xlsx_that_is_a_zip_of_something_else_is_refused(empty, tmp_path):
    with zipfile.ZipFile(tmp_path / "report.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    result = empty("load", str(tmp_path / "report.xlsx"), check=False)
    assert result.returncode == 1 and "no xl/workbook.xml" in result.stderr
    assert raw_counts(empty) == (0, 0, 0)


def test_same_file_twice_is_skipped_and_replace_reloads(empty, tmp_path):
    path = write_csv(tmp_path / "uci.csv", UCI_HEADER, GOOD_ROWS)
    empty("load", str(path))
    again = empty("load", str(path))
    assert "skipped" in again.stdout
    assert raw_counts(empty) == (5, 0, 1)
    replaced = empty("load", "--replace", str(path))
    assert "replaced batch" in replaced.stdout
    assert raw_counts(empty) == (5, 0, 1)
    assert empty.scalar("select count(*) from raw.load_batches where status = 'replaced'") == 1
    # The same rows under another name are a different file: loaded, and deduplicated by dbt.
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    assert "skipped" in empty("load", str(copy)).stdout  # same bytes, same checksum


def test_latin1_file_rejects_rows_unless_encoding_given(empty, tmp_path):
    rows = [["489434", "85048", "CAFÉ CRÈME MUG", "1", "2009-12-01 07:45:00", "1.0", "13085", "France"]]
    path = write_csv(tmp_path / "latin.csv", UCI_HEADER, GOOD_ROWS + rows, encoding="latin-1")
    result = empty("load", str(path))
    assert "read 6, loaded 5, rejected 1" in result.stdout
    assert "--encoding" in empty.scalar("select reason from raw.rejected_lines")
    empty("load", "--replace", "--encoding", "latin-1", str(path))
    assert empty.scalar("select description from raw.retail_transactions where country = 'France'") == "CAFÉ CRÈME MUG"


def test_header_only_csv_loads_an_empty_batch(empty, tmp_path):
    path = write_csv(tmp_path / "header.csv", UCI_HEADER, [])
    assert "read 0, loaded 0, rejected 0" in empty("load", str(path)).stdout


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data/online_retail_II.parquet (the real dataset)")
def test_real_dataset_every_row_accounted_for(empty):
    result = empty("load", str(SHARED_DATA), timeout=600)
    assert "read 1,067,371, loaded 1,067,371, rejected 0" in result.stdout
    assert empty.scalar("select count(*) from raw.retail_transactions") == 1_067_371
    per_sheet = dict(empty.query("select source_sheet, count(*) from raw.retail_transactions group by 1"))
    assert per_sheet == {"Year 2009-2010": 525_461, "Year 2010-2011": 541_910}


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data/online_retail_II.parquet (the real dataset)")
def test_real_dataset_as_csv_streams_every_row(empty, tmp_path):
    table = pq.read_table(SHARED_DATA).drop_columns(["sheet"])
    import pyarrow.csv as pacsv

    path = Path(tmp_path / "online_retail_II.csv")
    pacsv.write_csv(table, path)
    result = empty("load", str(path), timeout=600)
    assert "read 1,067,371, loaded 1,067,371, rejected 0" in result.stdout


def _batch_rows(conn, batch_id: int) -> tuple[list[tuple], list[tuple]]:
    lines = conn.execute(
        "select source_row, invoice, stock_code, description, quantity, invoice_date, unit_price, customer_id, country"
        " from raw.retail_transactions where batch_id = %s order by source_row", (batch_id,)).fetchall()
    rejects = conn.execute("select source_row, raw_content, reason from raw.rejected_lines where batch_id = %s"
                           " order by source_row", (batch_id,)).fetchall()
    return lines, rejects


def test_typed_copy_equals_the_landing_path_row_for_row(empty, tmp_path, monkeypatch):
    """PostgreSQL 17+ COPYs a CSV straight into the raw table, skipping what it cannot type:
    the rows, their numbers and every reject's reason must be the landing path's."""
    import psycopg
    from lgs.loading import inspect_paths, load_reader, typed_copy
    from lgs.loading.store import ensure_raw_schema

    good = GOOD_ROWS[0]
    bad = [
        ["489500", "22001", "BAD QTY", "1.5", *good[4:]],                      # the server skips it
        ["489501", "22002", "BAD PRICE", "1", good[4], "abc", "12345", "UK"],  # skipped
        ["489502", "22003", "NAN PRICE", "1", good[4], "NaN", "12345", "UK"],  # typed, breaks a rule
        ["489503", "22004", "FRACTIONAL CUSTOMER", "1", good[4], "1.0", "12345.5", "UK"],
        ["", "22005", "MISSING INVOICE AND QTY", "x", *good[4:]],               # two faults: the first wins
        ["489505", "22006", "WORDS DATE", "1", "Dec 1 2010 08:26", "1.0", "12345", "UK"],  # typed; unknown format
        ["489506", "22007", "DOTTED DATE", "1", "01.12.2010 08:26", "1.0", "12345", "UK"],
        ["489507", "22008", "30 FEBRUARY", "1", "2010-02-30 10:00:00", "1.0", "12345", "UK"],
        ["489508", "22009", "NO QUANTITY", "", *good[4:]],
        ["489509", " ", "BLANK STOCK CODE", "1", *good[4:]],
    ]
    rows = [good, bad[0], bad[1], good, ["489510", "22010", "TWO\nLINES", "2", *good[4:]], bad[2], bad[3],
            good, bad[4], bad[5], bad[6], good, bad[7], bad[8], ["489511", "22011", "US DATE", "3", "12/1/2010 8:26",
            "2.55", "17850", "UK"], bad[9], good,
            # Arrow lets the first through untouched and sends the others back to the rules:
            ["489512", "22012", "SPACED CUSTOMER", "1", good[4], "1.0", " 12346.0 ", "UK"],
            ["489513", "22013", "EXPONENT CUSTOMER", "1", good[4], "1.0", "1.2346e4", "UK"],
            ["489514", "22014", "NAN CUSTOMER", "1", good[4], "1.0", "nan", "UK"],
            ["489515", "22015", "INF PRICE", "1", good[4], " inf ", "12345", "UK"]]
    path = write_csv(tmp_path / "dirty.csv", UCI_HEADER, rows)
    (reader,) = inspect_paths([path])
    with psycopg.connect(empty.url) as conn:
        ensure_raw_schema(conn)
        assert typed_copy.available(conn), "the embedded server is PostgreSQL 17 or later"
        used = []
        real_load = typed_copy.load_csv
        monkeypatch.setattr(typed_copy, "load_csv", lambda *a: used.append(real_load(*a)) or used[-1])
        typed = load_reader(conn, reader)
        assert used and used[0] is not None, "the typed COPY path loaded the file"
        typed_lines, typed_rejects = _batch_rows(conn, typed.batch_id)
        monkeypatch.setattr(typed_copy, "available", lambda conn: False)
        landed = load_reader(conn, reader, replace=True)
        landed_lines, landed_rejects = _batch_rows(conn, landed.batch_id)
        conn.commit()
    assert (typed.rows_read, typed.rows_loaded, typed.rows_rejected) == (len(rows), 9, 12)
    assert (landed.rows_read, landed.rows_loaded, landed.rows_rejected) == (len(rows), 9, 12)
    assert typed_lines == landed_lines
    assert [row[0] for row in typed_lines] == [2, 5, 6, 9, 13, 16, 18, 19, 20]
    assert [row[7] for row in typed_lines[-2:]] == [12346, 12346]
    assert typed_rejects == landed_rejects
    reasons = {row: reason for row, _, reason in typed_rejects}
    assert reasons[3] == "Quantity is not a whole number: 1.5"
    assert reasons[10] == "missing Invoice"
    assert reasons[11].startswith("InvoiceDate is not a date-time in a known format")
    assert reasons[17] == "missing StockCode"
    assert reasons[21] == "Customer ID is not a number: nan"
    assert reasons[22] == "Price is not a number:  inf "


def test_arrow_recheck_passes_only_rows_the_typed_rule_passes(empty):
    """The typed COPY keeps a row Arrow does not send back (store.arrow_rows_to_recheck)
    without asking the server's rule (store.TYPED_ROW_IS_CLEAN): for every value the server
    would type, Arrow may pass it only if that rule passes it too. And it must pass the
    usual values, or every row would be read twice."""
    import psycopg
    import pyarrow as pa
    from lgs.loading.store import TYPED_ROW_IS_CLEAN, arrow_rows_to_recheck

    base = {"invoice": "489434", "stock_code": "85048", "unit_price": "6.95", "customer_id": "13085"}
    texts = ["489434", " 489434 ", "C489449", "", " ", "\t", None]
    variants = {
        "invoice": texts,
        "stock_code": texts,
        "unit_price": ["2.55", " 2.55 ", "-0", "1e3", "1E-2", "0x1F", "1_000", "NaN", "nan", " NaN ", "Infinity",
                       "-Infinity", "inf", "+inf", "-INF", "", None],
        "customer_id": ["13085", " 13085 ", "13085.0", "13085.", "13085.00", "13085.5", "1.3085e4", "1e-1", "0x10",
                        "1_0", "NaN", "Infinity", "-inf", "+13085", "", " ", None],
    }
    cases = [dict(base, **{column: value}) for column, values in variants.items() for value in values]
    columns = [pa.array([case.get(name, "2009-12-01 07:45:00") for case in cases], pa.string())
               for name in ("invoice", "stock_code", "invoice_date", "unit_price", "customer_id")]
    recheck = arrow_rows_to_recheck(*columns).to_pylist()
    # The CSV path reads dictionaries: the same answers.
    assert arrow_rows_to_recheck(*(column.dictionary_encode() for column in columns)).to_pylist() == recheck
    # What COPY makes of each: NULL is '' in the NOT NULL columns, NULL for a customer.
    values = [(i, *(case[name] if case[name] is not None else "" for name in ("invoice", "stock_code", "unit_price")),
               case["customer_id"]) for i, case in enumerate(cases)]
    with psycopg.connect(empty.url) as conn:
        clean = dict(conn.execute(
            f"""select i, coalesce({TYPED_ROW_IS_CLEAN}, false) from (
                    select i, invoice, stock_code,
                        case when pg_input_is_valid(price, 'numeric') then price::numeric end as unit_price,
                        case when pg_input_is_valid(customer, 'numeric') then customer::numeric end as customer_id
                    from unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::text[])
                        as t (i, invoice, stock_code, price, customer)
                    where pg_input_is_valid(price, 'numeric')
                        and (customer is null or pg_input_is_valid(customer, 'numeric'))) as typed""",
            [list(column) for column in zip(*values)]).fetchall())
    passed = {i for i, again in enumerate(recheck) if again is False}
    assert recheck.count(None) == 0
    # A value the server cannot type is skipped by COPY and read again whatever Arrow says.
    wrongly_passed = {i for i in passed if i in clean and not clean[i]}
    assert wrongly_passed == set(), [cases[i] for i in wrongly_passed]
    assert sum(not ok for ok in clean.values()) >= 15, "the typed rule fails many of the typed cases"
    usual = [cases.index(dict(base, **{column: value})) for column, value in
             [("invoice", " 489434 "), ("invoice", "C489449"), ("unit_price", "-0"), ("unit_price", "1E-2"),
              ("customer_id", "13085.0"), ("customer_id", None)]]
    assert set(usual) <= passed


def test_typed_copy_renumbers_rows_after_skipped_ones(empty):
    """On a server whose row counter counts only the rows COPY keeps, the rows after each
    skipped one move down by the rows skipped before them."""
    import psycopg
    from lgs.loading import typed_copy
    from lgs.loading.store import add_batch_partition, ensure_raw_schema

    skipped = [3, 4, 8, 12, 13, 14]  # rows 2..17 of a file; the others were copied
    kept = [row for row in range(2, 18) if row not in skipped]
    with psycopg.connect(empty.url) as conn:
        ensure_raw_schema(conn)
        add_batch_partition(conn, -1, "f")
        for provisional in range(2, 2 + len(kept)):
            conn.execute("insert into raw.retail_transactions (batch_id, source_file, source_row, invoice, stock_code,"
                         " quantity, invoice_date, unit_price) values (-1, 'f', %s, 'i', 's', 1, now(), 1)",
                         (provisional,))
        typed_copy.renumber(conn, -1, skipped)
        rows = [row for (row,) in conn.execute(
            "select source_row from raw.retail_transactions where batch_id = -1 order by source_row")]
        conn.rollback()
    assert rows == kept


def test_each_file_of_a_load_commits_on_its_own(empty, tmp_path, monkeypatch):
    """`lgs load A B` is one transaction per file: a failure in B leaves A loaded."""
    from psycopg.conninfo import conninfo_to_dict

    from lgs.database import Connection
    from lgs.loading import inspect_paths, load_readers

    info = conninfo_to_dict(empty.url)
    connection = Connection(info["host"], int(info["port"]), info["user"], info["dbname"], embedded=True)
    first = write_csv(tmp_path / "first.csv", UCI_HEADER, GOOD_ROWS)
    second = write_csv(tmp_path / "second.csv", UCI_HEADER, GOOD_ROWS[:2])
    readers = inspect_paths([first, second])

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(readers[1], "copy_typed", broken)
    with pytest.raises(RuntimeError, match="the disk is gone"):
        load_readers(connection, readers)
    assert empty.query("select source_file, status from raw.load_batches") == [("first.csv", "loaded")]


def test_a_load_leaves_no_reading_thread_behind(empty, tmp_path, monkeypatch):
    """Arrow reads the file in a thread beside the typed COPY. When the COPY gives up before it
    needs what Arrow found (here: a surplus column), the load must still wait for that thread:
    one still inside Arrow as the interpreter shuts down crashed `lgs load` now and then
    (SIGSEGV, SIGABRT, or a hang), as a daemon thread started early once did."""
    import threading
    import time

    from psycopg.conninfo import conninfo_to_dict

    from lgs.database import Connection
    from lgs.loading import inspect_paths, load_readers, typed_copy

    readers_threads = []

    def slow_reading(reader):
        readers_threads.append(threading.current_thread())
        time.sleep(1)
        raise RuntimeError("Arrow gave up")

    monkeypatch.setattr(typed_copy, "_rows_to_recheck", slow_reading)
    info = conninfo_to_dict(empty.url)
    connection = Connection(info["host"], int(info["port"]), info["user"], info["dbname"], embedded=True)
    path = write_csv(tmp_path / "surplus.csv", UCI_HEADER, [GOOD_ROWS[0], [*GOOD_ROWS[1], "surplus"]])
    (result,) = load_readers(connection, inspect_paths([path]))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert readers_threads and not any(thread.is_alive() for thread in readers_threads)


def test_a_checksum_read_early_is_used_only_while_the_file_is_unchanged(tmp_path):
    """`lgs load` reads checksums while it imports the loader (lgs.checksums): the early
    reading stands for the file only if the file has not changed since."""
    import hashlib

    from lgs import checksums

    path = tmp_path / "early.csv"
    path.write_bytes(b"first")
    checksums.start([path, tmp_path / "missing.csv", tmp_path])
    early = checksums._started[checksums._identity(path)]
    assert checksums.of_file(path, lambda: path.open("rb")) == hashlib.sha256(b"first").hexdigest() == early.result()
    path.write_bytes(b"second, longer")
    assert checksums.of_file(path, lambda: path.open("rb")) == hashlib.sha256(b"second, longer").hexdigest()
    assert not [key for key in checksums._started if key[0] in (str(tmp_path / "missing.csv"), str(tmp_path))]


def _parts(conn, batch_id: int) -> dict[str, tuple[int, int, int]]:
    """Each part of a batch's partition: its rows and their lowest and highest row numbers."""
    return {name: conn.execute(f"select count(*), min(source_row), max(source_row) from {name}").fetchone()
            for (name,) in conn.execute("select inhrelid::regclass::text from pg_inherits"
                                        " where inhparent = %s::regclass", (f"raw.retail_transactions_batch_{batch_id}",))}


def _loaded_both_ways(conn, reader, monkeypatch) -> tuple:
    """The file loaded by typed COPY and then by the landing path: their results and rows."""
    from lgs.loading import load_reader, typed_copy

    typed = load_reader(conn, reader)
    typed_rows = _batch_rows(conn, typed.batch_id)
    parts = _parts(conn, typed.batch_id)
    with monkeypatch.context() as patched:
        patched.setattr(typed_copy, "available", lambda conn: False)
        landed = load_reader(conn, reader, replace=True)
    return typed, typed_rows, parts, landed, _batch_rows(conn, landed.batch_id)


def _loaded_in_parts_both_ways(url: str, reader, monkeypatch) -> tuple:
    """_loaded_both_ways, and how many second parts of the typed batch are left (attached or not)."""
    import psycopg
    from lgs.loading.store import ensure_raw_schema

    with psycopg.connect(url) as conn:
        ensure_raw_schema(conn)
        typed, *loaded = _loaded_both_ways(conn, reader, monkeypatch)
        left_behind = conn.execute("select count(*) from pg_class where relname like %s",
                                   (f"retail_transactions_batch_{typed.batch_id}_part_2",)).fetchone()[0]
        conn.commit()
    return typed, *loaded, left_behind


def test_typed_copy_in_two_parts_equals_the_landing_path(empty, tmp_path, monkeypatch):
    """A big CSV file is COPYed in two parts at once, the second over a connection of its own:
    rows skipped by the server and rows read again in either part, their numbers and reasons,
    are the landing path's."""
    import psycopg
    from lgs.loading import inspect_paths, typed_copy
    from lgs.loading.store import ensure_raw_schema

    monkeypatch.setattr(typed_copy, "TWO_PARTS_FROM_BYTES", 1)
    good = GOOD_ROWS[0]
    rows = [list(good) for _ in range(40)]
    for at in (5, 30):  # one of each in either half
        rows[at] = ["489500", "22001", "BAD QTY", "1.5", *good[4:]]
        rows[at + 1] = ["489502", "22003", "NAN PRICE", "1", good[4], "NaN", "12345", "UK"]
        rows[at + 2] = ["489505", "22006", "WORDS DATE", "1", "Dec 1 2010 08:26", "1.0", "12345", "UK"]
    path = write_csv(tmp_path / "parts.csv", UCI_HEADER, rows)
    (reader,) = inspect_paths([path])
    with psycopg.connect(empty.url) as conn:
        ensure_raw_schema(conn)
        typed, typed_rows, parts, landed, landed_rows = _loaded_both_ways(conn, reader, monkeypatch)
        conn.commit()
    assert sorted(parts) == [f"raw.retail_transactions_batch_{typed.batch_id}_part_{n}" for n in (1, 2)]
    (first, low, high), (second, low_after, high_after) = parts.values()
    assert first and second and first + second == 34
    assert (low, high_after) == (2, 41) and low_after == reader.split_point().records + 1 > high
    assert (typed.rows_read, typed.rows_loaded, typed.rows_rejected) == (40, 34, 6)
    assert typed_rows == landed_rows
    reasons = {row: reason for row, _, reason in typed_rows[1]}
    assert reasons[7] == reasons[32] == "Quantity is not a whole number: 1.5"
    assert reasons[8] == reasons[33] == "Price is not a number: NaN"
    assert reasons[9].startswith("InvoiceDate is not a date-time in a known format") and reasons[34] == reasons[9]


@pytest.mark.parametrize("newlines_at", ["first half", "the cut", "nowhere, but Arrow disagrees",
                                         "nowhere, but the second connection fails"])
def test_a_file_not_cut_at_a_records_end_is_copied_in_one_part(empty, tmp_path, monkeypatch, newlines_at):
    """A quoted field spanning lines in the first half makes the cut's row number wrong; one
    spanning the middle puts the cut inside quotes. Either way the server's count says so,
    and the file is COPYed again in one part, with no second part left behind. (A count
    that fails after the second part is attached drops it too, and the landing path loads.)"""
    import psycopg
    from lgs.loading import inspect_paths, typed_copy

    monkeypatch.setattr(typed_copy, "TWO_PARTS_FROM_BYTES", 1)
    good = GOOD_ROWS[0]
    lines = {"first half": "two\nlines", "the cut": "many\n" * 200}.get(newlines_at, "one line")
    rows = [list(good) for _ in range(20)]
    rows[2 if newlines_at == "first half" else 10] = ["489511", "22011", lines, "3", *good[4:]]
    if newlines_at == "nowhere, but Arrow disagrees":
        monkeypatch.setattr(typed_copy, "_rows_to_recheck", lambda reader: (0, []))
    if newlines_at == "nowhere, but the second connection fails":
        def refused(helper, *args):
            helper.execute("create temporary sequence lgs_part_rows")
            raise psycopg.errors.InsufficientPrivilege("permission denied to create temporary tables")

        monkeypatch.setattr(typed_copy, "_copy_second_part", refused)
    path = write_csv(tmp_path / "quoted.csv", UCI_HEADER, rows)
    (reader,) = inspect_paths([path])
    assert reader.split_point() is not None
    typed, typed_rows, parts, landed, landed_rows, left_behind = _loaded_in_parts_both_ways(empty.url, reader,
                                                                                            monkeypatch)
    assert list(parts.values()) == [(20, 2, 21)]
    assert left_behind == 0
    assert (typed.rows_read, typed.rows_loaded, typed.rows_rejected) == (20, 20, 0)
    assert typed_rows == landed_rows


def test_a_second_part_left_by_a_killed_load_is_dropped_once_no_load_holds_it(empty):
    """A load killed after committing its second part leaves that table attached to nothing:
    the next load or build drops it (schema.sql), unless a running load holds its batch."""
    import psycopg
    from lgs.loading.store import ensure_raw_schema

    with psycopg.connect(empty.url, autocommit=True) as conn, psycopg.connect(empty.url) as loading:
        ensure_raw_schema(conn)
        for batch in (998, 999):
            conn.execute(f"create table raw.retail_transactions_batch_{batch}_part_2 (like raw.retail_transactions)")
        conn.execute("create table raw.retail_transactions_batch_997_part_2x (like raw.retail_transactions)")
        loading.execute("select pg_advisory_xact_lock(hashtextextended('lgs.batch_part', 999))")

        def tables() -> list[str]:
            return [name for (name,) in conn.execute(
                "select relname from pg_class where relname like 'retail_transactions_batch_99%' order by 1")]

        ensure_raw_schema(conn)
        assert tables() == ["retail_transactions_batch_997_part_2x", "retail_transactions_batch_999_part_2"]
        loading.rollback()
        ensure_raw_schema(conn)
        assert tables() == ["retail_transactions_batch_997_part_2x"]


def _partitions(lgs) -> dict[str, int]:
    """Each partition of the raw table and the rows it holds."""
    names = [name for (name,) in lgs.query(
        "select inhrelid::regclass::text from pg_inherits where inhparent = 'raw.retail_transactions'::regclass")]
    return {name: lgs.scalar(f"select count(*) from {name}") for name in names}


def _many_rows(path: Path, count: int) -> Path:
    good = GOOD_ROWS[0]
    return write_csv(path, UCI_HEADER, [[str(500000 + i), *good[1:]] for i in range(count)])


def test_each_batch_loads_into_a_partition_of_its_own(empty, tmp_path):
    """A load writes its batch's own partition of the raw table, created and attached in the
    load's transaction: each partition holds one batch, a query for a batch reads only its
    partition, and a batch unloaded leaves its partition empty."""
    write_csv(tmp_path / "first.csv", UCI_HEADER, GOOD_ROWS)
    _many_rows(tmp_path / "second.csv", 50)
    empty("load", str(tmp_path / "first.csv"))
    empty("load", str(tmp_path / "second.csv"))
    assert _partitions(empty) == {"raw.retail_transactions_batch_1": len(GOOD_ROWS),
                                  "raw.retail_transactions_batch_2": 50}
    assert empty.query("select distinct batch_id, source_file from raw.retail_transactions_batch_2") == [
        (2, "second.csv")]
    plan = "\n".join(line for (line,) in empty.query("explain select * from raw.retail_transactions where batch_id > 1"))
    assert "retail_transactions_batch_2" in plan and "retail_transactions_batch_1" not in plan, plan
    empty("unload", "2")
    assert _partitions(empty)["raw.retail_transactions_batch_2"] == 0


def test_a_load_writes_its_rows_without_the_write_ahead_log(empty, tmp_path):
    """Rows written into a table created in the same transaction skip the write-ahead log
    when the server keeps it minimal, as the embedded one does: the WAL a load writes is a
    small part of the table it fills (without the skip, it would be more than the table)."""
    if empty.scalar("show wal_level") != "minimal":
        pytest.skip("this server keeps a WAL for replicas (wal_level above minimal): every row is logged there")
    path = _many_rows(tmp_path / "big.csv", 60_000)
    before = empty.scalar("select pg_current_wal_insert_lsn()")
    empty("load", str(path))
    written = empty.scalar("select pg_current_wal_insert_lsn() - %s::pg_lsn", (before,))
    size = empty.scalar("select pg_total_relation_size('raw.retail_transactions_batch_1')")
    assert size > 4 << 20, size  # above wal_skip_threshold, or the commit would log the table
    assert written < size / 4, (written, size)


def test_a_raw_table_from_before_partitioning_keeps_its_rows(empty, tmp_path):
    """A warehouse whose raw table predates the partitions: its rows become one partition,
    kept as they were, and the next load gets a partition of its own; unloading an old
    batch still works."""
    import psycopg

    write_csv(tmp_path / "old.csv", UCI_HEADER, GOOD_ROWS)
    _many_rows(tmp_path / "new.csv", 30)
    empty("load", str(tmp_path / "old.csv"))
    before = _loaded(empty)
    with psycopg.connect(empty.url) as conn:
        conn.execute("create table raw.plain (like raw.retail_transactions including all)")
        conn.execute("insert into raw.plain select * from raw.retail_transactions")
        conn.execute("drop table raw.retail_transactions")
        conn.execute("alter table raw.plain rename to retail_transactions")
    empty("load", str(tmp_path / "new.csv"))
    assert _partitions(empty) == {"raw.retail_transactions_before_partitioning": len(GOOD_ROWS),
                                  "raw.retail_transactions_batch_2": 30}
    assert _loaded(empty, "old.csv") == before
    empty("unload", "1")
    assert raw_counts(empty)[0] == 30


def test_a_load_does_not_import_pandas(empty, tmp_path):
    """The loader turns no Python value into an Arrow one on the way of a clean CSV or Parquet
    file: the first such turn imports pandas, 0.2 s of a load's CPU beside the COPY. (A row to
    check again may: it is read again by a slower path anyway.)"""
    csv_path = write_csv(tmp_path / "clean.csv", UCI_HEADER, GOOD_ROWS)
    parquet_path = tmp_path / "clean.parquet"
    pq.write_table(pa.table({name: [row[i] or None for row in GOOD_ROWS] for i, name in enumerate(UCI_HEADER)}),
                   parquet_path)
    for path in (csv_path, parquet_path):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "lgs", "load", str(path)], env=empty.env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "batch" in result.stdout and "rejected 0" in result.stdout
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
        assert "pyarrow" in imported and "pandas" not in imported, path.name


def test_typed_copy_of_parquet_equals_the_landing_path_row_for_row(empty, tmp_path, monkeypatch):
    """Parquet on PostgreSQL 17+: rows Arrow can tell will not type are kept back, the others
    COPYed typed; the rows, numbers and reasons are the landing path's. A value the server
    still cannot type sends the whole file down the landing path."""
    import psycopg
    from lgs.loading import inspect_paths, load_reader, typed_copy
    from lgs.loading.store import ensure_raw_schema

    date = "2010-12-01 08:26:00"
    rows = [  # invoice, stock code, description, quantity, date, price, customer
        ("536365", "85123A", "GOOD", 6, date, 2.55, 17850.0),
        ("536366", "85123B", "NAN PRICE", 6, date, float("nan"), 17850.0),
        (None, "85123C", "MISSING INVOICE", 6, date, 2.55, 17850.0),
        ("536368", "85123D", "FRACTIONAL CUSTOMER", 6, date, 2.55, 17850.5),
        ("536369", "85123E", "WORDS DATE", 6, "Dec 1 2010 08:26", 2.55, None),
        ("536370", "85123F", "NO QUANTITY", None, date, 2.55, 17850.0),
        ("536371", "85123G", "NUL \x00 INSIDE", 6, date, 2.55, 17850.0),
        ("536372", " ", "BLANK STOCK CODE", 6, date, 2.55, 17850.0),
        ("536373", "85123H", "US DATE", 2, "12/1/2010 8:26", 1.25, None),
        ("536374", "85123I", "GOOD", 1, date, 0.85, 12346.0),
    ]
    columns = list(zip(*rows))
    table = pa.table({"Invoice": pa.array(columns[0], pa.string()), "StockCode": pa.array(columns[1], pa.string()),
                      "Description": pa.array(columns[2], pa.string()), "Quantity": pa.array(columns[3], pa.int64()),
                      "InvoiceDate": pa.array(columns[4], pa.string()), "Price": pa.array(columns[5], pa.float64()),
                      "Customer ID": pa.array(columns[6], pa.float64()), "Country": ["UK"] * len(rows)})
    clean_path, skipped_path = tmp_path / "dirty.parquet", tmp_path / "skipped.parquet"
    pq.write_table(table, clean_path)
    bad_date = table.set_column(4, "InvoiceDate", pa.array([*columns[4][:-1], "2010-02-30 10:00:00"], pa.string()))
    pq.write_table(bad_date, skipped_path)
    used = []
    real_load = typed_copy.load_parquet
    monkeypatch.setattr(typed_copy, "load_parquet", lambda *a: used.append(real_load(*a)) or used[-1])
    with psycopg.connect(empty.url) as conn:
        ensure_raw_schema(conn)
        for path in (clean_path, skipped_path):
            (reader,) = inspect_paths([path])
            monkeypatch.setattr(typed_copy, "available", lambda conn: True)
            typed = load_reader(conn, reader)
            typed_rows = _batch_rows(conn, typed.batch_id)
            monkeypatch.setattr(typed_copy, "available", lambda conn: False)
            landed = load_reader(conn, reader, replace=True)
            assert typed_rows == _batch_rows(conn, landed.batch_id), path.name
            assert (typed.rows_read, typed.rows_loaded + typed.rows_rejected) == (len(rows), len(rows))
        conn.commit()
    assert used[0] is not None, "the typed COPY path loaded the Parquet file"
    assert used[1] is None, "30 February: the server skips a row Arrow sent, so the file takes the landing path"
    lines, rejects = typed_rows
    assert [row[0] for row in lines] == [1, 9]
    assert {row: reason for row, _, reason in rejects}[7] == "contains a NUL character"


def test_parquet_text_columns_are_read_as_dictionaries_or_else_as_before(empty, tmp_path, monkeypatch):
    """A Parquet file's text columns are read as the dictionaries the file stores; should Arrow
    not find a column by its name for that, the file is read as before, with the same rows,
    numbers and rejects."""
    import psycopg
    from lgs.loading import inspect_paths, load_reader
    from lgs.loading.store import ensure_raw_schema

    date = datetime(2010, 12, 1, 8, 26)
    table = pa.table({"Invoice": ["536365", "536366", "536367"], "StockCode": ["85123A", "NUL\x00", "22752"],
                      "Description": ["", "WHITE HEART", None], "Quantity": [6, 2, 1], "InvoiceDate": [date] * 3,
                      "Price": [2.55, 1.5, 0.0], "Customer ID": [17850.0, None, 13047.0],
                      "Country": ["United Kingdom", "France", ""]})
    path = tmp_path / "texts.parquet"
    pq.write_table(table, path)
    (reader,) = inspect_paths([path])
    read = reader._open(texts_as_dictionaries=True).schema_arrow
    assert all(pa.types.is_dictionary(read.field(name).type) for name in ("Invoice", "Description", "Country"))
    assert not pa.types.is_dictionary(read.field("Quantity").type)
    real_file, refused = pq.ParquetFile, []

    def no_dictionaries(source, **options):
        if options.get("read_dictionary"):
            refused.append(options["read_dictionary"])
            raise KeyError(b"Invoice")
        return real_file(source, **options)

    with psycopg.connect(empty.url) as conn:
        ensure_raw_schema(conn)
        as_dictionaries = load_reader(conn, reader)
        rows = _batch_rows(conn, as_dictionaries.batch_id)
        monkeypatch.setattr(pq, "ParquetFile", no_dictionaries)
        as_before = load_reader(conn, reader, replace=True)
        assert refused and _batch_rows(conn, as_before.batch_id) == rows
        conn.commit()
    lines, rejects = rows
    assert [(line[0], line[3], line[8]) for line in lines] == [(1, "", "United Kingdom"), (3, None, "")]
    assert [(row, reason) for row, _, reason in rejects] == [(2, "contains a NUL character")]


@pytest.mark.parametrize("case", ["both parts", "the second connection fails", "the server skips a row"])
def test_typed_copy_of_parquet_in_two_parts_equals_the_landing_path(empty, tmp_path, monkeypatch, case):
    """A Parquet file of more than one batch is COPYed in two parts at once, each turned into
    text by a thread of its own: rows kept back, read again and rejected in either part are
    the landing path's. A second connection that fails leaves one part; a row the server
    skips, the landing path; neither leaves a second part behind."""
    import psycopg
    from lgs.loading import inspect_paths, readers, typed_copy

    monkeypatch.setattr(readers, "PARQUET_BATCH_ROWS", 4)  # 20 rows: 5 batches, cut after 8 rows
    date = "2010-12-01 08:26:00"
    good = ("536365", "85123A", "GOOD", 6, date, 2.55, 17850.0)
    rows = [good] * 20
    for at in (2, 14):  # one of each in either part
        rows[at] = ("536366", "85123B", "NAN PRICE", 6, date, float("nan"), 17850.0)
        rows[at + 1] = ("536371", "85123G", "NUL \x00 INSIDE", 6, date, 2.55, 17850.0)
        rows[at + 2] = ("536369", "85123E", "WORDS DATE", 6, "Dec 1 2010 08:26", 2.55, None)
        rows[at + 3] = ("536373", "85123H", "US DATE", 2, "12/1/2010 8:26", 1.25, None)
    if case == "the server skips a row":
        rows[18] = ("536374", "85123I", "30 FEBRUARY", 1, "2010-02-30 10:00:00", 0.85, 12346.0)
    if case == "the second connection fails":
        def refused(helper, *args):
            raise psycopg.errors.InsufficientPrivilege("permission denied for schema raw")

        monkeypatch.setattr(typed_copy, "_copy_second_parquet_part", refused)
    columns = list(zip(*rows))
    types = [pa.string(), pa.string(), pa.string(), pa.int64(), pa.string(), pa.float64(), pa.float64()]
    table = pa.table([pa.array(values, kind) for values, kind in zip(columns, types)] + [pa.array(["UK"] * 20)],
                     names=UCI_HEADER)
    path = tmp_path / "parts.parquet"
    pq.write_table(table, path)
    used, cuts = [], []
    real_load, real_attempt = typed_copy.load_parquet, typed_copy._load_parquet
    monkeypatch.setattr(typed_copy, "load_parquet", lambda *a: used.append(real_load(*a)) or used[-1])
    monkeypatch.setattr(typed_copy, "_load_parquet", lambda *a: cuts.append(a[-2]) or real_attempt(*a))
    (reader,) = inspect_paths([path])
    assert reader.split_point() == typed_copy.RowSplit(8)
    typed, typed_rows, parts, landed, landed_rows, left_behind = _loaded_in_parts_both_ways(empty.url, reader,
                                                                                            monkeypatch)
    assert typed_rows == landed_rows
    skips = case == "the server skips a row"
    assert (typed.rows_read, typed.rows_loaded, typed.rows_rejected) == (20, 14 - skips, 6 + skips)
    first, second = (f"raw.retail_transactions_batch_{typed.batch_id}_part_{n}" for n in (1, 2))
    if case == "both parts":
        assert used[0] is not None and cuts == [typed_copy.RowSplit(8)]
        assert parts == {first: (5, 1, 8), second: (9, 9, 20)}
    elif case == "the second connection fails":
        assert used[0] is not None and parts == {first: (14, 1, 20)}
        assert cuts == [typed_copy.RowSplit(8), None], "then in one part"
    else:
        assert used[0] is None, "the server skipped a row Arrow sent: the landing path loaded the file"
        assert cuts == [typed_copy.RowSplit(8)], "not again in one part: the cut is certain, the row the same"
    assert left_behind == (case == "both parts")  # there, attached (parts)
