"""The script engine SpiffWorkflow calls for conditions, timers and scripts.

It delegates to the restricted evaluator in ``expressions`` and reports failures as
WorkflowError naming the step, so a caller can show them as they are.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

from cityhall.catalog.workflow.errors import ExpressionError, WorkflowError
from cityhall.catalog.workflow.expressions import evaluate_expression, execute_script, validate


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """The environment SpiffWorkflow calls for conditions, timers and scripts."""

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        names = {**external_context, **context} if external_context else context
        return evaluate_expression(expression, names)

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        execute_script(script, context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError("不支持服务任务")


def _task_label(task: Any) -> str:
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    return str(name)


def _failure(task: Any, what: str, err: Exception) -> WorkflowError:
    detail = err.message if isinstance(err, ExpressionError) else f"{type(err).__name__}: {err}"
    return WorkflowError(f"环节“{_task_label(task)}”{what}失败：{detail}")


def _timer_value(task: Any, definition: TimerEventDefinition, value: Any) -> str:
    """SpiffWorkflow wants an ISO 8601 string; say plainly when the data holds something else."""
    if isinstance(value, datetime):
        value = value.isoformat()
    try:
        if isinstance(definition, DurationTimerEventDefinition):
            TimerEventDefinition.parse_iso_duration(value)
        elif not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):
            raise ValueError(value)
    except Exception:
        raise WorkflowError(
            f"定时器“{_task_label(task)}”的值 {value!r} 不是有效的 ISO 8601 时间"
            "（如 2026-11-25T09:00:00+08:00 或 P3D）"
        ) from None
    return str(value)


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's engine API over the restricted environment; errors become WorkflowError."""

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        validate(expression)

    def evaluate(
        self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            result = self.environment.evaluate(expression, task.data, external_context)
        except Exception as err:
            raise _failure(task, f"计算表达式“{expression.strip()}”", err) from err
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and expression == definition.expression:
            return _timer_value(task, definition, result)
        return result

    def execute(
        self, task: Any, script: str, external_context: Mapping[str, Any] | None = None
    ) -> bool:
        try:
            return bool(self.environment.execute(script, task.data, external_context))
        except Exception as err:
            raise _failure(task, "执行脚本", err) from err

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise WorkflowError(f"环节“{_task_label(task)}”是服务任务，本系统不支持")


ENGINE: Final = RestrictedScriptEngine()
