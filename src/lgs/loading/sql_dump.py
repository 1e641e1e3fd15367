"""Read rows of table `retail` out of a PostgreSQL dump without ever executing it.

The original exercise shipped `retail.sql`: a `CREATE TABLE retail (...)` followed by the
rows as a `COPY retail (...) FROM stdin;` block (pg_dump's default) or as `INSERT INTO
retail ... VALUES (...)` statements (`pg_dump --inserts`, or hand-written multi-row
inserts). Both forms are parsed here as data: a dump's text never reaches the server as
SQL, so nothing a file contains can run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from lgs.errors import RefusedFile
from lgs.loading.columns import COLUMN_ORDER, map_header

TABLE = "retail"
# The exercise's table, in its column order (used when an INSERT names no columns).
DEFAULT_COLUMNS = ["invoice_no", "stock_code", "description", "quantity", "invoice_date", "unit_price",
                   "customer_id", "country"]

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"(?:{_NAME}\s*\.\s*)?({_NAME})"
COPY_START = re.compile(rf"^\s*copy\s+{_QUALIFIED}\s*(?:\(([^)]*)\))?\s+from\s+stdin\b", re.I)
INSERT_START = re.compile(rf"^\s*insert\s+into\s+{_QUALIFIED}\s*(?:\(([^)]*)\))?\s*values\b", re.I)
CREATE_START = re.compile(rf"^\s*create\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?{_QUALIFIED}\s*\(", re.I)

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<estr>[eE]'(?:[^'\\]|''|\\.)*')
      | (?P<str>'(?:[^']|'')*')
      | (?P<null>null\b)
      | (?P<bool>true\b|false\b)
      | (?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<cast>::\s*[A-Za-z_][\w ]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])?)
      | (?P<punct>[(),;])
    )""",
    re.X | re.I | re.S,
)
_COPY_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.S)
_COPY_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_E_SIMPLE = {**_COPY_SIMPLE, "'": "'", "\\": "\\"}


class SqlDumpError(Exception):
    """The dump as a whole is unusable (no data for `retail`)."""


def _unquote_name(name: str) -> str:
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def _column_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [_unquote_name(part.strip()) for part in text.split(",")]


def _copy_field(field: str) -> str | None:
    if field == "\\N":
        return None

    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _COPY_SIMPLE.get(code, code)

    return _COPY_ESCAPE.sub(replace, field) if "\\" in field else field


def _literal(kind: str, token: str) -> str | None:
    if kind == "null":
        return None
    if kind == "str":
        return token[1:-1].replace("''", "'")
    if kind == "estr":
        body = token[2:-1].replace("''", "'")
        return re.sub(r"\\(.)", lambda m: _E_SIMPLE.get(m.group(1), m.group(1)), body, flags=re.S)
    return token


class _Mapper:
    """Puts a row's values in canonical order, given the statement's column list."""

    def __init__(self, columns: list[str], where: str) -> None:
        mapping = map_header(columns, where)
        self.width = len(columns)
        self.order = [mapping.index(name) for name in COLUMN_ORDER]

    def row(self, values: list[str | None], raw: str) -> tuple[list[str | None], str] | str:
        if len(values) != self.width:
            return f"expected {self.width} values, found {len(values)}"
        return [values[i] for i in self.order], raw


def _insert_tuples(statement: str, start: int) -> Iterator[tuple[list[str | None], str] | str]:
    """The value tuples of one INSERT statement, from just after VALUES."""
    pos = start
    length = len(statement)
    while pos < length:
        match = _TOKEN.match(statement, pos)
        if not match or match.group("punct") != "(":
            if match and match.group("punct") == ";":
                return
            if statement[pos:].strip() in ("", ";"):
                return
            yield "unparseable INSERT values near: " + statement[pos:pos + 60].strip()
            return
        tuple_start = match.start("punct")
        pos = match.end()
        values: list[str | None] = []
        expect_value = True
        while True:
            match = _TOKEN.match(statement, pos)
            if not match:
                yield "unparseable INSERT value near: " + statement[pos:pos + 60].strip()
                return
            pos = match.end()
            kind = match.lastgroup
            token = match.group(kind)
            if kind == "cast":
                continue
            if kind == "punct":
                if token == ")":
                    break
                if token == "," and not expect_value:
                    expect_value = True
                    continue
                yield "unparseable INSERT value near: " + statement[match.start():match.start() + 60].strip()
                return
            if not expect_value:
                yield "missing comma between INSERT values"
                return
            values.append(_literal(kind, token))
            expect_value = False
        yield values, statement[tuple_start:pos]
        match = _TOKEN.match(statement, pos)
        if not match:
            return
        if match.group("punct") == ",":
            pos = match.end()
        elif match.group("punct") == ";":
            return
        else:
            yield "unparseable text after INSERT values: " + statement[pos:pos + 60].strip()
            return


def _statement(first_line: str, lines: Iterator[str]) -> str:
    """Accumulate lines until a `;` outside string literals ends the statement."""
    parts = [first_line]
    text = first_line
    while not _ends_statement(text):
        line = next(lines, None)
        if line is None:
            break
        parts.append(line)
        text = "".join(parts)
    return "".join(parts)


def _ends_statement(text: str) -> bool:
    in_string = False
    escaped_string = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_string:
            if escaped_string and ch == "\\":
                i += 2
                continue
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                in_string = False
        elif ch == "'":
            in_string = True
            escaped_string = i > 0 and text[i - 1] in "eE"
        elif ch == ";":
            return True
        i += 1
    return False


def iter_dump_rows(text: IO[str], limit: int | None = None) -> Iterator[tuple[list[str | None], str] | str]:
    """Rows of `retail` in canonical column order with their raw text, or a reject reason.

    Raises SqlDumpError when the dump holds no data statement for `retail` at all.
    """
    seen_retail = False
    other_tables: set[str] = set()
    table_columns = DEFAULT_COLUMNS
    produced = 0
    lines = iter(text)
    for line in lines:
        if limit is not None and produced >= limit:
            return
        stripped = line.lstrip()
        if not stripped or stripped.startswith("--"):
            continue
        if create := CREATE_START.match(line):
            if _unquote_name(create.group(1)) == TABLE:
                body = _statement(line, lines)
                inner = body[body.index("(") + 1: body.rindex(")")] if ")" in body else ""
                names = [part.strip().split()[0] for part in re.split(r",(?![^(]*\))", inner) if part.strip()]
                names = [_unquote_name(n) for n in names if n.lower() not in ("constraint", "primary", "unique", "check", "foreign")]
                if names:
                    table_columns = names
            else:
                _statement(line, lines)
            continue
        if copy := COPY_START.match(line):
            table = _unquote_name(copy.group(1))
            is_retail = table == TABLE
            seen_retail |= is_retail
            if not is_retail:
                other_tables.add(table)
            mapper = None
            if is_retail:
                try:
                    mapper = _Mapper(_column_list(copy.group(2)) or table_columns, "COPY retail")
                except RefusedFile as exc:
                    raise SqlDumpError(f"COPY retail: {exc.reason}") from None
            for data_line in lines:
                row = data_line.rstrip("\n").rstrip("\r")
                if row == "\\.":
                    break
                if mapper is None:
                    continue
                if limit is not None and produced >= limit:
                    return
                produced += 1
                yield mapper.row([_copy_field(f) for f in row.split("\t")], row)
            continue
        if insert := INSERT_START.match(line):
            statement = _statement(line, lines)
            match = INSERT_START.match(statement)
            table = _unquote_name(match.group(1))
            if table != TABLE:
                other_tables.add(table)
                continue
            seen_retail = True
            try:
                mapper = _Mapper(_column_list(match.group(2)) or table_columns, "INSERT INTO retail")
            except RefusedFile as exc:
                raise SqlDumpError(f"INSERT INTO retail: {exc.reason}") from None
            for item in _insert_tuples(statement, match.end()):
                if limit is not None and produced >= limit:
                    return
                produced += 1
                yield item if isinstance(item, str) else mapper.row(*item)
            continue
        if re.match(r"^\s*(?:create|alter|select|set|comment|grant|revoke|drop|begin|commit)\b", line, re.I):
            _statement(line, lines)
    if not seen_retail:
        found = f" (it has data for: {', '.join(sorted(other_tables))})" if other_tables else ""
        raise SqlDumpError(f"not a retail dump: no COPY or INSERT data for table {TABLE}{found}")
