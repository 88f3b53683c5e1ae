"""Editor lint: each rule on a small bad BPMN; import help on Camunda- and Signavio-style exports; fixes."""

from __future__ import annotations

import pytest

from engine.bpmn import parse_xml
from engine.deploy import lint_process
from engine.errors import InvalidProcess
from engine.import_help import apply_fix, diagnose
from engine.lint_extra import lint_for_editor, lint_structure
from tests.bpmn_factory import HEADER, TINY_FORM, process, timer_process, user_task
from tests.editor_fixtures import DATA, shipped

ROLES = {"pelapor", "petugas", "kasi", "kabid", "kepala_dinas"}


def codes(bpmn: bytes, known=()) -> set[tuple[str, str]]:
    root, problems = parse_xml(bpmn)
    assert root is not None, problems
    return {(p.element_id, p.code) for p in diagnose(root, known) + lint_structure(root, ROLES)}


def test_shipped_processes_are_clean():
    for name in ("muba_pengaduan.bpmn", "sanggau_pengaduan.bpmn", "muba_rekap_bulanan.bpmn",
                 "sanggau_laporan_semester.bpmn", "muba_sk_pengaduan.bpmn"):
        assert codes(shipped(name)) == set(), name


def test_unreachable_element():
    bpmn = process(user_task() + user_task("yatim", "Yatim"), nodes=("start", "tugas", "end", "yatim"),
                   flows=[("start", "tugas"), ("tugas", "end")])
    assert ("yatim", "unreachable") in codes(bpmn)


def test_missing_start_and_end():
    body = HEADER + ('<bpmn:process id="p" isExecutable="true">' + user_task() + "</bpmn:process></bpmn:definitions>")
    assert {("p", "no_start_event"), ("p", "no_end_event")} <= codes(body.encode())


def test_lane_without_known_role():
    assert ("lane1", "lane_unknown_role") in codes(process(user_task(), lane="Petugas Piket"))


def test_service_task_without_operator():
    bpmn = process('<bpmn:serviceTask id="kirim" name="Kirim e-mail" />', nodes=("start", "kirim", "end"))
    assert ("kirim", "service_task_no_operator") in codes(bpmn)


def test_data_store():
    bpmn = process(user_task() + '<bpmn:dataStoreReference id="arsip" name="Arsip" />')
    assert ("arsip", "data_store") in codes(bpmn)


def test_exclusive_flow_without_condition():
    body = user_task() + '<bpmn:exclusiveGateway id="gw" /><bpmn:endEvent id="end_b" />'
    cond = "<bpmn:conditionExpression>lengkap</bpmn:conditionExpression>"
    one = process(body, nodes=("start", "tugas", "gw", "end", "end_b"),
                  flows=[("start", "tugas"), ("tugas", "gw"), ("gw", "end"), ("gw", "end_b", cond)])
    assert ("f_gw_end", "condition_missing_sole") in codes(one)
    both = process(body, nodes=("start", "tugas", "gw", "end", "end_b"),
                   flows=[("start", "tugas"), ("tugas", "gw"), ("gw", "end"), ("gw", "end_b")])
    assert {("f_gw_end", "condition_missing"), ("f_gw_end_b", "condition_missing")} <= codes(both)


def test_implicit_split():
    bpmn = process(user_task() + '<bpmn:endEvent id="end_b" />', nodes=("start", "tugas", "end", "end_b"),
                   flows=[("start", "tugas"), ("tugas", "end"), ("tugas", "end_b")])
    assert ("tugas", "implicit_split") in codes(bpmn)


@pytest.mark.parametrize("expression, code", [
    ("", "timer_empty"), ("PT1H", "timer_unquoted"), ("0 0 8 * * MON", "timer_cron")])
def test_timers(expression, code):
    assert ("batas", code) in codes(timer_process(expression))


def test_call_to_missing_process():
    bpmn = process('<bpmn:callActivity id="panggil" name="Rekap" calledElement="rekap_x" />',
                   nodes=("start", "panggil", "end"))
    assert ("panggil", "call_missing") in codes(bpmn)
    assert ("panggil", "call_missing") not in codes(bpmn, known={"rekap_x"})


def test_deploy_refuses_structure_problems(deployed, ctx):
    bpmn = process(user_task() + user_task("yatim", "Yatim"), nodes=("start", "tugas", "end", "yatim"),
                   flows=[("start", "tugas"), ("tugas", "end")])
    with pytest.raises(InvalidProcess) as refused:
        lint_process(deployed, ctx, bpmn, {"tiny.schema.json": TINY_FORM})
    assert {(p.element_id, p.code) for p in refused.value.problems} == {("yatim", "unreachable")}


def test_camunda_export_help_and_fixes(deployed, ctx):
    bpmn = (DATA / "camunda_pengaduan.bpmn").read_bytes()
    found = codes(bpmn)
    assert found >= {("DataStoreReference_buku", "data_store"), ("Event_batas_waktu", "timer_unquoted"),
                     ("Activity_kirim_email", "service_task_no_operator"), ("Flow_tidak", "condition_missing_sole")}
    report = lint_for_editor(deployed, ctx, bpmn)
    by_element = {p["element_id"]: p for p in report["problems"]}
    assert by_element["Event_batas_waktu"]["fix"] == "quote_timer"
    assert "Kirim e-mail ke pelapor" in by_element["Activity_kirim_email"]["message"]
    assert by_element["Activity_kirim_email"]["fix"] is None
    fixed = apply_fix(bpmn, "quote_timer", "Event_batas_waktu")
    fixed = apply_fix(fixed, "mark_default", "Flow_tidak")
    fixed = apply_fix(fixed, "remove_data_store", "DataStoreReference_buku")
    assert b'"PT1H"' in fixed and b'default="Flow_tidak"' in fixed and b"DataStoreReference_buku" not in fixed
    assert b"DataOutputAssociation_0zz1" not in fixed
    left = codes(fixed)
    assert left == {("Activity_kirim_email", "service_task_no_operator")}


def test_signavio_export_help_and_fixes(deployed, ctx):
    bpmn = (DATA / "signavio_pengaduan.bpmn").read_bytes()
    found = codes(bpmn)
    assert found >= {("sid-proses-pengaduan", "not_executable"), ("sid-timer-rekap", "timer_cron"),
                     ("sid-panggil-rekap", "call_missing"), ("sid-terima", "implicit_split"),
                     ("sid-catatan-lama", "unreachable"), ("sid-lane-piket", "lane_unknown_role")}
    fixed = apply_fix(apply_fix(bpmn, "make_executable", "sid-proses-pengaduan"), "parallel_split", "sid-terima")
    left = codes(fixed)
    assert ("sid-proses-pengaduan", "not_executable") not in left and ("sid-terima", "implicit_split") not in left
    root, _ = parse_xml(fixed)
    gateway = root.xpath("//*[local-name()='parallelGateway']")[0]
    flows = root.xpath("//*[local-name()='sequenceFlow'][@sourceRef=$g]", g=gateway.get("id"))
    assert sorted(f.get("targetRef") for f in flows) == ["sid-arsip", "sid-kabari"]
    assert root.xpath("//*[local-name()='BPMNShape'][@bpmnElement=$g]", g=gateway.get("id"))
    report = lint_for_editor(deployed, ctx, fixed)
    assert not [p for p in report["problems"] if p["element_id"] == "sid-terima" and p["code"] == "implicit_split"]
    assert {p["code"] for p in report["problems"] if p["element_id"] == "sid-terima"} == {"unknown_role"}


def test_fixed_timer_deploys(deployed, ctx):
    fixed = apply_fix(timer_process("PT1H"), "quote_timer", "batas")
    loaded = lint_process(deployed, ctx, fixed, {"tiny.schema.json": TINY_FORM})
    assert loaded.key == "tiny"
