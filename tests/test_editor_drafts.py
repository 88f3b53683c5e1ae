"""Editor endpoints through the app: drafts (409 on concurrent saves), fixes, deploy, compare, migrate, 403."""

from __future__ import annotations

import re

from tests.bpmn_factory import timer_process
from tests.conftest import csrf_token
from tests.editor_fixtures import muba_variant
from tests.engine_helpers import MUBA_INTAKE


def _open_draft(client, key="muba_pengaduan") -> tuple[int, dict]:
    response = client.get(f"/editor/proses/{key}/ubah")
    assert response.status_code == 302
    draft_id = int(re.search(r"/draf/(\d+)", response.headers["Location"]).group(1))
    return draft_id, {"X-CSRFToken": csrf_token(client, f"/editor/draf/{draft_id}")}


def test_editor_page_carries_the_modeler_and_config(client, login):
    login("process_owner")
    draft_id, _ = _open_draft(client)
    page = client.get(f"/editor/draf/{draft_id}").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in page and "spiffworkflow-moddle" not in page
    assert '"prefix": "spiffworkflow"' in page and '"kepala_dinas"' in page and "pengaduan.schema.json" in page
    again, _ = _open_draft(client)
    assert again == draft_id  # the open draft is reused, so two editors meet on one revision counter


def test_concurrent_saves_do_not_overwrite(client, login):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    assert data["revision"] == 1 and data["problems"] == []
    first = muba_variant(duration="PT15M").decode()
    second = muba_variant(duration="PT20M").decode()
    saved = client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": first, "revision": 1}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["revision"] == 2
    stale = client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": second, "revision": 1}, headers=headers)
    assert stale.status_code == 409
    assert "sudah disimpan oleh process_owner (revisi 2)" in stale.get_json()["error"]["message"]
    assert "PT15M" in client.get(f"/editor/draf/{draft_id}/data").get_json()["xml"]


def test_save_lints_fix_and_deploy(client, login):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    broken = timer_process("PT1H").decode().replace('id="tiny"', 'id="muba_pengaduan"')
    saved = client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": broken, "revision": 1},
                        headers=headers).get_json()
    problem = next(p for p in saved["problems"] if p["code"] == "timer_unquoted")
    assert problem["element_id"] == "batas" and problem["fix"] == "quote_timer"
    refused = client.post(f"/editor/draf/{draft_id}/pasang", json={"revision": 2, "sop_number": "X",
                                                                    "effective_date": "2026-04-01"}, headers=headers)
    assert refused.status_code == 422 and "batas" in refused.get_json()["error"]["fields"]
    fixed = client.post(f"/editor/draf/{draft_id}/perbaiki", json={"xml": broken, "fix": "quote_timer",
                                                                    "element_id": "batas"}, headers=headers).get_json()
    assert '"PT1H"' in fixed["xml"] and not [p for p in fixed["problems"] if p["element_id"] == "batas"]
    good = muba_variant(duration="PT15M").decode()
    assert client.post(f"/editor/draf/{draft_id}/simpan", json={"xml": good, "revision": 2},
                       headers=headers).status_code == 200
    missing = client.post(f"/editor/draf/{draft_id}/pasang", json={"revision": 3}, headers=headers)
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"sop_number", "effective_date"}
    deployed = client.post(f"/editor/draf/{draft_id}/pasang", json={
        "revision": 3, "sop_number": "041/18/DPK-SOP/2026", "effective_date": "2026-04-01"}, headers=headers)
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    compare = client.get("/editor/proses/muba_pengaduan/banding?dari=1&ke=2").get_data(as_text=True)
    assert "berubah dari 10 menit menjadi 15 menit" in compare


def test_a_changed_form_alone_deploys_and_the_compare_page_names_its_fields(client, login):
    """Same diagram, one form changed in the draft: a new version, and the comparison says which fields."""
    import json

    from tests.editor_fixtures import PROCESSES

    login("process_owner")
    draft_id, headers = _open_draft(client)
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    name = "muba-verifikasi-formulir.schema.json"
    form = json.loads((PROCESSES / "forms" / name).read_text(encoding="utf-8"))
    form["properties"]["catatan_petugas"] = {"type": "string", "title": "Catatan petugas"}
    form.setdefault("required", []).append("catatan_petugas")
    saved = client.post(f"/editor/draf/{draft_id}/simpan", headers=headers, json={
        "xml": data["xml"], "forms": {**(data["forms"] or {}), name: form}, "revision": data["revision"]})
    assert saved.status_code == 200, saved.get_json()
    deployed = client.post(f"/editor/draf/{draft_id}/pasang", headers=headers, json={
        "revision": saved.get_json()["revision"], "sop_number": "041/19/DPK-SOP/2026", "effective_date": "2026-05-01"})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2, deployed.get_json()
    compare = client.get("/editor/proses/muba_pengaduan/banding?dari=1&ke=2").get_data(as_text=True)
    assert (f"Formulir {name} pada Langkah &#39;Verifikasi Formulir Pengaduan&#39; berubah "
            "(kolom baru: catatan_petugas; kini wajib diisi: catatan_petugas)." in compare)
    assert 'data-what="form_fields"' in compare and "Tidak ada perubahan" not in compare


def test_deploying_an_unchanged_draft_is_refused_and_the_draft_stays_open(client, login):
    login("process_owner")
    draft_id, headers = _open_draft(client)
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    refused = client.post(f"/editor/draf/{draft_id}/pasang", headers=headers, json={
        "revision": data["revision"], "sop_number": "041/20/DPK-SOP/2026", "effective_date": "2026-06-01"})
    assert refused.status_code == 422
    assert "sama dengan versi 1 yang sudah terpasang" in refused.get_json()["error"]["message"]
    after = client.get(f"/editor/draf/{draft_id}/data").get_json()
    assert after["revision"] == data["revision"]  # nothing written: the draft is still open to edit
    versions = client.get("/api/v1/processes").get_json()["processes"]
    muba = next(p for p in versions if p["key"] == "muba_pengaduan")
    assert [v["version"] for v in muba["versions"]] == [1]


def _relaid_out(xml: str) -> str:
    """The same process as a modeler saves it after a look: shapes moved, re-indented, another exporter stamp."""
    from lxml import etree

    root = etree.fromstring(xml.encode())
    for bounds in root.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds"):
        bounds.set("x", str(float(bounds.get("x")) + 7))
    root.set("exporter", "bpmn-js (https://demo.bpmn.io)")
    root.set("exporterVersion", "18.6.2")
    etree.indent(root, space="    ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def test_an_unchanged_process_in_other_bytes_needs_confirmation_to_deploy(client, login):
    """A modeler re-exports an untouched diagram: deploying it asks first (409, nothing written); confirmed, it
    becomes a new version carrying the new SOP number."""
    login("process_owner")
    draft_id, headers = _open_draft(client)
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    saved = client.post(f"/editor/draf/{draft_id}/simpan", headers=headers, json={
        "xml": _relaid_out(data["xml"]), "forms": data["forms"], "revision": data["revision"]}).get_json()
    body = {"revision": saved["revision"], "sop_number": "041/21/DPK-SOP/2026", "effective_date": "2026-07-01"}
    asked = client.post(f"/editor/draf/{draft_id}/pasang", headers=headers, json=body)
    error = asked.get_json()["error"]
    assert asked.status_code == 409 and error["code"] == "draft_unchanged", error
    assert "sama dengan versi 1 yang berlaku" in error["message"] and "Tetap pasang" in error["message"]
    assert client.get(f"/editor/draf/{draft_id}/data").get_json()["revision"] == saved["revision"]
    muba = next(p for p in client.get("/api/v1/processes").get_json()["processes"] if p["key"] == "muba_pengaduan")
    assert [v["version"] for v in muba["versions"]] == [1]
    deployed = client.post(f"/editor/draf/{draft_id}/pasang", headers=headers, json={**body, "confirm_unchanged": True})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2, deployed.get_json()
    compare = client.get("/editor/proses/muba_pengaduan/banding?dari=1&ke=2").get_data(as_text=True)
    assert "Tidak ada perubahan" in compare and "041/21/DPK-SOP/2026" in client.get(
        "/editor/proses/muba_pengaduan").get_data(as_text=True)


def test_a_real_change_deploys_without_asking(client, login):
    """Only the layout counts as unchanged: a renamed step in re-formatted XML deploys at once."""
    login("process_owner")
    draft_id, headers = _open_draft(client)
    data = client.get(f"/editor/draf/{draft_id}/data").get_json()
    renamed = _relaid_out(data["xml"]).replace('name="Verifikasi Formulir Pengaduan"', 'name="Verifikasi Formulir"')
    assert renamed != _relaid_out(data["xml"])
    saved = client.post(f"/editor/draf/{draft_id}/simpan", headers=headers, json={
        "xml": renamed, "forms": data["forms"], "revision": data["revision"]}).get_json()
    deployed = client.post(f"/editor/draf/{draft_id}/pasang", headers=headers, json={
        "revision": saved["revision"], "sop_number": "041/22/DPK-SOP/2026", "effective_date": "2026-07-01"})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2, deployed.get_json()


def test_migrate_page_moves_and_reverts(client, login, app):
    from engine.runtime import submit_complaint
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        instance_id = submit_complaint(db.session, engine_context(), "muba_pengaduan", dict(MUBA_INTAKE)).instance.id
    login("process_owner")
    token = csrf_token(client, "/editor/")
    from tests.editor_fixtures import post_bpmn

    client.post("/logout", data={"csrf_token": token})
    owner = client.post("/api/v1/tokens", json={"username": "process_owner", "password": "sandi-process_owner-123"})
    post_bpmn(client, {"Authorization": "Bearer " + owner.get_json()["token"]}, muba_variant(duration="PT15M"))
    login("process_owner")
    page = client.get("/editor/proses/muba_pengaduan/pindah?dari=1&ke=2").get_data(as_text=True)
    assert f'data-instance="{instance_id}" class="ok"' in page
    token = csrf_token(client, "/editor/proses/muba_pengaduan/pindah?dari=1&ke=2")
    moved = client.post("/editor/proses/muba_pengaduan/pindah", data={
        "csrf_token": token, "dari": "1", "ke": "2", "instance_id": str(instance_id)}, follow_redirects=True)
    assert "1 instans dipindahkan ke versi 2" in moved.get_data(as_text=True)
    assert '<td class="running">1</td>' in client.get("/editor/proses/muba_pengaduan").get_data(as_text=True)
    migration_id = re.search(r"/migrasi/(\d+)/batal", moved.get_data(as_text=True)).group(1)
    reverted = client.post(f"/editor/migrasi/{migration_id}/batal", data={"csrf_token": token},
                           follow_redirects=True)
    assert f"Pemindahan instans {instance_id} dibatalkan" in reverted.get_data(as_text=True)


def test_every_editor_endpoint_is_403_for_other_roles(client, login):
    login("process_owner")
    draft_id, _ = _open_draft(client)
    token = csrf_token(client, "/editor/")
    client.post("/logout", data={"csrf_token": token})
    for role in ("kasi", "auditor", "admin"):
        login(role)
        headers = {"X-CSRFToken": csrf_token(client, "/")}
        for path in ("/editor/", "/editor/proses/muba_pengaduan/ubah", f"/editor/draf/{draft_id}",
                     f"/editor/draf/{draft_id}/data", "/editor/proses/muba_pengaduan/banding",
                     "/editor/proses/muba_pengaduan/pindah"):
            assert client.get(path).status_code == 403, (role, path)
        for path in (f"/editor/draf/{draft_id}/simpan", f"/editor/draf/{draft_id}/perbaiki",
                     f"/editor/draf/{draft_id}/pasang", "/editor/proses/muba_pengaduan/pindah",
                     "/editor/migrasi/1/batal", "/editor/draf/baru"):
            assert client.post(path, json={}, headers=headers).status_code == 403, (role, path)
        client.post("/logout", data={"csrf_token": headers["X-CSRFToken"]})
