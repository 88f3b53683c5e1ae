"""engine/shared_json.py: a version's forms and summary are parsed once per distinct text, shared read-only, and
never served to another database that holds other forms under the same version id and BPMN sha256; a shared
schema's validator is found by the schema's identity (engine/forms.py)."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from sqlalchemy import select

from engine import runtime, users
from engine.actors import SYSTEM_INIT
from engine.db import create_schema, make_engine, make_session_factory
from engine.deploy import deploy_process
from engine.errors import InvalidData
from engine.models import HumanTask, ProcessVersion
from engine.shared_json import FrozenDict, FrozenList, freeze
from tests.bpmn_factory import TINY_FORM, process, user_task
from tests.conftest import PROCESSES, actor

BPMN = process(user_task())


def _database(url: str, ctx, min_length: int):
    """A database with the tiny process deployed (same XML everywhere) with its form's ``minLength``."""
    sa_engine = make_engine(url)
    create_schema(sa_engine)
    factory = make_session_factory(sa_engine)
    form = {**TINY_FORM, "properties": {"catatan": {"type": "string", "title": "Catatan", "minLength": min_length}}}
    with factory() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        deploy_process(session, ctx, BPMN, {"tiny.schema.json": json.dumps(form)}, actor=SYSTEM_INIT)
    return sa_engine, factory


def _start(factory, ctx) -> int:
    with factory() as session:
        instance = runtime.start_instance(session, ctx, "tiny", {}, actor=actor("petugas"))
        return session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance.id))


def test_two_databases_with_the_same_version_id_and_sha256_keep_their_own_forms(tmp_path, ctx):
    engines = []
    try:
        first = _database(f"sqlite:///{tmp_path / 'a.sqlite'}", ctx, 3)
        second = _database(f"sqlite:///{tmp_path / 'b.sqlite'}", ctx, 10)
        engines = [first[0], second[0]]
        versions = []
        for _, factory in (first, second):
            with factory() as session:
                versions.append(session.scalars(select(ProcessVersion)).one())
        assert (versions[0].id, versions[0].sha256) == (versions[1].id, versions[1].sha256)
        assert [v.forms["tiny.schema.json"]["properties"]["catatan"]["minLength"] for v in versions] == [3, 10]
        # and so does a step completion, which reads the version with the locked instance
        with first[1]() as session:
            runtime.complete_task(session, ctx, _start(first[1], ctx), {"catatan": "abcd"}, actor=actor("petugas"))
        with second[1]() as session, pytest.raises(InvalidData):
            runtime.complete_task(session, ctx, _start(second[1], ctx), {"catatan": "abcd"}, actor=actor("petugas"))
    finally:
        for sa_engine in engines:
            sa_engine.dispose()


def _shared_and_frozen(factory) -> None:
    loads = []
    for _ in range(2):
        with factory() as session:
            loads.append(session.scalars(select(ProcessVersion)).one())
    forms, summary = loads[0].forms, loads[0].summary
    assert loads[1].forms is forms and loads[1].summary is summary  # parsed once
    assert isinstance(forms, dict) and isinstance(summary["lanes"], list)
    schema = forms["tiny.schema.json"]
    for change in (lambda: forms.update(x=1), lambda: schema.__setitem__("title", "x"),
                   lambda: schema["required"].append("x"), lambda: schema["properties"].pop("catatan"),
                   lambda: summary["user_tasks"].clear(), lambda: summary["lanes"].sort()):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert schema["title"] == TINY_FORM["title"] and schema["required"] == ["catatan"]
    mutable = copy.deepcopy(forms)
    mutable["tiny.schema.json"]["required"].append("lain")  # a deep copy is the caller's own, plain
    assert type(mutable) is dict and type(mutable["tiny.schema.json"]["required"]) is list
    assert json.loads(json.dumps(forms)) == forms and pickle.loads(pickle.dumps(schema)) == schema


def test_loaded_forms_and_summary_are_shared_and_read_only(session_factory, ctx):
    with session_factory() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        deploy_process(session, ctx, BPMN, {"tiny.schema.json": json.dumps(TINY_FORM)}, actor=SYSTEM_INIT)
    _shared_and_frozen(session_factory)


@pytest.mark.postgres
def test_loaded_forms_and_summary_are_shared_and_read_only_on_postgres(pg_session_factory, ctx):
    with pg_session_factory() as session:
        users.load_roles(session, ctx, PROCESSES / "roles.json")
        deploy_process(session, ctx, BPMN, {"tiny.schema.json": json.dumps(TINY_FORM)}, actor=SYSTEM_INIT)
    _shared_and_frozen(pg_session_factory)


def test_freeze_keeps_equality_and_types():
    value = {"a": [1, {"b": None}], "c": "d"}
    frozen = freeze(value)
    assert frozen == value and isinstance(frozen, FrozenDict) and isinstance(frozen["a"], FrozenList)
    assert copy.copy(frozen) == value and type(copy.copy(frozen)) is dict


def test_a_shared_schema_finds_its_validator_by_identity_a_plain_one_by_content(monkeypatch):
    from engine import forms

    serialized = []
    dumps = forms.json.dumps
    monkeypatch.setattr(forms.json, "dumps", lambda *a, **k: serialized.append(1) or dumps(*a, **k))
    shared = freeze(TINY_FORM)
    for _ in range(3):
        assert forms.validate_form(shared, {"catatan": "abcd"}) == {"catatan": "abcd"}
    assert len(serialized) == 1  # only the first time
    with pytest.raises(InvalidData):
        forms.validate_form(shared, {"catatan": "ab"})
    plain = copy.deepcopy(TINY_FORM)
    forms.validate_form(plain, {"catatan": "abc"})
    plain["properties"]["catatan"]["minLength"] = 5  # a plain schema may change: looked up by its content
    with pytest.raises(InvalidData):
        forms.validate_form(plain, {"catatan": "abc"})
