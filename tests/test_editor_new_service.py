"""A new service needs no Python: on an Alur that has never seen them, a process owner builds the Perpusnas
certification service through the editor's draft endpoints and deploys the Perpusnas complaint process through
``POST /api/v1/processes``, each with its forms; both then run."""

from __future__ import annotations

import io
import json
import re

import pytest

from engine import deploy, users
from engine.actors import SYSTEM_INIT
from engine.db import create_schema
from tests.conftest import PASSWORDS, PROCESSES, csrf_token, shipped_forms
from tests.engine_helpers import SERTIFIKASI_DOCUMENTS

NEW = ("perpusnas_pengaduan", "sertifikasi_pustakawan")


def _forms_of(key: str) -> dict[str, dict]:
    """The form files the BPMN names (as a process owner would pick them from processes/forms/)."""
    names = set(
        re.findall(r'name="formJsonSchemaFilename" value="([^"]+)"', (PROCESSES / f"{key}.bpmn").read_text())
    )
    return {
        name: json.loads((PROCESSES / "forms" / name).read_text(encoding="utf-8")) for name in sorted(names)
    }


@pytest.fixture
def bare_app(db_url, clock):
    """The app with roles, users and the Dinas processes only: the Perpusnas services are not deployed."""
    from tasks_ui import create_app
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": db_url,
            "SECRET_KEY": "test-secret",
            "ALUR_CLOCK": clock,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with application.app_context():
        create_schema(db.engine)
        ctx = engine_context()
        users.load_roles(db.session, ctx, PROCESSES / "roles.json")
        forms = {
            name: text
            for name, text in shipped_forms().items()
            if not name.startswith(("perpusnas-", "sertifikasi-"))
        }
        for path in sorted(PROCESSES.glob("*.bpmn")):
            if path.stem not in NEW:
                deploy.deploy_process(
                    db.session, ctx, path.read_bytes(), forms, actor=SYSTEM_INIT, filename=path.name
                )
        for role, password in {**PASSWORDS, "asesor": "sandi-asesor-123"}.items():
            users.create_user(db.session, ctx, role, password, [role], actor=SYSTEM_INIT)
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


def _login(client, username: str, password: str | None = None) -> None:
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password or PASSWORDS[username],
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302


def test_certification_built_in_the_editor_then_run(bare_app, clock):

    client = bare_app.test_client()
    _login(client, "process_owner")
    assert "sertifikasi_pustakawan" not in client.get("/editor/").get_data(as_text=True)

    created = client.post("/editor/draf/baru", data={"csrf_token": csrf_token(client, "/editor/")})
    draft_id = int(re.search(r"/draf/(\d+)", created.headers["Location"]).group(1))
    headers = {"X-CSRFToken": csrf_token(client, f"/editor/draf/{draft_id}")}
    blank = client.get(f"/editor/draf/{draft_id}/data").get_json()
    assert blank["revision"] == 1 and 'id="proses_baru"' in blank["xml"]

    # the diagram first: every step names a form Alur does not know yet → one problem per step, by element id
    xml = (PROCESSES / "sertifikasi_pustakawan.bpmn").read_text(encoding="utf-8")
    saved = client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": xml, "revision": 1}, headers=headers)
    assert saved.status_code == 200
    missing = {p["element_id"] for p in saved.get_json()["problems"]}
    assert missing == {
        "periksa_pendaftaran",
        "sampaikan_tidak_memenuhi",
        "jadwalkan_asesmen",
        "periksa_berkas",
        "asesmen",
        "terbitkan_sertifikat",
        "sampaikan_hasil",
    }
    refused = client.post(
        f"/editor/draf/{draft_id}/pasang",
        json={
            "revision": 2,
            "sop_number": "Layanan Sertifikasi Profesi Pustakawan",
            "effective_date": "2026-03-16",
        },
        headers=headers,
    )
    assert refused.status_code == 422 and "asesmen" in refused.get_json()["error"]["fields"]

    # then the forms (JSON Schema, as the side panel's schema editor sends them)
    forms = _forms_of("sertifikasi_pustakawan")
    saved = client.post(
        f"/editor/draf/{draft_id}/simpan", json={"xml": xml, "forms": forms, "revision": 2}, headers=headers
    )
    assert saved.status_code == 200 and saved.get_json()["problems"] == []
    deployed = client.post(
        f"/editor/draf/{draft_id}/pasang",
        json={
            "revision": 3,
            "sop_number": "Layanan Sertifikasi Profesi Pustakawan",
            "effective_date": "2026-03-16",
        },
        headers=headers,
    )
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["process"] == "sertifikasi_pustakawan" and deployed.get_json()["version"] == 1
    page = client.get("/editor/proses/sertifikasi_pustakawan").get_data(as_text=True)
    assert "Laksanakan Asesmen Kompetensi" in page and "asesor" in page

    # the secretariat starts an application and works its steps over the API
    api = bare_app.test_client()
    token = api.post("/api/v1/tokens", json={"username": "petugas", "password": PASSWORDS["petugas"]})
    petugas = {"Authorization": f"Bearer {token.get_json()['token']}"}
    started = api.post(
        "/api/v1/processes/sertifikasi_pustakawan/instances", json={"data": {}}, headers=petugas
    )
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["instance_id"]

    def complete(bpmn_id: str, data: dict) -> dict:
        tasks = api.get(f"/api/v1/instances/{instance_id}", headers=petugas).get_json()["current_tasks"]
        [task] = [t for t in tasks if t["bpmn_id"] == bpmn_id]
        response = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=petugas)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    registration = {
        "nomor_pendaftaran": "SERT-2026-0001",
        "nama_sesuai_ijazah": "ANDI PRATAMA",
        "instansi": "Perpustakaan Desa",
        "pendidikan_terakhir": "SLTA",
        "pendidikan_ilmu_perpustakaan": False,
        "sertifikat_pelatihan": False,
        "pengalaman_kerja_tahun": 4,
        "pengalaman_berkelanjutan": True,
        "klaster": "Layanan Perpustakaan",
        "asesmen_mandiri_daring": True,
    }
    complete("periksa_pendaftaran", registration)  # eligible by experience: the BPMN script decided
    complete(
        "jadwalkan_asesmen",
        {"tanggal_asesmen": "2026-04-07", "tempat_asesmen": "Daring", "nama_asesor": "Dra. Sri Wahyuni"},
    )
    after = complete("periksa_berkas", {**SERTIFIKASI_DOCUMENTS, "berkas_lengkap": True})
    [assessment] = after["next_tasks"]
    assert (assessment["bpmn_id"], assessment["role"]) == ("asesmen", "asesor")
    task_id = assessment["id"]

    # the new lane role works in the API and the inbox like any other: its tasks, its link, its form
    token = api.post("/api/v1/tokens", json={"username": "asesor", "password": "sandi-asesor-123"})
    listed = api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
    assert listed.status_code == 200 and [t["id"] for t in listed.get_json()] == [task_id]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/editor/")})
    _login(client, "asesor", "sandi-asesor-123")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert 'href="/inbox"' in inbox and "Laksanakan Asesmen Kompetensi" in inbox
    token = csrf_token(client, f"/tasks/{task_id}")
    empty = client.post(f"/tasks/{task_id}", data={"csrf_token": token})
    assert empty.status_code == 422 and "Wajib diisi." in empty.get_data(as_text=True)
    done = client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": token,
            "rekomendasi_asesor": "kompeten",
            "catatan_asesor": "Kompeten pada semua unit.",
        },
    )
    assert done.status_code == 302
    assert client.get("/editor/").status_code == 403
    complete(
        "terbitkan_sertifikat", {"nomor_sertifikat": "LSP-PUS/2026/0001", "tanggal_terbit": "2026-04-20"}
    )
    state = api.get(f"/api/v1/instances/{instance_id}", headers=petugas).get_json()
    assert state["status"] == "completed" and state["current_tasks"] == []


def test_perpusnas_complaints_deployed_through_the_api_with_their_forms(bare_app):
    client = bare_app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"username": "process_owner", "password": PASSWORDS["process_owner"]}
    )
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    bpmn = (PROCESSES / "perpusnas_pengaduan.bpmn").read_bytes()
    # raw XML cannot name forms Alur does not know: 422 naming every step that lacks one
    raw = client.post("/api/v1/processes", data=bpmn, headers={**headers, "Content-Type": "application/xml"})
    assert raw.status_code == 422
    assert {"terima_pengaduan", "tindak_lanjut", "evaluasi_tindak_lanjut"} <= set(
        raw.get_json()["error"]["fields"]
    )
    files = [
        (io.BytesIO(json.dumps(schema).encode()), name)
        for name, schema in _forms_of("perpusnas_pengaduan").items()
        if name.startswith("perpusnas-")
    ]  # the shared intake and "lengkapi" forms are already known
    response = client.post(
        "/api/v1/processes",
        headers=headers,
        content_type="multipart/form-data",
        data={
            "bpmn": (io.BytesIO(bpmn), "perpusnas_pengaduan.bpmn"),
            "forms": files,
            "sop_number": "Perka Perpustakaan Nasional RI No. 5 Tahun 2016",
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["process"] == "perpusnas_pengaduan"
    listed = client.get("/api/v1/processes", headers=headers).get_json()["processes"]
    assert "perpusnas_pengaduan" in {p["key"] for p in listed}

    # the public intake page of the new office is drawn from its form, no code involved
    intake = client.get("/pengaduan/perpusnas_pengaduan")
    assert intake.status_code == 200 and "Objek pengaduan" in intake.get_data(as_text=True)
    assert "Pusat Pembinaan Pustakawan" in client.get("/pengaduan").get_data(as_text=True)
