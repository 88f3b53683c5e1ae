"""Structure and behaviour of the deployable process models (processes/*.bpmn + processes/forms/).

Plain SpiffWorkflow in memory: no engine import, no database. The engine supplies `working_days_after`,
`office_time_after` and `now` in production; here stand-ins that skip weekends only / ignore office hours.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import isodate
import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
FORMS = PROCESSES / "forms"
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
ROLES = {"pelapor", "petugas", "kasi", "kabid", "kepala_dinas", "asesor"}
EXPECTED_KEYS = {
    "muba_pengaduan", "muba_sk_pengaduan", "muba_rekap_bulanan", "sanggau_pengaduan", "sanggau_laporan_semester",
    "perpusnas_pengaduan", "sertifikasi_pustakawan",
}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = (
    "startEvent", "endEvent", "userTask", "exclusiveGateway", "parallelGateway", "boundaryEvent", "scriptTask",
    "manualTask", "intermediateCatchEvent", "intermediateThrowEvent", "subProcess", "callActivity", "task",
)


# ---------------------------------------------------------------- helpers

def working_days_after(iso, n):
    """Stand-in for the engine's calendar function: n weekdays after the instant (no holidays)."""
    t = datetime.fromisoformat(iso)
    while n > 0:
        t += timedelta(days=1)
        if t.weekday() < 5:
            n -= 1
    return t.isoformat()


def deadline_after(iso, name):
    """Stand-in for the engine's named deadlines (processes/deadlines.json) on the weekday stand-in."""
    rules = json.loads((PROCESSES / "deadlines.json").read_text(encoding="utf-8"))
    return working_days_after(iso, rules[name]["working_days"])


def office_time_after(iso, duration):
    """Stand-in for the engine's calendar function: plain elapsed time (no office hours)."""
    return (datetime.fromisoformat(iso) + isodate.parse_duration(duration)).isoformat()


def now():
    """Stand-in for the engine's ``now()``: the time SpiffWorkflow's timers see (frozen by the clock fixture)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module

    return timer_module.datetime.now(UTC).isoformat()


def script_engine():
    return PythonScriptEngine(environment=TaskDataEnvironment(
        {"working_days_after": working_days_after, "deadline_after": deadline_after,
         "office_time_after": office_time_after, "now": now}))


def parse(path):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(path))
    return parser


def spec_for(key):
    return parse(PROCESSES / f"{key}.bpmn").get_spec(key)


def xml(path):
    return etree.parse(str(path))


def load_form(name):
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def user_task_specs(spec):
    return [ts for ts in spec.task_specs.values() if type(ts).__name__ == "UserTask"]


def form_fields(schema):
    return set(schema.get("properties", {}))


class Run:
    """Drives a workflow: completes ready user tasks by BPMN id, checking lane and form on the way."""

    def __init__(self, key, data=None):
        self.workflow = BpmnWorkflow(spec_for(key), script_engine=script_engine())
        if data:
            self.workflow.data.update(data)
        self.done = []
        self.workflow.do_engine_steps()

    def ready(self):
        return sorted(t.task_spec.bpmn_id for t in self.workflow.get_tasks(state=TaskState.READY, manual=True))

    def complete(self, bpmn_id, role, data):
        tasks = [t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
                 if t.task_spec.bpmn_id == bpmn_id]
        assert len(tasks) == 1, f"{bpmn_id} not ready once; ready: {self.ready()}"
        task = tasks[0]
        assert task.task_spec.lane == role, (bpmn_id, task.task_spec.lane)
        form = load_form(task.task_spec.extensions["properties"]["formJsonSchemaFilename"])
        # as the engine does: a field left out takes its schema default
        data = {**{k: p["default"] for k, p in form.get("properties", {}).items() if "default" in p}, **data}
        errors = [e.message for e in Draft202012Validator(form).iter_errors(data)]
        assert not errors, (bpmn_id, errors)
        task.data.update(data)
        task.run()
        self.workflow.do_engine_steps()
        self.done.append(bpmn_id)
        return task


def tasks_of(run, bpmn_id, state):
    """Filtered by hand: SpiffWorkflow's state filter does not descend below unfinished (WAITING) tasks."""
    return [t for t in run.workflow.get_tasks() if t.task_spec.bpmn_id == bpmn_id and t.state == state]


def iso_now(delta_days=0):
    return (datetime.now(UTC) + timedelta(days=delta_days)).isoformat()


def intake(received_at=None, **overrides):
    data = {
        "channel": "whatsapp",
        "received_at": received_at or iso_now(),
        "reporter": {"name": "Siti Aminah", "address": "Jl. Ahmad Yani 12, Sanggau", "phone": "0852 1111 2222"},
        "anonymity": "none",
        "subject": "Buku pinjaman tidak tercatat kembali",
        "description": "Buku sudah saya kembalikan tanggal 3 tetapi masih tercatat dipinjam dan kena denda.",
        "category": "layanan_sirkulasi",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- structure

def test_every_expected_process_is_present():
    assert {p.stem for p in BPMN_FILES} == EXPECTED_KEYS


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_collaboration_pool_process_and_lanes(path):
    doc = xml(path)
    processes = doc.xpath("//bpmn:process", namespaces=NS)
    assert len(processes) == 1
    process = processes[0]
    assert process.get("id") == path.stem
    assert process.get("isExecutable") == "true"
    participants = doc.xpath("//bpmn:collaboration/bpmn:participant", namespaces=NS)
    assert [p.get("processRef") for p in participants] == [path.stem]

    lanes = process.xpath("bpmn:laneSet/bpmn:lane", namespaces=NS)
    assert lanes
    for lane in lanes:
        assert lane.get("name") in ROLES
        assert lane.xpath("string(bpmn:documentation)", namespaces=NS).strip()
    assert len({lane.get("name") for lane in lanes}) == len(lanes)

    refs = [r.text for r in process.xpath("bpmn:laneSet/bpmn:lane/bpmn:flowNodeRef", namespaces=NS)]
    nodes = [el.get("id") for tag in FLOW_NODE_TAGS for el in process.xpath(f".//bpmn:{tag}", namespaces=NS)]
    assert sorted(refs) == sorted(nodes), "every flow node in exactly one lane"
    # flat models only: lanes of nodes nested in an embedded subProcess are not honoured by SpiffWorkflow
    assert not process.xpath(".//bpmn:subProcess", namespaces=NS)


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_gateways_and_timers(path):
    doc = xml(path)
    for gw in doc.xpath("//bpmn:exclusiveGateway", namespaces=NS):
        outgoing = doc.xpath(f"//bpmn:sequenceFlow[@sourceRef='{gw.get('id')}']", namespaces=NS)
        if len(outgoing) > 1:
            for flow in outgoing:
                has_condition = flow.xpath("string(bpmn:conditionExpression)", namespaces=NS).strip()
                assert has_condition or gw.get("default") == flow.get("id"), flow.get("id")
    for start in doc.xpath("//bpmn:startEvent[bpmn:timerEventDefinition]", namespaces=NS):
        expr = start.xpath("string(.//bpmn:timeCycle)", namespaces=NS).strip()
        assert expr.startswith('"') and expr.endswith('"'), "literal timer expressions are Python strings"
    for boundary in doc.xpath("//bpmn:boundaryEvent", namespaces=NS):
        expr = boundary.xpath("string(.//bpmn:timeDate)", namespaces=NS).strip()
        if boundary.get("cancelActivity") != "false":
            # the one interrupting timer: SP4N-LAPOR! closes a report whose reporter does not reply, counted from
            # when the reporter's step waits; the step is reached only for channel sp4n_lapor
            assert (boundary.get("id"), boundary.get("attachedToRef")) == ("tutup_tanpa_tanggapan",
                                                                           "lengkapi_pengaduan_lapor")
            assert expr == 'deadline_after(now(), "lapor_tutup_tanpa_tanggapan")'
            into = doc.xpath("//bpmn:sequenceFlow[@targetRef='lengkapi_pengaduan_lapor']", namespaces=NS)
            assert [f.xpath("string(bpmn:conditionExpression)", namespaces=NS) for f in into] == [
                'channel == "sp4n_lapor"']
            continue
        if expr.startswith(("working_days_after", "deadline_after")):
            start = "tenggat_tanggapan_dari" if boundary.get("id") == "tenggat_tanggapan" else "received_at"
            assert re.fullmatch(rf"working_days_after\({start}, \d+\)", expr) or re.fullmatch(
                rf'deadline_after\({start}, ("\w+" if channel == "sp4n_lapor" else )?"\w+"\)', expr), expr
        else:  # an escalation after the step's standard time, counted in office hours from when it is ready
            attached = doc.xpath(f"//bpmn:userTask[@id='{boundary.get('attachedToRef')}']", namespaces=NS)[0]
            standard = attached.xpath("string(.//spiffworkflow:property[@name='standard_duration']/@value)",
                                      namespaces=NS)
            assert expr == f'office_time_after(now(), "{standard}")'
            escalation = doc.xpath(f"//bpmn:sequenceFlow[@sourceRef='{boundary.get('id')}']/@targetRef",
                                   namespaces=NS)
            assert [e.startswith("eskalasi_") for e in escalation] == [True]


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_diagram_covers_every_element_without_overlap(path):
    doc = xml(path)
    process = doc.xpath("//bpmn:process", namespaces=NS)[0]
    shapes = {}
    for shape in doc.xpath("//bpmndi:BPMNShape", namespaces=NS):
        b = shape.xpath("dc:Bounds", namespaces=NS)[0]
        shapes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    edges = {e.get("bpmnElement"): e.xpath("di:waypoint", namespaces=NS)
             for e in doc.xpath("//bpmndi:BPMNEdge", namespaces=NS)}
    nodes = {el.get("id"): el for tag in FLOW_NODE_TAGS for el in process.xpath(f".//bpmn:{tag}", namespaces=NS)}
    for node_id in nodes:
        assert node_id in shapes, node_id
    for flow in process.xpath("bpmn:sequenceFlow", namespaces=NS):
        assert len(edges.get(flow.get("id"), [])) >= 2, flow.get("id")

    lanes = {lane.get("name"): shapes[lane.get("id")] for lane in process.xpath(".//bpmn:lane", namespaces=NS)}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        lx, ly, lw, lh = shapes[lane.get("id")]
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            x, y, w, h = shapes[ref.text]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, f"{ref.text} outside its lane"
    assert lanes

    def overlap(a, b):
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
    ids = list(nodes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if nodes[a].get("attachedToRef") == b or nodes[b].get("attachedToRef") == a:
                continue
            assert not overlap(shapes[a], shapes[b]), (a, b)


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_user_tasks_have_lane_documentation_form_and_duration(path):
    spec = parse(path).get_spec(path.stem)
    tasks = user_task_specs(spec)
    assert tasks
    for ts in tasks:
        assert ts.lane in ROLES, ts.bpmn_id
        assert ts.documentation and len(ts.documentation) > 40, ts.bpmn_id
        props = ts.extensions["properties"]
        assert props.get("sop_step"), ts.bpmn_id
        assert props.get("inputs"), ts.bpmn_id
        form_file = FORMS / props["formJsonSchemaFilename"]
        assert form_file.is_file(), form_file
        Draft202012Validator.check_schema(load_form(form_file.name))
        if "standard_duration" in props:
            assert isodate.parse_duration(props["standard_duration"]).total_seconds() > 0


def test_standard_durations_follow_the_muba_sop_waktu_column():
    expected = {
        "muba_sk_pengaduan": {"perintah_sk": "PT1H", "buat_sk": "PT1H"},
        "muba_pengaduan": {"isi_formulir": "PT45M", "verifikasi_formulir": "PT10M", "periksa_laporan": "PT10M",
                           "beri_solusi": "PT15M", "lengkapi_pengaduan": None, "lengkapi_pengaduan_lapor": None,
                           "eskalasi_verifikasi_formulir": None,
                           "eskalasi_periksa_laporan": None, "eskalasi_beri_solusi": None,
                           "teruskan_instansi_lain": None},
        "muba_rekap_bulanan": {"susun_rekap": "PT10M", "terima_rekap_kabid": "PT10M",
                               "terima_rekap_kepala_dinas": "PT10M", "arsipkan_dokumen": "PT10M"},
    }
    for key, steps in expected.items():
        got = {ts.bpmn_id: ts.extensions["properties"].get("standard_duration")
               for ts in user_task_specs(spec_for(key))}
        assert got == steps
    sop_steps = {ts.bpmn_id: ts.extensions["properties"]["sop_step"]
                 for key in expected for ts in user_task_specs(spec_for(key))}
    assert [sop_steps[t] for t in ("perintah_sk", "buat_sk", "isi_formulir", "verifikasi_formulir",
                                   "periksa_laporan", "beri_solusi", "susun_rekap", "terima_rekap_kabid",
                                   "terima_rekap_kepala_dinas", "arsipkan_dokumen")] == [str(i) for i in range(1, 11)]


def _check_titles(schema, where):
    assert schema.get("title") and schema.get("description"), where
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("title") and prop.get("description"), f"{where}.{name}"
        if prop.get("type") == "object":
            _check_titles(prop, f"{where}.{name}")


@pytest.mark.parametrize("form_file", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name)
def test_forms_are_valid_titled_and_used(form_file):
    schema = load_form(form_file.name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert set(schema["required"]) <= form_fields(schema)
    _check_titles(schema, form_file.name)
    used = {ts.extensions["properties"]["formJsonSchemaFilename"]
            for p in BPMN_FILES for ts in user_task_specs(parse(p).get_spec(p.stem))}
    assert form_file.name in used


def test_intake_form_fields_and_rules():
    schema = load_form("pengaduan.schema.json")
    assert list(schema["properties"]) == ["channel", "received_at", "reporter", "anonymity", "subject",
                                          "description", "category", "attachments"]
    assert set(schema["required"]) == {"channel", "received_at", "reporter", "anonymity", "subject", "description"}
    channels = [c["const"] for c in schema["properties"]["channel"]["oneOf"]]
    assert channels == ["tatap_muka", "kotak_pengaduan", "telepon", "whatsapp", "email", "website",
                        "media_sosial", "sp4n_lapor"]
    assert [c["const"] for c in schema["properties"]["anonymity"]["oneOf"]] == ["none", "anonim", "rahasia"]
    v = Draft202012Validator(schema)
    assert not list(v.iter_errors(intake()))
    no_contact = intake(reporter={"name": "Budi", "address": "Sekayu"})
    assert list(v.iter_errors(no_contact)), "phone or e-mail is required (B.1)"
    assert not list(v.iter_errors(intake(reporter={"name": "Budi", "address": "Sekayu", "email": "b@x.id"})))
    assert list(v.iter_errors(intake(subject="abc"))), "object of the complaint must be clear (B.2)"
    assert list(v.iter_errors(intake(channel="surat_kabar")))


@pytest.mark.parametrize("form", ["muba-verifikasi-formulir.schema.json", "sanggau-tanggapi-kelengkapan.schema.json"])
def test_kekurangan_required_only_when_incomplete(form):
    v = Draft202012Validator(load_form(form))
    base = {"nomor_buku_pengaduan": "12/2026", "tanggapan": "Diterima."}
    assert list(v.iter_errors({**base, "lengkap": False}))
    assert not list(v.iter_errors({**base, "lengkap": False, "kekurangan": "Nomor anggota belum ada."}))
    assert not list(v.iter_errors({**base, "lengkap": True}))


SHARED_FIELDS = {"jawaban"}  # Sanggau: drafted by the Tim Penjawab, possibly revised by the Kepala Dinas


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_field_names_unique_across_forms_of_a_process(path):
    forms = {ts.extensions["properties"]["formJsonSchemaFilename"]
             for ts in user_task_specs(parse(path).get_spec(path.stem))}
    seen = {}
    for name in sorted(forms):
        for field in form_fields(load_form(name)):
            assert field not in seen or field in SHARED_FIELDS, (field, seen.get(field), name)
            seen[field] = name


def test_answer_field_is_jawaban_in_both_complaint_processes():
    assert "jawaban" in form_fields(load_form("muba-beri-solusi.schema.json"))
    assert "jawaban" in form_fields(load_form("sanggau-susun-jawaban.schema.json"))
    assert "jawaban" in form_fields(load_form("sanggau-setujui-jawaban.schema.json"))


# ---------------------------------------------------------------- behaviour: Muba

def test_muba_happy_path():
    run = Run("muba_pengaduan")
    assert run.ready() == ["isi_formulir"]
    run.complete("isi_formulir", "pelapor", intake(channel="kotak_pengaduan"))
    run.complete("verifikasi_formulir", "petugas", {"lengkap": True, "nomor_buku_pengaduan": "041/2026"})
    run.complete("periksa_laporan", "kasi", {"hasil_pemeriksaan": "benar",
                                             "catatan_solusi": "Koreksi data sirkulasi, hapus denda."})
    assert run.ready() == ["beri_solusi"]
    run.complete("beri_solusi", "kabid", {"bentuk_jawaban": "tertulis",
                                          "jawaban": "Data pengembalian sudah dikoreksi dan denda dihapus."})
    assert run.workflow.is_completed()
    assert run.done == ["isi_formulir", "verifikasi_formulir", "periksa_laporan", "beri_solusi"]
    end = tasks_of(run, "selesai", TaskState.COMPLETED)
    assert len(end) == 1 and end[0].task_spec.lane == "pelapor"
    assert end[0].data["jawaban"] == "Data pengembalian sudah dikoreksi dan denda dihapus."
    assert end[0].data["channel"] == "kotak_pengaduan"


def test_muba_incomplete_form_loops_through_the_reporter():
    run = Run("muba_pengaduan")
    run.complete("isi_formulir", "pelapor", intake())
    run.complete("verifikasi_formulir", "petugas",
                 {"lengkap": False, "kekurangan": "Cantumkan nomor anggota.", "nomor_buku_pengaduan": "7"})
    assert run.ready() == ["lengkapi_pengaduan"]
    run.complete("lengkapi_pengaduan", "pelapor", {"tambahan": "Nomor anggota 2026-0042."})
    assert run.ready() == ["verifikasi_formulir"]
    run.complete("verifikasi_formulir", "petugas",
                 {"lengkap": False, "kekurangan": "Tanggal pengembalian?", "nomor_buku_pengaduan": "7"})
    run.complete("lengkapi_pengaduan", "pelapor", {"tambahan": "Tanggal 3 November."})
    run.complete("verifikasi_formulir", "petugas", {"lengkap": True, "nomor_buku_pengaduan": "7"})
    assert run.ready() == ["periksa_laporan"]
    run.complete("periksa_laporan", "kasi", {"hasil_pemeriksaan": "sebagian", "catatan_solusi": "Cek log."})
    run.complete("beri_solusi", "kabid", {"bentuk_jawaban": "lisan", "jawaban": "Sudah diperbaiki."})
    assert run.workflow.is_completed()
    assert run.done == ["isi_formulir", "verifikasi_formulir", "lengkapi_pengaduan", "verifikasi_formulir",
                        "lengkapi_pengaduan", "verifikasi_formulir", "periksa_laporan", "beri_solusi"]


@pytest.mark.parametrize(("step", "role", "escalation", "boss", "minutes"), [
    ("verifikasi_formulir", "petugas", "eskalasi_verifikasi_formulir", "kasi", 10),
    ("periksa_laporan", "kasi", "eskalasi_periksa_laporan", "kabid", 10),
    ("beri_solusi", "kabid", "eskalasi_beri_solusi", "kepala_dinas", 15),
])
def test_muba_overdue_step_escalates_one_role_up_and_stays_with_its_owner(clock, step, role, escalation, boss,
                                                                          minutes):
    clock.set("2026-11-23T09:00:00+07:00")
    run = Run("muba_pengaduan")
    run.complete("isi_formulir", "pelapor", intake())
    if step != "verifikasi_formulir":
        run.complete("verifikasi_formulir", "petugas", {"lengkap": True, "nomor_buku_pengaduan": "1"})
    if step == "beri_solusi":
        run.complete("periksa_laporan", "kasi", {"hasil_pemeriksaan": "benar", "catatan_solusi": "Koreksi."})
    assert run.ready() == [step]
    clock.set(f"2026-11-23T09:{minutes:02d}:00+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == [step], "not before the standard time has passed"
    clock.set(f"2026-11-23T09:{minutes:02d}:01+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == sorted([step, escalation])
    raised = [t for t in run.workflow.get_tasks(state=TaskState.READY, manual=True)
              if t.task_spec.bpmn_id == escalation][0]
    assert raised.task_spec.lane == boss and raised.data["subject"] == intake()["subject"]
    run.complete(escalation, boss, {"tindakan_eskalasi": "Segera selesaikan."})
    assert run.ready() == [step] and not run.workflow.is_completed()


def test_muba_answer_closes_the_complaint_with_an_escalation_still_open(clock):
    clock.set("2026-11-23T09:00:00+07:00")
    run = Run("muba_pengaduan")
    run.complete("isi_formulir", "pelapor", intake())
    clock.set("2026-11-23T10:00:00+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["eskalasi_verifikasi_formulir", "verifikasi_formulir"]
    run.complete("verifikasi_formulir", "petugas", {"lengkap": True, "nomor_buku_pengaduan": "1"})
    run.complete("periksa_laporan", "kasi", {"hasil_pemeriksaan": "benar", "catatan_solusi": "Koreksi."})
    run.complete("beri_solusi", "kabid", {"bentuk_jawaban": "lisan", "jawaban": "Sudah dikoreksi."})
    assert run.workflow.is_completed(), "the answer ends the complaint (terminate end event)"
    assert tasks_of(run, "eskalasi_verifikasi_formulir", TaskState.CANCELLED)
    assert tasks_of(run, "selesai", TaskState.COMPLETED)[0].data["jawaban"] == "Sudah dikoreksi."


def test_muba_sk_process():
    run = Run("muba_sk_pengaduan")
    assert run.ready() == ["perintah_sk"]
    run.complete("perintah_sk", "kabid", {"tanggal_rapat": "2026-01-05", "notulen_rapat": "Kasi membuat SK."})
    run.complete("buat_sk", "kasi", {"nomor_sk": "800/12/DPK/2026", "tanggal_sk": "2026-01-06",
                                     "susunan_pengelola": "Ketua: Kabid Layanan; Anggota: Kasi, Staf."})
    assert run.workflow.is_completed()
    assert run.done == ["perintah_sk", "buat_sk"]


class _Clock:
    """Freezes `datetime.now` as SpiffWorkflow's timer module sees it (the engine injects its own clock)."""

    def __init__(self, monkeypatch):
        import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
        clock = self

        class FrozenDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.now.astimezone(tz) if tz else clock.now

        self.now = datetime(2025, 12, 31, 8, 0, tzinfo=UTC)
        monkeypatch.setattr(timer_module, "datetime", FrozenDatetime)

    def set(self, iso):
        self.now = datetime.fromisoformat(iso)


@pytest.fixture
def clock(monkeypatch):
    return _Clock(monkeypatch)


def _cycle_start(run, start_id, clock, first):
    """Before the first cycle the timer start only waits; one cycle later one run is ready."""
    waiting = run.workflow.waiting_events()
    assert [e.event_type for e in waiting] == ["CycleTimerEventDefinition"]
    start = tasks_of(run, start_id, TaskState.WAITING)
    assert len(start) == 1 and start[0].task_spec.lane == "kasi"
    assert run.ready() == []
    clock.set(first)
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()


def test_muba_monthly_recap_timer_structure():
    spec = spec_for("muba_rekap_bulanan")
    start = spec.task_specs["mulai_bulanan"]
    assert type(start.event_definition).__name__ == "CycleTimerEventDefinition"
    assert start.event_definition.expression == '"R/2026-01-01T08:00:00+07:00/P1M"'
    assert start.lane == "kasi"


def test_muba_monthly_recap_runs_after_the_timer(clock):
    run = Run("muba_rekap_bulanan")
    _cycle_start(run, "mulai_bulanan", clock, "2026-01-01T08:00:01+07:00")
    assert run.ready() == ["susun_rekap"]
    run.complete("susun_rekap", "kasi", {"periode_rekap": "2026-10", "ringkasan_rekap": "12 pengaduan, 11 selesai."})
    run.complete("terima_rekap_kabid", "kabid", {})
    run.complete("terima_rekap_kepala_dinas", "kepala_dinas", {"catatan_evaluasi": "Percepat layanan sirkulasi."})
    run.complete("arsipkan_dokumen", "kasi", {"nomor_arsip": "REK-2026-10", "tanggal_arsip": "2026-11-02"})
    assert run.done == ["susun_rekap", "terima_rekap_kabid", "terima_rekap_kepala_dinas", "arsipkan_dokumen"]
    assert run.ready() == []
    ends = tasks_of(run, "selesai", TaskState.COMPLETED)
    assert len(ends) == 1 and ends[0].data["ringkasan_rekap"] == "12 pengaduan, 11 selesai."
    # next month: the same instance starts another run (SpiffWorkflow's cycle start semantics)
    clock.set("2026-02-01T08:00:01+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["susun_rekap"]
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["susun_rekap"], "no second run inside the same month"


def test_sanggau_semester_report_runs_after_the_timer(clock):
    spec = spec_for("sanggau_laporan_semester")
    assert spec.task_specs["mulai_semester"].event_definition.expression == '"R/2026-01-01T08:00:00+07:00/P6M"'
    run = Run("sanggau_laporan_semester")
    _cycle_start(run, "mulai_semester", clock, "2026-01-01T08:00:01+07:00")
    run.complete("susun_laporan_semester", "kasi", {"periode_semester": "2026-S1", "ringkasan_laporan": "30 aduan."})
    run.complete("terima_laporan_semester", "kepala_dinas", {"catatan_evaluasi": "Baik."})
    assert run.done == ["susun_laporan_semester", "terima_laporan_semester"]
    assert run.ready() == []
    clock.set("2026-06-30T23:00:00+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == []
    clock.set("2026-07-01T08:00:01+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["susun_laporan_semester"]


# ---------------------------------------------------------------- behaviour: Sanggau

FORWARD = {"instansi_tujuan": "Kantor Arsip Nasional", "waktu_diteruskan": "2026-11-24T09:30:00+07:00",
           "kanal_penerusan": "surat", "nomor_surat": "045/7/2026"}


@pytest.mark.parametrize("key,assess,data", [
    ("muba_pengaduan", "verifikasi_formulir", {"lengkap": True, "nomor_buku_pengaduan": "8"}),
    ("sanggau_pengaduan", "catat_buku_pengaduan", {"nomor_buku_pengaduan": "BP-8"}),
    ("perpusnas_pengaduan", "terima_pengaduan", {"nomor_registrasi": "PPP/8", "bentuk_pengaduan": "lisan",
                                                 "prosedur_dijelaskan": True, "lengkap": True}),
])
def test_bukan_wewenang_forwards_and_ends(key, assess, data):
    run = Run(key)
    first = "isi_formulir" if key == "muba_pengaduan" else "sampaikan_pengaduan"
    run.complete(first, "pelapor", intake())
    run.complete(assess, "petugas", {**data, "di_luar_wewenang": True})
    assert run.ready() == ["teruskan_instansi_lain"]
    run.complete("teruskan_instansi_lain", "petugas", FORWARD)
    assert run.workflow.is_completed()
    end = tasks_of(run, "diteruskan_selesai", TaskState.COMPLETED)
    assert len(end) == 1 and end[0].task_spec.lane == "petugas"
    assert end[0].data["tahap_akhir"] == "Diteruskan ke Kantor Arsip Nasional"
    assert end[0].data["jawaban"] == ("Pengaduan Anda berada di luar wewenang kami dan telah diteruskan kepada "
                                      "Kantor Arsip Nasional pada 2026-11-24 09:30.")
    assert not tasks_of(run, "selesai", TaskState.COMPLETED)


# ---------------------------------------------------------------- behaviour: SP4N-LAPOR!'s 10-day closure

#: Per complaint process: (intake step, steps up to the request for more material, the step it returns to).
ASKS_REPORTER = {
    "muba_pengaduan": ("isi_formulir", [
        ("verifikasi_formulir", "petugas", {"lengkap": False, "kekurangan": "Sebutkan judul buku.",
                                            "nomor_buku_pengaduan": "9"})], "verifikasi_formulir"),
    "sanggau_pengaduan": ("sampaikan_pengaduan", [
        ("catat_buku_pengaduan", "petugas", {"nomor_buku_pengaduan": "BP-9"}),
        ("distribusikan_aduan", "kasi", {"penjawab_utama": "kabid_perpustakaan", "libatkan_kepala_dinas": False}),
        ("tanggapi_kelengkapan", "kabid", {"lengkap": False, "kekurangan": "Sebutkan judul buku.",
                                           "tanggapan": "Belum lengkap."})], "tanggapi_kelengkapan"),
    "perpusnas_pengaduan": ("sampaikan_pengaduan", [
        ("terima_pengaduan", "petugas", {"nomor_registrasi": "PPP/9", "bentuk_pengaduan": "tertulis",
                                         "prosedur_dijelaskan": True, "lengkap": False,
                                         "kekurangan": "Sebutkan judul buku."})], "terima_pengaduan"),
}


def _asked_for_material(key, channel, clock):
    clock.set("2026-11-23T10:00:00+07:00")  # a Monday
    run = Run(key)
    first, steps, _back = ASKS_REPORTER[key]
    run.complete(first, "pelapor", intake(channel=channel))
    for bpmn_id, role, data in steps:
        run.complete(bpmn_id, role, data)
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    return run


def _at(run, clock, when):
    clock.set(when)
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()


@pytest.mark.parametrize("key", sorted(ASKS_REPORTER))
def test_lapor_report_closes_when_the_reporter_does_not_reply(key, clock):
    run = _asked_for_material(key, "sp4n_lapor", clock)
    assert run.ready() == ["lengkapi_pengaduan_lapor"]
    [timer] = tasks_of(run, "tutup_tanpa_tanggapan", TaskState.WAITING)
    assert timer.task_spec.lane == "pelapor" and timer.task_spec.cancel_activity
    assert [datetime.fromisoformat(e.value) for e in run.workflow.waiting_events()] == [
        datetime.fromisoformat("2026-12-07T10:00:00+07:00")]  # 10 weekdays after the request
    _at(run, clock, "2026-12-07T09:59:00+07:00")
    assert run.ready() == ["lengkapi_pengaduan_lapor"]
    _at(run, clock, "2026-12-07T10:00:01+07:00")
    assert run.workflow.is_completed() and run.ready() == []
    [end] = tasks_of(run, "ditutup_tanpa_tanggapan", TaskState.COMPLETED)
    assert end.data["tahap_akhir"] == "Ditutup — pelapor tidak menanggapi"
    assert end.data["jawaban"] == (
        "Laporan SP4N-LAPOR! Anda ditutup karena kekurangan yang kami minta tidak dilengkapi dalam batas waktu "
        "SP4N-LAPOR!: Sebutkan judul buku. Anda dapat menyampaikan laporan baru bila masih diperlukan.")
    assert not tasks_of(run, "selesai", TaskState.COMPLETED)
    assert tasks_of(run, "lengkapi_pengaduan_lapor", TaskState.CANCELLED)


@pytest.mark.parametrize("key", sorted(ASKS_REPORTER))
def test_other_channels_wait_for_the_reporter_without_closing(key, clock):
    run = _asked_for_material(key, "whatsapp", clock)
    assert run.ready() == ["lengkapi_pengaduan"]
    assert run.workflow.waiting_events() == []
    _at(run, clock, "2027-03-01T10:00:00+07:00")
    assert run.ready() == ["lengkapi_pengaduan"] and not run.workflow.is_completed()


@pytest.mark.parametrize("key", sorted(ASKS_REPORTER))
def test_lapor_reporter_replying_in_time_cancels_the_closure(key, clock):
    run = _asked_for_material(key, "sp4n_lapor", clock)
    _at(run, clock, "2026-12-04T15:00:00+07:00")  # the Friday before the deadline
    run.complete("lengkapi_pengaduan_lapor", "pelapor", {"tambahan": "Judulnya Kimia Dasar jilid 2."})
    assert run.ready() == [ASKS_REPORTER[key][2]]
    assert tasks_of(run, "tutup_tanpa_tanggapan", TaskState.CANCELLED)
    _at(run, clock, "2026-12-08T10:00:00+07:00")
    assert not tasks_of(run, "ditutup_tanpa_tanggapan", TaskState.COMPLETED)
    assert not run.workflow.is_completed()


def _sanggau_until_response(received_at=None, libatkan=False):
    run = Run("sanggau_pengaduan")
    run.complete("sampaikan_pengaduan", "pelapor", intake(received_at=received_at))
    run.complete("catat_buku_pengaduan", "petugas", {"nomor_buku_pengaduan": "BP-2026-031"})
    run.complete("distribusikan_aduan", "kasi", {"penjawab_utama": "kabid_perpustakaan",
                                                 "libatkan_kepala_dinas": libatkan})
    return run


@pytest.mark.parametrize("perlu_rapat", [True, False], ids=["rapat", "tanpa_rapat"])
@pytest.mark.parametrize("libatkan", [True, False], ids=["kepala_dinas", "tanpa_kepala_dinas"])
def test_sanggau_paths(perlu_rapat, libatkan):
    run = _sanggau_until_response(libatkan=libatkan)
    run.complete("tanggapi_kelengkapan", "kabid", {"lengkap": True, "tanggapan": "Materi aduan lengkap."})
    run.complete("koordinasi_tim", "kasi", {"perlu_rapat": perlu_rapat})
    if perlu_rapat:
        assert run.ready() == ["jadwalkan_rapat"]
        run.complete("jadwalkan_rapat", "kasi", {"tanggal_rapat": "2026-11-25", "notulen_rapat": "Dibahas."})
    assert run.ready() == ["susun_jawaban"]
    run.complete("susun_jawaban", "kabid", {"jawaban": "Draf jawaban."})
    if libatkan:
        assert run.ready() == ["setujui_jawaban"]
        run.complete("setujui_jawaban", "kepala_dinas", {"jawaban": "Jawaban yang disetujui Kepala Dinas."})
    assert run.ready() == ["sampaikan_jawaban"]
    run.complete("sampaikan_jawaban", "kasi", {"cara_penyampaian": "whatsapp", "disampaikan_at": iso_now()})
    assert run.workflow.is_completed()
    expected = ["sampaikan_pengaduan", "catat_buku_pengaduan", "distribusikan_aduan", "tanggapi_kelengkapan",
                "koordinasi_tim"] + (["jadwalkan_rapat"] if perlu_rapat else []) + ["susun_jawaban"] + (
                    ["setujui_jawaban"] if libatkan else []) + ["sampaikan_jawaban"]
    assert run.done == expected
    end = tasks_of(run, "selesai", TaskState.COMPLETED)[0]
    assert end.data["jawaban"] == ("Jawaban yang disetujui Kepala Dinas." if libatkan else "Draf jawaban.")
    assert not [t for t in run.workflow.get_tasks() if t.task_spec.bpmn_id == "eskalasi_tenggat_7_hari"
                and t.state in (TaskState.READY, TaskState.COMPLETED)]


def test_sanggau_incomplete_material_loops_back_to_the_response():
    run = _sanggau_until_response()
    run.complete("tanggapi_kelengkapan", "kabid",
                 {"lengkap": False, "kekurangan": "Lampirkan bukti pengembalian.", "tanggapan": "Belum lengkap."})
    assert run.ready() == ["lengkapi_pengaduan"]
    run.complete("lengkapi_pengaduan", "pelapor", {"tambahan": "Foto struk pengembalian terlampir."})
    assert run.ready() == ["tanggapi_kelengkapan"]
    run.complete("tanggapi_kelengkapan", "kabid", {"lengkap": True, "tanggapan": "Sudah lengkap."})
    assert run.ready() == ["koordinasi_tim"]


def test_sanggau_boundary_timers_wait_from_receipt(clock):
    received = "2026-11-20T09:00:00+07:00"  # a Friday
    clock.set("2026-11-23T10:00:00+07:00")
    run = Run("sanggau_pengaduan")
    run.complete("sampaikan_pengaduan", "pelapor", intake(received_at=received))
    run.workflow.refresh_timers()
    waiting = run.workflow.waiting_events()
    assert [(e.event_type, e.value) for e in waiting] == [
        ("TimeDateEventDefinition", "2026-12-01T09:00:00+07:00")]  # 7 weekdays later
    boundary = tasks_of(run, "tenggat_catat", TaskState.WAITING)
    assert len(boundary) == 1 and boundary[0].task_spec.lane == "petugas"
    assert run.ready() == ["catat_buku_pengaduan"]
    clock.set("2026-12-01T09:00:01+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["catat_buku_pengaduan", "eskalasi_tenggat_7_hari"]


def test_sanggau_deadline_escalates_to_kepala_dinas_and_step_stays_with_owner():
    run = Run("sanggau_pengaduan")
    run.complete("sampaikan_pengaduan", "pelapor", intake(received_at=iso_now(-30)))
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["catat_buku_pengaduan", "eskalasi_tenggat_7_hari"]
    escalation = run.complete("eskalasi_tenggat_7_hari", "kepala_dinas",
                              {"tindakan_eskalasi": "Petugas piket segera mencatat dan meneruskan."})
    assert escalation.data["subject"] == "Buku pinjaman tidak tercatat kembali"
    assert run.ready() == ["catat_buku_pengaduan"]
    assert not run.workflow.is_completed()


def test_sanggau_no_escalation_inside_the_window():
    run = _sanggau_until_response(received_at=iso_now())
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["tanggapi_kelengkapan"]
    run.complete("tanggapi_kelengkapan", "kabid", {"lengkap": True, "tanggapan": "Lengkap."})
    run.workflow.refresh_timers()
    assert run.workflow.waiting_events() == []  # the window closes with the first response


def test_sanggau_late_complaint_escalates_each_step_that_waits_past_the_deadline():
    # a timer whose deadline has passed fires as soon as its step is entered (no sweep needed),
    # so a complaint already late escalates once per step that becomes ready after the deadline
    run = _sanggau_until_response(received_at=iso_now(-30))
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["eskalasi_tenggat_7_hari"] * 3 + ["tanggapi_kelengkapan"]
    fired = [t.task_spec.bpmn_id for t in run.workflow.get_tasks()
             if t.task_spec.bpmn_id and t.task_spec.bpmn_id.startswith("tenggat_") and t.state == TaskState.COMPLETED]
    assert sorted(fired) == ["tenggat_catat", "tenggat_distribusi", "tenggat_tanggapan"]
    run.complete("tanggapi_kelengkapan", "kabid", {"lengkap": True, "tanggapan": "Lengkap (terlambat)."})
    assert run.ready() == ["eskalasi_tenggat_7_hari"] * 3 + ["koordinasi_tim"]


def test_sanggau_no_second_escalation_after_the_reporter_completes_material(clock):
    # received 30 days ago: each step entered after the deadline escalated once (3 escalations)
    clock.set("2026-11-23T10:00:00+07:00")  # a Monday
    run = _sanggau_until_response(received_at="2026-10-23T09:00:00+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["eskalasi_tenggat_7_hari"] * 3 + ["tanggapi_kelengkapan"]
    run.complete("tanggapi_kelengkapan", "kabid",
                 {"lengkap": False, "kekurangan": "Lampirkan bukti.", "tanggapan": "Belum lengkap."})
    clock.set("2026-11-25T11:00:00+07:00")  # Wednesday: the reporter supplies the material
    run.complete("lengkapi_pengaduan", "pelapor", {"tambahan": "Bukti terlampir."})
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    # the window restarts from the supplement: no second escalation now, a new deadline 7 weekdays later
    assert run.ready() == ["eskalasi_tenggat_7_hari"] * 3 + ["tanggapi_kelengkapan"]
    assert [datetime.fromisoformat(e.value) for e in run.workflow.waiting_events()] == [
        datetime.fromisoformat("2026-12-04T11:00:00+07:00")]
    clock.set("2026-12-04T11:00:01+07:00")
    run.workflow.refresh_timers()
    run.workflow.do_engine_steps()
    assert run.ready() == ["eskalasi_tenggat_7_hari"] * 4 + ["tanggapi_kelengkapan"]
