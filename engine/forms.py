"""Form data validation against a step's JSON Schema, with per-field error codes for translation."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .errors import InvalidData
from .shared_json import FrozenDict

_FORMAT_CHECKER = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)


@_FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """ISO 8601 / RFC 3339 date and time with a UTC offset (jsonschema skips date-time without an extra)."""
    if not isinstance(value, str):
        return True
    if len(value) < 16 or value[10] not in "Tt ":
        raise ValueError("not a date-time")
    parsed = datetime.fromisoformat(value.replace("z", "Z"))
    if parsed.utcoffset() is None:
        raise ValueError("date-time without a UTC offset")
    return True


def check_schema(schema: Any) -> str | None:
    """None if ``schema`` is a usable form schema, else the reason."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return "the top level must be an object schema (type: object)"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return error.message
    return None


def _field_path(error) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    if error.validator == "additionalProperties" and "'" in error.message:
        path.append(error.message.split("'")[1])
    return ".".join(p for p in path if p) or "_form"


def _error_code(error) -> tuple[str, dict]:
    kind = error.validator
    if kind == "required":
        return "field_required", {}
    if kind == "minLength":
        if error.validator_value == 1 or error.instance == "":
            return "field_required", {}
        return "field_min_length", {"limit": error.validator_value}
    if kind == "maxLength":
        return "field_max_length", {"limit": error.validator_value}
    if kind in ("enum", "const", "oneOf") and error.schema.get("oneOf") is not None:
        return "field_choice", {}
    if kind in ("enum", "const"):
        return "field_choice", {}
    if kind == "format":
        return "field_format", {"format": error.validator_value}
    if kind == "pattern":
        return "field_pattern", {}
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return "field_range", {"limit": error.validator_value}
    if kind == "type":
        return "field_type", {"type": error.validator_value}
    if kind == "additionalProperties":
        return "field_unknown", {}
    if kind == "anyOf" and isinstance(error.instance, dict):
        return "field_one_of_contact", {}
    return "field_invalid", {"detail": error.message}


_VALIDATORS: dict[str, Draft202012Validator] = {}
#: validators of shared, read-only schemas (a process version's forms, engine/shared_json.py) by the schema's
#: identity: such a schema never changes, and the entry holds it, so its id names no other object meanwhile
_SHARED_VALIDATORS: dict[int, tuple[FrozenDict, Draft202012Validator]] = {}


def _validator(schema: dict) -> Draft202012Validator:
    """A validator for ``schema``, built once per distinct schema (building one costs more than validating)."""
    shared = isinstance(schema, FrozenDict)
    if shared:  # found without serializing the schema (that cost as much as the validation)
        entry = _SHARED_VALIDATORS.get(id(schema))
        if entry is not None and entry[0] is schema:
            return entry[1]
    key = json.dumps(schema, sort_keys=True)
    validator = _VALIDATORS.get(key)
    if validator is None:
        if len(_VALIDATORS) > 512:
            _VALIDATORS.clear()
        validator = _VALIDATORS[key] = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    if shared:
        if len(_SHARED_VALIDATORS) > 512:
            _SHARED_VALIDATORS.clear()
        _SHARED_VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validate_form(schema: dict, data: Any) -> dict:
    """Return ``data`` if it satisfies ``schema``; else raise InvalidData with one error per field."""
    if not isinstance(data, dict):
        raise InvalidData({"_form": ("field_type", {"type": "object"})})
    validator = _validator(schema)
    errors: dict[str, tuple[str, dict]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), e.path)):
        # descend into if/then and anyOf so the message names the real field
        leaf = error
        if error.validator in ("anyOf", "oneOf") and error.context and error.schema.get("oneOf") is None:
            leaf = min(error.context, key=lambda e: len(e.absolute_path))
            if leaf.validator == "required" and error.validator == "anyOf":
                errors.setdefault(_field_path(error) if error.absolute_path else "_form",
                                  ("field_one_of_contact", {}))
                continue
        path = _field_path(leaf)
        errors.setdefault(path, _error_code(leaf))
    if errors:
        raise InvalidData(errors)
    return data
