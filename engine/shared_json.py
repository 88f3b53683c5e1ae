"""A JSON column whose loaded values are parsed once per distinct text and shared, read-only.

A process version's ``forms`` (~10 KB) and ``summary`` (~7 KB) come with every instance a step completion
locks, and parsing them cost more than the rest of that row. They are immutable, so each distinct stored
text is parsed once per process and every later load returns the same value. The cache is addressed by
the text itself, never by an id or a process key: two databases (tests, several deployments in one
process) may hold different forms under the same version id or the same BPMN sha256, and still never
share a value unless their texts are equal. The shared value is frozen (:class:`FrozenDict`,
:class:`FrozenList`): an attempt to change it raises instead of changing what every other load sees;
``copy.deepcopy`` gives plain, mutable containers.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import JSON, Text, cast, type_coerce
from sqlalchemy.types import TypeDecorator


def _refuse(self, *args, **kwargs):
    raise TypeError(f"{type(self).__name__} is read-only (a shared value of a process version)")


class FrozenDict(dict):
    """A dict that refuses changes (still a ``dict`` for isinstance checks, json and templates)."""

    __slots__ = ()
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo) -> dict:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self):
        return dict, (dict(self),)


class FrozenList(list):
    """A list that refuses changes."""

    __slots__ = ()
    __setitem__ = __delitem__ = append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo) -> list:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self):
        return list, (list(self),)


def freeze(value: Any) -> Any:
    """``value`` (parsed JSON) with every dict and list frozen."""
    if isinstance(value, dict):
        return FrozenDict((key, freeze(item)) for key, item in value.items())
    if isinstance(value, list):
        return FrozenList(freeze(item) for item in value)
    return value


#: stored text -> its frozen value; cleared when full (a process sees a handful of versions)
_PARSED: dict[str, Any] = {}
_MAX_ENTRIES = 256


def shared_value(text: str | None) -> Any:
    """The frozen value of a stored JSON text, parsed once per distinct text."""
    if text is None:
        return None
    value = _PARSED.get(text)
    if value is None:
        if len(_PARSED) >= _MAX_ENTRIES:
            _PARSED.clear()
        value = _PARSED[text] = freeze(json.loads(text))
    return value


class _StoredText(TypeDecorator):
    """The column read as its text (see :class:`SharedJSON`), turned into the shared value."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value, dialect):
        return shared_value(value)


class SharedJSON(TypeDecorator):
    """JSON written as usual, read as a shared, frozen value (module docstring).

    The column is selected as text (``CAST(column AS TEXT)``): PostgreSQL's driver would otherwise parse it
    before the cache could see the text.
    """

    impl = JSON
    cache_ok = True

    def column_expression(self, column):
        return type_coerce(cast(column, Text), _StoredText())
