"""A process owner changes the Muba SOP in the browser: standard time and lane role through Alur's side panel,
a broken timer marked on the diagram and fixed, deploy; complaints already under way stay on their version."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in, screenshot, serve_app
from tests.engine_helpers import MUBA_INTAKE

#: A non-interrupting boundary timer on "Beri Solusi" leading to an end event, written with an unquoted
#: duration the way other modelers export it (SpiffWorkflow would fail on it at run time).
ADD_BROKEN_TIMER = """() => {
  const m = window.alurEditor.modeler;
  const modeling = m.get('modeling'), factory = m.get('elementFactory'), registry = m.get('elementRegistry');
  const moddle = m.get('moddle');
  const host = registry.get('beri_solusi');
  const shape = factory.createShape({type: 'bpmn:BoundaryEvent', eventDefinitionType: 'bpmn:TimerEventDefinition'});
  const boundary = modeling.createShape(shape, {x: host.x + 70, y: host.y + host.height}, host, {attach: true});
  modeling.updateProperties(boundary, {id: 'pengingat_solusi', name: 'Pengingat 2 jam', cancelActivity: false});
  const definition = boundary.businessObject.eventDefinitions[0];
  modeling.updateModdleProperties(boundary, definition,
    {timeDuration: moddle.create('bpmn:FormalExpression', {body: 'PT2H'})});
  const end = modeling.appendShape(boundary, {type: 'bpmn:EndEvent'},
    {x: host.x + host.width + 90, y: host.y + host.height + 5}, boundary.parent);
  modeling.updateProperties(end, {id: 'pengingat_selesai', name: 'Kabid diingatkan'});
  return boundary.id;
}"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: the SOP change deployed here must not reach other browser tests' complaints."""
    with serve_app(tmp_path_factory.mktemp("e2e-editor")) as served:
        yield served


def _submit(live_server, subject: str):
    from engine.runtime import submit_complaint
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with live_server.app.app_context():
        submission = submit_complaint(
            db.session, engine_context(), "muba_pengaduan", {**MUBA_INTAKE, "subject": subject}
        )
        result = submission.instance.id, submission.tracking_code, submission.instance.version.version
        db.session.remove()
    return result


def _to_beri_solusi(live_server, instance_id: int) -> None:
    """Verification (petugas) and check (kasi) done, so the complaint waits in the solution step's lane."""
    from engine import runtime
    from engine.actors import Actor
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context
    from tests.engine_helpers import ready_task

    steps = [
        ("verifikasi_formulir", "petugas", {"nomor_buku_pengaduan": "7/III/2026", "lengkap": True}),
        ("periksa_laporan", "kasi", {"hasil_pemeriksaan": "benar", "catatan_solusi": "Rak ditata ulang."}),
    ]
    with live_server.app.app_context():
        for bpmn_id, role, data in steps:
            task = ready_task(db.session, instance_id, bpmn_id)
            runtime.complete_task(
                db.session, engine_context(), task.id, data, actor=Actor(role, frozenset({role}))
            )
        db.session.remove()


def _select(page, element_id: str) -> None:
    """Click an element on the canvas (its centre; a lane by its header strip on the left)."""
    box = page.locator(f'#canvas [data-element-id="{element_id}"]').first.bounding_box()
    if element_id.startswith("Lane_"):
        page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)
    else:
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_owner_changes_sop_in_the_editor_and_deploys(live_server, new_page):
    base = live_server.url
    before_id, before_code, before_version = _submit(live_server, "Rak buku referensi berantakan")

    page = new_page()
    log_in(page, base, "process_owner")
    page.goto(f"{base}/editor/proses/muba_pengaduan")
    old_version = int(page.locator("table.versions tbody tr").first.get_attribute("data-version"))
    assert old_version == before_version
    page.get_by_role("link", name="Ubah di editor").click()
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.locator("#problem-count").inner_text() == "Tidak ada masalah."
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays visible

    # standard time of "Beri Solusi dan Informasi": 15 → 30 minutes, typed as in the SOP
    _select(page, "beri_solusi")
    duration = page.locator("#standard-duration")
    assert duration.input_value() == "15 menit"
    duration.fill("setengah jam")
    duration.press("Tab")
    assert "Tidak terbaca" in page.locator("#duration-iso").inner_text()
    duration.fill("30 menit")
    duration.press("Tab")
    assert page.locator("#duration-iso").inner_text() == "PT30M"

    # the solution step moves from the Kabid to the Kepala Dinas: change the lane's role
    _select(page, "Lane_kabid")
    role = page.locator("#lane-role")
    assert role.input_value() == "kabid"
    role.select_option("kepala_dinas")
    screenshot(page, "editor-01-side-panel-desktop")

    # a reminder timer drawn the way other modelers write it: unquoted duration → marker on that element
    timer_id = page.evaluate(ADD_BROKEN_TIMER)
    page.get_by_role("button", name="Simpan draf").click()
    problem = page.locator(f'#problems li[data-element="{timer_id}"]')
    problem.wait_for()
    assert problem.get_attribute("data-code") == "timer_unquoted"
    assert "tanda kutip" in problem.inner_text()
    marker = page.locator(f'#canvas .djs-element.alur-problem[data-element-id="{timer_id}"]')
    assert marker.count() == 1
    assert page.locator("#problem-count").inner_text() == "1 masalah"
    screenshot(page, "editor-02-lint-marker-desktop")

    # deploying is refused while the problem stands
    page.fill("#sop-number", "041/17/DPK-SOP/2026")
    page.fill("#effective-date", "2026-03-16")
    page.get_by_role("button", name="Pasang sebagai versi baru").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('Perbaiki semua masalah')")

    # one click quotes the duration; the side panel shows the fixed expression
    problem.get_by_role("button", name="Perbaiki otomatis").click()
    page.wait_for_function("document.getElementById('problem-count').textContent === 'Tidak ada masalah.'")
    assert marker.count() == 0
    _select(page, timer_id)
    assert page.locator("#timer-text").input_value() == '"PT2H"'
    assert page.locator("#timer-kind").input_value() == "timeDuration"

    page.get_by_role("button", name="Pasang sebagai versi baru").click()
    deployed = page.locator("#deployed")
    deployed.get_by_role("link").wait_for()
    new_version = old_version + 1
    assert f"versi {new_version}" in deployed.inner_text()
    screenshot(page, "editor-03-deployed-desktop")

    # the process page: new version with the SOP number, the new time and lane; the old complaint stays
    deployed.get_by_role("link").click()
    newest = page.locator("table.versions tbody tr").first
    assert newest.get_attribute("data-version") == str(new_version)
    assert "041/17/DPK-SOP/2026" in newest.inner_text()
    assert newest.locator("td.running").inner_text() == "0"
    steps = page.locator("section.card", has_text="Langkah").last
    solution_row = steps.get_by_role("row", name=re.compile(r"^Beri Solusi dan Informasi"))  # not its escalation
    assert "kepala_dinas" in solution_row.inner_text() and "PT30M" in solution_row.inner_text()

    after_id, after_code, after_version = _submit(live_server, "AC ruang baca mati")
    assert after_version == new_version
    page.reload()
    assert page.locator(f'table.versions tr[data-version="{new_version}"] td.running').inner_text() == "1"

    # both complaints reach the solution step: the old one in the Kabid's inbox, the new one at the Kepala Dinas
    _to_beri_solusi(live_server, before_id)
    _to_beri_solusi(live_server, after_id)
    kabid = new_page()
    log_in(kabid, base, "kabid")
    kabid.goto(f"{base}/inbox")
    assert kabid.locator("li.task-row", has_text=before_code).is_visible()
    assert kabid.locator("li.task-row", has_text=after_code).count() == 0
    kepala = new_page()
    log_in(kepala, base, "kepala_dinas")
    kepala.goto(f"{base}/inbox")
    new_row = kepala.locator("li.task-row", has_text=after_code)
    assert "Beri Solusi" in new_row.inner_text()
    assert kepala.locator("li.task-row", has_text=before_code).count() == 0
    screenshot(kepala, "editor-04-kepala-dinas-inbox-desktop")

    # compare page: the changes in words
    page.goto(f"{base}/editor/proses/muba_pengaduan/banding?dari={old_version}&ke={new_version}")
    changes = page.locator("body").inner_text()
    assert re.search(r"Beri Solusi dan Informasi", changes) and "30 menit" in changes
    screenshot(page, "editor-05-compare-desktop")


def test_an_untouched_diagram_deploys_only_when_the_owner_confirms(live_server, new_page):
    """The modeler re-exports the diagram on save: an untouched Sanggau SOP is asked about, not silently a new
    version; declined nothing changes, confirmed it becomes a version with the new SOP number."""
    base = live_server.url
    page = new_page()
    log_in(page, base, "process_owner")
    page.goto(f"{base}/editor/proses/sanggau_pengaduan")
    old_version = int(page.locator("table.versions tbody tr").first.get_attribute("data-version"))
    page.get_by_role("link", name="Ubah di editor").click()
    page.wait_for_selector("#canvas[data-ready='1']")
    page.fill("#sop-number", "180/05/DPK-SOP/2026")
    page.fill("#effective-date", "2026-08-01")
    asked: list[str] = []

    def answer(accept: bool):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Pasang sebagai versi baru").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('Tetap pasang')")
    assert len(asked) == 1 and f"sama dengan versi {old_version} yang berlaku" in asked[0]
    assert page.locator("#deployed").inner_text().strip() == ""
    page.goto(f"{base}/editor/proses/sanggau_pengaduan")
    assert int(page.locator("table.versions tbody tr").first.get_attribute("data-version")) == old_version

    page.get_by_role("link", name="Ubah di editor").click()
    page.wait_for_selector("#canvas[data-ready='1']")
    page.fill("#sop-number", "180/05/DPK-SOP/2026")
    page.fill("#effective-date", "2026-08-01")
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Pasang sebagai versi baru").click()
    page.locator("#deployed").get_by_role("link").wait_for()
    assert len(asked) == 2 and f"versi {old_version + 1}" in page.locator("#deployed").inner_text()
    page.goto(f"{base}/editor/proses/sanggau_pengaduan")
    newest = page.locator("table.versions tbody tr").first
    assert newest.get_attribute("data-version") == str(old_version + 1)
    assert "180/05/DPK-SOP/2026" in newest.inner_text()


def test_editor_and_process_pages_on_a_phone(live_server, new_page):
    base = live_server.url
    page = new_page(phone=True)
    log_in(page, base, "process_owner")
    for path, name in (
        ("/editor/", "editor-06-processes-phone"),
        ("/editor/proses/muba_pengaduan", "editor-07-process-phone"),
        ("/editor/proses/muba_pengaduan/banding", "editor-10-compare-phone"),
        ("/editor/proses/muba_pengaduan/pindah", "editor-11-migrate-phone"),
    ):
        page.goto(base + path)
        screenshot(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
    page.goto(f"{base}/editor/proses/muba_pengaduan/ubah")
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.locator("#canvas .djs-palette").is_hidden()  # drawing needs a wider screen
    _select(page, "verifikasi_formulir")
    assert page.locator("#standard-duration").input_value() == "10 menit"
    screenshot(page, "editor-08-editor-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the editor scrolls sideways on a phone ({width}px)"


def test_perpusnas_services_open_clean_in_the_editor(live_server, new_page):
    page = new_page()
    log_in(page, live_server.url, "process_owner")
    for key, task in (("perpusnas_pengaduan", "tindak_lanjut"), ("sertifikasi_pustakawan", "asesmen")):
        page.goto(f"{live_server.url}/editor/proses/{key}/ubah")
        page.wait_for_selector("#canvas[data-ready='1']")
        assert page.locator("#problem-count").inner_text() == "Tidak ada masalah."
        _select(page, task)
        assert page.locator("#task-form").input_value().endswith(".schema.json")
        labels = page.locator("#form-preview label").all_inner_texts()  # drawn from the schema, in its order
        assert len(labels) >= 2 and labels[0] in ("Unit penanggung jawab *", "Rekomendasi asesor *"), labels
        screenshot(page, f"editor-09-{key}-desktop")
