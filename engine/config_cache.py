"""Per-process caches of what rarely changes (the lane roles, the calendar's overrides), exact across processes.

Every change to ``role`` or ``calendar_override`` — by this app, another worker or host, a CLI command or
plain SQL — rewrites ``config_stamp.stamp`` in the same transaction (triggers, ``engine/db.py``). A cached
value is kept with the stamp it was read under and used only while a request reads that same stamp, which
costs no round trip of its own: :func:`stamp_column` rides along in the query that loads the request's user.

Why a value is never stale: on a miss the stamp is read *before* the data, so the data is at least as new
as the stamp it is stored under (a change committed in between only makes it newer, and that change
rewrote the stamp, so the next reader misses and reads again). A change not yet committed — even the
reader's own — brings a stamp no other transaction sees, and if it is rolled back that stamp is never seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from .models import ConfigStamp

T = TypeVar("T")


_STAMP = select(ConfigStamp.stamp).where(ConfigStamp.id == 1)  # built once: statements are immutable
_STAMP_COLUMN = _STAMP.scalar_subquery()


def stamp_column() -> ScalarSelect:
    """``(SELECT stamp FROM config_stamp WHERE id = 1)``, to add to a query a request makes anyway."""
    return _STAMP_COLUMN


def read_stamp(session: Session) -> int | None:
    """The stamp alone (None if the row is missing: then nothing is cached)."""
    return session.scalar(_STAMP)


class StampedCache(Generic[T]):
    """One value derived by ``load(session)``, kept while the database's stamp is unchanged; thread-safe."""

    def __init__(self, load: Callable[[Session], T]):
        self._load = load
        # (stamp, value), replaced whole: threads read and replace it without a lock (two threads missing
        # at once both load, and either result is right for its stamp)
        self._entry: tuple[int, T] | None = None

    def get(self, session: Session, stamp: int | None = None) -> T:
        """The value for a reader that saw ``stamp`` (``None``: not read yet, read it here)."""
        fresh = stamp is None
        if fresh:
            stamp = read_stamp(session)
        entry = self._entry
        if stamp is not None and entry is not None and entry[0] == stamp:
            return entry[1]
        if not fresh:  # the reader's stamp may be older than its own writes: read the one the data goes with
            stamp = read_stamp(session)
        value = self._load(session)
        if stamp is not None:
            self._entry = (stamp, value)
        return value
