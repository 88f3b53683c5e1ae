"""Crash safety with real processes on PostgreSQL: while officials complete steps and citizens submit
complaints through gunicorn and a timer worker fires due timers, both are killed with SIGKILL, then
restarted. Afterwards every acknowledged completion and submission is stored, every instance loads and its
task and timer rows match its workflow, ``alur audit verify`` passes, and every due timer fired exactly once.

Bounded: each phase waits on a condition with a deadline (about a minute in all on an idle machine).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.client import HTTPException

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine import runtime
from engine.calendar import OfficeCalendar
from engine.clock import FixedClock
from engine.context import EngineContext
from engine.db import make_engine, make_session_factory
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests.engine_helpers import ready_task
from tests.scale_fixtures import ALUR, Server, alur_env, api_tokens, http, prepare_pg, run_alur, varied_intake
from tests.timer_fixtures import clone_instances, deploy_timer_process, start_timer_instances

pytestmark = pytest.mark.postgres

# seeded, waiting for the petugas: 3 steps each, enough that the load still has work after the restart
# however fast completions run until the crash (it waits for the timer sweep, not for the load)
COMPLAINTS = int(os.environ.get("ALUR_CRASH_COMPLAINTS", 120))
TIMERS = int(os.environ.get("ALUR_CRASH_TIMERS", 300))  # already due when the load starts
STEP_DATA = {
    "verifikasi_formulir": {"lengkap": True, "nomor_buku_pengaduan": "BP-001/2026"},
    "periksa_laporan": {"hasil_pemeriksaan": "benar", "catatan_solusi": "Buku dipindah ke rak khusus."},
    "beri_solusi": {"bentuk_jawaban": "tertulis", "jawaban": "Buku sudah kembali ke rak referensi."},
}


class TimerWorker:
    """``alur timers`` as a subprocess."""

    def __init__(self, env: dict, log):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> TimerWorker:
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([str(ALUR), "timers", "--interval", "0.2"], env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        cwd=self.env["ALUR_INSTANCE_PATH"].rsplit("/", 1)[0])
        out.close()
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Load:
    """Officials working through their queues and citizens submitting, until :meth:`stop`.

    Every answer is recorded; only 200/201 answers count as acknowledged.
    """

    def __init__(self, base_url: str, tokens: dict[str, str], petugas_tasks: list[int]):
        self.base_url, self.tokens = base_url, tokens
        self.queues = {role: queue.Queue() for role in ("petugas", "kasi", "kabid")}
        for task_id in petugas_tasks:
            self.queues["petugas"].put(("verifikasi_formulir", task_id))
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.completed: list[tuple[int, str, dict]] = []  # acknowledged (task id, bpmn id, response)
        self.submitted: list[dict] = []  # acknowledged submissions
        self.answers: Counter = Counter()
        self.threads = [threading.Thread(target=self._official, args=(role,), daemon=True)
                        for role in ("petugas", "petugas", "kasi", "kabid")]
        self.threads.append(threading.Thread(target=self._citizen, daemon=True))

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(90)

    def _post(self, path: str, body: dict, token: str | None = None) -> tuple[int, object]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            answer = http("POST", self.base_url + path, body, headers, timeout=30)
        except (OSError, HTTPException) as error:
            # refused, or cut off by the crash (even mid-body: IncompleteRead): not acknowledged
            answer = (0, str(error))
        with self.lock:
            self.answers[answer[0]] += 1
        return answer

    def _official(self, role: str) -> None:
        work = self.queues[role]
        while not self.stopping.is_set():
            try:
                bpmn_id, task_id = work.get(timeout=0.2)
            except queue.Empty:
                continue
            status, body = self._post(f"/api/v1/tasks/{task_id}/complete", {"data": STEP_DATA[bpmn_id]},
                                      self.tokens[role])
            if status == 200:
                with self.lock:
                    self.completed.append((task_id, bpmn_id, body))
                for nxt in body["next_tasks"]:
                    if nxt["role"] in self.queues and nxt["bpmn_id"] in STEP_DATA:
                        self.queues[nxt["role"]].put((nxt["bpmn_id"], nxt["id"]))
            elif status == 0:
                work.put((bpmn_id, task_id))  # try again after the restart (then 200, or 409 if it had landed)
                time.sleep(0.05)

    def _citizen(self) -> None:
        n = 10_000
        while not self.stopping.is_set():
            n += 1
            status, body = self._post("/api/v1/complaints", {"process": "muba_pengaduan", **varied_intake(n)})
            if status == 201:
                with self.lock:
                    self.submitted.append(body)
            elif status == 0:
                time.sleep(0.05)
            time.sleep(0.05)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def count(factory, *where) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(*where))


def assert_instance_consistent(session, ctx, instance: ProcessInstance) -> None:
    """The stored workflow loads, and the ready task rows and waiting timer rows are exactly its own."""
    workflow = runtime.load_workflow(instance, ctx)
    ready = {str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = set(session.scalars(select(HumanTask.task_guid).where(HumanTask.instance_id == instance.id,
                                                                 HumanTask.state == "ready")))
    assert rows == ready, f"instance {instance.id}: task rows {rows} vs workflow {ready}"
    waiting = {str(t.id) for t in workflow.get_tasks(state=TaskState.WAITING)
               if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)}
    timer_rows = set(session.scalars(select(Timer.task_guid).where(Timer.instance_id == instance.id,
                                                                   Timer.state == "waiting")))
    assert timer_rows == waiting, f"instance {instance.id}: timer rows {timer_rows} vs workflow {waiting}"
    assert (instance.status == "completed") == workflow.is_completed()


def test_kill_9_of_app_server_and_timer_worker_under_load(pg_url, tmp_path):
    now = datetime.now(UTC)
    ctx = EngineContext(clock=FixedClock(now - timedelta(hours=3)), calendar=OfficeCalendar())
    prepare_pg(pg_url, ctx)
    sa_engine = make_engine(pg_url)
    try:
        _crash_and_check(pg_url, tmp_path, ctx, make_session_factory(sa_engine))
    finally:
        sa_engine.dispose()  # a failed check must not leave a connection to be collected in a later test


def _crash_and_check(pg_url, tmp_path, ctx, factory) -> None:
    with factory() as session:
        deploy_timer_process(session, ctx)
        template = start_timer_instances(session, ctx, 1)[0]  # its timer fell due two hours ago
        due = session.scalar(select(Timer.due_at).where(Timer.instance_id == template))
        timer_instances = [template, *clone_instances(session, template, [due] * (TIMERS - 1))]
        petugas_tasks = []
        for n in range(COMPLAINTS):
            sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", varied_intake(n))
            petugas_tasks.append(ready_task(session, sub.instance.id, "verifikasi_formulir").id)
    env = alur_env(tmp_path / "instance", pg_url, ALUR_RATELIMIT="0")
    server = Server(env, workers=2).start()
    worker = TimerWorker(env, tmp_path / "timers.log").start()
    load = None
    try:
        tokens = api_tokens(server.url, ["petugas", "kasi", "kabid"])  # prepare_pg: username = role
        load = Load(server.url, tokens, petugas_tasks).start()

        def fired() -> int:
            return count(factory, AuditEvent.type == "TIMER_FIRED")

        wait_for(lambda: len(load.completed) >= 10 and len(load.submitted) >= 2 and fired() >= TIMERS // 5,
                 120, "load and timer sweep under way")
        server.kill()
        worker.kill()
        at_crash = (len(load.completed), len(load.submitted), fired())
        assert at_crash[2] < TIMERS, "the worker finished before the crash: raise ALUR_CRASH_TIMERS"
        server.start()
        worker.start()
        wait_for(lambda: len(load.completed) >= at_crash[0] + 10 and len(load.submitted) >= at_crash[1] + 2,
                 120, "load after the restart")
        load.stop()
        wait_for(lambda: fired() >= TIMERS, 120, "every due timer fired")
        all_fired_at = datetime.now(UTC)
    finally:
        if load is not None:
            load.stop()
        worker.stop()
        server.stop()

    print(f"crash at {at_crash} (completions, submissions, timers fired); answers {dict(load.answers)}; "
          f"after: {len(load.completed)} completions, {len(load.submitted)} submissions")
    assert load.answers[0] > 0, "no request was cut off: the crash did not hit the load"
    assert set(load.answers) <= {0, 200, 201, 409}, load.answers
    with factory() as session:
        # every acknowledged completion is stored, once
        for task_id, bpmn_id, _body in load.completed:
            row = session.get(HumanTask, task_id)
            assert row.state == "completed" and row.bpmn_id == bpmn_id, (task_id, row.state)
        completions = Counter(session.scalars(select(AuditEvent.task_guid).where(AuditEvent.type == "TASK_COMPLETED")))
        assert max(completions.values()) == 1
        # every acknowledged complaint is stored
        for body in load.submitted:
            instance = session.get(ProcessInstance, body["instance_id"])
            assert instance is not None and instance.tracking_code == body["tracking_code"]
        # no corrupt instance
        for instance in session.scalars(select(ProcessInstance)):
            assert_instance_consistent(session, ctx, instance)
        # every due timer fired exactly once; no timer fired twice
        fired_timers = Counter(session.execute(select(AuditEvent.instance_id, AuditEvent.task_guid)
                                               .where(AuditEvent.type == "TIMER_FIRED")).all())
        assert max(fired_timers.values()) == 1
        per_instance = Counter(instance_id for instance_id, _guid in fired_timers)
        assert {i: per_instance[i] for i in timer_instances} == {i: 1 for i in timer_instances}
        # any other timer that fired is a complaint's escalation timer that fell due while the test ran (a
        # step waiting 10 office minutes: a slow run in office hours), fired by the worker after its due time
        others = session.scalars(select(Timer).where(Timer.instance_id.not_in(timer_instances),
                                                     Timer.state == "fired")).all()
        assert {t.instance_id for t in others} == set(per_instance) - set(timer_instances)
        assert all(t.fired_at >= t.due_at for t in others), [(t.instance_id, t.due_at, t.fired_at) for t in others]
        assert session.scalar(select(func.count()).select_from(Timer).where(
            Timer.instance_id.in_(timer_instances), Timer.state == "waiting")) == 0
        # the complaints' own escalation timers (Muba: the step's standard time in office time) wait on;
        # none of them was due and left behind by the restarted worker
        overdue = session.scalars(select(Timer).where(
            Timer.state == "waiting", Timer.due_at <= all_fired_at - timedelta(seconds=5))).all()
        assert not overdue, [(t.instance_id, t.bpmn_id, t.due_at) for t in overdue]
    verify = run_alur(env, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
