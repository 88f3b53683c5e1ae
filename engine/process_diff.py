"""What changed between two versions of a process, in plain Indonesian (and English), element by element.

Compares the two BPMN documents: steps added, removed, renamed, moved to another lane, standard times,
forms, SLA/escalation timers and gateway conditions — and, given the versions' forms, the fields of a form a
step kept (a version is its diagram and its forms). Each change names the element id, so the diagram can
colour it (added / removed / changed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .bpmn import BPMN, NS, parse_xml
from .lint_extra import FLOW_NODES, local

KIND_NAMES = {
    "userTask": ("Langkah", "Step"), "manualTask": ("Langkah", "Step"), "task": ("Langkah", "Step"),
    "scriptTask": ("Skrip", "Script"), "serviceTask": ("Tugas layanan", "Service task"),
    "callActivity": ("Panggilan proses", "Call activity"), "subProcess": ("Subproses", "Subprocess"),
    "startEvent": ("Peristiwa mulai", "Start event"), "endEvent": ("Peristiwa selesai", "End event"),
    "boundaryEvent": ("Timer", "Timer"),
    "intermediateCatchEvent": ("Peristiwa antara", "Intermediate event"),
    "exclusiveGateway": ("Gerbang", "Gateway"), "parallelGateway": ("Gerbang paralel", "Parallel gateway"),
    "inclusiveGateway": ("Gerbang inklusif", "Inclusive gateway"),
}


@dataclass
class Change:
    """One difference: ``kind`` is added | removed | changed (for colouring), ``text`` the sentence."""

    element_id: str
    kind: str
    what: str  # added, removed, renamed, moved, duration, form, form_fields, timer, condition
    text_id: str
    text_en: str

    def as_dict(self) -> dict:
        """JSON-able form."""
        return dict(self.__dict__)


def human_duration(value: str | None, lang: str = "id") -> str:
    """``PT1H30M`` → "1 jam 30 menit" (or the value itself when it is not that simple)."""
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value or "")
    if not value or not match:
        return value or ("tidak ada" if lang == "id" else "none")
    units = (("hari", "day(s)"), ("jam", "hour(s)"), ("menit", "minute(s)"), ("detik", "second(s)"))
    parts = [f"{n} {unit[0] if lang == 'id' else unit[1]}" for n, unit in zip(match.groups(), units, strict=True) if n]
    return " ".join(parts)


def human_timer(expression: str | None, lang: str = "id") -> str:
    """``working_days_after(received_at, 7)`` → "7 hari kerja sejak diterima"; quoted ISO → words."""
    text = (expression or "").strip()
    working = re.fullmatch(r"working_days_after\(\s*(\w+)\s*,\s*(\d+)\s*\)", text)
    if working:
        since = {"received_at": ("sejak diterima", "after receipt")}.get(working.group(1),
                                                                        (f"sejak {working.group(1)}",
                                                                         f"after {working.group(1)}"))
        return f"{working.group(2)} hari kerja {since[0]}" if lang == "id" else \
            f"{working.group(2)} working day(s) {since[1]}"
    office = re.fullmatch(r"office_time_after\(\s*now\(\)\s*,\s*[\"'](P[^\"']+)[\"']\s*\)", text)
    if office:
        return f"{human_duration(office.group(1), lang)} jam kerja sejak langkah siap" if lang == "id" else \
            f"{human_duration(office.group(1), lang)} of office time after the step is ready"
    named = re.fullmatch(r"deadline_after\(\s*(\w+)\s*,\s*[\"'](\w+)[\"']\s*\)", text)
    if named:
        from .deadlines import configured_deadlines

        rule = configured_deadlines().get(named.group(2))
        if rule is not None:
            return f"{rule.working_days} hari kerja ({rule.name_id})" if lang == "id" else \
                f"{rule.working_days} working day(s) ({rule.name_en})"
    per_channel = re.fullmatch(r"deadline_after\(\s*(\w+)\s*,\s*[\"'](\w+)[\"']\s+if\s+channel\s*==\s*[\"'](\w+)[\"']"
                               r"\s+else\s+[\"'](\w+)[\"']\s*\)", text)
    if per_channel:  # e.g. "lapor_verifikasi" if channel == "sp4n_lapor" else "sanggau_kelengkapan"
        since, special, channel, usual = per_channel.groups()
        usual_words = human_timer(f'deadline_after({since}, "{usual}")', lang)
        special_words = human_timer(f'deadline_after({since}, "{special}")', lang)
        return f"{usual_words}; kanal {channel}: {special_words}" if lang == "id" else \
            f"{usual_words}; channel {channel}: {special_words}"
    quoted = re.fullmatch(r"[\"'](P[^\"']+)[\"']", text)
    if quoted:
        return human_duration(quoted.group(1), lang)
    return text or ("kosong" if lang == "id" else "empty")


def _outline(xml: str) -> dict:
    root, _ = parse_xml(xml.encode("utf-8"))
    if root is None:
        return {"nodes": {}, "flows": {}}
    nodes, flows = {}, {}
    lanes = {}
    for lane in root.iter(BPMN + "lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    for node in root.iter():
        kind = local(node)
        if kind in FLOW_NODES and node.get("id"):
            props = {p.get("name"): p.get("value") for p in node.findall(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
            timer = node.find("bpmn:timerEventDefinition", NS)
            expression = None
            if timer is not None:
                parts = [c for c in timer if isinstance(c.tag, str)]
                expression = (parts[0].text or "").strip() if parts else ""
            nodes[node.get("id")] = {
                "kind": kind, "name": (node.get("name") or "").strip(), "lane": lanes.get(node.get("id")),
                "duration": props.get("standard_duration"), "form": props.get("formJsonSchemaFilename"),
                "timer": expression, "attached": node.get("attachedToRef"),
            }
        elif kind == "sequenceFlow":
            condition = node.findtext("bpmn:conditionExpression", "", NS).strip()
            flows[node.get("id")] = {"name": node.get("name") or "", "condition": condition}
    return {"nodes": nodes, "flows": flows}


#: BPMN diagram interchange (shapes, edges, label positions): the layout, not the process.
_BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
#: Attributes of <definitions> a modeler stamps on every export.
_EXPORT_STAMP = ("exporter", "exporterVersion")
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
#: Attributes written with the BPMN schema's default value mean the same as left out (bpmn-js leaves them out).
_SCHEMA_DEFAULTS = {
    "cancelActivity": "true", "isInterrupting": "true", "isForCompensation": "false", "startQuantity": "1",
    "completionQuantity": "1", "isSequential": "false", "triggeredByEvent": "false",
    "gatewayDirection": "Unspecified", "instantiate": "false", "eventGatewayType": "Exclusive",
    "isClosed": "false", "processType": "None", "isCollection": "false", "parallelMultiple": "false",
}


def _substance(xml: str) -> list[tuple] | None:
    """The document without its layout: every element outside the diagram interchange as (tag, attributes,
    text), namespaces resolved, also in ``xsi:type`` (so prefixes and their declarations do not count); blank
    text, comments, attributes at their schema default and the exporter's stamp left out. None if the XML does
    not parse."""
    root, _ = parse_xml(xml.encode("utf-8"))
    if root is None:
        return None
    out = []
    stack = [root]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or element.tag.startswith(_BPMNDI):
            continue  # a comment or processing instruction; the layout
        attributes = dict(element.attrib)
        kind = attributes.get(_XSI_TYPE)
        if kind and ":" in kind:  # a QName: its prefix stands for a namespace
            prefix, name = kind.split(":", 1)
            attributes[_XSI_TYPE] = f"{{{element.nsmap.get(prefix, prefix)}}}{name}"
        for name, default in _SCHEMA_DEFAULTS.items():
            if attributes.get(name) == default:
                del attributes[name]
        if element is root:
            for name in _EXPORT_STAMP:
                attributes.pop(name, None)
        out.append((element.tag, tuple(sorted(attributes.items())), (element.text or "").strip()))
        stack.extend(reversed(element))
    return out


def same_substance(old_xml: str, new_xml: str) -> bool:
    """True when two BPMN documents define the same processes and differ only in layout (shape positions,
    waypoints), formatting, comments, namespace prefixes or the exporter's stamp — what a modeler changes when
    it saves a diagram nobody touched. Anything else (an id, a name, a flow's source or target, a script, a
    condition, an extension property) counts as a change."""
    old = _substance(old_xml)
    return old is not None and old == _substance(new_xml)


def _label(node: dict, element_id: str, lang: str) -> str:
    kind = KIND_NAMES.get(node["kind"], ("Elemen", "Element"))[0 if lang == "id" else 1]
    return f"{kind} '{node['name'] or element_id}'"


def _node_changes(element_id: str, old: dict, new: dict) -> list[Change]:
    changes = []

    def add(what: str, id_text: str, en_text: str) -> None:
        changes.append(Change(element_id, "changed", what, id_text, en_text))

    label_id, label_en = _label(new, element_id, "id"), _label(new, element_id, "en")
    if old["name"] != new["name"]:
        add("renamed", f"{_label(old, element_id, 'id')} berganti nama menjadi '{new['name']}'.",
            f"{_label(old, element_id, 'en')} was renamed to '{new['name']}'.")
    if old["lane"] != new["lane"] and new["kind"] not in ("exclusiveGateway", "parallelGateway"):
        add("moved", f"{label_id} pindah dari lajur {old['lane'] or '—'} ke lajur {new['lane'] or '—'}.",
            f"{label_en} moved from lane {old['lane'] or '—'} to lane {new['lane'] or '—'}.")
    if old["duration"] != new["duration"]:
        add("duration", f"Waktu standar {label_id} berubah dari {human_duration(old['duration'])} menjadi "
                        f"{human_duration(new['duration'])}.",
            f"Standard time of {label_en} changed from {human_duration(old['duration'], 'en')} to "
            f"{human_duration(new['duration'], 'en')}.")
    if old["form"] != new["form"]:
        add("form", f"Formulir {label_id} berganti dari {old['form'] or '—'} ke {new['form'] or '—'}.",
            f"The form of {label_en} changed from {old['form'] or '—'} to {new['form'] or '—'}.")
    if old["timer"] != new["timer"]:
        add("timer", f"{label_id} berubah dari {human_timer(old['timer'])} menjadi {human_timer(new['timer'])}.",
            f"{label_en} changed from {human_timer(old['timer'], 'en')} to {human_timer(new['timer'], 'en')}.")
    return changes


def _names(items) -> str:
    return ", ".join(sorted(items))


def _form_changes(element_id: str, node: dict, old_schema: dict, new_schema: dict) -> list[Change]:
    """The fields of a step's form (same file in both versions) that were added, removed, changed or became
    (no longer) required; one sentence per kind of change."""
    old_fields, new_fields = old_schema.get("properties") or {}, new_schema.get("properties") or {}
    old_required, new_required = set(old_schema.get("required") or []), set(new_schema.get("required") or [])
    label_id, label_en = _label(node, element_id, "id"), _label(node, element_id, "en")
    form = node["form"]
    found = [
        (set(new_fields) - set(old_fields), "kolom baru", "new fields"),
        (set(old_fields) - set(new_fields), "kolom dihapus", "fields removed"),
        ({k for k in set(old_fields) & set(new_fields) if old_fields[k] != new_fields[k]}, "kolom diubah",
         "fields changed"),
        (new_required - old_required, "kini wajib diisi", "now required"),
        ((old_required - new_required) & set(new_fields), "tidak lagi wajib", "no longer required"),
    ]
    parts_id = [f"{what_id}: {_names(keys)}" for keys, what_id, _ in found if keys]
    parts_en = [f"{what_en}: {_names(keys)}" for keys, _, what_en in found if keys]
    if not parts_id and old_schema != new_schema:  # title, order, conditions …: not per field
        parts_id, parts_en = ["isi skema berubah"], ["its schema changed"]
    if not parts_id:
        return []
    return [Change(element_id, "changed", "form_fields",
                   f"Formulir {form} pada {label_id} berubah ({'; '.join(parts_id)}).",
                   f"The form {form} of {label_en} changed ({'; '.join(parts_en)}).")]


def diff_versions(old_xml: str, new_xml: str, old_forms: dict | None = None,
                  new_forms: dict | None = None) -> list[Change]:
    """Every difference from ``old_xml`` to ``new_xml`` that a process owner cares about, in document order;
    with both versions' forms (file name → JSON Schema) also the fields of each form a step kept."""
    old, new = _outline(old_xml), _outline(new_xml)
    changes: list[Change] = []
    for element_id, node in new["nodes"].items():
        if element_id not in old["nodes"]:
            where = f" di lajur {node['lane']}" if node["lane"] else ""
            where_en = f" in lane {node['lane']}" if node["lane"] else ""
            extra = f" (waktu standar {human_duration(node['duration'])})" if node["duration"] else ""
            timer = f" ({human_timer(node['timer'])})" if node["timer"] is not None else ""
            changes.append(Change(element_id, "added", "added",
                                  f"{_label(node, element_id, 'id')} ditambahkan{where}{extra}{timer}.",
                                  f"{_label(node, element_id, 'en')} was added{where_en}."))
        else:
            before = old["nodes"][element_id]
            changes += _node_changes(element_id, before, node)
            form = node["form"]
            if (form and form == before["form"] and old_forms is not None and new_forms is not None
                    and form in old_forms and form in new_forms):
                changes += _form_changes(element_id, node, old_forms[form], new_forms[form])
    for element_id, node in old["nodes"].items():
        if element_id not in new["nodes"]:
            changes.append(Change(element_id, "removed", "removed", f"{_label(node, element_id, 'id')} dihapus.",
                                  f"{_label(node, element_id, 'en')} was removed."))
    for flow_id, flow in new["flows"].items():
        before = old["flows"].get(flow_id)
        if before is not None and before["condition"] != flow["condition"]:
            name = flow["name"] or flow_id
            changes.append(Change(flow_id, "changed", "condition",
                                  f"Kondisi alur '{name}' berubah dari '{before['condition'] or '—'}' menjadi "
                                  f"'{flow['condition'] or '—'}'.",
                                  f"The condition of flow '{name}' changed from '{before['condition'] or '—'}' to "
                                  f"'{flow['condition'] or '—'}'."))
    return changes

