"""The generated XML is schema-valid BPMN with a complete left-to-right diagram."""

from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from cityhall.catalog.workflow import process_bundle, process_standard
from cityhall.catalog.workflow.xmlsafe import NSMAP

FIXTURES = Path(__file__).parent / "fixtures"
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "userTask",
    "scriptTask",
    "exclusiveGateway",
    "parallelGateway",
)

GENERATED = {
    "instant": process_standard(
        process_id="item_1", name="即办", lead_lane="区民政局", review_lanes=[], instant=True
    ),
    "standard-0": process_standard(
        process_id="item_2", name="承诺件", lead_lane="区民政局", review_lanes=[], instant=False
    ),
    "standard-2": process_standard(
        process_id="item_3",
        name="联审",
        lead_lane="区民政局",
        review_lanes=["市公安局", "街道办事处"],
        instant=False,
    ),
    "bundle": process_bundle(
        process_id="bundle_1",
        name="一件事",
        lead_lane="区卫生健康委",
        item_lanes=[("A01", "市公安局"), ("A02", "市公安局"), ("A03", "区医疗保障局")],
    ),
}


def bounds(root: etree._Element, element_id: str) -> tuple[float, float, float, float]:
    [shape] = root.xpath(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']", namespaces=NSMAP)
    box = shape.find("dc:Bounds", NSMAP)
    return tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


@pytest.mark.parametrize("xml", GENERATED.values(), ids=GENERATED.keys())
def test_schema_valid(xml: str) -> None:
    BpmnValidator().validate(etree.fromstring(xml.encode("utf-8")))


def test_the_schema_check_does_catch_mistakes() -> None:
    broken = GENERATED["instant"].replace("<bpmn:outgoing>", "<bpmn:outgoin>", 1)
    broken = broken.replace("</bpmn:outgoing>", "</bpmn:outgoin>", 1)
    with pytest.raises(ValidationException):
        BpmnValidator().validate(etree.fromstring(broken.encode("utf-8")))


def test_modeller_fixture_is_schema_valid() -> None:
    xml = (FIXTURES / "modeller_minimum_living.bpmn").read_bytes()
    BpmnValidator().validate(etree.fromstring(xml))


@pytest.mark.parametrize("xml", GENERATED.values(), ids=GENERATED.keys())
def test_every_element_is_drawn_inside_its_lane(xml: str) -> None:
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find("bpmn:process", NSMAP)
    nodes = [n for n in process if etree.QName(n).localname in FLOW_NODES]
    flows = process.findall("bpmn:sequenceFlow", NSMAP)
    for flow in flows:
        edge = root.xpath(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", namespaces=NSMAP)
        assert len(edge) == 1
        assert len(edge[0].findall("di:waypoint", NSMAP)) >= 2
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NSMAP)
    for index, lane in enumerate(lanes, start=1):
        assert lane.get("id") == f"lane_{index}"
        lx, ly, lw, lh = bounds(root, lane.get("id"))
        for ref in lane.findall("bpmn:flowNodeRef", NSMAP):
            x, y, w, h = bounds(root, ref.text)
            assert lx <= x and x + w <= lx + lw
            assert ly <= y and y + h <= ly + lh
    in_lanes = {ref.text for ref in process.iter("{*}flowNodeRef")}
    assert in_lanes == {n.get("id") for n in nodes}


def test_left_to_right() -> None:
    root = etree.fromstring(GENERATED["standard-2"].encode("utf-8"))
    xs = [bounds(root, ident)[0] for ident in ("start", "accept", "gw_accept", "split")]
    xs += [bounds(root, ident)[0] for ident in ("join", "gw_decision", "issue", "end_approved")]
    assert xs == sorted(xs)
    assert bounds(root, "review_2")[1] > bounds(root, "review_1")[1]
