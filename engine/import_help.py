"""Import help for BPMN drawn in other modelers (Camunda Modeler, Signavio, Bizagi).

:func:`diagnose` finds each construct SpiffWorkflow cannot run and says (in the message catalog) what it is,
where it is and how to fix it. :func:`apply_fix` performs the safe automatic fixes on the XML with lxml:
quote a literal timer duration/date, turn an implicit split into a parallel gateway, mark the sole
unconditioned flow of an exclusive gateway as its default, remove data stores, mark the process executable.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from lxml import etree

from .bpmn import _CRONISH, _ISOISH, BPMN, NS, Problem, parse_xml
from .errors import InvalidInput
from .lint_extra import flow_nodes, local

DI_NS = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC",
         "di": "http://www.omg.org/spec/DD/20100524/DI"}
BPMNDI, DC, DI = ("{" + DI_NS[prefix] + "}" for prefix in ("bpmndi", "dc", "di"))
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess"}

#: problem code → the automatic fix that resolves it
FIXES = {
    "timer_unquoted": "quote_timer",
    "implicit_split": "parallel_split",
    "condition_missing_sole": "mark_default",
    "data_store": "remove_data_store",
    "not_executable": "make_executable",
}


def fix_for(problem: Problem) -> str | None:
    """The automatic fix for ``problem``, if a safe one exists."""
    return FIXES.get(problem.code)


def _name(node) -> str:
    return (node.get("name") or "").strip() or node.get("id") or "?"


def _scopes(root):
    for process in root.findall("bpmn:process", NS):
        yield process
        yield from process.iter(BPMN + "subProcess", BPMN + "transaction")


def _service_tasks(scope) -> Iterable[Problem]:
    for node in flow_nodes(scope).values():
        if local(node) == "serviceTask" and node.find(".//spiffworkflow:serviceTaskOperator", NS) is None:
            yield Problem(node.get("id"), "service_task_no_operator", {"name": _name(node)})
        if local(node) in ("sendTask", "receiveTask") and node.get("messageRef") is None:
            yield Problem(node.get("id"), "message_task_no_message", {"name": _name(node)})


def _data_stores(root) -> Iterable[Problem]:
    for node in root.iter(BPMN + "dataStoreReference", BPMN + "dataStore"):
        yield Problem(node.get("id") or "_file", "data_store", {"name": _name(node)})


def _gateway_flows(scope) -> Iterable[Problem]:
    nodes = flow_nodes(scope)
    flows = [f for f in scope if local(f) == "sequenceFlow"]
    for node_id, node in nodes.items():
        if local(node) not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        outgoing = [f for f in flows if f.get("sourceRef") == node_id]
        if len(outgoing) < 2:
            continue
        bare = [f for f in outgoing if f.get("id") != node.get("default")
                and not (f.findtext("bpmn:conditionExpression", "", NS) or "").strip()]
        for flow in bare:
            code = "condition_missing_sole" if len(bare) == 1 and not node.get("default") else "condition_missing"
            yield Problem(flow.get("id"), code, {"name": _name(flow), "gateway": _name(node)})


def _implicit_splits(scope) -> Iterable[Problem]:
    nodes = flow_nodes(scope)
    flows = [f for f in scope if local(f) == "sequenceFlow"]
    for node_id, node in nodes.items():
        if local(node) not in ACTIVITIES | {"startEvent", "intermediateCatchEvent", "boundaryEvent"}:
            continue
        outgoing = [f for f in flows if f.get("sourceRef") == node_id]
        if len(outgoing) > 1:
            conditional = any((f.findtext("bpmn:conditionExpression", "", NS) or "").strip() for f in outgoing)
            yield Problem(node_id, "implicit_split_conditional" if conditional else "implicit_split",
                          {"name": _name(node), "count": len(outgoing)})


def _timers(root) -> Iterable[Problem]:
    for timer in root.iter(BPMN + "timerEventDefinition"):
        event = timer.getparent()
        parts = [c for c in timer if local(c) in ("timeDate", "timeDuration", "timeCycle")]
        if not parts:
            yield Problem(event.get("id"), "timer_empty")
        for part in parts:
            text = (part.text or "").strip()
            if not text:
                yield Problem(event.get("id"), "timer_empty")
            elif _is_bare_literal(text) and _CRONISH.match(text):
                yield Problem(event.get("id"), "timer_cron", {"value": text})
            elif _is_bare_literal(text) and _ISOISH.match(text):
                yield Problem(event.get("id"), "timer_unquoted", {"value": text})


def _is_bare_literal(text: str) -> bool:
    try:
        body = ast.parse(text, mode="eval").body
    except SyntaxError:
        return True
    return isinstance(body, ast.Name)


def _calls(root, known: set[str]) -> Iterable[Problem]:
    local_ids = {p.get("id") for p in root.findall("bpmn:process", NS)}
    for call in root.iter(BPMN + "callActivity"):
        target = call.get("calledElement") or ""
        if target not in local_ids and target not in known:
            yield Problem(call.get("id"), "call_missing", {"name": _name(call), "target": target or "(kosong)"})


def _executable(root) -> Iterable[Problem]:
    processes = root.findall("bpmn:process", NS)
    if processes and not any(p.get("isExecutable") == "true" for p in processes):
        main = max(processes, key=lambda p: len(flow_nodes(p)))
        yield Problem(main.get("id"), "not_executable", {"name": _name(main)})


def diagnose(root, known_processes: Iterable[str] = ()) -> list[Problem]:
    """Every construct in ``root`` that SpiffWorkflow cannot run, as problems with element ids."""
    known = set(known_processes)
    problems: list[Problem] = [*_executable(root), *_data_stores(root), *_timers(root), *_calls(root, known)]
    for scope in _scopes(root):
        problems += [*_service_tasks(scope), *_gateway_flows(scope), *_implicit_splits(scope)]
    return problems


# -- automatic fixes -------------------------------------------------------------------------------------

def _by_id(root, element_id: str):
    found = root.xpath("//*[@id=$id]", id=element_id)
    if not found:
        raise InvalidInput(detail=f"elemen '{element_id}' tidak ada dalam diagram")
    return found[0]


def _quote_timer(root, element_id: str) -> None:
    event = _by_id(root, element_id)
    for part in event.iter(BPMN + "timeDate", BPMN + "timeDuration", BPMN + "timeCycle"):
        text = (part.text or "").strip()
        if text and _is_bare_literal(text) and _ISOISH.match(text):
            part.text = f'"{text}"'


def _mark_default(root, flow_id: str) -> None:
    flow = _by_id(root, flow_id)
    _by_id(root, flow.get("sourceRef")).set("default", flow_id)


def _make_executable(root, process_id: str) -> None:
    _by_id(root, process_id).set("isExecutable", "true")


def _remove_data_store(root, element_id: str) -> None:
    node = _by_id(root, element_id)
    ids = {element_id}
    for assoc in list(root.iter(BPMN + "dataInputAssociation", BPMN + "dataOutputAssociation")):
        refs = {(r.text or "").strip() for r in assoc if local(r) in ("sourceRef", "targetRef")}
        if refs & ids:
            ids.add(assoc.get("id") or "")
            assoc.getparent().remove(assoc)
    for assoc in list(root.iter(BPMN + "association")):
        if assoc.get("sourceRef") in ids or assoc.get("targetRef") in ids:
            ids.add(assoc.get("id"))
            assoc.getparent().remove(assoc)
    node.getparent().remove(node)
    for shape in list(root.iter(BPMNDI + "BPMNShape", BPMNDI + "BPMNEdge")):
        if shape.get("bpmnElement") in ids:
            shape.getparent().remove(shape)


def _bounds(root, element_id: str):
    shape = root.xpath("//bpmndi:BPMNShape[@bpmnElement=$id]/dc:Bounds", namespaces=DI_NS, id=element_id)
    return shape[0] if shape else None


def _parallel_split(root, node_id: str) -> None:
    node = _by_id(root, node_id)
    scope = node.getparent()

    def tag(name: str) -> str:
        return BPMN + name

    gateway_id = _fresh_id(root, f"Gateway_split_{node_id}")
    flow_id = _fresh_id(root, f"Flow_{node_id}__{gateway_id}")
    outgoing = [f for f in scope if local(f) == "sequenceFlow" and f.get("sourceRef") == node_id]
    gateway = etree.SubElement(scope, tag("parallelGateway"), id=gateway_id)
    etree.SubElement(gateway, tag("incoming")).text = flow_id
    for flow in outgoing:
        flow.set("sourceRef", gateway_id)
        etree.SubElement(gateway, tag("outgoing")).text = flow.get("id")
    for child in list(node):
        if local(child) == "outgoing":
            node.remove(child)
    new_out = etree.Element(tag("outgoing"))
    new_out.text = flow_id
    incoming = [c for c in node if local(c) == "incoming"]
    (incoming[-1].addnext(new_out) if incoming else node.append(new_out))
    etree.SubElement(scope, tag("sequenceFlow"), id=flow_id, sourceRef=node_id, targetRef=gateway_id)
    for lane in root.iter(BPMN + "lane"):
        if node_id in [(r.text or "").strip() for r in lane.findall("bpmn:flowNodeRef", NS)]:
            etree.SubElement(lane, tag("flowNodeRef")).text = gateway_id
    _draw_split(root, node_id, gateway_id, flow_id, [f.get("id") for f in outgoing])


def _draw_split(root, node_id, gateway_id, flow_id, moved_flows) -> None:
    bounds = _bounds(root, node_id)
    planes = root.xpath("//bpmndi:BPMNPlane", namespaces=DI_NS)
    if bounds is None or not planes:
        return
    x, y = float(bounds.get("x")) + float(bounds.get("width")) + 15, float(bounds.get("y"))
    mid_y = y + float(bounds.get("height")) / 2
    shape = etree.SubElement(planes[0], BPMNDI + "BPMNShape", id=f"{gateway_id}_di", bpmnElement=gateway_id)
    etree.SubElement(shape, DC + "Bounds", x=str(x), y=str(mid_y - 12), width="25", height="25")
    edge = etree.SubElement(planes[0], BPMNDI + "BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    etree.SubElement(edge, DI + "waypoint", x=str(x - 15), y=str(mid_y))
    etree.SubElement(edge, DI + "waypoint", x=str(x), y=str(mid_y))
    for moved in moved_flows:
        points = root.xpath("//bpmndi:BPMNEdge[@bpmnElement=$id]/di:waypoint", namespaces=DI_NS, id=moved)
        if points:
            points[0].set("x", str(x + 25))
            points[0].set("y", str(mid_y))


def _fresh_id(root, wanted: str) -> str:
    wanted = re.sub(r"[^A-Za-z0-9_.-]", "_", wanted)
    candidate, n = wanted, 1
    while root.xpath("//*[@id=$id]", id=candidate):
        n += 1
        candidate = f"{wanted}_{n}"
    return candidate


_APPLY = {
    "quote_timer": _quote_timer,
    "mark_default": _mark_default,
    "make_executable": _make_executable,
    "remove_data_store": _remove_data_store,
    "parallel_split": _parallel_split,
}


def apply_fix(bpmn: bytes, fix: str, element_id: str) -> bytes:
    """``bpmn`` with the automatic ``fix`` applied to ``element_id`` (refused XML or unknown fix: InvalidInput)."""
    if fix not in _APPLY:
        raise InvalidInput(detail=f"perbaikan '{fix}' tidak dikenal")
    root, problems = parse_xml(bpmn)
    if root is None:
        raise InvalidInput(detail=problems[0].message("id"))
    _APPLY[fix](root, element_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
