"""Plain-language diff between two versions."""

from __future__ import annotations

from engine.process_diff import diff_versions, human_duration, human_timer, same_substance
from tests.editor_fixtures import muba_variant, shipped


def _texts(changes):
    return [c.text_id for c in changes]


def test_no_changes():
    xml = shipped("muba_pengaduan.bpmn").decode()
    assert diff_versions(xml, xml) == []


def test_duration_rename_and_lane_move():
    old = shipped("muba_pengaduan.bpmn").decode()
    new = muba_variant(duration="PT15M", rename=("Periksa Kebenaran Laporan", "Periksa Laporan"),
                       kabid_lane_role="kepala_dinas").decode()
    changes = diff_versions(old, new)
    texts = _texts(changes)
    assert ("Waktu standar Langkah 'Verifikasi Formulir Pengaduan' berubah dari 10 menit menjadi 15 menit."
            in texts)
    assert "Langkah 'Periksa Kebenaran Laporan' berganti nama menjadi 'Periksa Laporan'." in texts
    assert "Langkah 'Beri Solusi dan Informasi' pindah dari lajur kabid ke lajur kepala_dinas." in texts
    assert {c.kind for c in changes} == {"changed"}
    # everything in the kabid lane moves with it (the step, its escalation timer, the kasi's escalation)
    assert {c.element_id for c in changes} == {"verifikasi_formulir", "periksa_laporan", "beri_solusi", "batas_solusi",
                                               "eskalasi_periksa_laporan", "eskalasi_periksa_selesai"}


def test_added_and_removed_steps():
    old = shipped("muba_pengaduan.bpmn").decode()
    new = muba_variant(drop_verification=True).decode()
    changes = diff_versions(old, new)
    assert [(c.element_id, c.kind) for c in changes] == [
        ("verifikasi_formulir", "removed"), ("batas_verifikasi", "removed"),
        ("eskalasi_verifikasi_formulir", "removed"), ("eskalasi_verifikasi_selesai", "removed"),
    ]  # the step goes with its escalation
    assert _texts(changes)[:2] == ["Langkah 'Verifikasi Formulir Pengaduan' dihapus.",
                                   "Timer 'Waktu standar 10 menit (jam kerja)' dihapus."]
    back = diff_versions(new, old)
    assert back[0].kind == "added" and "ditambahkan di lajur petugas (waktu standar 10 menit)" in back[0].text_id


def test_timer_changed():
    old = shipped("sanggau_pengaduan.bpmn").decode()
    per_channel = ("deadline_after(received_at, &quot;lapor_verifikasi&quot; if channel == &quot;sp4n_lapor&quot; "
                   "else &quot;sanggau_kelengkapan&quot;)")
    new = old.replace(per_channel + "</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n"
                      "    </bpmn:boundaryEvent>\n    <bpmn:boundaryEvent id=\"tenggat_distribusi\"",
                      "working_days_after(received_at, 5)</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n"
                      "    </bpmn:boundaryEvent>\n    <bpmn:boundaryEvent id=\"tenggat_distribusi\"", 1)
    assert new != old
    changes = diff_versions(old, new)
    [text] = _texts(changes)
    assert text.startswith("Timer '7 hari kerja sejak diterima (SP4N-LAPOR!: 3)' berubah dari 7 hari kerja "
                           "(Tanggapan kelengkapan aduan (SK 31/2020 C.4)); kanal sp4n_lapor: 3 hari kerja "
                           "(Verifikasi dan penerusan laporan SP4N-LAPOR!) menjadi ")
    assert text.endswith(" menjadi 5 hari kerja sejak diterima.")
    assert changes[0].element_id == "tenggat_catat"


def test_humanizers():
    assert human_duration("PT1H30M") == "1 jam 30 menit" and human_duration("PT45M", "en") == "45 minute(s)"
    assert human_timer('"PT2H"') == "2 jam" and human_timer("working_days_after(received_at, 3)") == \
        "3 hari kerja sejak diterima"


def test_form_fields_of_a_kept_form():
    xml = shipped("muba_pengaduan.bpmn").decode()
    name = "muba-periksa-laporan.schema.json"
    old = {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}}
    new = {"type": "object", "required": ["a", "d"], "properties": {
        "a": {"type": "string", "maxLength": 200}, "b": {"type": "string"}, "d": {"type": "boolean"}}}
    changes = diff_versions(xml, xml, {name: old}, {name: new})
    assert [(c.element_id, c.kind, c.what) for c in changes] == [("periksa_laporan", "changed", "form_fields")]
    assert changes[0].text_id == (f"Formulir {name} pada Langkah 'Periksa Kebenaran Laporan' berubah (kolom baru: d; "
                                  "kolom dihapus: c; kolom diubah: a; kini wajib diisi: d; tidak lagi wajib: b).")
    assert changes[0].text_en.startswith(f"The form {name} of Step 'Periksa Kebenaran Laporan' changed (new fields: d;")
    # only the schema's title changed: said, without fields
    retitled = diff_versions(xml, xml, {name: old}, {name: {**old, "title": "Baru"}})
    assert [c.text_id.split("(")[1] for c in retitled] == ["isi skema berubah)."]
    # the same forms, or no forms given: nothing
    assert diff_versions(xml, xml, {name: old}, {name: dict(old)}) == []
    assert diff_versions(xml, xml) == []


def test_same_substance_ignores_layout_format_and_prefixes_only():
    from lxml import etree

    xml = shipped("muba_pengaduan.bpmn").decode()
    root = etree.fromstring(xml.encode())
    for bounds in root.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds"):
        bounds.set("y", str(float(bounds.get("y")) + 40))  # every shape moved
    root.set("exporter", "bpmn-js")
    root.insert(0, etree.Comment(" disimpan ulang "))
    etree.indent(root, space="  ")
    boundary = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}boundaryEvent[@cancelActivity='true']")
    del boundary.attrib["cancelActivity"]  # its schema default, which bpmn-js leaves out
    relaid = etree.tostring(root, encoding="unicode")
    assert relaid != xml and same_substance(xml, relaid)
    # the same document with other namespace prefixes is the same process
    reprefixed = xml.replace("bpmn:", "semantic:").replace("xmlns:bpmn=", "xmlns:semantic=")
    assert reprefixed != xml and same_substance(xml, reprefixed)
    # anything else is a change: a name, a flow rewired, a condition, an extension property, a script
    flow = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}sequenceFlow")
    for changed in (xml.replace('name="Verifikasi Formulir Pengaduan"', 'name="Verifikasi"'),
                    xml.replace(f'sourceRef="{flow.get("sourceRef")}"', f'sourceRef="{flow.get("targetRef")}"', 1),
                    muba_variant(duration="PT15M").decode()):
        assert changed != xml and not same_substance(xml, changed)
    assert not same_substance("<bukan xml", xml) and not same_substance(xml, "<bukan xml")
