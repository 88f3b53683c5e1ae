"""Reading a BPMN deploy request (multipart or raw XML) and answering lint problems, shared by API and pages."""

from __future__ import annotations

import re
from datetime import date

from flask import jsonify, request

from engine.errors import InvalidProcess

from ..i18n import current_language

FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.json$")
XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")


class UploadRefused(Exception):
    """A deploy request that cannot even be read; ``fields`` names what is wrong."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__(fields)


def _text(id_text: str, en_text: str) -> str:
    return en_text if current_language() == "en" else id_text


def parse_effective_date(value: str | None) -> date | None:
    """``YYYY-MM-DD`` or empty; anything else is refused with the field name."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UploadRefused({"effective_date": _text("Tanggal berlaku harus berformat YYYY-MM-DD.",
                                                     "The effective date must be YYYY-MM-DD.")}) from None


def read_deploy_request() -> tuple[bytes, dict[str, bytes], str, str | None, date | None]:
    """(bpmn bytes, forms name → bytes, filename, sop_number, effective_date) of the current request."""
    if request.mimetype in XML_TYPES:
        bpmn, forms, filename = request.get_data(cache=False), {}, "process.bpmn"
        fields = request.args
    elif request.mimetype == "multipart/form-data":
        upload = request.files.get("bpmn")
        if upload is None:
            raise UploadRefused({"bpmn": _text("Lampirkan satu berkas BPMN pada kolom 'bpmn'.",
                                               "Attach one BPMN file in the field 'bpmn'.")})
        bpmn, filename = upload.read(), upload.filename or "process.bpmn"
        forms = {}
        for form in request.files.getlist("forms"):
            name = (form.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
            if not FORM_NAME.match(name):
                raise UploadRefused({name or "forms": _text(
                    "Nama berkas formulir harus berakhiran .json dan hanya memuat huruf, angka, titik, - atau _.",
                    "A form file name must end in .json and contain only letters, digits, '.', '-' or '_'.")})
            forms[name] = form.read()
        fields = request.form
    else:
        raise UploadRefused({"bpmn": _text(
            "Kirim multipart/form-data dengan berkas 'bpmn', atau badan application/xml.",
            "Send multipart/form-data with a 'bpmn' file, or an application/xml body.")})
    if not bpmn.strip():
        raise UploadRefused({"bpmn": _text("Berkas BPMN kosong.", "The BPMN file is empty.")})
    sop_number = (fields.get("sop_number") or "").strip()[:100] or None
    return bpmn, forms, filename, sop_number, parse_effective_date(fields.get("effective_date"))


def problem_list(error: InvalidProcess, lang: str) -> list[dict]:
    """Each lint problem as {element_id, code, message} for the editor's markers and list."""
    return [{"element_id": p.element_id, "code": p.code, "message": p.message(lang)} for p in error.problems]


def invalid_process_response(error: InvalidProcess):
    """``422 {"error": {"code", "message", "fields", "problems"}}``."""
    lang = current_language()
    body = {"error": {"code": error.code, "message": error.message(lang), "fields": error.fields(lang),
                      "problems": problem_list(error, lang)}}
    return jsonify(body), 422


def refused_response(refused: UploadRefused):
    """``422`` for a request that is not a readable deploy."""
    message = _text("Permintaan pemasangan tidak dapat dibaca.", "The deploy request cannot be read.")
    return jsonify({"error": {"code": "invalid_upload", "message": message, "fields": refused.fields}}), 422
