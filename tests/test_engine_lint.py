"""Loading and linting BPMN: hostile XML, sandbox escapes, timers, lanes and forms are refused by element."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine import deploy
from engine.actors import SYSTEM_INIT
from engine.errors import InvalidProcess
from engine.models import AuditEvent, ProcessVersion
from tests import bpmn_factory as bf

FORMS = {"tiny.schema.json": json.dumps(bf.TINY_FORM)}


def problems_of(session, ctx, data: bytes, forms=FORMS) -> dict[str, str]:
    with pytest.raises(InvalidProcess) as caught:
        deploy.deploy_process(session, ctx, data, forms, actor=SYSTEM_INIT)
    return caught.value.fields("en")


def nothing_stored(session) -> bool:
    return session.scalar(select(func.count()).select_from(ProcessVersion)) == 0 and \
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.type == "PROCESS_DEPLOYED")) == 0


@pytest.fixture
def roles_loaded(session, ctx):
    from engine import users
    from tests.conftest import PROCESSES

    users.load_roles(session, ctx, PROCESSES / "roles.json")
    session.commit()
    return session


def test_tiny_process_deploys(roles_loaded, ctx):
    version, created = deploy.deploy_process(roles_loaded, ctx, bf.process(bf.user_task()), FORMS, actor=SYSTEM_INIT)
    assert created and version.version == 1 and version.process_key == "tiny"
    assert version.summary["user_tasks"]["tugas"]["standard_seconds"] == 600


def test_a_changed_form_alone_is_a_new_version(roles_loaded, ctx):
    """The same diagram with a changed form asks for other data: a new version, not the old one returned."""
    xml = bf.process(bf.user_task())
    first, created = deploy.deploy_process(roles_loaded, ctx, xml, FORMS, actor=SYSTEM_INIT)
    again, created_again = deploy.deploy_process(roles_loaded, ctx, xml, dict(FORMS), actor=SYSTEM_INIT)
    assert created and (again.id, created_again) == (first.id, False)  # XML and forms unchanged: idempotent
    changed = json.loads(FORMS["tiny.schema.json"])
    changed["properties"]["nomor_surat"] = {"type": "string", "title": "Nomor surat"}
    changed.setdefault("required", []).append("nomor_surat")
    second, created_second = deploy.deploy_process(roles_loaded, ctx, xml, {"tiny.schema.json": json.dumps(changed)},
                                                   actor=SYSTEM_INIT)
    assert created_second and second.version == 2 and second.sha256 == first.sha256
    assert second.forms_sha256 != first.forms_sha256
    assert "nomor_surat" in second.forms["tiny.schema.json"]["properties"]
    assert "nomor_surat" not in first.forms["tiny.schema.json"]["properties"]
    deployed = roles_loaded.scalars(select(AuditEvent).where(AuditEvent.type == "PROCESS_DEPLOYED")
                                    .order_by(AuditEvent.seq)).all()
    assert [e.payload["forms_sha256"] for e in deployed] == [first.forms_sha256, second.forms_sha256]


def test_malformed_xml(roles_loaded, ctx):
    fields = problems_of(roles_loaded, ctx, b"<bpmn:definitions><unclosed>")
    assert "not well-formed" in fields["_file"]
    assert nothing_stored(roles_loaded)


def test_xxe_is_refused(roles_loaded, ctx):
    xxe = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>"""
    fields = problems_of(roles_loaded, ctx, xxe)
    assert "DOCTYPE" in fields["_file"]
    assert nothing_stored(roles_loaded)


def test_billion_laughs_is_refused(roles_loaded, ctx):
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10)
    ) + b']><lolz>&lol9;</lolz>'
    fields = problems_of(roles_loaded, ctx, lol)
    assert "DOCTYPE" in fields["_file"]


def test_not_bpmn(roles_loaded, ctx):
    fields = problems_of(roles_loaded, ctx, b"<html><body>hi</body></html>")
    assert "Not a BPMN" in fields["_file"]


@pytest.mark.parametrize("script, needle", [
    ("import os", "import"),
    ("x = open('/etc/passwd').read()", "open"),
    ("y = ().__class__.__base__.__subclasses__()", "is not allowed"),
    ("z = eval('1+1')", "eval"),
    ("q = getattr(catatan, '__class__')", "getattr"),
])
def test_sandbox_escapes_are_refused_at_deploy(roles_loaded, ctx, script, needle):
    fields = problems_of(roles_loaded, ctx, bf.script_process(script))
    assert needle in fields["skrip"]
    assert nothing_stored(roles_loaded)


def test_condition_is_compiled_restricted(roles_loaded, ctx):
    fields = problems_of(roles_loaded, ctx, bf.condition_process("__import__('os').system('id') == 0"))
    assert "f_gw_end_b" in fields


@pytest.mark.parametrize("expression, kind, needle", [
    ("PT1H", "timeDuration", "must be quoted"),
    ("0 8 * * 1", "timeCycle", "cron"),
    ("", "timeDuration", "empty"),
    ('"2020-01-01T00:00:00+07:00"', "timeDate", "in the past"),
    ('hari_kerja_setelah(received_at, 7)', "timeDate", "Unknown function"),
    ('"P1X"', "timeDuration", "not valid"),
])
def test_bad_timers_are_refused_naming_the_event(roles_loaded, ctx, expression, kind, needle):
    fields = problems_of(roles_loaded, ctx, bf.timer_process(expression, kind))
    assert needle in fields["batas"]


def test_calendar_function_timer_is_accepted(roles_loaded, ctx):
    data = bf.timer_process("working_days_after(received_at, 7)", "timeDate")
    version, _ = deploy.deploy_process(roles_loaded, ctx, data, FORMS, actor=SYSTEM_INIT)
    assert version.summary["user_tasks"]["tugas"]["sla_timers"] == ["batas"]


def test_unknown_lane_missing_form_bad_duration(roles_loaded, ctx):
    fields = problems_of(roles_loaded, ctx, bf.process(bf.user_task(form="nope.json", duration="45 menit"),
                                                       lane="satpam"))
    assert "not a known role" in fields["tugas"]
    assert "nope.json" in fields["tugas"]
    assert "ISO 8601" in fields["tugas"]


def test_invalid_form_schema(roles_loaded, ctx):
    fields = problems_of(roles_loaded, ctx, bf.process(bf.user_task()), {"tiny.schema.json": "{not json"})
    assert "tiny.schema.json" in fields


def test_same_bytes_deploy_once_new_bytes_new_version(roles_loaded, ctx):
    first, created1 = deploy.deploy_process(roles_loaded, ctx, bf.process(bf.user_task()), FORMS, actor=SYSTEM_INIT)
    again, created2 = deploy.deploy_process(roles_loaded, ctx, bf.process(bf.user_task()), FORMS, actor=SYSTEM_INIT)
    second, created3 = deploy.deploy_process(roles_loaded, ctx, bf.process(bf.user_task(duration="PT20M")), FORMS,
                                             actor=SYSTEM_INIT, sop_number="041/17/DPK-SOP/2021")
    assert (created1, created2, created3) == (True, False, True)
    assert again.id == first.id and second.version == 2 and second.sop_number == "041/17/DPK-SOP/2021"
    assert first.bpmn_xml != second.bpmn_xml  # the old version is untouched


def test_indonesian_messages(roles_loaded, ctx):
    with pytest.raises(InvalidProcess) as caught:
        deploy.deploy_process(roles_loaded, ctx, bf.timer_process("PT1H"), FORMS, actor=SYSTEM_INIT)
    assert "harus diberi tanda kutip" in caught.value.fields("id")["batas"]
