"""The audit chain: every change appends a chained event; the database refuses edits; tampering is found."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from engine import runtime
from engine.audit import verify_chain
from engine.models import AuditEvent
from tests.engine_helpers import MUBA_INTAKE, step


@pytest.fixture
def history(deployed, ctx, roles):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", MUBA_INTAKE)
    step(deployed, ctx, sub.instance.id, "verifikasi_formulir", roles["petugas"],
         {"lengkap": True, "nomor_buku_pengaduan": "BP-1"})
    return deployed


def test_every_change_is_recorded_in_order(history):
    types = list(history.scalars(select(AuditEvent.type).where(AuditEvent.instance_id.is_not(None))
                                 .order_by(AuditEvent.seq)))
    assert types == ["INSTANCE_STARTED", "TASK_ACTIVATED", "TASK_COMPLETED", "TASK_ACTIVATED",
                     "COMPLAINT_RECORDED", "NOTIFICATION_QUEUED", "TASK_COMPLETED", "TASK_ACTIVATED"]
    completed = history.scalars(select(AuditEvent).where(AuditEvent.type == "TASK_COMPLETED")
                                .order_by(AuditEvent.seq.desc())).first()
    assert completed.data_after["lengkap"] is True and "lengkap" not in completed.data_before
    # the input as recorded: the field left out is there with its schema default (replay needs it)
    assert completed.payload["input"] == {"lengkap": True, "nomor_buku_pengaduan": "BP-1", "di_luar_wewenang": False}
    report = verify_chain(history)
    assert report.ok and report.checked == history.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor = 'mallory' WHERE seq = 3",
    "DELETE FROM audit_event WHERE seq = 3",
])
def test_database_refuses_update_and_delete(history, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        history.execute(text(statement))
    history.rollback()


def test_tampering_is_detected_at_the_event(history):
    history.execute(text("DROP TRIGGER audit_event_no_update"))
    history.execute(text("UPDATE audit_event SET payload = '{\"input\": {\"lengkap\": false}}' WHERE seq = 8"))
    history.commit()
    report = verify_chain(history)
    assert not report.ok and report.broken_seq == 8 and "hash" in report.reason


def test_deletion_is_detected(history):
    history.execute(text("DROP TRIGGER audit_event_no_delete"))
    history.execute(text("DELETE FROM audit_event WHERE seq = 5"))
    history.commit()
    report = verify_chain(history)
    assert not report.ok and report.broken_seq == 5 and "missing" in report.reason


def test_truncating_the_tail_is_detected(history):
    last = history.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))
    history.execute(text("DROP TRIGGER audit_event_no_delete"))
    history.execute(text(f"DELETE FROM audit_event WHERE seq = {last}"))
    history.commit()
    report = verify_chain(history)
    assert not report.ok and report.broken_seq == last


def _noted_event(pending):
    from datetime import datetime, timedelta, timezone

    pending.add("TASK_COMPLETED", actor="kasi1", instance_id=7, task_guid="6f1c", bpmn_id="periksa_laporan",
                at=datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=timezone(timedelta(hours=7))),
                data_before={"a": 1}, data_after={"a": 1, "b": "ü"}, input={"b": "ü"}, role="kasi")


def test_an_event_hash_never_changes():
    """The hash of an event is fixed for good (stored chains are verified with it)."""
    from engine.audit import PendingEvents, event_hash

    pending = PendingEvents()
    _noted_event(pending)
    event = AuditEvent(seq=42, prev_hash="ab" * 32, **pending.items[0])
    assert event_hash("ab" * 32, event) == "8d646a135c28262e58bf52de7ad404174bdbdbe84e39f2262b069296e44b9dd7"


def test_append_events_returns_the_events_as_stored(history):
    from engine.audit import PendingEvents, append_events, event_hash

    pending = PendingEvents()
    _noted_event(pending)
    pending.add("SYSTEM_NOTED", actor="sistem", at=pending.items[0]["at"], note="kedua")
    written = append_events(history, pending)
    history.commit()
    assert pending.items == [] and [w.type for w in written] == ["TASK_COMPLETED", "SYSTEM_NOTED"]
    for event in written:
        stored = history.get(AuditEvent, event.seq)
        assert (stored.prev_hash, stored.hash, stored.payload) == (event.prev_hash, event.hash, event.payload)
        assert stored.hash == event_hash(stored.prev_hash, stored)
    assert written[1].prev_hash == written[0].hash
    assert verify_chain(history).ok


def test_pending_events_keep_a_json_native_copy_of_what_they_are_given():
    """What an event records is what the database gives back, copied when added (later changes to the
    caller's dicts do not reach it): flat payloads too, which take a shorter path than the JSON round trip."""
    from datetime import UTC, datetime

    from engine.audit import PendingEvents

    at = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)
    data = {"lengkap": True, "jumlah": 3, "nilai": 1.5, "catatan": "ü", "kosong": None}
    nested = {"reporter": {"name": "Siti"}, "at": at, "pair": (1, 2), 7: "tujuh"}
    pending = PendingEvents()
    pending.add("TASK_COMPLETED", actor="kasi1", at=at, data_before=data, data_after=nested, **data)
    data["lengkap"], nested["reporter"]["name"] = False, "Budi"
    item = pending.items[0]
    assert item["data_before"] == {"lengkap": True, "jumlah": 3, "nilai": 1.5, "catatan": "ü", "kosong": None}
    assert item["payload"] == item["data_before"] and item["payload"] is not item["data_before"]
    assert item["data_after"] == {"reporter": {"name": "Siti"}, "at": "2026-03-02 02:15:00+00:00", "pair": [1, 2],
                                  "7": "tujuh"}
