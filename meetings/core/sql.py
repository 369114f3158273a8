"""SQL shapes that the hot paths need on PostgreSQL and that SQLite spells differently."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Executable, Table, any_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

from meetings.extensions import db


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def among(column, values: Iterable) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter however many values.

    A thousand values as a thousand placeholders cost more to build, send and parse than the lookup
    itself (a 1,000-endpoint booking names a thousand codes); the array is one value for psycopg.
    """
    values = list(values)
    if on_postgresql():
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert many rows of one table (every row names the same columns) in one statement.

    On PostgreSQL `INSERT ... SELECT FROM unnest(:column_arrays)`: one array per column, so that psycopg
    neither sends a thousand statements (executemany) nor parses ten thousand placeholders (one VALUES
    list). Elsewhere the driver's executemany. Constraint violations raise as from any insert.
    """
    if not rows:
        return
    names = list(rows[0])
    if not on_postgresql():
        db.session.execute(insert(table), rows)
        return
    arrays = [bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type)) for name in names]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    db.session.execute(insert(table).from_select(names, select(*(unnested.c[name] for name in names))))


def together(*writes: Executable) -> tuple[Executable]:
    """Writes as one PostgreSQL statement: the last, with the others before it as data-modifying CTEs.

    One round trip instead of one per write, and still one statement's atomicity. Every write sees the
    snapshot the statement started with (not the others' rows), so the writes must not read each other;
    their parameters share one namespace. For PostgreSQL only: SQLite has no writes in WITH.
    """
    *first, last = writes
    return (last.add_cte(*(write.cte(f"write_{index}") for index, write in enumerate(first))),)
