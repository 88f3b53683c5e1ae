"""Recap API and downloads through the app: roles, bad periods, empty periods, file types."""

from __future__ import annotations

import io

import pytest

URL = "/api/v1/reports/recap"


@pytest.mark.parametrize("role", ["kasi", "kabid", "kepala_dinas", "auditor"])
def test_report_roles_get_an_empty_report_for_an_empty_period(client, api_token, role):
    response = client.get(f"{URL}?process=muba_pengaduan&from=2025-01-01&to=2025-01-31", headers=api_token(role))
    assert response.status_code == 200
    body = response.get_json()
    assert body["totals"]["received"] == 0 and body["complaints"] == [] and body["steps"] == []
    assert body["scope"]["period"] == {"start": "2025-01-01", "end": "2025-01-31", "key": "2025-01",
                                       "label": "Januari 2025"}
    assert [row["key"] for row in body["by_status"]] == ["answered", "in_progress", "forwarded", "incomplete",
                                                         "merged"]


@pytest.mark.parametrize("role", ["petugas", "process_owner", "admin"])
def test_other_roles_are_refused(client, api_token, role):
    response = client.get(f"{URL}?from=2026-03-01&to=2026-03-31", headers=api_token(role))
    assert response.status_code == 403


def test_anonymous_is_refused(client):
    assert client.get(f"{URL}?from=2026-03-01&to=2026-03-31").status_code in (401, 302)


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-01&to=2026-02-01", "to"),
    ("from=maret&to=2026-03-31", "from"),
    ("from=2026-03-01", "to"),
    ("from=2026-02-30&to=2026-03-31", "from"),
    ("from=2020-01-01&to=2026-03-31", "to"),
    ("process=tidak_ada&from=2026-03-01&to=2026-03-31", "process"),
])
def test_invalid_period_is_422_naming_the_field(client, api_token, query, field):
    response = client.get(f"{URL}?{query}", headers=api_token("kabid"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_downloads_have_their_types(client, api_token):
    headers = api_token("kasi")
    query = "process=muba&from=2026-03-01&to=2026-03-31"
    csv_file = client.get(f"/reports/recap.csv?{query}", headers=headers)
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert "Rekapitulasi Layanan Pengaduan — Maret 2026" in csv_file.get_data().decode("utf-8-sig")
    xlsx = client.get(f"/reports/recap.xlsx?{query}", headers=headers)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    from openpyxl import load_workbook

    assert "Pengaduan" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    pdf = client.get(f"/api/v1/reports/recap.pdf?{query}", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert 'filename="rekap-2026-03.pdf"' in pdf.headers["Content-Disposition"]
    assert client.get(f"/reports/recap.pdf?{query}", headers=api_token("petugas")).status_code == 403
