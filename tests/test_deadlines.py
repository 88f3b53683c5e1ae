"""Named working-day deadlines as configuration (processes/deadlines.json): SP4N-LAPOR!'s 3/5/10 days available
to processes through ``deadline_after``, unknown names refused at deploy naming the element."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import deploy, runtime
from engine.actors import SYSTEM_INIT
from engine.calendar import OfficeCalendar, script_functions
from engine.deadlines import configured_deadlines, parse_deadlines
from engine.errors import InvalidProcess
from engine.models import Timer
from tests import bpmn_factory as bf
from tests.conftest import PROCESSES
from tests.timer_fixtures import TINY_FORMS

FN = script_functions(OfficeCalendar())


def test_the_lapor_rules_are_configured():
    rules = json.loads((PROCESSES / "deadlines.json").read_text(encoding="utf-8"))
    assert {key: rule["working_days"] for key, rule in rules.items()} == {
        "lapor_verifikasi": 3, "lapor_tindak_lanjut": 5, "lapor_tutup_tanpa_tanggapan": 10, "sanggau_kelengkapan": 7}
    assert set(configured_deadlines()) == set(rules)
    assert all(rule["name_id"] and rule["source"] for rule in rules.values())


def test_deadline_after_counts_working_days_across_idul_fitri():
    received = "2026-03-13T15:40:00+07:00"  # Friday afternoon; 18–24 March closed
    assert FN["deadline_after"](received, "lapor_verifikasi") == "2026-03-25T16:00:00+07:00"
    assert FN["deadline_after"](received, "lapor_tindak_lanjut") == "2026-03-27T16:00:00+07:00"
    # 10th working day: Good Friday 3 April is off too
    assert FN["deadline_after"](received, "lapor_tutup_tanpa_tanggapan") == "2026-04-06T16:00:00+07:00"
    assert FN["deadline_after"](received, "sanggau_kelengkapan") == FN["working_days_after"](received, 7)
    with pytest.raises(ValueError, match="unknown deadline 'lapor_x'"):
        FN["deadline_after"](received, "lapor_x")


def test_a_changed_file_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps({"lapor_verifikasi": {"working_days": 3, "name_id": "a", "name_en": "a"}}))
    monkeypatch.setenv("ALUR_DEADLINES_FILE", str(path))
    assert configured_deadlines()["lapor_verifikasi"].working_days == 3
    path.write_text(json.dumps({"lapor_verifikasi": {"working_days": 4, "name_id": "a", "name_en": "a"},
                                "x": {"working_days": 1}}))
    import os

    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a different mtime even on coarse file systems
    assert configured_deadlines()["lapor_verifikasi"].working_days == 4
    assert FN["deadline_after"]("2026-03-13T09:00:00+07:00", "lapor_verifikasi") == "2026-03-26T16:00:00+07:00"


@pytest.mark.parametrize(("text", "needle"), [
    ("[]", "expected an object"),
    ("{", "not valid JSON"),
    ('{"a": {"working_days": 0}}', "a.working_days"),
    ('{"a": {"working_days": "3"}}', "a.working_days"),
    ('{"a-b": {"working_days": 3}}', "letters, digits"),
])
def test_a_bad_configuration_is_refused_naming_the_entry(text, needle):
    with pytest.raises(ValueError, match=needle):
        parse_deadlines(text)


# -- in processes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "needle"), [
    ('deadline_after(received_at, "lapor_tiga_hari")', "No deadline named 'lapor_tiga_hari'"),
    ("deadline_after(received_at, nama_tenggat)", "quoted deadline name"),
    ("deadline_after(received_at)", "two arguments"),
])
def test_an_unknown_deadline_name_is_refused_at_deploy_naming_the_event(session, ctx, expression, needle):
    from engine import users

    users.load_roles(session, ctx, PROCESSES / "roles.json")
    with pytest.raises(InvalidProcess) as refused:
        deploy.deploy_process(session, ctx, bf.timer_process(expression, "timeDate"), TINY_FORMS, actor=SYSTEM_INIT)
    assert needle in refused.value.fields("en")["batas"]
    assert "deadline_after" in refused.value.fields("id")["batas"] or "lapor_tiga_hari" in refused.value.fields(
        "id")["batas"]  # Indonesian too


def test_a_process_waits_for_a_named_lapor_deadline(session, ctx, clock):
    from engine import users

    users.load_roles(session, ctx, PROCESSES / "roles.json")
    expression = 'deadline_after(now(), "lapor_verifikasi")'
    deploy.deploy_process(session, ctx, bf.timer_process(expression, "timeDate"), TINY_FORMS, actor=SYSTEM_INIT)
    instance = runtime.start_instance(session, ctx, "tiny", {}, actor=SYSTEM_INIT)  # Fri 13 Mar 2026 09:00 WIB
    due = session.scalars(select(Timer.due_at).where(Timer.instance_id == instance.id)).one()
    assert due == datetime(2026, 3, 25, 9, 0, tzinfo=UTC)  # Mon 16, Tue 17, Wed 25 → 16:00 WIB


def test_the_editor_describes_office_time_and_named_deadlines_in_words():
    from engine.process_diff import human_timer

    assert human_timer('office_time_after(now(), "PT10M")') == "10 menit jam kerja sejak langkah siap"
    assert human_timer('deadline_after(received_at, "lapor_verifikasi")', "en") == (
        "3 working day(s) (SP4N-LAPOR! verification and forwarding)")
    assert human_timer('deadline_after(received_at, "tidak_ada")') == 'deadline_after(received_at, "tidak_ada")'
