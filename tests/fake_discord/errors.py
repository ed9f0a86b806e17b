"""Discord's JSON error responses."""

from __future__ import annotations

from typing import Any

from .limits import FormErrors


class ApiError(Exception):
    """Raised by a route handler; becomes ``{"message", "code"[, "errors"]}`` with a status."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        *,
        violation: bool = False,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation or status == 400

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid_form(errors: FormErrors) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors.errors)


def raise_if(errors: FormErrors) -> None:
    if errors:
        raise invalid_form(errors)


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
UNKNOWN_APPLICATION = 10002


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def not_found_route() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


class WaitTimeout(AssertionError):
    """A test helper waited for something the bot never did."""
