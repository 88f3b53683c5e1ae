"""Tiny BPMN documents per behaviour, built in code so each test shows exactly what it feeds the engine."""

from __future__ import annotations

from itertools import pairwise

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="http://alur.test">
"""


def user_task(task_id="tugas", name="Tugas", form="tiny.schema.json", duration="PT10M", extra="") -> str:
    """A userTask with Alur's properties."""
    props = ""
    if form:
        props += f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />'
    if duration:
        props += f'<spiffworkflow:property name="standard_duration" value="{duration}" />'
    return (f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'{props}</spiffworkflow:properties></bpmn:extensionElements>{extra}</bpmn:userTask>')


def process(body: str, *, lane="petugas", nodes=("start", "tugas", "end"), key="tiny", flows=None) -> bytes:
    """A one-lane executable process: start → body elements → end, wired in ``nodes`` order unless ``flows``."""
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    if flows is None:
        flows = list(pairwise(nodes))
    flow_xml = "".join(
        f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}">{cond}</bpmn:sequenceFlow>'
        for a, b, *rest in flows for cond in [rest[0] if rest else ""])
    return (HEADER + f'<bpmn:process id="{key}" name="Proses uji" isExecutable="true">'
            f'<bpmn:laneSet id="ls"><bpmn:lane id="lane1" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
            '<bpmn:startEvent id="start" />' + body + '<bpmn:endEvent id="end" />' + flow_xml +
            "</bpmn:process></bpmn:definitions>").encode()


TINY_FORM = {
    "type": "object",
    "title": "Uji",
    "properties": {"catatan": {"type": "string", "title": "Catatan", "minLength": 3}},
    "required": ["catatan"],
}


def script_process(script: str) -> bytes:
    """start → scriptTask(script) → userTask → end."""
    body = f'<bpmn:scriptTask id="skrip" name="Skrip"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    return process(body + user_task(), nodes=("start", "skrip", "tugas", "end"))


def timer_process(expression: str, kind: str = "timeDuration") -> bytes:
    """A user task with a non-interrupting boundary timer ``kind`` = ``expression``."""
    body = (user_task() +
            f'<bpmn:boundaryEvent id="batas" name="Batas" attachedToRef="tugas" cancelActivity="false">'
            f'<bpmn:timerEventDefinition id="td"><bpmn:{kind}>{expression}</bpmn:{kind}>'
            f'</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="end2" />')
    return process(body, nodes=("start", "tugas", "end", "batas", "end2"),
                   flows=[("start", "tugas"), ("tugas", "end"), ("batas", "end2")])


def condition_process(condition: str) -> bytes:
    """start → userTask → exclusive gateway with ``condition`` / default → end."""
    body = (user_task() + '<bpmn:exclusiveGateway id="gw" default="f_gw_end" />')
    cond = f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>'
    return process(body + '<bpmn:endEvent id="end_b" />', nodes=("start", "tugas", "gw", "end", "end_b"),
                   flows=[("start", "tugas"), ("tugas", "gw"), ("gw", "end"), ("gw", "end_b", cond)])
