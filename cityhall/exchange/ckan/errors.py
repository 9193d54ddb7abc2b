"""The errors of the Action API: each is one of the answers CKAN's ckan/views/api.py gives,
with its status and its `error` object."""

from abc import ABC, abstractmethod
from typing import Any


class ActionError(Exception, ABC):
    """Base of the answers below; each says its HTTP status and CKAN's `error` object."""

    status = 500

    @abstractmethod
    def error(self) -> dict[str, Any]: ...


class NotFound(ActionError):
    status = 404

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        message = "Not found" + (f": {self.detail}" if self.detail else "")
        return {"__type": "Not Found Error", "message": message}


class NotAuthorized(ActionError):
    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        return {"__type": "Authorization Error", "message": f"Access denied: {self.detail}"}


class ValidationError(ActionError):
    status = 409

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors

    def error(self) -> dict[str, Any]:
        return {**self.errors, "__type": "Validation Error"}


class SearchQueryError(ActionError):
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        return {
            "__type": "Search Query Error",
            "message": f"Search Query is invalid: {self.detail!r}",
        }


class SearchError(ActionError):
    status = 409

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        return {"__type": "Search Error", "message": f"Search error: {self.detail!r}"}
