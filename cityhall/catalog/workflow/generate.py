"""BPMN for the standard process shapes, with a diagram so editors can open and adjust it.

The diagram is laid out left to right in a pool with one lane per department: the main line
runs through the lead lane, review tasks sit in their own lanes (stacked when a lane has
several), rejection ends hang below their gateway and each deadline-warning timer hangs below
its task.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cityhall.catalog.workflow.errors import ProcessError
from cityhall.catalog.workflow.xmlsafe import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, NSMAP, XSI_NS

WARNING_NAME: Final = "临期预警"
WARN_AT_EXPRESSION: Final = "warn_at"
REJECTED_CONDITION: Final = "rejected"
ISSUE_SCRIPT: Final = "issued = True"

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_SIZES: Final = {"event": (36, 36), "task": (100, 80), "gateway": (50, 50)}
_KINDS: Final = {
    "startEvent": "event",
    "endEvent": "event",
    "boundaryEvent": "event",
    "userTask": "task",
    "scriptTask": "task",
    "exclusiveGateway": "gateway",
    "parallelGateway": "gateway",
}
_POOL_X, _POOL_Y, _POOL_LABEL = 160, 80, 30
_COLUMN, _SLOT, _MAIN_Y, _BELOW = 150, 240, 80, 110


@dataclass
class _Node:
    id: str
    tag: str
    name: str
    lane: int
    col: int
    slot: int = 0
    below: bool = False
    attached_to: str | None = None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    bounds: tuple[float, float, float, float] = (0, 0, 0, 0)

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.bounds
        return x + w / 2, y + h / 2


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


class _Process:
    def __init__(self, lanes: list[str]) -> None:
        self.lanes = lanes
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.scripts: dict[str, str] = {}

    def node(
        self,
        ident: str,
        tag: str,
        name: str,
        lane: int,
        col: int,
        slot: int = 0,
        below: bool = False,
    ) -> str:
        self.nodes[ident] = _Node(ident, tag, name, lane, col, slot=slot, below=below)
        return ident

    def flow(self, source: str, target: str, name: str = "", condition: str | None = None) -> str:
        ident = f"flow_{len(self.flows) + 1}"
        self.flows.append(_Flow(ident, source, target, name, condition))
        self.nodes[source].outgoing.append(ident)
        self.nodes[target].incoming.append(ident)
        return ident

    def human(self, ident: str, name: str, lane: int, col: int, slot: int = 0) -> str:
        self.node(ident, "userTask", name, lane, col, slot=slot)
        timer = self.node(f"{ident}_warn", "boundaryEvent", WARNING_NAME, lane, col, slot=slot)
        self.nodes[timer].attached_to = ident
        end = self.node(f"{ident}_warn_end", "endEvent", WARNING_NAME, lane, col, slot=slot)
        self.flow(timer, end)
        return ident


def _check_arguments(process_id: str, name: str, lanes: Sequence[str]) -> None:
    problems = []
    if not _NCNAME.match(process_id):
        problems.append(f"流程标识“{process_id}”不合法：只能由字母、数字、_ . - 组成且不以数字开头")
    if not name.strip():
        problems.append("流程名称不能为空")
    if any(not lane.strip() for lane in lanes):
        problems.append("泳道（部门）名称不能为空")
    if problems:
        raise ProcessError("无法生成流程", problems=problems)


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values))


def _build(process: _Process, reviews: Sequence[tuple[int, str]], *, instant: bool) -> None:
    """Lay out start -> [acceptance] -> review(s) -> decision -> issue -> end."""
    col = 0
    start = process.node("start", "startEvent", "申请提交", 0, col)
    if instant:
        col += 1
        before_decision = process.human("decide", "即审即办", 0, col)
        process.flow(start, before_decision)
    else:
        col += 1
        accept = process.human("accept", "受理审查", 0, col)
        process.flow(start, accept)
        col += 1
        gw_accept = process.node("gw_accept", "exclusiveGateway", "是否受理", 0, col)
        process.flow(accept, gw_accept)
        refused = process.node("end_not_accepted", "endEvent", "不予受理", 0, col, below=True)
        process.flow(gw_accept, refused, "不予受理", REJECTED_CONDITION)
        col += 1
        slots: dict[int, int] = {}
        if len(reviews) == 1:
            lane, name = reviews[0]
            before_decision = process.human("review_1", name, lane, col)
            process.flow(gw_accept, before_decision, "受理")
        else:
            split = process.node("split", "parallelGateway", "", 0, col)
            process.flow(gw_accept, split, "受理")
            join = process.node("join", "parallelGateway", "", 0, col + 3)
            flags = []
            for n, (lane, name) in enumerate(reviews, start=1):
                slot = slots[lane] = slots.get(lane, -1) + 1
                task = process.human(f"review_{n}", name, lane, col + 1, slot)
                # The join keeps one branch's `rejected`, so each branch saves its own first.
                flags.append(f"rejected_review_{n}")
                record = process.node(
                    f"record_{n}", "scriptTask", "登记审查结论", lane, col + 2, slot
                )
                process.scripts[record] = f"{flags[-1]} = rejected"
                process.flow(split, task)
                process.flow(task, record)
                process.flow(record, join)
            summary = process.node("summarize", "scriptTask", "汇总审查结论", 0, col + 4)
            process.scripts[summary] = f"rejected = {' or '.join(flags)}"
            process.flow(join, summary)
            before_decision = summary
            col += 4
    col += 1
    gw_decision = process.node("gw_decision", "exclusiveGateway", "审批决定", 0, col)
    process.flow(before_decision, gw_decision)
    rejected = process.node("end_rejected", "endEvent", "不予批准", 0, col, below=True)
    process.flow(gw_decision, rejected, "不予批准", REJECTED_CONDITION)
    col += 1
    issue = process.node("issue", "scriptTask", "制证出证", 0, col)
    process.scripts[issue] = ISSUE_SCRIPT
    process.flow(gw_decision, issue, "批准")
    col += 1
    done = process.node("end_approved", "endEvent", "办结", 0, col)
    process.flow(issue, done)


def _layout(process: _Process) -> tuple[list[float], list[float], float]:
    """Place every node; returns lane tops, lane heights and the lane width."""
    slots = [1] * len(process.lanes)
    for node in process.nodes.values():
        slots[node.lane] = max(slots[node.lane], node.slot + 1)
    tops, heights, y = [], [], float(_POOL_Y)
    for count in slots:
        tops.append(y)
        heights.append(float(count * _SLOT))
        y += count * _SLOT
    columns = max(n.col for n in process.nodes.values()) + 1
    lanes_x = _POOL_X + _POOL_LABEL
    for node in process.nodes.values():
        w, h = _SIZES[_KINDS[node.tag]]
        cx = lanes_x + 90 + node.col * _COLUMN
        cy = tops[node.lane] + node.slot * _SLOT + _MAIN_Y + (_BELOW if node.below else 0)
        node.bounds = (cx - w / 2, cy - h / 2, w, h)
    for node in process.nodes.values():
        if node.tag == "boundaryEvent":
            tx, ty, _, _ = process.nodes[node.attached_to or ""].bounds
            node.bounds = (tx + 62, ty + 62, 36, 36)
        elif node.id.endswith("_warn_end"):
            bx, by, _, _ = process.nodes[node.id.removesuffix("_end")].bounds
            node.bounds = (bx, by + 80, 36, 36)
    return tops, heights, float(columns * _COLUMN + 60)


def _route(source: _Node, target: _Node) -> list[tuple[float, float]]:
    (sx, sy, sw, sh), (tx, ty, _, th) = source.bounds, target.bounds
    (scx, scy), (tcx, tcy) = source.center, target.center
    if abs(scy - tcy) < 1:
        return [(sx + sw, scy), (tx, tcy)]
    if abs(scx - tcx) < 1:
        return [(scx, sy + sh), (tcx, ty)] if tcy > scy else [(scx, sy), (tcx, ty + th)]
    if _KINDS[source.tag] == "gateway":
        return [(scx, sy + sh if tcy > scy else sy), (scx, tcy), (tx, tcy)]
    return [(sx + sw, scy), (tcx, scy), (tcx, ty + th if scy > tcy else ty)]


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _xml(process_id: str, name: str, process: _Process) -> str:
    tops, heights, width = _layout(process)
    root = etree.Element(
        _q(BPMN_NS, "definitions"),
        nsmap=dict(NSMAP),
        id=f"Definitions_{process_id}",
        targetNamespace="http://bpmn.io/schema/bpmn",
        exporter="CityHall",
        exporterVersion="1.0",
    )
    collaboration = etree.SubElement(root, _q(BPMN_NS, "collaboration"), id=f"Collab_{process_id}")
    etree.SubElement(
        collaboration,
        _q(BPMN_NS, "participant"),
        id=f"Pool_{process_id}",
        name=name,
        processRef=process_id,
    )
    proc = etree.SubElement(
        root, _q(BPMN_NS, "process"), id=process_id, name=name, isExecutable="true"
    )
    lane_set = etree.SubElement(proc, _q(BPMN_NS, "laneSet"), id=f"LaneSet_{process_id}")
    for index, lane_name in enumerate(process.lanes):
        lane = etree.SubElement(
            lane_set, _q(BPMN_NS, "lane"), id=f"lane_{index + 1}", name=lane_name
        )
        for node in process.nodes.values():
            if node.lane == index:
                etree.SubElement(lane, _q(BPMN_NS, "flowNodeRef")).text = node.id
    for node in process.nodes.values():
        attrs = {"id": node.id}
        if node.name:
            attrs["name"] = node.name
        if node.attached_to:
            attrs.update(cancelActivity="false", attachedToRef=node.attached_to)
        if node.tag == "exclusiveGateway":
            attrs["default"] = next(
                f.id for f in process.flows if f.source == node.id and not f.condition
            )
        if node.tag == "scriptTask":
            attrs["scriptFormat"] = "python"
        element = etree.SubElement(proc, _q(BPMN_NS, node.tag), attrs)
        for ident in node.incoming:
            etree.SubElement(element, _q(BPMN_NS, "incoming")).text = ident
        for ident in node.outgoing:
            etree.SubElement(element, _q(BPMN_NS, "outgoing")).text = ident
        if node.tag == "boundaryEvent":
            timer = etree.SubElement(
                element, _q(BPMN_NS, "timerEventDefinition"), id=f"{node.id}_timer"
            )
            date = etree.SubElement(timer, _q(BPMN_NS, "timeDate"))
            date.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
            date.text = WARN_AT_EXPRESSION
        if node.tag == "scriptTask":
            etree.SubElement(element, _q(BPMN_NS, "script")).text = process.scripts[node.id]
    for flow in process.flows:
        attrs = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
        if flow.name:
            attrs["name"] = flow.name
        element = etree.SubElement(proc, _q(BPMN_NS, "sequenceFlow"), attrs)
        if flow.condition:
            condition = etree.SubElement(element, _q(BPMN_NS, "conditionExpression"))
            condition.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
            condition.text = flow.condition

    diagram = etree.SubElement(root, _q(BPMNDI_NS, "BPMNDiagram"), id=f"Diagram_{process_id}")
    plane = etree.SubElement(
        diagram,
        _q(BPMNDI_NS, "BPMNPlane"),
        id=f"Plane_{process_id}",
        bpmnElement=f"Collab_{process_id}",
    )
    pool_height = sum(heights)

    def shape(element: str, bounds: tuple[float, float, float, float], **extra: str) -> None:
        item = etree.SubElement(
            plane, _q(BPMNDI_NS, "BPMNShape"), id=f"{element}_di", bpmnElement=element, **extra
        )
        x, y, w, h = bounds
        etree.SubElement(
            item, _q(DC_NS, "Bounds"), x=f"{x:g}", y=f"{y:g}", width=f"{w:g}", height=f"{h:g}"
        )

    shape(
        f"Pool_{process_id}",
        (_POOL_X, _POOL_Y, width + _POOL_LABEL, pool_height),
        isHorizontal="true",
    )
    for index in range(len(process.lanes)):
        shape(
            f"lane_{index + 1}",
            (_POOL_X + _POOL_LABEL, tops[index], width, heights[index]),
            isHorizontal="true",
        )
    for node in process.nodes.values():
        extra = {"isMarkerVisible": "true"} if node.tag == "exclusiveGateway" else {}
        shape(node.id, node.bounds, **extra)
    for flow in process.flows:
        edge = etree.SubElement(
            plane, _q(BPMNDI_NS, "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id
        )
        for x, y in _route(process.nodes[flow.source], process.nodes[flow.target]):
            etree.SubElement(edge, _q(DI_NS, "waypoint"), x=f"{x:g}", y=f"{y:g}")
    text = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return text.decode("utf-8")


def process_standard(
    *, process_id: str, name: str, lead_lane: str, review_lanes: Sequence[str], instant: bool
) -> str:
    """A single item's process: acceptance, review by each lane in parallel, decision, issue."""
    lanes = _unique([lead_lane, *review_lanes])
    _check_arguments(process_id, name, lanes)
    process = _Process(lanes)
    reviews = [(index, f"{lane}审查") for index, lane in enumerate(lanes)]
    _build(process, reviews, instant=instant)
    return _xml(process_id, name.strip(), process)


def process_bundle(
    *, process_id: str, name: str, lead_lane: str, item_lanes: Sequence[tuple[str, str]]
) -> str:
    """A 一件事 bundle: one acceptance, one parallel review per (item, lane), one decision."""
    lanes = _unique([lead_lane, *(lane for _, lane in item_lanes)])
    _check_arguments(process_id, name, lanes)
    process = _Process(lanes)
    reviews = [
        (lanes.index(lane.strip()), f"{lane.strip()}审查（{code}）") for code, lane in item_lanes
    ] or [(0, f"{lanes[0]}审查")]
    _build(process, reviews, instant=False)
    return _xml(process_id, name.strip(), process)
