"""The JSON Schema → HTML form renderer and the request → data conversion (no app needed)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from tasks_ui.forms_render import UploadRefused, is_multipart, parse_form, render_form

WIB = ZoneInfo("Asia/Jakarta")
SCHEMA = {
    "type": "object",
    "required": ["when", "choice", "person"],
    "properties": {
        "when": {"type": "string", "format": "date-time", "title": "Kapan"},
        "day": {"type": "string", "format": "date", "title": "Tanggal"},
        "ok": {"type": "boolean", "title": "Setuju"},
        "choice": {
            "type": "string",
            "title": "Pilihan",
            "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}],
        },
        "many": {"type": "string", "oneOf": [{"const": str(i), "title": f"N{i}"} for i in range(5)]},
        "note": {"type": "string", "x-widget": "textarea", "description": "Bantuan <i>ini</i>"},
        "file": {"type": "string", "x-widget": "file"},
        "count": {"type": "integer"},
        "person": {
            "type": "object",
            "title": "Orang",
            "required": ["name"],
            "properties": {"name": {"type": "string", "title": "Nama"}},
        },
    },
}


def test_render_picks_controls_and_keeps_values_escaped():
    html = render_form(
        SCHEMA,
        {
            "when": "2026-03-13T02:00:00+00:00",
            "note": "</textarea><script>",
            "choice": "b",
            "many": "3",
            "ok": True,
            "person": {"name": "Ani"},
        },
        {"person.name": "Wajib diisi.", "_form": "Umum"},
        tz=WIB,
    )
    assert 'type="datetime-local" id="f-when" name="when" required' in html
    assert 'value="2026-03-13T09:00"' in html  # shown in office time
    assert 'type="date" id="f-day"' in html and 'type="number" id="f-count"' in html
    assert 'type="radio" name="choice" value="b" checked' in html
    assert '<option value="3" selected>N3</option>' in html
    assert "&lt;/textarea&gt;&lt;script&gt;</textarea>" in html and "Bantuan &lt;i&gt;ini&lt;/i&gt;" in html
    assert 'type="checkbox" id="f-ok" name="ok" value="true" checked' in html
    assert '<fieldset class="group" id="f-person"><legend>Orang' in html and 'name="person.name"' in html
    assert 'id="f-person-name-error">Wajib diisi.' in html and 'aria-invalid="true"' in html
    assert "<li>Umum</li>" in html and is_multipart(SCHEMA)


def test_parse_converts_types_and_office_time():
    form = MultiDict(
        {
            "when": "2026-03-13T09:30",
            "ok": "true",
            "choice": "a",
            "count": "4",
            "note": "  ",
            "person.name": "Ani",
        }
    )
    data, errors = parse_form(SCHEMA, form, {}, tz=WIB, store_file=lambda f: "x")
    assert (
        data
        == {
            "when": "2026-03-13T09:30:00+07:00",
            "ok": True,
            "choice": "a",
            "count": 4,
            "person": {"name": "Ani"},
        }
        and errors == {}
    )
    unchecked, _ = parse_form(SCHEMA, MultiDict({}), {}, tz=WIB, store_file=lambda f: "x")
    assert unchecked == {"ok": False, "person": {}}


def test_parse_reports_refused_uploads_and_keeps_only_real_references():
    class Upload:
        filename = "a.exe"

    def refuse(_):
        raise UploadRefused("Jenis berkas tidak diizinkan")

    _, errors = parse_form(SCHEMA, MultiDict({}), {"file": Upload()}, tz=WIB, store_file=refuse)
    assert errors == {"file": "Jenis berkas tidak diizinkan"}
    kept = "lampiran:" + "0" * 32 + ".pdf"
    data, _ = parse_form(SCHEMA, MultiDict({"file.kept": kept}), {}, tz=WIB, store_file=refuse)
    assert data["file"] == kept
    data, _ = parse_form(SCHEMA, MultiDict({"file.kept": "../../etc/passwd"}), {}, tz=WIB, store_file=refuse)
    assert "file" not in data
