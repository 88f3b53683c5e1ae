"""Independent writes of one save, sent together: on PostgreSQL in one statement (one round trip)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, ValuesBase
from sqlalchemy.sql.visitors import iterate, replacement_traverse

Write = tuple[ValuesBase, list[dict[str, Any]]]


def execute_together(session: Session, *writes: Write) -> None:
    """Execute each (INSERT or UPDATE statement, its rows' parameters), in order; a write without rows is left out.

    The writes must not depend on each other: none reads or writes a row another one writes, and none needs
    another's result (row count, RETURNING). On PostgreSQL, when each has a single row, they are one statement:
    the last one with the others as data-modifying WITHs (all of them see the database as it was before the
    statement, which is why they must be independent). Otherwise (SQLite has no data-modifying WITH; several
    rows are an executemany, which would repeat the WITHs) one statement each.
    """
    writes = tuple((statement, rows) for statement, rows in writes if rows)
    combined = None
    if (len(writes) > 1 and all(len(rows) == 1 for _, rows in writes)
            and session.get_bind().dialect.name == "postgresql"):
        combined = _combined(tuple((statement, tuple(rows[0])) for statement, rows in writes))
    if combined is None:
        for statement, rows in writes:
            session.execute(statement, rows)
        return
    statement, names = combined
    session.execute(statement, {name: value for (_, rows), part_names in zip(writes, names, strict=True)
                                for name, value in zip(part_names, rows[0].values(), strict=True)})


@functools.lru_cache(maxsize=256)
def _combined(shape: tuple[tuple[ValuesBase, tuple[str, ...]], ...]) -> tuple[ValuesBase, list[tuple[str, ...]]] | None:
    """The one statement of writes of this shape ((statement, its parameters' names) …) and each part's
    parameter names in it; None when they cannot be one (an INSERT in a WITH would leave out the client-side
    default of a column it is not given).

    Every part's parameters are renamed apart (``p<i>_<name>``) and every value it sets is an explicit
    parameter: SQLAlchemy sets the columns named by the execution's parameters in every INSERT and UPDATE of
    the statement, so no parameter may be named like a column."""
    parts, names = [], []
    for index, (statement, keys) in enumerate(shape):
        prefix = f"p{index}_"
        bound = {element.key for element in iterate(statement) if isinstance(element, BindParameter)} & set(keys)
        values = {key: bindparam(prefix + key) for key in keys if key not in bound}  # column values by name
        if index < len(shape) - 1 and isinstance(statement, Insert) and any(
                column.default is not None and column.key not in keys for column in statement.table.columns):
            return None
        if values:
            statement = statement.values(values)
        parts.append(replacement_traverse(statement, {}, functools.partial(_renamed, bound, prefix)))
        names.append(tuple(prefix + key for key in keys))
    *first, last = parts
    return last.add_cte(*(part.cte(f"write_{index}") for index, part in enumerate(first))), names


def _renamed(bound: set[str], prefix: str, element: Any) -> Any:
    if isinstance(element, BindParameter) and element.key in bound:
        return bindparam(prefix + element.key, type_=element.type)
    return None
