"""Public complaint API: submit, status without identity, the reporter's key, refusals (422, 403, 404, 409,
413), Indonesian/English messages, HTML escaped on the pages."""

from __future__ import annotations

import json

from engine.visibility import MASK
from tests.api_fixtures import *  # noqa: F403 - fixtures complain, db_read, snapshot, add_user
from tests.api_fixtures import COMPLAINT, VERIFIED, ready_of

IDENTITY_BITS = ("Siti", "Sudirman", "0813", "siti@example.org")


def test_submit_gives_receipt_and_status_shows_stage_and_dates_but_no_identity(client, complain):
    receipt = complain()
    assert set(receipt) == {"tracking_code", "instance_id", "reporter_key"}
    assert receipt["tracking_code"].startswith("PGD-") and len(receipt["reporter_key"]) >= 20
    response = client.get(f"/api/v1/complaints/{receipt['tracking_code']}")
    body = response.get_json()
    assert response.status_code == 200
    assert body["stage"] == "Verifikasi Formulir Pengaduan" and body["status"] == "running"
    assert body["received_at"] == "2026-03-13T02:00:00+00:00" and body["answer"] is None
    assert body["subject"] == COMPLAINT["subject"]
    assert [s["name"] for s in body["steps"]] == ["Isi Formulir Pengaduan Masyarakat",
                                                 "Verifikasi Formulir Pengaduan"]
    text = json.dumps(body)
    assert not any(bit in text for bit in IDENTITY_BITS)
    assert "waiting" not in body and "reporter_key" not in text and "instance_id" not in body


def test_lowercase_tracking_code_is_found(client, complain):
    code = complain()["tracking_code"]
    assert client.get(f"/api/v1/complaints/{code.lower()}").status_code == 200


def test_missing_elements_are_422_with_fields_in_indonesian_or_english(client, snapshot):
    before = snapshot()
    without = {k: v for k, v in COMPLAINT.items() if k not in ("subject", "anonymity")}
    response = client.post("/api/v1/complaints", json=without)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_data" and set(error["fields"]) == {"subject", "anonymity"}
    assert error["fields"]["subject"] == "Wajib diisi." and "Isian formulir belum benar" in error["message"]
    english = client.post("/api/v1/complaints", json=without, headers={"Accept-Language": "en"}).get_json()
    assert english["error"]["fields"]["subject"] == "Required." and "not valid" in english["error"]["message"]
    no_process = client.post("/api/v1/complaints", json={k: v for k, v in COMPLAINT.items() if k != "process"})
    assert no_process.status_code == 422 and set(no_process.get_json()["error"]["fields"]) == {"process"}
    not_complaint = client.post("/api/v1/complaints", json={**COMPLAINT, "process": "muba_rekap_bulanan"})
    assert not_complaint.status_code == 422 and "process" in not_complaint.get_json()["error"]["fields"]
    unknown = client.post("/api/v1/complaints", json={**COMPLAINT, "process": "tidak_ada"})
    assert unknown.status_code == 422
    assert snapshot() == before  # nothing half-written


def test_bodies_that_are_not_json_objects_are_422_never_500(client, snapshot):
    before = snapshot()
    for data, kind in (("{not json", "application/json"), ("[1, 2]", "application/json"),
                       ("process=muba_pengaduan", "application/x-www-form-urlencoded"), ('"x"', "application/json")):
        response = client.post("/api/v1/complaints", data=data, content_type=kind)
        assert response.status_code == 422, (data, response.get_json())
        assert response.get_json()["error"]["message"] == "Isi permintaan harus berupa objek JSON."
    bad_types = client.post("/api/v1/complaints", json={**COMPLAINT, "reporter": "Siti", "subject": 5})
    assert bad_types.status_code == 422 and {"reporter", "subject"} <= set(bad_types.get_json()["error"]["fields"])
    assert snapshot() == before


def test_body_over_the_limit_is_413_and_nothing_is_written(app, client, snapshot):
    app.config["ALUR_API_MAX_BODY_BYTES"] = 20_000
    before = snapshot()
    response = client.post("/api/v1/complaints", json={**COMPLAINT, "description": "x" * 30_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "Kiriman terlalu besar."
    assert snapshot() == before
    assert client.post("/api/v1/complaints", json=COMPLAINT).status_code == 201


def test_unknown_tracking_code_is_404_revealing_nothing(client, complain):
    complain()
    answers = [client.get(f"/api/v1/complaints/{code}") for code in ("PGD-AAAA-BBBB", "nothing", "PGD-%3Cb%3E")]
    assert {a.status_code for a in answers} == {404}
    assert len({json.dumps(a.get_json()) for a in answers}) == 1  # the same answer whatever was asked
    assert answers[0].get_json()["error"] == {"code": "not_found", "message": "Kode pelacakan tidak ditemukan."}
    missing = client.post("/api/v1/complaints/PGD-AAAA-BBBB/respond", json={"data": {}},
                          headers={"X-Reporter-Key": "x"})
    assert missing.status_code == 404


def test_rahasia_content_is_hidden_from_the_public_but_shown_with_the_key(client, complain):
    receipt = complain(anonymity="rahasia")
    public = client.get(f"/api/v1/complaints/{receipt['tracking_code']}").get_json()
    assert public["subject"] == MASK and "AC ruang" not in json.dumps(public)
    own = client.get(f"/api/v1/complaints/{receipt['tracking_code']}",
                     headers={"X-Reporter-Key": receipt["reporter_key"]})
    assert own.status_code == 200 and own.get_json()["subject"] == COMPLAINT["subject"]
    assert own.headers["Cache-Control"] == "no-store" and own.get_json()["waiting"] is None


def test_wrong_reporter_key_is_403_without_data(client, complain):
    code = complain()["tracking_code"]
    response = client.get(f"/api/v1/complaints/{code}", headers={"X-Reporter-Key": "bukan-kunci"})
    assert response.status_code == 403 and set(response.get_json()) == {"error"}
    assert "AC ruang" not in response.get_data(as_text=True)


def test_reporter_supplies_what_is_missing_with_the_key(client, complain, api_token, snapshot):
    receipt = complain()
    code, key = receipt["tracking_code"], receipt["reporter_key"]
    petugas = api_token("petugas")
    task = ready_of(client, petugas, receipt["instance_id"])
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas, json={"data": {
        "lengkap": False, "nomor_buku_pengaduan": "13/III/2026", "kekurangan": "Lantai dan jam berapa?"}})
    assert done.status_code == 200, done.get_json()
    assert [t["bpmn_id"] for t in done.get_json()["next_tasks"]] == ["lengkapi_pengaduan"]

    waiting = client.get(f"/api/v1/complaints/{code}", headers={"X-Reporter-Key": key}).get_json()["waiting"]
    assert waiting["bpmn_id"] == "lengkapi_pengaduan" and waiting["notes"] == {"kekurangan": "Lantai dan jam berapa?"}
    assert waiting["form_schema"]["required"] == ["tambahan"]
    assert "waiting" not in client.get(f"/api/v1/complaints/{code}").get_json()

    before = snapshot()
    for headers in ({}, {"X-Reporter-Key": "salah"}):
        refused = client.post(f"/api/v1/complaints/{code}/respond", headers=headers,
                              json={"data": {"tambahan": "Lantai 2, pukul 10.00"}})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_your_role"
    invalid = client.post(f"/api/v1/complaints/{code}/respond", headers={"X-Reporter-Key": key}, json={"data": {}})
    assert invalid.status_code == 422 and invalid.get_json()["error"]["fields"] == {"tambahan": "Wajib diisi."}
    not_object = client.post(f"/api/v1/complaints/{code}/respond", headers={"X-Reporter-Key": key},
                             json={"data": ["x"]})
    assert not_object.status_code == 422
    assert snapshot() == before

    answered = client.post(f"/api/v1/complaints/{code}/respond", headers={"X-Reporter-Key": key},
                           json={"data": {"tambahan": "Lantai 2, pukul 10.00"}})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["stage"] == "Verifikasi Formulir Pengaduan" and answered.get_json()["waiting"] is None
    again = client.post(f"/api/v1/complaints/{code}/respond", headers={"X-Reporter-Key": key},
                        json={"data": {"tambahan": "lagi"}})
    assert again.status_code == 409 and "tidak lagi menunggu" in again.get_json()["error"]["message"]


def test_answer_is_public_once_given(client, complain, api_token):
    receipt = complain()
    petugas, kasi, kabid = api_token("petugas"), api_token("kasi"), api_token("kabid")
    for headers, data in ((petugas, VERIFIED),
                          (kasi, {"hasil_pemeriksaan": "benar", "catatan_solusi": "Perbaiki AC."}),
                          (kabid, {"bentuk_jawaban": "tertulis", "jawaban": "AC sudah diperbaiki <b>hari ini</b>."})):
        task = ready_of(client, headers, receipt["instance_id"])
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={"data": data})
        assert response.status_code == 200, response.get_json()
    body = client.get(f"/api/v1/complaints/{receipt['tracking_code']}").get_json()
    assert body["status"] == "completed" and body["completed_at"] and body["stage"] == "Selesai"
    assert body["answer"] == "AC sudah diperbaiki <b>hari ini</b>."
    page = client.get(f"/lacak/{receipt['tracking_code']}").get_data(as_text=True)
    assert "&lt;b&gt;hari ini&lt;/b&gt;" in page and "<b>hari ini</b>" not in page


def test_script_in_complaint_text_is_escaped_on_pages(client, complain, login):
    receipt = complain(subject="<script>alert(1)</script> AC mati")
    assert client.get(f"/api/v1/complaints/{receipt['tracking_code']}").mimetype == "application/json"
    status = client.get(f"/lacak/{receipt['tracking_code']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in status and "<script>alert(1)" not in status
    login("petugas")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in inbox and "<script>alert(1)" not in inbox


def test_a_petugas_token_records_the_complaint_for_the_reporter(client, api_token, db_read):
    from engine.models import ProcessInstance

    headers = api_token("petugas")
    response = client.post("/api/v1/complaints", headers=headers, json={
        **COMPLAINT, "channel": "telepon", "anonymity": "anonim", "received_at": "2026-03-12T15:00:00+07:00"})
    assert response.status_code == 201
    instance_id = response.get_json()["instance_id"]
    started_by, channel, received = db_read(lambda s: (lambda i: (i.started_by, i.channel, i.received_at))(
        s.get(ProcessInstance, instance_id)))
    assert (started_by, channel, received.isoformat()) == ("petugas", "telepon", "2026-03-12T08:00:00+00:00")
    anonymous = client.post("/api/v1/complaints", json={**COMPLAINT, "received_at": "2026-03-01T08:00:00+07:00"})
    assert client.get(f"/api/v1/complaints/{anonymous.get_json()['tracking_code']}").get_json()["received_at"] \
        == "2026-03-13T02:00:00+00:00"  # the public cannot backdate


def test_public_posts_are_rate_limited(db_url, clock):
    from engine.db import create_schema
    from tasks_ui import create_app
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.conftest import deploy_shipped

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x", "ALUR_CLOCK": clock,
                      "ALUR_PUBLIC_POST_LIMIT": "2/minute"})
    with app.app_context():
        create_schema(db.engine)
        deploy_shipped(db.session, engine_context())
        db.session.remove()
    client = app.test_client()
    statuses = [client.post("/api/v1/complaints", json=COMPLAINT).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert client.post("/api/v1/complaints", json=COMPLAINT).get_json()["error"]["code"] == "too_many_requests"
    with app.app_context():
        db.engine.dispose()
