"""One running process: start it, complete its user tasks, fire its timers, keep its state.

Timers and "now": SpiffWorkflow compares timer dates with the real clock
(``datetime.now(timezone.utc)``) whenever it updates a waiting timer, which happens at the end
of every engine run (start, complete, refresh). ``refresh(now)`` additionally marks every
waiting date/duration timer whose due time is at or before ``now`` as fired, so a caller (or a
test) can move time forward; it cannot hold back a timer the real clock has already passed.
A timer that fired during ``start`` or ``complete`` is reported by the next ``refresh``; each
fired boundary timer is reported exactly once (the mark is kept in the serialized state).
"""

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import BoundaryEventMixin, EndEventMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from cityhall.catalog.workflow.definition import process_compile
from cityhall.catalog.workflow.engine import ENGINE
from cityhall.catalog.workflow.errors import WorkflowError
from cityhall.core.errors import DomainError

_REPORTED: Final = "cityhall_reported"
_FIRED: Final = TaskState.READY | TaskState.COMPLETED


@dataclass(frozen=True)
class ReadyTask:
    id: str
    spec_id: str
    name: str
    lane: str | None


class _Serializers(threading.local):
    """The serializer flips a flag on its registry while encoding, so threads get their own."""

    def __init__(self) -> None:
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure())


_serializers = _Serializers()


@contextmanager
def _guarded(action: str) -> Iterator[None]:
    """Any failure inside SpiffWorkflow becomes a WorkflowError; domain errors pass unchanged."""
    try:
        yield
    except DomainError:
        raise
    except Exception as err:  # bad data or a bad definition; the run must not be kept
        raise WorkflowError(f"{action}失败：{type(err).__name__}: {err}") from err


def _is_timer_boundary(spec: Any) -> bool:
    return isinstance(spec, BoundaryEventMixin) and isinstance(
        spec.event_definition, TimerEventDefinition
    )


class WorkflowRun:
    """A BpmnWorkflow driven by the restricted script engine."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self._workflow = workflow

    @classmethod
    def start(cls, xml: str | bytes, data: dict[str, Any]) -> "WorkflowRun":
        """Start a run with ``data`` (form data, ``warn_at`` …) and advance to its first waits."""
        compiled = process_compile(xml)
        workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=ENGINE)
        initial = copy.deepcopy(data)
        workflow.data.update(initial)
        workflow.task_tree.data.update(initial)
        run = cls(workflow)
        run._advance()
        return run

    @classmethod
    def loads(cls, state: str) -> "WorkflowRun":
        """A run from the JSON ``dumps`` produced; the script engine is attached again."""
        try:
            workflow = _serializers.serializer.deserialize_json(state)
        except Exception as err:  # whatever is wrong with stored state, it cannot be resumed
            raise WorkflowError(f"流程状态无法读取：{err}") from err
        workflow.script_engine = ENGINE
        return cls(workflow)

    def dumps(self) -> str:
        with _guarded("保存流程状态"):
            return str(_serializers.serializer.serialize_json(self._workflow))

    def ready_user_tasks(self) -> list[ReadyTask]:
        """Tasks waiting for a person, in the order of the process tree."""
        return [
            ReadyTask(
                id=str(task.id),
                spec_id=task.task_spec.bpmn_id,
                name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                lane=task.task_spec.lane,
            )
            for task in self._workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        """Complete a ready user task with ``data`` merged into its data, then advance."""
        self._check_running()
        try:
            task = self._workflow.get_task_from_id(UUID(task_id))
        except (ValueError, TypeError, SpiffWorkflowException):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise WorkflowError(f"任务“{task_id}”不是待办的用户任务", code="task_not_ready")
        task.data.update(copy.deepcopy(data))
        with _guarded(f"完成任务“{task.task_spec.bpmn_name or task.task_spec.bpmn_id}”"):
            task.run()
        self._advance()

    def refresh(self, now: datetime | None = None) -> list[str]:
        """Fire timers due by ``now`` (or the real clock); the names of boundary timers fired."""
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if not self._workflow.is_completed():
            if now is not None:
                self._fire_due(now)
            self._advance()
        return self._report_fired()

    def cancel(self) -> None:
        self._workflow.cancel()

    @property
    def completed(self) -> bool:
        """True once the process reached its end; a cancelled run is not completed."""
        return bool(self._workflow.is_completed()) and not self.cancelled

    @property
    def cancelled(self) -> bool:
        return bool(self._workflow.completed and not self._workflow.success)

    @property
    def data(self) -> dict[str, Any]:
        """The latest value of every variable: the final data once completed."""
        workflow = self._workflow
        if self.completed:
            return copy.deepcopy(dict(workflow.data))
        merged = copy.deepcopy(dict(workflow.data))
        done = [
            task
            for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.parent is not None
        ]
        for task in sorted(done, key=lambda t: t.last_state_change):
            merged.update(copy.deepcopy(DeepMerge.get_updated_keys(task.parent.data, task.data)))
        return merged

    @property
    def end_event(self) -> str | None:
        """The end event that finished the process, ignoring deadline-warning timer ends."""
        spec = self._final_end()
        return None if spec is None else str(spec.bpmn_id)

    @property
    def end_event_name(self) -> str:
        """The name a modeller gave that end event (e.g. "不予批准"), or ""."""
        spec = self._final_end()
        return "" if spec is None else str(spec.bpmn_name or "")

    def _final_end(self) -> Any:
        if not self.completed:
            return None
        main_ends = self._main_end_ids()
        ends = [
            task
            for task in self._workflow.get_tasks(state=TaskState.COMPLETED)
            if task.workflow is self._workflow
            and isinstance(task.task_spec, EndEventMixin)
            and task.task_spec.bpmn_id in main_ends
        ]
        if not ends:
            return None
        return max(ends, key=lambda t: t.last_state_change).task_spec

    def _check_running(self) -> None:
        if self.cancelled:
            raise WorkflowError("流程已终止", code="workflow_cancelled")
        if self._workflow.is_completed():
            raise WorkflowError("流程已办结", code="workflow_completed")

    def _advance(self) -> None:
        workflow = self._workflow
        with _guarded("流程运行"):
            workflow.refresh_timers()
            workflow.do_engine_steps()
            # do_engine_steps updates timers last, so a timer it fires is still READY.
            while workflow.get_next_task(state=TaskState.READY, manual=False) is not None:
                workflow.do_engine_steps()

    def _fire_due(self, now: datetime) -> None:
        for task in list(self._workflow.event_manager.tasks.values()):
            definition = task.task_spec.event_definition
            value = task.internal_data.get("event_value")
            if value is None or task.state != TaskState.WAITING:
                continue
            if isinstance(definition, TimeDateEventDefinition):
                due = TimerEventDefinition.parse_time_or_duration(value)
            elif isinstance(definition, DurationTimerEventDefinition):
                due = TimerEventDefinition.get_datetime(value)
            else:
                continue
            if isinstance(due, datetime) and due <= now:
                task.internal_data["event_fired"] = True

    def _report_fired(self) -> list[str]:
        names = []
        for task in self._workflow.get_tasks(state=_FIRED):
            spec = task.task_spec
            if _is_timer_boundary(spec) and not task.internal_data.get(_REPORTED):
                task.internal_data[_REPORTED] = True
                names.append(str(spec.bpmn_name or spec.bpmn_id))
        return names

    def _main_end_ids(self) -> set[str]:
        """End events reachable without passing a non-interrupting timer (a warning path)."""
        start = self._workflow.spec.start
        seen, pending, ends = {start.name}, [start], set()
        while pending:
            spec = pending.pop()
            if isinstance(spec, EndEventMixin):
                ends.add(spec.bpmn_id)
            for output in spec.outputs:
                if output.name in seen:
                    continue
                if _is_timer_boundary(output) and not output.cancel_activity:
                    continue
                seen.add(output.name)
                pending.append(output)
        return ends
