"""BPMN processes for service items: validation, generation of the standard shapes, and runs.

A plain Python package (no Django models): the catalogue validates and stores process XML, the
applications app starts and advances runs and keeps their JSON state.
"""

from cityhall.catalog.workflow.definition import (
    ProcessDefinition,
    UserTaskInfo,
    process_validate,
)
from cityhall.catalog.workflow.engine import RestrictedScriptEngine
from cityhall.catalog.workflow.errors import ExpressionError, ProcessError, WorkflowError
from cityhall.catalog.workflow.expressions import validate
from cityhall.catalog.workflow.generate import WARNING_NAME, process_bundle, process_standard
from cityhall.catalog.workflow.run import ReadyTask, WorkflowRun

__all__ = [
    "WARNING_NAME",
    "ExpressionError",
    "ProcessDefinition",
    "ProcessError",
    "ReadyTask",
    "RestrictedScriptEngine",
    "UserTaskInfo",
    "WorkflowError",
    "WorkflowRun",
    "process_bundle",
    "process_standard",
    "process_validate",
    "validate",
]
