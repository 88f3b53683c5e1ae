"""Shared helpers of the editor tests: shipped files, small edits of them, and deploy calls through the API."""

from __future__ import annotations

import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
DATA = Path(__file__).resolve().parent / "data"


def shipped(name: str) -> bytes:
    """A shipped BPMN file's bytes."""
    return (PROCESSES / name).read_bytes()


def form_file(name: str) -> tuple[io.BytesIO, str]:
    """A shipped form as a multipart file tuple."""
    return io.BytesIO((PROCESSES / "forms" / name).read_bytes()), name


def post_bpmn(client, headers, bpmn: bytes, forms: dict[str, dict | bytes] | None = None, **fields):
    """POST /api/v1/processes as multipart with ``forms`` (name → schema or bytes)."""
    data = {"bpmn": (io.BytesIO(bpmn), "upload.bpmn"), **fields}
    files = []
    for name, content in (forms or {}).items():
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        files.append((io.BytesIO(raw), name))
    if files:
        data["forms"] = files
    return client.post("/api/v1/processes", data=data, headers=headers, content_type="multipart/form-data")


def muba_variant(*, duration: str | None = None, rename: tuple[str, str] | None = None,
                 kabid_lane_role: str | None = None, drop_verification: bool = False) -> bytes:
    """muba_pengaduan.bpmn with small edits a process owner would make."""
    from lxml import etree

    xml = shipped("muba_pengaduan.bpmn").decode()
    if duration:
        start = xml.index('id="verifikasi_formulir"')
        standard = 'name="standard_duration" value="PT10M"'
        xml = xml[:start] + xml[start:].replace(standard, f'name="standard_duration" value="{duration}"', 1)
    if rename:
        xml = xml.replace(f'name="{rename[0]}"', f'name="{rename[1]}"')
    if kabid_lane_role:
        xml = xml.replace('<bpmn:lane id="Lane_kabid" name="kabid">',
                          f'<bpmn:lane id="Lane_kabid" name="{kabid_lane_role}">')
    if drop_verification:
        ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
        root = etree.fromstring(xml.encode())
        process = root.find("bpmn:process", ns)
        # the step goes with its escalation (boundary timer, escalation step, its end and flows)
        gone = ("verifikasi_formulir", "Flow_verifikasi_formulir__gw_lengkap", "batas_verifikasi",
                "eskalasi_verifikasi_formulir", "eskalasi_verifikasi_selesai",
                "Flow_batas_verifikasi__eskalasi_verifikasi_formulir",
                "Flow_eskalasi_verifikasi_formulir__eskalasi_verifikasi_selesai")
        for node in root.xpath("//*[@id]"):
            if node.get("id") in gone:
                node.getparent().remove(node)
        for ref in root.xpath("//bpmn:flowNodeRef", namespaces=ns):
            if ref.text in gone:
                ref.getparent().remove(ref)
        for shape in root.xpath("//*[@bpmnElement]"):
            if shape.get("bpmnElement") in gone:
                shape.getparent().remove(shape)
        gateway = process.find("bpmn:exclusiveGateway[@id='gw_lengkap']", ns)
        for incoming in gateway.findall("bpmn:incoming", ns):
            gateway.remove(incoming)
        for flow_id in ("Flow_isi_formulir__verifikasi_formulir", "Flow_lengkapi_pengaduan__verifikasi_formulir",
                        "Flow_lengkapi_pengaduan_lapor__verifikasi_formulir"):
            flow = process.find(f"bpmn:sequenceFlow[@id='{flow_id}']", ns)
            flow.set("targetRef", "gw_lengkap")
            etree.SubElement(gateway, etree.QName(ns["bpmn"], "incoming")).text = flow_id
            gateway.insert(0, gateway[-1])
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
    return xml.encode()
