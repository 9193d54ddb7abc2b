"""Validating a BPMN process and turning it into SpiffWorkflow specs, cached by content hash."""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from cityhall.catalog.workflow import checks
from cityhall.catalog.workflow.errors import ProcessError
from cityhall.catalog.workflow.xmlsafe import bpmn, xml_bytes, xml_parse


@dataclass(frozen=True)
class UserTaskInfo:
    id: str
    name: str
    lane: str | None


@dataclass(frozen=True)
class ProcessDefinition:
    process_id: str
    name: str
    lanes: tuple[str, ...]
    user_tasks: tuple[UserTaskInfo, ...]
    xml_sha256: str


@dataclass(frozen=True)
class CompiledProcess:
    """A validated definition with the specs SpiffWorkflow runs; shared by every run of it."""

    definition: ProcessDefinition
    spec: Any
    subprocess_specs: dict[str, Any]


CACHE_SIZE: Final = 256
_cache: OrderedDict[str, CompiledProcess] = OrderedDict()
_cache_lock = threading.Lock()

# SpiffWorkflow's parser reports in English; the usual messages get a translation.
_SPIFF_MESSAGES: Final = {
    "Non-default exclusive outgoing sequence flow without condition": "网关的非默认出口缺少条件",
    "There is no support implemented for this task type.": "不支持这种元素",
    "No start event found": "没有开始事件",
    "Multiple outgoing flows are not supported for tasks of type": (
        "该元素不能有多个出口顺序流，请用网关分支"
    ),
    "Cancel Events may only be used with transactions": "取消事件只能用于事务子流程",
    "A SubWorkflow Must contain an End event": "子流程必须有结束事件",
}


def _spiff_problem(err: Exception) -> str:
    message = str(err.args[0]) if err.args else str(err)
    for english, chinese in _SPIFF_MESSAGES.items():
        if message.startswith(english):
            message = chinese
            break
    if isinstance(err, ValidationException) and (err.id or err.name):
        where = f"“{err.name}”({err.id})" if err.name else f"({err.id})"
        return f"BPMN 解析错误：元素{where}：{message}"
    return f"BPMN 解析错误：{message}"


def _main_process(root: etree._Element) -> tuple[etree._Element, list[etree._Element]]:
    processes = root.findall(bpmn("process"))
    if not processes:
        raise ProcessError("文件中没有流程", problems=["BPMN 文件中没有任何 bpmn:process"])
    called = {
        node.get("calledElement")
        for process in processes
        for node in process.iter(bpmn("callActivity"))
    }
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    main = [p for p in executable if p.get("id") not in called]
    if not main:
        raise ProcessError(
            "没有可执行的流程",
            problems=['没有可执行的流程：请在 bpmn:process 上设置 isExecutable="true"'],
        )
    if len(main) > 1:
        ids = "、".join(p.get("id") or "?" for p in main)
        raise ProcessError(
            "有多个可执行的流程",
            problems=[f"文件中有多个可执行的流程（{ids}），只能有一个"],
        )
    return main[0], processes


def _used_processes(
    main: etree._Element, processes: list[etree._Element], found: checks.Findings
) -> list[etree._Element]:
    by_id = {p.get("id") or "": p for p in processes}
    used, pending = [main], [main]
    while pending:
        for target in checks.check_unsupported(pending.pop(), set(by_id), found):
            if by_id[target] not in used:
                used.append(by_id[target])
                pending.append(by_id[target])
    return used


def _display_name(root: etree._Element, process: etree._Element) -> str:
    name = (process.get("name") or "").strip()
    if name:
        return name
    for participant in root.iter(bpmn("participant")):
        if participant.get("processRef") == process.get("id") and participant.get("name"):
            return (participant.get("name") or "").strip()
    return process.get("id") or ""


def _compile(xml: str | bytes, sha: str) -> CompiledProcess:
    root = xml_parse(xml)
    main, processes = _main_process(root)
    found = checks.Findings()
    used = _used_processes(main, processes, found)
    lanes = checks.lane_map(root)
    for process in used:
        checks.check_lanes(process, lanes, found)
        checks.check_expressions(process, found)
        checks.check_paths(process, found)

    main_id = main.get("id") or ""
    spec, subprocess_specs = None, {}
    parser = BpmnParser()
    try:
        parser.add_bpmn_xml(root)
        spec = parser.get_spec(main_id)
        subprocess_specs = parser.get_subprocess_specs(main_id)
    except Exception as err:  # the parser raises bare exceptions too, all of them mean "invalid"
        # Spiff stops at its first error, which is usually one we reported already.
        ident = err.id if isinstance(err, ValidationException) else None
        if not found.problems or (ident and ident not in found.ids):
            found.add(_spiff_problem(err))
    if found.problems or spec is None:
        raise ProcessError("流程定义有错误", problems=found.problems)

    lane_names: list[str] = []
    for process in used:
        for lane in checks.leaf_lanes(process):
            name = (lane.get("name") or "").strip()
            if name and name not in lane_names:
                lane_names.append(name)
    tasks = tuple(
        UserTaskInfo(
            id=task.get("id") or "",
            name=(task.get("name") or "").strip() or (task.get("id") or ""),
            lane=checks.lane_of(task, lanes),
        )
        for process in used
        for task in checks.human_tasks(process)
    )
    definition = ProcessDefinition(
        process_id=main_id,
        name=_display_name(root, main),
        lanes=tuple(lane_names),
        user_tasks=tasks,
        xml_sha256=sha,
    )
    return CompiledProcess(definition, spec, subprocess_specs)


def process_compile(xml: str | bytes) -> CompiledProcess:
    """The validated, parsed process; repeated calls with the same XML reuse the first result."""
    sha = hashlib.sha256(xml_bytes(xml)).hexdigest()
    with _cache_lock:
        compiled = _cache.get(sha)
        if compiled is not None:
            _cache.move_to_end(sha)
            return compiled
    # Parsing runs outside the lock; two threads may both parse a new process, which is harmless.
    compiled = _compile(xml, sha)
    with _cache_lock:
        _cache[sha] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def process_validate(xml: str | bytes) -> ProcessDefinition:
    """Check a BPMN 2.0 process for use here; ProcessError lists every problem found."""
    return process_compile(xml).definition
