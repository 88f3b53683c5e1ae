"""Channels API: the same complaint through the API as petugas, kabid, auditor and the public; LAPOR! search;
imports; outbox. Masking comes from engine/visibility.py only."""

from __future__ import annotations

import io

import pytest

from engine.visibility import MASK
from tests.api_fixtures import add_user, bearer  # noqa: F401 - fixture add_user
from tests.channels_fixtures import CHANNEL_DATA, INTAKE, make_email

IDENTITY = {"name": "Rina Wulandari", "address": "Jl. Merdeka 9, Sekayu", "phone": "0812-7777-8888"}
HIDDEN = {key: MASK for key in IDENTITY}
CONTENT = {"subject": INTAKE["subject"], "description": INTAKE["description"]}


def _record(client, headers, anonymity: str, lapor_id: str) -> str:
    """A petugas records a complaint through the intake import of a one-row LAPOR! JSON (API)."""
    record = {"lapor_id": lapor_id, "tanggal_laporan": "2026-03-12T14:30:00+07:00", "judul": INTAKE["subject"],
              "isi": INTAKE["description"], "nama": IDENTITY["name"], "alamat": IDENTITY["address"],
              "telepon": IDENTITY["phone"], "anonim": anonymity == "anonim", "rahasia": anonymity == "rahasia"}
    import json

    response = client.post("/api/v1/imports/lapor", headers=headers, data={
        "process": "muba_pengaduan", "file": (io.BytesIO(json.dumps([record]).encode()), "satu.json")},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    [row] = response.get_json()["rows"]
    assert row["status"] == "created", row
    return row["tracking_code"]


def _fields(body: dict) -> dict:
    return {"reporter": body.get("reporter"), "subject": body.get("subject"), "description": body.get("description")}


@pytest.mark.parametrize("anonymity", ["none", "anonim", "rahasia"])
def test_the_same_complaint_seen_by_each_role(client, api_token, anonymity):
    petugas = api_token("petugas")
    code = _record(client, petugas, anonymity, f"LAP-{anonymity}")
    seen = {role: client.get(f"/api/v1/complaints/{code}/details", headers=headers).get_json()
            for role, headers in (("petugas", petugas), ("kabid", api_token("kabid")),
                                  ("auditor", api_token("auditor")))}
    hidden_identity = anonymity != "none"
    assert _fields(seen["petugas"]) == {"reporter": IDENTITY, **CONTENT}  # the recording petugas
    for role in ("kabid", "auditor"):
        assert _fields(seen[role]) == {"reporter": HIDDEN if hidden_identity else IDENTITY, **CONTENT}, role
    for role, body in seen.items():
        assert body["lapor_id"] == f"LAP-{anonymity}" and body["lapor_status"]["status"] == "belum_terverifikasi"
        if hidden_identity and role != "petugas":
            assert "Rina" not in repr(body) and "0812" not in repr(body)
    assert client.get(f"/api/v1/complaints/{code}/details").status_code == 401


def test_a_lane_role_no_hand_list_named_reads_complaints(client, api_token, add_user):
    """The asesor (a lane role of the role data, sertifikasi_pustakawan) finds and reads complaints like any
    official; a role that works no step (process_owner) is refused."""
    code = _record(client, api_token("petugas"), "none", "LAP-ASESOR")
    asesor = bearer(client, "asesor1", add_user("asesor1", "asesor"))
    details = client.get(f"/api/v1/complaints/{code}/details", headers=asesor)
    assert details.status_code == 200 and _fields(details.get_json()) == {"reporter": IDENTITY, **CONTENT}
    found = client.get("/api/v1/complaints?lapor_id=LAP-ASESOR", headers=asesor)
    assert found.status_code == 200 and [i["tracking_code"] for i in found.get_json()["items"]] == [code]
    owner = api_token("process_owner")
    assert client.get(f"/api/v1/complaints/{code}/details", headers=owner).status_code == 403
    assert client.get("/api/v1/complaints?lapor_id=LAP-ASESOR", headers=owner).status_code == 403


@pytest.mark.parametrize("anonymity", ["anonim", "rahasia"])
def test_the_public_status_never_shows_identity_nor_rahasia_content(app, client, api_token, anonymity):
    if not any(rule.rule == "/api/v1/complaints/<tracking_code>" for rule in app.url_map.iter_rules()):
        pytest.skip("the public status endpoint (api feature) is not served by this build")
    code = _record(client, api_token("petugas"), anonymity, f"LAP-P-{anonymity}")
    body = client.get(f"/api/v1/complaints/{code}").get_json()
    assert "Rina" not in repr(body) and "0812" not in repr(body) and "description" not in body
    assert body["subject"] == (MASK if anonymity == "rahasia" else INTAKE["subject"])


def test_search_by_lapor_id_query_parameter(client, api_token):
    petugas = api_token("petugas")
    code = _record(client, petugas, "none", "LAP-9001")
    found = client.get("/api/v1/complaints?lapor_id=LAP-9001", headers=api_token("kasi")).get_json()["items"]
    assert [item["tracking_code"] for item in found] == [code]
    assert client.get("/api/v1/complaints?lapor_id=LAP-0000", headers=petugas).get_json() == {"items": []}


def test_imports_through_the_api_are_idempotent_and_report_rows(client, api_token):
    petugas = api_token("petugas")
    content = (CHANNEL_DATA / "lapor_export.csv").read_bytes()

    def upload():
        return client.post("/api/v1/imports/lapor", headers=petugas, content_type="multipart/form-data",
                           data={"process": "sanggau_pengaduan", "file": (io.BytesIO(content), "e.csv")}).get_json()

    first, second = upload(), upload()
    assert first["counts"] == {"created": 3, "skipped": 0, "error": 2}
    assert second["counts"] == {"created": 0, "skipped": 3, "error": 2}
    assert [r["status"] for r in second["rows"]] == ["skipped", "skipped", "error", "error", "skipped"]
    mail = client.post("/api/v1/imports/email", headers=petugas, content_type="multipart/form-data",
                       data={"process": "sanggau_pengaduan", "file": (io.BytesIO(make_email()), "a.eml")}).get_json()
    assert mail["counts"]["created"] == 1
    refused = client.post("/api/v1/imports/lapor", headers=api_token("kabid"), content_type="multipart/form-data",
                          data={"file": (io.BytesIO(content), "e.csv")})
    assert refused.status_code == 403
    no_process = client.post("/api/v1/imports/lapor", headers=petugas, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(content), "e.csv")})
    assert no_process.status_code == 422


def test_outbox_api_masks_addresses_for_other_petugas(client, api_token):
    petugas = api_token("petugas")
    _record(client, petugas, "none", "LAP-1")
    items = client.get("/api/v1/outbox", headers=petugas).get_json()["items"]
    assert [(i["kind"], i["state"]) for i in items] == [("receipt", "no_address")]
