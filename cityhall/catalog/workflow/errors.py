"""Errors of the process package; all are domain errors so views can show them as they are."""

from collections.abc import Sequence

from cityhall.core.errors import DomainError


class ProcessError(DomainError):
    """A process definition cannot be used; ``problems`` lists every reason found."""

    code = "bpmn_invalid"

    def __init__(
        self, message: str, *, problems: Sequence[str] = (), code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.problems: list[str] = list(problems) or [message]


class ExpressionError(DomainError):
    """An expression or script uses something the restricted engine does not allow."""

    code = "bpmn_expression_invalid"


class WorkflowError(DomainError):
    """A running process cannot do what was asked (unknown task, failing condition …)."""

    code = "workflow_error"
