"""Small hand-written BPMN documents for the tests."""

from xml.sax.saxutils import escape

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs"'
    ' targetNamespace="http://bpmn.io/schema/bpmn">'
)
TAIL = "</bpmn:definitions>"


def script_process(script: str) -> str:
    """start -> scriptTask "calc" -> end, in one lane."""
    return (
        HEAD + '<bpmn:process id="p" name="脚本" isExecutable="true">'
        '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="区民政局">'
        "<bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>calc</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        '<bpmn:startEvent id="s"/>'
        f'<bpmn:scriptTask id="calc" name="计算" scriptFormat="python">'
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
        '<bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="calc"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="e"/>'
        "</bpmn:process>" + TAIL
    )


def gateway_process(condition: str, *, lane: bool = True) -> str:
    """start -> userTask "check" -> gateway [condition -> "big"] [default -> "small"]."""
    lanes = (
        '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="街道办事处">'
        "<bpmn:flowNodeRef>check</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        if lane
        else ""
    )
    return (
        HEAD
        + '<bpmn:process id="p" name="分支" isExecutable="true">'
        + lanes
        + '<bpmn:startEvent id="s"/>'
        '<bpmn:userTask id="check" name="受理审查"/>'
        '<bpmn:exclusiveGateway id="g" name="户数" default="f4"/>'
        '<bpmn:endEvent id="big" name="大户"/><bpmn:endEvent id="small" name="小户"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="check"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="g"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="big">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        f"{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="small"/>'
        "</bpmn:process>" + TAIL
    )
