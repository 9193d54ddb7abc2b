"""Errors that services raise and that views and the API turn into clear answers."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFoundError(DomainError):
    """The record does not exist or lies outside the caller's scope (the two are not told apart)."""

    code = "not_found"
    status = 404


class PermissionDeniedError(DomainError):
    code = "forbidden"
    status = 403
