"""Loading and linting BPMN from bytes: safe XML, SpiffWorkflow parse, Alur's conventions.

Every failure becomes a :class:`Problem` naming the BPMN element id; :func:`load_process` raises
:class:`~engine.errors.InvalidProcess` with all of them. Parser exceptions of every kind (XML syntax,
``ValidationException``, and the ``TypeError``/``KeyError`` real modeler exports provoke) are caught here.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import isodate
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import spiff
from .deadlines import configured_deadlines
from .errors import InvalidProcess
from .forms import check_schema
from .messages import render
from .scripting import ForbiddenScript, compile_checked

MAX_BPMN_BYTES = 2 * 1024 * 1024
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
#: the prefix of BPMN element tags as lxml spells them ("{namespace}"): ``BPMN + "lane"``
BPMN = "{" + NS["bpmn"] + "}"
_BPMN_ROOT = BPMN + "definitions"
_ISOISH = re.compile(r"^(R\d*/)?(P[\dYMWDTHS.,]+|\d{4}-\d{2}-\d{2}([T ][\d:.]+)?([+-]\d{2}:?\d{2}|Z)?)(/.*)?$", re.I)
_CRONISH = re.compile(r"^[\d*/,\-?LW#]+(\s+[\d*/,\-?LW#A-Z]+){4,6}$", re.I)


@dataclass(frozen=True)
class Problem:
    """One lint finding on one BPMN element."""

    element_id: str
    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "id") -> str:
        """Human text in ``lang``."""
        return render(self.code, lang, **self.params)


@dataclass
class UserTaskInfo:
    """What Alur needs to know of a user task, read from the spec once per version."""

    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    standard_duration: str | None
    standard_seconds: float | None
    documentation: str
    output: str
    inputs: str
    sop_step: str
    sla_timers: list[str]  # ids of boundary timers attached to the task

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form stored with the version."""
        return dict(self.__dict__)


@dataclass
class LoadedProcess:
    """A parsed and linted process, ready to deploy."""

    key: str
    name: str
    sha256: str
    xml: str
    spec: Any
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskInfo]
    lanes: list[str]
    forms: dict[str, dict]

    @property
    def summary(self) -> dict:
        """The JSON summary stored on the version (lanes, user tasks)."""
        return {"lanes": self.lanes, "user_tasks": {k: v.as_dict() for k, v in self.user_tasks.items()}}


def parse_xml(data: bytes) -> tuple[etree._Element | None, list[Problem]]:
    """Parse bytes as XML with entities, DTDs and network access off; refuse DOCTYPE outright."""
    if len(data) > MAX_BPMN_BYTES:
        return None, [Problem("_file", "bpmn_invalid", {"detail": f"file larger than {MAX_BPMN_BYTES} bytes"})]
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:4096 * 16], re.I):
        return None, [Problem("_file", "xml_entities")]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return None, [Problem("_file", "xml_malformed", {"detail": str(error)})]
    if root.getroottree().docinfo.internalDTD is not None:
        return None, [Problem("_file", "xml_entities")]
    if root.tag != _BPMN_ROOT:
        return None, [Problem("_file", "not_bpmn", {"root": etree.QName(root).localname})]
    return root, []


def _owner_id(node) -> str:
    """Id of the nearest ancestor-or-self element that has one."""
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return "_file"


def _lint_code(root, source: str, mode: str, element_id: str) -> Iterable[Problem]:
    try:
        compile_checked(source, mode)
    except ForbiddenScript as error:
        code = "script_syntax" if str(error).startswith("syntax") else "script_forbidden"
        yield Problem(element_id, code, {"detail": str(error)})


def _lint_deadline_name(call: ast.Call, element_id: str) -> list[Problem]:
    """``deadline_after(x, "name")``: the name must be a literal configured in processes/deadlines.json."""
    known = configured_deadlines()
    arg = call.args[1] if len(call.args) == 2 and not call.keywords else None
    # a choice between quoted names is allowed too, e.g. per channel:
    # "lapor_verifikasi" if channel == "sp4n_lapor" else "sanggau_kelengkapan" (each name is checked)
    names = []
    while isinstance(arg, ast.IfExp) and isinstance(arg.body, ast.Constant):
        names.append(arg.body.value)
        arg = arg.orelse
    names.append(arg.value if isinstance(arg, ast.Constant) else None)
    if not all(isinstance(name, str) for name in names):
        return [Problem(element_id, "deadline_call", {"known": ", ".join(sorted(known))})]
    return [Problem(element_id, "unknown_deadline", {"name": name, "known": ", ".join(sorted(known))})
            for name in names if name not in known]


def lint_timer(kind: str, expression: str, element_id: str, functions: Iterable[str],
               now: datetime | None = None) -> list[Problem]:
    """Check one timer expression (``kind``: timeDate, timeDuration or timeCycle)."""
    text = (expression or "").strip()
    if not text:
        return [Problem(element_id, "timer_empty")]
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        if _CRONISH.match(text):
            return [Problem(element_id, "timer_cron", {"value": text})]
        if _ISOISH.match(text):
            return [Problem(element_id, "timer_unquoted", {"value": text})]
        return [Problem(element_id, "timer_invalid", {"value": text, "detail": "not a Python expression"})]
    body = tree.body
    if isinstance(body, ast.Name) and _ISOISH.match(body.id):
        return [Problem(element_id, "timer_unquoted", {"value": text})]
    try:
        compile_checked(text, "eval")
    except ForbiddenScript as error:
        return [Problem(element_id, "script_forbidden", {"detail": str(error)})]
    problems = []
    for node in ast.walk(body):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if name not in functions:
                problems.append(Problem(element_id, "unknown_function",
                                        {"name": name, "known": ", ".join(sorted(functions))}))
            elif name == "deadline_after":
                problems += _lint_deadline_name(node, element_id)
    if problems:
        return problems
    if isinstance(body, ast.Constant) and isinstance(body.value, str):
        value = body.value.strip()
        if _CRONISH.match(value):
            return [Problem(element_id, "timer_cron", {"value": value})]
        try:
            if kind == "timeDuration":
                TimerEventDefinition.parse_iso_duration(value)
            elif kind == "timeDate":
                at = TimerEventDefinition.get_datetime(value)
                if now is not None and at < now:
                    return [Problem(element_id, "timer_past", {"value": value})]
            else:
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception as error:  # noqa: BLE001 - any parse failure is the author's to fix
            return [Problem(element_id, "timer_invalid", {"value": value, "detail": str(error) or "ISO 8601"})]
    elif isinstance(body, ast.Constant):
        return [Problem(element_id, "timer_invalid", {"value": text, "detail": "must be a string"})]
    return []


def _lint_xml(root, functions: Iterable[str], now: datetime | None) -> list[Problem]:
    problems: list[Problem] = []
    for script in root.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NS):
        problems += _lint_code(root, script.text or "", "exec", _owner_id(script))
    for tag in ("preScript", "postScript"):
        for script in root.xpath(f"//spiffworkflow:{tag}", namespaces=NS):
            if (script.text or "").strip():
                problems += _lint_code(root, script.text, "exec", _owner_id(script))
    for condition in root.xpath("//bpmn:conditionExpression", namespaces=NS):
        problems += _lint_code(root, (condition.text or "").strip() or "True", "eval", _owner_id(condition))
    for timer in root.xpath("//bpmn:timerEventDefinition", namespaces=NS):
        event_id = _owner_id(timer.getparent())
        children = [c for c in timer if isinstance(c.tag, str) and etree.QName(c).localname in
                    ("timeDate", "timeDuration", "timeCycle")]
        if not children:
            problems.append(Problem(event_id, "timer_empty"))
        for child in children:
            problems += lint_timer(etree.QName(child).localname, child.text or "", event_id, functions, now)
    return problems


def _parse_spiff(root, filename: str):
    parser = spiff.new_parser()
    parser.add_bpmn_xml(root, filename=filename)
    return parser


def _duration_seconds(value: str) -> float:
    duration = isodate.parse_duration(value)
    if not hasattr(duration, "total_seconds") or isinstance(duration, isodate.Duration):
        raise ValueError("years/months are not a step duration")
    seconds = duration.total_seconds()
    if seconds <= 0:
        raise ValueError("must be positive")
    return seconds


def _user_tasks(spec, subprocess_specs, roles: Iterable[str], forms: Mapping[str, Any],
                problems: list[Problem]) -> dict[str, UserTaskInfo]:
    roles = set(roles)
    found: dict[str, UserTaskInfo] = {}
    all_specs = [spec, *[s for s in subprocess_specs.values() if s is not None]]
    boundary: dict[str, list[str]] = {}
    for process_spec in all_specs:
        for task_spec in process_spec.task_specs.values():
            event = getattr(task_spec, "event_definition", None)
            attached = getattr(task_spec, "bpmn_id", None)
            if isinstance(event, TimerEventDefinition) and task_spec.inputs:
                parent = task_spec.inputs[0]
                if parent.name.endswith(".BoundaryEventSplit"):
                    owner = parent.name[: -len(".BoundaryEventSplit")]
                    boundary.setdefault(owner, []).append(attached)
    for process_spec in all_specs:
        for task_spec in process_spec.task_specs.values():
            if not getattr(task_spec, "manual", False):
                continue
            bpmn_id = task_spec.bpmn_id
            name = task_spec.bpmn_name or bpmn_id
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
            lane = task_spec.lane
            if lane is None:
                problems.append(Problem(bpmn_id, "task_without_lane", {"name": name}))
            elif lane not in roles:
                problems.append(Problem(bpmn_id, "unknown_role", {"lane": lane, "roles": ", ".join(sorted(roles))}))
            form = props.get("formJsonSchemaFilename")
            if not form and type(task_spec).__name__ == "UserTask":
                problems.append(Problem(bpmn_id, "form_missing", {"name": name}))
            elif form and form not in forms:
                problems.append(Problem(bpmn_id, "form_not_found", {"form": form}))
            elif form:
                reason = check_schema(forms[form])
                if reason:
                    problems.append(Problem(bpmn_id, "form_invalid", {"form": form, "detail": reason}))
            duration, seconds = props.get("standard_duration"), None
            if duration:
                try:
                    seconds = _duration_seconds(duration)
                except (ValueError, isodate.ISO8601Error):
                    problems.append(Problem(bpmn_id, "duration_invalid", {"value": duration}))
            found[bpmn_id] = UserTaskInfo(
                bpmn_id=bpmn_id, name=name, lane=lane, form=form, standard_duration=duration,
                standard_seconds=seconds, documentation=(task_spec.documentation or "").strip(),
                output=props.get("output", ""), inputs=props.get("inputs", ""), sop_step=props.get("sop_step", ""),
                sla_timers=boundary.get(bpmn_id, []),
            )
    return found


def load_process(data: bytes, *, roles: Iterable[str], forms: Mapping[str, Any], functions: Iterable[str],
                 filename: str = "process.bpmn", now: datetime | None = None) -> LoadedProcess:
    """Parse and lint a BPMN file; return the loaded process or raise InvalidProcess with every problem."""
    root, problems = parse_xml(data)
    if root is None:
        raise InvalidProcess(problems)
    functions = set(functions)
    problems = _lint_xml(root, functions, now)
    try:
        parser = _parse_spiff(root, filename)
        keys = parser.get_process_ids()
    except ValidationException as error:
        problem = Problem(error.id or "_file", "bpmn_invalid", {"detail": str(error)})
        raise InvalidProcess([*problems, problem]) from None
    except Exception as error:  # noqa: BLE001 - real exports provoke TypeError/KeyError/AttributeError
        raise InvalidProcess(problems + [Problem("_file", "bpmn_invalid",
                                                 {"detail": f"{type(error).__name__}: {error}"})]) from None
    if not keys:
        raise InvalidProcess(problems + [Problem("_file", "no_executable_process")])
    called = parser.get_process_dependencies()
    main_keys = [k for k in keys if k not in called]
    if len(main_keys) != 1:
        raise InvalidProcess(problems + [Problem("_file", "several_processes")])
    key = main_keys[0]
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as error:
        raise InvalidProcess(problems + [Problem(error.id or key, "bpmn_invalid", {"detail": str(error)})]) from None
    except Exception as error:  # noqa: BLE001
        raise InvalidProcess(problems + [Problem(key, "bpmn_invalid",
                                                 {"detail": f"{type(error).__name__}: {error}"})]) from None
    user_tasks = _user_tasks(spec, subprocess_specs, roles, forms, problems)
    if problems:
        raise InvalidProcess(problems)
    lanes = sorted({info.lane for info in user_tasks.values() if info.lane})
    used_forms = {info.form: forms[info.form] for info in user_tasks.values() if info.form}
    xml = data.decode("utf-8")
    return LoadedProcess(key=key, name=spec.description or key, sha256=hashlib.sha256(data).hexdigest(), xml=xml,
                         spec=spec, subprocess_specs=subprocess_specs, user_tasks=user_tasks, lanes=lanes,
                         forms=used_forms)
