"""The loader's typing rules, once: why a landed row cannot be typed, and its typed values.

Every engine lands rows as text and types them in SQL with these rules; only the spelling
of a few checks differs between engines (a `Dialect`). PostgreSQL's loader adds a faster
all-clean path of its own (store.py), which falls back to these rules at the first bad row.
"""

from __future__ import annotations

from dataclasses import dataclass

# The date-time shapes accepted: ISO (YYYY-MM-DD, as in the UCI workbook, Parquet and dumps) and
# the US M/D/YYYY of the older UCI CSV. Anything else (12.01.2010, 01-12-2010, words) is
# rejected rather than guessed: PostgreSQL would read 01.12.2010 as 12 January.
DATE_TIME_PATTERN = (
    r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})"
    r"([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"
)
NOT_A_NUMBER = "('nan', 'infinity', '+infinity', '-infinity', 'inf', '+inf', '-inf')"


def arrow_known_date_format(dates):
    """The date-time format check of `reason_sql` on an Arrow array of text (for the typed
    COPY, which checks formats in Arrow): true where the value, trimmed of spaces as `trim`
    does, matches DATE_TIME_PATTERN; false for NULL. (NULL is made false by Kleene logic, not
    by fill_null(..., False): a Python value turned into an Arrow one imports pandas, 0.4 s
    of a CSV load's thread.)"""
    import pyarrow.compute as pc

    matched = pc.match_substring_regex(pc.utf8_trim(dates, " "), DATE_TIME_PATTERN)
    return pc.and_kleene(matched, pc.is_valid(matched))


@dataclass(frozen=True)
class Dialect:
    """How one engine spells the checks; each takes a trimmed text expression."""

    name: str
    integer: str  # a valid whole number of the integer range
    numeric_value: str  # the number, NULL when it is not one
    timestamp_value: str  # the date-time, NULL when it is not one
    matches: str  # the text matches {pattern}
    is_valid_numeric: str = "{value} is not null"
    is_valid_timestamp: str = "{value} is not null"

    def number(self, text: str) -> str:
        return self.numeric_value.format(text=text)

    def timestamp(self, text: str) -> str:
        return self.timestamp_value.format(text=text)


POSTGRES = Dialect(
    name="postgres",
    integer="pg_input_is_valid({text}, 'integer')",
    numeric_value="case when pg_input_is_valid({text}, 'numeric') then cast({text} as numeric) end",
    timestamp_value="case when pg_input_is_valid({text}, 'timestamp') then cast({text} as timestamp) end",
    matches="{text} ~ '{pattern}'",
    is_valid_numeric="pg_input_is_valid({text}, 'numeric')",
    is_valid_timestamp="pg_input_is_valid({text}, 'timestamp')",
)

# DuckDB rounds '1.5' to 2 when casting to an integer, so a whole number is checked by shape.
DUCKDB = Dialect(
    name="duckdb",
    integer="(regexp_full_match({text}, '[+-]?[0-9]+') and try_cast({text} as integer) is not null)",
    numeric_value="coalesce(try_cast({text} as decimal(38, 9)), try_cast(try_cast({text} as double) as decimal(38, 9)))",
    timestamp_value=(
        "coalesce(try_cast({text} as timestamp), try_strptime({text}, '%m/%d/%Y %H:%M:%S'),"
        " try_strptime({text}, '%m/%d/%Y %H:%M'), try_strptime({text}, '%m/%d/%Y'))"
    ),
    matches="regexp_matches({text}, '{pattern}')",
)

SPARK = Dialect(
    name="spark",
    integer="(try_cast({text} as int) is not null and {text} rlike '^[+-]?[0-9]+$')",
    numeric_value="coalesce(try_cast({text} as decimal(38, 9)), try_cast(try_cast({text} as double) as decimal(38, 9)))",
    timestamp_value=(
        "coalesce(try_cast({text} as timestamp), try_to_timestamp({text}, 'M/d/yyyy H:mm:ss'),"
        " try_to_timestamp({text}, 'M/d/yyyy H:mm'), try_to_timestamp({text}, 'M/d/yyyy'))"
    ),
    matches="{text} rlike '{pattern}'",
)


def reason_sql(dialect: Dialect) -> str:
    """Why a landed row cannot be typed; NULL when it can. The first failing check wins."""
    d = dialect

    def valid_number(column: str) -> str:
        text = f"trim({column})"
        valid = d.is_valid_numeric.format(text=text, value=d.number(text))
        return f"({valid} and lower({text}) not in {NOT_A_NUMBER})"

    def valid_timestamp(column: str) -> str:
        text = f"trim({column})"
        return d.is_valid_timestamp.format(text=text, value=d.timestamp(text))

    customer = "trim(customer_id)"
    return f"""
        case
            when reject_reason is not null then reject_reason
            when nullif(trim(invoice), '') is null then 'missing Invoice'
            when nullif(trim(stock_code), '') is null then 'missing StockCode'
            when nullif(trim(quantity), '') is null then 'missing Quantity'
            when not {d.integer.format(text='trim(quantity)')}
                then 'Quantity is not a whole number: ' || left(quantity, 60)
            when nullif(trim(invoice_date), '') is null then 'missing InvoiceDate'
            when not {d.matches.format(text='trim(invoice_date)', pattern=DATE_TIME_PATTERN)}
                then 'InvoiceDate is not a date-time in a known format (YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM): ' || left(invoice_date, 60)
            when not {valid_timestamp('invoice_date')}
                then 'InvoiceDate is not a date-time: ' || left(invoice_date, 60)
            when nullif(trim(unit_price), '') is null then 'missing Price'
            when not {valid_number('unit_price')}
                then 'Price is not a number: ' || left(unit_price, 60)
            when nullif({customer}, '') is not null and not {valid_number('customer_id')}
                then 'Customer ID is not a number: ' || left(customer_id, 60)
            when nullif({customer}, '') is not null
                and {d.number(customer)} <> floor({d.number(customer)})
                then 'Customer ID is not a whole number: ' || left(customer_id, 60)
        end"""


def typed_columns_sql(dialect: Dialect) -> str:
    """The raw columns from a landed row that passed `reason_sql`, in the raw table's order
    after the lineage columns: invoice .. country."""
    return f"""invoice, stock_code, description,
                cast(trim(quantity) as integer),
                {dialect.timestamp('trim(invoice_date)')},
                {dialect.number('trim(unit_price)')},
                {dialect.number("nullif(trim(customer_id), '')")},
                country"""
