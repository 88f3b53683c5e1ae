"""Lint beyond what the engine needs to load a process: structure (start/end, reachability), lanes without a
known role, and the constructs other modelers export that SpiffWorkflow cannot run (see ``import_help``).

:func:`lint_for_editor` is what the editor shows on every save: every problem with the element it sits on and,
where a safe automatic fix exists, the fix's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from .bpmn import BPMN, NS, Problem, parse_xml
from .context import EngineContext
from .errors import InvalidProcess

FLOW_NODES = {
    "startEvent", "endEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
    "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent",
}


def local(node) -> str:
    """Local name of an element's tag ('' for comments and processing instructions)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def flow_nodes(scope) -> dict[str, Any]:
    """Direct flow-node children of a process or subProcess, by id."""
    return {n.get("id"): n for n in scope if local(n) in FLOW_NODES and n.get("id")}


def _reachability(scope) -> list[Problem]:
    nodes = flow_nodes(scope)
    edges: dict[str, list[str]] = {}
    for flow in scope:
        if local(flow) == "sequenceFlow":
            edges.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if local(node) == "boundaryEvent" and node.get("attachedToRef"):
            edges.setdefault(node.get("attachedToRef"), []).append(node_id)
    starts = [i for i, n in nodes.items() if local(n) == "startEvent"
              or (local(n) == "subProcess" and n.get("triggeredByEvent") == "true")]
    seen, todo = set(starts), list(starts)
    while todo:
        for target in edges.get(todo.pop(), []):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    problems = []
    if starts:
        for node_id, node in nodes.items():
            if node_id not in seen:
                problems.append(Problem(node_id, "unreachable", {"name": node.get("name") or node_id}))
    for node in nodes.values():
        if local(node) in ("subProcess", "transaction") and node_id_reachable(node, seen):
            problems += _scope_problems(node)
    return problems


def node_id_reachable(node, seen: set[str]) -> bool:
    """True when the node was reached (or its scope has no start at all)."""
    return node.get("id") in seen or node.get("triggeredByEvent") == "true"


def _scope_problems(scope) -> list[Problem]:
    nodes = flow_nodes(scope)
    scope_id = scope.get("id") or "_file"
    kinds = {local(n) for n in nodes.values()}
    problems = []
    if "startEvent" not in kinds:
        problems.append(Problem(scope_id, "no_start_event", {"name": scope.get("name") or scope_id}))
    if "endEvent" not in kinds:
        problems.append(Problem(scope_id, "no_end_event", {"name": scope.get("name") or scope_id}))
    return problems + _reachability(scope)


def _lane_problems(process, roles: set[str]) -> list[Problem]:
    problems = []
    for lane in process.iter(BPMN + "lane"):
        if lane.find("bpmn:childLaneSet", NS) is not None:
            continue
        name = (lane.get("name") or "").strip()
        if name not in roles:
            problems.append(Problem(lane.get("id"), "lane_unknown_role",
                                    {"lane": name or "(tanpa nama)", "roles": ", ".join(sorted(roles))}))
    return problems


def lint_structure(root, roles: Iterable[str]) -> list[Problem]:
    """Start/end events, unreachable elements and lanes whose name is not a known role, per process."""
    roles = set(roles)
    problems: list[Problem] = []
    for process in root.findall("bpmn:process", NS):
        problems += _scope_problems(process) + _lane_problems(process, roles)
    return problems


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        key = (problem.element_id, problem.code, tuple(sorted((k, str(v)) for k, v in problem.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def lint_for_editor(session: Session, ctx: EngineContext, bpmn: bytes, forms: Mapping[str, Any] | None = None,
                    *, lang: str = "id") -> dict:
    """Everything wrong with ``bpmn`` (engine lint, structure, import help) → {"problems": [...], "process"}.

    Each problem is {element_id, code, message, fix}; ``fix`` names a safe automatic fix or is None.
    """
    from .deploy import lint_process
    from .import_help import diagnose, fix_for
    from .process_catalog import known_process_keys
    from .repository import lane_roles

    root, problems = parse_xml(bpmn)
    key = None
    if root is not None:
        problems = diagnose(root, known_process_keys(session)) + lint_structure(root, lane_roles(session))
        try:
            loaded = lint_process(session, ctx, bpmn, forms)
            key = loaded.key
        except InvalidProcess as error:
            problems += error.problems
    problems = _dedupe(problems)
    return {
        "process": key,
        "problems": [{"element_id": p.element_id, "code": p.code, "message": p.message(lang),
                      "fix": fix_for(p)} for p in problems],
    }


def structure_problems(bpmn: bytes, roles: Iterable[str], known_processes: Iterable[str]) -> list[Problem]:
    """Import help and structure problems of ``bpmn`` (empty when the XML itself is refused)."""
    from .import_help import diagnose

    root, problems = parse_xml(bpmn)
    if root is None:
        return problems
    return _dedupe(diagnose(root, set(known_processes)) + lint_structure(root, roles))
