"""Server-side HTML for a step's JSON Schema form, and the request → form-data conversion.

Supported (what the shipped forms use): string → text input, ``x-widget: textarea`` → textarea,
``format: date`` → date input, ``format: date-time`` → datetime-local (read back in the office time zone),
``format: email`` → e-mail input, integer/number → number input, boolean → checkbox, ``oneOf`` of
``const``/``title`` (or ``enum``) → radios (up to 3 choices) or a select, ``x-widget: file`` → file upload,
and one level of nested object as a fieldset. Every control has a label, help text tied with
``aria-describedby`` and its error next to it; values the user typed are kept when validation fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from markupsafe import Markup, escape

RADIO_LIMIT = 3
#: The reference ``tasks_ui.uploads.store_upload`` returns; a kept file must look like one.
UPLOAD_REFERENCE = re.compile(r"^lampiran:[0-9a-f]{32}\.[a-z0-9]{1,5}$")


class UploadRefused(Exception):
    """An uploaded file that may not be stored (too large, wrong type); ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def choices(prop: Mapping) -> list[tuple[str, str]] | None:
    """(value, label) pairs of a ``oneOf`` const/title or ``enum`` property, else None."""
    if isinstance(prop.get("oneOf"), list) and all("const" in o for o in prop["oneOf"]):
        return [(str(o["const"]), str(o.get("title", o["const"]))) for o in prop["oneOf"]]
    if isinstance(prop.get("enum"), list):
        return [(str(v), str(v)) for v in prop["enum"]]
    return None


def is_multipart(schema: Mapping) -> bool:
    """True when the form has a file field (the HTML form then needs ``multipart/form-data``)."""
    for prop in (schema.get("properties") or {}).values():
        if prop.get("x-widget") == "file" or (prop.get("type") == "object" and is_multipart(prop)):
            return True
    return False


# -- rendering --------------------------------------------------------------------------------------


def _id(path: str) -> str:
    return "f-" + path.replace(".", "-")


def _describedby(path: str, help_text: str, error: str | None) -> str:
    ids = ([f"{_id(path)}-help"] if help_text else []) + ([f"{_id(path)}-error"] if error else [])
    return f' aria-describedby="{" ".join(ids)}"' if ids else ""


def _label(path: str, prop: Mapping, key: str, required: bool, texts: Mapping[str, str]) -> Markup:
    mark = (
        Markup(' <span class="req" title="{0}">*</span><span class="sr-only">({0})</span>').format(
            texts.get("required", "wajib")
        )
        if required
        else Markup("")
    )
    return Markup('<label for="{}">{}{}</label>').format(_id(path), prop.get("title", key), mark)


def _help(path: str, text: str) -> Markup:
    return Markup('<p class="help" id="{}-help">{}</p>').format(_id(path), text) if text else Markup("")


def _error(path: str, error: str | None) -> Markup:
    if not error:
        return Markup("")
    return Markup('<p class="field-error" id="{}-error">{}</p>').format(_id(path), error)


def _local_datetime(value: Any, tz: tzinfo) -> str:
    """ISO date-time → ``YYYY-MM-DDTHH:MM`` in the office zone for a datetime-local control."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(tz)
    return parsed.strftime("%Y-%m-%dT%H:%M")


def _control(
    path: str, prop: Mapping, value: Any, required: bool, extra: str, tz: tzinfo, texts: Mapping[str, str]
) -> Markup:
    name, ident = escape(path), _id(path)
    req = Markup(" required") if required else Markup("")
    attrs = Markup(f' id="{ident}" name="{name}"') + req + Markup(extra)
    widget, fmt, kind = prop.get("x-widget"), prop.get("format"), prop.get("type")
    shown = "" if value is None else value
    options = choices(prop)
    if options is not None:
        blank = Markup('<option value="">{}</option>').format(texts.get("choose", "— pilih —"))
        opts = Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                v, Markup(" selected") if str(shown) == v else Markup(""), label
            )
            for v, label in options
        )
        return Markup("<select{}>{}{}</select>").format(attrs, blank, opts)
    if widget == "textarea":
        return Markup('<textarea rows="4"{}>{}</textarea>').format(attrs, shown)
    if widget == "file":
        note = (
            Markup('<p class="help">{}: <code>{}</code></p>').format(
                texts.get("stored", "Berkas tersimpan"), shown
            )
            if shown
            else Markup("")
        )
        keep = Markup('<input type="hidden" name="{}.kept" value="{}">').format(name, shown) if shown else ""
        return Markup('<input type="file"{}>{}{}').format(attrs, keep, note)
    input_type, text = "text", str(shown)
    if fmt == "date":
        input_type = "date"
    elif fmt == "date-time":
        input_type, text = "datetime-local", (_local_datetime(shown, tz) if shown != "" else "")
    elif fmt == "email":
        input_type = "email"
    elif kind in ("integer", "number"):
        input_type = "number"
    limit = Markup(f' maxlength="{int(prop["maxLength"])}"') if "maxLength" in prop else Markup("")
    return Markup('<input type="{}"{}{} value="{}">').format(input_type, attrs, limit, text)


def _field(
    path: str,
    key: str,
    prop: Mapping,
    values: Mapping,
    errors: Mapping[str, str],
    used: set,
    required: bool,
    tz: tzinfo,
    texts: Mapping[str, str],
) -> Markup:
    error = errors.get(path)
    used.add(path)
    help_text = prop.get("description", "")
    invalid = ' aria-invalid="true"' if error else ""
    described = _describedby(path, help_text, error)
    value = values.get(key)
    if prop.get("type") == "object" and isinstance(prop.get("properties"), dict):
        inner = values.get(key) if isinstance(values.get(key), Mapping) else {}
        needed = set(prop.get("required", []))
        children = Markup("").join(
            _field(f"{path}.{child}", child, child_prop, inner, errors, used, child in needed, tz, texts)
            for child, child_prop in prop["properties"].items()
        )
        mark = Markup(' <span class="req">*</span>') if required else Markup("")
        return Markup('<fieldset class="group" id="{}"><legend>{}{}</legend>{}{}{}</fieldset>').format(
            _id(path), prop.get("title", key), mark, _help(path, help_text), _error(path, error), children
        )
    if prop.get("type") == "boolean":
        checked = Markup(" checked") if value in (True, "true", "on") else Markup("")
        box = Markup('<input type="checkbox" id="{}" name="{}" value="true"{}{}>').format(
            _id(path), path, checked, Markup(described + invalid)
        )
        return Markup('<div class="field check{}">{}{}{}{}</div>').format(
            " has-error" if error else "",
            box,
            _label(path, prop, key, False, texts),
            _help(path, help_text),
            _error(path, error),
        )
    options = choices(prop)
    if options is not None and len(options) <= RADIO_LIMIT:
        radios = Markup("").join(
            Markup('<label class="radio"><input type="radio" name="{}" value="{}"{}{}> {}</label>').format(
                path,
                v,
                Markup(" checked") if str(value) == v else Markup(""),
                Markup(" required") if required else Markup(""),
                label,
            )
            for v, label in options
        )
        mark = Markup(' <span class="req">*</span>') if required else Markup("")
        template = '<fieldset class="field radios{}" id="{}"{}><legend>{}{}</legend>{}{}{}</fieldset>'
        return Markup(template).format(
            " has-error" if error else "",
            _id(path),
            Markup(described),
            prop.get("title", key),
            mark,
            _help(path, help_text),
            radios,
            _error(path, error),
        )
    control = _control(path, prop, value, required, described + invalid, tz, texts)
    return Markup('<div class="field{}">{}{}{}{}</div>').format(
        " has-error" if error else "",
        _label(path, prop, key, required, texts),
        _help(path, help_text),
        control,
        _error(path, error),
    )


def render_form(
    schema: Mapping,
    values: Mapping | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    tz: tzinfo,
    skip: tuple[str, ...] = (),
    texts: Mapping[str, str] | None = None,
) -> Markup:
    """The fields of ``schema`` as HTML (no ``<form>`` element): labels, help, kept values, inline errors.

    ``skip`` names top-level properties the server fills itself; errors no field shows are listed on top.
    """
    values, errors, texts = values or {}, errors or {}, texts or {}
    required = set(schema.get("required", []))
    used: set[str] = set()
    fields = Markup("").join(
        _field(key, key, prop, values, errors, used, key in required, tz, texts)
        for key, prop in (schema.get("properties") or {}).items()
        if key not in skip
    )
    rest = [(path, text) for path, text in errors.items() if path not in used]
    top = Markup("")
    if rest:
        items = Markup("").join(
            Markup("<li>{}{}</li>").format(
                Markup("") if path == "_form" else Markup("<code>{}</code>: ").format(path), text
            )
            for path, text in rest
        )
        top = Markup('<ul class="field-error form-level">{}</ul>').format(items)
    return top + fields


# -- request → data ---------------------------------------------------------------------------------


def _convert(prop: Mapping, raw: str, tz: tzinfo) -> Any:
    kind, fmt = prop.get("type"), prop.get("format")
    if fmt == "date-time":
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return raw  # the validator names the format
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).isoformat()
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    return raw


def parse_form(
    schema: Mapping,
    form: Mapping,
    files: Mapping,
    *,
    tz: tzinfo,
    store_file: Callable[[Any], str],
    skip: tuple[str, ...] = (),
    prefix: str = "",
) -> tuple[dict, dict[str, str]]:
    """Request fields → form data for the engine, plus upload errors (field path → message).

    Empty text is left out (so a required field reports "Wajib diisi"); an unchecked box is ``False``;
    a date-time typed in the browser is read in the office time zone.
    """
    data: dict[str, Any] = {}
    upload_errors: dict[str, str] = {}
    required = set(schema.get("required", []))
    for key, prop in (schema.get("properties") or {}).items():
        if key in skip:
            continue
        path = f"{prefix}{key}"
        if prop.get("type") == "object" and isinstance(prop.get("properties"), dict):
            inner, inner_errors = parse_form(
                prop, form, files, tz=tz, store_file=store_file, prefix=f"{path}."
            )
            upload_errors.update(inner_errors)
            if inner or key in required:
                data[key] = inner
        elif prop.get("type") == "boolean":
            data[key] = form.get(path) in ("true", "on", "1")
        elif prop.get("x-widget") == "file":
            upload = files.get(path)
            if upload is not None and upload.filename:
                try:
                    data[key] = store_file(upload)
                except UploadRefused as refused:
                    upload_errors[path] = refused.message
            elif UPLOAD_REFERENCE.match(form.get(f"{path}.kept") or ""):
                data[key] = form.get(f"{path}.kept")
        else:
            raw = (form.get(path) or "").strip()
            if raw != "":
                data[key] = _convert(prop, raw, tz)
    return data, upload_errors
