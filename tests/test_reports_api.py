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
    assert [row["key"] for row in body["by_status"]] == ["answered", "in_progress", "forwarded",
                                                         "closed_no_response", "incomplete", "merged"]


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


def test_kasi_starts_a_recap_run_on_demand_and_everyone_reads_its_snapshot(app, client, api_token, login):
    kasi = api_token("kasi")
    started = client.post("/api/v1/reports/recap/runs", json={"process": "muba_rekap_bulanan", "period": "2026-02"},
                          headers=kasi)
    assert started.status_code == 201, started.get_json()
    run = started.get_json()
    assert (run["period"], run["trigger"]) == ("2026-02", "on_demand")
    again = client.post("/api/v1/reports/recap/runs", json={"process": "muba_rekap_bulanan", "period": "2026-02"},
                        headers=kasi)
    assert again.status_code == 200 and again.get_json()["run_id"] == run["run_id"]
    refused = client.post("/api/v1/reports/recap/runs", json={"process": "muba_rekap_bulanan", "period": "2026-01"},
                          headers=api_token("kabid"))
    assert refused.status_code == 403
    bad = client.post("/api/v1/reports/recap/runs", json={"process": "muba_rekap_bulanan", "period": "Februari"},
                      headers=kasi)
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["fields"]
    listed = client.get("/api/v1/reports/snapshots", headers=api_token("kepala_dinas")).get_json()
    assert [(s["id"], s["state"], s["period_key"]) for s in listed] == [(run["snapshot_id"], "draft", "2026-02")]
    shown = client.get(f"/api/v1/reports/snapshots/{run['snapshot_id']}", headers=api_token("auditor")).get_json()
    assert shown["snapshot"]["state"] == "draft" and shown["scope"]["period"]["key"] == "2026-02"
    pdf = client.get(f"/reports/snapshots/{run['snapshot_id']}.pdf", headers=kasi)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/reports/snapshots/{run['snapshot_id']}",
                      headers=api_token("petugas")).status_code == 403
    assert client.get("/api/v1/reports/snapshots/999", headers=kasi).status_code == 404
    # the kasi's step carries the recap on its page
    from sqlalchemy import select

    from engine.models import HumanTask
    from tasks_ui.extensions import db

    with app.app_context():
        task_id = db.session.scalars(select(HumanTask.id).where(HumanTask.instance_id == run["instance_id"])).one()
    login("kasi")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Rekapitulasi periode ini: Februari 2026" in page
    assert f"/reports/snapshots/{run['snapshot_id']}.xlsx" in page
