"""Messages of the JSON API (Indonesian, English)."""

from ..translations import register

register({
    "api_body_not_json": ("Isi permintaan harus berupa objek JSON.", "The request body must be a JSON object."),
    "api_data_not_object": ("'data' harus berupa objek JSON.", "'data' must be a JSON object."),
    "api_use_complaints": ("'{process}' adalah proses pengaduan; gunakan POST /api/v1/complaints.",
                           "'{process}' is a complaint process; use POST /api/v1/complaints."),
    "api_bad_parameter": ("Parameter '{name}' tidak valid.", "Parameter '{name}' is not valid."),
})
