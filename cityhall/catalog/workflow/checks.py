"""Checks on the XML of a process that SpiffWorkflow does not make, or makes one at a time.

Each check appends human-readable problems (Simplified Chinese, naming the element) so an
editor sees everything wrong with a definition at once.
"""

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cityhall.catalog.workflow.errors import ExpressionError
from cityhall.catalog.workflow.expressions import compile_expression, compile_script
from cityhall.catalog.workflow.xmlsafe import NSMAP, bpmn

HUMAN_TASKS: Final = ("userTask", "manualTask", "task")
_HUMAN_TAGS: Final = frozenset(bpmn(tag) for tag in HUMAN_TASKS)
_GATEWAYS: Final = frozenset(bpmn(tag) for tag in ("exclusiveGateway", "inclusiveGateway"))
_CONTAINERS: Final = frozenset(
    bpmn(tag) for tag in ("process", "subProcess", "transaction", "adHocSubProcess")
)
_FLOW_NODES: Final = frozenset(
    bpmn(tag)
    for tag in (
        *HUMAN_TASKS,
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
    )
)
_UNSUPPORTED: Final = {
    bpmn("serviceTask"): "服务任务（serviceTask）",
    bpmn("sendTask"): "发送任务（sendTask）",
    bpmn("receiveTask"): "接收任务（receiveTask）",
    bpmn("businessRuleTask"): "业务规则任务（businessRuleTask）",
    bpmn("complexGateway"): "复杂网关（complexGateway）",
    bpmn("messageEventDefinition"): "消息事件（messageEventDefinition）",
    bpmn("timeCycle"): "循环定时器（timeCycle）",
}
_PYTHON_FORMATS: Final = frozenset({"", "python", "python3", "py", "text/x-python"})
# An unquoted ISO date or duration in a timer is read as a (misspelt) expression; say so.
_ISO_LITERAL = re.compile(r"^(P[0-9TWYMDHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]*)?)$", re.I)


def _tag(node: etree._Element) -> str:
    return etree.QName(node).localname


def label(node: etree._Element) -> str:
    """How a problem names an element: its name, then its id in brackets."""
    name = (node.get("name") or "").strip()
    ident = node.get("id") or "?"
    return f"“{name}”({ident})" if name else f"({ident})"


def _xpath(node: etree._Element, path: str) -> list[etree._Element]:
    result = node.xpath(path, namespaces=NSMAP)
    if not isinstance(result, list):
        return []
    return [item for item in result if isinstance(item, etree._Element)]


@dataclass
class Findings:
    """Problems found so far and the ids of the elements they concern."""

    problems: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def add(self, message: str, node: etree._Element | None = None) -> None:
        if message not in self.problems:
            self.problems.append(message)
        if node is not None and node.get("id"):
            self.ids.add(node.get("id") or "")


def lane_map(root: etree._Element) -> dict[str, str | None]:
    """Flow node id -> name of the innermost lane holding it (later refs win, as in Spiff)."""
    lanes: dict[str, str | None] = {}
    for ref in _xpath(root, ".//bpmn:flowNodeRef"):
        if ref.text:
            lanes[ref.text.strip()] = (ref.getparent().get("name") or "").strip() or None
    return lanes


def lane_of(node: etree._Element, lanes: dict[str, str | None]) -> str | None:
    """A node's lane; nodes inside a sub-process belong to the sub-process's lane."""
    current: etree._Element | None = node
    while current is not None and current.tag != bpmn("process"):
        ident = current.get("id")
        if ident in lanes:
            return lanes[ident]
        current = current.getparent()
    return None


def leaf_lanes(process: etree._Element) -> Iterator[etree._Element]:
    for lane in _xpath(process, ".//bpmn:laneSet//bpmn:lane"):
        if not _xpath(lane, "./bpmn:childLaneSet/bpmn:lane"):
            yield lane


def human_tasks(process: etree._Element) -> list[etree._Element]:
    return [node for node in process.iter() if node.tag in _HUMAN_TAGS]


def check_lanes(process: etree._Element, lanes: dict[str, str | None], found: Findings) -> None:
    for lane in _xpath(process, ".//bpmn:lane"):
        if not (lane.get("name") or "").strip():
            found.add(f"泳道{label(lane)}没有名称；泳道名称应为审批部门名称", lane)
    for task in human_tasks(process):
        if lane_of(task, lanes) is None:
            found.add(f"用户任务{label(task)}不在任何泳道中", task)


def check_unsupported(
    process: etree._Element, process_ids: set[str], found: Findings
) -> Iterable[str]:
    """Report elements the runtime cannot drive; return the ids of processes called."""
    called = []
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        what = _UNSUPPORTED.get(node.tag)
        if what is not None:
            owner = node if node.get("id") and node.tag in _FLOW_NODES else _owner(node)
            found.add(f"不支持{what}：{label(owner)}", owner)
        if node.tag == bpmn("callActivity"):
            target = node.get("calledElement") or ""
            if target not in process_ids:
                found.add(f"调用活动{label(node)}引用了本文件中不存在的流程“{target}”", node)
            else:
                called.append(target)
    return called


def _owner(node: etree._Element) -> etree._Element:
    current = node
    while current.getparent() is not None and current.tag not in _FLOW_NODES:
        current = current.getparent()
    return current


def _expression_problem(found: Findings, node: etree._Element, what: str, text: str) -> None:
    try:
        compile_expression(text)
    except ExpressionError as err:
        found.add(f"{what}{label(node)}的表达式“{text.strip()}”不可用：{err.message}", node)


def check_expressions(process: etree._Element, found: Findings) -> None:
    by_id = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
    for flow in _xpath(process, ".//bpmn:sequenceFlow"):
        source = by_id.get(flow.get("sourceRef"))
        condition = _xpath(flow, "./bpmn:conditionExpression")
        if source is None or by_id.get(flow.get("targetRef")) is None:
            found.add(f"顺序流{label(flow)}的起点或终点不存在", flow)
            continue
        is_default = source.get("default") == flow.get("id")
        if source.tag in _GATEWAYS and not is_default:
            text = condition[0].text if condition else None
            if not (text or "").strip():
                if (
                    len(_xpath(process, f".//bpmn:sequenceFlow[@sourceRef='{source.get('id')}']"))
                    > 1
                ):
                    found.add(f"网关{label(source)}的出口{label(flow)}既不是默认流也没有条件", flow)
            else:
                _expression_problem(found, flow, "顺序流", text or "")
        elif condition and source.tag not in _GATEWAYS and not is_default:
            found.add(f"顺序流{label(flow)}从非网关元素引出却带有条件；请改用排他网关", flow)
    for script_task in _xpath(process, ".//bpmn:scriptTask"):
        script_format = (script_task.get("scriptFormat") or "").strip().lower()
        if script_format not in _PYTHON_FORMATS:
            found.add(
                f"脚本任务{label(script_task)}的脚本格式为“{script_format}”，"
                "只支持受限的 python 表达式赋值",
                script_task,
            )
        scripts = _xpath(script_task, "./bpmn:script")
        text = scripts[0].text if scripts else None
        try:
            compile_script(text or "")
        except ExpressionError as err:
            found.add(f"脚本任务{label(script_task)}的脚本不可用：{err.message}", script_task)
    for timer in _xpath(process, ".//bpmn:timeDate | .//bpmn:timeDuration"):
        event = _owner(timer)
        text = (timer.text or "").strip()
        if _ISO_LITERAL.match(text):
            found.add(
                f'定时器{label(event)}的值 {text} 须写成带引号的字符串 "{text}"'
                "（或使用变量，如 warn_at）",
                event,
            )
        else:
            _expression_problem(found, event, "定时器", text)
    for path in (
        ".//bpmn:conditionalEventDefinition/bpmn:condition",
        ".//bpmn:loopCardinality",
        ".//bpmn:completionCondition",
        ".//bpmn:loopCondition",
    ):
        for node in _xpath(process, path):
            _expression_problem(found, _owner(node), "元素", node.text or "")


def check_paths(process: etree._Element, found: Findings) -> None:
    """Every node must lead somewhere and some end event must be reachable from the start."""
    for container in [process, *(n for n in process.iter() if n.tag in _CONTAINERS)]:
        nodes = [n for n in container if n.tag in _FLOW_NODES]
        outgoing: dict[str, list[str]] = {}
        for flow in container.findall(bpmn("sequenceFlow")):
            outgoing.setdefault(flow.get("sourceRef") or "", []).append(flow.get("targetRef") or "")
        for node in nodes:
            if node.tag in (bpmn("endEvent"), bpmn("boundaryEvent")):
                continue
            if node.tag == bpmn("adHocSubProcess") or container.tag == bpmn("adHocSubProcess"):
                continue
            if not outgoing.get(node.get("id") or ""):
                found.add(f"元素{label(node)}没有出口顺序流，流程会停在这里", node)
        if container is not process:
            continue
        starts = [n for n in nodes if n.tag == bpmn("startEvent")]
        if not starts:
            found.add(f"流程{label(process)}没有开始事件", process)
            continue
        boundary: dict[str, list[str]] = {}
        for node in nodes:
            if node.tag == bpmn("boundaryEvent"):
                boundary.setdefault(node.get("attachedToRef") or "", []).append(
                    node.get("id") or ""
                )
        seen = {n.get("id") or "" for n in starts}
        queue = deque(seen)
        while queue:
            current = queue.popleft()
            for target in outgoing.get(current, []) + boundary.get(current, []):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        ends = {n.get("id") for n in nodes if n.tag == bpmn("endEvent")}
        if not ends & seen:
            found.add(f"流程{label(process)}从开始事件出发无法到达任何结束事件", process)
